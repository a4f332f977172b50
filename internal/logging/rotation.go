package logging

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/logging/schema"
)

// rotation is the manager's rotation state: a counter that Rotate bumps
// (each file writer compares it with the one it opened under, so the
// record path costs one atomic load), the time of the last rotation, the
// interval timer and the postprocessors in flight.
type rotation struct {
	on     bool // files are wrapped for rotation
	policy rotate.Policy
	base   time.Duration

	epoch atomic.Uint64
	mu    sync.Mutex
	at    time.Time // time of the rotation numbered epoch

	cancel context.CancelFunc // stops the interval timer
	done   chan struct{}      // closed when the timer has stopped
	pp     sync.WaitGroup     // running postprocessors
}

// newRotation sets up rotation for cfg (already validated).
func newRotation(cfg *Config) (*rotation, error) {
	r := &rotation{
		on:     cfg.RotationInterval > 0 || cfg.RotationPolicy != nil,
		policy: cfg.RotationPolicy,
	}
	base, err := rotate.ParseBaseTime(cfg.RotationBaseTime)
	if err != nil {
		return nil, fmt.Errorf("logging: log_rotate_base_time: %w", err)
	}
	r.base = base
	return r, nil
}

// last returns the current epoch and the time of its rotation (zero
// before the first).
func (r *rotation) last() (uint64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.epoch.Load(), r.at
}

// startTimer rotates every cfg.RotationInterval on the interval's
// boundaries until stopTimer.
func (m *Manager) startTimer() {
	r := m.rot
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	clk := rotate.Clock{Now: m.cfg.Now, After: m.cfg.After}
	go func() {
		defer close(r.done)
		rotate.Schedule(ctx, time.Duration(m.cfg.RotationInterval), r.base, clk, func(at time.Time) {
			m.report(m.rotateAt(at))
		})
	}()
}

// stopTimer stops the interval timer and waits for it.
func (m *Manager) stopTimer() {
	r := m.rot
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
}

// Rotate rotates every open log file now: each is closed (the ASCII
// writer writes #close), renamed to Zeek's rotated name
// (<path>.YYYY-MM-DD-HH-MM-SS.log next to the live file) and handed to
// Config.RotationPolicy; the log's next record opens a new file with a new
// header. Records queued before the call are written first, some of them
// possibly into the new files. Rotate returns once the files are renamed;
// the policy runs in the background and Close waits for it. It fails when
// Config enables no rotation (RotationInterval and RotationPolicy unset).
func (m *Manager) Rotate() error {
	if !m.rot.on {
		return fmt.Errorf("logging: rotation is not enabled (set Log::default_rotation_interval or a rotation policy)")
	}
	return m.rotateAt(m.cfg.Now())
}

// rotateAt starts a rotation with close time t and waits until every
// stream has rotated its files.
func (m *Manager) rotateAt(t time.Time) error {
	r := m.rot
	r.mu.Lock()
	r.at = t
	r.epoch.Add(1)
	r.mu.Unlock()
	return m.Flush()
}

// postprocess hands a rotated file to the policy in the background.
func (m *Manager) postprocess(f rotate.File) {
	if m.rot.policy == nil {
		return
	}
	m.rot.pp.Add(1)
	go func() {
		defer m.rot.pp.Done()
		m.report(m.rot.policy.Rotated(f))
	}()
}

// rotatingWriter wraps the file writer of one log and rotates its file
// when the manager's rotation epoch moves on. It runs on the stream's
// goroutine like any Writer.
type rotatingWriter struct {
	m     *Manager
	newW  func() Writer
	files *Files

	w     Writer // nil between a rotation and the next record
	info  WriterInfo
	epoch uint64
	open  time.Time
	name  string // the live file
}

var _ Writer = (*rotatingWriter)(nil)

func (r *rotatingWriter) Init(info WriterInfo) error {
	r.info = info
	return r.start()
}

// start opens a new file; its interval starts at the last rotation.
func (r *rotatingWriter) start() error {
	r.epoch, r.open = r.m.rot.last()
	if r.open.IsZero() {
		r.open = r.m.cfg.Now()
	}
	r.name = r.files.Name(r.info.Path)
	w := r.newW()
	if err := w.Init(r.info); err != nil {
		w.Close()
		return err
	}
	r.w = w
	return nil
}

// check rotates the file if a rotation happened since it was opened.
func (r *rotatingWriter) check() error {
	if r.m.rot.epoch.Load() == r.epoch {
		return nil
	}
	e, at := r.m.rot.last()
	r.epoch = e
	if r.w == nil {
		return nil
	}
	return r.rotate(at, false)
}

func (r *rotatingWriter) Write(rec schema.Record) error {
	err := r.check()
	if r.w == nil {
		if serr := r.start(); serr != nil {
			return serr
		}
	}
	if werr := r.w.Write(rec); err == nil {
		err = werr
	}
	return err
}

func (r *rotatingWriter) Flush() error {
	err := r.check()
	if r.w != nil {
		if ferr := r.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// Close closes the file and rotates it as Zeek does at shutdown.
func (r *rotatingWriter) Close() error {
	if r.w == nil {
		return nil
	}
	return r.rotate(r.m.cfg.Now(), true)
}

// rotate closes the current file, renames it and hands it on.
func (r *rotatingWriter) rotate(at time.Time, terminating bool) error {
	err := r.w.Close()
	r.w = nil
	f := rotate.File{
		Path:        filepath.Base(r.info.Path),
		Ext:         r.files.Suffix,
		Open:        r.open,
		Close:       at,
		Terminating: terminating,
	}
	if f.Ext == "" {
		f.Ext = "log"
	}
	f.Name = filepath.Join(filepath.Dir(r.name), rotate.RotatedName(f.Path, r.open)+"."+f.Ext)
	if !strings.HasSuffix(r.name, "."+f.Ext) {
		// Compressed by the writer (LogAscii::gzip_level): keep its extension.
		f.Compressed = strings.TrimPrefix(filepath.Ext(r.name), ".")
		f.Name += "." + f.Compressed
	}
	r.open = at
	if rerr := os.Rename(r.name, f.Name); rerr != nil {
		if err == nil {
			err = fmt.Errorf("logging: rotate %s: %w", r.name, rerr)
		}
		return err
	}
	r.m.postprocess(f)
	return err
}
