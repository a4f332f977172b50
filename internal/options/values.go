package options

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Value is the Go side of one option: it knows the option's Zeek type,
// parses Zeek literals into the Go variable it controls, and shows the
// variable's value. Values made by this package's constructors fail without
// changing the variable.
type Value interface {
	// Type returns the Zeek type as Zeek writes it: "bool", "interval",
	// "set[subnet]", "enum".
	Type() string
	// Set parses a Zeek literal of the type and stores it. For type
	// string the literal is the quoted constant (Apply adds the quotes,
	// as Zeek does).
	Set(literal string) error
	// String shows the current value the way Zeek describes values.
	String() string
}

// Accumulator is a Value that takes Zeek's += and -= redefs.
type Accumulator interface {
	Value
	// Add handles ID+=literal: union for sets, sum for numbers,
	// concatenation for strings.
	Add(literal string) error
	// Remove handles ID-=literal: difference for sets, subtraction for
	// numbers.
	Remove(literal string) error
}

// errNoOperator is returned by Add or Remove of a type that lacks the
// operator; Apply turns it into a message naming the operator.
var errNoOperator = errors.New("operator does not apply")

// scalar is a Value for one variable of type T.
type scalar[T any] struct {
	p      *T
	typ    string
	parse  func(string) (T, error)
	format func(T) string
	add    func(a, b T) (T, error) // nil: no +=
	sub    func(a, b T) (T, error) // nil: no -=
}

func (v *scalar[T]) Type() string   { return v.typ }
func (v *scalar[T]) String() string { return v.format(*v.p) }

func (v *scalar[T]) Set(lit string) error {
	x, err := v.parse(lit)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v *scalar[T]) Add(lit string) error { return v.apply(lit, v.add) }

func (v *scalar[T]) Remove(lit string) error { return v.apply(lit, v.sub) }

func (v *scalar[T]) apply(lit string, op func(a, b T) (T, error)) error {
	if op == nil {
		return errNoOperator
	}
	x, err := v.parse(lit)
	if err != nil {
		return err
	}
	r, err := op(*v.p, x)
	if err != nil {
		return err
	}
	*v.p = r
	return nil
}

func mustPointer[T any](p *T) *T {
	if p == nil {
		panic("options: nil variable pointer")
	}
	return p
}

// BoolValue returns a Value of Zeek type bool for *p.
func BoolValue(p *bool) Value {
	return &scalar[bool]{p: mustPointer(p), typ: "bool", parse: parseBool, format: formatBool}
}

// CountValue returns a Value of Zeek type count for *p; += and -= add and
// subtract, failing rather than wrapping.
func CountValue(p *uint64) Value {
	return &scalar[uint64]{p: mustPointer(p), typ: "count", parse: parseCount, format: formatCount,
		add: func(a, b uint64) (uint64, error) {
			if a+b < a {
				return 0, errors.New("count out of range")
			}
			return a + b, nil
		},
		sub: func(a, b uint64) (uint64, error) {
			if b > a {
				return 0, errors.New("a count cannot become negative")
			}
			return a - b, nil
		},
	}
}

// IntValue returns a Value of Zeek type int for *p.
func IntValue(p *int64) Value {
	return &scalar[int64]{p: mustPointer(p), typ: "int", parse: parseInt, format: formatInt,
		add: func(a, b int64) (int64, error) {
			r := a + b
			if (b > 0 && r < a) || (b < 0 && r > a) {
				return 0, errors.New("int out of range")
			}
			return r, nil
		},
		sub: func(a, b int64) (int64, error) {
			r := a - b
			if (b > 0 && r > a) || (b < 0 && r < a) {
				return 0, errors.New("int out of range")
			}
			return r, nil
		},
	}
}

// DoubleValue returns a Value of Zeek type double for *p.
func DoubleValue(p *float64) Value {
	return &scalar[float64]{p: mustPointer(p), typ: "double", parse: parseDouble, format: formatDouble,
		add: func(a, b float64) (float64, error) { return a + b, nil },
		sub: func(a, b float64) (float64, error) { return a - b, nil },
	}
}

// IntervalValue returns a Value of Zeek type interval for *p.
func IntervalValue(p *zeek.Interval) Value {
	return &scalar[zeek.Interval]{p: mustPointer(p), typ: "interval", parse: parseInterval, format: formatInterval,
		add: func(a, b zeek.Interval) (zeek.Interval, error) {
			r := a + b
			if (b > 0 && r < a) || (b < 0 && r > a) {
				return 0, errors.New("interval out of range")
			}
			return r, nil
		},
		sub: func(a, b zeek.Interval) (zeek.Interval, error) {
			if b == math.MinInt64 {
				return 0, errors.New("interval out of range")
			}
			r := a - b
			if (b > 0 && r > a) || (b < 0 && r < a) {
				return 0, errors.New("interval out of range")
			}
			return r, nil
		},
	}
}

