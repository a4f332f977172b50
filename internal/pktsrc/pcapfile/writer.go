package pcapfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/heron-nsm/heron/internal/zeek"
)

// DefaultSnaplen is the snapshot length the writers record when none is
// given (libpcap's and tcpdump's default).
const DefaultSnaplen = defaultMaxSnaplen

// WriterOptions configures a classic pcap Writer. The zero value writes a
// little-endian file with microsecond timestamps and DefaultSnaplen.
type WriterOptions struct {
	BigEndian  bool   // write the file big-endian
	Nanosecond bool   // write nanosecond timestamps (magic 0xa1b23c4d)
	Snaplen    uint32 // snapshot length for the header; 0 means DefaultSnaplen
}

// Writer writes a classic pcap file. It writes each record with one Write
// call and does no buffering of its own; wrap a file in a bufio.Writer for
// speed. WritePacket allocates nothing once its scratch buffer has grown to
// the largest record.
type Writer struct {
	w       io.Writer
	order   byteOrderer
	nano    bool
	snaplen uint32
	scratch []byte
}

// NewWriter writes a pcap file header for linkType to w and returns a
// Writer for the file's records. linkType is stored as given, so its upper
// bits may carry libpcap's FCS-length flags.
func NewWriter(w io.Writer, linkType uint32, opts WriterOptions) (*Writer, error) {
	pw := &Writer{w: w, order: byteOrder(opts.BigEndian), nano: opts.Nanosecond, snaplen: opts.Snaplen}
	if pw.snaplen == 0 {
		pw.snaplen = DefaultSnaplen
	}
	magic := uint32(magicMicro)
	if pw.nano {
		magic = magicNano
	}
	h := make([]byte, pcapFileHeaderLen)
	pw.order.PutUint32(h, magic)
	pw.order.PutUint16(h[4:], pcapVersionMajor)
	pw.order.PutUint16(h[6:], pcapVersionMinor)
	pw.order.PutUint32(h[16:], pw.snaplen)
	pw.order.PutUint32(h[20:], linkType)
	if _, err := w.Write(h); err != nil {
		return nil, fmt.Errorf("pcapfile: writing pcap header: %w", err)
	}
	return pw, nil
}

// WritePacket writes one record: the packet captured at ts, whose captured
// bytes are data and whose length on the wire was wireLen (0 means
// len(data)). data is not retained. It fails for a timestamp before 1970
// or after 2106, which classic pcap cannot hold, and for data longer than
// the snapshot length.
func (pw *Writer) WritePacket(ts zeek.Time, data []byte, wireLen uint32) error {
	if ts < 0 || int64(ts)/1e9 > 1<<32-1 {
		return fmt.Errorf("pcapfile: timestamp %d ns does not fit a pcap record", int64(ts))
	}
	if uint64(len(data)) > uint64(pw.snaplen) {
		return fmt.Errorf("pcapfile: packet of %d bytes exceeds the snapshot length %d", len(data), pw.snaplen)
	}
	if wireLen == 0 {
		wireLen = uint32(len(data))
	}
	frac := uint32(int64(ts) % 1e9)
	if !pw.nano {
		frac /= 1000
	}
	b := pw.scratch[:0]
	b = pw.order.AppendUint32(b, uint32(int64(ts)/1e9))
	b = pw.order.AppendUint32(b, frac)
	b = pw.order.AppendUint32(b, uint32(len(data)))
	b = pw.order.AppendUint32(b, wireLen)
	b = append(b, data...)
	pw.scratch = b
	if _, err := pw.w.Write(b); err != nil {
		return fmt.Errorf("pcapfile: writing packet: %w", err)
	}
	return nil
}

