package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// PPP in HDLC-like framing, link type DLT_PPP_SERIAL (Zeek's PPPSerial
// analyzer, ppp_serial/PPPSerial.cc).
//
//	address[1] control[1] protocol[2] payload...

const pppSerialHdrLen = 4

var errTruncatedPPPSerial = packet.NewWeird("truncated_ppp_serial_header")

func pppSerial(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= pppSerialHdrLen {
		return 0, nil, errTruncatedPPPSerial
	}
	return packet.Key(binary.BigEndian.Uint16(data[2:4])), data[pppSerialHdrLen:], nil
}
