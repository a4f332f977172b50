package tunnel

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TunnelConfig holds Zeek's tunnel options.
type TunnelConfig struct {
	// MaxDepth is Tunnel::max_depth: the most tunnels a packet may be
	// inside (at most packet.MaxEncapDepth).
	MaxDepth int
	// DelayTeredoConfirmation is Tunnel::delay_teredo_confirmation:
	// confirm Teredo only once both sides sent valid Teredo packets.
	DelayTeredoConfirmation bool
	// DelayGTPConfirmation is Tunnel::delay_gtp_confirmation.
	DelayGTPConfirmation bool
	// IPTunnelTimeout is Tunnel::ip_tunnel_timeout: how long an IP or GRE
	// tunnel keeps its uid without traffic.
	IPTunnelTimeout zeek.Interval
	// MaxIPTunnels bounds the IP and GRE tunnels remembered at once
	// (Heron's bound; Zeek has none). The least recently active are
	// forgotten first.
	MaxIPTunnels int
}

// DefaultTunnelConfig returns Zeek's defaults.
func DefaultTunnelConfig() TunnelConfig {
	return TunnelConfig{
		MaxDepth:                4,
		DelayTeredoConfirmation: true,
		IPTunnelTimeout:         24 * zeek.Hour,
		MaxIPTunnels:            1 << 16,
	}
}

// TunnelEnv is what the tunnel layers need from connection tracking and
// protocol analysis: the state of packet analyzers on connections (which
// adds conn.log services and writes analyzer.log), uids, and network
// time.
type TunnelEnv interface {
	// PacketConfirm reports that packet analyzer id recognised its
	// protocol on c (Zeek's AnalyzerConfirmation).
	PacketConfirm(c *conn.Conn, id packet.LayerID)
	// PacketViolation reports that packet analyzer id found c's traffic
	// broken (Zeek's AnalyzerViolation); data is borrowed.
	PacketViolation(c *conn.Conn, id packet.LayerID, reason string, data []byte)
	// ConnWeird raises a weird on a connection.
	ConnWeird(c *conn.Conn, name, addl, source string)
	// NetWeird raises a weird that names no flow.
	NetWeird(name, addl, source string)
	// NewUID returns a fresh uid.
	NewUID() [2]uint64
	// Now returns network time.
	Now() zeek.Time
}

// Tunnels implements Zeek's tunnel packet analyzers: IP-in-IP (IPTunnel),
// GRE (with PPTP, ERSPAN and Aruba), VXLAN, Geneve, Teredo, AYIYA and
// GTPv1-U. Each decodes its header and hands the inner packet to the
// decoder as a packet of its own, carrying the chain of tunnels it came
// through. A Tunnels belongs to one Decoder's goroutine.
type Tunnels struct {
	d   *packet.Decoder
	env TunnelEnv
	cfg TunnelConfig

	ip map[ipPair]*ipTunnel
}

// ipPair names an IP or GRE tunnel by its two endpoints, lower first.
type ipPair struct{ a, b [16]byte }

// ipTunnel is one IP or GRE tunnel: its encapsulation (with its uid),
// when it was first seen and when it was last active.
type ipTunnel struct {
	ec      packet.EncapConn
	created zeek.Time
	last    zeek.Time
}

// NewTunnels returns the tunnel layers for d.
func NewTunnels(d *packet.Decoder, env TunnelEnv, cfg TunnelConfig) *Tunnels {
	if cfg.MaxDepth > packet.MaxEncapDepth {
		cfg.MaxDepth = packet.MaxEncapDepth
	}
	return &Tunnels{d: d, env: env, cfg: cfg, ip: map[ipPair]*ipTunnel{}}
}

// Install sets the tunnel layers on the decoder, and the detection of
// Teredo and AYIYA below UDP.
func (t *Tunnels) Install() {
	t.d.Set(packet.LayerIPTunnel, packet.AnalyzerFunc(t.analyzeIPTunnel))
	t.d.Set(packet.LayerGRE, packet.AnalyzerFunc(t.analyzeGRE))
	t.d.Set(packet.LayerVXLAN, packet.AnalyzerFunc(t.analyzeVXLAN))
	t.d.Set(packet.LayerGeneve, packet.AnalyzerFunc(t.analyzeGeneve))
	t.d.Set(packet.LayerTeredo, packet.AnalyzerFunc(t.analyzeTeredo))
	t.d.Set(packet.LayerAYIYA, packet.AnalyzerFunc(t.analyzeAYIYA))
	t.d.Set(packet.LayerGTPv1, packet.AnalyzerFunc(t.analyzeGTPv1))
	t.d.SetDetector(packet.LayerUDP, packet.LayerTeredo, detectTeredo)
	t.d.SetDetector(packet.LayerUDP, packet.LayerAYIYA, detectAYIYA)
}

