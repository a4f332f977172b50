package node_test

import (
	"net/netip"
	"sync"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// ---------------------------------------------------------------------
// Tunnels: the weirds of Zeek's tunnel packet analyzers
// (src/packet_analysis/protocol/{iptunnel,gre,vxlan,geneve,teredo,ayiya,
// gtpv1}) and of Connection::CheckEncapsulation (src/Conn.cc).
//
// A packet analyzer's Weird(name, packet) goes to session::Manager::Weird
// (src/session/Manager.cc): a flow weird with the packet's (outer) IP
// addresses, the analyzer's name as source, and "_in_tunnel" appended
// when the packet is itself inside a tunnel; Weird(name) without a packet
// is a net weird. Teredo's own weirds are connection weirds
// (TeredoAnalyzer::Weird → reporter->Weird(conn, …)), and so is the
// tunnel-change limit (Session::Weird, no source).

// tunnelPorts are the UDP ports of the tunnel layers as Zeek's default
// scripts register them.
var tunnelPorts = sync.OnceValue(func() map[string][]uint16 {
	loaded, err := scripts.Load(false, nil)
	if err != nil {
		panic(err)
	}
	return node.FeaturesOf(loaded).TunnelPorts
})

// withTunnels gives a case the tunnel layers' ports, then applies more.
func withTunnels(more func(*node.Config)) func(*node.Config) {
	return func(c *node.Config) {
		c.Loaded.TunnelPorts = tunnelPorts()
		if more != nil {
			more(c)
		}
	}
}

func maxDepth(n int) func(*node.Config) {
	return withTunnels(func(c *node.Config) { c.Tunnel.MaxDepth = n })
}

// ipIn is an IP packet src → dst carrying inner in IP-in-IP.
func ipIn(src, dst netip.Addr, inner []byte) []byte {
	return pktbuild.IPInIP(pktbuild.IP{Src: src, Dst: dst}, inner)
}

// gre4 is an IPv4 packet hostA → hostB of protocol 47 with payload.
func gre4(payload []byte) frame {
	ip := pktbuild.IP{Src: hostA, Dst: hostB, Proto: 47}
	return ethIP(ip.Build(payload))
}

// udpAB is a frame hostA:portA → hostB:dport (back: the other way) with
// payload.
func udpAB(back bool, dport uint16, payload []byte) frame {
	return udpFrame(hostA, hostB, back, portA, dport, payload, false)
}

// teredoConfirmed is a Teredo exchange on hostA:portA ↔ hostB:3544 that
// confirms Teredo, then a Teredo datagram with the given payload.
func teredoConfirmed(payload []byte) []frame {
	client := pktbuild.TeredoAddr(hostB, hostA, portA)
	q := pktbuild.UDPPacket(pktbuild.IP{Src: client, Dst: host6B}, pktbuild.UDP{SrcPort: 7000, DstPort: 7001}, []byte("q"))
	r := pktbuild.UDPPacket(pktbuild.IP{Src: host6B, Dst: client}, pktbuild.UDP{SrcPort: 7001, DstPort: 7000}, []byte("r"))
	return []frame{udpAB(false, pktbuild.PortTeredo, q), udpAB(true, pktbuild.PortTeredo, r), udpAB(false, pktbuild.PortTeredo, payload)}
}

func tunnelCases() []weirdCase {
	flow := func(name, source string) []want { return []want{{name: name, kind: flowWeird, source: source}} }
	inner := innerSYN(innerA, innerB)
	v4 := pktbuild.GRE{Proto: 0x0800}
	pptp := func(pppProto uint16, packet []byte) frame { return gre4(pktbuild.PPTP(1, 1, pppProto, packet)) }
	deep := []want{{name: "exceeded_tunnel_max_depth_in_tunnel", kind: flowWeird, source: "IPTUNNEL", orig: innerA, resp: innerB}}
	teredo := func(name string) []want {
		return []want{{name: name, kind: connWeird, source: "TEREDO"}}
	}
	teredoBubble := pktbuild.TeredoBubble(pktbuild.TeredoAddr(hostB, hostA, portA), host6B)
	return []weirdCase{
		// IPTunnel.cc: packet->encap->Depth() >= Tunnel::max_depth, for
		// the packet inside the first tunnel (whose IP header is the
		// middle one).
		{name: "exceeded_tunnel_max_depth/ip", cfg: maxDepth(1),
			frames: []frame{ethIP(ipIn(hostA, hostB, ipIn(innerA, innerB, inner)))}, want: deep},
		// GRE forwards to the IPTunnel analyzer, which checks the depth
		// (Zeek's gre-in-gre-min-depth baseline: source IPTUNNEL).
		{name: "exceeded_tunnel_max_depth/gre", cfg: maxDepth(1),
			frames: []frame{ethIP(pktbuild.GREPacket(pktbuild.IP{Src: hostA, Dst: hostB}, v4, pktbuild.GREPacket(pktbuild.IP{Src: innerA, Dst: innerB}, v4, inner)))},
			want:   deep},
		// VXLAN.cc also marks the connection the tunnel runs over with
		// 'X'; the weird is still a flow weird.
		{name: "exceeded_tunnel_max_depth/vxlan", cfg: maxDepth(1),
			frames: []frame{ethIP(ipIn(hostA, hostB, pktbuild.VXLANPacket(pktbuild.IP{Src: innerA, Dst: innerB}, portA, 1, pktbuild.EtherIP(inner))))},
			want:   []want{{name: "exceeded_tunnel_max_depth_in_tunnel", kind: flowWeird, source: "VXLAN", orig: innerA, resp: innerB}}},
		{name: "exceeded_tunnel_max_depth/geneve", cfg: maxDepth(1),
			frames: []frame{ethIP(ipIn(hostA, hostB, pktbuild.UDPPacket(pktbuild.IP{Src: innerA, Dst: innerB}, pktbuild.UDP{SrcPort: portA, DstPort: pktbuild.PortGeneve},
				append(pktbuild.Geneve{Proto: 0x0800}.Header(), inner...))))},
			want: []want{{name: "exceeded_tunnel_max_depth_in_tunnel", kind: flowWeird, source: "GENEVE", orig: innerA, resp: innerB}}},
		{name: "exceeded_tunnel_max_depth/ayiya", cfg: maxDepth(1),
			frames: []frame{ethIP(ipIn(hostA, hostB, pktbuild.UDPPacket(pktbuild.IP{Src: innerA, Dst: innerB}, pktbuild.UDP{SrcPort: portA, DstPort: pktbuild.PortAYIYA},
				append(pktbuild.AYIYA{NextHeader: 4}.Header(), inner...))))},
			want: []want{{name: "exceeded_tunnel_max_depth_in_tunnel", kind: flowWeird, source: "AYIYA", orig: innerA, resp: innerB}}},
		{name: "exceeded_tunnel_max_depth/teredo", cfg: maxDepth(1),
			frames: []frame{ethIP(ipIn(hostA, hostB, pktbuild.UDPPacket(pktbuild.IP{Src: innerA, Dst: innerB}, pktbuild.UDP{SrcPort: portA, DstPort: pktbuild.PortTeredo}, teredoBubble)))},
			want:   []want{{name: "exceeded_tunnel_max_depth_in_tunnel", kind: flowWeird, source: "TEREDO", orig: innerA, resp: innerB}}},
		// GTP's grammar (gtpv1-analyzer.pac) raises tunnel_depth through
		// the analyzer without a packet: a net weird, no suffix.
		{name: "tunnel_depth", cfg: maxDepth(1),
			frames: []frame{ethIP(ipIn(hostA, hostB, pktbuild.UDPPacket(pktbuild.IP{Src: innerA, Dst: innerB}, pktbuild.UDP{SrcPort: portA, DstPort: pktbuild.PortGTPU}, pktbuild.GTPv1U(1, inner))))},
			want:   []want{{name: "tunnel_depth", kind: netWeird, source: "GTPV1"}}},

		// GRE.cc.
		{name: "truncated_GRE", cfg: withTunnels(nil), frames: []frame{gre4([]byte{0, 0, 8})}, want: flow("truncated_GRE", "GRE")},
		{name: "truncated_GRE/ethernet", cfg: withTunnels(nil), frames: []frame{gre4(append(pktbuild.GRE{Proto: 0x6558}.Header(), zeros(14)...))},
			want: flow("truncated_GRE", "GRE")},
		{name: "unknown_gre_version", cfg: withTunnels(nil), frames: []frame{gre4(append(pktbuild.GRE{Version: 3, Proto: 0x0800}.Header(), inner...))},
			want: []want{{name: "unknown_gre_version", kind: flowWeird, source: "GRE", addl: "version=3"}}},
		{name: "egre_protocol_type", cfg: withTunnels(nil), frames: []frame{gre4(append(pktbuild.GRE{Version: 1, Proto: 0x86dd, Key: true}.Header(), inner...))},
			want: []want{{name: "egre_protocol_type", kind: flowWeird, source: "GRE", addl: "proto=34525"}}},
		{name: "gre_routing", cfg: withTunnels(nil), frames: []frame{gre4(append(pktbuild.GRE{Proto: 0x0800, ExtraFlags: 0x4000}.Header(), inner...))},
			want: flow("gre_routing", "GRE")},
		{name: "unknown_gre_flags", cfg: withTunnels(nil), frames: []frame{gre4(append(pktbuild.GRE{Proto: 0x0800, ExtraFlags: 0x0040}.Header(), inner...))},
			want: flow("unknown_gre_flags", "GRE")},
		{name: "non_ip_packet_in_encap", cfg: withTunnels(nil), frames: []frame{pptp(0x8021, zeros(20))},
			want: flow("non_ip_packet_in_encap", "GRE")},
		// IPTunnel.cc checks what PPTP carries (IP::ParsePacket).
		{name: "invalid_inner_IP_version", cfg: withTunnels(nil), frames: []frame{pptp(0x0057, inner)},
			want: flow("invalid_inner_IP_version", "IPTUNNEL")},
		{name: "truncated_inner_IP", cfg: withTunnels(nil), frames: []frame{pptp(0x0021, inner[:len(inner)-4])},
			want: flow("truncated_inner_IP", "IPTUNNEL")},
		{name: "inner_IP_payload_length_mismatch", cfg: withTunnels(nil), frames: []frame{pptp(0x0021, cat(inner, zeros(4)))},
			want: flow("inner_IP_payload_length_mismatch", "IPTUNNEL")},

		// Tunnels over UDP: a header without a packet after it.
		{name: "vxlan_empty_packet", cfg: withTunnels(nil), frames: []frame{udpAB(false, pktbuild.PortVXLAN, pktbuild.VXLANHeader(1))},
			want: flow("vxlan_empty_packet", "VXLAN")},
		{name: "geneve_invalid_version", cfg: withTunnels(nil), frames: []frame{udpAB(false, pktbuild.PortGeneve, append(pktbuild.Geneve{Version: 2, Proto: 0x0800}.Header(), inner...))},
			want: []want{{name: "geneve_invalid_version", kind: flowWeird, source: "GENEVE", addl: "2"}}},
		{name: "geneve_empty_packet", cfg: withTunnels(nil), frames: []frame{udpAB(false, pktbuild.PortGeneve, pktbuild.Geneve{Proto: 0x0800}.Header())},
			want: flow("geneve_empty_packet", "GENEVE")},
		{name: "ayiya_empty_packet", cfg: withTunnels(nil), frames: []frame{udpAB(false, pktbuild.PortAYIYA, pktbuild.AYIYA{NextHeader: 41}.Header())},
			want: flow("ayiya_empty_packet", "AYIYA")},
		// An empty VXLAN packet inside a tunnel gets the suffix.
		{name: "vxlan_empty_packet/in_tunnel", cfg: withTunnels(nil),
			frames: []frame{ethIP(ipIn(hostA, hostB, pktbuild.UDPPacket(pktbuild.IP{Src: innerA, Dst: innerB}, pktbuild.UDP{SrcPort: portA, DstPort: pktbuild.PortVXLAN}, pktbuild.VXLANHeader(1))))},
			want:   []want{{name: "vxlan_empty_packet_in_tunnel", kind: flowWeird, source: "VXLAN", orig: innerA, resp: innerB}}},

		// Teredo.cc: connection weirds, once Teredo is confirmed on the
		// connection (both directions under delay_teredo_confirmation).
		{name: "truncated_Teredo", cfg: withTunnels(nil), frames: teredoConfirmed([]byte{0x60}), want: teredo("truncated_Teredo")},
		{name: "truncated_Teredo_origin_indication", cfg: withTunnels(nil), frames: teredoConfirmed([]byte{0, 0, 1, 2}),
			want: teredo("truncated_Teredo_origin_indication")},
		{name: "truncated_Teredo_authentication", cfg: withTunnels(nil), frames: teredoConfirmed([]byte{0, 1, 4, 4, 1}),
			want: teredo("truncated_Teredo_authentication")},
		{name: "truncated_IPv6_in_Teredo", cfg: withTunnels(nil), frames: teredoConfirmed(cat([]byte{0x60}, zeros(30))),
			want: teredo("truncated_IPv6_in_Teredo")},
		// Before confirmation the same datagram raises nothing.
		{name: "truncated_Teredo/unconfirmed", cfg: withTunnels(nil), frames: teredoConfirmed([]byte{0x60})[2:], absent: []string{"truncated_Teredo"}},
		// A bubble with data after it is reported even unconfirmed.
		{name: "Teredo_bubble_with_payload", cfg: withTunnels(nil), frames: []frame{udpAB(false, pktbuild.PortTeredo, cat(teredoBubble, zeros(3)))},
			want: teredo("Teredo_bubble_with_payload")},

		// Conn.cc CheckEncapsulation: the inner UDP flow changes tunnels
		// three times with Tunnel::max_changes_per_connection=1; the
		// connection weird is logged once (weird.zeek's per-connection
		// dedup), without a source.
		{name: "tunnel_max_changes_per_connection_exceeded", cfg: withTunnels(func(c *node.Config) { c.Conn.MaxTunnelChanges = 1 }),
			frames: func() []frame {
				var fs []frame
				for i := 0; i < 4; i++ {
					dst := hostB
					if i%2 == 1 {
						dst = hostC
					}
					fs = append(fs, ethIP(ipIn(hostA, dst, innerUDP(innerA, innerB, false, "x"))))
				}
				return fs
			}(),
			want: []want{{name: "tunnel_max_changes_per_connection_exceeded", kind: connWeird, addl: "1", orig: innerA, resp: innerB, at: []int{3}}}},
	}
}
