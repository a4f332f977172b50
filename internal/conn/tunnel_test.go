package conn

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/layers"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// tunnelHarness is the connection harness with a TunnelSink: it records
// the tunnel stacks connection tracking announces.
type tunnelHarness struct {
	*harness
	seen []string
}

func (h *tunnelHarness) TunnelsSeen(c *Conn, stack *packet.EncapStack) {
	h.seen = append(h.seen, stackString(stack))
}

func newTunnelHarness(t *testing.T, cfg Config) *tunnelHarness {
	h := &tunnelHarness{harness: &harness{t: t}}
	table, err := packet.Compile(packet.Wiring(), packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	h.dec = packet.NewDecoder(table, h)
	cfg.Seed = 1
	h.m = NewManager(cfg, h)
	h.m.Install(h.dec)
	h.dec.Set(packet.LayerIP, layers.NewIP(h.dec, layers.IPConfig{}, nil))
	h.now = 1_600_000_000_000_000_000
	return h
}

// feedIn decodes a raw IP packet as if it had arrived through the
// tunnels of stack (nil: none).
func (h *tunnelHarness) feedIn(stack *packet.EncapStack, ip []byte) {
	h.now = h.now.Add(ms)
	var p packet.Packet
	p.TS, p.Data, p.WireLen, p.LinkType = h.now, ip, uint32(len(ip)), packet.DLTRaw
	p.Encap = stack
	if stack != nil {
		p.TunnelDepth = stack.Len()
	}
	h.m.Advance(h.now)
	h.dec.Decode(&p)
}

// tunnel returns a stack of one tunnel of type typ between two outer
// hosts (the last byte of 10.9.0.x), with uid {0, n}.
func tunnel(typ packet.TunnelType, a, b byte, n uint64) *packet.EncapStack {
	var s packet.EncapStack
	e := packet.EncapConn{Type: typ, Version: 4, IPProto: 4, UID: [2]uint64{0, n}}
	e.Src = packet.Mapped4([]byte{10, 9, 0, a})
	e.Dst = packet.Mapped4([]byte{10, 9, 0, b})
	if typ == packet.TunnelVXLAN {
		e.Transport, e.IPProto, e.SrcPort, e.DstPort = packet.TransportUDP, 17, 40000, 4789
	}
	s.Push(e)
	return &s
}

func stackString(s *packet.EncapStack) string {
	var parts []string
	for i := 0; i < s.Len(); i++ {
		e := s.At(i)
		parts = append(parts, fmt.Sprintf("%s#%d", strings.TrimPrefix(e.Type.String(), "Tunnel::"), e.UID[1]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// TestTunnelChanges follows one connection whose packets arrive through
// different tunnels (Zeek's Connection::CheckEncapsulation and the
// tunnel_changed handler of base/protocols/conn): every change is
// announced and adds the new innermost tunnel to tunnel_parents, until
// Tunnel::max_changes_per_connection; after that a change raises
// tunnel_max_changes_per_connection_exceeded and 'X', and is taken
// silently.
func TestTunnelChanges(t *testing.T) {
	t1, t2, t3 := tunnel(packet.TunnelIP, 1, 2, 1), tunnel(packet.TunnelIP, 3, 4, 2), tunnel(packet.TunnelGRE, 5, 6, 3)
	// The same tunnel seen the other way round is no change.
	t1r := tunnel(packet.TunnelIP, 2, 1, 1)
	up := func(payload string) []byte { return udpPkt(true, payload) }
	cases := []struct {
		name    string
		max     uint32
		stacks  []*packet.EncapStack
		seen    []string
		parents []uint64
		weirds  []string
		history string
	}{
		{name: "one tunnel", max: 5, stacks: []*packet.EncapStack{t1, t1, t1r},
			seen: []string{"IP#1"}, parents: []uint64{1}, history: "D"},
		{name: "changes accumulate", max: 5, stacks: []*packet.EncapStack{t1, t2, t1, t3},
			seen: []string{"IP#1", "IP#2", "IP#1", "GRE#3"}, parents: []uint64{1, 2, 3}, history: "D"},
		// Leaving the tunnel is a change too, announced with an empty
		// stack; coming back adds no parent twice.
		{name: "leaving and coming back", max: 5, stacks: []*packet.EncapStack{t1, nil, t1},
			seen: []string{"IP#1", "none", "IP#1"}, parents: []uint64{1}, history: "D"},
		// A connection first seen outside tunnels gets its first parent
		// later.
		{name: "entering", max: 5, stacks: []*packet.EncapStack{nil, t2},
			seen: []string{"IP#2"}, parents: []uint64{2}, history: "D"},
		// Tunnel::max_changes_per_connection=1: the second change is one
		// too many. The third packet's stack is then the connection's, so
		// the fourth (same stack) is no change; the fifth is.
		{name: "limit", max: 1, stacks: []*packet.EncapStack{t1, t2, t3, t3, t1},
			seen: []string{"IP#1", "IP#2"}, parents: []uint64{1, 2},
			weirds: []string{"tunnel_max_changes_per_connection_exceeded/", "tunnel_max_changes_per_connection_exceeded/"}, history: "DX"},
		{name: "limit leaving", max: 1, stacks: []*packet.EncapStack{t1, t2, nil, nil},
			seen: []string{"IP#1", "IP#2"}, parents: []uint64{1, 2},
			weirds: []string{"tunnel_max_changes_per_connection_exceeded/"}, history: "DX"},
		// 0: no limit.
		{name: "no limit", max: 0, stacks: []*packet.EncapStack{t1, t2, t1, t2, t1, t2, t1, t2},
			seen: []string{"IP#1", "IP#2", "IP#1", "IP#2", "IP#1", "IP#2", "IP#1", "IP#2"}, parents: []uint64{1, 2}, history: "D"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MaxTunnelChanges = c.max
			h := newTunnelHarness(t, cfg)
			var conn *Conn
			for _, s := range c.stacks {
				h.feedIn(s, up("x"))
				if conn == nil {
					k := h.m.at(0)
					conn = k
				}
			}
			var parents []uint64
			for _, u := range conn.TunnelParents() {
				parents = append(parents, u[1])
			}
			if !slices.Equal(h.seen, c.seen) {
				t.Errorf("announced %v, want %v", h.seen, c.seen)
			}
			if !slices.Equal(parents, c.parents) {
				t.Errorf("tunnel_parents %v, want %v", parents, c.parents)
			}
			if !slices.Equal(h.weird, c.weirds) {
				t.Errorf("weirds %v, want %v", h.weird, c.weirds)
			}
			if got := conn.History(); got != c.history {
				t.Errorf("history %q, want %q", got, c.history)
			}
			last := c.stacks[len(c.stacks)-1]
			if !conn.Encap().Equal(last) {
				t.Errorf("connection's tunnels %s, want those of the last packet %s", stackString(conn.Encap()), stackString(last))
			}
			infos := h.finish()
			if len(infos) != 1 {
				t.Fatalf("%d connections, want 1", len(infos))
			}
			var logged []string
			if infos[0].TunnelParents.Set {
				logged = infos[0].TunnelParents.V
			}
			if len(logged) != len(c.parents) {
				t.Errorf("conn.log tunnel_parents %v, want %d uids", logged, len(c.parents))
			}
		})
	}
}

// TestTunnelWeirdAddl checks the weird's addl: the limit, as Zeek prints
// it.
func TestTunnelWeirdAddl(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxTunnelChanges = 3
	h := newTunnelHarness(t, cfg)
	var addl []string
	sink := &addlSink{tunnelHarness: h, addl: &addl}
	h.m.sink = sink
	for i := 0; i < 6; i++ {
		h.feedIn(tunnel(packet.TunnelIP, byte(i), 99, uint64(i+1)), udpPkt(true, "x"))
	}
	if !slices.Equal(addl, []string{"3", "3"}) {
		t.Errorf("addl %v, want the limit 3 twice (changes 4 and 5)", addl)
	}
}

type addlSink struct {
	*tunnelHarness
	addl *[]string
}

func (s *addlSink) ConnWeird(now zeek.Time, c *Conn, name, addl, source string) {
	*s.addl = append(*s.addl, addl)
}

// udpPkt is a datagram of the flow 10.0.0.1:5000 ↔ 192.0.2.80:53.
func udpPkt(toSrv bool, payload string) []byte {
	ip := pktbuild.IP{Src: cli, Dst: srv}
	u := pktbuild.UDP{SrcPort: 5000, DstPort: 53}
	if !toSrv {
		ip.Src, ip.Dst = srv, cli
		u.SrcPort, u.DstPort = 53, 5000
	}
	return pktbuild.UDPPacket(ip, u, []byte(payload))
}

// TestEncapAs checks the encapsulation a connection stands for when a
// tunnel runs over it (Zeek's EncapsulatingConn(Connection*, type)).
func TestEncapAs(t *testing.T) {
	h := newTunnelHarness(t, DefaultConfig())
	h.feedIn(nil, udpPkt(true, "x"))
	c := h.m.at(0)
	e := c.EncapAs(packet.TunnelVXLAN)
	if e.Type != packet.TunnelVXLAN || e.Transport != packet.TransportUDP || e.IPProto != 17 ||
		e.SrcAddr() != cli || e.DstAddr() != srv || e.SrcPort != 5000 || e.DstPort != 53 || e.UID != c.UID {
		t.Errorf("EncapAs = %+v", e)
	}
	// The connection keeps its tunnel-related flags for the tunnel
	// layers.
	*c.TunnelValid() |= 3
	if *c.TunnelValid() != 3 {
		t.Error("TunnelValid does not keep its bits")
	}
	c.SetPacketAnalyzerState(packet.LayerTeredo, true, false)
	if conf, viol := c.PacketAnalyzerState(packet.LayerTeredo); !conf || viol {
		t.Errorf("state after confirmation: %v %v", conf, viol)
	}
	if conf, viol := c.PacketAnalyzerState(packet.LayerVXLAN); conf || viol {
		t.Errorf("VXLAN state untouched: %v %v", conf, viol)
	}
}
