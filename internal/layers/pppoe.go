package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// PPPoE session stage (Zeek's PPPoE analyzer, pppoe/PPPoE.cc), ethertype
// 0x8864.
//
//	ver:4 type:4  code[1]  session[2]  length[2]  PPP protocol[2]  payload...
//
// The length field counts the PPP protocol field and the payload. A frame
// longer than that raises pppoe_extra_data_after_payload, a shorter one
// pppoe_truncated_payload; either way decoding goes on with the payload cut
// to what the length field and the capture both allow.
//
// Packet.PPPoESession is the session id of the outermost PPPoE header, the
// value Zeek's PacketAnalyzer::PPPoE::session_id() returns (it reads the
// first PPPoE header on the packet's analyzer stack).

const (
	pppoeHdrLen = 6 // without the PPP protocol field
	pppoeMinLen = 8 // with it
)

var errTruncatedPPPoE = packet.NewWeird("truncated_pppoe_header")

type pppoeLayer struct {
	d *packet.Decoder
	// bare stands for "no packet" when reporting the one weird Zeek raises
	// without the packet (so it has neither flow nor tunnel context). Only
	// its timestamp is set.
	bare packet.Packet
}

func (l *pppoeLayer) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= pppoeMinLen {
		return 0, nil, errTruncatedPPPoE
	}
	if !p.HasPPPoE {
		p.PPPoESession, p.HasPPPoE = binary.BigEndian.Uint16(data[2:4]), true
	}
	length := int(binary.BigEndian.Uint16(data[4:6]))
	proto := packet.Key(binary.BigEndian.Uint16(data[6:8]))

	if avail := len(data) - pppoeHdrLen; length < avail {
		l.d.Raise("pppoe_extra_data_after_payload", "")
	} else if length > avail {
		l.bare.TS = p.TS
		l.d.RaiseFrom(&l.bare, "pppoe_truncated_payload", "", packet.LayerPPPoE.Name())
	}

	length -= 2 // the PPP protocol field
	if length < 0 {
		length = 0
	}
	payload := data[pppoeMinLen:]
	if length < len(payload) {
		payload = payload[:length]
	}
	return proto, payload, nil
}
