package json

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/heron-nsm/heron/internal/logging/ascii"
	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TimestampFormat is how time values are written (Zeek's
// JSON::TimestampFormat, option LogAscii::json_timestamps).
type TimestampFormat uint8

// Timestamp formats.
const (
	// TSEpoch writes seconds since the epoch as a JSON number (default).
	TSEpoch TimestampFormat = iota
	// TSMillis writes whole milliseconds since the epoch, truncated.
	TSMillis
	// TSMillisUnsigned is TSMillis with negative values wrapped to uint64.
	TSMillisUnsigned
	// TSISO8601 writes a UTC "2008-07-09T16:13:30.543210Z" string.
	TSISO8601
)

var tsNames = [...]string{"JSON::TS_EPOCH", "JSON::TS_MILLIS", "JSON::TS_MILLIS_UNSIGNED", "JSON::TS_ISO8601"}

// String returns Zeek's name of the format ("JSON::TS_EPOCH").
func (f TimestampFormat) String() string {
	if int(f) < len(tsNames) {
		return tsNames[f]
	}
	return "JSON::TS_EPOCH"
}

// ParseTimestampFormat parses a Zeek timestamp format name, with or without
// the "JSON::" module prefix.
func ParseTimestampFormat(s string) (TimestampFormat, error) {
	for i, n := range tsNames {
		if s == n || "JSON::"+s == n {
			return TimestampFormat(i), nil
		}
	}
	return 0, fmt.Errorf("json: invalid timestamp format %q", s)
}

// EscapePolicy is how strings that are not clean UTF-8 are written (Zeek's
// JSON::StringEscapePolicy, option LogAscii::json_string_escape_policy).
type EscapePolicy uint8

// Escape policies.
const (
	// EscapeHex writes bad bytes as the text \xNN (default). If a string
	// holds any bad byte, all its non-ASCII bytes are written so.
	EscapeHex EscapePolicy = iota
	// EscapePUA writes each bad byte as the surrogate pair of U+DC00+byte
	// in Supplementary Private Use Area-A ("\udb80\udcNN").
	EscapePUA
	// EscapeTSV escapes as the ASCII writer does, then JSON-escapes that.
	EscapeTSV
)

var policyNames = [...]string{"JSON::STRING_ESCAPE_POLICY_HEX", "JSON::STRING_ESCAPE_POLICY_PUA", "JSON::STRING_ESCAPE_POLICY_TSV"}

// String returns Zeek's name of the policy.
func (p EscapePolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return policyNames[0]
}

// ParseEscapePolicy parses a Zeek escape policy name, with or without the
// "JSON::" module prefix.
func ParseEscapePolicy(s string) (EscapePolicy, error) {
	for i, n := range policyNames {
		if s == n || "JSON::"+s == n {
			return EscapePolicy(i), nil
		}
	}
	return 0, fmt.Errorf("json: invalid string escape policy %q", s)
}

// Options are the settings of Zeek's ASCII writer in JSON mode.
type Options struct {
	Timestamps   TimestampFormat // LogAscii::json_timestamps
	IncludeUnset bool            // LogAscii::json_include_unset_fields: unset → null
	EscapePolicy EscapePolicy    // LogAscii::json_string_escape_policy
	// MetaPrefix is LogAscii::meta_prefix: Zeek's writer hex-escapes the
	// first byte of a line that starts with it, JSON lines included.
	MetaPrefix string
}

// DefaultOptions returns Zeek's defaults.
func DefaultOptions() Options { return Options{MetaPrefix: "#"} }

// Encoder writes records as Zeek's JSON lines: one object per line with the
// flattened column names as keys. It has no header or footer. Use one
// Encoder per goroutine.
type Encoder struct {
	o       Options
	tsv     *ascii.Escaper
	view    *schema.View
	keys    [][]byte // `"name":` per column of view
	scratch []byte
	vis     visitor
}

// NewEncoder returns an Encoder with options o.
func NewEncoder(o Options) *Encoder {
	e := &Encoder{o: o, tsv: ascii.NewEscaper(true)}
	e.vis.e = e
	return e
}

// AppendHeader appends nothing: JSON logs have no header lines.
func (e *Encoder) AppendHeader(dst []byte, path string, cols []schema.Column, open time.Time) []byte {
	return dst
}

// AppendFooter appends nothing.
func (e *Encoder) AppendFooter(dst []byte, close time.Time) []byte { return dst }

// AppendRecord appends the JSON line for record r (with its newline) and
// returns the extended buffer. r must be of v's record type.
func (e *Encoder) AppendRecord(dst []byte, v *schema.View, r schema.Record) []byte {
	if v != e.view {
		e.setView(v)
	}
	start := len(dst)
	e.vis.b, e.vis.n, e.vis.inList = append(dst, '{'), 0, false
	v.Visit(r, &e.vis)
	dst = append(e.vis.b, '}', '\n')
	e.vis.b = nil
	if p := e.o.MetaPrefix; len(dst)-start >= len(p) && string(dst[start:start+len(p)]) == p {
		c := dst[start]
		dst = append(dst, 0, 0, 0)
		copy(dst[start+4:], dst[start+1:len(dst)-3])
		const hex = "0123456789abcdef"
		dst[start], dst[start+1], dst[start+2], dst[start+3] = '\\', 'x', hex[c>>4], hex[c&0xf]
	}
	return dst
}

func (e *Encoder) setView(v *schema.View) {
	e.view = v
	e.keys = e.keys[:0]
	for _, c := range v.Columns() {
		k := appendJSONString(nil, c.Name)
		e.keys = append(e.keys, append(k, ':'))
	}
}

// AppendString appends s as a JSON string under policy p, as Zeek writes a
// string value.
func AppendString(dst []byte, s string, p EscapePolicy) []byte {
	var scratch []byte
	return appendString(dst, s, p, ascii.NewEscaper(true), &scratch)
}

func appendString(dst []byte, s string, p EscapePolicy, tsv *ascii.Escaper, scratch *[]byte) []byte {
	switch p {
	case EscapePUA:
		return appendPUA(dst, s)
	case EscapeTSV:
		*scratch = tsv.Append((*scratch)[:0], s)
		return appendJSONBytes(dst, *scratch)
	}
	return appendHex(dst, s, scratch)
}

// appendHex writes s under the HEX policy (Zeek's escape_utf8 keeping JSON's
// control escapes, then RapidJSON's string escaping).
func appendHex(dst []byte, s string, scratch *[]byte) []byte {
	*scratch = ascii.AppendUTF8Escaped((*scratch)[:0], s, true)
	return appendJSONBytes(dst, *scratch)
}

// appendPUA writes s under the PUA policy.
func appendPUA(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c >= 0x20 && c < 0x7f || shortEscape[c] != 0 {
				dst = appendJSONByte(dst, c)
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(s[i:]); size > 1 && ascii.AcceptableRune(r) {
			dst = append(dst, s[i:i+size]...)
			i += size
			continue
		}
		dst = append(dst, `\udb80\udc`...)
		dst = append(dst, hex[c>>4], hex[c&0xf])
		i++
	}
	return append(dst, '"')
}

// shortEscape maps the bytes RapidJSON escapes with a letter to it.
var shortEscape = [256]byte{'"': '"', '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}

// appendJSONByte appends c with RapidJSON's string escaping: the short
// escapes, \u00XX for other control bytes, everything else as is.
func appendJSONByte(dst []byte, c byte) []byte {
	if e := shortEscape[c]; e != 0 {
		return append(dst, '\\', e)
	}
	if c < 0x20 {
		const hex = "0123456789ABCDEF"
		return append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
	}
	return append(dst, c)
}

func appendJSONBytes(dst, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		dst = appendJSONByte(dst, c)
	}
	return append(dst, '"')
}

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		dst = appendJSONByte(dst, s[i])
	}
	return append(dst, '"')
}

