package node

import (
	"sync"
	"sync/atomic"

	"github.com/heron-nsm/heron/internal/frameworks/weird"
	"github.com/heron-nsm/heron/internal/zeek"
)

// logWeirds turns the logging manager's reports of cut log values
// (log_string_field_truncated, log_container_field_truncated) into net
// weirds, as Zeek's logging manager raises them with reporter->Weird.
//
// The logging manager calls raise on whichever goroutine writes the
// record, so the weirds go through a reporter of their own, guarded here;
// its sampling counts per weird name, like a pipeline's, and no other
// source raises these names. Their time is the network time: the latest
// of the analysis threads' clocks. A weird record that is itself cut
// reports again from inside raise; that report is queued and handled by
// the loop already running, instead of re-entering the reporter. A weird
// about weird.log raised while writing a weird about weird.log is dropped:
// with limits smaller than the weird names themselves each such record
// would cut the next one without end.
type logWeirds struct {
	mu      sync.Mutex
	rep     *weird.Reporter // nil until the node's logs are open
	clocks  []*atomic.Int64 // the pipelines' network times, set up before they run
	busy    bool            // a goroutine is draining pending
	current pendingWeird    // the weird the draining goroutine is writing
	pending []pendingWeird
}

type pendingWeird struct{ name, addl string }

// weirdLogID is the Zeek ID of weird.log's stream.
const weirdLogID = "Weird::LOG"

// raise reports one net weird; it is logging.Config.Weird.
func (lw *logWeirds) raise(name, addl string) {
	lw.mu.Lock()
	if lw.rep == nil || (lw.busy && addl == weirdLogID && lw.current.addl == weirdLogID) {
		lw.mu.Unlock()
		return
	}
	lw.pending = append(lw.pending, pendingWeird{name, addl})
	if lw.busy {
		lw.mu.Unlock()
		return
	}
	lw.busy = true
	for len(lw.pending) > 0 {
		w := lw.pending[0]
		lw.pending = lw.pending[1:]
		lw.current = w
		now := lw.now()
		lw.mu.Unlock()
		lw.rep.Net(now, w.name, w.addl, "")
		lw.mu.Lock()
	}
	lw.busy = false
	lw.current = pendingWeird{}
	lw.pending = lw.pending[:0:0]
	lw.mu.Unlock()
}

// now returns the network time: the latest clock of the pipelines, or
// Zeek's initial network time of one second before any.
func (lw *logWeirds) now() zeek.Time {
	t := zeek.Time(zeek.Second)
	for _, c := range lw.clocks {
		t = max(t, zeek.Time(c.Load()))
	}
	return t
}
