package conn

import (
	"net/netip"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// ConnID is Zeek's conn_id (see zeek.ConnID).
type ConnID = zeek.ConnID

// ConnCtx is Zeek's conn_id_ctx (see zeek.ConnCtx).
type ConnCtx = zeek.ConnCtx

// Info is a conn.log record (Zeek's Conn::Info), with the fields Zeek's
// policy scripts add as extensions.
type Info struct {
	// TS is the time of the first packet.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's unique id.
	UID string `zeek:"uid"`
	// ID holds the endpoints.
	ID ConnID `zeek:"id"`
	// Proto is the transport protocol.
	Proto zeek.Proto `zeek:"proto,enum"`
	// Service lists the confirmed protocols, comma separated.
	Service zeek.Opt[string] `zeek:"service"`
	// Duration is the time between first and last packet (set when > 0),
	// computed from Zeek's double timestamps so that JSON output shows the
	// same digits as Zeek's.
	Duration zeek.Opt[float64] `zeek:"duration,interval"`
	// OrigBytes is the originator's payload bytes (TCP: from sequence numbers).
	OrigBytes zeek.Opt[uint64] `zeek:"orig_bytes"`
	// RespBytes is the responder's payload bytes.
	RespBytes zeek.Opt[uint64] `zeek:"resp_bytes"`
	// ConnState is Zeek's connection state summary (S0, SF, REJ, …).
	ConnState zeek.Opt[string] `zeek:"conn_state"`
	// LocalOrig says whether the originator is in Site::local_nets.
	LocalOrig zeek.Opt[bool] `zeek:"local_orig"`
	// LocalResp says whether the responder is in Site::local_nets.
	LocalResp zeek.Opt[bool] `zeek:"local_resp"`
	// MissedBytes counts bytes missed in content gaps.
	MissedBytes uint64 `zeek:"missed_bytes"`
	// History is the state history as letters.
	History zeek.Opt[string] `zeek:"history"`
	// OrigPkts is the number of packets the originator sent.
	OrigPkts zeek.Opt[uint64] `zeek:"orig_pkts"`
	// OrigIPBytes is the IP-level bytes the originator sent.
	OrigIPBytes zeek.Opt[uint64] `zeek:"orig_ip_bytes"`
	// RespPkts is the number of packets the responder sent.
	RespPkts zeek.Opt[uint64] `zeek:"resp_pkts"`
	// RespIPBytes is the IP-level bytes the responder sent.
	RespIPBytes zeek.Opt[uint64] `zeek:"resp_ip_bytes"`
	// TunnelParents holds the uids of encapsulating connections.
	TunnelParents zeek.Opt[[]string] `zeek:"tunnel_parents,set"`
	// IPProto is the IP protocol number from the header.
	IPProto zeek.Opt[uint64] `zeek:"ip_proto"`

	// VLAN is the outer VLAN tag (policy/protocols/conn/vlan-logging).
	VLAN zeek.Opt[int64] `zeek:"vlan,ext=vlan-logging"`
	// InnerVLAN is the inner VLAN tag (vlan-logging).
	InnerVLAN zeek.Opt[int64] `zeek:"inner_vlan,ext=vlan-logging"`
	// OrigL2Addr is the originator's MAC address (mac-logging).
	OrigL2Addr zeek.Opt[string] `zeek:"orig_l2_addr,ext=mac-logging"`
	// RespL2Addr is the responder's MAC address (mac-logging).
	RespL2Addr zeek.Opt[string] `zeek:"resp_l2_addr,ext=mac-logging"`
	// PPPoESessionID is the PPPoE session id (pppoe-session-id-logging).
	PPPoESessionID zeek.Opt[uint64] `zeek:"pppoe_session_id,ext=pppoe-session-id-logging"`
	// CommunityID is the Community ID flow hash (community-id-logging).
	CommunityID zeek.Opt[string] `zeek:"community_id,ext=community-id-logging"`
}

// Site answers Site::is_local_addr. HaveLocalNets reports whether
// Site::local_nets is non-empty (conn.log leaves local_orig/local_resp
// unset otherwise).
type Site interface {
	IsLocal(a netip.Addr) bool
	HaveLocalNets() bool
}

// ID returns the connection's conn_id.
func (c *Conn) ID(withCtx bool) ConnID {
	id := ConnID{OrigH: c.OrigIP(), OrigP: c.OrigP(), RespH: c.RespIP(), RespP: c.RespP()}
	if withCtx {
		if c.key.VLAN != NoVLAN {
			id.Ctx.VLAN = zeek.Some(int64(c.key.VLAN))
		}
		if c.key.InnerVLAN != NoVLAN {
			id.Ctx.InnerVLAN = zeek.Some(int64(c.key.InnerVLAN))
		}
	}
	return id
}

// UIDString returns the uid as Zeek prints it: "C" and the base62 digits
// of its two words, least significant digit first.
func (c *Conn) UIDString() string { return FormatUID('C', c.UID) }

// FormatUID formats a 96-bit unique id with a prefix letter as Zeek does.
func FormatUID(prefix byte, uid [2]uint64) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [1 + 2*11]byte
	b[0] = prefix
	n := 1
	for _, v := range uid {
		for {
			b[n] = digits[v%62]
			n++
			v /= 62
			if v == 0 {
				break
			}
		}
	}
	return string(b[:n])
}

