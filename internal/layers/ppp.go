package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// PPP, link type DLT_PPP (Zeek's PPP analyzer, ppp/PPP.cc). A frame that
// starts with FF 03 is in HDLC-like framing (address, control, protocol);
// any other starts with the 2-byte protocol.
//
// Install sets this layer only when package packet has a layer named "PPP".

var (
	errTruncatedPPP     = packet.NewWeird("truncated_ppp_header")
	errTruncatedPPPHDLC = packet.NewWeird("truncated_ppp_hdlc_header")
)

func ppp(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= 2 {
		return 0, nil, errTruncatedPPP
	}
	if data[0] == 0xff && data[1] == 0x03 {
		if len(data) <= 4 {
			return 0, nil, errTruncatedPPPHDLC
		}
		return packet.Key(binary.BigEndian.Uint16(data[2:4])), data[4:], nil
	}
	return packet.Key(binary.BigEndian.Uint16(data[0:2])), data[2:], nil
}
