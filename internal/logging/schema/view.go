package schema

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"unsafe"

	"github.com/heron-nsm/heron/internal/zeek"
)

// ViewOptions selects and names the columns of a View, as a Zeek log filter
// and the redefs loaded by scripts do.
type ViewOptions struct {
	// Extensions lists the enabled extensions in the order they were
	// enabled (Zeek's script load order). Names the schema does not
	// declare are ignored; repeats count once.
	Extensions []string
	// ScopeSep joins the components of nested field names; "" means ".".
	ScopeSep string
	// Include, when not nil, keeps only the columns whose joined name it
	// lists (Zeek's Log::Filter$include).
	Include []string
	// Exclude drops the columns whose joined name it lists
	// (Log::Filter$exclude).
	Exclude []string
	// NameMap renames columns after joining (Log::Filter$field_name_map).
	NameMap map[string]string
}

// View is the ordered list of columns one writer sees for a record type. A
// View is immutable and safe for concurrent use.
type View struct {
	schema   *Schema
	cols     []Column
	cuttable []int // indices of the string and container columns (limits.go)
}

// View returns the columns of s selected and named by o. It fails when no
// column remains or when two columns end up with the same name.
func (s *Schema) View(o ViewOptions) (*View, error) {
	sep := o.ScopeSep
	if sep == "" {
		sep = "."
	}
	var exts []string
	for _, e := range o.Extensions {
		dup := false
		for _, x := range exts {
			dup = dup || x == e
		}
		if !dup {
			exts = append(exts, e)
		}
	}
	v := &View{schema: s, cols: make([]Column, 0, s.cols)}
	flatten(s.root, nil, exts, &v.cols)

	set := func(names []string) map[string]bool {
		m := make(map[string]bool, len(names))
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	incl, excl := set(o.Include), set(o.Exclude)
	kept := v.cols[:0]
	seen := make(map[string]bool, len(v.cols))
	for _, c := range v.cols {
		c.Name = strings.Join(c.Path, sep)
		if (o.Include != nil && !incl[c.Name]) || excl[c.Name] {
			continue
		}
		if to, ok := o.NameMap[c.Name]; ok {
			c.Name = to
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("schema: %v: two columns named %q", s.typ, c.Name)
		}
		seen[c.Name] = true
		c.Index = len(kept)
		kept = append(kept, c)
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("schema: %v: no columns selected", s.typ)
	}
	v.cols = kept
	for i := range v.cols {
		if v.cols[i].Type.Kind == KindString || v.cols[i].acc.elemSize != 0 {
			v.cuttable = append(v.cuttable, i)
		}
	}
	return v, nil
}

// flatten appends the columns under nodes: base fields first, then the
// fields of each enabled extension in enabling order.
func flatten(nodes []node, prefix []string, exts []string, out *[]Column) {
	emit := func(n *node) {
		path := append(prefix[:len(prefix):len(prefix)], n.name)
		if n.leaf != nil {
			c := *n.leaf
			c.Path = path
			*out = append(*out, c)
			return
		}
		flatten(n.kids, path, exts, out)
	}
	for i := range nodes {
		if nodes[i].ext == "" {
			emit(&nodes[i])
		}
	}
	for _, e := range exts {
		for i := range nodes {
			if nodes[i].ext == e {
				emit(&nodes[i])
			}
		}
	}
}

// Schema returns the schema v was made from.
func (v *View) Schema() *Schema { return v.schema }

// Columns returns the view's columns in order. The caller must not modify
// the slice or its elements.
func (v *View) Columns() []Column { return v.cols }

// Record is a reference to one record of a compiled type, for Visit.
type Record struct {
	p   unsafe.Pointer
	t   reflect.Type
	lim *Limits // see Limited; nil: values pass whole
}

// RecordOf returns a Record referring to *p. The record must stay unchanged
// while it is visited.
func RecordOf[T any](p *T) Record {
	return Record{p: unsafe.Pointer(p), t: reflect.TypeFor[T]()}
}

// RecordOfValue returns a Record referring to the struct that the pointer
// p points to, for record types built at run time (reflect.StructOf). It
// panics if p is not a non-nil pointer to a struct.
func RecordOfValue(p reflect.Value) Record {
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Type().Elem().Kind() != reflect.Struct {
		panic("schema: RecordOfValue needs a non-nil pointer to a struct")
	}
	return Record{p: p.UnsafePointer(), t: p.Type().Elem()}
}

// Visitor receives the values of one record from View.Visit, column by
// column in view order. A set or vector arrives as Begin, one call per
// element (with the same column; Unset for an element that has no value),
// and End. Strings passed to String and Enum may alias the record's memory
// and are valid only during the call.
type Visitor interface {
	Unset(c *Column)
	Bool(c *Column, v bool)
	Int(c *Column, v int64)
	Count(c *Column, v uint64)
	Double(c *Column, v float64)
	Time(c *Column, v zeek.Time)
	Interval(c *Column, v zeek.Interval)
	// Seconds is a time or an interval (the column's kind, or element
	// kind, says which) held as a double number of seconds, as Zeek holds
	// it: fields tagged with the time or interval option.
	Seconds(c *Column, v float64)
	String(c *Column, v string)
	Enum(c *Column, v string)
	Port(c *Column, v zeek.Port)
	Addr(c *Column, v zeek.Addr)
	Subnet(c *Column, v zeek.Subnet)
	Begin(c *Column, n int)
	End(c *Column)
}

// Visit calls vis for each column of the record r. A record made with
// Limited passes its strings and containers cut to its limits. Visit panics
// if r is not of the view's record type, which is a programming error.
func (v *View) Visit(r Record, vis Visitor) {
	if r.t != v.schema.typ {
		panic(fmt.Sprintf("schema: record of type %v visited with a view of %v", r.t, v.schema.typ))
	}
	if r.lim != nil {
		lm := limiter{l: r.lim}
		for i := range v.cols {
			lm.visitColumn(&v.cols[i], r.p, vis)
		}
		return
	}
	for i := range v.cols {
		visitColumn(&v.cols[i], r.p, vis)
	}
}

func visitColumn(c *Column, base unsafe.Pointer, vis Visitor) {
	for _, g := range c.acc.guards {
		if !*(*bool)(unsafe.Add(base, g)) {
			vis.Unset(c)
			return
		}
	}
	p := unsafe.Add(base, c.acc.off)
	if c.acc.elemSize == 0 {
		visitValue(c, c.Type.Kind, p, vis)
		return
	}
	// Any slice header reads the same as a []byte header.
	s := *(*[]byte)(p)
	data, n := unsafe.Pointer(unsafe.SliceData(s)), len(s)
	vis.Begin(c, n)
	for j := 0; j < n; j++ {
		visitValue(c, c.Type.Elem, unsafe.Add(data, uintptr(j)*c.acc.elemSize), vis)
	}
	vis.End(c)
}

func visitValue(c *Column, k Kind, p unsafe.Pointer, vis Visitor) {
	switch k {
	case KindBool:
		vis.Bool(c, *(*bool)(p))
	case KindInt:
		vis.Int(c, loadInt(c.acc.rep, p))
	case KindCount:
		vis.Count(c, loadUint(c.acc.rep, p))
	case KindDouble:
		if c.acc.rep == repFloat32 {
			vis.Double(c, float64(*(*float32)(p)))
		} else {
			vis.Double(c, *(*float64)(p))
		}
	case KindTime:
		if c.acc.rep == repFloat64 {
			vis.Seconds(c, *(*float64)(p))
		} else {
			vis.Time(c, *(*zeek.Time)(p))
		}
	case KindInterval:
		if c.acc.rep == repFloat64 {
			vis.Seconds(c, *(*float64)(p))
		} else {
			vis.Interval(c, *(*zeek.Interval)(p))
		}
	case KindString:
		vis.String(c, loadString(c, p))
	case KindEnum:
		vis.Enum(c, loadString(c, p))
	case KindPort:
		vis.Port(c, *(*zeek.Port)(p))
	case KindAddr:
		if a := *(*netip.Addr)(p); a.IsValid() {
			vis.Addr(c, a)
		} else {
			vis.Unset(c)
		}
	case KindSubnet:
		if s := *(*netip.Prefix)(p); s.IsValid() {
			vis.Subnet(c, s)
		} else {
			vis.Unset(c)
		}
	default:
		vis.Unset(c)
	}
}

func loadInt(r rep, p unsafe.Pointer) int64 {
	switch r {
	case repInt:
		return int64(*(*int)(p))
	case repInt8:
		return int64(*(*int8)(p))
	case repInt16:
		return int64(*(*int16)(p))
	case repInt32:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

func loadUint(r rep, p unsafe.Pointer) uint64 {
	switch r {
	case repUint:
		return uint64(*(*uint)(p))
	case repUint8:
		return uint64(*(*uint8)(p))
	case repUint16:
		return uint64(*(*uint16)(p))
	case repUint32:
		return uint64(*(*uint32)(p))
	case repUintptr:
		return uint64(*(*uintptr)(p))
	}
	return *(*uint64)(p)
}

func loadString(c *Column, p unsafe.Pointer) string {
	switch c.acc.rep {
	case repBytes:
		b := *(*[]byte)(p)
		return unsafe.String(unsafe.SliceData(b), len(b))
	case repStringer:
		var s fmt.Stringer
		w := (*[2]unsafe.Pointer)(unsafe.Pointer(&s))
		w[0], w[1] = c.acc.tab, p
		return s.String()
	}
	return *(*string)(p)
}
