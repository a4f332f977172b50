package schema

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// recorder is a Visitor that renders values in a compact test notation.
type recorder struct {
	out    []string
	inList bool
	list   []string
}

func (r *recorder) put(c *Column, s string) {
	if r.inList {
		r.list = append(r.list, s)
		return
	}
	r.out = append(r.out, c.Name+"="+s)
}

func (r *recorder) Unset(c *Column)                     { r.put(c, "-") }
func (r *recorder) Bool(c *Column, v bool)              { r.put(c, fmt.Sprint(v)) }
func (r *recorder) Int(c *Column, v int64)              { r.put(c, fmt.Sprint(v)) }
func (r *recorder) Count(c *Column, v uint64)           { r.put(c, fmt.Sprint(v)) }
func (r *recorder) Double(c *Column, v float64)         { r.put(c, fmt.Sprint(v)) }
func (r *recorder) Time(c *Column, v zeek.Time)         { r.put(c, fmt.Sprintf("t%d", v)) }
func (r *recorder) Interval(c *Column, v zeek.Interval) { r.put(c, fmt.Sprintf("i%d", v)) }
func (r *recorder) Seconds(c *Column, v float64)        { r.put(c, fmt.Sprintf("%vs", v)) }
func (r *recorder) String(c *Column, v string)          { r.put(c, fmt.Sprintf("%q", v)) }
func (r *recorder) Enum(c *Column, v string)            { r.put(c, "enum:"+v) }
func (r *recorder) Port(c *Column, v zeek.Port)         { r.put(c, fmt.Sprintf("%d/%v", v.Num, v.Proto)) }
func (r *recorder) Addr(c *Column, v zeek.Addr)         { r.put(c, v.String()) }
func (r *recorder) Subnet(c *Column, v zeek.Subnet)     { r.put(c, v.String()) }
func (r *recorder) Begin(c *Column, n int)              { r.inList, r.list = true, nil }
func (r *recorder) End(c *Column) {
	r.inList = false
	r.out = append(r.out, c.Name+"=["+strings.Join(r.list, " ")+"]")
}

type ctx struct {
	VLAN zeek.Opt[int64] `zeek:"vlan,ext=vlan-fivetuple"`
}

type connID struct {
	OrigH zeek.Addr `zeek:"orig_h"`
	OrigP zeek.Port `zeek:"orig_p"`
	Ctx   ctx       `zeek:"ctx"`
}

type inner struct {
	A uint64 `zeek:"a"`
	B string `zeek:"b"`
}

type rec struct {
	TS        zeek.Time        `zeek:"ts"`
	ID        connID           `zeek:"id"`
	VLAN      zeek.Opt[int64]  `zeek:"vlan,ext=vlan-logging"`
	Proto     zeek.Proto       `zeek:"proto,enum"`
	Skipped   int              // no tag: not logged
	Dash      int              `zeek:"-"`
	Inner     zeek.Opt[inner]  `zeek:"inner"`
	Parents   []string         `zeek:"tunnel_parents,set"`
	InnerVLAN zeek.Opt[int64]  `zeek:"inner_vlan,ext=vlan-logging"`
	MAC       zeek.Opt[string] `zeek:"orig_l2_addr,ext=mac-logging"`
	Last      bool             `zeek:"last"`
}

func names(cols []Column) string {
	var s []string
	for _, c := range cols {
		s = append(s, c.Name)
	}
	return strings.Join(s, " ")
}

func TestViewOrder(t *testing.T) {
	sc, err := For[rec]()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sc.Extensions(), " "); got != "vlan-fivetuple vlan-logging mac-logging" {
		t.Errorf("extensions %q", got)
	}
	for _, tc := range []struct {
		name string
		o    ViewOptions
		want string
	}{
		{"base", ViewOptions{}, "ts id.orig_h id.orig_p proto inner.a inner.b tunnel_parents last"},
		{"vlan", ViewOptions{Extensions: []string{"vlan-logging"}},
			"ts id.orig_h id.orig_p proto inner.a inner.b tunnel_parents last vlan inner_vlan"},
		{"enabling order", ViewOptions{Extensions: []string{"mac-logging", "vlan-logging", "mac-logging"}},
			"ts id.orig_h id.orig_p proto inner.a inner.b tunnel_parents last orig_l2_addr vlan inner_vlan"},
		{"nested extension", ViewOptions{Extensions: []string{"vlan-logging", "vlan-fivetuple", "unknown"}},
			"ts id.orig_h id.orig_p id.ctx.vlan proto inner.a inner.b tunnel_parents last vlan inner_vlan"},
		{"scope sep", ViewOptions{ScopeSep: "_", Extensions: []string{"vlan-fivetuple"}},
			"ts id_orig_h id_orig_p id_ctx_vlan proto inner_a inner_b tunnel_parents last"},
		{"include", ViewOptions{Include: []string{"ts", "id.orig_p", "vlan"}, Extensions: []string{"vlan-logging"}},
			"ts id.orig_p vlan"},
		{"exclude", ViewOptions{Exclude: []string{"inner.a", "inner.b", "last"}}, "ts id.orig_h id.orig_p proto tunnel_parents"},
		{"rename", ViewOptions{NameMap: map[string]string{"id.orig_h": "src", "ts": "@timestamp"}},
			"@timestamp src id.orig_p proto inner.a inner.b tunnel_parents last"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := sc.View(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(v.Columns()); got != tc.want {
				t.Errorf("columns\n got %s\nwant %s", got, tc.want)
			}
			for i, c := range v.Columns() {
				if c.Index != i {
					t.Errorf("column %s has index %d, want %d", c.Name, c.Index, i)
				}
			}
		})
	}
	for _, o := range []ViewOptions{
		{Include: []string{}},
		{Include: []string{"nope"}},
		{NameMap: map[string]string{"ts": "last"}},
	} {
		if _, err := sc.View(o); err == nil {
			t.Errorf("View(%+v) succeeded", o)
		}
	}
}

