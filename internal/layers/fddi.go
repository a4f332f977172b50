package layers

import "github.com/heron-nsm/heron/internal/packet"

// FDDI, link type DLT_FDDI (Zeek's FDDI analyzer, fddi/FDDI.cc): a 13-byte
// FDDI header and an 8-byte LLC/SNAP header are skipped and the rest goes to
// FDDI's default layer (IP), whatever the SNAP header says.
//
// Zeek raises FDDI_analyzer_failed without the packet (no tunnel suffix, no
// flow); FDDI is only ever the outermost layer, where the two are the same.

const fddiHdrLen = 13 + 8

var errFDDI = packet.NewWeird("FDDI_analyzer_failed")

func fddi(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= fddiHdrLen {
		return 0, nil, errFDDI
	}
	return packet.Default, data[fddiHdrLen:], nil
}
