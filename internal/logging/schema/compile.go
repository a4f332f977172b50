package schema

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Column is one flattened log field.
type Column struct {
	// Name is the field name as written ("id.orig_h"), after the view's
	// scope separator and renaming.
	Name string
	// Path holds the name's components as declared in the tags
	// (["id", "orig_h"]).
	Path []string
	// Type is the field's Zeek type.
	Type Type
	// Optional reports whether the value can be unset: the field is a
	// zeek.Opt or lies inside a zeek.Opt record.
	Optional bool
	// Ext names the extension the field belongs to; empty for base fields.
	Ext string
	// Index is the column's position in its View.
	Index int

	acc access
}

// Seconds reports whether the values of a time or interval column (or
// the elements of a set or vector of times or intervals) are held as a
// float64 number of seconds (the time and interval tag options), for which
// Visit calls Visitor.Seconds, rather than as zeek.Time or zeek.Interval.
// A writer that ships records elsewhere needs this to rebuild them
// exactly: the two forms print differently.
func (c *Column) Seconds() bool {
	k := c.Type.Kind
	if c.Type.IsContainer() {
		k = c.Type.Elem
	}
	return (k == KindTime || k == KindInterval) && c.acc.rep == repFloat64
}

// rep is the Go representation of a scalar value in memory.
type rep uint8

const (
	repNone rep = iota
	repBool
	repInt
	repInt8
	repInt16
	repInt32
	repInt64
	repUint
	repUint8
	repUint16
	repUint32
	repUint64
	repUintptr
	repFloat32
	repFloat64
	repString
	repBytes
	repStringer
	repPort
	repAddr
	repPrefix
)

// access locates a column's value inside a record.
type access struct {
	off      uintptr        // offset of the value (for containers: of the slice header)
	guards   []uintptr      // offsets of the Set flags of enclosing zeek.Opt values
	rep      rep            // representation of the value or of the elements
	elemSize uintptr        // element size for containers; 0 for scalars
	tab      unsafe.Pointer // fmt.Stringer method table of *T, for repStringer
}

// Schema is the compiled form of a record type.
type Schema struct {
	typ  reflect.Type
	root []node
	exts []string // extension names in first-declaration order
	cols int      // number of leaf columns, all extensions included
}

type node struct {
	name string
	ext  string
	leaf *Column // nil for a nested record
	kids []node
}

// Type returns the Go struct type the schema was compiled from.
func (s *Schema) Type() reflect.Type { return s.typ }

// Extensions returns the extension names the type declares, in the order
// they first appear. The caller must not modify the slice.
func (s *Schema) Extensions() []string { return s.exts }

var cache sync.Map // reflect.Type → *Schema

// For returns the schema of T, compiling it on first use.
func For[T any]() (*Schema, error) { return Compile(reflect.TypeFor[T]()) }

// Compile returns the schema of the struct type t. Results are cached: the
// reflection happens once per type.
func Compile(t reflect.Type) (*Schema, error) {
	if s, ok := cache.Load(t); ok {
		return s.(*Schema), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("schema: %v is not a struct", t)
	}
	c := compiler{seen: map[string]bool{}}
	root, err := c.record(t, 0, nil, "", t.Name())
	if err != nil {
		return nil, err
	}
	if c.cols == 0 {
		return nil, fmt.Errorf("schema: %v has no zeek-tagged fields", t)
	}
	s := &Schema{typ: t, root: root, exts: c.exts, cols: c.cols}
	actual, _ := cache.LoadOrStore(t, s)
	return actual.(*Schema), nil
}

type compiler struct {
	exts []string
	seen map[string]bool
	cols int
}

var (
	timeType     = reflect.TypeFor[zeek.Time]()
	intervalType = reflect.TypeFor[zeek.Interval]()
	portType     = reflect.TypeFor[zeek.Port]()
	addrType     = reflect.TypeFor[netip.Addr]()
	prefixType   = reflect.TypeFor[netip.Prefix]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
	byteType     = reflect.TypeFor[byte]()
	zeekPkg      = reflect.TypeFor[zeek.Time]().PkgPath()
)

// tagOpts is a parsed zeek struct tag.
type tagOpts struct {
	name string
	set  bool
	enum bool
	secs Kind // KindTime or KindInterval for float64 seconds
	ext  string
}

func parseTag(tag string) (tagOpts, error) {
	parts := strings.Split(tag, ",")
	o := tagOpts{name: parts[0]}
	if o.name == "" {
		return o, fmt.Errorf("empty field name")
	}
	for _, p := range parts[1:] {
		switch {
		case p == "set":
			o.set = true
		case p == "enum":
			o.enum = true
		case p == "time":
			o.secs = KindTime
		case p == "interval":
			o.secs = KindInterval
		case strings.HasPrefix(p, "ext="):
			o.ext = strings.TrimPrefix(p, "ext=")
			if o.ext == "" {
				return o, fmt.Errorf("empty extension name")
			}
		default:
			return o, fmt.Errorf("unknown tag option %q", p)
		}
	}
	return o, nil
}

// optParts reports whether t is a zeek.Opt[V] and returns its value and
// flag fields.
func optParts(t reflect.Type) (v, set reflect.StructField, ok bool) {
	if t.Kind() != reflect.Struct || t.PkgPath() != zeekPkg || !strings.HasPrefix(t.Name(), "Opt[") {
		return v, set, false
	}
	v, ok1 := t.FieldByName("V")
	set, ok2 := t.FieldByName("Set")
	if !ok1 || !ok2 || set.Type.Kind() != reflect.Bool {
		return v, set, false
	}
	return v, set, true
}