// endpointSize returns Zeek's c$orig$size / c$resp$size and whether the
// endpoint counts as active for UDP.
func (c *Conn) endpointSize(orig bool) (uint64, uint8) {
	if c.tcp != nil {
		e := c.tcp.resp
		if orig {
			e = c.tcp.orig
		}
		return e.size(), e.state
	}
	switch c.Transport {
	case zeek.ProtoUDP, zeek.ProtoICMP:
		l := c.repLen
		if orig {
			l = c.reqLen
		}
		if l < 0 {
			return 0, UDPInactive
		}
		return uint64(l), UDPActive
	}
	return 0, 0
}

// State returns conn.log's conn_state (Zeek's Conn::conn_state).
func (c *Conn) State() string {
	_, os := c.endpointSize(true)
	_, rs := c.endpointSize(false)
	switch c.RespP().Proto {
	case zeek.ProtoTCP:
		oInactive := os == TCPInactive || os == TCPPartial
		rInactive := rs == TCPInactive || rs == TCPPartial
		switch {
		case rs == TCPReset:
			osz, _ := c.endpointSize(true)
			rsz, _ := c.endpointSize(false)
			if os == TCPSYNSent || os == TCPSYNAckSent || (os == TCPReset && osz == 0 && rsz == 0) {
				return "REJ"
			}
			if oInactive {
				return "RSTRH"
			}
			return "RSTR"
		case os == TCPReset:
			if rInactive {
				if rstos0(c.history) {
					return "RSTOS0"
				}
				return "OTH"
			}
			return "RSTO"
		case rs == TCPClosed && os == TCPClosed:
			return "SF"
		case os == TCPClosed:
			if rInactive {
				return "SH"
			}
			return "S2"
		case rs == TCPClosed:
			if oInactive {
				return "SHR"
			}
			return "S3"
		case os == TCPSYNSent && rs == TCPInactive:
			return "S0"
		case os == TCPEstablished && rs == TCPEstablished:
			return "S1"
		}
		return "OTH"
	case zeek.ProtoUDP:
		if os == UDPActive {
			if rs == UDPActive {
				return "SF"
			}
			return "S0"
		}
		if rs == UDPActive {
			return "SHR"
		}
		return "OTH"
	}
	return "OTH"
}

// rstos0 matches history against Zeek's /\^?S[^HAFGIQ]*R.*/ (anchored).
func rstos0(h []byte) bool {
	i := 0
	if i < len(h) && h[i] == '^' {
		i++
	}
	if i >= len(h) || h[i] != 'S' {
		return false
	}
	for i++; i < len(h); i++ {
		switch h[i] {
		case 'R':
			return true
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		}
	}
	return false
}

// FillInfo fills a conn.log record from the connection's final state (Zeek's
// set_conn). site may be nil when base/utils/site is not in effect.
func (c *Conn) FillInfo(r *Info, site Site, withCtx bool) {
	*r = Info{
		TS:    c.StartTime,
		UID:   c.UIDString(),
		ID:    c.ID(withCtx),
		Proto: c.RespP().Proto,
	}
	r.IPProto = zeek.Some(uint64(c.IPProto))
	if site != nil {
		if site.HaveLocalNets() || c.FlippedLate {
			r.LocalOrig = zeek.Some(site.IsLocal(r.ID.OrigH))
			r.LocalResp = zeek.Some(site.IsLocal(r.ID.RespH))
		}
	}
	if d := c.LastTime.Float() - c.StartTime.Float(); d > 0 {
		r.Duration = zeek.Some(d)
		osz, _ := c.endpointSize(true)
		rsz, _ := c.endpointSize(false)
		r.OrigBytes = zeek.Some(osz)
		r.RespBytes = zeek.Some(rsz)
	}
	r.OrigPkts = zeek.Some(c.OrigPkts)
	r.OrigIPBytes = zeek.Some(c.OrigIPBytes)
	r.RespPkts = zeek.Some(c.RespPkts)
	r.RespIPBytes = zeek.Some(c.RespIPBytes)
	r.ConnState = zeek.Some(c.State())
	if len(c.services) > 0 {
		r.Service = zeek.Some(strings.ToLower(strings.Join(c.services, ",")))
	}
	if len(c.history) > 0 {
		r.History = zeek.Some(string(c.history))
	}
	r.MissedBytes = c.MissedBytes
	if len(c.tunnelParents) > 0 {
		uids := make([]string, len(c.tunnelParents))
		for i, u := range c.tunnelParents {
			uids[i] = FormatUID('C', u)
		}
		r.TunnelParents = zeek.Some(uids)
	}
	if c.HasVLAN {
		r.VLAN = zeek.Some(int64(c.VLAN))
	}
	if c.HasInnerVLAN {
		r.InnerVLAN = zeek.Some(int64(c.InnerVLAN))
	}
	var zero [6]byte
	if c.HasL2 {
		if c.OrigL2 != zero {
			r.OrigL2Addr = zeek.Some(formatMAC(c.OrigL2))
		}
		if c.RespL2 != zero {
			r.RespL2Addr = zeek.Some(formatMAC(c.RespL2))
		}
	}
	if c.HasPPPoE {
		r.PPPoESessionID = zeek.Some(uint64(c.PPPoESession))
	}
}

func formatMAC(a [6]byte) string {
	const hex = "0123456789abcdef"
	var b [17]byte
	for i, v := range a {
		b[i*3] = hex[v>>4]
		b[i*3+1] = hex[v&0xf]
		if i < 5 {
			b[i*3+2] = ':'
		}
	}
	return string(b[:])
}
