package schema

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// limRec has every kind of value the limits look at, and some they do not.
type limRec struct {
	A  string           `zeek:"a"`
	B  []byte           `zeek:"b"`
	E  strEnum          `zeek:"e,enum"`
	O  zeek.Opt[string] `zeek:"o"`
	S  []string         `zeek:"s,set"`
	V  []zeek.Addr      `zeek:"v"`
	VB [][]byte         `zeek:"vb"`
	N  uint64           `zeek:"n"`
	C  string           `zeek:"c"`
}

func addrs(n int) []zeek.Addr {
	out := make([]zeek.Addr, n)
	for i := range out {
		out[i] = netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})
	}
	return out
}

// limitCase runs r through CheckLimits and a limited Visit.
func limitCase(t *testing.T, r *limRec, l Limits) (visited string, cuts string, n int) {
	t.Helper()
	sc, err := For[limRec]()
	if err != nil {
		t.Fatal(err)
	}
	v, err := sc.View(ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	n, _ = v.CheckLimits(RecordOf(r), &l, func(k Truncation) {
		if k == StringTruncated {
			got = append(got, "S")
		} else {
			got = append(got, "C")
		}
	})
	var rec recorder
	v.Visit(RecordOf(r).Limited(&l), &rec)
	return strings.Join(rec.out, " "), strings.Join(got, ""), n
}

func TestLimits(t *testing.T) {
	long := strings.Repeat("x", 10)
	tests := []struct {
		name string
		rec  limRec
		lim  Limits
		want string // visited values
		cuts string // S: a string cut, C: a container cut, in order
	}{
		{
			name: "none",
			rec:  limRec{A: long, S: []string{"a", "b", "c"}},
			want: `a="xxxxxxxxxx" b="" e=enum: o=- s=["a" "b" "c"] v=[] vb=[] n=0 c=""`,
		},
		{
			name: "all zero is no limit",
			rec:  limRec{A: long, B: []byte(long), S: []string{"a", "b", "c"}, V: addrs(3)},
			lim:  Limits{},
			want: `a="xxxxxxxxxx" b="xxxxxxxxxx" e=enum: o=- s=["a" "b" "c"] v=[10.0.0.1 10.0.0.2 10.0.0.3] vb=[] n=0 c=""`,
		},
		{
			name: "string at the field limit",
			rec:  limRec{A: long},
			lim:  Limits{FieldStringBytes: 10},
			want: `a="xxxxxxxxxx" b="" e=enum: o=- s=[] v=[] vb=[] n=0 c=""`,
		},
		{
			name: "strings over the field limit",
			rec:  limRec{A: long, B: []byte("abcdefghijk"), O: zeek.Some("12345678"), C: "short"},
			lim:  Limits{FieldStringBytes: 9},
			want: `a="xxxxxxxxx" b="abcdefghi" e=enum: o="12345678" s=[] v=[] vb=[] n=0 c="short"`,
			cuts: "SS",
		},
		{
			name: "total over fields in column order",
			rec:  limRec{A: "aaaa", B: []byte("bbbb"), E: "an_enum_is_not_counted", O: zeek.Some("oooo"), C: "cccc"},
			lim:  Limits{TotalStringBytes: 6},
			want: `a="aaaa" b="bb" e=enum:an_enum_is_not_counted o="" s=[] v=[] vb=[] n=0 c=""`,
			cuts: "SSS",
		},
		{
			name: "empty string after the total is not a cut",
			rec:  limRec{A: "aaaaaa", B: []byte{}, C: ""},
			lim:  Limits{TotalStringBytes: 6},
			want: `a="aaaaaa" b="" e=enum: o=- s=[] v=[] vb=[] n=0 c=""`,
		},
		{
			name: "unset strings do not count",
			rec:  limRec{A: "aaa", C: "ccc"},
			lim:  Limits{TotalStringBytes: 6},
			want: `a="aaa" b="" e=enum: o=- s=[] v=[] vb=[] n=0 c="ccc"`,
		},
		{
			name: "field and total together",
			rec:  limRec{A: long, B: []byte(long), C: long},
			lim:  Limits{FieldStringBytes: 4, TotalStringBytes: 10},
			want: `a="xxxx" b="xxxx" e=enum: o=- s=[] v=[] vb=[] n=0 c="xx"`,
			cuts: "SSS",
		},
		{
			name: "container at the field limit",
			rec:  limRec{S: []string{"a", "b"}},
			lim:  Limits{FieldContainerElements: 2},
			want: `a="" b="" e=enum: o=- s=["a" "b"] v=[] vb=[] n=0 c=""`,
		},
		{
			name: "containers over the field limit keep the first elements",
			rec:  limRec{S: []string{"a", "b", "c"}, V: addrs(4)},
			lim:  Limits{FieldContainerElements: 2},
			want: `a="" b="" e=enum: o=- s=["a" "b"] v=[10.0.0.1 10.0.0.2] vb=[] n=0 c=""`,
			cuts: "CC",
		},
		{
			name: "container total across fields",
			rec:  limRec{S: []string{"a", "b", "c"}, V: addrs(4), VB: [][]byte{[]byte("q")}},
			lim:  Limits{TotalContainerElements: 5},
			want: `a="" b="" e=enum: o=- s=["a" "b" "c"] v=[10.0.0.1 10.0.0.2] vb=[] n=0 c=""`,
			cuts: "CC",
		},
		{
			name: "strings inside containers",
			rec:  limRec{A: "aa", S: []string{"bbbb", "cccc", "dddd"}, VB: [][]byte{[]byte("ee")}, C: "ff"},
			lim:  Limits{FieldStringBytes: 3, TotalStringBytes: 8, FieldContainerElements: 2},
			want: `a="aa" b="" e=enum: o=- s=["bbb" "ccc"] v=[] vb=[""] n=0 c=""`,
			cuts: "CSSSS",
		},
		{
			name: "container total reached: later containers empty",
			rec:  limRec{S: []string{"a"}, V: addrs(1), VB: [][]byte{[]byte("v")}},
			lim:  Limits{TotalContainerElements: 1},
			want: `a="" b="" e=enum: o=- s=["a"] v=[] vb=[] n=0 c=""`,
			cuts: "CC",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, cuts, n := limitCase(t, &tc.rec, tc.lim)
			if got != tc.want {
				t.Errorf("visited\n got %s\nwant %s", got, tc.want)
			}
			if cuts != tc.cuts || n != len(tc.cuts) {
				t.Errorf("cuts %q (%d), want %q", cuts, n, tc.cuts)
			}
		})
	}
}

