package notice

import (
	"strconv"
	"sync"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

func TestLocalSuppressorBound(t *testing.T) {
	s := NewLocalSuppressor(2)
	s.Begin(0, 0, 10*zeek.Second, testNotice, "a")
	s.Begin(0, 0, 20*zeek.Second, testNotice, "b")
	s.Begin(1*sec, 1*sec, 10*zeek.Second, testNotice, "c") // full of live entries
	if s.Dropped != 1 || s.Suppressed(2*sec, testNotice, "c") {
		t.Fatalf("dropped %d; c suppressed %v", s.Dropped, s.Suppressed(2*sec, testNotice, "c"))
	}
	// Renewing an entry that is already there needs no room.
	s.Begin(2*sec, 2*sec, 30*zeek.Second, testNotice, "a")
	if s.Dropped != 1 || !s.Suppressed(31*sec, testNotice, "a") {
		t.Fatal("renewal refused")
	}
	// Once b has expired, c fits.
	s.Begin(21*sec, 21*sec, 10*zeek.Second, testNotice, "c")
	if s.Dropped != 1 || !s.Suppressed(22*sec, testNotice, "c") || s.Suppressed(22*sec, testNotice, "b") {
		t.Fatalf("after expiry: dropped %d", s.Dropped)
	}
	if s.Len() != 2 {
		t.Fatalf("len %d", s.Len())
	}
}

func TestLocalSuppressorSweeps(t *testing.T) {
	s := NewLocalSuppressor(0)
	for i := range 1000 {
		s.Begin(0, 0, zeek.Second, testNotice, strconv.Itoa(i))
	}
	if s.Len() != 1000 {
		t.Fatal(s.Len())
	}
	// A routine sweep after sweepEvery gives the memory back.
	s.Begin(zeek.Time(sweepEvery), zeek.Time(sweepEvery), zeek.Second, testNotice, "late")
	if s.Len() != 1 {
		t.Fatalf("%d entries after the sweep, want 1", s.Len())
	}
}

// TestBoundedUnderFlood raises many distinct notices and checks that the
// suppression table stays within its bound and the framework keeps
// logging.
func TestBoundedUnderFlood(t *testing.T) {
	cfg := DefaultConfig()
	supp := NewLocalSuppressor(100)
	cfg.Suppressor = supp
	logged := 0
	f := New(cfg, func(*Info) { logged++ }, nil)
	for i := range 10000 {
		f.Notice(zeek.Time(i)*sec/100, Info{Note: testNotice, Identifier: zeek.Some(strconv.Itoa(i))})
	}
	if supp.Len() > 100 || logged != 10000 || supp.Dropped == 0 {
		t.Fatalf("len %d, logged %d, dropped %d", supp.Len(), logged, supp.Dropped)
	}
}

func TestConcurrentNotices(t *testing.T) {
	var mu sync.Mutex
	logged := 0
	f := New(DefaultConfig(), func(*Info) { mu.Lock(); logged++; mu.Unlock() }, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				f.Notice(zeek.Time(i)*sec, Info{Note: testNotice, Identifier: zeek.Some(strconv.Itoa(i % 10)), N: zeek.Some(uint64(g))})
			}
		})
	}
	wg.Wait()
	// Ten identifiers, each logged once within the hour.
	if logged != 10 || f.Stats().Suppressed != 1600-10 {
		t.Fatalf("logged %d, stats %+v", logged, f.Stats())
	}
}
