package pktbuild

import (
	"encoding/binary"
	"net/netip"

	"github.com/heron-nsm/heron/internal/packet"
)

// TCP flag bits.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
	URG = 0x20
)

// IP describes an IP header to build.
type IP struct {
	Src, Dst netip.Addr
	Proto    uint8
	TTL      uint8
	ID       uint16
	DF, MF   bool
	FragOff  int    // bytes, multiple of 8
	Options  []byte // IPv4 options (padded to 4 bytes by the caller)
	// BadChecksum corrupts the IPv4 header checksum.
	BadChecksum bool
	// TotalLen overrides the length field when non-zero (IPv6: payload length + 40).
	TotalLen int
	// ZeroLen writes a zero length field (segmentation offload).
	ZeroLen bool
	// ExtHeaders are raw IPv6 extension headers placed before the payload;
	// each must start with its next-header byte, which Build fills in.
	ExtHeaders [][]byte
	// ExtTypes are the header types of ExtHeaders.
	ExtTypes []uint8
}

// TCP describes a TCP header to build.
type TCP struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	Options          []byte
	// DataOffset overrides the header length field (in 32-bit words).
	DataOffset int
	// BadChecksum corrupts the checksum.
	BadChecksum bool
}

// UDP describes a UDP header to build.
type UDP struct {
	SrcPort, DstPort uint16
	// Length overrides the length field when non-zero.
	Length int
	// NoChecksum writes 0 (IPv4 only: no checksum).
	NoChecksum  bool
	BadChecksum bool
}

// ICMP describes an ICMP or ICMPv6 header to build.
type ICMP struct {
	Type, Code  uint8
	Rest        uint32 // the 4 bytes after the checksum (id/seq, …)
	BadChecksum bool
}

// Ether wraps an IP packet in an Ethernet header with the given MACs.
func Ether(src, dst [6]byte, etherType uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+len(payload))
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:], etherType)
	return append(b, payload...)
}

// EtherIP wraps an IP packet in Ethernet with default MACs and the right
// ethertype.
func EtherIP(ip []byte) []byte {
	et := uint16(0x0800)
	if len(ip) > 0 && ip[0]>>4 == 6 {
		et = 0x86DD
	}
	return Ether([6]byte{0, 1, 2, 3, 4, 5}, [6]byte{0, 6, 7, 8, 9, 10}, et, ip)
}

// Build returns an IP packet with the given transport header bytes and
// payload. For TCP/UDP/ICMPv6 the checksum is computed over the pseudo
// header (use the helpers below rather than calling Build directly).
func (h IP) Build(l4 []byte) []byte {
	if h.TTL == 0 {
		h.TTL = 64
	}
	if h.Src.Is4() {
		hl := 20 + len(h.Options)
		b := make([]byte, hl, hl+len(l4))
		b[0] = 0x40 | byte(hl/4)
		tl := hl + len(l4)
		if h.TotalLen != 0 {
			tl = h.TotalLen
		}
		if h.ZeroLen {
			tl = 0
		}
		binary.BigEndian.PutUint16(b[2:], uint16(tl))
		binary.BigEndian.PutUint16(b[4:], h.ID)
		off := uint16(h.FragOff / 8)
		if h.DF {
			off |= 0x4000
		}
		if h.MF {
			off |= 0x2000
		}
		binary.BigEndian.PutUint16(b[6:], off)
		b[8] = h.TTL
		b[9] = h.Proto
		s4, d4 := h.Src.As4(), h.Dst.As4()
		copy(b[12:16], s4[:])
		copy(b[16:20], d4[:])
		copy(b[20:], h.Options)
		sum := ^packet.Fold(packet.Sum(0, b))
		if h.BadChecksum {
			sum ^= 0x5555
		}
		binary.BigEndian.PutUint16(b[10:], sum)
		return append(b, l4...)
	}
	b := make([]byte, 40)
	b[0] = 0x60
	next := h.Proto
	var ext []byte
	for i := len(h.ExtHeaders) - 1; i >= 0; i-- {
		e := append([]byte(nil), h.ExtHeaders[i]...)
		e[0] = next
		next = h.ExtTypes[i]
		ext = append(e, ext...)
	}
	pl := len(ext) + len(l4)
	if h.TotalLen != 0 {
		pl = h.TotalLen - 40
	}
	if h.ZeroLen {
		pl = 0
	}
	binary.BigEndian.PutUint16(b[4:], uint16(pl))
	b[6] = next
	b[7] = h.TTL
	s16, d16 := h.Src.As16(), h.Dst.As16()
	copy(b[8:24], s16[:])
	copy(b[24:40], d16[:])
	b = append(b, ext...)
	return append(b, l4...)
}

