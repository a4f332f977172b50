package logging

import (
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is returned by writes to a stream after Manager.Close.
var ErrClosed = errors.New("logging: manager closed")

// Manager owns the log streams and their writers. Create it with
// NewManager, register streams with NewStream, and Close it at shutdown to
// flush every log and write the #close lines.
type Manager struct {
	cfg Config

	mu      sync.Mutex
	closed  bool
	paths   map[string]bool // output paths in use
	running []runner        // streams that have started writing
	wg      sync.WaitGroup

	errMu sync.Mutex
	err   error

	rot *rotation // rotation.go
}

// runner is the non-generic face of a started stream.
type runner interface {
	stop()                      // closes the queue; the goroutine then finishes
	flush(done chan<- struct{}) // asks the goroutine to drain and flush
}

// NewManager returns a Manager with settings cfg.
func NewManager(cfg Config) (*Manager, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rot, err := newRotation(&cfg)
	if err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, paths: map[string]bool{}, rot: rot}
	if cfg.RotationInterval > 0 {
		m.startTimer()
	}
	return m, nil
}

// Config returns the manager's settings.
func (m *Manager) Config() Config { return m.cfg }

// report keeps the first error.
func (m *Manager) report(err error) {
	if err == nil {
		return
	}
	m.errMu.Lock()
	if m.err == nil {
		m.err = err
	}
	m.errMu.Unlock()
}

// Err returns the first error a writer has reported so far.
func (m *Manager) Err() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

// claim reserves output paths for a new stream.
func (m *Manager) claim(paths []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	for i, p := range paths {
		if m.paths[p] {
			return fmt.Errorf("logging: path %q is already used by another filter", p)
		}
		for _, q := range paths[:i] {
			if p == q {
				return fmt.Errorf("logging: path %q is used by two filters", p)
			}
		}
	}
	for _, p := range paths {
		m.paths[p] = true
	}
	return nil
}

// register records a stream whose goroutine is about to start.
func (m *Manager) register(r runner) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.running = append(m.running, r)
	m.wg.Add(1)
	return nil
}

// newWriter creates the writer for one log.
func (m *Manager) newWriter(info WriterInfo) (Writer, error) {
	if m.cfg.NewWriter != nil {
		return m.cfg.NewWriter(info)
	}
	files := m.cfg.Files()
	newW := func() Writer { return NewFormatWriter(m.cfg.Format(), files, m.cfg.Now) }
	if m.rot.on && !files.Stdout {
		return &rotatingWriter{m: m, newW: newW, files: files}, nil
	}
	return newW(), nil
}

// Flush waits until every record written before the call has been handed
// to its writer and the writers have flushed, and returns the first error
// so far.
func (m *Manager) Flush() error {
	m.mu.Lock()
	rs := append([]runner(nil), m.running...)
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return m.Err()
	}
	for _, r := range rs {
		done := make(chan struct{})
		r.flush(done)
		<-done
	}
	return m.Err()
}

// Close stops accepting records, writes out everything queued, closes the
// writers (which write #close lines) and returns the first error any
// writer reported. Writes that are blocked on a full queue complete first.
// With rotation enabled the files are rotated as they close and Close
// waits for the rotation policy to finish with them. Close is idempotent.
func (m *Manager) Close() error {
	m.stopTimer()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return m.Err()
	}
	m.closed = true
	rs := m.running
	m.mu.Unlock()
	for _, r := range rs {
		r.stop()
	}
	m.wg.Wait()
	m.rot.pp.Wait()
	return m.Err()
}
