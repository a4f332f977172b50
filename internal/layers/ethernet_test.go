package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

func wantL2(src, dst []byte) func(t *testing.T, p *packet.Packet, h *harness) {
	return func(t *testing.T, p *packet.Packet, _ *harness) {
		t.Helper()
		if !p.HasL2 || p.L2Src != mac6(src) || p.L2Dst != mac6(dst) {
			t.Errorf("l2 = %v %x > %x, want %x > %x", p.HasL2, p.L2Src, p.L2Dst, src, dst)
		}
	}
}

func noL2(t *testing.T, p *packet.Packet, _ *harness) {
	if p.HasL2 {
		t.Errorf("HasL2 set")
	}
}

func TestEthernet(t *testing.T) {
	cfp := cat(macC, macD, be16(0x8903), be16(0x0000))
	runCases(t, packet.LayerEthernet, []layerCase{
		{name: "ipv4", data: cat(eth(macA, macB, 0x0800), ipv4(20)),
			key: 0x0800, off: 14, n: 20, check: wantL2(macB, macA)},
		{name: "ipv6", data: cat(eth(macA, macB, 0x86DD), fill(0x60, 40)),
			key: 0x86DD, off: 14, n: 40},
		{name: "vlan", data: cat(eth(macA, macB, 0x8100), tag(5, 0x0800), ipv4(20)),
			key: 0x8100, off: 14, n: 24},
		{name: "smallest", data: cat(eth(macA, macB, 0x0800), ipv4(3)),
			key: 0x0800, off: 14, n: 3},
		{name: "16 bytes", data: cat(eth(macA, macB, 0x0800), ipv4(2)),
			err: "truncated_ethernet_frame", weirds: []string{"truncated_ethernet_frame@ETHERNET"}, check: noL2},
		{name: "empty", data: nil,
			err: "truncated_ethernet_frame", weirds: []string{"truncated_ethernet_frame@ETHERNET"}},
		{name: "type 1501", data: cat(eth(macA, macB, 1501), ipv4(20)),
			err: "undefined_ether_type", weirds: []string{"undefined_ether_type@ETHERNET"}},
		{name: "type 1535", data: cat(eth(macA, macB, 1535), ipv4(20)),
			err: "undefined_ether_type", weirds: []string{"undefined_ether_type@ETHERNET"}},
		{name: "type 1536", data: cat(eth(macA, macB, 1536), ipv4(20)),
			key: 1536, off: 14, n: 20},
		{name: "802.3 snap trimmed", data: cat(eth(macA, macB, 10), llcSNAP(0x0800), ipv4(28)),
			key: packet.SNAPForwardingKey, off: 14, n: 10, check: wantL2(macB, macA)},
		{name: "802.3 length 1500 longer than frame", data: cat(eth(macA, macB, 1500), llcSNAP(0x0800), ipv4(20)),
			key: packet.SNAPForwardingKey, off: 14, n: 28},
		{name: "802.3 novell", data: cat(eth(macA, macB, 40), []byte{0xFF, 0xFF}, fill(1, 30)),
			key: packet.NovellForwardingKey, off: 14, n: 32},
		{name: "802.3 llc", data: cat(eth(macA, macB, 3), []byte{0x42, 0x42, 0x03}, fill(0, 43)),
			key: packet.LLCForwardingKey, off: 14, n: 3},
		{name: "802.3 length 0 keeps key", data: cat(eth(macA, macB, 0), []byte{0xAA, 0xAA, 0x03}),
			key: packet.SNAPForwardingKey, off: 14, n: 0},
		{name: "fabricpath", data: cat(cfp, eth(macA, macB, 0x0800), ipv4(20)),
			key: 0x0800, off: 30, n: 20, check: wantL2(macB, macA)},
		{name: "fabricpath 802.3", data: cat(cfp, eth(macA, macB, 2), []byte{0xFF, 0xFF, 0, 0}),
			key: packet.NovellForwardingKey, off: 30, n: 2},
		{name: "fabricpath 31 bytes", data: cat(cfp, eth(macA, macB, 0x0800), ipv4(1)),
			key: 0x0800, off: 30, n: 1},
		{name: "fabricpath 30 bytes", data: cat(cfp, eth(macA, macB, 0x0800)),
			err: "truncated_link_header_cfp", weirds: []string{"truncated_link_header_cfp@ETHERNET"}, check: noL2},
		{name: "fabricpath inner undefined", data: cat(cfp, eth(macA, macB, 1510), ipv4(20)),
			err: "undefined_ether_type", weirds: []string{"undefined_ether_type@ETHERNET"}},
	})
}
