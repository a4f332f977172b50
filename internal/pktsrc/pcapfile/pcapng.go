package pcapfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// pcapng layout. Every block is
//
//	0 block type (4)   4 total length (4)   8 body ...   total length (4)
//
// with the total length a multiple of 4 and at least 12. The bodies read
// here (offsets from the start of the body):
//
//	SHB 0x0a0d0d0a: 0 byte-order magic 0x1a2b3c4d (4)   4 major (2)   6 minor (2)
//	                8 section length (8)   16 options
//	IDB 1:          0 link type (2)   2 reserved (2)   4 snaplen (4)   8 options
//	EPB 6:          0 interface (4)   4 timestamp high (4)   8 timestamp low (4)
//	                12 captured length (4)   16 original length (4)   20 data
//	PB 2:           0 interface (2)   2 drops (2), then as EPB from offset 4
//	SPB 3:          0 original length (4)   4 data
//
// Options are code (2), length (2) and a value padded to 4 bytes; code 0
// ends the list.
const (
	blockSHB = 0x0a0d0d0a
	blockIDB = 1
	blockPB  = 2
	blockSPB = 3
	blockEPB = 6

	blockOverhead = 12 // type, length and trailing length
	shbMinBody    = 16
	idbMinBody    = 8
	epbMinBody    = 20
	spbMinBody    = 4

	optEnd      = 0
	optTSResol  = 9  // if_tsresol
	optTSOffset = 14 // if_tsoffset

	pcapngVersionMajor = 1

	// The first SHB may be at most this long (libpcap's BT_SHB_INSANE_MAX).
	maxFirstSHB = 1 << 20
	// Blocks may be at most this long, or longer when an interface's link
	// type allows larger records (libpcap's INITIAL_MAX_BLOCKSIZE and
	// MAX_BLOCKSIZE_FOR_SNAPLEN).
	defaultMaxBlock = 16 << 20
	blockSlack      = 131072
	// Interfaces in a file, over all its sections.
	maxInterfaces = 1 << 16
)

// iface is one pcapng interface.
type iface struct {
	linkType uint32
	snaplen  uint32 // adjusted as libpcap does: never 0
	swapHdrs bool   // its section is in the other byte order than the host
	tsOffset uint64 // seconds added to every timestamp (two's complement)
	units    uint64 // timestamp units per second
	scale    uint8  // how to turn a fraction of a second into ns
	factor   uint64 // multiplier or divisor for scaleMul and scaleDiv
	shift    uint   // for scalePow2: units == 1<<shift
}

// Ways of converting a fraction of a second to nanoseconds.
const (
	scaleMicro = iota // units 1e6 (the default)
	scaleNano         // units 1e9
	scaleMul          // units 10^k, k < 9: ns = frac * factor
	scaleDiv          // units 10^k, k > 9: ns = frac / factor
	scalePow2         // units 2^shift: ns = frac * 1e9 >> shift
)

// ts converts a timestamp in the interface's units to nanoseconds since
// the epoch, with integer arithmetic that truncates below a nanosecond.
// Timestamps beyond the range of zeek.Time wrap around.
func (ifc *iface) ts(t uint64) zeek.Time {
	var sec, ns uint64
	switch ifc.scale {
	case scaleMicro:
		sec, ns = t/1e6, t%1e6*1000
	case scaleNano:
		sec, ns = t/1e9, t%1e9
	case scaleMul:
		sec = t / ifc.units
		ns = t % ifc.units * ifc.factor
	case scaleDiv:
		sec = t / ifc.units
		ns = t % ifc.units / ifc.factor
	default:
		sec = t >> ifc.shift
		hi, lo := bits.Mul64(t&(ifc.units-1), 1e9)
		if ifc.shift > 0 {
			ns = hi<<(64-ifc.shift) | lo>>ifc.shift
		}
	}
	return zeek.Time(int64(sec+ifc.tsOffset)*1e9 + int64(ns))
}

