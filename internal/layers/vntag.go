package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// Cisco VN-Tag, IEEE 802.1Qbh (Zeek's VNTag analyzer, vntag/VNTag.cc),
// reached through ethertype 0x8926 from Ethernet and VLAN.
//
//	D:1 P:1 dvif_id:14 L:1 R:1 ver:2 svif_id:12  type[2]  payload...
//
// The 4-byte tag is skipped and the ethertype after it is handed on as it
// is, with none of Ethernet's 802.3 length handling. Zeek's script wires
// VN-Tag only to VLAN tags (0x8100, 0x88A8, 0x9100); any other ethertype,
// IPv4 included, ends decoding as an unknown protocol. Nothing is recorded
// on the Packet.
//
// Zeek wants more than 6 bytes; anything shorter raises
// truncated_vntag_header.

const vntagHdrLen = 6

var errTruncatedVNTag = packet.NewWeird("truncated_vntag_header")

func vntag(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= vntagHdrLen {
		return 0, nil, errTruncatedVNTag
	}
	return packet.Key(binary.BigEndian.Uint16(data[4:6])), data[vntagHdrLen:], nil
}
