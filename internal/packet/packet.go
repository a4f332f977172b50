package packet

import (
	"net/netip"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Packet is one frame on its way through the decoders. The packet loop owns
// it and reuses it for every frame: Reset clears what a previous frame left.
//
// Data and every slice derived from it are borrowed from the packet source
// (or from a reassembly buffer); they are valid only while the packet is
// being processed.
type Packet struct {
	TS       zeek.Time // capture time
	Data     []byte    // the whole frame as captured
	WireLen  uint32    // length on the wire (may exceed len(Data))
	LinkType uint32    // link type of the frame (DLT)

	// Link layer.
	L2Src, L2Dst [6]byte // MAC addresses, when HasL2
	HasL2        bool
	VLAN         uint16 // outer 802.1Q tag, when HasVLAN
	InnerVLAN    uint16 // inner tag of QinQ, when HasInnerVLAN
	HasVLAN      bool
	HasInnerVLAN bool
	PPPoESession uint16 // PPPoE session id, when HasPPPoE
	HasPPPoE     bool

	// L3Checksummed and L4Checksummed report that the capture path verified
	// the checksums (e.g. from AF_PACKET ring metadata), so Heron need not.
	L3Checksummed bool
	L4Checksummed bool

	// IP is the innermost IP header decoded so far. IP.Valid says whether
	// one has been accepted; weirds raised after that point carry its
	// addresses ("flow weirds" in Zeek's terms).
	IP IPHeader

	// TunnelDepth counts the encapsulations entered so far (0 outside any
	// tunnel). Weirds inside a tunnel get Zeek's "_in_tunnel" suffix.
	TunnelDepth int

	// Encap is the chain of tunnels the packet came through (nil outside
	// any tunnel). It belongs to the decoder; copy it to keep it.
	Encap *EncapStack

	// Session is the connection the packet belongs to, once the transport
	// layer found it (a *conn.Conn), for the packet analyzers that run
	// over connections (tunnels over UDP); IsOrig is its direction.
	Session any
	IsOrig  bool

	// depth is the number of layers run so far (set by the decoder).
	depth int

	// Processed is set once a connection took the packet.
	Processed bool
}

// Reset prepares p for the next frame.
func (p *Packet) Reset() {
	*p = Packet{}
}

// Depth returns how many layers ran up to and including the current one.
func (p *Packet) Depth() int { return p.depth }

// Offset returns where data starts within p.Data, or -1 when data is not a
// part of it (e.g. a reassembled datagram). It relies on layers slicing
// the frame without three-index slices, so that capacities run to the
// frame's end; sources hand out Data with cap == len.
func (p *Packet) Offset(data []byte) int {
	off := cap(p.Data) - cap(data)
	if off < 0 || off > len(p.Data) {
		return -1
	}
	return off
}

// CapLen returns the number of bytes captured.
func (p *Packet) CapLen() int { return len(p.Data) }

// IPHeader describes one IPv4 or IPv6 header (with its extension headers).
// Addresses are kept as 16 bytes, IPv4 in its v4-mapped form, so that keys
// built from them are plain values.
type IPHeader struct {
	Valid   bool
	Version uint8 // 4 or 6

	Src, Dst [16]byte // source and destination (IPv6: after home-address and routing options)
	HdrSrc   [16]byte // the source as written in the fixed header (Zeek's IPHeaderSrcAddr)

	HdrLen     int    // header length, incl. IPv6 extension headers
	TotalLen   uint32 // Zeek's TotalLen: IPv4 total length; IPv6 payload length + 40
	PayloadLen int    // Zeek's PayloadLen: TotalLen minus headers (0 when TotalLen is 0)
	Proto      uint8  // protocol of the payload (after IPv6 extension headers)
	LastHeader uint8  // IPv6: type of the last header in the chain (ESP/mobility stop decoding)
	TTL        uint8
	FlowLabel  uint32

	ID         uint32 // IPv4 identification or IPv6 fragment id
	FragOffset int    // in bytes
	MF, DF     bool
	IsFragment bool

	// Header is the IP header as captured; Payload the captured payload
	// (at most PayloadLen bytes when PayloadLen is known).
	Header  []byte
	Payload []byte

	// Reassembled is set when the header and payload come from fragment
	// reassembly rather than from one frame.
	Reassembled bool
}

// SrcAddr returns the source address.
func (h *IPHeader) SrcAddr() netip.Addr { return AddrFrom16(h.Src, h.Version) }

// DstAddr returns the destination address.
func (h *IPHeader) DstAddr() netip.Addr { return AddrFrom16(h.Dst, h.Version) }

// AddrFrom16 converts a 16-byte address to a netip.Addr: IPv4 (version 4)
// addresses come back in their 4-byte form. It does not allocate.
func AddrFrom16(a [16]byte, version uint8) netip.Addr {
	if version == 4 {
		return netip.AddrFrom4([4]byte{a[12], a[13], a[14], a[15]})
	}
	return netip.AddrFrom16(a)
}

// Mapped4 returns the v4-mapped 16-byte form of an IPv4 address.
func Mapped4(b []byte) (a [16]byte) {
	a[10], a[11] = 0xff, 0xff
	copy(a[12:], b[:4])
	return a
}
