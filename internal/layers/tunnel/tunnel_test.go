package tunnel

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// tcase is one table-driven case: frames through the harness, and the
// connections, weirds, confirmations and violations Zeek's analyzers
// (src/packet_analysis/protocol/{iptunnel,gre,vxlan,geneve,teredo,ayiya,
// gtpv1}) produce for them.
type tcase struct {
	name   string
	tcfg   func(*TunnelConfig)
	ccfg   func(*conn.Config)
	frames [][]byte
	wire   []int // wire lengths by frame (0 or missing: the frame's length)
	// conns are the finished connections' summaries, sorted by id.
	conns  []string
	events []string
	// seed is the tunnel payload given to the fuzz target of the
	// encapsulation (the frames carry it).
	seed []byte
}

func runCase(t *testing.T, c tcase) *harness {
	t.Helper()
	tcfg, ccfg := DefaultTunnelConfig(), conn.DefaultConfig()
	if c.tcfg != nil {
		c.tcfg(&tcfg)
	}
	if c.ccfg != nil {
		c.ccfg(&ccfg)
	}
	h := newHarness(t, tcfg, ccfg)
	for i, f := range c.frames {
		wire := len(f)
		if i < len(c.wire) && c.wire[i] != 0 {
			wire = c.wire[i]
		}
		h.feedWire(f, wire)
	}
	conns := h.finish()
	var got []string
	for _, r := range conns {
		got = append(got, r.summary())
	}
	want := slices.Clone(c.conns)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("connections:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if !slices.Equal(h.events, c.events) {
		t.Errorf("events:\n\t%s\nwant:\n\t%s", strings.Join(h.events, "\n\t"), strings.Join(c.events, "\n\t"))
	}
	h.checkParents(conns)
	return h
}

func runCases(t *testing.T, cases []tcase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) { runCase(t, c) })
	}
}

// Summaries of connections used in several cases.
const (
	tcpInner  = "tcp 192.168.0.1:40000 > 192.168.0.2:80"
	tcpDeep   = "tcp 172.16.0.1:40000 > 172.16.0.2:80"
	udpInner  = "udp 192.168.0.1:5000 > 192.168.0.2:6000"
	tcpInner6 = "tcp [2001:db8:1::1]:40000 > [2001:db8:1::2]:80"
	ipTun     = "IP 10.0.0.1 > 10.0.0.2"
	greTun    = "GRE 10.0.0.1 > 10.0.0.2"
)

// ---------------------------------------------------------------------
// IP-in-IP (Zeek: packet_analysis/protocol/iptunnel/IPTunnel.cc).

func ipInIP(inner []byte) []byte { return eth(pktbuild.IPInIP(v4(outerA, outerB), inner)) }

