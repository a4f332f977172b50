package tunnel

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/layers"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Addresses of the test traffic: the outer tunnel endpoints, the hosts
// inside the first tunnel and those inside the second.
var (
	outerA  = pktbuild.V4("10.0.0.1")
	outerB  = pktbuild.V4("10.0.0.2")
	innerA  = pktbuild.V4("192.168.0.1")
	innerB  = pktbuild.V4("192.168.0.2")
	deepA   = pktbuild.V4("172.16.0.1")
	deepB   = pktbuild.V4("172.16.0.2")
	coreA   = pktbuild.V4("172.17.0.1")
	coreB   = pktbuild.V4("172.17.0.2")
	outer6  = pktbuild.V6("2001:db8::1")
	outer6B = pktbuild.V6("2001:db8::2")
	inner6A = pktbuild.V6("2001:db8:1::1")
	inner6B = pktbuild.V6("2001:db8:1::2")
)

// tunnelPorts are Zeek's default ports of the tunnels over UDP.
var tunnelPorts = map[packet.LayerID][]uint16{
	packet.LayerVXLAN:  {pktbuild.PortVXLAN},
	packet.LayerGeneve: {pktbuild.PortGeneve},
	packet.LayerTeredo: {pktbuild.PortTeredo},
	packet.LayerAYIYA:  {pktbuild.PortAYIYA},
	packet.LayerGTPv1:  {pktbuild.PortGTPU, pktbuild.PortGTPC},
	packet.LayerGRE:    {pktbuild.PortGRE},
}

// harness is a decoder with the link layers, the IP layer, connection
// tracking and the tunnel layers, recording what they report: finished
// connections, weirds, confirmations, violations and tunnel changes.
type harness struct {
	t      testing.TB
	d      *packet.Decoder
	m      *conn.Manager
	tn     *Tunnels
	now    zeek.Time
	uids   uint64
	conns  []connRec
	events []string // weirds, confirmations and violations, in order
	seen   []string // TunnelsSeen calls: the stacks rendered
}

// connRec is a finished connection as the test sees it.
type connRec struct {
	id       string // "udp 10.0.0.1:40000 > 10.0.0.2:4789"
	uid      [2]uint64
	history  string
	services string
	encap    string
	parents  [][2]uint64
	last     [2]uint64 // uid of the innermost tunnel, when in one
}

// summary renders a connection for comparisons.
func (r connRec) summary() string {
	s := r.id + " " + r.history
	if r.services != "" {
		s += " svc=" + r.services
	}
	if r.encap != "" {
		s += " in " + r.encap
	}
	return s
}