// StringValue returns a Value of Zeek type string for *p; += appends.
func StringValue(p *string) Value {
	return &scalar[string]{p: mustPointer(p), typ: "string", parse: parseString, format: formatString,
		add: func(a, b string) (string, error) { return a + b, nil },
	}
}

// EnumValue returns a Value of a Zeek enum type for *p, which holds one of
// the allowed names (module-qualified as Zeek writes them, e.g.
// "JSON::TS_MILLIS"). It panics when allowed is empty, a name is not an
// identifier, or *p is not allowed.
func EnumValue(p *string, allowed []string) Value {
	mustPointer(p)
	if len(allowed) == 0 {
		panic("options: enum without values")
	}
	for _, a := range allowed {
		if !isIdent(a) {
			panic(fmt.Sprintf("options: enum value %q is not an identifier", a))
		}
	}
	if !slices.Contains(allowed, *p) {
		panic(fmt.Sprintf("options: enum default %q is not one of %s", *p, strings.Join(allowed, ", ")))
	}
	allowed = slices.Clone(allowed)
	return &scalar[string]{p: p, typ: "enum", format: formatEnum,
		parse: func(s string) (string, error) { return parseEnum(s, allowed) },
	}
}

// PortValue returns a Value of Zeek type port for *p.
func PortValue(p *zeek.Port) Value {
	return &scalar[zeek.Port]{p: mustPointer(p), typ: "port", parse: parsePort, format: formatPort}
}

// AddrValue returns a Value of Zeek type addr for *p.
func AddrValue(p *zeek.Addr) Value {
	return &scalar[zeek.Addr]{p: mustPointer(p), typ: "addr", parse: parseAddr, format: formatAddr}
}

// SubnetValue returns a Value of Zeek type subnet for *p.
func SubnetValue(p *zeek.Subnet) Value {
	return &scalar[zeek.Subnet]{p: mustPointer(p), typ: "subnet", parse: parseSubnet, format: formatSubnet}
}

// set is a Value for a Zeek set held as a Go slice without repeats, in the
// order elements were added.
type set[T comparable] struct {
	p      *[]T
	elem   string
	parse  func(string) (T, error)
	format func(T) string
}

func (v *set[T]) Type() string { return "set[" + v.elem + "]" }

func (v *set[T]) String() string {
	if len(*v.p) == 0 {
		return "{}"
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, x := range *v.p {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.format(x))
	}
	b.WriteByte('}')
	return b.String()
}

// elems parses a set constructor.
func (v *set[T]) elems(lit string) ([]T, error) {
	parts, err := splitSet(lit)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(parts))
	for _, p := range parts {
		x, err := v.parse(p)
		if err != nil {
			return nil, fmt.Errorf("element %s: %w", p, err)
		}
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (v *set[T]) Set(lit string) error {
	x, err := v.elems(lit)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v *set[T]) Add(lit string) error {
	x, err := v.elems(lit)
	if err != nil {
		return err
	}
	cur := *v.p
	for _, e := range x {
		if !slices.Contains(cur, e) {
			cur = append(cur, e)
		}
	}
	*v.p = cur
	return nil
}

func (v *set[T]) Remove(lit string) error {
	x, err := v.elems(lit)
	if err != nil {
		return err
	}
	*v.p = slices.DeleteFunc(slices.Clone(*v.p), func(e T) bool { return slices.Contains(x, e) })
	return nil
}

// SetSubnetValue returns a Value of Zeek type set[subnet] for *p.
func SetSubnetValue(p *[]zeek.Subnet) Value {
	return &set[zeek.Subnet]{p: mustPointer(p), elem: "subnet", parse: parseSubnet, format: formatSubnet}
}

// SetAddrValue returns a Value of Zeek type set[addr] for *p.
func SetAddrValue(p *[]zeek.Addr) Value {
	return &set[zeek.Addr]{p: mustPointer(p), elem: "addr", parse: parseAddr, format: formatAddr}
}

// SetStringValue returns a Value of Zeek type set[string] for *p; elements
// are quoted Zeek strings.
func SetStringValue(p *[]string) Value {
	return &set[string]{p: mustPointer(p), elem: "string", parse: parseString, format: formatString}
}

// SetCountValue returns a Value of Zeek type set[count] for *p.
func SetCountValue(p *[]uint64) Value {
	return &set[uint64]{p: mustPointer(p), elem: "count", parse: parseCount, format: formatCount}
}

// SetPortValue returns a Value of Zeek type set[port] for *p.
func SetPortValue(p *[]zeek.Port) Value {
	return &set[zeek.Port]{p: mustPointer(p), elem: "port", parse: parsePort, format: formatPort}
}