func ipTunnelCases() []tcase {
	in6 := pktbuild.TCPPacket(v4(inner6A, inner6B), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Flags: pktbuild.SYN}, nil)
	nested := pktbuild.IPInIP(v4(innerA, innerB), syn(deepA, deepB))
	data := pktbuild.TCPPacket(v4(innerA, innerB), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Seq: 101, Flags: pktbuild.ACK}, make([]byte, 100))
	full := ipInIP(data)
	return []tcase{
		{name: "ip4-in-ip4", seed: syn(innerA, innerB),
			frames: [][]byte{ipInIP(syn(innerA, innerB)), eth(pktbuild.IPInIP(v4(outerB, outerA), synAck(innerB, innerA)))},
			conns:  []string{tcpInner + " Sh in " + ipTun}},
		{name: "ip6-in-ip4", seed: in6, frames: [][]byte{ipInIP(in6)},
			conns: []string{tcpInner6 + " S in " + ipTun}},
		{name: "ip4-in-ip6", frames: [][]byte{eth(pktbuild.IPInIP(v4(outer6, outer6B), syn(innerA, innerB)))},
			conns: []string{tcpInner + " S in IP 2001:db8::1 > 2001:db8::2"}},
		{name: "nested", seed: nested, frames: [][]byte{ipInIP(nested)},
			conns: []string{tcpDeep + " S in " + ipTun + " / IP 192.168.0.1 > 192.168.0.2"}},
		{name: "nested past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 1 }, frames: [][]byte{ipInIP(nested)},
			events: []string{"weird flow 192.168.0.1>192.168.0.2 exceeded_tunnel_max_depth_in_tunnel@IPTUNNEL"}},
		// Zeek checks the depth only of packets already in a tunnel, so
		// max_depth 0 still lets the first tunnel through.
		{name: "max_depth 0", tcfg: func(c *TunnelConfig) { c.MaxDepth = 0 },
			frames: [][]byte{ipInIP(syn(innerA, innerB)), ipInIP(nested)},
			conns:  []string{tcpInner + " S in " + ipTun},
			events: []string{"weird flow 192.168.0.1>192.168.0.2 exceeded_tunnel_max_depth_in_tunnel@IPTUNNEL"}},
		// The inner packet is checked against the outer one
		// (IP::ParsePacket): its version, and its length against what
		// the outer packet holds (the capture's, not the wire's).
		{name: "wrong inner version", frames: [][]byte{eth(ip4proto(41, syn(innerA, innerB)))},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 invalid_inner_IP_version@IPTUNNEL"}},
		{name: "short inner ipv4", frames: [][]byte{ipInIP(syn(innerA, innerB)[:19])},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 invalid_inner_IP_version@IPTUNNEL"}},
		{name: "short inner ipv6", frames: [][]byte{ipInIP(in6[:39])},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 truncated_inner_IP@IPTUNNEL"}},
		{name: "truncated inner", frames: [][]byte{ipInIP(data[:len(data)-10])},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 truncated_inner_IP@IPTUNNEL"}},
		{name: "cut-off capture", frames: [][]byte{full[:len(full)-40]}, wire: []int{len(full)},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 truncated_inner_IP@IPTUNNEL"}},
		{name: "inner with trailer", frames: [][]byte{ipInIP(cat(data, make([]byte, 6)))},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 inner_IP_payload_length_mismatch@IPTUNNEL"}},
	}
}

func TestIPTunnel(t *testing.T) { runCases(t, ipTunnelCases()) }

// ip4proto is an IPv4 packet 10.0.0.1 → 10.0.0.2 of protocol proto with
// payload.
func ip4proto(proto uint8, payload []byte) []byte {
	ip := v4(outerA, outerB)
	ip.Proto = proto
	return ip.Build(payload)
}

// ---------------------------------------------------------------------
// GRE (Zeek: packet_analysis/protocol/gre/GRE.cc, then IPTunnel.cc).

func greFrame(g pktbuild.GRE, payload []byte) []byte {
	return eth(pktbuild.GREPacket(v4(outerA, outerB), g, payload))
}

// greRaw is an IP packet of protocol 47 with the given bytes as payload.
func greRaw(b []byte) []byte {
	ip := v4(outerA, outerB)
	ip.Proto = 47
	return eth(ip.Build(b))
}

func pptpFrame(pppProto uint16, inner []byte) []byte {
	return greRaw(pktbuild.PPTP(1, 1, pppProto, inner))
}

// wifiFrame is an 802.11 data frame with LLC/SNAP carrying an IP packet.
func wifiFrame(ip []byte) []byte {
	h := make([]byte, 24)
	h[0] = 0x08
	h = append(h, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)
	return append(h, ip...)
}

func greCases() []tcase {
	ip4 := pktbuild.GRE{Proto: 0x0800}
	inner := syn(innerA, innerB)
	erspan2 := cat(make([]byte, 8), eth(inner))
	erspan3 := cat(make([]byte, 12), eth(inner))
	erspan3p := cat(make([]byte, 11), []byte{1}, make([]byte, 8), eth(inner))
	in6 := pktbuild.TCPPacket(v4(inner6A, inner6B), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Flags: pktbuild.SYN}, nil)
	long := append(slices.Clone(inner), 0, 0, 0, 0)
	short := inner[:30]
	flow := "weird flow 10.0.0.1>10.0.0.2 "
	grePayload := append(ip4.Header(), inner...)
	cutGRE := greFrame(ip4, pktbuild.TCPPacket(v4(innerA, innerB), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Seq: 101, Flags: pktbuild.ACK}, make([]byte, 100)))
	return []tcase{
		{name: "ip4", seed: grePayload, frames: [][]byte{greFrame(ip4, inner)},
			conns: []string{tcpInner + " S in " + greTun}},
		{name: "optional fields", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x0800, Checksum: true, Key: true, Seq: true, KeyVal: 9}, inner)},
			conns: []string{tcpInner + " S in " + greTun}},
		{name: "both directions", frames: [][]byte{greFrame(ip4, inner),
			eth(pktbuild.GREPacket(v4(outerB, outerA), ip4, synAck(innerB, innerA)))},
			conns: []string{tcpInner + " Sh in " + greTun}},
		{name: "ip6", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x86dd}, in6)},
			conns: []string{tcpInner6 + " S in " + greTun}},
		{name: "transparent ethernet", seed: append(pktbuild.GRE{Proto: 0x6558}.Header(), eth(inner)...),
			frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x6558}, eth(inner))},
			conns:  []string{tcpInner + " S in " + greTun}},
		{name: "erspan I", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x88be}, eth(inner))},
			conns: []string{tcpInner + " S in " + greTun}},
		{name: "erspan II", seed: append(pktbuild.GRE{Proto: 0x88be, Seq: true}.Header(), erspan2...),
			frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x88be, Seq: true}, erspan2)},
			conns:  []string{tcpInner + " S in " + greTun}},
		{name: "erspan III", seed: append(pktbuild.GRE{Proto: 0x22eb, Seq: true}.Header(), erspan3p...),
			frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x22eb, Seq: true}, erspan3), greFrame(pktbuild.GRE{Proto: 0x22eb, Seq: true}, erspan3p)},
			conns:  []string{tcpInner + " S in " + greTun}},
		{name: "aruba", seed: append(pktbuild.GRE{Proto: 0x8200}.Header(), wifiFrame(inner)...),
			frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x8200}, wifiFrame(inner)), greFrame(pktbuild.GRE{Proto: 0x9000}, wifiFrame(inner))},
			conns:  []string{tcpInner + " S in " + greTun}},
		{name: "pptp ip4", seed: pktbuild.PPTP(1, 1, 0x0021, inner), frames: [][]byte{pptpFrame(0x0021, inner)},
			conns: []string{tcpInner + " S in " + greTun}},
		{name: "pptp ip6", frames: [][]byte{pptpFrame(0x0057, in6)},
			conns: []string{tcpInner6 + " S in " + greTun}},
		// An IP tunnel keeps its uid, and its type, whichever way its
		// packets go (IPTunnel.cc: ip_tunnels by the address pair).
		{name: "ip and gre between the same hosts", frames: [][]byte{ipInIP(inner), greFrame(ip4, udpMsg(innerA, innerB, "x"))},
			conns: []string{tcpInner + " S in " + ipTun, udpInner + " D in " + ipTun}},
		// GRE over UDP: the tunnel's transport comes from the outer IP
		// protocol (TunnelEncapsulation.h), its ports are 0.
		{name: "over udp", frames: [][]byte{eth(udpTo(outerA, outerB, 40000, pktbuild.PortGRE, grePayload))},
			conns: []string{tcpInner + " S in GRE/udp 10.0.0.1:0 > 10.0.0.2:0", "udp 10.0.0.1:40000 > 10.0.0.2:4754 D"}},

		// What GRE version 0 carries is decoded as a frame of its own,
		// whose wire length is what was captured (IPTunnel.cc builds it
		// with len = caplen): a cut-off capture shows inside.
		{name: "cut-off capture", frames: [][]byte{cutGRE[:len(cutGRE)-40]}, wire: []int{len(cutGRE)},
			events: []string{"weird net truncated_IP_len_in_tunnel@IP"}},

		{name: "truncated", frames: [][]byte{greRaw([]byte{0, 0})},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated ethernet", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x6558}, make([]byte, 14))},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated erspan I", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x88be}, make([]byte, 14))},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated erspan II", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x88be, Seq: true}, make([]byte, 20))},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated erspan III", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x22eb}, make([]byte, 26))},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated erspan III platform header", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x22eb}, cat(make([]byte, 11), []byte{1}, make([]byte, 22)))},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated aruba", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x8200}, nil)},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated optional fields", frames: [][]byte{greRaw(pktbuild.GRE{Proto: 0x0800, Key: true, Seq: true}.Header()[:8])},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "truncated pptp", frames: [][]byte{greRaw(pktbuild.PPTP(1, 1, 0x0021, nil)[:13])},
			events: []string{flow + "truncated_GRE@GRE"}},
		{name: "version 2", frames: [][]byte{greFrame(pktbuild.GRE{Version: 2, Proto: 0x0800}, inner)},
			events: []string{flow + "unknown_gre_version(version=2)@GRE"}},
		{name: "enhanced gre without ppp", frames: [][]byte{greFrame(pktbuild.GRE{Version: 1, Proto: 0x0800, Key: true}, inner)},
			events: []string{flow + "egre_protocol_type(proto=2048)@GRE"}},
		{name: "routing", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x0800, ExtraFlags: 0x4000}, inner)},
			events: []string{flow + "gre_routing@GRE"}},
		{name: "reserved flags", frames: [][]byte{greFrame(pktbuild.GRE{Proto: 0x0800, ExtraFlags: 0x0010}, inner)},
			events: []string{flow + "unknown_gre_flags@GRE"}},
		{name: "pptp lcp", frames: [][]byte{pptpFrame(0xc021, make([]byte, 20))},
			events: []string{flow + "non_ip_packet_in_encap@GRE"}},
		// What GRE unwrapped is checked by the IPTunnel analyzer, which
		// names itself in the weird (Zeek's gre-in-gre-min-depth
		// baseline shows IPTUNNEL).
		{name: "pptp wrong ip version", frames: [][]byte{pptpFrame(0x0021, in6)},
			events: []string{flow + "invalid_inner_IP_version@IPTUNNEL"}},
		{name: "pptp short ip", frames: [][]byte{pptpFrame(0x0021, inner[:10])},
			events: []string{flow + "invalid_inner_IP_version@IPTUNNEL"}},
		{name: "pptp truncated ip", frames: [][]byte{pptpFrame(0x0021, short)},
			events: []string{flow + "truncated_inner_IP@IPTUNNEL"}},
		{name: "pptp ip with trailer", frames: [][]byte{pptpFrame(0x0021, long)},
			events: []string{flow + "inner_IP_payload_length_mismatch@IPTUNNEL"}},
		{name: "gre in gre past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 1 },
			frames: [][]byte{greFrame(ip4, pktbuild.GREPacket(v4(innerA, innerB), ip4, syn(deepA, deepB)))},
			events: []string{"weird flow 192.168.0.1>192.168.0.2 exceeded_tunnel_max_depth_in_tunnel@IPTUNNEL"}},
	}
}

