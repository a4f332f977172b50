package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// 802.1Q VLAN tag (Zeek's VLAN analyzer, vlan/VLAN.cc), reached through
// ethertypes 0x8100, 0x88A8 and 0x9100.
//
//	TCI[2] (PCP:3 DEI:1 VID:12)  type/length[2]  payload...
//
// The first tag seen on a packet is recorded as Packet.VLAN, the second as
// Packet.InnerVLAN; a third overwrites the inner one and raises
// triple_tagged_vlan_unsupported, as Zeek does. The type/length field is
// handled like Ethernet's.

const vlanHdrLen = 4

var (
	errTruncatedVLAN    = packet.NewWeird("truncated_VLAN_header")
	errUndefinedVLANPro = packet.NewWeird("undefined_vlan_protocol")
)

type vlanLayer struct {
	d *packet.Decoder
}

func (l *vlanLayer) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= vlanHdrLen {
		return 0, nil, errTruncatedVLAN
	}
	id := binary.BigEndian.Uint16(data[0:2]) & 0x0fff
	switch {
	case !p.HasVLAN:
		p.VLAN, p.HasVLAN = id, true
	default:
		if p.HasInnerVLAN {
			l.d.Raise("triple_tagged_vlan_unsupported", "inner VLAN tag overwritten")
		}
		p.InnerVLAN, p.HasInnerVLAN = id, true
	}

	typ := int(binary.BigEndian.Uint16(data[2:4]))
	if typ >= etherTypeMin {
		return packet.Key(typ), data[vlanHdrLen:], nil
	}
	if typ > etherMaxLength {
		return 0, nil, errUndefinedVLANPro
	}
	return dispatch8023(data[vlanHdrLen:], typ, errTruncatedVLAN)
}
