package noticesync

import (
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

// DefaultMaxSuppressions bounds the manager's table when
// Options.MaxSuppressions is 0.
const DefaultMaxSuppressions = notice.DefaultMaxSuppressions

// sweepEvery is how often, in the table's time, expired entries go.
const sweepEvery = 10 * zeek.Minute

// sweepGrace is how long past its end, by the latest time any node
// reported, a suppression is kept: the nodes' network times differ
// (workers reading traces may be far apart), and a record from a node
// behind the others must still find the suppressions of its time. A full
// table sweeps without it.
const sweepGrace = zeek.Hour

type key struct {
	note notice.Type
	id   string
}

// origin is the notice that began a suppression: its node and ts, and
// whether the manager has written its record (a suppression can arrive
// before the record of the notice that began it).
type origin struct {
	node    string
	start   zeek.Time
	until   zeek.Time
	written bool
}

// table is the manager's view of the cluster's suppressions: for each
// note and identifier, when its suppression ends and which notice began
// it. It is not safe for concurrent use.
type table struct {
	m       map[key]origin
	max     int
	clock   zeek.Time // the latest time seen
	next    zeek.Time // next sweep
	dropped uint64    // suppressions not recorded, the table being full
}

func newTable(max int) *table {
	if max <= 0 {
		max = DefaultMaxSuppressions
	}
	return &table{m: map[key]origin{}, max: max}
}

func (t *table) tick(now zeek.Time) {
	if now > t.clock {
		t.clock = now
	}
	if t.clock >= t.next {
		t.sweep(sweepGrace)
	}
}

// sweep drops the suppressions that ended more than grace ago.
func (t *table) sweep(grace zeek.Interval) {
	t.next = t.clock.Add(sweepEvery)
	for k, o := range t.m {
		if t.clock.Sub(o.until) > grace {
			delete(t.m, k)
		}
	}
}

// live returns the suppression of k that holds at now.
func (t *table) live(now zeek.Time, k key) (origin, bool) {
	o, ok := t.m[k]
	if !ok || now > o.until || now < o.start.Add(-maxSkew) {
		return origin{}, false
	}
	return o, true
}

// maxSkew is how far before a suppression's start a notice from another
// node still counts as suppressed by it (the nodes' network times
// differ a little; a notice much earlier is from another interval).
const maxSkew = zeek.Minute

// begin records a suppression; written says whether its notice's record
// is written. A live suppression of the same key keeps its origin and
// ends at the later of the two ends.
func (t *table) begin(node string, s *Suppression, written bool) {
	t.tick(s.TS)
	k := key{s.Note, s.Identifier}
	until := s.Until()
	if o, ok := t.live(s.TS, k); ok {
		if until > o.until {
			o.until = until
			t.m[k] = o
		}
		return
	}
	if _, ok := t.m[k]; !ok && len(t.m) >= t.max {
		t.sweep(0)
		if len(t.m) >= t.max {
			t.dropped++
			return
		}
	}
	t.m[k] = origin{node: node, start: s.TS, until: until, written: written}
}

// set replaces the origin of k.
func (t *table) set(k key, o origin) { t.m[k] = o }