// Errors of the tunnel layers: Zeek's weird names.
var (
	errTunnelDepth        = packet.NewWeird("exceeded_tunnel_max_depth")
	errInvalidInnerIPVer  = packet.NewWeird("invalid_inner_IP_version")
	errTruncatedInnerIP   = packet.NewWeird("truncated_inner_IP")
	errInnerIPLenMismatch = packet.NewWeird("inner_IP_payload_length_mismatch")
)

// session returns the connection a packet over UDP belongs to.
func session(p *packet.Packet) *conn.Conn {
	c, _ := p.Session.(*conn.Conn)
	return c
}

// tooDeep reports whether p is already inside as many tunnels as allowed.
// As in Zeek, only a packet that is inside a tunnel is checked, so that
// Tunnel::max_depth 0 still lets the outermost tunnel through.
func (t *Tunnels) tooDeep(p *packet.Packet) bool {
	n := p.Encap.Len()
	return n > 0 && n >= t.cfg.MaxDepth
}

// innerResult is Zeek's IP::ParsePacket verdict on an encapsulated IP
// packet.
type innerResult uint8

const (
	innerOK innerResult = iota
	innerBadProtocol
	innerTooSmall // the capture holds less than the header's length
	innerTooLarge // the capture holds more
)

// parseInner checks an encapsulated IP packet of IP protocol proto (4 or
// 41) as Zeek's IP::ParsePacket does: the version, and the captured length
// against the header's total length. It returns the IPv6 next header and
// payload length for Teredo's bubbles.
func parseInner(data []byte, proto uint8) (res innerResult, next uint8, payloadLen int) {
	switch proto {
	case 41:
		if len(data) < 40 {
			return innerTooSmall, 0, 0
		}
		if data[0]&0xF0 != 0x60 {
			return innerBadProtocol, 0, 0
		}
		payloadLen = int(binary.BigEndian.Uint16(data[4:6]))
		next = data[6]
		total := payloadLen + 40
		switch {
		case len(data) < total:
			return innerTooSmall, next, payloadLen
		case len(data) > total:
			return innerTooLarge, next, payloadLen
		}
		return innerOK, next, payloadLen
	case 4:
		if len(data) < 20 || data[0]>>4 != 4 {
			return innerBadProtocol, 0, 0
		}
		total := int(binary.BigEndian.Uint16(data[2:4]))
		switch {
		case len(data) < total:
			return innerTooSmall, data[9], 0
		case len(data) > total:
			return innerTooLarge, data[9], 0
		}
		return innerOK, data[9], total - int(data[0]&0x0F)*4
	}
	return innerBadProtocol, 0, 0
}

// analyzeIPTunnel is IP-in-IP: IPv4 or IPv6 inside IPv4 or IPv6. Zeek
// checks the inner packet as it does PPTP's (a packet that did not come
// through GRE has gre_version -1, not 0).
func (t *Tunnels) analyzeIPTunnel(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	return t.ipTunnel(p, data, packet.TunnelIP, -1, packet.DLTRaw, p.IP.Proto, p.Depth())
}

// greToIPTunnel hands what GRE unwrapped to the IP tunnel logic as Zeek's
// GRE analyzer forwards it to the IPTunnel analyzer: that analyzer is one
// more step in the chain of layers (PacketAnalyzer::max_depth counts it)
// and its weirds name it as their source.
func (t *Tunnels) greToIPTunnel(p *packet.Packet, data []byte, greVersion int, linkType uint32, proto uint8) (packet.Key, []byte, error) {
	depth := p.Depth()
	if t.d.MaxDepth > 0 && depth >= t.d.MaxDepth {
		t.d.Stats.DepthLimit++
		t.d.RaiseFrom(p, "max_packet_analyzer_depth_exceeded", "", packet.LayerGRE.Name())
		return packet.Stop, nil, nil
	}
	_, _, err := t.ipTunnel(p, data, packet.TunnelGRE, greVersion, linkType, proto, depth+1)
	if w, ok := err.(*packet.Weird); ok {
		t.d.Stats.Weirds++
		t.d.RaiseFrom(p, w.Name, w.Addl, packet.LayerIPTunnel.Name())
	}
	return packet.Stop, nil, nil
}

