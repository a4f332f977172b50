package ascii

import (
	"strconv"
	"time"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Options are the settings of Zeek's ASCII writer (module LogAscii, and the
// writer's per-filter config).
type Options struct {
	Separator    string // LogAscii::separator, "\t"
	SetSeparator string // LogAscii::set_separator, ","
	EmptyField   string // LogAscii::empty_field, "(empty)"
	UnsetField   string // LogAscii::unset_field, "-"
	MetaPrefix   string // LogAscii::meta_prefix, "#"
	IncludeMeta  bool   // LogAscii::include_meta, T
	EnableUTF8   bool   // LogAscii::enable_utf_8, T
	// TSV is the filter config option "tsv": the header is one line of
	// column names and no #close line is written.
	TSV bool
}

// DefaultOptions returns Zeek's defaults.
func DefaultOptions() Options {
	return Options{
		Separator:    "\t",
		SetSeparator: ",",
		EmptyField:   "(empty)",
		UnsetField:   "-",
		MetaPrefix:   "#",
		IncludeMeta:  true,
		EnableUTF8:   true,
	}
}

// TimestampLayout is the layout of the #open and #close times (Zeek's
// strftime "%Y-%m-%d-%H-%M-%S" of the local wall-clock time).
const TimestampLayout = "2006-01-02-15-04-05"

// Encoder writes one log in Zeek's ASCII (TSV) format. It keeps state
// between records, as Zeek's writer does, so use one Encoder per output
// file, from one goroutine at a time.
type Encoder struct {
	o       Options
	top     *Escaper // escaping outside sets and vectors
	list    *Escaper // escaping inside sets and vectors
	bare    *Escaper // top after the separator was dropped (see End)
	dropped bool
	vis     visitor
}

// NewEncoder returns an Encoder with options o.
func NewEncoder(o Options) *Encoder {
	e := &Encoder{
		o:    o,
		top:  NewEscaper(o.EnableUTF8, o.Separator),
		list: NewEscaper(o.EnableUTF8, o.Separator, o.SetSeparator),
		bare: NewEscaper(o.EnableUTF8),
	}
	e.vis.e = e
	return e
}

// Options returns the encoder's options.
func (e *Encoder) Options() Options { return e.o }

// AppendHeader appends the header lines Zeek writes when it opens a log
// file for path with the given columns; open is the #open time, printed in
// its own location. It appends nothing when meta lines are off.
func (e *Encoder) AppendHeader(dst []byte, path string, cols []schema.Column, open time.Time) []byte {
	if !e.o.IncludeMeta {
		return dst
	}
	if e.o.TSV {
		dst = e.appendNames(dst, cols)
		return append(dst, '\n')
	}
	dst = append(dst, e.o.MetaPrefix...)
	dst = append(dst, "separator "...)
	dst = AppendHeaderEscaped(dst, e.o.Separator)
	dst = append(dst, '\n')
	dst = e.field(dst, "set_separator")
	dst = AppendHeaderEscaped(dst, e.o.SetSeparator)
	dst = append(dst, '\n')
	dst = e.field(dst, "empty_field")
	dst = AppendHeaderEscaped(dst, e.o.EmptyField)
	dst = append(dst, '\n')
	dst = e.field(dst, "unset_field")
	dst = AppendHeaderEscaped(dst, e.o.UnsetField)
	dst = append(dst, '\n')
	dst = e.field(dst, "path")
	dst = AppendHeaderEscaped(dst, path)
	dst = append(dst, '\n')
	dst = e.field(dst, "open")
	dst = open.AppendFormat(dst, TimestampLayout)
	dst = append(dst, '\n')
	dst = e.field(dst, "fields")
	dst = e.appendNames(dst, cols)
	dst = append(dst, '\n')
	dst = e.field(dst, "types")
	for i := range cols {
		if i > 0 {
			dst = append(dst, e.o.Separator...)
		}
		dst = cols[i].Type.AppendTo(dst)
	}
	return append(dst, '\n')
}

// AppendFooter appends the #close line with the time close, if meta lines
// are on.
func (e *Encoder) AppendFooter(dst []byte, close time.Time) []byte {
	if !e.o.IncludeMeta || e.o.TSV {
		return dst
	}
	dst = e.field(dst, "close")
	dst = close.AppendFormat(dst, TimestampLayout)
	return append(dst, '\n')
}

func (e *Encoder) field(dst []byte, key string) []byte {
	dst = append(dst, e.o.MetaPrefix...)
	dst = append(dst, key...)
	return append(dst, e.o.Separator...)
}

func (e *Encoder) appendNames(dst []byte, cols []schema.Column) []byte {
	for i := range cols {
		if i > 0 {
			dst = append(dst, e.o.Separator...)
		}
		dst = append(dst, cols[i].Name...)
	}
	return dst
}

// AppendRecord appends the line for record r (with its newline) and
// returns the extended buffer. r must be of v's record type.
func (e *Encoder) AppendRecord(dst []byte, v *schema.View, r schema.Record) []byte {
	start := len(dst)
	e.vis.b, e.vis.n, e.vis.inList = dst, 0, false
	v.Visit(r, &e.vis)
	dst = append(e.vis.b, '\n')
	e.vis.b = nil
	// A line that would read as a meta line gets its first byte escaped.
	if p := e.o.MetaPrefix; len(dst)-start >= len(p) && string(dst[start:start+len(p)]) == p {
		c := dst[start]
		dst = append(dst, 0, 0, 0)
		copy(dst[start+4:], dst[start+1:len(dst)-3])
		dst[start], dst[start+1], dst[start+2], dst[start+3] = '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf]
	}
	return dst
}

// numberBytes are the bytes that numbers, addresses, subnets and bools can
// contain. When no escape sequence starts with one of them (always, with
// the default separators), such values are written without escaping.
const numberBytes = "0123456789abcdefx.-:/TFin"

// visitor writes the values of one record into b.
type visitor struct {
	e      *Encoder
	b      []byte
	n      int // columns started
	inList bool
	elems  int // elements started in the current set or vector
}

var _ schema.Visitor = (*visitor)(nil)

func (v *visitor) esc() *Escaper {
	switch {
	case v.inList:
		return v.e.list
	case v.e.dropped:
		return v.e.bare
	}
	return v.e.top
}

// next writes the separator before a column or an element.
func (v *visitor) next() {
	if v.inList {
		if v.elems > 0 {
			v.b = append(v.b, v.e.o.SetSeparator...)
		}
		v.elems++
		return
	}
	if v.n > 0 {
		v.b = append(v.b, v.e.o.Separator...)
	}
	v.n++
}

// escapeFrom re-escapes the value written since start if an escape
// sequence could occur in it.
func (v *visitor) escapeFrom(start int) {
	if esc := v.esc(); esc.numeric {
		s := string(v.b[start:])
		v.b = esc.Append(v.b[:start], s)
	}
}

func (v *visitor) Unset(c *schema.Column) {
	v.next()
	v.b = v.esc().Append(v.b, v.e.o.UnsetField)
}

func (v *visitor) Bool(c *schema.Column, x bool) {
	v.next()
	start := len(v.b)
	if x {
		v.b = append(v.b, 'T')
	} else {
		v.b = append(v.b, 'F')
	}
	v.escapeFrom(start)
}

func (v *visitor) Int(c *schema.Column, x int64) {
	v.next()
	start := len(v.b)
	v.b = strconv.AppendInt(v.b, x, 10)
	v.escapeFrom(start)
}

func (v *visitor) Count(c *schema.Column, x uint64) {
	v.next()
	start := len(v.b)
	v.b = strconv.AppendUint(v.b, x, 10)
	v.escapeFrom(start)
}

func (v *visitor) Double(c *schema.Column, x float64) {
	v.next()
	start := len(v.b)
	v.b = AppendDouble(v.b, x)
	v.escapeFrom(start)
}

func (v *visitor) Time(c *schema.Column, x zeek.Time) {
	v.next()
	start := len(v.b)
	v.b = AppendTime(v.b, x)
	v.escapeFrom(start)
}

func (v *visitor) Interval(c *schema.Column, x zeek.Interval) {
	v.next()
	start := len(v.b)
	v.b = AppendInterval(v.b, x)
	v.escapeFrom(start)
}

func (v *visitor) Seconds(c *schema.Column, x float64) {
	v.next()
	start := len(v.b)
	v.b = AppendSeconds(v.b, x)
	v.escapeFrom(start)
}

func (v *visitor) Port(c *schema.Column, x zeek.Port) {
	v.next()
	start := len(v.b)
	v.b = strconv.AppendUint(v.b, uint64(x.Num), 10)
	v.escapeFrom(start)
}

func (v *visitor) Addr(c *schema.Column, x zeek.Addr) {
	v.next()
	start := len(v.b)
	v.b = zeek.AppendAddr(v.b, x)
	v.escapeFrom(start)
}

func (v *visitor) Subnet(c *schema.Column, x zeek.Subnet) {
	v.next()
	start := len(v.b)
	v.b = zeek.AppendSubnet(v.b, x)
	v.escapeFrom(start)
}

func (v *visitor) String(c *schema.Column, s string) { v.str(s) }

func (v *visitor) Enum(c *schema.Column, s string) { v.str(s) }

// str writes a string or enum value: the empty mark for "", a value equal
// to the unset or empty mark with its first byte hex-escaped, else the
// escaped string.
func (v *visitor) str(s string) {
	v.next()
	esc := v.esc()
	o := &v.e.o
	switch {
	case s == "":
		v.b = esc.Append(v.b, o.EmptyField)
	case s == o.UnsetField || s == o.EmptyField:
		v.b = append(v.b, '\\', 'x', hexDigits[s[0]>>4], hexDigits[s[0]&0xf])
		v.b = esc.Append(v.b, s[1:])
	default:
		v.b = esc.Append(v.b, s)
	}
}

func (v *visitor) Begin(c *schema.Column, n int) {
	v.next()
	if n == 0 {
		v.b = v.esc().Append(v.b, v.e.o.EmptyField)
		return
	}
	v.inList, v.elems = true, 0
}

func (v *visitor) End(c *schema.Column) {
	if !v.inList {
		return
	}
	v.inList = false
	// Zeek adds the set separator to its escape set for the elements and
	// removes it afterwards; when it equals the field separator, that
	// removes the field separator for good.
	if v.e.o.SetSeparator == v.e.o.Separator {
		v.e.dropped = true
	}
}
