package logship

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
)

// LoggerOptions tunes a Logger. The zero value (or nil) gives the
// defaults.
type LoggerOptions struct {
	// Log gives the format of the files (ASCII or JSON and their options,
	// gzip, suffix) as for a standalone node; Log.LogDir "" is the
	// layout's log_dir. A zero Config is logging.DefaultConfig() (with
	// the rotation settings and Now kept).
	//
	// Rotation works as for a standalone node: with Log.RotationInterval
	// (Log::default_rotation_interval) set, each file is rotated on the
	// boundaries rotate.Next gives for it and Log.RotationBaseTime
	// (log_rotate_base_time), and with an interval or Log.RotationPolicy
	// set, also when the logger stops writing the path; each rotated file
	// goes to Log.RotationPolicy (nil: it stays next to the live one
	// under Zeek's rotated name). A *rotate.Archiver without a Suffix gets
	// the node's name as Suffix when the layout has several loggers.
	// Log.Now is the clock of rotations and of #open and #close;
	// Log.After is not used (the writer checks the clock between fetches,
	// at most FetchWait apart).
	Log logging.Config
	// JournalDir is where the write journal is kept; "" is
	// <spool_dir>/<node>/journal.
	JournalDir string
	// Fetch is the most batches written as one group (one sync, one
	// journal update), 128.
	Fetch int
	// FetchWait bounds the wait for a group to fill, 500 ms.
	FetchWait time.Duration
	// AckWait is how long JetStream waits for the acknowledgement of a
	// delivered batch before delivering it again, 30 s.
	AckWait time.Duration
	// Poll is how often the logger looks for new log paths and checks
	// ownership, 1 s (also at once when a node goes up or down).
	Poll time.Duration
	// DrainTimeout bounds the drain when the logger stops, 5 s: before
	// it rotates (or closes) its files, the logger writes what is still
	// queued in the stream for every path it owns (paths that got their
	// first batches since its last look included), until their consumers
	// have nothing pending. Batches it could not read by then (the
	// timeout ran out, or NATS is unreachable) stay in the stream, not
	// acknowledged, and go into a new file of the path's next writer:
	// this logger when it starts again, or the logger that takes the
	// path over. The files are rotated at stop either way; rotation
	// needs only the local file and the journal.
	DrainTimeout time.Duration
	// Stream configures the log stream if the logger creates it.
	Stream *StreamOptions
	// Warn receives one-line warnings; nil prints them on standard error.
	Warn func(string)
}

