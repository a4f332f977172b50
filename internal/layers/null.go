package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// BSD loopback, link type DLT_NULL (Zeek's Null analyzer, null/Null.cc): a
// 4-byte address family in the capturing host's byte order, read as little
// endian as Zeek does (2 is IPv4; 24, 28 and 30 are IPv6 on the BSDs).

const nullHdrLen = 4

var errNull = packet.NewWeird("null_analyzer_failed")

func null(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= nullHdrLen {
		return 0, nil, errNull
	}
	return packet.Key(binary.LittleEndian.Uint32(data[0:4])), data[nullHdrLen:], nil
}