// openPcapNG parses the first Section Header Block and reads on up to the
// first Interface Description Block, so that LinkType is known.
func (r *Reader) openPcapNG() error {
	r.format = formatPcapNG
	r.maxBlock = defaultMaxBlock
	r.fill(blockOverhead)
	if r.w-r.r < blockOverhead {
		return r.truncated("pcapng section header block", 0, blockOverhead)
	}
	be, ok := sectionOrder(r.buf[8:12])
	if !ok {
		return fmt.Errorf("%snot a pcap or pcapng file (magic 0x0a0d0d0a, byte-order magic 0x%08x)",
			r.prefix(), binary.BigEndian.Uint32(r.buf[8:]))
	}
	r.be = be
	if total := r.u32(r.buf[4:]); total > maxFirstSHB {
		return fmt.Errorf("%spcapng section header block of %d bytes exceeds the maximum of %d (corrupt file?)",
			r.prefix(), total, maxFirstSHB)
	}
	var f pktsrc.Frame
	switch err := r.nextBlock(&f, true); err {
	case nil:
		return nil
	case errPacketBlock:
		return fmt.Errorf("%spacket block at offset %d before any interface description block", r.prefix(), r.base+int64(r.r))
	case errEndOfInput:
		// A trace with no interfaces and no packets; Next reports the end
		// (or a truncated gzip stream).
		return nil
	default:
		return err
	}
}

// sectionOrder decodes a section's byte-order magic: it reports whether
// the section is big-endian, and false for ok when bom is no such magic.
func sectionOrder(bom []byte) (bigEndian, ok bool) {
	switch binary.BigEndian.Uint32(bom) {
	case magicByteOrder:
		return true, true
	case swap32(magicByteOrder):
		return false, true
	}
	return false, false
}

// Sentinels used by openPcapNG's scan for the first interface.
var (
	errPacketBlock = errors.New("pcapfile: packet block")
	errEndOfInput  = errors.New("pcapfile: end of input")
)

// nextPcapNG reads blocks up to and including the next packet block.
func (r *Reader) nextPcapNG(f *pktsrc.Frame) error {
	err := r.nextBlock(f, false)
	if err == errEndOfInput {
		return r.atEnd()
	}
	return err
}

// nextBlock reads blocks until it has filled f from a packet block. With
// untilIDB set it stops after the first Interface Description Block,
// before a packet block (errPacketBlock, consuming nothing) or at the end
// of input (errEndOfInput).
func (r *Reader) nextBlock(f *pktsrc.Frame, untilIDB bool) error {
	for {
		off := r.base + int64(r.r)
		if r.w-r.r < blockOverhead {
			r.fill(blockOverhead)
			if r.w == r.r {
				return errEndOfInput
			}
			if r.w-r.r < blockOverhead {
				return r.truncated("block", off, blockOverhead)
			}
		}
		b := r.buf[r.r:r.w]
		typ := r.u32(b)
		if typ == blockSHB {
			// The type reads the same in both byte orders; the section's
			// byte order is in the byte-order magic.
			be, ok := sectionOrder(b[8:12])
			if !ok {
				return fmt.Errorf("%ssection header block at offset %d has a bad byte-order magic 0x%08x",
					r.prefix(), off, binary.BigEndian.Uint32(b[8:]))
			}
			r.be = be
		}
		total := r.u32(b[4:])
		switch {
		case total < blockOverhead || total%4 != 0:
			return fmt.Errorf("%sblock at offset %d has an invalid length of %d bytes (corrupt file?)", r.prefix(), off, total)
		case total > r.maxBlock:
			return fmt.Errorf("%sblock of %d bytes at offset %d exceeds the maximum of %d (corrupt file?)", r.prefix(), total, off, r.maxBlock)
		}
		if untilIDB && (typ == blockEPB || typ == blockSPB || typ == blockPB) {
			return errPacketBlock
		}
		n := int(total)
		if r.w-r.r < n {
			r.fill(n)
			if r.w-r.r < n {
				return r.truncated("block", off, n)
			}
		}
		blk := r.buf[r.r : r.r+n : r.r+n]
		if t := r.u32(blk[n-4:]); t != total {
			return fmt.Errorf("%sblock at offset %d has length %d at its start and %d at its end (corrupt file?)", r.prefix(), off, total, t)
		}
		body := blk[8 : n-4]
		r.r += n

		switch typ {
		case blockEPB:
			return r.packet(f, off, body, r.u32(body))
		case blockPB:
			return r.packet(f, off, body, uint32(r.u16(body)))
		case blockSPB:
			return r.simplePacket(f, off, body)
		case blockIDB:
			if err := r.addInterface(off, body); err != nil {
				return err
			}
			if untilIDB {
				return nil
			}
		case blockSHB:
			if err := r.newSection(off, body); err != nil {
				return err
			}
		}
	}
}