func TestGRE(t *testing.T) { runCases(t, greCases()) }

// ---------------------------------------------------------------------
// VXLAN (Zeek: packet_analysis/protocol/vxlan/VXLAN.cc).

const (
	vxlanConn   = "udp 10.0.0.1:40000 > 10.0.0.2:4789"
	vxlanTunnel = "VXLAN/udp 10.0.0.1:40000 > 10.0.0.2:4789"
)

func vxlanFrame(src, dst netip.Addr, sport uint16, payload []byte) []byte {
	return eth(udpTo(src, dst, sport, pktbuild.PortVXLAN, payload))
}

func vx(inner []byte) []byte { return append(pktbuild.VXLANHeader(42), inner...) }

func vxlanCases() []tcase {
	inner := eth(syn(innerA, innerB))
	a, b := outerA, outerB
	noI := vx(inner)
	noI[0] = 0
	// Three VXLAN tunnels inside each other, each between other hosts.
	level3 := vx(eth(syn(coreA, coreB)))
	level2 := vx(eth(udpTo(deepA, deepB, 40000, pktbuild.PortVXLAN, level3)))
	level1 := vxlanFrame(a, b, 40000, vx(eth(udpTo(innerA, innerB, 40000, pktbuild.PortVXLAN, level2))))
	innerVX := "VXLAN/udp 192.168.0.1:40000 > 192.168.0.2:4789"
	deepVX := "VXLAN/udp 172.16.0.1:40000 > 172.16.0.2:4789"
	return []tcase{
		{name: "inner tcp", seed: vx(inner), frames: [][]byte{vxlanFrame(a, b, 40000, vx(inner))},
			conns:  []string{tcpInner + " S in " + vxlanTunnel, vxlanConn + " D svc=VXLAN"},
			events: []string{"confirm VXLAN"}},
		// The answer comes over another outer connection: the inner
		// connection's tunnel changes and both are its parents
		// (TunnelEncapsulation.h compares VXLAN tunnels by uid).
		{name: "two outer connections", frames: [][]byte{vxlanFrame(a, b, 40000, vx(inner)), vxlanFrame(b, a, 40001, vx(eth(synAck(innerB, innerA))))},
			conns: []string{tcpInner + " Sh in VXLAN/udp 10.0.0.2:40001 > 10.0.0.1:4789", vxlanConn + " D svc=VXLAN",
				"udp 10.0.0.2:40001 > 10.0.0.1:4789 D svc=VXLAN"},
			events: []string{"confirm VXLAN", "confirm VXLAN"}},
		{name: "no I flag", seed: noI, frames: [][]byte{vxlanFrame(a, b, 40000, noI), vxlanFrame(a, b, 40000, vx(inner))},
			conns:  []string{vxlanConn + " D"},
			events: []string{"violation VXLAN: VXLAN 'I' flag not set"}},
		{name: "truncated header", frames: [][]byte{vxlanFrame(a, b, 40000, []byte{8, 0, 0})},
			conns:  []string{vxlanConn + " D"},
			events: []string{"violation VXLAN: VXLAN header truncation"}},
		{name: "empty", frames: [][]byte{vxlanFrame(a, b, 40000, pktbuild.VXLANHeader(1))},
			conns:  []string{vxlanConn + " D svc=VXLAN"},
			events: []string{"confirm VXLAN", "weird flow 10.0.0.1>10.0.0.2 vxlan_empty_packet@VXLAN"}},
		{name: "not ethernet inside", frames: [][]byte{vxlanFrame(a, b, 40000, vx([]byte{1, 2, 3}))},
			conns:  []string{vxlanConn + " D svc=VXLAN"},
			events: []string{"confirm VXLAN", "weird net truncated_ethernet_frame_in_tunnel@ETHERNET"}},
		{name: "three deep", seed: level2, frames: [][]byte{level1},
			conns: []string{"udp 172.16.0.1:40000 > 172.16.0.2:4789 D svc=VXLAN in " + vxlanTunnel + " / " + innerVX,
				"tcp 172.17.0.1:40000 > 172.17.0.2:80 S in " + vxlanTunnel + " / " + innerVX + " / " + deepVX,
				vxlanConn + " D svc=VXLAN",
				"udp 192.168.0.1:40000 > 192.168.0.2:4789 D svc=VXLAN in " + vxlanTunnel},
			events: []string{"confirm VXLAN", "confirm VXLAN", "confirm VXLAN"}},
		// Tunnel::max_depth 2: the third VXLAN layer is one too many; the
		// connection it runs over gets history 'X' (VXLAN.cc).
		{name: "three deep past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 2 }, frames: [][]byte{level1},
			conns: []string{"udp 172.16.0.1:40000 > 172.16.0.2:4789 DX in " + vxlanTunnel + " / " + innerVX,
				vxlanConn + " D svc=VXLAN",
				"udp 192.168.0.1:40000 > 192.168.0.2:4789 D svc=VXLAN in " + vxlanTunnel},
			events: []string{"confirm VXLAN", "confirm VXLAN",
				"weird flow 172.16.0.1>172.16.0.2 exceeded_tunnel_max_depth_in_tunnel@VXLAN"}},
	}
}

