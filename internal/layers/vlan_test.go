package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

func wantVLAN(has bool, id uint16, hasInner bool, inner uint16) func(t *testing.T, p *packet.Packet, h *harness) {
	return func(t *testing.T, p *packet.Packet, _ *harness) {
		t.Helper()
		if p.HasVLAN != has || p.VLAN != id || p.HasInnerVLAN != hasInner || p.InnerVLAN != inner {
			t.Errorf("vlan = %v/%d inner %v/%d, want %v/%d inner %v/%d",
				p.HasVLAN, p.VLAN, p.HasInnerVLAN, p.InnerVLAN, has, id, hasInner, inner)
		}
	}
}

func outerTag(id uint16) func(*packet.Packet) {
	return func(p *packet.Packet) { p.VLAN, p.HasVLAN = id, true }
}

func twoTags(outer, inner uint16) func(*packet.Packet) {
	return func(p *packet.Packet) {
		p.VLAN, p.HasVLAN = outer, true
		p.InnerVLAN, p.HasInnerVLAN = inner, true
	}
}

const triple = "triple_tagged_vlan_unsupported@VLAN(inner VLAN tag overwritten)"

func TestVLAN(t *testing.T) {
	runCases(t, packet.LayerVLAN, []layerCase{
		{name: "first tag", data: cat(tag(0xE000|123, 0x0800), ipv4(20)),
			key: 0x0800, off: 4, n: 20, check: wantVLAN(true, 123, false, 0)},
		{name: "vlan 0 is a tag", data: cat(tag(0, 0x86DD), fill(0x60, 40)),
			key: 0x86DD, off: 4, n: 40, check: wantVLAN(true, 0, false, 0)},
		{name: "pcp and dei are not the id", data: cat(tag(0xF000|0xFFF, 0x0800), ipv4(20)),
			key: 0x0800, off: 4, n: 20, check: wantVLAN(true, 0xFFF, false, 0)},
		{name: "second tag", data: cat(tag(10, 0x0800), ipv4(20)), pre: outerTag(13),
			key: 0x0800, off: 4, n: 20, check: wantVLAN(true, 13, true, 10)},
		{name: "third tag overwrites inner", data: cat(tag(10, 0x0800), ipv4(20)), pre: twoTags(30, 20),
			key: 0x0800, off: 4, n: 20, weirds: []string{triple}, check: wantVLAN(true, 30, true, 10)},
		{name: "stacked tag", data: cat(tag(13, 0x8100), tag(10, 0x0800), ipv4(20)),
			key: 0x8100, off: 4, n: 24},
		{name: "4 bytes", data: tag(10, 0x0800),
			err: "truncated_VLAN_header", weirds: []string{"truncated_VLAN_header@VLAN"}, check: wantVLAN(false, 0, false, 0)},
		{name: "802.3 with 1 byte", data: cat(tag(10, 30), []byte{0xAA}),
			err: "truncated_VLAN_header", weirds: []string{"truncated_VLAN_header@VLAN"}, check: wantVLAN(true, 10, false, 0)},
		{name: "802.3 snap trimmed", data: cat(tag(10, 8), llcSNAP(0x0806), fill(0, 20)),
			key: packet.SNAPForwardingKey, off: 4, n: 8},
		{name: "802.3 novell", data: cat(tag(10, 100), []byte{0xFF, 0xFF}, fill(0, 20)),
			key: packet.NovellForwardingKey, off: 4, n: 22},
		{name: "802.3 llc", data: cat(tag(10, 4), []byte{0x42, 0x42, 0x03, 0x00}, fill(0, 10)),
			key: packet.LLCForwardingKey, off: 4, n: 4},
		{name: "undefined", data: cat(tag(10, 1501), ipv4(20)),
			err: "undefined_vlan_protocol", weirds: []string{"undefined_vlan_protocol@VLAN"}},
		{name: "third tag then undefined", data: cat(tag(10, 1520), ipv4(20)), pre: twoTags(30, 20),
			err:    "undefined_vlan_protocol",
			weirds: []string{triple, "undefined_vlan_protocol@VLAN"}},
	})
}
