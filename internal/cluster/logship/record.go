package logship

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"sync"
	"unsafe"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// A logger rebuilds the records of a batch as values of a struct type
// made at run time (reflect.StructOf) from the batch's schema: column i
// is field F<i> of type zeek.Opt[T] tagged zeek:"c<i>", and a View renames
// c<i> to the column's name. Heron's ASCII and JSON encoders then write
// them exactly as they write the sender's own record type: same columns,
// same types, same Go representation of times and intervals.

// optTypes maps each value type a shipped column can have to its
// zeek.Opt type.
var optTypes = map[reflect.Type]reflect.Type{}

func addOpt[T any]() {
	optTypes[reflect.TypeFor[T]()] = reflect.TypeFor[zeek.Opt[T]]()
	optTypes[reflect.TypeFor[[]T]()] = reflect.TypeFor[zeek.Opt[[]T]]()
}

func init() {
	addOpt[bool]()
	addOpt[int64]()
	addOpt[uint64]()
	addOpt[float64]()
	addOpt[zeek.Time]()
	addOpt[zeek.Interval]()
	addOpt[string]()
	addOpt[zeek.Port]()
	addOpt[netip.Addr]()
	addOpt[netip.Prefix]()
}

// valueType returns the Go type of a scalar of kind k.
func valueType(k schema.Kind, seconds bool) reflect.Type {
	switch k {
	case schema.KindBool:
		return reflect.TypeFor[bool]()
	case schema.KindInt:
		return reflect.TypeFor[int64]()
	case schema.KindCount:
		return reflect.TypeFor[uint64]()
	case schema.KindDouble:
		return reflect.TypeFor[float64]()
	case schema.KindTime:
		if seconds {
			return reflect.TypeFor[float64]()
		}
		return reflect.TypeFor[zeek.Time]()
	case schema.KindInterval:
		if seconds {
			return reflect.TypeFor[float64]()
		}
		return reflect.TypeFor[zeek.Interval]()
	case schema.KindString, schema.KindEnum:
		return reflect.TypeFor[string]()
	case schema.KindPort:
		return reflect.TypeFor[zeek.Port]()
	case schema.KindAddr:
		return reflect.TypeFor[netip.Addr]()
	case schema.KindSubnet:
		return reflect.TypeFor[netip.Prefix]()
	}
	return nil
}

// fieldAcc locates one column's zeek.Opt in a record.
type fieldAcc struct {
	val, set uintptr // offsets of Opt.V and Opt.Set
}

// recType is the run-time record type of one schema.
type recType struct {
	cols []colDesc
	typ  reflect.Type
	view *schema.View
	acc  []fieldAcc
}

// maxRecTypes bounds the record types one process makes: each is kept
// by the reflect and schema caches for good.
const maxRecTypes = 4096

var (
	recTypesMu sync.Mutex
	recTypes   = map[string]*recType{} // by schema section
)

// recTypeFor returns the record type of a schema section (cached).
func recTypeFor(sec []byte, cols []colDesc) (*recType, error) {
	recTypesMu.Lock()
	defer recTypesMu.Unlock()
	if rt := recTypes[string(sec)]; rt != nil {
		return rt, nil
	}
	if len(recTypes) >= maxRecTypes {
		return nil, errors.New("logship: too many distinct log schemas")
	}
	rt, err := newRecType(cols)
	if err != nil {
		return nil, err
	}
	recTypes[string(sec)] = rt
	return rt, nil
}

func newRecType(cols []colDesc) (*recType, error) {
	fields := make([]reflect.StructField, len(cols))
	names := make(map[string]string, len(cols))
	for i, c := range cols {
		vt := valueType(scalarKind(c.Type), c.Seconds)
		if vt == nil {
			return nil, fmt.Errorf("logship: column %q: type %v", c.Name, c.Type)
		}
		if c.Type.IsContainer() {
			vt = reflect.SliceOf(vt)
		}
		tag := "c" + strconv.Itoa(i)
		if c.Type.Kind == schema.KindSet {
			tag += ",set"
		}
		switch k := scalarKind(c.Type); {
		case k == schema.KindEnum:
			tag += ",enum"
		case c.Seconds && k == schema.KindTime:
			tag += ",time"
		case c.Seconds && k == schema.KindInterval:
			tag += ",interval"
		}
		names["c"+strconv.Itoa(i)] = c.Name
		fields[i] = reflect.StructField{
			Name: "F" + strconv.Itoa(i),
			Type: optTypes[vt],
			Tag:  reflect.StructTag(`zeek:"` + tag + `"`),
		}
	}
	typ := reflect.StructOf(fields)
	sc, err := schema.Compile(typ)
	if err != nil {
		return nil, fmt.Errorf("logship: %w", err)
	}
	view, err := sc.View(schema.ViewOptions{NameMap: names})
	if err != nil {
		return nil, fmt.Errorf("logship: %w", err)
	}
	vc := view.Columns()
	if len(vc) != len(cols) {
		return nil, fmt.Errorf("logship: schema of %d columns rebuilt with %d", len(cols), len(vc))
	}
	rt := &recType{cols: cols, typ: typ, view: view, acc: make([]fieldAcc, len(cols))}
	for i := range cols {
		if vc[i].Name != cols[i].Name || vc[i].Type != cols[i].Type || vc[i].Seconds() != cols[i].Seconds {
			return nil, fmt.Errorf("logship: column %q rebuilt as %q %v", cols[i].Name, vc[i].Name, vc[i].Type)
		}
		f := typ.Field(i)
		rt.acc[i] = fieldAcc{
			val: f.Offset + f.Type.Field(0).Offset,
			set: f.Offset + f.Type.Field(1).Offset,
		}
	}
	return rt, nil
}