// AppendTime appends t in format f.
func AppendTime(b []byte, t zeek.Time, f TimestampFormat) []byte {
	return AppendTimeSeconds(b, t.Float(), f)
}

// AppendTimeSeconds appends the time d, in seconds since the epoch, in
// format f.
func AppendTimeSeconds(b []byte, d float64, f TimestampFormat) []byte {
	switch f {
	case TSMillis:
		return strconv.AppendInt(b, int64(d*1000), 10)
	case TSMillisUnsigned:
		return strconv.AppendUint(b, uint64(int64(d*1000)), 10)
	case TSISO8601:
		sec := math.Floor(d)
		frac := d - math.Trunc(d)
		if frac < 0 {
			frac++
		}
		b = append(b, '"')
		b = time.Unix(int64(sec), 0).UTC().AppendFormat(b, "2006-01-02T15:04:05")
		b = append(b, '.')
		us := strconv.FormatFloat(math.Abs(frac)*1e6, 'f', 0, 64)
		for i := len(us); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, us...)
		return append(b, 'Z', '"')
	}
	return AppendDouble(b, d)
}

// visitor writes the members of one object into b.
type visitor struct {
	e      *Encoder
	b      []byte
	n      int // members written
	inList bool
	elems  int
}

var _ schema.Visitor = (*visitor)(nil)