// byteOrderer is a byte order that can both put and append.
type byteOrderer interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func byteOrder(bigEndian bool) byteOrderer {
	if bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// TSResol is a pcapng timestamp resolution, as the if_tsresol option
// stores it: the low 7 bits are the negative exponent of 10, or of 2 when
// the top bit is set.
type TSResol uint8

// Common resolutions.
const (
	ResolMicro TSResol = 6 // microseconds, pcapng's default
	ResolNano  TSResol = 9 // nanoseconds
)

// ResolPow2 returns the resolution 2^-exp seconds (exp at most 63).
func ResolPow2(exp uint8) TSResol { return TSResol(0x80 | exp&0x7f) }

// NgWriterOptions configures an NgWriter. The zero value writes a
// little-endian file.
type NgWriterOptions struct {
	BigEndian bool // write the first section big-endian
}

// Interface describes a pcapng interface for NgWriter.AddInterfaceWith.
type Interface struct {
	LinkType uint32  // LINKTYPE_ value (stored in 16 bits)
	Snaplen  uint32  // 0 means DefaultSnaplen
	TSResol  TSResol // 0 means ResolMicro, which is written as no option
	TSOffset int64   // if_tsoffset in seconds, added to every timestamp
	Name     string  // if_name; "" writes none
}

// NgWriter writes a pcapng file. Like Writer it writes each block with one
// Write call and buffers nothing.
type NgWriter struct {
	w       io.Writer
	order   byteOrderer
	ifaces  []Interface // of the current section
	scratch []byte
}

// NewNgWriter writes a pcapng Section Header Block to w and returns an
// NgWriter for the section's blocks. Add interfaces before writing
// packets.
func NewNgWriter(w io.Writer, opts NgWriterOptions) (*NgWriter, error) {
	nw := &NgWriter{w: w}
	if err := nw.NewSection(opts.BigEndian); err != nil {
		return nil, err
	}
	return nw, nil
}

// NewSection starts a new section, in the given byte order. The new
// section has no interfaces; the reader numbers interfaces across
// sections, so the first interface of the second section follows the last
// one of the first.
func (nw *NgWriter) NewSection(bigEndian bool) error {
	nw.order = byteOrder(bigEndian)
	nw.ifaces = nw.ifaces[:0]
	b := nw.begin(blockSHB)
	b = nw.order.AppendUint32(b, magicByteOrder)
	b = nw.order.AppendUint16(b, pcapngVersionMajor)
	b = nw.order.AppendUint16(b, 0)
	b = nw.order.AppendUint64(b, ^uint64(0)) // section length unknown
	return nw.finish(b, "section header")
}

// AddInterface adds an interface of the given link type and timestamp
// resolution (0 meaning microseconds) to the current section and returns
// its number within the section, for WritePacket.
func (nw *NgWriter) AddInterface(linkType uint32, tsresol TSResol) (uint32, error) {
	return nw.AddInterfaceWith(Interface{LinkType: linkType, TSResol: tsresol})
}

// AddInterfaceWith adds an interface described by ifc to the current
// section and returns its number within the section.
func (nw *NgWriter) AddInterfaceWith(ifc Interface) (uint32, error) {
	if ifc.LinkType > 0xffff {
		return 0, fmt.Errorf("pcapfile: link type %d does not fit pcapng's 16 bits", ifc.LinkType)
	}
	if ifc.Snaplen == 0 {
		ifc.Snaplen = DefaultSnaplen
	}
	if ifc.TSResol == 0 {
		ifc.TSResol = ResolMicro
	}
	var probe iface
	if err := probe.setResol(uint8(ifc.TSResol)); err != nil {
		return 0, fmt.Errorf("pcapfile: %w", err)
	}
	b := nw.begin(blockIDB)
	b = nw.order.AppendUint16(b, uint16(ifc.LinkType))
	b = nw.order.AppendUint16(b, 0)
	b = nw.order.AppendUint32(b, ifc.Snaplen)
	if ifc.Name != "" {
		b = nw.option(b, 2, []byte(ifc.Name))
	}
	if ifc.TSResol != ResolMicro {
		b = nw.option(b, optTSResol, []byte{byte(ifc.TSResol)})
	}
	if ifc.TSOffset != 0 {
		b = nw.option(b, optTSOffset, nw.order.AppendUint64(nil, uint64(ifc.TSOffset)))
	}
	if len(b) > 16 {
		b = nw.option(b, optEnd, nil)
	}
	if err := nw.finish(b, "interface description"); err != nil {
		return 0, err
	}
	nw.ifaces = append(nw.ifaces, ifc)
	return uint32(len(nw.ifaces) - 1), nil
}

// WritePacket writes an Enhanced Packet Block: the packet captured at ts
// on interface ifIndex (its number within the current section), whose
// captured bytes are data and whose length on the wire was wireLen (0
// means len(data)). data is not retained. The timestamp is truncated to
// the interface's resolution.
func (nw *NgWriter) WritePacket(ifIndex uint32, ts zeek.Time, data []byte, wireLen uint32) error {
	if uint64(ifIndex) >= uint64(len(nw.ifaces)) {
		return fmt.Errorf("pcapfile: no interface %d in this section", ifIndex)
	}
	ifc := &nw.ifaces[ifIndex]
	if uint64(len(data)) > uint64(ifc.Snaplen) {
		return fmt.Errorf("pcapfile: packet of %d bytes exceeds the snapshot length %d", len(data), ifc.Snaplen)
	}
	t, err := units(ts, ifc)
	if err != nil {
		return err
	}
	if wireLen == 0 {
		wireLen = uint32(len(data))
	}
	b := nw.begin(blockEPB)
	b = nw.order.AppendUint32(b, ifIndex)
	b = nw.order.AppendUint32(b, uint32(t>>32))
	b = nw.order.AppendUint32(b, uint32(t))
	b = nw.order.AppendUint32(b, uint32(len(data)))
	b = nw.order.AppendUint32(b, wireLen)
	b = pad(append(b, data...))
	return nw.finish(b, "packet")
}

// WriteSimplePacket writes a Simple Packet Block, which belongs to the
// section's first interface and has no timestamp. data is the captured
// bytes, wireLen the length on the wire (0 means len(data)).
func (nw *NgWriter) WriteSimplePacket(data []byte, wireLen uint32) error {
	if len(nw.ifaces) == 0 {
		return errors.New("pcapfile: simple packet block before any interface")
	}
	if wireLen == 0 {
		wireLen = uint32(len(data))
	}
	b := nw.begin(blockSPB)
	b = nw.order.AppendUint32(b, wireLen)
	b = pad(append(b, data...))
	return nw.finish(b, "simple packet")
}

// WriteBlock writes a block of any type with the given body, padded to a
// multiple of 4 bytes; readers skip types they do not know. It is meant
// for tests (custom, unknown or deliberately malformed blocks).
func (nw *NgWriter) WriteBlock(blockType uint32, body []byte) error {
	b := nw.begin(blockType)
	b = pad(append(b, body...))
	return nw.finish(b, "block")
}

// begin starts a block in the scratch buffer, leaving its length to finish.
func (nw *NgWriter) begin(typ uint32) []byte {
	b := nw.order.AppendUint32(nw.scratch[:0], typ)
	return append(b, 0, 0, 0, 0)
}

// finish writes the block's length at both ends and writes it out.
func (nw *NgWriter) finish(b []byte, what string) error {
	total := uint32(len(b) + 4)
	if uint64(len(b)+4) > uint64(defaultMaxBlock) {
		return fmt.Errorf("pcapfile: %s block of %d bytes is too long", what, len(b)+4)
	}
	b = nw.order.AppendUint32(b, total)
	nw.order.PutUint32(b[4:], total)
	nw.scratch = b
	if _, err := nw.w.Write(b); err != nil {
		return fmt.Errorf("pcapfile: writing %s block: %w", what, err)
	}
	return nil
}

// option appends a pcapng option with its padding.
func (nw *NgWriter) option(b []byte, code uint16, val []byte) []byte {
	b = nw.order.AppendUint16(b, code)
	b = nw.order.AppendUint16(b, uint16(len(val)))
	return pad(append(b, val...))
}

func pad(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// units converts ts to the interface's timestamp units, truncating.
func units(ts zeek.Time, ifc *Interface) (uint64, error) {
	if ifc.TSOffset > 1<<33 || ifc.TSOffset < -(1<<33) {
		return 0, fmt.Errorf("pcapfile: interface timestamp offset %d s is out of range", ifc.TSOffset)
	}
	rel := int64(ts) - ifc.TSOffset*1e9
	if rel < 0 {
		return 0, fmt.Errorf("pcapfile: timestamp %d ns is before the interface's offset of %d s", int64(ts), ifc.TSOffset)
	}
	sec, ns := uint64(rel)/1e9, uint64(rel)%1e9
	r := uint8(ifc.TSResol)
	exp := uint(r & 0x7f)
	var secUnits, frac uint64
	if r&0x80 != 0 {
		secUnits = 1 << exp
		hi, lo := bits.Mul64(ns, secUnits)
		frac, _ = bits.Div64(hi, lo, 1e9)
	} else {
		secUnits = pow10(exp)
		if exp <= 9 {
			frac = ns / pow10(9-exp)
		} else {
			frac = ns * pow10(exp-9)
		}
	}
	hi, t := bits.Mul64(sec, secUnits)
	t, carry := bits.Add64(t, frac, 0)
	if hi != 0 || carry != 0 {
		return 0, fmt.Errorf("pcapfile: timestamp %d ns does not fit the interface's resolution", int64(ts))
	}
	return t, nil
}
