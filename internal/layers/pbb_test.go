package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// itag is an 802.1ah I-TAG TCI with priority 3 and the given I-SID.
func itag(isid uint32) []byte {
	return []byte{0x60, byte(isid >> 16), byte(isid >> 8), byte(isid)}
}

// backbone sets the backbone MAC addresses (C > D) on the packet, as the
// outer Ethernet layer would.
func backbone(p *packet.Packet) {
	p.L2Src, p.L2Dst, p.HasL2 = mac6(macC), mac6(macD), true
}

func TestPBB(t *testing.T) {
	inner := eth(macA, macB, 0x0800)
	runCases(t, packet.LayerPBB, []layerCase{
		{name: "ipv4", data: cat(itag(0x1234), inner, ipv4(20)), pre: backbone,
			key: packet.Default, off: 4, n: 34, check: wantL2(macC, macD)},
		{name: "19 bytes", data: cat(itag(1), inner, []byte{0x45}),
			key: packet.Default, off: 4, n: 15},
		{name: "18 bytes", data: cat(itag(1), inner), pre: backbone,
			err: "truncated_PBB_header", weirds: []string{"truncated_PBB_header@PBB"}, check: wantL2(macC, macD)},
		{name: "4 bytes", data: itag(1),
			err: "truncated_PBB_header", weirds: []string{"truncated_PBB_header@PBB"}},
		{name: "empty", data: nil,
			err: "truncated_PBB_header", weirds: []string{"truncated_PBB_header@PBB"}},
	})
}

// TestPBBFrames decodes whole frames: the customer frame after the I-TAG
// goes to Ethernet, which replaces the backbone MAC addresses.
func TestPBBFrames(t *testing.T) {
	outer := eth(macD, macC, 0x88E7)
	runFrames(t, []frameCase{
		{name: "ethernet", linkType: packet.DLTEN10MB, data: cat(outer, itag(0x1234), eth(macA, macB, 0x0800), ipv4(20)),
			ip: true, ipOff: 32, ipN: 20, check: wantL2(macB, macA)},
		{name: "vlan", linkType: packet.DLTEN10MB,
			data: cat(eth(macD, macC, 0x8100), tag(0xE000|4051, 0x88E7), itag(9), eth(macA, macB, 0x86DD), fill(0x60, 40)),
			ip:   true, ipOff: 36, ipN: 40,
			check: func(t *testing.T, p *packet.Packet, h *harness) {
				wantL2(macB, macA)(t, p, h)
				wantVLAN(true, 4051, false, 0)(t, p, h)
			}},
		{name: "customer vlan", linkType: packet.DLTEN10MB,
			data: cat(outer, itag(9), eth(macA, macB, 0x8100), tag(42, 0x0800), ipv4(20)),
			ip:   true, ipOff: 36, ipN: 20,
			check: wantVLAN(true, 42, false, 0)},
		{name: "customer arp", linkType: packet.DLTEN10MB,
			data:  cat(outer, itag(9), eth(macA, macB, 0x0806), arpPkt(1, macB, ip1, make([]byte, 6), ip2)),
			check: wantARP(1, 0, 0, true)},
		{name: "customer frame truncated keeps backbone addresses", linkType: packet.DLTEN10MB,
			data:   cat(outer, itag(9), eth(macA, macB, 0x0800), []byte{0x45, 0}),
			weirds: []string{"truncated_ethernet_frame@ETHERNET"}, check: wantL2(macC, macD)},
		{name: "truncated", linkType: packet.DLTEN10MB, data: cat(outer, itag(9), eth(macA, macB, 0x0800)),
			weirds: []string{"truncated_PBB_header@PBB"}, check: wantL2(macC, macD)},
		{name: "unknown customer ethertype", linkType: packet.DLTEN10MB, data: cat(outer, itag(9), eth(macA, macB, 0x88B5), fill(0, 30)),
			unknown: packet.LayerEthernet},
		// Zeek: max_packet_analyzer_depth_exceeded from ETHERNET for
		// pbb-recursive-frames.pcapng (the 25th layer is an Ethernet).
		// Eleven PBB headers make 24 layers with IP; twelve make 26, and
		// the 25th, an Ethernet, may not hand on.
		{name: "11 deep", linkType: packet.DLTEN10MB, data: pbbNest(11, ipv4(20)),
			ip: true, ipOff: 14 + 11*18, ipN: 20, check: wantL2(macC, macD)},
		{name: "12 deep", linkType: packet.DLTEN10MB, data: pbbNest(12, ipv4(20)),
			weirds: []string{"max_packet_analyzer_depth_exceeded@ETHERNET"}},
		{name: "recursive", linkType: packet.DLTEN10MB, data: pbbNest(30, ipv4(20)),
			weirds: []string{"max_packet_analyzer_depth_exceeded@ETHERNET"}},
	})
}