func TestRecordSize(t *testing.T) {
	sc, _ := For[limRec]()
	v, _ := sc.View(ViewOptions{})
	// a 4 + b 0 + e 4 + s 2 + v 2×17 + n 8 + c 0 = 52
	r := limRec{A: "aaaa", E: "enum", S: []string{"x", "y"}, V: addrs(2)}
	for _, tc := range []struct {
		lim  Limits
		drop bool
		cuts string
	}{
		{Limits{RecordSize: 52}, false, ""},
		{Limits{RecordSize: 51}, true, "R"},
		{Limits{RecordSize: 51, FieldStringBytes: 3}, false, "S"},
		{Limits{RecordSize: 10, FieldStringBytes: 3, FieldContainerElements: 1}, true, "SCCR"},
	} {
		var got []byte
		_, drop := v.CheckLimits(RecordOf(&r), &tc.lim, func(k Truncation) { got = append(got, "?SCR"[k]) })
		if drop != tc.drop || string(got) != tc.cuts {
			t.Errorf("%+v: drop %v, cuts %q; want %v, %q", tc.lim, drop, got, tc.drop, tc.cuts)
		}
	}
}

func TestAllowed(t *testing.T) {
	for _, tc := range []struct{ n, field, total, used, want int }{
		{10, 0, 0, 0, 10},
		{10, 4, 0, 0, 4},
		{10, 0, 6, 0, 6},
		{10, 0, 6, 4, 2},
		{10, 0, 6, 6, 0},
		{10, 0, 6, 7, 0}, // never negative
		{10, 3, 6, 4, 2},
		{1, 3, 6, 4, 1},
		{10, -1, -1, 0, 10},
	} {
		if got := allowed(tc.n, tc.field, tc.total, tc.used); got != tc.want {
			t.Errorf("allowed(%d, %d, %d, %d) = %d, want %d", tc.n, tc.field, tc.total, tc.used, got, tc.want)
		}
	}
}

