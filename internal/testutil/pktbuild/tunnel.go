package pktbuild

import (
	"encoding/binary"
	"net/netip"
)

// Well-known UDP ports of the tunnels (Zeek's packet-protocols scripts).
const (
	PortVXLAN  = 4789
	PortGeneve = 6081
	PortTeredo = 3544
	PortAYIYA  = 5072
	PortGTPU   = 2152 // GTPv1-U
	PortGTPC   = 2123 // GTPv1-C
	PortGRE    = 4754 // GRE over UDP
)

// IPInIP wraps an IPv4 or IPv6 packet in an outer IP header: protocol 4
// (IPv4) or 41 (IPv6), chosen from the inner packet's version.
func IPInIP(outer IP, inner []byte) []byte {
	outer.Proto = 4
	if len(inner) > 0 && inner[0]>>4 == 6 {
		outer.Proto = 41
	}
	return outer.Build(inner)
}

// GRE describes a GRE header (RFC 2784 and RFC 2890; version 1 is the
// enhanced GRE of PPTP, RFC 2637). The optional fields are present when
// their flag is set.
type GRE struct {
	Version  uint8
	Proto    uint16
	Checksum bool
	Key      bool
	Seq      bool
	Ack      bool // version 1 only
	KeyVal   uint32
	SeqVal   uint32
	AckVal   uint32
	// ExtraFlags are raw bits ORed into the flags word: 0x4000 is the
	// deprecated routing bit, 0x0078 the reserved bits.
	ExtraFlags uint16
}

// Len returns the header's length.
func (g GRE) Len() int {
	n := 4
	for _, f := range []bool{g.Checksum, g.Key, g.Seq, g.Ack} {
		if f {
			n += 4
		}
	}
	return n
}

// Header returns the GRE header (the checksum field, when present, is 0).
func (g GRE) Header() []byte {
	flags := uint16(g.Version&7) | g.ExtraFlags
	if g.Checksum {
		flags |= 0x8000
	}
	if g.Key {
		flags |= 0x2000
	}
	if g.Seq {
		flags |= 0x1000
	}
	if g.Ack {
		flags |= 0x0080
	}
	b := binary.BigEndian.AppendUint16(nil, flags)
	b = binary.BigEndian.AppendUint16(b, g.Proto)
	if g.Checksum {
		b = append(b, 0, 0, 0, 0)
	}
	if g.Key {
		b = binary.BigEndian.AppendUint32(b, g.KeyVal)
	}
	if g.Seq {
		b = binary.BigEndian.AppendUint32(b, g.SeqVal)
	}
	if g.Ack {
		b = binary.BigEndian.AppendUint32(b, g.AckVal)
	}
	return b
}

// GREPacket builds an IP packet (protocol 47) carrying GRE with payload.
func GREPacket(ip IP, g GRE, payload []byte) []byte {
	ip.Proto = 47
	return ip.Build(append(g.Header(), payload...))
}

// PPTP returns the payload of a PPTP data packet: GRE version 1 with a
// key and a sequence number, then the PPP header (address 0xff, control
// 0x03) with PPP protocol pppProto (0x0021 IPv4, 0x0057 IPv6) and the
// packet. The result goes after an IP header of protocol 47.
func PPTP(callID uint16, seq uint32, pppProto uint16, packet []byte) []byte {
	g := GRE{Version: 1, Proto: 0x880b, Key: true, KeyVal: uint32(len(packet)+4)<<16 | uint32(callID), Seq: true, SeqVal: seq}
	b := append(g.Header(), 0xff, 0x03)
	b = binary.BigEndian.AppendUint16(b, pppProto)
	return append(b, packet...)
}

// VXLANHeader returns a VXLAN header (RFC 7348) with the I flag and the
// given network identifier.
func VXLANHeader(vni uint32) []byte {
	return []byte{0x08, 0, 0, 0, byte(vni >> 16), byte(vni >> 8), byte(vni), 0}
}

// VXLANPacket builds an IP packet carrying a VXLAN datagram from srcPort to
// the VXLAN port with the given inner Ethernet frame.
func VXLANPacket(ip IP, srcPort uint16, vni uint32, frame []byte) []byte {
	return UDPPacket(ip, UDP{SrcPort: srcPort, DstPort: PortVXLAN}, append(VXLANHeader(vni), frame...))
}

// Geneve describes a Geneve header (RFC 8926).
type Geneve struct {
	Version uint8  // 0 is the only defined version
	Proto   uint16 // protocol type of the payload: 0x6558 Ethernet, 0x0800 IPv4, …
	VNI     uint32
	// Options are the raw option bytes, a multiple of 4 and at most 252.
	Options []byte
}

// Header returns the Geneve header.
func (g Geneve) Header() []byte {
	b := []byte{g.Version<<6 | byte(len(g.Options)/4)&0x3f, 0}
	b = binary.BigEndian.AppendUint16(b, g.Proto)
	b = append(b, byte(g.VNI>>16), byte(g.VNI>>8), byte(g.VNI), 0)
	return append(b, g.Options...)
}

// GeneveOption returns one Geneve option: class, type and data (padded
// with zeros to a multiple of 4).
func GeneveOption(class uint16, typ uint8, data []byte) []byte {
	n := (len(data) + 3) / 4
	b := binary.BigEndian.AppendUint16(nil, class)
	b = append(b, typ, byte(n))
	b = append(b, data...)
	return append(b, make([]byte, n*4-len(data))...)
}

