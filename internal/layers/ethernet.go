package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// Ethernet (Zeek's ETHERNET analyzer, ethernet/Ethernet.cc).
//
//	dst[6] src[6] type/length[2] payload...
//
// A type/length of 1536 or more is an ethertype (Ethernet II). One of 1500
// or less is the payload length of an 802.3 frame: the payload is cut to
// that length and handed on with a forwarding key chosen by its first two
// bytes (AA AA: SNAP, FF FF: Novell raw 802.3, else 802.2 LLC). Values in
// between are undefined. Cisco FabricPath (ethertype 0x8903) is skipped: its
// 16-byte header is followed by the encapsulated Ethernet header.

const (
	etherHdrLen     = 14
	fabricPathLen   = 16
	etherTypeCFP    = 0x8903
	etherTypeMin    = 1536 // smallest ethertype
	etherMaxLength  = 1500 // largest 802.3 length
	ethernetMinRead = 16   // Zeek wants more than this many bytes
)

var (
	errTruncatedEthernet = packet.NewWeird("truncated_ethernet_frame")
	errTruncatedCFP      = packet.NewWeird("truncated_link_header_cfp")
	errUndefinedEthType  = packet.NewWeird("undefined_ether_type")
)

func ethernet(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= ethernetMinRead {
		return 0, nil, errTruncatedEthernet
	}
	if data[12] == 0x89 && data[13] == 0x03 {
		if len(data) <= fabricPathLen+etherHdrLen {
			return 0, nil, errTruncatedCFP
		}
		data = data[fabricPathLen:]
	}
	copy(p.L2Dst[:], data[0:6])
	copy(p.L2Src[:], data[6:12])
	p.HasL2 = true

	typ := int(binary.BigEndian.Uint16(data[12:14]))
	if typ >= etherTypeMin {
		return packet.Key(typ), data[etherHdrLen:], nil
	}
	if typ > etherMaxLength {
		return 0, nil, errUndefinedEthType
	}
	return dispatch8023(data[etherHdrLen:], typ, errTruncatedEthernet)
}

// dispatch8023 hands on the payload of an 802.3 frame whose length field is
// length, as Ethernet and VLAN do: cut to the length, with the forwarding
// key for SNAP, Novell raw 802.3 or LLC.
func dispatch8023(payload []byte, length int, short *packet.Weird) (packet.Key, []byte, error) {
	if len(payload) < 2 {
		return 0, nil, short
	}
	// The key is chosen from the first two bytes even when the length
	// field says the payload is shorter than that.
	key := packet.Key(packet.LLCForwardingKey)
	switch {
	case payload[0] == 0xAA && payload[1] == 0xAA:
		key = packet.SNAPForwardingKey
	case payload[0] == 0xFF && payload[1] == 0xFF:
		key = packet.NovellForwardingKey
	}
	if len(payload) > length {
		payload = payload[:length]
	}
	return key, payload, nil
}
