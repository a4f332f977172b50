package ipfrag

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// v4dg describes an IPv4 datagram to cut into fragments.
type v4dg struct {
	id       uint16
	proto    byte
	ttl      byte
	opts     []byte // IPv4 options, a multiple of 4 bytes
	src, dst [4]byte
}

var (
	v4src = [4]byte{192, 0, 2, 1}
	v4dst = [4]byte{198, 51, 100, 7}
)

func (h v4dg) hdrLen() int { return 20 + len(h.opts) }

// frag builds one fragment carrying payload at byte offset off (a multiple
// of 8), with a valid checksum.
func (h v4dg) frag(payload []byte, off int, more, df bool) []byte {
	hl := h.hdrLen()
	p := make([]byte, hl+len(payload))
	p[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(p[2:], uint16(hl+len(payload)))
	binary.BigEndian.PutUint16(p[4:], h.id)
	fl := uint16(off/8) & 0x1fff
	if more {
		fl |= 0x2000
	}
	if df {
		fl |= 0x4000
	}
	binary.BigEndian.PutUint16(p[6:], fl)
	p[8] = h.ttl
	p[9] = h.proto
	copy(p[12:], h.src[:])
	copy(p[16:], h.dst[:])
	copy(p[20:], h.opts)
	binary.BigEndian.PutUint16(p[10:], ipChecksum(p[:hl]))
	copy(p[hl:], payload)
	return p
}

// whole is what AddIPv4 should return when the datagram is complete with
// header h (taken from the first fragment to arrive, with its DF bit).
func (h v4dg) whole(payload []byte, df bool) []byte {
	return h.frag(payload, 0, false, df)
}

// v6dg describes an IPv6 datagram to cut into fragments.
type v6dg struct {
	src, dst [16]byte
	hbh      bool // a hop-by-hop header before the Fragment header
	id       uint32
	nh       byte // next header after the Fragment header
}

var (
	v6src = [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}
	v6dst = [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}
)

// unfrag builds the unfragmentable part; the last next-header field is
// next.
func (h v6dg) unfrag(next byte) []byte {
	p := make([]byte, 40, 48)
	p[0] = 0x60
	p[7] = 64
	copy(p[8:], h.src[:])
	copy(p[24:], h.dst[:])
	if h.hbh {
		p[6] = protoHopOpts
		// Hop-by-hop: next, len 0, PadN of 4 bytes.
		p = append(p, next, 0, 1, 4, 0, 0, 0, 0)
	} else {
		p[6] = next
	}
	return p
}

func (h v6dg) frag(payload []byte, off int, more bool) []byte {
	p := h.unfrag(protoFragment)
	fh := make([]byte, 8)
	fh[0] = h.nh
	ol := uint16(off) &^ 7
	if more {
		ol |= 1
	}
	binary.BigEndian.PutUint16(fh[2:], ol)
	binary.BigEndian.PutUint32(fh[4:], h.id)
	p = append(p, fh...)
	p = append(p, payload...)
	binary.BigEndian.PutUint16(p[4:], uint16(len(p)-40))
	return p
}

func (h v6dg) whole(payload []byte) []byte {
	p := append(h.unfrag(h.nh), payload...)
	binary.BigEndian.PutUint16(p[4:], uint16(len(p)-40))
	return p
}

func (h v6dg) locate() IPv6Frag {
	f := IPv6Frag{Offset: 40, PrevNext: 6, Src: h.src, Dst: h.dst}
	if h.hbh {
		f.Offset, f.PrevNext = 48, 40
	}
	return f
}

// pattern returns n bytes that differ at every offset mod 251.
func pattern(n int, salt byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i%251) ^ salt
	}
	return b
}

// weirdLog collects weird names.
type weirdLog struct{ names []string }

func (w *weirdLog) add(name string, _ *Key) { w.names = append(w.names, name) }

func (w *weirdLog) String() string { return strings.Join(w.names, ",") }

func (w *weirdLog) reset() { w.names = w.names[:0] }

func hexdiff(a, b []byte) string {
	if len(a) != len(b) {
		return fmt.Sprintf("length %d, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Sprintf("byte %d is %#02x, want %#02x", i, a[i], b[i])
		}
	}
	return "equal"
}
