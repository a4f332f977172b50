package known

import (
	"slices"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

func TestTableAdd(t *testing.T) {
	const day = zeek.Day
	type step struct {
		now     zeek.Time
		key     string
		members []string
		added   []string
		created bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"plain set", []step{
			{100, "a", nil, nil, true},
			{200, "a", nil, nil, false},
			{300, "b", nil, nil, true},
		}},
		{"members accumulate", []step{
			{100, "h:80", []string{"HTTP"}, []string{"HTTP"}, true},
			{101, "h:80", []string{"HTTP"}, nil, false},
			{102, "h:80", []string{"HTTP", "SSL"}, []string{"SSL"}, false},
			{103, "h:80", []string{"SSH", "SSH"}, []string{"SSH"}, false},
		}},
		{"expiry from creation, not from last add", []step{
			{0, "a", []string{"x"}, []string{"x"}, true},
			{zeek.Time(day) - 1, "a", []string{"y"}, []string{"y"}, false},
			{zeek.Time(day), "a", []string{"x"}, nil, false}, // exactly a day: still live
			{zeek.Time(day) + 1, "a", []string{"x"}, []string{"x"}, true},
			{zeek.Time(day) + 2, "a", []string{"y"}, []string{"y"}, false},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := NewTable[string](day, 0)
			for i, s := range tc.steps {
				added, created := tab.Add(s.now, s.key, s.members...)
				if !slices.Equal(added, s.added) || created != s.created {
					t.Fatalf("step %d: Add(%d, %q, %q) = %q, %v; want %q, %v", i, s.now, s.key, s.members, added, created, s.added, s.created)
				}
				if !tab.Has(s.now, s.key, s.members...) {
					t.Fatalf("step %d: Has after Add is false", i)
				}
			}
		})
	}
}

func TestTableExpireSweeps(t *testing.T) {
	tab := NewTable[int](100, 0)
	for i := range 100 {
		tab.Add(zeek.Time(i), i)
	}
	if tab.Len() != 100 {
		t.Fatalf("len %d, want 100", tab.Len())
	}
	// At 160, keys created before 60 have expired; the next Add sweeps.
	tab.Add(160, 1000)
	if got := tab.Len(); got != 40+1 {
		t.Fatalf("after sweep len %d, want 41", got)
	}
	if tab.Has(160, 59) || !tab.Has(160, 60) {
		t.Fatalf("expiry boundary wrong: Has(59)=%v Has(60)=%v", tab.Has(160, 59), tab.Has(160, 60))
	}
	if c, ok := tab.Created(160, 65); !ok || c != 65 {
		t.Fatalf("Created(55) = %d, %v", c, ok)
	}
}

func TestTableRecreatedKeyKeepsNewLife(t *testing.T) {
	tab := NewTable[string](10, 0)
	tab.Add(0, "k")
	// Expired at 11, recreated before any sweep saw it.
	if _, created := tab.Add(11, "k"); !created {
		t.Fatal("expired key not recreated")
	}
	// The sweep at 15 passes the old queue slot of k; k must stay.
	tab.Add(15, "other")
	if !tab.Has(15, "k") {
		t.Fatal("recreated key dropped by its old queue slot")
	}
	if tab.Has(22, "k") {
		t.Fatal("recreated key outlived its own expiry")
	}
}

func TestTableBackdate(t *testing.T) {
	tab := NewTable[string](10, 0)
	tab.Add(20, "k")
	tab.Backdate("k", 15)
	tab.Backdate("k", 18) // later: ignored
	if c, _ := tab.Created(20, "k"); c != 15 {
		t.Fatalf("created %d, want 15", c)
	}
	if tab.Has(26, "k") {
		t.Fatal("backdated key outlived its earlier creation")
	}
	tab.Add(40, "x") // sweeps: both queue slots of k go
	if tab.Len() != 1 {
		t.Fatalf("len %d after sweep, want 1", tab.Len())
	}
}

func TestTableBound(t *testing.T) {
	tab := NewTable[int](zeek.Day, 4)
	for i := range 10 {
		tab.Add(zeek.Time(i), i)
	}
	if tab.Len() != 4 {
		t.Fatalf("len %d, want 4", tab.Len())
	}
	if tab.Evicted != 6 {
		t.Fatalf("evicted %d, want 6", tab.Evicted)
	}
	for i := range 6 {
		if tab.Has(10, i) {
			t.Fatalf("oldest key %d kept", i)
		}
	}
	for i := 6; i < 10; i++ {
		if !tab.Has(10, i) {
			t.Fatalf("newest key %d evicted", i)
		}
	}
}

func TestTableDeleteReset(t *testing.T) {
	tab := NewTable[string](zeek.Day, 0)
	tab.Add(1, "a", "x")
	tab.Add(1, "b")
	tab.Delete("a")
	if tab.Has(2, "a") || !tab.Has(2, "b") {
		t.Fatal("Delete removed the wrong key")
	}
	if _, created := tab.Add(3, "a", "x"); !created {
		t.Fatal("deleted key not created again")
	}
	tab.Reset()
	if tab.Len() != 0 || tab.Has(4, "b") {
		t.Fatal("Reset kept keys")
	}
	n := 0
	tab.Add(5, "c", "m")
	tab.Range(5, func(k string, c zeek.Time, m []string) bool {
		n++
		if k != "c" || c != 5 || !slices.Equal(m, []string{"m"}) {
			t.Errorf("Range gave %q %d %q", k, c, m)
		}
		return true
	})
	if n != 1 {
		t.Fatalf("Range visited %d keys", n)
	}
}

func BenchmarkTableHasHit(b *testing.B) {
	tab := NewTable[zeek.Addr](zeek.Day, 0)
	a := mustAddr("10.0.0.1")
	tab.Add(1, a)
	b.ReportAllocs()
	for b.Loop() {
		if !tab.Has(2, a) {
			b.Fatal("miss")
		}
	}
}

func TestTableHasNoAlloc(t *testing.T) {
	tab := NewTable[ServiceKey](zeek.Day, 0)
	k := ServiceKey{mustAddr("10.0.0.1"), zeek.Port{Num: 80, Proto: zeek.ProtoTCP}}
	tab.Add(1, k, "HTTP")
	if n := testing.AllocsPerRun(100, func() { tab.Has(2, k, "HTTP") }); n != 0 {
		t.Fatalf("Has allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { tab.Add(2, k, "HTTP") }); n != 0 {
		t.Fatalf("Add of a known member allocates %v times", n)
	}
}