// record compiles the fields of struct type t located at offset base.
func (c *compiler) record(t reflect.Type, base uintptr, guards []uintptr, ext, where string) ([]node, error) {
	var nodes []node
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("zeek")
		if !ok || tag == "-" {
			continue
		}
		fwhere := where + "." + f.Name
		if !f.IsExported() {
			return nil, fmt.Errorf("schema: %s: tagged field is not exported", fwhere)
		}
		o, err := parseTag(tag)
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %w", fwhere, err)
		}
		fext := ext
		if o.ext != "" {
			if ext != "" && o.ext != ext {
				return nil, fmt.Errorf("schema: %s: extension %q inside extension %q", fwhere, o.ext, ext)
			}
			fext = o.ext
			if !c.seen[o.ext] {
				c.seen[o.ext] = true
				c.exts = append(c.exts, o.ext)
			}
		}
		n := node{name: o.name, ext: o.ext}
		ft, off := f.Type, base+f.Offset
		fguards := guards
		if v, set, ok := optParts(ft); ok {
			fguards = append(guards[:len(guards):len(guards)], off+set.Offset)
			ft, off = v.Type, off+v.Offset
		}
		if ft.Kind() == reflect.Struct && !isScalarStruct(ft) && !o.enum {
			if o.set {
				return nil, fmt.Errorf("schema: %s: option set on a record", fwhere)
			}
			kids, err := c.record(ft, off, fguards, fext, fwhere)
			if err != nil {
				return nil, err
			}
			n.kids = kids
			nodes = append(nodes, n)
			continue
		}
		col, err := leaf(ft, o)
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %w", fwhere, err)
		}
		col.Optional = len(fguards) > 0
		col.Ext = fext
		col.acc.off = off
		col.acc.guards = fguards
		n.leaf = &col
		c.cols++
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// isBytes reports whether t is a []byte logged as a string: a slice of
// plain bytes without the set or enum option.
func isBytes(t reflect.Type, o tagOpts) bool {
	return t.Elem() == byteType && !o.set && !o.enum
}

func isScalarStruct(t reflect.Type) bool {
	return t == portType || t == addrType || t == prefixType
}

// leaf builds the column for a scalar or container of Go type t.
func leaf(t reflect.Type, o tagOpts) (Column, error) {
	var col Column
	if t.Kind() == reflect.Slice && !isBytes(t, o) {
		et := t.Elem()
		if _, _, ok := optParts(et); ok {
			return col, fmt.Errorf("optional elements in %v are not supported", t)
		}
		kind, r, tab, err := scalar(et, o)
		if err != nil {
			return col, err
		}
		col.Type = Type{Kind: KindVector, Elem: kind}
		if o.set {
			col.Type.Kind = KindSet
		}
		col.acc.rep, col.acc.tab, col.acc.elemSize = r, tab, et.Size()
		return col, nil
	}
	if o.set {
		return col, fmt.Errorf("option set on non-slice type %v", t)
	}
	kind, r, tab, err := scalar(t, o)
	if err != nil {
		return col, err
	}
	col.Type = Type{Kind: kind}
	col.acc.rep, col.acc.tab = r, tab
	return col, nil
}

// scalar maps a Go type to its Zeek kind and memory representation.
func scalar(t reflect.Type, o tagOpts) (Kind, rep, unsafe.Pointer, error) {
	if o.secs != 0 {
		if t.Kind() != reflect.Float64 || o.enum {
			return 0, 0, nil, fmt.Errorf("option %v needs a float64 of seconds, not %v", o.secs, t)
		}
		return o.secs, repFloat64, nil, nil
	}
	if o.enum {
		if reflect.PointerTo(t).Implements(stringerType) {
			// Keep the method table of (*T, fmt.Stringer); Visit pairs
			// it with a pointer to the field to call String without
			// boxing the value.
			s := reflect.New(t).Interface().(fmt.Stringer)
			return KindEnum, repStringer, (*[2]unsafe.Pointer)(unsafe.Pointer(&s))[0], nil
		}
		if t.Kind() == reflect.String {
			return KindEnum, repString, nil, nil
		}
		return 0, 0, nil, fmt.Errorf("enum type %v is neither a string nor a fmt.Stringer", t)
	}
	switch t {
	case timeType:
		return KindTime, repInt64, nil, nil
	case intervalType:
		return KindInterval, repInt64, nil, nil
	case portType:
		return KindPort, repPort, nil, nil
	case addrType:
		return KindAddr, repAddr, nil, nil
	case prefixType:
		return KindSubnet, repPrefix, nil, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return KindBool, repBool, nil, nil
	case reflect.Int:
		return KindInt, repInt, nil, nil
	case reflect.Int8:
		return KindInt, repInt8, nil, nil
	case reflect.Int16:
		return KindInt, repInt16, nil, nil
	case reflect.Int32:
		return KindInt, repInt32, nil, nil
	case reflect.Int64:
		return KindInt, repInt64, nil, nil
	case reflect.Uint:
		return KindCount, repUint, nil, nil
	case reflect.Uint8:
		return KindCount, repUint8, nil, nil
	case reflect.Uint16:
		return KindCount, repUint16, nil, nil
	case reflect.Uint32:
		return KindCount, repUint32, nil, nil
	case reflect.Uint64:
		return KindCount, repUint64, nil, nil
	case reflect.Uintptr:
		return KindCount, repUintptr, nil, nil
	case reflect.Float32:
		return KindDouble, repFloat32, nil, nil
	case reflect.Float64:
		return KindDouble, repFloat64, nil, nil
	case reflect.String:
		return KindString, repString, nil, nil
	case reflect.Slice:
		if t.Elem() == byteType {
			return KindString, repBytes, nil, nil
		}
	}
	return 0, 0, nil, fmt.Errorf("unsupported type %v", t)
}
