package notice

import (
	"sync"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Suppressor keeps the notices being suppressed: Zeek's "suppressing"
// table, indexed by note and identifier. The framework asks it whether a
// notice is suppressed before processing the notice, and tells it when a
// processed notice starts a suppression.
//
// A cluster replaces the local table with one that also publishes Begin
// to the other nodes and feeds what they publish into its own table (Zeek's
// Notice::begin_suppression event, batched by suppression_batch_period and
// suppression_batch_max_size).
//
// The framework calls a Suppressor while holding its own lock, from one
// goroutine at a time; an implementation that is also fed from elsewhere
// (the cluster) must lock on its own.
type Suppressor interface {
	// Suppressed reports whether notices of note and identifier are
	// suppressed at network time now.
	Suppressed(now zeek.Time, note Type, identifier string) bool
	// Begin starts a suppression: notices of note and identifier are
	// suppressed until ts+suppressFor. It is called with the notice's own
	// ts, which may lie before now.
	Begin(now, ts zeek.Time, suppressFor zeek.Interval, note Type, identifier string)
}

var _ Suppressor = (*LocalSuppressor)(nil)

// DefaultMaxSuppressions bounds a LocalSuppressor made with a limit of 0.
const DefaultMaxSuppressions = 1 << 20

// LocalSuppressor is the suppression table of one process. Entries expire
// on network time: a suppression that ends at time u holds while now <= u
// (Zeek removes it on the first table sweep after u; sweeps run every
// table_expire_interval, 10 s, so Zeek may hold it up to that much longer).
// It is safe for concurrent use.
type LocalSuppressor struct {
	mu       sync.Mutex
	m        map[suppressKey]zeek.Time // end of suppression
	max      int
	earliest zeek.Time // no entry ends before this (after the last sweep)
	next     zeek.Time // time of the next routine sweep
	// Dropped counts suppressions not recorded because the table was full
	// of unexpired entries.
	Dropped uint64
}

type suppressKey struct {
	note Type
	id   string
}

// sweepEvery is how often (in network time) a LocalSuppressor drops
// expired entries, to give their memory back.
const sweepEvery = 10 * zeek.Minute

// NewLocalSuppressor returns an empty table that holds at most max
// suppressions (0: DefaultMaxSuppressions). When it is full of unexpired
// suppressions, new ones are not recorded (and counted in Dropped): those
// notices are then not suppressed, so the bound errs on the side of
// logging.
func NewLocalSuppressor(max int) *LocalSuppressor {
	if max <= 0 {
		max = DefaultMaxSuppressions
	}
	return &LocalSuppressor{m: map[suppressKey]zeek.Time{}, max: max}
}

// Suppressed implements Suppressor.
func (s *LocalSuppressor) Suppressed(now zeek.Time, note Type, identifier string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := suppressKey{note, identifier}
	until, ok := s.m[k]
	if !ok {
		return false
	}
	if now > until {
		delete(s.m, k)
		return false
	}
	return true
}

// Begin implements Suppressor.
func (s *LocalSuppressor) Begin(now, ts zeek.Time, suppressFor zeek.Interval, note Type, identifier string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	until := ts.Add(suppressFor)
	if now >= s.next {
		s.sweep(now)
	}
	k := suppressKey{note, identifier}
	if _, ok := s.m[k]; !ok && len(s.m) >= s.max {
		if now > s.earliest {
			s.sweep(now)
		}
		if len(s.m) >= s.max {
			s.Dropped++
			return
		}
	}
	s.m[k] = until
	if until < s.earliest {
		s.earliest = until
	}
}

// Len returns the number of entries held, expired ones included until the
// next sweep.
func (s *LocalSuppressor) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// sweep drops expired entries.
func (s *LocalSuppressor) sweep(now zeek.Time) {
	s.next = now.Add(sweepEvery)
	first := true
	for k, until := range s.m {
		if now > until {
			delete(s.m, k)
			continue
		}
		if first || until < s.earliest {
			s.earliest, first = until, false
		}
	}
	if first {
		s.earliest = now
	}
}
