package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// SNAP (Zeek's SNAP analyzer, snap/SNAP.cc): an 802.2 LLC header followed by
// a 3-byte OUI and a 2-byte protocol.
//
// The identifier of the next layer is OUI<<16 | protocol, so with the OUI
// 00-00-00 (encapsulated Ethernet) it is the ethertype.

var (
	errTruncatedSNAPLLC = packet.NewWeird("truncated_snap_llc_header")
	errTruncatedSNAP    = packet.NewWeird("truncated_snap_header")
)

func snap(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) < 3 {
		return 0, nil, errTruncatedSNAPLLC
	}
	n := 3
	if data[2]&0x03 != 0x03 {
		n++
	}
	if len(data) < n+5 {
		return 0, nil, errTruncatedSNAP
	}
	h := data[n : n+5]
	oui := uint64(h[0])<<16 | uint64(h[1])<<8 | uint64(h[2])
	proto := uint64(binary.BigEndian.Uint16(h[3:5]))
	return packet.Key(oui<<16 | proto), data[n+5:], nil
}