func TestVXLAN(t *testing.T) { runCases(t, vxlanCases()) }

// ---------------------------------------------------------------------
// Geneve (Zeek: packet_analysis/protocol/geneve/Geneve.cc).

const (
	geneveConn   = "udp 10.0.0.1:40000 > 10.0.0.2:6081"
	geneveTunnel = "GENEVE/udp 10.0.0.1:40000 > 10.0.0.2:6081"
)

func geneveFrame(payload []byte) []byte {
	return eth(udpTo(outerA, outerB, 40000, pktbuild.PortGeneve, payload))
}

func gnv(g pktbuild.Geneve, inner []byte) []byte { return append(g.Header(), inner...) }

func geneveCases() []tcase {
	inner := syn(innerA, innerB)
	in6 := pktbuild.TCPPacket(v4(inner6A, inner6B), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Flags: pktbuild.SYN}, nil)
	opts := cat(pktbuild.GeneveOption(0x0102, 0x80, []byte{1, 2, 3, 4}), pktbuild.GeneveOption(0xffff, 1, nil))
	withOpts := gnv(pktbuild.Geneve{Proto: 0x6558, VNI: 5, Options: opts}, eth(inner))
	badOpts := pktbuild.Geneve{Proto: 0x6558}.Header()
	badOpts[0] = 3 // three words of options that are not there
	v1 := gnv(pktbuild.Geneve{Version: 1, Proto: 0x6558}, eth(inner))
	confirm := []string{"confirm GENEVE"}
	return []tcase{
		{name: "ethernet", seed: gnv(pktbuild.Geneve{Proto: 0x6558}, eth(inner)), frames: [][]byte{geneveFrame(gnv(pktbuild.Geneve{Proto: 0x6558}, eth(inner)))},
			conns: []string{tcpInner + " S in " + geneveTunnel, geneveConn + " D svc=GENEVE"}, events: confirm},
		{name: "ipv4", frames: [][]byte{geneveFrame(gnv(pktbuild.Geneve{Proto: 0x0800}, inner))},
			conns: []string{tcpInner + " S in " + geneveTunnel, geneveConn + " D svc=GENEVE"}, events: confirm},
		{name: "ipv6", frames: [][]byte{geneveFrame(gnv(pktbuild.Geneve{Proto: 0x86dd}, in6))},
			conns: []string{tcpInner6 + " S in " + geneveTunnel, geneveConn + " D svc=GENEVE"}, events: confirm},
		{name: "options", seed: withOpts, frames: [][]byte{geneveFrame(withOpts)},
			conns: []string{tcpInner + " S in " + geneveTunnel, geneveConn + " D svc=GENEVE"}, events: confirm},
		// A payload type without an analyzer: confirmed, nothing inside.
		{name: "unknown payload", frames: [][]byte{geneveFrame(gnv(pktbuild.Geneve{Proto: 0x1234}, inner))},
			conns: []string{geneveConn + " D svc=GENEVE"}, events: confirm},
		{name: "truncated header", frames: [][]byte{geneveFrame([]byte{0, 0, 0x65, 0x58})},
			conns:  []string{geneveConn + " D"},
			events: []string{"violation GENEVE: Geneve header truncation"}},
		{name: "truncated options", seed: badOpts, frames: [][]byte{geneveFrame(badOpts), geneveFrame(withOpts)},
			conns:  []string{geneveConn + " D"},
			events: []string{"violation GENEVE: Geneve option header truncation"}},
		// A version other than 0 is a weird on the outer flow, and the
		// analyzer stays willing (no violation).
		{name: "version 1", frames: [][]byte{geneveFrame(v1), geneveFrame(withOpts)},
			conns:  []string{tcpInner + " S in " + geneveTunnel, geneveConn + " D svc=GENEVE"},
			events: []string{"weird flow 10.0.0.1>10.0.0.2 geneve_invalid_version(1)@GENEVE", "confirm GENEVE"}},
		{name: "past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 1 },
			frames: [][]byte{ipInIP(udpTo(innerA, innerB, 40000, pktbuild.PortGeneve, gnv(pktbuild.Geneve{Proto: 0x0800}, syn(deepA, deepB))))},
			conns:  []string{"udp 192.168.0.1:40000 > 192.168.0.2:6081 DX in " + ipTun},
			events: []string{"weird flow 192.168.0.1>192.168.0.2 exceeded_tunnel_max_depth_in_tunnel@GENEVE"}},
		{name: "empty", frames: [][]byte{geneveFrame(pktbuild.Geneve{Proto: 0x6558, Options: opts}.Header())},
			conns:  []string{geneveConn + " D svc=GENEVE"},
			events: []string{"confirm GENEVE", "weird flow 10.0.0.1>10.0.0.2 geneve_empty_packet@GENEVE"}},
	}
}

func TestGeneve(t *testing.T) { runCases(t, geneveCases()) }

// ---------------------------------------------------------------------
// Teredo (Zeek: packet_analysis/protocol/teredo/Teredo.cc).

const (
	teredoConn   = "udp 10.0.0.1:40000 > 10.0.0.2:3544"
	teredoTunnel = "TEREDO/udp 10.0.0.1:40000 > 10.0.0.2:3544"
)

var (
	teredoClient = pktbuild.TeredoAddr(outerB, outerA, 40000)
	native6      = pktbuild.V6("2001:db8:2::1")
)

// teredoUDP is an IPv6 UDP datagram between the Teredo client and a
// native IPv6 host (toNative: from the client).
func teredoUDP(toNative bool, payload string) []byte {
	ip, u := v4(teredoClient, native6), pktbuild.UDP{SrcPort: 7000, DstPort: 53}
	if !toNative {
		ip.Src, ip.Dst = native6, teredoClient
		u.SrcPort, u.DstPort = 53, 7000
	}
	return pktbuild.UDPPacket(ip, u, []byte(payload))
}