// next writes the comma and, outside arrays, the key.
func (v *visitor) next(c *schema.Column) {
	if v.inList {
		if v.elems > 0 {
			v.b = append(v.b, ',')
		}
		v.elems++
		return
	}
	if v.n > 0 {
		v.b = append(v.b, ',')
	}
	v.n++
	v.b = append(v.b, v.e.keys[c.Index]...)
}

func (v *visitor) Unset(c *schema.Column) {
	if !v.inList && !v.e.o.IncludeUnset {
		return
	}
	v.next(c)
	v.b = append(v.b, "null"...)
}

func (v *visitor) Bool(c *schema.Column, x bool) {
	v.next(c)
	v.b = strconv.AppendBool(v.b, x)
}

func (v *visitor) Int(c *schema.Column, x int64) {
	v.next(c)
	v.b = strconv.AppendInt(v.b, x, 10)
}

func (v *visitor) Count(c *schema.Column, x uint64) {
	v.next(c)
	v.b = strconv.AppendUint(v.b, x, 10)
}

func (v *visitor) Double(c *schema.Column, x float64) {
	v.next(c)
	v.b = AppendDouble(v.b, x)
}

func (v *visitor) Time(c *schema.Column, x zeek.Time) {
	v.next(c)
	v.b = AppendTime(v.b, x, v.e.o.Timestamps)
}

func (v *visitor) Interval(c *schema.Column, x zeek.Interval) {
	v.next(c)
	v.b = AppendDouble(v.b, x.Float())
}

func (v *visitor) Seconds(c *schema.Column, x float64) {
	v.next(c)
	k := c.Type.Kind
	if v.inList {
		k = c.Type.Elem
	}
	if k == schema.KindTime {
		v.b = AppendTimeSeconds(v.b, x, v.e.o.Timestamps)
	} else {
		v.b = AppendDouble(v.b, x)
	}
}

func (v *visitor) String(c *schema.Column, s string) {
	v.next(c)
	if plainJSON(s) {
		v.b = append(v.b, '"')
		v.b = append(v.b, s...)
		v.b = append(v.b, '"')
		return
	}
	v.b = appendString(v.b, s, v.e.o.EscapePolicy, v.e.tsv, &v.e.scratch)
}

// Enum writes an enum name; Zeek escapes enums with the HEX policy
// whatever the configured policy is.
func (v *visitor) Enum(c *schema.Column, s string) {
	v.next(c)
	if plainJSON(s) {
		v.b = append(v.b, '"')
		v.b = append(v.b, s...)
		v.b = append(v.b, '"')
		return
	}
	v.b = appendHex(v.b, s, &v.e.scratch)
}

// plainJSON reports whether s is printable ASCII without quote or
// backslash, the same under every policy.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (v *visitor) Port(c *schema.Column, x zeek.Port) {
	v.next(c)
	v.b = strconv.AppendUint(v.b, uint64(x.Num), 10)
}

func (v *visitor) Addr(c *schema.Column, x zeek.Addr) {
	v.next(c)
	v.b = append(v.b, '"')
	v.b = zeek.AppendAddr(v.b, x)
	v.b = append(v.b, '"')
}

func (v *visitor) Subnet(c *schema.Column, x zeek.Subnet) {
	v.next(c)
	v.b = append(v.b, '"')
	v.b = zeek.AppendSubnet(v.b, x)
	v.b = append(v.b, '"')
}

func (v *visitor) Begin(c *schema.Column, n int) {
	v.next(c)
	v.b = append(v.b, '[')
	v.inList, v.elems = true, 0
}

func (v *visitor) End(c *schema.Column) {
	v.b = append(v.b, ']')
	v.inList = false
}
