package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// Radiotap, link type DLT_IEEE802_11_RADIO (Zeek's IEEE802_11_Radio
// analyzer, ieee802_11_radio/IEEE802_11_Radio.cc).
//
//	version[1] pad[1] length[2, little endian] present flags and fields...
//
// Only the header length is read; the 802.11 frame follows it. Like Zeek,
// Heron ignores the radiotap fields, including the flag that says the frame
// ends with an FCS: those four bytes stay at the end of the 802.11 frame.

var errTruncatedRadiotap = packet.NewWeird("truncated_radiotap_header")

func radiotap(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= 3 {
		return 0, nil, errTruncatedRadiotap
	}
	n := int(binary.LittleEndian.Uint16(data[2:4]))
	if n >= len(data) {
		return 0, nil, errTruncatedRadiotap
	}
	return packet.DLTIEEE80211, data[n:], nil
}
