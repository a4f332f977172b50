package conn

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TunnelSink is implemented by a Sink that follows tunnels (the tunnel
// framework behind tunnel.log). The Manager checks for it once.
type TunnelSink interface {
	// TunnelsSeen reports the tunnels a connection arrived through: at its
	// start (Zeek's new_connection with c$tunnel) and whenever they change
	// (tunnel_changed); stack is empty when the connection left its
	// tunnels. stack is borrowed for the call.
	TunnelsSeen(c *Conn, stack *packet.EncapStack)
}

// Encap returns the tunnels the connection arrived through, outermost
// first (nil outside any tunnel). It is the connection's; do not keep it.
func (c *Conn) Encap() *packet.EncapStack { return c.encap }

// EncapAs describes the connection as the encapsulation of a tunnel of
// type t running over it (Zeek's EncapsulatingConn for a connection).
func (c *Conn) EncapAs(t packet.TunnelType) packet.EncapConn {
	e := packet.EncapConn{
		Type: t, Version: c.Version, IPProto: c.IPProto,
		Src: c.OrigAddr, Dst: c.RespAddr, SrcPort: c.OrigPort, DstPort: c.RespPort,
		UID: c.UID,
	}
	switch c.Transport {
	case zeek.ProtoTCP:
		e.Transport = packet.TransportTCP
	case zeek.ProtoUDP:
		e.Transport = packet.TransportUDP
	case zeek.ProtoICMP:
		e.Transport = packet.TransportICMP
	}
	return e
}

// TunnelParents returns the uids of the tunnels the connection was seen
// in (conn.log tunnel_parents), in the order they were first seen.
func (c *Conn) TunnelParents() [][2]uint64 { return c.tunnelParents }

// MarkAnalyzerLimit records in the history that an analysis limit was
// reached on the connection ('X', once).
func (c *Conn) MarkAnalyzerLimit() { c.checkHistory(histAnalyzerLimited, 'X') }

// PacketAnalyzerState reports whether packet analyzer id (a
// packet.LayerID) confirmed or violated its protocol on this connection.
func (c *Conn) PacketAnalyzerState(id packet.LayerID) (confirmed, violated bool) {
	bit := uint64(1) << (id & 63)
	return c.pktConfirmed&bit != 0, c.pktViolated&bit != 0
}

// SetPacketAnalyzerState records a packet analyzer's confirmation or
// violation on this connection.
func (c *Conn) SetPacketAnalyzerState(id packet.LayerID, confirmed, violated bool) {
	bit := uint64(1) << (id & 63)
	if confirmed {
		c.pktConfirmed |= bit
	}
	if violated {
		c.pktViolated |= bit
	}
}

// TunnelValid holds per-connection flags that tunnel layers keep (Teredo
// and GTP remember which sides sent valid packets). Bit 0 is the
// originator, bit 1 the responder.
func (c *Conn) TunnelValid() *uint8 { return &c.tunnelValid }

// addTunnelParent adds the innermost tunnel of s to the tunnel parents.
func (c *Conn) addTunnelParent(s *packet.EncapStack) {
	last := s.Last()
	if last == nil {
		return
	}
	for _, u := range c.tunnelParents {
		if u == last.UID {
			return
		}
	}
	c.tunnelParents = append(c.tunnelParents, last.UID)
}

// newConnEncap records the tunnels of a new connection's first packet.
func (m *Manager) newConnEncap(c *Conn, p *packet.Packet) {
	if p.Encap.Len() == 0 {
		return
	}
	c.encap = new(packet.EncapStack)
	c.encap.CopyFrom(p.Encap)
	c.addTunnelParent(c.encap)
	if m.tunnels != nil {
		m.tunnels.TunnelsSeen(c, c.encap)
	}
}

// checkEncap is Zeek's Connection::CheckEncapsulation: a packet of an
// existing connection that arrives through other tunnels than before
// changes the connection's tunnels (tunnel_changed), at most
// Config.MaxTunnelChanges times. Past the limit the change is still
// taken (so that only further changes raise the weird again), but it is
// not announced: tunnel_parents and tunnel.log do not hear of it.
func (m *Manager) checkEncap(c *Conn, p *packet.Packet) {
	if c.encap.Equal(p.Encap) {
		return
	}
	announce := true
	if m.cfg.MaxTunnelChanges != 0 && c.tunnelChanges >= m.cfg.MaxTunnelChanges {
		m.weird(c, "tunnel_max_changes_per_connection_exceeded", strconv.FormatUint(uint64(m.cfg.MaxTunnelChanges), 10), "")
		c.MarkAnalyzerLimit()
		announce = false
	} else {
		c.tunnelChanges++
	}
	if p.Encap.Len() == 0 {
		c.encap = nil
		if announce && m.tunnels != nil {
			m.tunnels.TunnelsSeen(c, &emptyStack)
		}
		return
	}
	if c.encap == nil {
		c.encap = new(packet.EncapStack)
	}
	c.encap.CopyFrom(p.Encap)
	if !announce {
		return
	}
	c.addTunnelParent(c.encap)
	if m.tunnels != nil {
		m.tunnels.TunnelsSeen(c, c.encap)
	}
}

// emptyStack is handed to TunnelSink when a connection leaves its
// tunnels; it is never written to.
var emptyStack packet.EncapStack
