package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

func pppoeHdr(session, length, proto uint16) []byte {
	return cat([]byte{0x11, 0x00}, be16(session), be16(length), be16(proto))
}

func wantSession(id uint16) func(t *testing.T, p *packet.Packet, h *harness) {
	return func(t *testing.T, p *packet.Packet, _ *harness) {
		t.Helper()
		if !p.HasPPPoE || p.PPPoESession != id {
			t.Errorf("session = %v/%d, want %d", p.HasPPPoE, p.PPPoESession, id)
		}
	}
}

func TestPPPoE(t *testing.T) {
	inTunnel := func(p *packet.Packet) {
		p.TunnelDepth = 1
		p.IP.Valid = true
	}
	runCases(t, packet.LayerPPPoE, []layerCase{
		{name: "exact", data: cat(pppoeHdr(0x11, 22, 0x0021), ipv4(20)),
			key: 0x0021, off: 8, n: 20, check: wantSession(0x11)},
		{name: "ipv6", data: cat(pppoeHdr(7, 42, 0x0057), fill(0x60, 40)),
			key: 0x0057, off: 8, n: 40, check: wantSession(7)},
		{name: "padding", data: cat(pppoeHdr(0x11, 22, 0x0021), ipv4(20), fill(0, 10)),
			key: 0x0021, off: 8, n: 20, weirds: []string{"pppoe_extra_data_after_payload@PPPOE"}},
		{name: "short", data: cat(pppoeHdr(0x11, 100, 0x0021), ipv4(20)),
			key: 0x0021, off: 8, n: 20, weirds: []string{"pppoe_truncated_payload@PPPOE"}},
		{name: "short in tunnel is reported without packet", data: cat(pppoeHdr(0x11, 100, 0x0021), ipv4(20)), pre: inTunnel,
			key: 0x0021, off: 8, n: 20, weirds: []string{"pppoe_truncated_payload@PPPOE"},
			check: func(t *testing.T, _ *packet.Packet, h *harness) {
				if w := h.sink.weirds[0]; w.Tunnel != 0 || w.Flow {
					t.Errorf("weird context = tunnel %d flow %v, want none", w.Tunnel, w.Flow)
				}
			}},
		{name: "padding in tunnel keeps packet", data: cat(pppoeHdr(0x11, 3, 0x0021), ipv4(20)), pre: inTunnel,
			key: 0x0021, off: 8, n: 1, weirds: []string{"pppoe_extra_data_after_payload@PPPOE"},
			check: func(t *testing.T, _ *packet.Packet, h *harness) {
				if w := h.sink.weirds[0]; w.Tunnel != 1 || !w.Flow {
					t.Errorf("weird context = tunnel %d flow %v, want the packet's", w.Tunnel, w.Flow)
				}
			}},
		{name: "length below protocol field", data: cat(pppoeHdr(0x11, 1, 0x0021), []byte{0x45}),
			key: 0x0021, off: 8, n: 0, weirds: []string{"pppoe_extra_data_after_payload@PPPOE"}},
		{name: "length 2", data: cat(pppoeHdr(0x11, 2, 0xc021), fill(0, 4)),
			key: 0xc021, off: 8, n: 0, weirds: []string{"pppoe_extra_data_after_payload@PPPOE"}},
		{name: "outermost session wins", data: cat(pppoeHdr(0x22, 22, 0x0021), ipv4(20)),
			pre: func(p *packet.Packet) { p.PPPoESession, p.HasPPPoE = 5, true },
			key: 0x0021, off: 8, n: 20, check: wantSession(5)},
		{name: "8 bytes", data: pppoeHdr(0x11, 2, 0x0021),
			err: "truncated_pppoe_header", weirds: []string{"truncated_pppoe_header@PPPOE"},
			check: func(t *testing.T, p *packet.Packet, _ *harness) {
				if p.HasPPPoE {
					t.Error("session recorded from a truncated header")
				}
			}},
	})
}

func TestPPPoETruncatedWeirdTimestamp(t *testing.T) {
	h := newHarness(t)
	var ts []int64
	h.d = packet.NewDecoder(mustTable(t), weirdFunc(func(p *packet.Packet, name, _, _ string) {
		ts = append(ts, int64(p.TS))
	}))
	h.link = Install(h.d)
	h.d.Set(packet.LayerIP, h.ip)
	p := &packet.Packet{TS: 12345, LinkType: packet.DLTEN10MB,
		Data: cat(eth(macA, macB, 0x8864), pppoeHdr(1, 200, 0x0021), ipv4(20))}
	h.d.Decode(p)
	if len(ts) != 1 || ts[0] != 12345 {
		t.Fatalf("weird timestamps = %v, want [12345]", ts)
	}
	if h.ip.n != 1 {
		t.Fatalf("ip saw %d packets, want 1", h.ip.n)
	}
}

type weirdFunc func(p *packet.Packet, name, addl, source string)

func (f weirdFunc) PacketWeird(p *packet.Packet, name, addl, source string) { f(p, name, addl, source) }

func mustTable(t testing.TB) *packet.Table {
	t.Helper()
	tbl, err := packet.Compile(packet.Wiring(), packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}
