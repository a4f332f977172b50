package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

var (
	ip1 = [4]byte{10, 0, 0, 1}
	ip2 = [4]byte{10, 0, 0, 2}
)

func fromMAC(m []byte) func(*packet.Packet) {
	return func(p *packet.Packet) { p.L2Src, p.HasL2 = mac6(m), true }
}

func wantARP(req, rep, bad uint64, processed bool) func(t *testing.T, p *packet.Packet, h *harness) {
	return func(t *testing.T, p *packet.Packet, h *harness) {
		t.Helper()
		want := ARPCounts{Requests: req, Replies: rep, Bad: bad}
		if h.link.ARP != want {
			t.Errorf("counts = %+v, want %+v", h.link.ARP, want)
		}
		if p.Processed != processed {
			t.Errorf("processed = %v, want %v", p.Processed, processed)
		}
	}
}

func TestARP(t *testing.T) {
	req := arpPkt(1, macA, ip1, make([]byte, 6), ip2)
	rep := arpPkt(2, macB, ip2, macA, ip1)
	set := func(b []byte, off int, v ...byte) []byte {
		c := cat(b)
		copy(c[off:], v)
		return c
	}
	bigHln := cat(be16(1), be16(0x0800), []byte{255, 4}, be16(1), fill(0, 2*255+8))
	bigPln := cat(be16(1), be16(0x0800), []byte{6, 255}, be16(1), fill(0, 12+2*255))
	runCases(t, packet.LayerARP, []layerCase{
		{name: "request", data: req, pre: fromMAC(macA), key: packet.Stop, check: wantARP(1, 0, 0, true)},
		{name: "request with padding", data: cat(req, fill(0, 18)), pre: fromMAC(macA), key: packet.Stop, check: wantARP(1, 0, 0, true)},
		{name: "reply", data: rep, pre: fromMAC(macB), key: packet.Stop, check: wantARP(0, 1, 0, true)},
		{name: "ieee802 hardware", data: set(req, 1, 6), pre: fromMAC(macA), key: packet.Stop, check: wantARP(1, 0, 0, true)},
		{name: "sender mismatch", data: req, pre: fromMAC(macB), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "no l2 source", data: req, key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "hln 255", data: bigHln, pre: fromMAC(macA), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "pln 255", data: bigPln, pre: fromMAC(macA), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "unknown hardware", data: set(req, 1, 0x20), pre: fromMAC(macA), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "unknown protocol", data: set(req, 2, 0x86, 0xdd), pre: fromMAC(macA), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "rarp opcode", data: set(req, 7, 3), pre: fromMAC(macA), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "invalid opcode", data: set(req, 7, 0), pre: fromMAC(macA), key: packet.Stop, check: wantARP(0, 0, 1, true)},
		{name: "7 bytes", data: req[:7], pre: fromMAC(macA),
			err: "truncated_ARP", weirds: []string{"truncated_ARP@ARP"}, check: wantARP(0, 0, 0, false)},
		{name: "27 bytes", data: req[:27], pre: fromMAC(macA),
			err: "truncated_ARP", weirds: []string{"truncated_ARP@ARP"}, check: wantARP(0, 0, 0, false)},
		{name: "hln 255 cut", data: bigHln[:300], pre: fromMAC(macA),
			err: "truncated_ARP", weirds: []string{"truncated_ARP@ARP"}, check: wantARP(0, 0, 0, false)},
	})
}

func TestClassifyARP(t *testing.T) {
	req := arpPkt(1, macA, ip1, make([]byte, 6), ip2)
	mod := func(off int, v ...byte) []byte {
		c := cat(req)
		copy(c[off:], v)
		return c
	}
	cases := []struct {
		name string
		data []byte
		want arpVerdict
	}{
		{"request", req, arpRequest},
		{"reply", mod(7, 2), arpReply},
		{"hln", mod(4, 8), arpBadHeader},
		{"pln", mod(5, 16), arpBadHeader},
		{"hardware", mod(0, 0, 0x20), arpUnknownHWAddr},
		{"hardware before hln", mod(0, 0, 0x20, 0, 0, 8), arpUnknownHWAddr},
		{"protocol", mod(2, 0x86, 0xdd), arpUnknownProtoAddr},
		{"protocol before pln", mod(2, 0x86, 0xdd, 6, 16), arpUnknownProtoAddr},
		{"sender", mod(8, 9), arpSenderMismatch},
		{"sender before opcode", mod(7, 0x55, 9), arpSenderMismatch},
		{"rarp request", mod(7, 3), arpUnimplementedOpcode},
		{"rarp reply", mod(7, 4), arpUnimplementedOpcode},
		{"inarp request", mod(7, 8), arpUnimplementedOpcode},
		{"inarp reply", mod(7, 9), arpUnimplementedOpcode},
		{"nak", mod(7, 10), arpInvalidOpcode},
		{"zero", mod(7, 0), arpInvalidOpcode},
	}
	for _, c := range cases {
		if got := classifyARP(c.data, mac6(macA)); got != c.want {
			t.Errorf("%s: verdict %d, want %d", c.name, got, c.want)
		}
	}
}
