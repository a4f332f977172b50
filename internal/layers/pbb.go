package layers

import "github.com/heron-nsm/heron/internal/packet"

// Provider Backbone Bridging, IEEE 802.1ah "MAC-in-MAC" (Zeek's PBB
// analyzer, pbb/PBB.cc), reached through ethertype 0x88E7 from Ethernet and
// VLAN.
//
//	I-TAG TCI[4] (PCP:3 DEI:1 UCA:1 res:3 I-SID:24)  customer Ethernet header[14]  payload...
//
// The 4-byte I-TAG after the backbone ethertype is skipped and the rest,
// which starts with the customer's Ethernet header, goes to the layer's
// default child, Ethernet (the wiring table's Defaults). PBB records
// nothing itself: the inner Ethernet layer overwrites the backbone MAC
// addresses with the customer's, as in Zeek. The I-SID is not kept.
//
// Zeek wants more than 18 bytes (the I-TAG and an Ethernet header);
// anything shorter raises truncated_PBB_header.

const (
	pbbITagLen = 4
	pbbMinRead = pbbITagLen + etherHdrLen // Zeek wants more than this many bytes
)

var errTruncatedPBB = packet.NewWeird("truncated_PBB_header")

func pbb(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= pbbMinRead {
		return 0, nil, errTruncatedPBB
	}
	return packet.Default, data[pbbITagLen:], nil
}