func TestTypes(t *testing.T) {
	sc, _ := For[rec]()
	v, _ := sc.View(ViewOptions{Extensions: []string{"vlan-logging", "vlan-fivetuple"}})
	var got []string
	for _, c := range v.Columns() {
		s := c.Name + ":" + c.Type.String()
		if c.Optional {
			s += "?"
		}
		if c.Ext != "" {
			s += "@" + c.Ext
		}
		got = append(got, s)
	}
	want := "ts:time id.orig_h:addr id.orig_p:port id.ctx.vlan:int?@vlan-fivetuple proto:enum inner.a:count? inner.b:string? " +
		"tunnel_parents:set[string] last:bool vlan:int?@vlan-logging inner_vlan:int?@vlan-logging"
	if strings.Join(got, " ") != want {
		t.Errorf("types\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

type myEnum int

func (e myEnum) String() string { return [...]string{"zero", "one"}[e] }

type ptrEnum struct{ n uint8 }

func (e *ptrEnum) String() string { return [...]string{"p0", "p1", "p2", "p3"}[e.n&3] }

type strEnum string

type everything struct {
	B   bool            `zeek:"b"`
	I   int             `zeek:"i"`
	I16 int16           `zeek:"i16"`
	I32 int32           `zeek:"i32"`
	U   uint            `zeek:"u"`
	U8  uint8           `zeek:"u8"`
	U32 uint32          `zeek:"u32"`
	UP  uintptr         `zeek:"up"`
	F32 float32         `zeek:"f32"`
	F64 float64         `zeek:"f64"`
	IV  zeek.Interval   `zeek:"iv"`
	BS  []byte          `zeek:"bs"`
	E1  myEnum          `zeek:"e1,enum"`
	E2  ptrEnum         `zeek:"e2,enum"`
	E3  strEnum         `zeek:"e3,enum"`
	S3  strEnum         `zeek:"s3"`
	VE  []myEnum        `zeek:"ve,enum"`
	VC  []uint8         `zeek:"vc,set"`
	VT  []zeek.Time     `zeek:"vt"`
	SN  zeek.Subnet     `zeek:"sn"`
	ZA  zeek.Addr       `zeek:"za"`
	ZS  zeek.Subnet     `zeek:"zs"`
	VA  []zeek.Addr     `zeek:"va"`
	FT  float64         `zeek:"ft,time"`
	FI  []float64       `zeek:"fi,interval"`
	OS  zeek.Opt[inner] `zeek:"os"`
}

func TestVisitAll(t *testing.T) {
	sc, err := For[everything]()
	if err != nil {
		t.Fatal(err)
	}
	v, _ := sc.View(ViewOptions{})
	r := everything{
		B: true, I: -1, I16: -16, I32: -32, U: 1, U8: 8, U32: 32, UP: 7, F32: 1.5, F64: 2.25,
		IV: zeek.Second, BS: []byte("raw"), E1: 1, E2: ptrEnum{3}, E3: "e", S3: "s",
		VE: []myEnum{0, 1}, VC: []uint8{1, 2}, VT: []zeek.Time{5},
		SN: netip.MustParsePrefix("10.0.0.0/8"),
		VA: []zeek.Addr{netip.MustParseAddr("::1"), {}},
		FT: 1.5, FI: []float64{0.25},
		OS: zeek.Some(inner{A: 1, B: "x"}),
	}
	var rc recorder
	v.Visit(RecordOf(&r), &rc)
	want := `b=true i=-1 i16=-16 i32=-32 u=1 u8=8 u32=32 up=7 f32=1.5 f64=2.25 iv=i1000000000 bs="raw" ` +
		`e1=enum:one e2=enum:p3 e3=enum:e s3="s" ve=[enum:zero enum:one] vc=[1 2] vt=[t5] sn=10.0.0.0/8 ` +
		`za=- zs=- va=[::1 -] ft=1.5s fi=[0.25s] os.a=1 os.b="x"`
	if got := strings.Join(rc.out, " "); got != want {
		t.Errorf("visit\n got %s\nwant %s", got, want)
	}

	r.OS = zeek.Opt[inner]{}
	rc = recorder{}
	v.Visit(RecordOfValue(reflect.ValueOf(&r)), &rc)
	if got := strings.Join(rc.out[len(rc.out)-2:], " "); got != "os.a=- os.b=-" {
		t.Errorf("unset nested record: %s", got)
	}
}

func TestVisitWrongType(t *testing.T) {
	sc, _ := For[rec]()
	v, _ := sc.View(ViewOptions{})
	defer func() {
		if recover() == nil {
			t.Error("no panic for a record of another type")
		}
	}()
	var other inner
	v.Visit(RecordOf(&other), &recorder{})
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[int](), "not a struct"},
		{reflect.TypeFor[struct{ A int }](), "no zeek-tagged fields"},
		{reflect.TypeFor[struct {
			A chan int `zeek:"a"`
		}](), "unsupported type"},
		{reflect.TypeFor[struct {
			A int `zeek:"a,set"`
		}](), "option set on non-slice"},
		{reflect.TypeFor[struct {
			A int `zeek:"a,enum"`
		}](), "neither a string nor a fmt.Stringer"},
		{reflect.TypeFor[struct {
			A int `zeek:"a,bogus"`
		}](), "unknown tag option"},
		{reflect.TypeFor[struct {
			A int `zeek:",set"`
		}](), "empty field name"},
		{reflect.TypeFor[struct {
			a int `zeek:"a"`
		}](), "not exported"},
		{reflect.TypeFor[struct {
			A []zeek.Opt[int] `zeek:"a"`
		}](), "optional elements"},
		{reflect.TypeFor[struct {
			A inner `zeek:"a,set"`
		}](), "on a record"},
		{reflect.TypeFor[struct {
			A struct {
				B int `zeek:"b,ext=y"`
			} `zeek:"a,ext=x"`
		}](), "inside extension"},
		{reflect.TypeFor[struct {
			A [][]string `zeek:"a"`
		}](), "unsupported type"},
		{reflect.TypeFor[struct {
			A int64 `zeek:"a,interval"`
		}](), "needs a float64"},
	} {
		_, err := Compile(tc.typ)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%v) = %v, want error containing %q", tc.typ, err, tc.want)
		}
	}
}