// newSection starts a section: its interfaces are numbered from 0 again.
func (r *Reader) newSection(off int64, body []byte) error {
	if len(body) < shbMinBody {
		return fmt.Errorf("%ssection header block at offset %d is too short (%d bytes)", r.prefix(), off, len(body)+blockOverhead)
	}
	major, minor := r.u16(body[4:]), r.u16(body[6:])
	// libpcap accepts 1.0 and 1.2 in the first section, any 1.x later.
	if major != pcapngVersionMajor || (off == 0 && minor != 0 && minor != 2) {
		return fmt.Errorf("%sunsupported pcapng version %d.%d in the section at offset %d", r.prefix(), major, minor, off)
	}
	r.secBase = len(r.ifaces)
	return nil
}

// addInterface adds the interface an IDB describes.
func (r *Reader) addInterface(off int64, body []byte) error {
	if len(body) < idbMinBody {
		return fmt.Errorf("%sinterface description block at offset %d is too short (%d bytes)", r.prefix(), off, len(body)+blockOverhead)
	}
	if len(r.ifaces) >= maxInterfaces {
		return fmt.Errorf("%smore than %d interfaces in the file (interface description block at offset %d)", r.prefix(), maxInterfaces, off)
	}
	ifc := iface{
		linkType: uint32(r.u16(body)),
		swapHdrs: r.be != hostBigEndian,
		units:    1e6,
		scale:    scaleMicro,
	}
	ifc.snaplen = adjustSnaplen(ifc.linkType, r.u32(body[4:]))
	var sawResol, sawOffset bool
	opts := body[idbMinBody:]
	for len(opts) >= 4 {
		code, n := r.u16(opts), int(r.u16(opts[2:]))
		opts = opts[4:]
		if code == optEnd {
			break
		}
		padded := (n + 3) &^ 3
		if padded > len(opts) {
			return fmt.Errorf("%sinterface description block at offset %d: option %d of %d bytes overruns the block", r.prefix(), off, code, n)
		}
		val := opts[:n]
		opts = opts[padded:]
		switch code {
		case optTSResol:
			if n != 1 || sawResol {
				return fmt.Errorf("%sinterface description block at offset %d: bad or repeated if_tsresol option", r.prefix(), off)
			}
			sawResol = true
			if err := ifc.setResol(val[0]); err != nil {
				return fmt.Errorf("%sinterface description block at offset %d: %w", r.prefix(), off, err)
			}
		case optTSOffset:
			if n != 8 || sawOffset {
				return fmt.Errorf("%sinterface description block at offset %d: bad or repeated if_tsoffset option", r.prefix(), off)
			}
			sawOffset = true
			ifc.tsOffset = r.u64(val)
		}
	}
	if len(r.ifaces) == 0 {
		r.linkType = ifc.linkType
		r.snaplen = ifc.snaplen
	}
	if m := uint64(blockOverhead+epbMinBody+blockSlack) + uint64(maxSnaplen(ifc.linkType)); m > uint64(r.maxBlock) {
		r.maxBlock = uint32(m)
	}
	r.ifaces = append(r.ifaces, ifc)
	return nil
}

// setResol applies an if_tsresol value: the low 7 bits are the negative
// exponent of 10, or of 2 when the top bit is set.
func (ifc *iface) setResol(v uint8) error {
	exp := uint(v & 0x7f)
	if v&0x80 != 0 {
		if exp > 63 {
			return fmt.Errorf("timestamp resolution 2^-%d is too fine", exp)
		}
		ifc.units = 1 << exp
		ifc.shift = exp
		ifc.scale = scalePow2
		return nil
	}
	if exp > 19 {
		return fmt.Errorf("timestamp resolution 10^-%d is too fine", exp)
	}
	ifc.units = pow10(exp)
	switch {
	case exp == 6:
		ifc.scale = scaleMicro
	case exp == 9:
		ifc.scale = scaleNano
	case exp < 9:
		ifc.scale, ifc.factor = scaleMul, pow10(9-exp)
	default:
		ifc.scale, ifc.factor = scaleDiv, pow10(exp-9)
	}
	return nil
}