func (o *LoggerOptions) fill(c *transport.Conn) {
	if o.Log.Separator == "" && !o.Log.UseJSON && o.Log.LogSuffix == "" {
		given := o.Log
		o.Log = logging.DefaultConfig()
		o.Log.LogDir = given.LogDir
		o.Log.RotationInterval, o.Log.RotationPolicy = given.RotationInterval, given.RotationPolicy
		if given.RotationBaseTime != "" {
			o.Log.RotationBaseTime = given.RotationBaseTime
		}
		if given.Now != nil {
			o.Log.Now = given.Now
		}
	}
	if o.Log.LogSuffix == "" {
		o.Log.LogSuffix = "log"
	}
	if o.Log.Now == nil {
		o.Log.Now = time.Now
	}
	if o.Log.LogDir == "" {
		o.Log.LogDir = c.Layout().LogDir
	}
	if o.JournalDir == "" {
		o.JournalDir = filepath.Join(c.Layout().SpoolDir, c.Name(), "journal")
	}
	if o.Fetch <= 0 {
		o.Fetch = 128
	}
	if o.FetchWait <= 0 {
		o.FetchWait = 500 * time.Millisecond
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 5 * time.Second
	}
	if o.Warn == nil {
		o.Warn = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
}

// LoggerCounters are a Logger's counts since it started.
type LoggerCounters struct {
	// Batches and Records count what was written to log files.
	Batches, Records uint64
	// Repeats counts batches skipped because they were written before
	// (a batch sent twice, or delivered again after a restart).
	Repeats uint64
	// Corrupt counts batches that could not be decoded (skipped, with a
	// warning).
	Corrupt uint64
	// Takeovers counts the times a log path was taken up (at start, from
	// another logger, after an error).
	Takeovers uint64
}

// Logger writes the cluster's logs: for every log path it owns (by
// rendezvous hashing over the live loggers, or every path on the manager
// while no logger is live), it consumes the path's batches from the log
// stream and appends them to <log_dir>/<path>.log with Heron's writers,
// exactly once (see docs/format/log-transport.md).
type Logger struct {
	c      *transport.Conn
	o      LoggerOptions
	strm   string
	prefix string // "<cluster>.log."

	mu    sync.Mutex
	paths map[string]*pathRun // by path
	wg    sync.WaitGroup
	rot   rotation
	drain atomic.Pointer[drainState] // set when the logger stops

	batches, records, repeats, corrupt, takeovers atomic.Uint64
}

// NewLogger returns the logger of c's node (a logger, or the manager).
func NewLogger(c *transport.Conn, o *LoggerOptions) (*Logger, error) {
	var opts LoggerOptions
	if o != nil {
		opts = *o
	}
	opts.fill(c)
	rot, err := newRotation(&opts.Log, c)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.JournalDir, 0o755); err != nil {
		return nil, fmt.Errorf("logship: journal: %w", err)
	}
	return &Logger{
		c: c, o: opts, rot: rot,
		strm:   transport.LogStreamName(c.Cluster()),
		prefix: c.Subject(transport.PrefixLog + "."),
		paths:  map[string]*pathRun{},
	}, nil
}

// RunLogger runs a logger for c's node until ctx ends:
// NewLogger(c, o) and Run.
func RunLogger(ctx context.Context, c *transport.Conn, o *LoggerOptions) error {
	lg, err := NewLogger(c, o)
	if err != nil {
		return err
	}
	return lg.Run(ctx)
}

// Counters returns the logger's counts so far.
func (lg *Logger) Counters() LoggerCounters {
	return LoggerCounters{
		Batches: lg.batches.Load(), Records: lg.records.Load(), Repeats: lg.repeats.Load(),
		Corrupt: lg.corrupt.Load(), Takeovers: lg.takeovers.Load(),
	}
}

// drainState is the stop of a logger: its paths drain within ctx.
type drainState struct {
	ctx context.Context
}

// draining returns the stop of the logger, or nil while it runs.
func (lg *Logger) draining() *drainState { return lg.drain.Load() }

// Run writes the paths the node owns until ctx ends; then, for each path
// it owns, it writes what the stream still holds for it (within
// LoggerOptions.DrainTimeout), rotates the file (with rotation) or
// closes it (writing #close), and returns.
func (lg *Logger) Run(ctx context.Context) error {
	warned := false
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := EnsureStream(cctx, lg.c, lg.o.Stream)
		cancel()
		if err == nil {
			break
		}
		if !warned && lg.c.Connected() {
			lg.o.Warn(fmt.Sprintf("logship: %s: %v; retrying", lg.c.Name(), err))
			warned = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(lg.o.Poll):
		}
	}
	select {
	case <-ctx.Done():
		return nil
	case <-lg.c.Settled():
	}
	changed := make(chan struct{}, 1)
	remove := lg.c.OnChange(func(transport.Event) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer remove()
	t := time.NewTicker(lg.o.Poll)
	defer t.Stop()
	// The paths' contexts end only after the drain is set up (stop), so
	// that a path that sees its end knows whether the logger stops.
	pctx, cancelPaths := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelPaths()
	for {
		lg.reconcile(ctx, pctx)
		select {
		case <-ctx.Done():
			lg.stop(ctx, pctx, cancelPaths)
			return nil
		case <-t.C:
		case <-changed:
		}
	}
}

