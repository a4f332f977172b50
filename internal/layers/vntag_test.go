package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// vnTag builds a VN-Tag (direction bit set, dvif_id 5, svif_id 0x33)
// followed by the next ethertype.
func vnTag(typ uint16) []byte { return cat([]byte{0x80, 0x05, 0x00, 0x33}, be16(typ)) }

func TestVNTag(t *testing.T) {
	runCases(t, packet.LayerVNTag, []layerCase{
		{name: "vlan", data: cat(vnTag(0x8100), tag(11, 0x0800), ipv4(20)),
			key: 0x8100, off: 6, n: 24, check: wantVLAN(false, 0, false, 0)},
		{name: "ipv4", data: cat(vnTag(0x0800), ipv4(20)), key: 0x0800, off: 6, n: 20},
		{name: "length field is not special", data: cat(vnTag(40), llcSNAP(0x0800), ipv4(20)),
			key: 40, off: 6, n: 28},
		{name: "7 bytes", data: cat(vnTag(0x88A8), []byte{0}), key: 0x88A8, off: 6, n: 1},
		{name: "6 bytes", data: vnTag(0x8100),
			err: "truncated_vntag_header", weirds: []string{"truncated_vntag_header@VNTAG"}},
		{name: "empty", data: nil,
			err: "truncated_vntag_header", weirds: []string{"truncated_vntag_header@VNTAG"}},
	})
}

// TestVNTagFrames decodes whole frames: Zeek wires VN-Tag to the three
// VLAN ethertypes only.
func TestVNTagFrames(t *testing.T) {
	outer := eth(macA, macB, 0x8926)
	runFrames(t, []frameCase{
		{name: "vlan", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x8100), tag(11, 0x0800), ipv4(20)),
			ip: true, ipOff: 24, ipN: 20,
			check: func(t *testing.T, p *packet.Packet, h *harness) {
				wantVLAN(true, 11, false, 0)(t, p, h)
				wantL2(macB, macA)(t, p, h)
			}},
		{name: "qinq", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x88A8), tag(3, 0x8100), tag(4, 0x86DD), fill(0x60, 40)),
			ip: true, ipOff: 28, ipN: 40, check: wantVLAN(true, 3, true, 4)},
		{name: "9100", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x9100), tag(5, 0x0800), ipv4(20)),
			ip: true, ipOff: 24, ipN: 20, check: wantVLAN(true, 5, false, 0)},
		// The core.vntag-in-vlan layout: VLAN, VN-Tag, VLAN, IPv4.
		{name: "vlan sandwich", linkType: packet.DLTEN10MB,
			data: cat(eth(macA, macB, 0x8100), tag(250, 0x8926), vnTag(0x8100), tag(250, 0x0800), ipv4(20)),
			ip:   true, ipOff: 28, ipN: 20, check: wantVLAN(true, 250, true, 250)},
		{name: "ipv4 is not wired", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x0800), ipv4(20)),
			unknown: packet.LayerVNTag},
		{name: "vntag in vntag is not wired", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x8926), vnTag(0x8100), tag(1, 0x0800), ipv4(20)),
			unknown: packet.LayerVNTag},
		{name: "truncated", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x8100)),
			weirds: []string{"truncated_vntag_header@VNTAG"}},
		{name: "vlan after vntag truncated", linkType: packet.DLTEN10MB, data: cat(outer, vnTag(0x8100), tag(11, 0x0800)),
			weirds: []string{"truncated_VLAN_header@VLAN"}},
	})
}