// Teredo describes the optional headers in front of a Teredo packet's IPv6
// packet (RFC 4380): an authentication header and an origin indication.
type Teredo struct {
	Auth      bool
	ClientID  []byte
	AuthValue []byte
	Nonce     uint64
	Confirm   uint8

	Origin     bool
	OriginPort uint16
	OriginAddr netip.Addr // IPv4
}

// Header returns the authentication and origin indication headers (empty
// when neither is set).
func (t Teredo) Header() []byte {
	var b []byte
	if t.Auth {
		b = append(b, 0, 1, byte(len(t.ClientID)), byte(len(t.AuthValue)))
		b = append(b, t.ClientID...)
		b = append(b, t.AuthValue...)
		b = binary.BigEndian.AppendUint64(b, t.Nonce)
		b = append(b, t.Confirm)
	}
	if t.Origin {
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint16(b, t.OriginPort^0xffff)
		a := t.OriginAddr.As4()
		for i := range a {
			a[i] ^= 0xff
		}
		b = append(b, a[:]...)
	}
	return b
}

// TeredoAddr returns a Teredo client address (2001:0::/32) for a server
// and a mapped client address and port.
func TeredoAddr(server, client netip.Addr, port uint16) netip.Addr {
	var a [16]byte
	a[0], a[1] = 0x20, 0x01
	s := server.As4()
	copy(a[4:8], s[:])
	binary.BigEndian.PutUint16(a[10:], port^0xffff)
	c := client.As4()
	for i := range c {
		a[12+i] = c[i] ^ 0xff
	}
	return netip.AddrFrom16(a)
}

// TeredoBubble returns a Teredo bubble: an IPv6 header without payload
// and with no next header (59).
func TeredoBubble(src, dst netip.Addr) []byte {
	return IP{Src: src, Dst: dst, Proto: 59}.Build(nil)
}

// AYIYA describes an AYIYA header ("Anything In Anything", as SixXS's
// tunnels use it). The defaults (zero values) give what those tunnels
// send: a 16-byte IPv6 identity and a 20-byte SHA-1 signature, with the
// forward operation.
type AYIYA struct {
	IDLenLog   uint8 // identity length is 1<<IDLenLog bytes (0: 4, 16 bytes)
	IDType     uint8 // 0: 1 (IPv6 address)
	SigWords   uint8 // signature length in 4-byte words (0: 5)
	HashMethod uint8 // 0: 2 (SHA-1)
	AuthMethod uint8 // 0: 1 (shared secret)
	OpCode     uint8 // 0: 1 (forward)
	NextHeader uint8
	Epoch      uint32
	// NoDefaults leaves the zero fields zero.
	NoDefaults bool
}

// Header returns the AYIYA header with a zero identity and signature.
func (a AYIYA) Header() []byte {
	if !a.NoDefaults {
		if a.IDLenLog == 0 {
			a.IDLenLog = 4
		}
		if a.IDType == 0 {
			a.IDType = 1
		}
		if a.SigWords == 0 {
			a.SigWords = 5
		}
		if a.HashMethod == 0 {
			a.HashMethod = 2
		}
		if a.AuthMethod == 0 {
			a.AuthMethod = 1
		}
		if a.OpCode == 0 {
			a.OpCode = 1
		}
	}
	b := []byte{a.IDLenLog<<4 | a.IDType&0x0f, a.SigWords<<4 | a.HashMethod&0x0f, a.AuthMethod<<4 | a.OpCode&0x0f, a.NextHeader}
	b = binary.BigEndian.AppendUint32(b, a.Epoch)
	return append(b, make([]byte, 1<<(a.IDLenLog&0x0f)+int(a.SigWords)*4)...)
}

// GTPv1 describes a GTPv1 header (3GPP TS 29.060). The zero value is a
// G-PDU (message type 255) of version 1 without optional fields.
type GTPv1 struct {
	Version  uint8 // 0: 1
	GTPPrime bool  // protocol type 0 (GTP')
	MsgType  uint8 // 0: 255 (G-PDU)
	TEID     uint32
	// Seq adds the optional fields (sequence number, N-PDU number, next
	// extension type) with the S flag.
	Seq    bool
	SeqNum uint16
	// Ext are extension headers' contents (each 4n-2 bytes); they set
	// the E flag and add the optional fields.
	Ext [][]byte
}

// Header returns the GTPv1 header for a message of payloadLen bytes.
func (g GTPv1) Header(payloadLen int) []byte {
	v := g.Version
	if v == 0 {
		v = 1
	}
	mt := g.MsgType
	if mt == 0 {
		mt = 255
	}
	flags := v << 5
	if !g.GTPPrime {
		flags |= 0x10
	}
	if g.Seq {
		flags |= 0x02
	}
	if len(g.Ext) > 0 {
		flags |= 0x04
	}
	var opt []byte
	if flags&0x07 != 0 {
		opt = binary.BigEndian.AppendUint16(nil, g.SeqNum)
		opt = append(opt, 0, 0)
		if len(g.Ext) > 0 {
			opt[3] = 0xc0 // PDU session container, any non-zero type
		}
		for i, e := range g.Ext {
			opt = append(opt, byte((len(e)+2)/4))
			opt = append(opt, e...)
			next := byte(0)
			if i < len(g.Ext)-1 {
				next = 0xc0
			}
			opt = append(opt, next)
		}
	}
	b := []byte{flags, mt}
	b = binary.BigEndian.AppendUint16(b, uint16(len(opt)+payloadLen))
	b = binary.BigEndian.AppendUint32(b, g.TEID)
	return append(b, opt...)
}

// GTPv1U returns a GTPv1-U G-PDU carrying an IP packet.
func GTPv1U(teid uint32, packet []byte) []byte {
	return append(GTPv1{TEID: teid}.Header(len(packet)), packet...)
}
