package schema

import (
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// event is one call a Visitor received, for comparing visits.
type event struct {
	begin bool   // Begin (n in size)
	end   bool   // End
	str   bool   // String (value in s)
	s     string // value of String, or a rendering of other values
	size  int
}

type events struct {
	nullVisitor
	ev []event
}

func (e *events) String(_ *Column, v string) { e.ev = append(e.ev, event{str: true, s: v}) }
func (e *events) Begin(_ *Column, n int)     { e.ev = append(e.ev, event{begin: true, size: n}) }
func (e *events) End(*Column)                { e.ev = append(e.ev, event{end: true}) }
func (e *events) Addr(_ *Column, v zeek.Addr) {
	e.ev = append(e.ev, event{s: v.String()})
}
func (e *events) Enum(_ *Column, v string) { e.ev = append(e.ev, event{s: "enum:" + v}) }
func (e *events) Unset(*Column)            { e.ev = append(e.ev, event{s: "-"}) }

// FuzzLimits checks a limited Visit against the whole one: every value is
// a prefix of the whole value, within the limits, and CheckLimits counts
// exactly the values that came out shorter.
func FuzzLimits(f *testing.F) {
	f.Add("aaaa", "bbbb", "x,y,z", "p,q", uint8(3), uint16(3), uint16(6), uint8(2), uint8(4), true)
	f.Add("", "", "", "", uint8(0), uint16(0), uint16(0), uint8(0), uint8(0), false)
	f.Add(strings.Repeat("s", 40), "t", "a,bb,ccc,dddd", ",,,", uint8(9), uint16(0), uint16(7), uint8(0), uint8(5), true)
	f.Fuzz(func(t *testing.T, a, b, set, vec string, naddr uint8, fs, ts uint16, fc, tc uint8, opt bool) {
		r := limRec{A: a, B: []byte(b), E: "enum", V: addrs(int(naddr % 32)), C: a + b}
		if set != "" {
			r.S = strings.Split(set, ",")
		}
		if vec != "" {
			for _, p := range strings.Split(vec, ",") {
				r.VB = append(r.VB, []byte(p))
			}
		}
		if opt {
			r.O = zeek.Some(b + a)
		}
		l := Limits{FieldStringBytes: int(fs % 64), TotalStringBytes: int(ts % 256), FieldContainerElements: int(fc % 16), TotalContainerElements: int(tc % 32)}
		sc, err := For[limRec]()
		if err != nil {
			t.Fatal(err)
		}
		v, _ := sc.View(ViewOptions{})
		var whole, cut events
		v.Visit(RecordOf(&r), &whole)
		v.Visit(RecordOf(&r).Limited(&l), &cut)
		n, _ := v.CheckLimits(RecordOf(&r), &l, nil)

		shorter, strBytes, elems := 0, 0, 0
		i, j := 0, 0
		for j < len(cut.ev) {
			w, c := whole.ev[i], cut.ev[j]
			switch {
			case c.begin:
				if !w.begin || c.size > w.size {
					t.Fatalf("container of %d from %d", c.size, w.size)
				}
				if l.FieldContainerElements > 0 && c.size > l.FieldContainerElements {
					t.Fatalf("container of %d over %d", c.size, l.FieldContainerElements)
				}
				if c.size < w.size {
					shorter++
				}
				elems += c.size
				i, j = i+1, j+1
				for k := 0; k < c.size; k++ { // elements kept
					if cut.ev[j].str {
						shorter += checkString(t, whole.ev[i].s, cut.ev[j].s, &l, &strBytes)
					} else if cut.ev[j] != whole.ev[i] {
						t.Fatalf("element %v became %v", whole.ev[i], cut.ev[j])
					}
					i, j = i+1, j+1
				}
				i += w.size - c.size // elements dropped
			case c.str:
				shorter += checkString(t, w.s, c.s, &l, &strBytes)
				i, j = i+1, j+1
			default:
				if c != w {
					t.Fatalf("value %v became %v", w, c)
				}
				i, j = i+1, j+1
			}
		}
		if l.TotalContainerElements > 0 && elems > l.TotalContainerElements {
			t.Fatalf("%d elements over %d", elems, l.TotalContainerElements)
		}
		if n != shorter {
			t.Fatalf("CheckLimits counted %d cuts, visit made %d", n, shorter)
		}
	})
}

func checkString(t *testing.T, whole, cut string, l *Limits, total *int) int {
	t.Helper()
	if !strings.HasPrefix(whole, cut) {
		t.Fatalf("%q is not a prefix of %q", cut, whole)
	}
	if l.FieldStringBytes > 0 && len(cut) > l.FieldStringBytes {
		t.Fatalf("%q over %d bytes", cut, l.FieldStringBytes)
	}
	*total += len(cut)
	if l.TotalStringBytes > 0 && *total > l.TotalStringBytes {
		t.Fatalf("%d string bytes over %d", *total, l.TotalStringBytes)
	}
	if len(cut) < len(whole) {
		return 1
	}
	return 0
}