// ipTunnel is Zeek's IPTunnel analyzer for IP-in-IP and for what GRE
// unwrapped: what GRE version 0 carries is decoded as a frame of link
// type linkType; the others (PPTP's greVersion 1, and IP-in-IP, -1) are
// checked as IP packets of protocol proto (4 or 41) first. depth is the
// number of layers run so far, the IPTunnel analyzer included.
func (t *Tunnels) ipTunnel(p *packet.Packet, data []byte, typ packet.TunnelType, greVersion int, linkType uint32, proto uint8, depth int) (packet.Key, []byte, error) {
	if t.tooDeep(p) {
		return 0, nil, errTunnelDepth
	}
	if greVersion != 0 {
		switch res, _, _ := parseInner(data, proto); res {
		case innerBadProtocol:
			return 0, nil, errInvalidInnerIPVer
		case innerTooSmall:
			return 0, nil, errTruncatedInnerIP
		case innerTooLarge:
			return 0, nil, errInnerIPLenMismatch
		}
	}
	ec := t.ipTunnelEncap(p, typ)
	inner, ok := t.d.InnerPacket(p, data, linkType, ec)
	if !ok {
		return 0, nil, errTunnelDepth
	}
	// Zeek builds the inner packet of an IP tunnel with the captured
	// length as its wire length (IPTunnelAnalyzer::
	// ProcessEncapsulatedPacket), so a cut-off capture shows as a
	// truncated inner packet.
	inner.WireLen = uint32(len(data))
	if greVersion != 0 {
		t.d.Forward(inner, packet.LayerIPTunnel, packet.Default, data, depth)
	} else {
		t.d.Forward(inner, packet.LayerRoot, packet.Key(linkType), data, depth)
	}
	if inner.Processed {
		p.Processed = true
	}
	return packet.Stop, nil, nil
}

// ipTunnelEncap finds or starts the IP tunnel between p's endpoints, so
// that the same tunnel keeps its uid while it is active.
func (t *Tunnels) ipTunnelEncap(p *packet.Packet, typ packet.TunnelType) *packet.EncapConn {
	now := t.env.Now()
	k := ipPair{p.IP.Src, p.IP.Dst}
	if string(k.b[:]) < string(k.a[:]) {
		k.a, k.b = k.b, k.a
	}
	tn := t.ip[k]
	if tn != nil && t.ipExpired(tn, now) {
		delete(t.ip, k)
		tn = nil
	}
	if tn == nil {
		if len(t.ip) >= t.cfg.MaxIPTunnels && t.cfg.MaxIPTunnels > 0 {
			t.sweepIP(now)
		}
		tn = &ipTunnel{created: now, last: now, ec: packet.EncapConn{
			Type: typ, Version: p.IP.Version, IPProto: p.IP.Proto, Transport: transportOf(p.IP.Proto),
			Src: p.IP.Src, Dst: p.IP.Dst, UID: t.env.NewUID(),
		}}
		t.ip[k] = tn
	}
	tn.last = now
	return &tn.ec
}

// ipExpired reports whether Zeek's inactivity timer would have removed
// the tunnel by now: it fires every IPTunnelTimeout from the tunnel's
// start and removes it once it was idle for a whole timeout.
func (t *Tunnels) ipExpired(tn *ipTunnel, now zeek.Time) bool {
	to := int64(t.cfg.IPTunnelTimeout)
	if to <= 0 {
		return false
	}
	// The first firing at least one timeout after the last activity.
	since := int64(tn.last) + to - int64(tn.created)
	k := (since + to - 1) / to
	fire := int64(tn.created) + k*to
	return fire <= int64(now)
}

// sweepIP forgets expired IP tunnels and, when still at the bound, the
// least recently active half.
func (t *Tunnels) sweepIP(now zeek.Time) {
	for k, tn := range t.ip {
		if t.ipExpired(tn, now) {
			delete(t.ip, k)
		}
	}
	if len(t.ip) < t.cfg.MaxIPTunnels {
		return
	}
	var total int64
	for _, tn := range t.ip {
		total += int64(tn.last) / int64(len(t.ip))
	}
	for k, tn := range t.ip {
		if int64(tn.last) <= total {
			delete(t.ip, k)
		}
	}
}

// transportOf is the transport Zeek gives an IP tunnel from the outer IP
// protocol (EncapsulatingConn's constructor in TunnelEncapsulation.h):
// unknown for IP-in-IP and GRE over IP, UDP for GRE over UDP. Its ports
// stay 0.
func transportOf(ipProto uint8) uint8 {
	switch ipProto {
	case 1:
		return packet.TransportICMP
	case 6:
		return packet.TransportTCP
	case 17:
		return packet.TransportUDP
	}
	return packet.TransportUnknown
}
