package conn

import (
	"github.com/heron-nsm/heron/internal/zeek"
)

// timerKind says what a timer does when it fires.
type timerKind uint8

const (
	timerInactivity timerKind = iota + 1
	timerTCPExpire
	timerTCPAttempt
	timerConnDelete
	timerTCPPartialClose
	timerTCPReset
	timerCallback
)

// timer is one pending timer: which connection (slot and generation, so
// that timers of a removed connection are ignored) and when.
type timer struct {
	at    zeek.Time
	seq   uint64 // insertion order, to break ties as Zeek's queue does
	conn  int32
	gen   uint32 // the slot's generation when the timer was set
	epoch uint32 // the group's epoch (inactivity or analyzer timers)
	kind  timerKind
	cb    int32 // timerCallback: the slot in Manager.callbacks
}

// wheel is a hashed timing wheel on packet time. Timers land in slots of
// tickNS; a slot is drained into a small exact heap when time reaches it,
// so timers fire in deadline order while inserting stays O(1).
type wheel struct {
	slots   [][]timer
	near    nearHeap
	tick    int64 // the tick whose slot was last drained
	started bool
	seq     uint64
	n       int
}

const (
	tickShift = 24 // 2^24 ns ≈ 16.8 ms per slot
	numSlots  = 1 << 12
	slotMask  = numSlots - 1
)

func newWheel() *wheel {
	return &wheel{slots: make([][]timer, numSlots)}
}

func tickOf(t zeek.Time) int64 { return int64(t) >> tickShift }

// add schedules a timer.
func (w *wheel) add(t timer) {
	w.seq++
	t.seq = w.seq
	w.n++
	if !w.started || tickOf(t.at) <= w.tick {
		w.near.push(t)
		return
	}
	s := tickOf(t.at) & slotMask
	w.slots[s] = append(w.slots[s], t)
}

// advance moves the wheel to now and returns the timers due at or before
// now, in deadline order, appended to out. Timers must be handled in the
// order returned; handlers may add new timers (due ones are returned by the
// next call).
func (w *wheel) advance(now zeek.Time, out []timer) []timer {
	nt := tickOf(now)
	if !w.started {
		w.started = true
		w.tick = nt
	}
	if nt > w.tick {
		// Drain the slots between the last tick and now into the heap.
		steps := nt - w.tick
		if steps > numSlots {
			steps = numSlots
		}
		for i := int64(1); i <= steps; i++ {
			s := (w.tick + i) & slotMask
			list := w.slots[s]
			keep := list[:0]
			for _, t := range list {
				if tickOf(t.at) <= nt {
					w.near.push(t)
				} else {
					keep = append(keep, t)
				}
			}
			for j := len(keep); j < len(list); j++ {
				list[j] = timer{}
			}
			w.slots[s] = keep
		}
		w.tick = nt
	}
	for w.near.Len() > 0 && w.near[0].at <= now {
		out = append(out, w.near.pop())
		w.n--
	}
	return out
}

func less(a, b *timer) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// nearHeap is a binary min-heap of timers by (at, seq).
type nearHeap []timer

func (h nearHeap) Len() int { return len(h) }

func (h *nearHeap) push(t timer) {
	*h = append(*h, t)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(&a[i], &a[p]) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *nearHeap) pop() timer {
	a := *h
	t := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && less(&a[r], &a[l]) {
			m = r
		}
		if !less(&a[m], &a[i]) {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return t
}