// slot is one reusable record of a recType.
type slot struct {
	rt  *recType
	ptr reflect.Value // *struct
	rec schema.Record
}

func (rt *recType) newSlot() *slot {
	p := reflect.New(rt.typ)
	return &slot{rt: rt, ptr: p, rec: schema.RecordOfValue(p)}
}

// decode reads one record from r into s. Strings alias r's bytes: s is
// valid while they are.
func (s *slot) decode(r *reader) error {
	base := s.ptr.UnsafePointer()
	cols := s.rt.cols
	bitmap := r.bytes(uint64(len(cols)+7) / 8)
	if r.err != nil {
		return r.err
	}
	for i := range cols {
		a := &s.rt.acc[i]
		set := bitmap[i/8]&(1<<(i%8)) != 0
		*(*bool)(unsafe.Add(base, a.set)) = set
		if !set {
			continue
		}
		p := unsafe.Add(base, a.val)
		c := &cols[i]
		if c.Type.IsContainer() {
			decodeList(r, c, p)
		} else {
			decodeValue(r, scalarKind(c.Type), c.Seconds, p)
		}
		if r.err != nil {
			return fmt.Errorf("column %s: %w", c.Name, r.err)
		}
	}
	return nil
}

// decodeValue reads one scalar of kind k into *p, which has the type
// valueType(k, seconds).
func decodeValue(r *reader, k schema.Kind, seconds bool, p unsafe.Pointer) {
	switch k {
	case schema.KindBool:
		*(*bool)(p) = r.byte() != 0
	case schema.KindInt:
		*(*int64)(p) = r.varint()
	case schema.KindCount:
		*(*uint64)(p) = r.uvarint()
	case schema.KindDouble:
		*(*float64)(p) = r.float()
	case schema.KindTime, schema.KindInterval:
		if seconds {
			*(*float64)(p) = r.float()
		} else {
			*(*int64)(p) = r.varint() // zeek.Time and zeek.Interval are int64
		}
	case schema.KindString, schema.KindEnum:
		b := r.bytes(r.uvarint())
		*(*string)(p) = unsafe.String(unsafe.SliceData(b), len(b))
	case schema.KindPort:
		n := r.uvarint()
		proto := r.byte()
		if n > 65535 {
			r.fail(fmt.Errorf("port %d", n))
		}
		*(*zeek.Port)(p) = zeek.Port{Num: uint16(n), Proto: zeek.Proto(proto)}
	case schema.KindAddr:
		*(*netip.Addr)(p) = r.addr()
	case schema.KindSubnet:
		a := r.addr()
		bits := r.byte()
		// As sent, host bits included; bits beyond the address's
		// length make an invalid prefix, which is written as unset.
		*(*netip.Prefix)(p) = netip.PrefixFrom(a, int(bits))
	default:
		r.fail(fmt.Errorf("kind %v", k))
	}
}

// decodeList reads a set or vector into the slice at p, reusing its
// backing array.
func decodeList(r *reader, c *colDesc, p unsafe.Pointer) {
	n := r.uvarint()
	if n > uint64(len(r.b)) || n > maxElems {
		r.fail(fmt.Errorf("%d elements", n))
		return
	}
	k := c.Type.Elem
	switch valueType(k, c.Seconds) {
	case reflect.TypeFor[bool]():
		fill[bool](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[int64]():
		fill[int64](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[uint64]():
		fill[uint64](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[float64]():
		fill[float64](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[zeek.Time]():
		fill[zeek.Time](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[zeek.Interval]():
		fill[zeek.Interval](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[string]():
		fill[string](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[zeek.Port]():
		fill[zeek.Port](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[netip.Addr]():
		fill[netip.Addr](r, p, int(n), k, c.Seconds)
	case reflect.TypeFor[netip.Prefix]():
		fill[netip.Prefix](r, p, int(n), k, c.Seconds)
	default:
		r.fail(fmt.Errorf("element kind %v", k))
	}
}

func fill[T any](r *reader, p unsafe.Pointer, n int, k schema.Kind, seconds bool) {
	s := (*[]T)(p)
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	var zero T
	for i := 0; i < n; i++ {
		e := &(*s)[i]
		switch r.byte() {
		case 0:
			*e = zero // an unset element (an invalid address)
		case 1:
			decodeValue(r, k, seconds, unsafe.Pointer(e))
		default:
			r.fail(errors.New("element presence byte"))
		}
		if r.err != nil {
			*s = (*s)[:0]
			return
		}
	}
}