func addr16(a netip.Addr) [16]byte {
	if a.Is4() {
		return packet.Mapped4(a.AsSlice())
	}
	return a.As16()
}

func version(a netip.Addr) uint8 {
	if a.Is4() {
		return 4
	}
	return 6
}

// checksum computes a transport checksum over the pseudo header.
func checksum(ip IP, proto uint8, seg []byte) uint16 {
	s, d := addr16(ip.Src), addr16(ip.Dst)
	sum := packet.PseudoHeaderSum(version(ip.Src), &s, &d, proto, len(seg))
	return ^packet.Fold(packet.Sum(sum, seg))
}

// TCPPacket builds an IP packet carrying a TCP segment.
func TCPPacket(ip IP, t TCP, payload []byte) []byte {
	ip.Proto = 6
	hl := 20 + len(t.Options)
	seg := make([]byte, hl, hl+len(payload))
	binary.BigEndian.PutUint16(seg[0:], t.SrcPort)
	binary.BigEndian.PutUint16(seg[2:], t.DstPort)
	binary.BigEndian.PutUint32(seg[4:], t.Seq)
	binary.BigEndian.PutUint32(seg[8:], t.Ack)
	off := hl / 4
	if t.DataOffset != 0 {
		off = t.DataOffset
	}
	seg[12] = byte(off << 4)
	seg[13] = t.Flags
	win := t.Window
	if win == 0 {
		win = 65535
	}
	binary.BigEndian.PutUint16(seg[14:], win)
	copy(seg[20:], t.Options)
	seg = append(seg, payload...)
	sum := checksum(ip, 6, seg)
	if t.BadChecksum {
		sum ^= 0x5555
	}
	binary.BigEndian.PutUint16(seg[16:], sum)
	return ip.Build(seg)
}

// UDPPacket builds an IP packet carrying a UDP datagram.
func UDPPacket(ip IP, u UDP, payload []byte) []byte {
	ip.Proto = 17
	seg := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(seg[0:], u.SrcPort)
	binary.BigEndian.PutUint16(seg[2:], u.DstPort)
	l := 8 + len(payload)
	if u.Length != 0 {
		l = u.Length
	}
	binary.BigEndian.PutUint16(seg[4:], uint16(l))
	seg = append(seg, payload...)
	if !u.NoChecksum {
		sum := checksum(ip, 17, seg)
		if sum == 0 {
			sum = 0xffff
		}
		if u.BadChecksum {
			sum ^= 0x5555
		}
		binary.BigEndian.PutUint16(seg[6:], sum)
	}
	return ip.Build(seg)
}

// ICMPPacket builds an IP packet carrying ICMP (IPv4) or ICMPv6 (IPv6).
func ICMPPacket(ip IP, ic ICMP, payload []byte) []byte {
	seg := make([]byte, 8, 8+len(payload))
	seg[0], seg[1] = ic.Type, ic.Code
	binary.BigEndian.PutUint32(seg[4:], ic.Rest)
	seg = append(seg, payload...)
	var sum uint16
	if ip.Src.Is4() {
		ip.Proto = 1
		sum = ^packet.Fold(packet.Sum(0, seg))
	} else {
		ip.Proto = 58
		sum = checksum(ip, 58, seg)
	}
	if ic.BadChecksum {
		sum ^= 0x5555
	}
	binary.BigEndian.PutUint16(seg[2:], sum)
	return ip.Build(seg)
}

// V4 and V6 are shorthands for netip.MustParseAddr.
func V4(s string) netip.Addr { return netip.MustParseAddr(s) }

// V6 parses an IPv6 address.
func V6(s string) netip.Addr { return netip.MustParseAddr(s) }
