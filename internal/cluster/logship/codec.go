package logship

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"net/netip"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// The batch format is described in docs/format/log-transport.md.

const (
	batchMagic   = "HLB1"
	batchVersion = 1
	// maxColumns bounds the columns of a schema a batch may announce.
	maxColumns = 4096
	// maxElems bounds the elements of one set or vector.
	maxElems = 1 << 20
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Column flags in a schema.
const (
	colSeconds  = 1 << 0 // a time or interval held as float64 seconds
	colOptional = 1 << 1 // the source column is &optional (informative)
)

// colDesc is one column of a shipped schema.
type colDesc struct {
	Name    string
	Type    schema.Type
	Seconds bool
	Opt     bool
}

// appendSchema appends the schema section for cols.
func appendSchema(dst []byte, cols []schema.Column) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(cols)))
	for i := range cols {
		c := &cols[i]
		dst = appendString(dst, c.Name)
		var flags byte
		if c.Seconds() {
			flags |= colSeconds
		}
		if c.Optional {
			flags |= colOptional
		}
		dst = append(dst, byte(c.Type.Kind), byte(c.Type.Elem), flags)
	}
	return dst
}

// parseSchema decodes a schema section; it returns the columns and the
// bytes after the section.
func parseSchema(b []byte) ([]colDesc, []byte, error) {
	r := reader{b: b}
	n := r.uvarint()
	if r.err == nil && (n == 0 || n > maxColumns) {
		return nil, nil, fmt.Errorf("logship: schema with %d columns", n)
	}
	cols := make([]colDesc, 0, min(n, 64))
	seen := make(map[string]bool, min(n, 64))
	for i := uint64(0); i < n && r.err == nil; i++ {
		name := r.str()
		kind, elem, flags := schema.Kind(r.byte()), schema.Kind(r.byte()), r.byte()
		if r.err != nil {
			break
		}
		t := schema.Type{Kind: kind, Elem: elem}
		if !validType(t) {
			return nil, nil, fmt.Errorf("logship: schema column %q: bad type %d/%d", name, kind, elem)
		}
		if name == "" || seen[name] {
			return nil, nil, fmt.Errorf("logship: schema column %q empty or repeated", name)
		}
		seen[name] = true
		sec := flags&colSeconds != 0
		if k := scalarKind(t); sec && k != schema.KindTime && k != schema.KindInterval {
			return nil, nil, fmt.Errorf("logship: schema column %q: seconds flag on %v", name, t)
		}
		cols = append(cols, colDesc{Name: name, Type: t, Seconds: sec, Opt: flags&colOptional != 0})
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("logship: schema: %w", r.err)
	}
	return cols, r.b, nil
}

func scalarKind(t schema.Type) schema.Kind {
	if t.IsContainer() {
		return t.Elem
	}
	return t.Kind
}

func validScalar(k schema.Kind) bool {
	return k >= schema.KindBool && k <= schema.KindSubnet
}

func validType(t schema.Type) bool {
	if t.IsContainer() {
		return validScalar(t.Elem)
	}
	return validScalar(t.Kind) && t.Elem == schema.KindInvalid
}

// header is the part of a batch before its records.
type header struct {
	Node  string // the sending node
	Epoch uint64 // the sender's epoch (grows with every start)
	Seq   uint64 // the batch's number within the epoch, from 1
	Path  string // the log path ("conn")
	Count int    // records in the batch
}

// msgID returns the JetStream de-duplication id of the batch.
func (h *header) msgID() string {
	return fmt.Sprintf("%s.%d.%d", h.Node, h.Epoch, h.Seq)
}

// appendBatch appends a whole batch: header, the schema section, the
// records (count of them, encoded by recEncoder) and the checksum.
func appendBatch(dst []byte, h *header, schemaSec, records []byte) []byte {
	start := len(dst)
	dst = append(dst, batchMagic...)
	dst = append(dst, batchVersion)
	dst = appendString(dst, h.Node)
	dst = binary.AppendUvarint(dst, h.Epoch)
	dst = binary.AppendUvarint(dst, h.Seq)
	dst = appendString(dst, h.Path)
	dst = append(dst, schemaSec...)
	dst = binary.AppendUvarint(dst, uint64(h.Count))
	dst = append(dst, records...)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable))
}

// batch is a parsed batch. Its slices alias the message it was parsed
// from.
type batch struct {
	header
	Schema  []byte // the raw schema section
	Cols    []colDesc
	Records []byte // Count encoded records
}

var errCorrupt = errors.New("logship: corrupt batch")