// teredoFrame carries a Teredo payload between the client (10.0.0.1:40000)
// and the server port; toServer gives the direction.
func teredoFrame(toServer bool, port uint16, payload []byte) []byte {
	if toServer {
		return eth(udpTo(outerA, outerB, 40000, port, payload))
	}
	return eth(udpTo(outerB, outerA, port, 40000, payload))
}

func teredoCases() []tcase {
	client := "udp [" + teredoClient.String() + "]:7000 > [2001:db8:2::1]:53 "
	inner := client + "Dd in " + teredoTunnel
	q, r := teredoUDP(true, "query"), teredoUDP(false, "reply")
	auth := pktbuild.Teredo{Auth: true, ClientID: []byte("id"), AuthValue: []byte("value"), Nonce: 1}
	origin := pktbuild.Teredo{Origin: true, OriginPort: 40000, OriginAddr: outerA}
	both := pktbuild.Teredo{Auth: true, Nonce: 2, Origin: true, OriginPort: 40000, OriginAddr: outerA}
	bubble := pktbuild.TeredoBubble(teredoClient, native6)
	confirmed := [][]byte{teredoFrame(true, pktbuild.PortTeredo, q), teredoFrame(false, pktbuild.PortTeredo, r)}
	// after sends one more packet over a confirmed Teredo connection.
	after := func(payload []byte) [][]byte {
		return append(slices.Clone(confirmed), teredoFrame(true, pktbuild.PortTeredo, payload))
	}
	long := append(slices.Clone(q), 0, 0)
	trunc := q[:len(q)-2]
	tconn := teredoConn + " Dd svc=TEREDO"
	bad := "violation TEREDO: Bad Teredo encapsulation"
	return []tcase{
		// Tunnel::delay_teredo_confirmation (T): confirmed only once both
		// sides sent valid Teredo packets.
		{name: "both directions", seed: q, frames: confirmed,
			conns: []string{inner, tconn}, events: []string{"confirm TEREDO"}},
		{name: "one direction", frames: confirmed[:1],
			conns: []string{client + "D in " + teredoTunnel, teredoConn + " D"}},
		{name: "no delay", tcfg: func(c *TunnelConfig) { c.DelayTeredoConfirmation = false }, frames: confirmed[:1],
			conns:  []string{client + "D in " + teredoTunnel, teredoConn + " D svc=TEREDO"},
			events: []string{"confirm TEREDO"}},
		// Off its port Teredo is found by looking at the payload.
		{name: "detected", frames: [][]byte{teredoFrame(true, 50000, q), teredoFrame(false, 50000, r)},
			conns: []string{client + "Dd in TEREDO/udp 10.0.0.1:40000 > 10.0.0.2:50000",
				"udp 10.0.0.1:40000 > 10.0.0.2:50000 Dd svc=TEREDO"},
			events: []string{"confirm TEREDO"}},
		{name: "not teredo off its port", frames: [][]byte{teredoFrame(true, 50000, []byte("hello, this is not an IPv6 packet inside UDP at all"))},
			conns: []string{"udp 10.0.0.1:40000 > 10.0.0.2:50000 D"}},
		{name: "authentication", seed: append(auth.Header(), q...),
			frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, append(auth.Header(), q...)), teredoFrame(false, pktbuild.PortTeredo, append(auth.Header(), r...))},
			conns:  []string{inner, tconn}, events: []string{"confirm TEREDO"}},
		// Zeek's detection looks for an origin indication after an
		// authentication header (Teredo.cc DetectProtocol): without one
		// and off the Teredo port, this is not Teredo.
		{name: "authentication alone not detected", frames: [][]byte{teredoFrame(true, 50000, append(auth.Header(), q...))},
			conns: []string{"udp 10.0.0.1:40000 > 10.0.0.2:50000 D"}},
		{name: "origin indication detected", seed: append(origin.Header(), r...),
			frames: [][]byte{teredoFrame(true, 50000, append(origin.Header(), q...)), teredoFrame(false, 50000, append(both.Header(), r...))},
			conns: []string{client + "Dd in TEREDO/udp 10.0.0.1:40000 > 10.0.0.2:50000",
				"udp 10.0.0.1:40000 > 10.0.0.2:50000 Dd svc=TEREDO"},
			events: []string{"confirm TEREDO"}},
		// A bubble has no next header; the IP layer raises no
		// ipv6_no_next inside Teredo.
		{name: "bubble", seed: bubble, frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, bubble), teredoFrame(false, pktbuild.PortTeredo, bubble)},
			conns: []string{teredoConn + " Dd svc=TEREDO"}, events: []string{"confirm TEREDO"}},
		// A bubble with bytes after it: a weird even before confirmation.
		{name: "bubble with payload", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, append(slices.Clone(bubble), 1, 2, 3))},
			conns:  []string{teredoConn + " D"},
			events: []string{"weird conn Teredo_bubble_with_payload@TEREDO"}},
		{name: "bad encapsulation", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, []byte("not teredo")), teredoFrame(true, pktbuild.PortTeredo, q)},
			conns: []string{teredoConn + " D"}, events: []string{bad}},
		{name: "two origin indications", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, cat(origin.Header(), origin.Header(), q))},
			conns: []string{teredoConn + " D"}, events: []string{bad}},
		{name: "authentication after origin", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, cat(origin.Header(), auth.Header(), q))},
			conns: []string{teredoConn + " D"}, events: []string{bad}},
		// The truncation weirds only once Teredo is confirmed.
		{name: "truncated before confirmation", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, []byte{0x60})},
			conns: []string{teredoConn + " D"}, events: []string{bad}},
		{name: "truncated", frames: after([]byte{0x60}), conns: []string{inner, tconn},
			events: []string{"confirm TEREDO", "weird conn truncated_Teredo@TEREDO", bad}},
		{name: "truncated after origin", frames: after(origin.Header()), conns: []string{inner, tconn},
			events: []string{"confirm TEREDO", "weird conn truncated_Teredo@TEREDO", bad}},
		{name: "truncated origin", frames: after([]byte{0, 0, 1, 2, 3}), conns: []string{inner, tconn},
			events: []string{"confirm TEREDO", "weird conn truncated_Teredo_origin_indication@TEREDO", bad}},
		{name: "truncated authentication", frames: after([]byte{0, 1, 9}), conns: []string{inner, tconn},
			events: []string{"confirm TEREDO", "weird conn truncated_Teredo_authentication@TEREDO", bad}},
		{name: "truncated authentication data", frames: after([]byte{0, 1, 9, 9, 1, 2, 3}), conns: []string{inner, tconn},
			events: []string{"confirm TEREDO", "weird conn truncated_Teredo_authentication@TEREDO", bad}},
		{name: "truncated ipv6", frames: after(q[:39]), conns: []string{inner, tconn},
			events: []string{"confirm TEREDO", "weird conn truncated_IPv6_in_Teredo@TEREDO", bad}},
		{name: "payload length", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, long)},
			conns: []string{teredoConn + " D"}, events: []string{"violation TEREDO: Teredo payload length"}},
		{name: "truncated payload", frames: [][]byte{teredoFrame(true, pktbuild.PortTeredo, trunc)},
			conns: []string{teredoConn + " D"}, events: []string{"violation TEREDO: Truncated Teredo or invalid inner IP version"}},
		{name: "past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 1 },
			frames: [][]byte{ipInIP(udpTo(innerA, innerB, 40000, pktbuild.PortTeredo, q))},
			conns:  []string{"udp 192.168.0.1:40000 > 192.168.0.2:3544 DX in " + ipTun},
			events: []string{"weird flow 192.168.0.1>192.168.0.2 exceeded_tunnel_max_depth_in_tunnel@TEREDO"}},
	}
}

