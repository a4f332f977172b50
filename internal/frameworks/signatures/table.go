package signatures

import (
	"github.com/heron-nsm/heron/internal/zeek"
)

// table is a Zeek table with &read_expire on network time: every lookup
// or update of an entry renews it, and an entry not touched for longer
// than ttl is gone. Expiry is lazy (checked when an entry is looked up)
// plus a sweep every ttl of network time that gives memory back. The
// table holds at most max entries; when it is full of live entries a new
// one is refused and counted in dropped.
type table[K comparable, V any] struct {
	m        map[K]*slot[V]
	ttl      zeek.Interval
	max      int
	next     zeek.Time // next routine sweep
	earliest zeek.Time // no entry expires before this
	dropped  *uint64
}

type slot[V any] struct {
	v    V
	last zeek.Time
}

func newTable[K comparable, V any](ttl zeek.Interval, max int, dropped *uint64) *table[K, V] {
	return &table[K, V]{m: map[K]*slot[V]{}, ttl: ttl, max: max, dropped: dropped}
}

// expired reports whether an entry last touched at last is gone at now.
// Zeek's sweep removes an entry when last + ttl < now.
func (t *table[K, V]) expired(s *slot[V], now zeek.Time) bool {
	return s.last.Add(t.ttl) < now
}

// get returns the live entry of k, renewed, or nil.
func (t *table[K, V]) get(now zeek.Time, k K) *slot[V] {
	s := t.m[k]
	if s == nil {
		return nil
	}
	if t.expired(s, now) {
		delete(t.m, k)
		return nil
	}
	if now > s.last {
		s.last = now
	}
	return s
}

// getOrCreate returns the live entry of k, renewed, or a new one holding
// V's zero value; nil when the table is full.
func (t *table[K, V]) getOrCreate(now zeek.Time, k K) *slot[V] {
	if s := t.get(now, k); s != nil {
		return s
	}
	if now >= t.next {
		t.sweep(now)
	}
	if len(t.m) >= t.max {
		if now > t.earliest {
			t.sweep(now)
		}
		if len(t.m) >= t.max {
			*t.dropped++
			return nil
		}
	}
	s := &slot[V]{last: now}
	t.m[k] = s
	if exp := now.Add(t.ttl); exp < t.earliest {
		t.earliest = exp
	}
	return s
}

// sweep drops expired entries.
func (t *table[K, V]) sweep(now zeek.Time) {
	t.next = now.Add(t.ttl)
	first := true
	for k, s := range t.m {
		if t.expired(s, now) {
			delete(t.m, k)
			continue
		}
		if exp := s.last.Add(t.ttl); first || exp < t.earliest {
			t.earliest, first = exp, false
		}
	}
	if first {
		t.earliest = now.Add(t.ttl)
	}
}

func (t *table[K, V]) len() int { return len(t.m) }