// parseHeader checks a batch's checksum and decodes its header, leaving
// the schema section unparsed.
func parseHeader(b []byte) (batch, []byte, error) {
	var bt batch
	if len(b) < len(batchMagic)+1+4 || string(b[:4]) != batchMagic {
		return bt, nil, fmt.Errorf("%w: no batch magic", errCorrupt)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return bt, nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	if body[4] != batchVersion {
		return bt, nil, fmt.Errorf("logship: batch version %d is not known (this Heron reads %d)", body[4], batchVersion)
	}
	r := reader{b: body[5:]}
	bt.Node = r.str()
	bt.Epoch = r.uvarint()
	bt.Seq = r.uvarint()
	bt.Path = r.str()
	if r.err != nil {
		return bt, nil, fmt.Errorf("%w: header: %v", errCorrupt, r.err)
	}
	return bt, r.b, nil
}

// parseBatch decodes a whole batch but not its records.
func parseBatch(b []byte) (batch, error) {
	bt, rest, err := parseHeader(b)
	if err != nil {
		return bt, err
	}
	cols, rest2, err := parseSchema(rest)
	if err != nil {
		return bt, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	bt.Schema = rest[:len(rest)-len(rest2)]
	bt.Cols = cols
	r := reader{b: rest2}
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return bt, fmt.Errorf("%w: record count", errCorrupt)
	}
	bt.Count = int(n)
	bt.Records = r.b
	return bt, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// reader decodes the primitives of the format, remembering the first
// error.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail(errShort)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes(n uint64) []byte {
	if uint64(len(r.b)) < n {
		r.fail(errShort)
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) str() string { return string(r.bytes(r.uvarint())) }

func (r *reader) float() float64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

func (r *reader) addr() netip.Addr {
	switch n := r.byte(); n {
	case 4:
		b := r.bytes(4)
		if b == nil {
			return netip.Addr{}
		}
		return netip.AddrFrom4([4]byte(b))
	case 16:
		b := r.bytes(16)
		if b == nil {
			return netip.Addr{}
		}
		return netip.AddrFrom16([16]byte(b))
	default:
		if r.err == nil {
			r.fail(fmt.Errorf("address length %d", n))
		}
		return netip.Addr{}
	}
}

// recEncoder encodes records as a schema.Visitor: a presence bitmap, then
// the values of the set columns in column order.
type recEncoder struct {
	b      []byte
	bitmap int // offset of the current record's bitmap in b
	inList bool
}

var _ schema.Visitor = (*recEncoder)(nil)

// begin starts a record of ncols columns.
func (e *recEncoder) begin(ncols int) {
	e.bitmap = len(e.b)
	for i := 0; i < (ncols+7)/8; i++ {
		e.b = append(e.b, 0)
	}
}

// value marks column c present (outside lists) or the element present.
func (e *recEncoder) value(c *schema.Column) {
	if e.inList {
		e.b = append(e.b, 1)
		return
	}
	e.b[e.bitmap+c.Index/8] |= 1 << (c.Index % 8)
}

// The schema.Visitor methods below append one value each, as the table
// of docs/format/log-transport.md gives it.

// Unset leaves a column's presence bit clear, or marks a set or vector
// element absent.
func (e *recEncoder) Unset(c *schema.Column) {
	if e.inList {
		e.b = append(e.b, 0)
	}
}

func (e *recEncoder) Bool(c *schema.Column, v bool) {
	e.value(c)
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *recEncoder) Int(c *schema.Column, v int64) {
	e.value(c)
	e.b = binary.AppendVarint(e.b, v)
}

func (e *recEncoder) Count(c *schema.Column, v uint64) {
	e.value(c)
	e.b = binary.AppendUvarint(e.b, v)
}

func (e *recEncoder) Double(c *schema.Column, v float64) {
	e.value(c)
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
}

func (e *recEncoder) Time(c *schema.Column, v zeek.Time) {
	e.value(c)
	e.b = binary.AppendVarint(e.b, int64(v))
}

func (e *recEncoder) Interval(c *schema.Column, v zeek.Interval) {
	e.value(c)
	e.b = binary.AppendVarint(e.b, int64(v))
}

func (e *recEncoder) Seconds(c *schema.Column, v float64) { e.Double(c, v) }

func (e *recEncoder) String(c *schema.Column, v string) {
	e.value(c)
	e.b = appendString(e.b, v)
}

func (e *recEncoder) Enum(c *schema.Column, v string) { e.String(c, v) }

func (e *recEncoder) Port(c *schema.Column, v zeek.Port) {
	e.value(c)
	e.b = binary.AppendUvarint(e.b, uint64(v.Num))
	e.b = append(e.b, byte(v.Proto))
}

func (e *recEncoder) addr(a netip.Addr) {
	if a.Is4() {
		b := a.As4()
		e.b = append(append(e.b, 4), b[:]...)
		return
	}
	b := a.As16()
	e.b = append(append(e.b, 16), b[:]...)
}

func (e *recEncoder) Addr(c *schema.Column, v zeek.Addr) {
	e.value(c)
	e.addr(v)
}

func (e *recEncoder) Subnet(c *schema.Column, v zeek.Subnet) {
	e.value(c)
	e.addr(v.Addr())
	e.b = append(e.b, byte(v.Bits()))
}

func (e *recEncoder) Begin(c *schema.Column, n int) {
	e.value(c)
	e.b = binary.AppendUvarint(e.b, uint64(n))
	e.inList = true
}

func (e *recEncoder) End(c *schema.Column) { e.inList = false }
