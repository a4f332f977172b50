package udpmirror

// Link types of the frames a Source returns.
const (
	linkEthernet = 1   // LINKTYPE_ETHERNET
	linkRaw      = 101 // LINKTYPE_RAW: an IPv4 or IPv6 packet
)

// Geneve protocol types a Source hands on.
const (
	protoEthernet = 0x6558 // transparent Ethernet bridging
	protoIPv4     = 0x0800
	protoIPv6     = 0x86DD
)

// headerLen is the fixed part of both headers.
const headerLen = 8

// verdict says what decap made of a datagram.
type verdict uint8

const (
	vOK        verdict = iota
	vShort             // shorter than its header, or nothing after it
	vBadHeader         // VXLAN without the I flag, Geneve with a version other than 0
	vControl           // a Geneve control message (O bit): no mirrored packet
	vProto             // a Geneve payload that is neither Ethernet nor IP
)

// decap removes the encapsulation header from a datagram's payload b and
// returns the mirrored packet inside it (a subslice of b), its link type
// and the header's network identifier. b may be cut short: only the header
// must be whole.
//
// The checks are those of Zeek's VXLAN and Geneve packet analyzers (the I
// flag, version 0, the options' length), plus two a receiver of mirrored
// traffic needs: Geneve control messages carry no mirrored packet, and
// only Ethernet and IP payloads can be handed on.
func decap(enc Encap, b []byte) (inner []byte, link uint32, vni uint32, v verdict) {
	if len(b) < headerLen {
		return nil, 0, 0, vShort
	}
	vni = uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6])
	hl := headerLen
	link = linkEthernet
	if enc == Geneve {
		if b[0]>>6 != 0 {
			return nil, 0, 0, vBadHeader
		}
		hl += int(b[0]&0x3f) * 4
		if len(b) < hl {
			return nil, 0, 0, vShort
		}
		if b[1]&0x80 != 0 {
			return nil, 0, 0, vControl
		}
		switch uint16(b[2])<<8 | uint16(b[3]) {
		case protoEthernet:
		case protoIPv4, protoIPv6:
			link = linkRaw
		default:
			return nil, 0, 0, vProto
		}
	} else if b[0]&0x08 == 0 {
		return nil, 0, 0, vBadHeader
	}
	if len(b) == hl {
		return nil, 0, 0, vShort
	}
	return b[hl:], link, vni, vOK
}
