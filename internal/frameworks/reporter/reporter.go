package reporter

import (
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/zeek"
)

// LogPath is the path of reporter.log, and LogID its Zeek Log::ID.
const (
	LogPath = "reporter"
	LogID   = "Reporter::LOG"
)

// Script is the Zeek script that writes reporter.log.
const Script = "base/frameworks/reporter"

// Level is a message's severity, Zeek's Reporter::Level enum.
type Level string

// The levels reporter.log shows.
const (
	// LevelInfo is an informational message (Reporter::INFO).
	LevelInfo Level = "Reporter::INFO"
	// LevelWarning is a warning (Reporter::WARNING).
	LevelWarning Level = "Reporter::WARNING"
	// LevelError is a non-fatal error (Reporter::ERROR).
	LevelError Level = "Reporter::ERROR"
)

// Info is a reporter.log record (Zeek's Reporter::Info).
type Info struct {
	// TS is when the message was raised: network time, or the wall clock
	// when no packet was seen yet.
	TS zeek.Time `zeek:"ts"`
	// Level is the message's severity (Reporter::INFO, …).
	Level string `zeek:"level,enum"`
	// Message is the text of the message.
	Message string `zeek:"message"`
	// Location is where the message was raised: a script location in
	// Zeek, the empty string for messages of the core (all of Heron's).
	Location zeek.Opt[string] `zeek:"location"`
}

// NewStream registers reporter.log (Reporter::LOG) on m.
func NewStream(m *logging.Manager, opts ...logging.StreamOption) (*logging.Stream[Info], error) {
	opts = append([]logging.StreamOption{logging.WithID(LogID)}, opts...)
	return logging.NewStream[Info](m, LogPath, opts...)
}

// Options configure a Reporter. Every field is optional.
type Options struct {
	// Print shows a message on standard error (or wherever the program
	// prints its warnings); nil prints nothing.
	Print func(level Level, msg string)
	// Now returns the wall clock, for messages raised before network time
	// starts; nil uses time.Now.
	Now func() time.Time
}

// queueLen bounds the messages waiting for the log stream, and
// pendingLen those raised before the first Attach; beyond them messages
// are printed but not logged (and counted, see Dropped).
const (
	queueLen   = 1024
	pendingLen = 64
)

// Reporter raises a node's messages: it prints them and writes them to
// reporter.log while a stream is attached. It is safe for concurrent use,
// and raising a message never blocks on the log: the records go to the
// stream through a bounded queue, so a message raised by the very part
// that ships the logs (a cluster node's log sender) cannot wait on it.
type Reporter struct {
	print func(Level, string)
	now   func() time.Time

	mu      sync.Mutex
	queue   chan Info // nil while detached
	done    chan struct{}
	clock   func() zeek.Time
	dropped uint64
	// pending holds the messages raised before the first Attach (a
	// capture's warnings while it opens), logged when it comes.
	pending  []Info
	attached bool // Attach was called once
}

// New returns a Reporter with options o (nil for the defaults).
func New(o *Options) *Reporter {
	r := &Reporter{now: time.Now}
	if o != nil {
		r.print = o.Print
		if o.Now != nil {
			r.now = o.Now
		}
	}
	return r
}

// Attach opens reporter.log on m and sends the messages raised from now on
// to it, timed by clock (the node's network time, 0 before the first
// packet; nil for the wall clock). It replaces a stream attached before.
func (r *Reporter) Attach(m *logging.Manager, clock func() zeek.Time) error {
	s, err := NewStream(m)
	if err != nil {
		return err
	}
	r.AttachStream(s, clock)
	return nil
}

// AttachStream sends the messages raised from now on to s, timed by clock
// (as Attach). It replaces a stream attached before.
func (r *Reporter) AttachStream(s *logging.Stream[Info], clock func() zeek.Time) {
	r.Detach()
	q, done := make(chan Info, queueLen), make(chan struct{})
	go func() {
		defer close(done)
		for rec := range q {
			_ = s.Write(&rec) // ErrClosed after the manager closed: the message was printed
		}
	}()
	r.mu.Lock()
	r.queue, r.done, r.clock = q, done, clock
	if !r.attached {
		r.attached = true
		for _, rec := range r.pending {
			q <- rec // fits: pendingLen < queueLen
		}
		r.pending = nil
	}
	r.mu.Unlock()
}

// Detach stops writing messages to reporter.log (they are still printed)
// after handing the queued ones to the stream; call it before the logging
// manager closes.
func (r *Reporter) Detach() {
	r.mu.Lock()
	q, done := r.queue, r.done
	r.queue, r.done, r.clock = nil, nil, nil
	r.mu.Unlock()
	if q != nil {
		close(q)
		<-done
	}
}

// Attached reports whether a stream receives the messages.
func (r *Reporter) Attached() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queue != nil
}

// Dropped returns how many messages were not logged because the queue to
// the stream was full (they were printed).
func (r *Reporter) Dropped() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Info prints an informational message and logs it (Reporter::INFO).
func (r *Reporter) Info(msg string) { r.raise(LevelInfo, msg) }

// Warning prints a warning and logs it (Reporter::WARNING).
func (r *Reporter) Warning(msg string) { r.raise(LevelWarning, msg) }

// Error prints a non-fatal error and logs it (Reporter::ERROR).
func (r *Reporter) Error(msg string) { r.raise(LevelError, msg) }

// raise prints and logs one message at the current time.
func (r *Reporter) raise(level Level, msg string) {
	if r == nil {
		return
	}
	if r.print != nil {
		r.print(level, msg)
	}
	r.Log(0, level, msg)
}

// Log writes one message to reporter.log without printing it (for a
// message the caller prints in its own words), at time ts, or at the
// current time when ts is 0. Messages raised before the first Attach are
// kept (up to a bound) and logged when it comes, at the time they were
// raised; between a Detach and the next Attach they are not logged. Log
// never blocks.
func (r *Reporter) Log(ts zeek.Time, level Level, msg string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queue == nil && r.attached {
		return
	}
	if ts == 0 && r.clock != nil {
		ts = r.clock()
	}
	if ts == 0 {
		ts = zeek.Time(r.now().UnixNano())
	}
	rec := Info{TS: ts, Level: string(level), Message: msg, Location: zeek.Some("")}
	if r.queue == nil {
		if len(r.pending) < pendingLen {
			r.pending = append(r.pending, rec)
		} else {
			r.dropped++
		}
		return
	}
	select {
	case r.queue <- rec:
	default:
		r.dropped++
	}
}
