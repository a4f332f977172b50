package layers

import "github.com/heron-nsm/heron/internal/packet"

// IEEE 802.2 LLC (Zeek's LLC analyzer, llc/LLC.cc), reached from 802.3
// frames whose payload is neither SNAP nor Novell raw 802.3.
//
//	DSAP[1] SSAP[1] control[1 or 2]
//
// The control field is one byte for unnumbered PDUs (low two bits set) and
// two otherwise. The DSAP is the identifier of the next layer, and, as in
// Zeek, the bytes handed on still start with the LLC header. Zeek registers
// no layer below LLC, so in practice these frames end here.

var errTruncatedLLC = packet.NewWeird("truncated_llc_header")

func llc(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) < 3 {
		return 0, nil, errTruncatedLLC
	}
	n := 3
	if data[2]&0x03 != 0x03 {
		n++
	}
	if len(data) < n {
		return 0, nil, errTruncatedLLC
	}
	return packet.Key(data[0]), data, nil
}