func TestCompileCached(t *testing.T) {
	a, err1 := For[rec]()
	b, err2 := For[rec]()
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("For twice: %p %v, %p %v", a, err1, b, err2)
	}
}

// nullVisitor discards values.
type nullVisitor struct{ n int }

func (v *nullVisitor) Unset(*Column)                   { v.n++ }
func (v *nullVisitor) Bool(*Column, bool)              { v.n++ }
func (v *nullVisitor) Int(*Column, int64)              { v.n++ }
func (v *nullVisitor) Count(*Column, uint64)           { v.n++ }
func (v *nullVisitor) Double(*Column, float64)         { v.n++ }
func (v *nullVisitor) Time(*Column, zeek.Time)         { v.n++ }
func (v *nullVisitor) Interval(*Column, zeek.Interval) { v.n++ }
func (v *nullVisitor) Seconds(*Column, float64)        { v.n++ }
func (v *nullVisitor) String(*Column, string)          { v.n++ }
func (v *nullVisitor) Enum(*Column, string)            { v.n++ }
func (v *nullVisitor) Port(*Column, zeek.Port)         { v.n++ }
func (v *nullVisitor) Addr(*Column, zeek.Addr)         { v.n++ }
func (v *nullVisitor) Subnet(*Column, zeek.Subnet)     { v.n++ }
func (v *nullVisitor) Begin(*Column, int)              { v.n++ }
func (v *nullVisitor) End(*Column)                     { v.n++ }

func TestVisitAllocs(t *testing.T) {
	sc, _ := For[everything]()
	v, _ := sc.View(ViewOptions{})
	r := everything{E1: 1, VE: []myEnum{0, 1}, OS: zeek.Some(inner{B: "x"})}
	var nv nullVisitor
	rr := RecordOf(&r)
	if n := testing.AllocsPerRun(100, func() { v.Visit(rr, &nv) }); n != 0 {
		t.Errorf("%v allocations per visit", n)
	}
}

func BenchmarkVisit(b *testing.B) {
	sc, _ := For[rec]()
	v, _ := sc.View(ViewOptions{Extensions: []string{"vlan-logging"}})
	r := rec{Parents: []string{"a", "b"}, Inner: zeek.Some(inner{})}
	var nv nullVisitor
	rr := RecordOf(&r)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v.Visit(rr, &nv)
	}
}

func TestColumnSeconds(t *testing.T) {
	sc, err := For[everything]()
	if err != nil {
		t.Fatal(err)
	}
	v, err := sc.View(ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range v.Columns() {
		if c.Seconds() {
			got = append(got, c.Name)
		}
	}
	// iv (zeek.Interval) and vt ([]zeek.Time) are not held in seconds.
	if strings.Join(got, " ") != "ft fi" {
		t.Errorf("Seconds columns: %v, want [ft fi]", got)
	}
}