func TestSizeBounded(t *testing.T) {
	zeekDefaults := Limits{FieldStringBytes: 4096, TotalStringBytes: 256000, FieldContainerElements: 100, TotalContainerElements: 500, RecordSize: 64 << 20}
	for _, tc := range []struct {
		l     Limits
		ncols int
		want  bool
	}{
		{zeekDefaults, 30, true},
		{zeekDefaults, 600, false},
		{Limits{TotalStringBytes: 256000, RecordSize: 64 << 20}, 30, false}, // containers unbounded
		{Limits{TotalContainerElements: 500, RecordSize: 64 << 20}, 30, false},
		{Limits{TotalStringBytes: 256000, TotalContainerElements: 500, RecordSize: 1 << 20}, 30, false},
	} {
		if got := tc.l.sizeBounded(tc.ncols); got != tc.want {
			t.Errorf("%+v with %d columns: bounded %v", tc.l, tc.ncols, got)
		}
	}
}

func TestLimitedInactive(t *testing.T) {
	r := limRec{A: "aaaa"}
	for _, l := range []*Limits{nil, {}, {FieldStringBytes: -1}} {
		if RecordOf(&r).Limited(l).lim != nil {
			t.Errorf("limits %+v kept on the record", l)
		}
	}
	if (&Limits{TotalContainerElements: 1}).Active() != true {
		t.Error("a container total is not active")
	}
}

func TestLimitsAllocs(t *testing.T) {
	sc, _ := For[limRec]()
	v, _ := sc.View(ViewOptions{})
	r := limRec{A: strings.Repeat("a", 100), S: []string{"a", "b", "c"}, V: addrs(3), VB: [][]byte{[]byte("xyz")}}
	l := Limits{FieldStringBytes: 10, TotalStringBytes: 12, FieldContainerElements: 2, TotalContainerElements: 4}
	rr := RecordOf(&r)
	lr := rr.Limited(&l)
	var nv nullVisitor
	cuts := 0
	report := func(Truncation) { cuts++ }
	if n := testing.AllocsPerRun(100, func() {
		v.CheckLimits(rr, &l, report)
		v.Visit(lr, &nv)
	}); n != 0 {
		t.Errorf("%v allocations per check and visit", n)
	}
	if cuts == 0 {
		t.Error("nothing cut")
	}
}

func BenchmarkVisitLimited(b *testing.B) {
	sc, _ := For[rec]()
	v, _ := sc.View(ViewOptions{Extensions: []string{"vlan-logging"}})
	r := rec{Parents: []string{"a", "b"}, Inner: zeek.Some(inner{})}
	l := Limits{FieldStringBytes: 4096, TotalStringBytes: 256000, FieldContainerElements: 100, TotalContainerElements: 500}
	var nv nullVisitor
	rr := RecordOf(&r).Limited(&l)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v.Visit(rr, &nv)
	}
}

func BenchmarkCheckLimits(b *testing.B) {
	sc, _ := For[rec]()
	v, _ := sc.View(ViewOptions{Extensions: []string{"vlan-logging"}})
	r := rec{Parents: []string{"a", "b"}, Inner: zeek.Some(inner{})}
	l := Limits{FieldStringBytes: 4096, TotalStringBytes: 256000, FieldContainerElements: 100, TotalContainerElements: 500, RecordSize: 64 << 20}
	rr := RecordOf(&r)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v.CheckLimits(rr, &l, nil)
	}
}

func BenchmarkCheckLimitsNoRecordSize(b *testing.B) {
	sc, _ := For[rec]()
	v, _ := sc.View(ViewOptions{Extensions: []string{"vlan-logging"}})
	r := rec{Parents: []string{"a", "b"}, Inner: zeek.Some(inner{})}
	l := Limits{FieldStringBytes: 4096, TotalStringBytes: 256000, FieldContainerElements: 100, TotalContainerElements: 500}
	rr := RecordOf(&r)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v.CheckLimits(rr, &l, nil)
	}
}