func TestTeredo(t *testing.T) { runCases(t, teredoCases()) }

// ---------------------------------------------------------------------
// AYIYA (Zeek: packet_analysis/protocol/ayiya/AYIYA.cc).

const (
	ayiyaConn   = "udp 10.0.0.1:40000 > 10.0.0.2:5072"
	ayiyaTunnel = "AYIYA/udp 10.0.0.1:40000 > 10.0.0.2:5072"
)

func ayiyaFrame(port uint16, payload []byte) []byte {
	return eth(udpTo(outerA, outerB, 40000, port, payload))
}

func ayiyaCases() []tcase {
	in6 := pktbuild.TCPPacket(v4(inner6A, inner6B), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Flags: pktbuild.SYN}, nil)
	six := append(pktbuild.AYIYA{NextHeader: 41}.Header(), in6...)
	four := append(pktbuild.AYIYA{NextHeader: 4}.Header(), syn(innerA, innerB)...)
	hdr := pktbuild.AYIYA{NextHeader: 41}.Header()
	confirm := []string{"confirm AYIYA"}
	return []tcase{
		{name: "ipv6", seed: six, frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, six)},
			conns: []string{tcpInner6 + " S in " + ayiyaTunnel, ayiyaConn + " D svc=AYIYA"}, events: confirm},
		{name: "ipv4", seed: four, frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, four)},
			conns: []string{tcpInner + " S in " + ayiyaTunnel, ayiyaConn + " D svc=AYIYA"}, events: confirm},
		{name: "detected", frames: [][]byte{ayiyaFrame(50000, six)},
			conns: []string{tcpInner6 + " S in AYIYA/udp 10.0.0.1:40000 > 10.0.0.2:50000", "udp 10.0.0.1:40000 > 10.0.0.2:50000 D svc=AYIYA"}, events: confirm},
		{name: "large identity", frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, append(pktbuild.AYIYA{IDLenLog: 8, NextHeader: 41}.Header(), in6...))},
			conns: []string{tcpInner6 + " S in " + ayiyaTunnel, ayiyaConn + " D svc=AYIYA"}, events: confirm},
		// Operations other than forward carry no packet (and confirm
		// nothing).
		{name: "echo request", frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, append(pktbuild.AYIYA{OpCode: 2}.Header(), in6...))},
			conns: []string{ayiyaConn + " D"}},
		{name: "unknown next header", frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, append(pktbuild.AYIYA{NextHeader: 17}.Header(), in6...))},
			conns: []string{ayiyaConn + " D svc=AYIYA"}, events: confirm},
		{name: "truncated", frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, hdr[:7]), ayiyaFrame(pktbuild.PortAYIYA, six)},
			conns: []string{ayiyaConn + " D"}, events: []string{"violation AYIYA: Truncated AYIYA"}},
		{name: "truncated identity", frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, hdr[:20])},
			conns: []string{ayiyaConn + " D"}, events: []string{"violation AYIYA: Truncated AYIYA"}},
		{name: "empty", frames: [][]byte{ayiyaFrame(pktbuild.PortAYIYA, hdr)},
			conns:  []string{ayiyaConn + " D svc=AYIYA"},
			events: []string{"confirm AYIYA", "weird flow 10.0.0.1>10.0.0.2 ayiya_empty_packet@AYIYA"}},
		{name: "past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 1 },
			frames: [][]byte{ipInIP(udpTo(innerA, innerB, 40000, pktbuild.PortAYIYA, six))},
			conns:  []string{"udp 192.168.0.1:40000 > 192.168.0.2:5072 DX in " + ipTun},
			events: []string{"weird flow 192.168.0.1>192.168.0.2 exceeded_tunnel_max_depth_in_tunnel@AYIYA"}},
	}
}

func TestAYIYA(t *testing.T) { runCases(t, ayiyaCases()) }

// ---------------------------------------------------------------------
// GTPv1 (Zeek: packet_analysis/protocol/gtpv1/GTPv1.cc and
// gtpv1-analyzer.pac).

const (
	gtpConn   = "udp 10.0.0.1:40000 > 10.0.0.2:2152"
	gtpTunnel = "GTPv1/udp 10.0.0.1:40000 > 10.0.0.2:2152"
)

// gtpFrame carries a GTP message between 10.0.0.1:40000 and the GTP-U
// port (toServer gives the direction).
func gtpFrame(toServer bool, payload []byte) []byte {
	if toServer {
		return eth(udpTo(outerA, outerB, 40000, pktbuild.PortGTPU, payload))
	}
	return eth(udpTo(outerB, outerA, pktbuild.PortGTPU, 40000, payload))
}