func pow10(n uint) uint64 {
	v := uint64(1)
	for range n {
		v *= 10
	}
	return v
}

// packet fills f from an EPB or obsolete PB body; id is the interface
// number within the section. Both have 20 bytes of fixed fields (the PB's
// 4-byte interface field is a 2-byte interface and a 2-byte drop count).
func (r *Reader) packet(f *pktsrc.Frame, off int64, body []byte, id uint32) error {
	const fixed = epbMinBody
	if len(body) < fixed {
		return fmt.Errorf("%spacket block at offset %d is too short (%d bytes)", r.prefix(), off, len(body)+blockOverhead)
	}
	ifc, idx, err := r.lookupIface(off, id)
	if err != nil {
		return err
	}
	t := uint64(r.u32(body[4:]))<<32 | uint64(r.u32(body[8:]))
	caplen, wirelen := r.u32(body[12:]), r.u32(body[16:])
	if caplen > ifc.snaplen {
		return fmt.Errorf("%spacket block at offset %d: captured length %d exceeds the interface's snapshot length %d (corrupt file?)",
			r.prefix(), off, caplen, ifc.snaplen)
	}
	if uint64(caplen) > uint64(len(body)-fixed) {
		return fmt.Errorf("%spacket block at offset %d: captured length %d overruns the block (corrupt file?)", r.prefix(), off, caplen)
	}
	data := body[fixed : fixed+int(caplen) : fixed+int(caplen)]
	if ifc.swapHdrs && ifc.linkType == linkTypeNFLOG {
		swapNFLOG(data, wirelen)
	}
	f.TS = ifc.ts(t)
	f.CapLen = caplen
	f.WireLen = wirelen
	f.LinkType = ifc.linkType
	f.IfIndex = idx
	f.Data = data
	return nil
}

// simplePacket fills f from an SPB body. The packet belongs to the
// section's first interface; its captured length is the original length
// cut to that interface's snapshot length and to the block; it has no
// timestamp (so its time is the interface's if_tsoffset, 0 by default).
func (r *Reader) simplePacket(f *pktsrc.Frame, off int64, body []byte) error {
	if len(body) < spbMinBody {
		return fmt.Errorf("%ssimple packet block at offset %d is too short (%d bytes)", r.prefix(), off, len(body)+blockOverhead)
	}
	ifc, idx, err := r.lookupIface(off, 0)
	if err != nil {
		return err
	}
	wirelen := r.u32(body)
	caplen := min(wirelen, ifc.snaplen, uint32(len(body)-spbMinBody))
	data := body[spbMinBody : spbMinBody+int(caplen) : spbMinBody+int(caplen)]
	if ifc.swapHdrs && ifc.linkType == linkTypeNFLOG {
		swapNFLOG(data, wirelen)
	}
	f.TS = ifc.ts(0)
	f.CapLen = caplen
	f.WireLen = wirelen
	f.LinkType = ifc.linkType
	f.IfIndex = idx
	f.Data = data
	return nil
}

// lookupIface returns the interface a packet block at off names and its index
// in the whole file.
func (r *Reader) lookupIface(off int64, id uint32) (*iface, uint32, error) {
	if uint64(id) >= uint64(len(r.ifaces)-r.secBase) {
		if len(r.ifaces) == r.secBase {
			return nil, 0, fmt.Errorf("%spacket block at offset %d before any interface description block in its section", r.prefix(), off)
		}
		return nil, 0, fmt.Errorf("%spacket block at offset %d names interface %d, but its section has %d", r.prefix(), off, id, len(r.ifaces)-r.secBase)
	}
	idx := r.secBase + int(id)
	return &r.ifaces[idx], uint32(idx), nil
}