func newHarness(t testing.TB, tcfg TunnelConfig, ccfg conn.Config) *harness {
	t.Helper()
	h := &harness{t: t, now: zeek.Time(1_600_000_000 * zeek.Second)}
	rows := append(packet.Wiring(), packet.TunnelPortRows(tunnelPorts)...)
	table, err := packet.Compile(rows, packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	h.d = packet.NewDecoder(table, h)
	layers.Install(h.d)
	ccfg.Seed = 7
	h.m = conn.NewManager(ccfg, h)
	h.m.Install(h.d)
	h.d.Set(packet.LayerIP, layers.NewIP(h.d, layers.IPConfig{}, nil))
	h.tn = NewTunnels(h.d, env{h}, tcfg)
	h.tn.Install()
	return h
}

// feed decodes an Ethernet frame one millisecond after the previous one.
func (h *harness) feed(frame []byte) { h.feedWire(frame, len(frame)) }

// feedAfter decodes an Ethernet frame gap after the previous one.
func (h *harness) feedAfter(gap zeek.Interval, frame []byte) {
	h.now = h.now.Add(gap - zeek.Millisecond)
	h.feed(frame)
}

// feedWire decodes an Ethernet frame of wire length wire (more than
// len(frame) for a cut-off capture).
func (h *harness) feedWire(frame []byte, wire int) {
	h.now = h.now.Add(zeek.Millisecond)
	var p packet.Packet
	p.TS, p.Data, p.WireLen, p.LinkType = h.now, frame[:len(frame):len(frame)], uint32(wire), packet.DLTEN10MB
	h.m.Advance(h.now)
	h.d.Decode(&p)
}

// finish ends every connection and returns them, sorted by id.
func (h *harness) finish() []connRec {
	h.m.Flush()
	slices.SortFunc(h.conns, func(a, b connRec) int { return strings.Compare(a.id, b.id) })
	return h.conns
}

// checkParents checks that every connection in a tunnel names the
// innermost tunnel among its tunnel_parents.
func (h *harness) checkParents(conns []connRec) {
	h.t.Helper()
	for _, c := range conns {
		if c.encap == "" {
			if len(c.parents) != 0 {
				h.t.Errorf("%s: tunnel_parents %v outside any tunnel", c.id, c.parents)
			}
			continue
		}
		if !slices.Contains(c.parents, c.last) {
			h.t.Errorf("%s: tunnel_parents %v lack the innermost tunnel's uid %v", c.id, c.parents, c.last)
		}
	}
}

// find returns the finished connection with the given id.
func find(conns []connRec, id string) *connRec {
	for i := range conns {
		if conns[i].id == id {
			return &conns[i]
		}
	}
	return nil
}

func endpoint(a netip.Addr, port uint16) string {
	return netip.AddrPortFrom(a, port).String()
}

// renderEncap renders a stack: each tunnel as TYPE and its endpoints,
// outermost first, joined by " / ".
func renderEncap(s *packet.EncapStack) string {
	var parts []string
	for i := 0; i < s.Len(); i++ {
		e := s.At(i)
		typ := strings.TrimPrefix(e.Type.String(), "Tunnel::")
		switch e.Transport {
		case packet.TransportUnknown:
			parts = append(parts, fmt.Sprintf("%s %s > %s", typ, e.SrcAddr(), e.DstAddr()))
		default:
			parts = append(parts, fmt.Sprintf("%s/%s %s > %s", typ, transportName(e.Transport),
				endpoint(e.SrcAddr(), e.SrcPort), endpoint(e.DstAddr(), e.DstPort)))
		}
	}
	return strings.Join(parts, " / ")
}

func transportName(t uint8) string {
	switch t {
	case packet.TransportTCP:
		return "tcp"
	case packet.TransportUDP:
		return "udp"
	case packet.TransportICMP:
		return "icmp"
	}
	return "unknown"
}

// conn.Sink and conn.TunnelSink.

func (h *harness) ConnDone(c *conn.Conn) {
	r := connRec{
		id:       fmt.Sprintf("%s %s > %s", c.Transport, endpoint(c.OrigIP(), c.OrigPort), endpoint(c.RespIP(), c.RespPort)),
		uid:      c.UID,
		history:  c.History(),
		services: strings.Join(c.Services(), ","),
		parents:  slices.Clone(c.TunnelParents()),
	}
	if e := c.Encap(); e.Len() > 0 {
		r.encap = renderEncap(e)
		r.last = e.Last().UID
	}
	h.conns = append(h.conns, r)
}

func (h *harness) ConnWeird(now zeek.Time, c *conn.Conn, name, addl, source string) {
	h.event("conn", name, addl, source)
}

func (h *harness) GlobalWeird(string) conn.WeirdVerdict                   { return conn.WeirdUnknown }
func (h *harness) RexmitInconsistency(*conn.Conn, []byte, []byte, string) {}
func (h *harness) ContentGap(*conn.Conn, bool, uint64, uint64)            {}

func (h *harness) TunnelsSeen(c *conn.Conn, stack *packet.EncapStack) {
	h.seen = append(h.seen, renderEncap(stack))
}

// packet.WeirdSink.

func (h *harness) PacketWeird(p *packet.Packet, name, addl, source string) {
	kind := "net"
	if p.IP.Valid {
		kind = "flow " + p.IP.SrcAddr().String() + ">" + p.IP.DstAddr().String()
	}
	if p.TunnelDepth > 0 {
		name += "_in_tunnel"
	}
	h.event(kind, name, addl, source)
}

// env is the harness's TunnelEnv: packet analyzer states as the analyzer
// manager keeps them, weirds through connection tracking.
type env struct{ h *harness }

func (e env) PacketConfirm(c *conn.Conn, id packet.LayerID) {
	h := e.h
	if confirmed, violated := c.PacketAnalyzerState(id); confirmed || violated {
		return
	}
	c.SetPacketAnalyzerState(id, true, false)
	c.AddService(id.Name())
	h.events = append(h.events, "confirm "+id.Name())
}

func (e env) PacketViolation(c *conn.Conn, id packet.LayerID, reason string, data []byte) {
	h := e.h
	if _, violated := c.PacketAnalyzerState(id); violated {
		return
	}
	c.SetPacketAnalyzerState(id, false, true)
	h.events = append(h.events, "violation "+id.Name()+": "+reason)
}

func (e env) ConnWeird(c *conn.Conn, name, addl, source string) { e.h.m.Weird(c, name, addl, source) }

func (e env) NetWeird(name, addl, source string) { e.h.event("net", name, addl, source) }

func (e env) NewUID() [2]uint64 {
	e.h.uids++
	return [2]uint64{0, e.h.uids}
}

func (e env) Now() zeek.Time { return e.h.now }

// event records a weird as "kind name(addl)@source".
func (h *harness) event(kind, name, addl, source string) {
	s := "weird " + kind + " " + name
	if addl != "" {
		s += "(" + addl + ")"
	}
	if source != "" {
		s += "@" + source
	}
	h.events = append(h.events, s)
}

// Frame builders.

// eth wraps an IP packet in Ethernet.
func eth(ip []byte) []byte { return pktbuild.EtherIP(ip) }

// v4 and v6 give IP headers between two hosts.
func v4(src, dst netip.Addr) pktbuild.IP { return pktbuild.IP{Src: src, Dst: dst} }

// syn is a TCP SYN from src:40000 to dst:80; synAck answers it.
func syn(src, dst netip.Addr) []byte {
	return pktbuild.TCPPacket(v4(src, dst), pktbuild.TCP{SrcPort: 40000, DstPort: 80, Seq: 100, Flags: pktbuild.SYN}, nil)
}

func synAck(src, dst netip.Addr) []byte {
	return pktbuild.TCPPacket(v4(src, dst), pktbuild.TCP{SrcPort: 80, DstPort: 40000, Seq: 500, Ack: 101, Flags: pktbuild.SYN | pktbuild.ACK}, nil)
}

// udpMsg is a UDP datagram from src:5000 to dst:6000.
func udpMsg(src, dst netip.Addr, payload string) []byte {
	return pktbuild.UDPPacket(v4(src, dst), pktbuild.UDP{SrcPort: 5000, DstPort: 6000}, []byte(payload))
}

// udpTo is a UDP datagram of the outer hosts from sport to dport.
func udpTo(src, dst netip.Addr, sport, dport uint16, payload []byte) []byte {
	return pktbuild.UDPPacket(v4(src, dst), pktbuild.UDP{SrcPort: sport, DstPort: dport}, payload)
}

// cat joins byte slices.
func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}