func gtpCases() []tcase {
	up := udpMsg(innerA, innerB, "up")
	down := pktbuild.UDPPacket(v4(innerB, innerA), pktbuild.UDP{SrcPort: 6000, DstPort: 5000}, []byte("down"))
	in6 := pktbuild.TCPPacket(v4(inner6A, inner6B), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Flags: pktbuild.SYN}, nil)
	ext := append(pktbuild.GTPv1{Ext: [][]byte{{1, 2}, {3, 4, 5, 6, 7, 8}}}.Header(len(up)), up...)
	seq := append(pktbuild.GTPv1{Seq: true, SeqNum: 7}.Header(len(up)), up...)
	// E flag with a next type of 0 in the optional fields: the binpac
	// grammar still reads one extension header.
	extZero := pktbuild.GTPv1{Ext: [][]byte{{1, 2}}}.Header(len(up))
	extZero[11] = 0
	extZero = append(extZero, up...)
	v0 := append(pktbuild.GTPv1{Version: 2}.Header(len(up)), up...)
	prime := append(pktbuild.GTPv1{GTPPrime: true}.Header(len(up)), up...)
	create := append(pktbuild.GTPv1{MsgType: 16}.Header(4), 1, 2, 3, 4)
	short := pktbuild.GTPv1U(1, up[:19])
	notIP := pktbuild.GTPv1U(1, make([]byte, 30))
	truncIP := pktbuild.GTPv1U(1, up[:len(up)-1])
	longIP := pktbuild.GTPv1U(1, append(slices.Clone(up), 0))
	gtpInGTP := pktbuild.GTPv1U(1, udpTo(innerA, innerB, 40000, pktbuild.PortGTPU, pktbuild.GTPv1U(2, syn(deepA, deepB))))
	in := udpInner + " D in " + gtpTunnel
	svc := gtpConn + " D svc=GTPV1"
	confirm := []string{"confirm GTPV1"}
	return []tcase{
		{name: "g-pdu", seed: pktbuild.GTPv1U(1, up), frames: [][]byte{gtpFrame(true, pktbuild.GTPv1U(1, up))},
			conns: []string{in, svc}, events: confirm},
		{name: "ipv6", frames: [][]byte{gtpFrame(true, pktbuild.GTPv1U(1, in6))},
			conns: []string{tcpInner6 + " S in " + gtpTunnel, svc}, events: confirm},
		{name: "sequence number", seed: seq, frames: [][]byte{gtpFrame(true, seq)}, conns: []string{in, svc}, events: confirm},
		{name: "extension headers", seed: ext, frames: [][]byte{gtpFrame(true, ext)}, conns: []string{in, svc}, events: confirm},
		{name: "extension header with next type 0", seed: extZero, frames: [][]byte{gtpFrame(true, extZero)}, conns: []string{in, svc}, events: confirm},
		{name: "gtp-c port", frames: [][]byte{eth(udpTo(outerA, outerB, 40000, pktbuild.PortGTPC, pktbuild.GTPv1U(1, up)))},
			conns: []string{udpInner + " D in GTPv1/udp 10.0.0.1:40000 > 10.0.0.2:2123", "udp 10.0.0.1:40000 > 10.0.0.2:2123 D svc=GTPV1"}, events: confirm},
		// Tunnel::delay_gtp_confirmation: confirmed once both sides sent
		// valid G-PDUs.
		{name: "delayed confirmation", tcfg: func(c *TunnelConfig) { c.DelayGTPConfirmation = true },
			frames: [][]byte{gtpFrame(true, pktbuild.GTPv1U(1, up)), gtpFrame(true, pktbuild.GTPv1U(1, up)), gtpFrame(false, pktbuild.GTPv1U(1, down))},
			conns:  []string{udpInner + " Dd in " + gtpTunnel, gtpConn + " Dd svc=GTPV1"}, events: confirm},
		{name: "delayed confirmation one side", tcfg: func(c *TunnelConfig) { c.DelayGTPConfirmation = true },
			frames: [][]byte{gtpFrame(true, pktbuild.GTPv1U(1, up)), gtpFrame(true, pktbuild.GTPv1U(1, up))},
			conns:  []string{in, gtpConn + " D"}},
		// Each message clears its side's validity first: a control message
		// in between keeps the connection unconfirmed.
		{name: "delayed confirmation reset", tcfg: func(c *TunnelConfig) { c.DelayGTPConfirmation = true },
			frames: [][]byte{gtpFrame(true, pktbuild.GTPv1U(1, up)), gtpFrame(true, create), gtpFrame(false, pktbuild.GTPv1U(1, down))},
			conns:  []string{udpInner + " Dd in " + gtpTunnel, gtpConn + " Dd"}},
		{name: "control message", seed: create, frames: [][]byte{gtpFrame(true, create)}, conns: []string{gtpConn + " D"}},
		{name: "gtp prime", frames: [][]byte{gtpFrame(true, prime)}, conns: []string{gtpConn + " D"}},
		{name: "version", frames: [][]byte{gtpFrame(true, v0)}, conns: []string{gtpConn + " D"},
			events: []string{"violation GTPV1: GTPv1 bad Version"}},
		{name: "truncated header", frames: [][]byte{gtpFrame(true, []byte{0x30, 0xff, 0, 4})}, conns: []string{gtpConn + " D"},
			events: []string{"violation GTPV1: Binpac exception: binpac exception: out_of_bound: GTPv1_Header"}},
		{name: "short packet", frames: [][]byte{gtpFrame(true, short)}, conns: []string{gtpConn + " D"},
			events: []string{"violation GTPV1: Truncated GTPv1"}},
		{name: "not ip", frames: [][]byte{gtpFrame(true, notIP)}, conns: []string{gtpConn + " D"},
			events: []string{"violation GTPV1: non-IP packet in GTPv1"}},
		{name: "truncated ip", frames: [][]byte{gtpFrame(true, truncIP)}, conns: []string{gtpConn + " D"},
			events: []string{"violation GTPV1: Truncated GTPv1"}},
		{name: "ip with trailer", frames: [][]byte{gtpFrame(true, longIP)}, conns: []string{gtpConn + " D"},
			events: []string{"violation GTPV1: GTPv1 payload length"}},
		// GTP does not stop at a violation (GTPv1.cc does not check it):
		// later G-PDUs are still decapsulated, without confirmation.
		{name: "after a violation", frames: [][]byte{gtpFrame(true, notIP), gtpFrame(true, pktbuild.GTPv1U(1, up))},
			conns: []string{in, gtpConn + " D"}, events: []string{"violation GTPV1: non-IP packet in GTPv1"}},
		{name: "gtp in gtp", seed: gtpInGTP, frames: [][]byte{gtpFrame(true, gtpInGTP)},
			conns:  []string{"udp 192.168.0.1:40000 > 192.168.0.2:2152 D in " + gtpTunnel, svc},
			events: []string{"confirm GTPV1", "violation GTPV1: GTP-in-GTP"}},
		// Past Tunnel::max_depth GTP raises tunnel_depth, a weird without
		// a flow (gtpv1-analyzer.pac), and no 'X'.
		{name: "past max_depth", tcfg: func(c *TunnelConfig) { c.MaxDepth = 1 },
			frames: [][]byte{ipInIP(udpTo(innerA, innerB, 40000, pktbuild.PortGTPU, pktbuild.GTPv1U(1, syn(deepA, deepB))))},
			conns:  []string{"udp 192.168.0.1:40000 > 192.168.0.2:2152 D in " + ipTun},
			events: []string{"weird net tunnel_depth@GTPV1"}},
	}
}

