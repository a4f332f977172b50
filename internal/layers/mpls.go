package layers

import "github.com/heron-nsm/heron/internal/packet"

// MPLS label stack (Zeek's MPLS analyzer, mpls/MPLS.cc).
//
//	label:20 TC:3 S:1 TTL:8, repeated until an entry has S (bottom of stack)
//
// The stack does not say what it carries; the payload goes to MPLS's
// default layer (IP).

const mplsEntryLen = 4

var errTruncatedMPLS = packet.NewWeird("truncated_link_header")

func mpls(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	for {
		// Zeek wants more than one entry's worth of bytes at each label,
		// so at least one byte of payload follows the stack.
		if len(data) <= mplsEntryLen {
			return 0, nil, errTruncatedMPLS
		}
		bottom := data[2]&0x01 != 0
		data = data[mplsEntryLen:]
		if bottom {
			return packet.Default, data, nil
		}
	}
}