// stop ends the writing of every path: it sets the drain's deadline,
// starts the paths owned that no writer runs for yet (their first batches
// came since the last look, or their writer is retrying after an error),
// ends all, and waits for them to drain and rotate.
func (lg *Logger) stop(ctx, pctx context.Context, cancelPaths context.CancelFunc) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lg.o.DrainTimeout)
	defer cancel()
	lg.drain.Store(&drainState{ctx: dctx})
	lg.reconcile(dctx, pctx)
	cancelPaths()
	lg.wg.Wait()
}

// owns reports whether this node writes path now.
func (lg *Logger) owns(path string) bool {
	if loggers := lg.c.Live(layout.Logger); len(loggers) > 0 {
		return transport.HRW(path, loggers) == lg.c.Name()
	}
	return lg.c.Role() == layout.Manager && lg.c.IsLive(lg.c.Name())
}

// reconcile starts the paths this node owns (their writers' contexts
// derived from parent) and stops the others; ctx bounds its requests.
func (lg *Logger) reconcile(ctx, parent context.Context) {
	paths := lg.discover(ctx)
	lg.mu.Lock()
	defer lg.mu.Unlock()
	for p := range lg.paths {
		paths[p] = true
	}
	for p := range paths {
		pr := lg.paths[p]
		switch own := lg.owns(p); {
		case own && pr == nil:
			pr = lg.startPath(parent, p)
			lg.paths[p] = pr
		case !own && pr != nil:
			pr.cancel()
		}
	}
}

// discover returns the log paths that have batches in the stream.
func (lg *Logger) discover(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	if !lg.c.Connected() {
		return out
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := lg.c.JetStream().Stream(cctx, lg.strm)
	if err != nil {
		return out
	}
	info, err := st.Info(cctx, jetstream.WithSubjectFilter(lg.prefix+">"))
	if err != nil {
		return out
	}
	for subj := range info.State.Subjects {
		tok, _, _ := strings.Cut(strings.TrimPrefix(subj, lg.prefix), ".")
		if p, ok := transport.Untoken(tok); ok {
			out[p] = true
		}
	}
	if lg.rot.on {
		lg.journaledPaths(out)
	}
	return out
}

// journaledPaths adds to out the paths whose journals (this node's, or
// another's of this host) say that their file in this node's log
// directory has records, or a rotation to finish or hand over: with
// rotation, such a file must be taken up to rotate it on time (or when
// the logger stops), even when no batch comes for it.
func (lg *Logger) journaledPaths(out map[string]bool) {
	files := lg.o.Log.Files()
	lg.mu.Lock()
	running := make(map[string]bool, len(lg.paths))
	for p := range lg.paths {
		running[p] = true
	}
	lg.mu.Unlock()
	for _, d := range lg.journalDirs() {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			tok, ok := strings.CutSuffix(e.Name(), ".json")
			if !ok {
				continue
			}
			if p, ok := transport.Untoken(tok); !ok || out[p] || running[p] {
				continue // written now, or known to have batches
			}
			b, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				continue
			}
			var st journalState
			if json.Unmarshal(b, &st) != nil || st.V != 1 || out[st.Path] {
				continue
			}
			if st.Offset == 0 && st.Cut == nil && len(st.Pending) == 0 {
				continue
			}
			if name, err := filepath.Abs(files.Name(st.Path)); err == nil && name == st.File {
				out[st.Path] = true
			}
		}
	}
}

// journalDirs returns where journals of the log files may be: this
// node's, then every logger's and the manager's default directory (they
// may share this host and its log directory).
func (lg *Logger) journalDirs() []string {
	dirs := []string{lg.o.JournalDir}
	l := lg.c.Layout()
	for _, n := range l.Names() {
		if t := l.Nodes[n].Type; t != layout.Logger && t != layout.Manager {
			continue
		}
		d := filepath.Join(l.SpoolDir, n, "journal")
		if d != lg.o.JournalDir {
			dirs = append(dirs, d)
		}
	}
	return dirs
}