func TestGTPv1(t *testing.T) { runCases(t, gtpCases()) }

// TestIPTunnelUID: an IP tunnel keeps its uid, whichever way its packets
// go, while it is active; once Zeek's IPTunnelTimer finds it idle for
// Tunnel::ip_tunnel_timeout it is forgotten and the next packet starts a
// tunnel with a new uid. The timer fires ip_tunnel_timeout after the
// tunnel started and, while the tunnel is active, again one timeout later.
func TestIPTunnelUID(t *testing.T) {
	cfg := DefaultTunnelConfig()
	cfg.IPTunnelTimeout = 10 * zeek.Second
	h := newHarness(t, cfg, conn.DefaultConfig())
	// Each packet is a new inner connection (another source port).
	pkt := func(port uint16, back bool) []byte {
		ip := v4(outerA, outerB)
		if back {
			ip.Src, ip.Dst = outerB, outerA
		}
		return eth(pktbuild.IPInIP(ip, pktbuild.UDPPacket(v4(innerA, innerB), pktbuild.UDP{SrcPort: port, DstPort: 53}, nil)))
	}
	h.feedAfter(0, pkt(1, false))              // t=0: tunnel starts, timer at 10
	h.feedAfter(5*zeek.Second, pkt(2, true))   // t=5: active, the other way round
	h.feedAfter(7*zeek.Second, pkt(3, false))  // t=12: timer due at 10 finds it 7 s idle; next at 22
	h.feedAfter(9*zeek.Second, pkt(4, false))  // t=21: still active
	h.feedAfter(20*zeek.Second, pkt(5, false)) // t=41: the timer due at 22 finds it 20 s idle: new uid
	h.feedAfter(1*zeek.Second, pkt(6, true))   // t=42: the new tunnel
	conns := h.finish()
	uidOf := func(port int) [2]uint64 {
		c := find(conns, fmt.Sprintf("udp 192.168.0.1:%d > 192.168.0.2:53", port))
		if c == nil {
			t.Fatalf("no connection from port %d", port)
		}
		return c.last
	}
	first, second := uidOf(1), uidOf(5)
	for port, want := range map[int][2]uint64{2: first, 3: first, 4: first, 6: second} {
		if got := uidOf(port); got != want {
			t.Errorf("connection from port %d in tunnel %v, want %v", port, got, want)
		}
	}
	if first == second {
		t.Errorf("the tunnel kept its uid %v after being idle for longer than the timeout", first)
	}
}

// TestMaxIPTunnels: Heron bounds the IP tunnels it remembers; when the
// bound is reached the idle ones go first and the others keep their uids.
func TestMaxIPTunnels(t *testing.T) {
	cfg := DefaultTunnelConfig()
	cfg.MaxIPTunnels = 4
	h := newHarness(t, cfg, conn.DefaultConfig())
	for i := 0; i < 20; i++ {
		ip := v4(outerA, pktbuild.V4(fmt.Sprintf("10.1.0.%d", i+1)))
		h.feed(eth(pktbuild.IPInIP(ip, pktbuild.UDPPacket(v4(innerA, innerB), pktbuild.UDP{SrcPort: uint16(1000 + i), DstPort: 53}, nil))))
		if len(h.tn.ip) > cfg.MaxIPTunnels {
			t.Fatalf("%d IP tunnels remembered, bound %d", len(h.tn.ip), cfg.MaxIPTunnels)
		}
	}
	if len(h.finish()) != 20 {
		t.Errorf("%d connections, want 20", len(h.conns))
	}
}

// nestIP wraps a TCP SYN in n levels of IP-in-IP, each between its own
// pair of hosts (10.0.i.1 → 10.0.i.2, outermost i = 0).
func nestIP(n int) []byte {
	p := syn(coreA, coreB)
	for i := n - 1; i >= 0; i-- {
		p = pktbuild.IPInIP(v4(pktbuild.V4(fmt.Sprintf("10.0.%d.1", i)), pktbuild.V4(fmt.Sprintf("10.0.%d.2", i))), p)
	}
	return eth(p)
}

// TestDeepNesting: deeply nested tunnels end in a weird, never in a
// crash or unbounded work: Tunnel::max_depth up to Heron's maximum
// (packet.MaxEncapDepth), and before that PacketAnalyzer::max_depth, the
// longest chain of layers (each IP-in-IP level is two: IP and IPTUNNEL).
func TestDeepNesting(t *testing.T) {
	for _, c := range []struct {
		name       string
		levels     int
		tunDepth   int
		layerDepth int
		want       string
		conn       bool
	}{
		{"within both limits", 10, packet.MaxEncapDepth, 0, "", true},
		{"tunnel limit", 40, packet.MaxEncapDepth, 0,
			"weird flow 10.0.16.1>10.0.16.2 exceeded_tunnel_max_depth_in_tunnel@IPTUNNEL", false},
		// Ethernet, then IP and IPTUNNEL per level: the 25th layer is
		// the IPTUNNEL of the twelfth level, which cannot hand its inner
		// packet (no IP header yet: a net weird) to the IP layer.
		{"layer limit", 40, packet.MaxEncapDepth, 25,
			"weird net max_packet_analyzer_depth_exceeded_in_tunnel@IPTUNNEL", false},
		{"limit above heron's", 40, 1000, 0,
			"weird flow 10.0.16.1>10.0.16.2 exceeded_tunnel_max_depth_in_tunnel@IPTUNNEL", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultTunnelConfig()
			cfg.MaxDepth = c.tunDepth
			h := newHarness(t, cfg, conn.DefaultConfig())
			h.d.MaxDepth = c.layerDepth
			h.feed(nestIP(c.levels))
			conns := h.finish()
			if got := len(conns) == 1; got != c.conn {
				t.Errorf("innermost connection found: %v, want %v", got, c.conn)
			}
			var want []string
			if c.want != "" {
				want = []string{c.want}
			}
			if !slices.Equal(h.events, want) {
				t.Errorf("events %v, want %v", h.events, want)
			}
			if c.conn && strings.Count(conns[0].encap, "IP ") != c.levels {
				t.Errorf("tunnels %s, want %d", conns[0].encap, c.levels)
			}
		})
	}
}
