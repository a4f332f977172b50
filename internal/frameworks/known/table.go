package known

import (
	"github.com/heron-nsm/heron/internal/zeek"
)

// DefaultMaxEntries bounds a Table made with a limit of 0.
const DefaultMaxEntries = 1 << 21

// Table is an expiring table of sets: Zeek's Known::hosts (set[addr]),
// Known::services (table[addr, port] of set[string]) and Known::certs
// (set[addr, string]), all declared &create_expire. A key is created at the
// network time of its first Add and expires Expiry later, whatever is added
// to it meanwhile; its members (the services of a host and port) are
// forgotten with it. A key with no members is a plain set element.
//
// Expiry is lazy and on network time: a key created at c is live while
// now <= c+Expiry (Zeek drops it on the first table sweep after that, so
// it may hold a little longer). Keys expire in creation order from a
// queue, without scans. The table holds at most Max keys; when it is full
// of live keys, Add evicts the oldest (which may then be logged again:
// the bound errs on the side of logging) and counts it in Evicted.
//
// A Table is not safe for concurrent use; its owner locks.
type Table[K comparable] struct {
	// Expiry is the lifetime of a key (Known::host_store_expiry …).
	Expiry zeek.Interval
	// Max bounds the number of keys.
	Max int
	// Evicted counts live keys dropped because the table was full.
	Evicted uint64

	m     map[K]*entry
	order []queued[K] // creation order; a ring of len(order) slots
	head  int         // index of the oldest queued key
	n     int         // queued keys
	clock zeek.Time   // the latest time seen
}

type entry struct {
	created zeek.Time
	members []string
}

type queued[K comparable] struct {
	key     K
	created zeek.Time
}

// NewTable returns an empty table whose keys live for expiry, holding at
// most max keys (0: DefaultMaxEntries).
func NewTable[K comparable](expiry zeek.Interval, max int) *Table[K] {
	if max <= 0 {
		max = DefaultMaxEntries
	}
	return &Table[K]{Expiry: expiry, Max: max, m: map[K]*entry{}}
}

// Clock returns the latest network time the table has seen in Add.
func (t *Table[K]) Clock() zeek.Time { return t.clock }

// Len returns the number of keys held (expired ones included until they
// are next looked at or swept).
func (t *Table[K]) Len() int { return len(t.m) }

// Reset forgets every key (Zeek's clear_table).
func (t *Table[K]) Reset() {
	clear(t.m)
	clear(t.order)
	t.head, t.n = 0, 0
}

// live returns key's entry when it exists and has not expired at now.
func (t *Table[K]) live(now zeek.Time, key K) *entry {
	e := t.m[key]
	if e == nil {
		return nil
	}
	if now.Sub(e.created) > t.Expiry {
		return nil
	}
	return e
}

// Has reports whether key is live at now and holds every one of members
// (Zeek's "in" test, and known-services' check()).
func (t *Table[K]) Has(now zeek.Time, key K, members ...string) bool {
	e := t.live(now, key)
	if e == nil {
		return false
	}
	for _, m := range members {
		if !contains(e.members, m) {
			return false
		}
	}
	return true
}

// Created returns when key was created, if it is live at now.
func (t *Table[K]) Created(now zeek.Time, key K) (zeek.Time, bool) {
	if e := t.live(now, key); e != nil {
		return e.created, true
	}
	return 0, false
}

// Add adds members under key at network time now, creating the key if it
// is absent or expired. It returns the members that were not there
// before, in the order given (a new slice, nil when none), and whether the
// key was created. members is not retained.
func (t *Table[K]) Add(now zeek.Time, key K, members ...string) (added []string, created bool) {
	return t.AddAt(now, now, key, members...)
}

// AddAt is Add for a key that, if it is created, counts as created at
// createdAt rather than now (a proxy adopting a replica's age).
func (t *Table[K]) AddAt(now, createdAt zeek.Time, key K, members ...string) (added []string, created bool) {
	if now > t.clock {
		t.clock = now
		t.expire()
	}
	e := t.live(now, key)
	if e == nil {
		if old := t.m[key]; old != nil {
			// Expired but not yet swept: start it afresh. Its
			// queue slot stays behind and is skipped when its time
			// comes, because the created times differ.
			delete(t.m, key)
		}
		for len(t.m) >= t.Max && t.evictOldest() {
		}
		e = &entry{created: createdAt}
		t.m[key] = e
		t.push(key, createdAt)
		created = true
	}
	for _, m := range members {
		if !contains(e.members, m) && !contains(added, m) {
			e.members = append(e.members, m)
			added = append(added, m)
		}
	}
	return added, created
}

// Backdate moves key's creation back to created when that is earlier (a
// proxy learning that another proxy knew the key since then), so that it
// expires when the cluster's first copy does.
func (t *Table[K]) Backdate(key K, created zeek.Time) {
	e := t.m[key]
	if e == nil || created >= e.created {
		return
	}
	e.created = created
	t.push(key, created)
}

// Delete forgets key. Its queue slot stays and is skipped when its time
// comes.
func (t *Table[K]) Delete(key K) { delete(t.m, key) }

// Range calls fn for every live key at now with its creation time and
// members (borrowed for the call), until fn returns false.
func (t *Table[K]) Range(now zeek.Time, fn func(key K, created zeek.Time, members []string) bool) {
	for k, e := range t.m {
		if now.Sub(e.created) > t.Expiry {
			continue
		}
		if !fn(k, e.created, e.members) {
			return
		}
	}
}

// push queues key for expiry.
func (t *Table[K]) push(key K, created zeek.Time) {
	if t.n == len(t.order) {
		// Grow the ring, unrolling it.
		n := max(16, 2*len(t.order))
		order := make([]queued[K], n)
		for i := 0; i < t.n; i++ {
			order[i] = t.order[(t.head+i)%len(t.order)]
		}
		t.order, t.head = order, 0
	}
	t.order[(t.head+t.n)%len(t.order)] = queued[K]{key, created}
	t.n++
}

// pop removes the oldest queued key.
func (t *Table[K]) pop() queued[K] {
	q := t.order[t.head]
	var zero queued[K]
	t.order[t.head] = zero
	t.head = (t.head + 1) % len(t.order)
	t.n--
	return q
}

// expire drops the keys that expired by the table's clock. Keys created
// out of order (a proxy serves several workers whose clocks differ) wait
// behind an older-queued key a little longer; Has and Add never see them
// live past their time.
func (t *Table[K]) expire() {
	for t.n > 0 {
		q := t.order[t.head]
		if t.clock.Sub(q.created) <= t.Expiry {
			return
		}
		t.pop()
		if e := t.m[q.key]; e != nil && e.created == q.created {
			delete(t.m, q.key)
		}
	}
}

// evictOldest drops the oldest queued key that is still in the table,
// counting it when it was live. It reports false when the queue is empty.
func (t *Table[K]) evictOldest() bool {
	for t.n > 0 {
		q := t.pop()
		e := t.m[q.key]
		if e == nil || e.created != q.created {
			continue // already gone or recreated
		}
		delete(t.m, q.key)
		if t.clock.Sub(e.created) <= t.Expiry {
			t.Evicted++
		}
		return true
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
