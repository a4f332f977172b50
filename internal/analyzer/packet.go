package analyzer

import (
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
)

// PacketConfirm records that packet analyzer id (a tunnel over the
// connection, such as VXLAN) recognised its protocol on c: the first time,
// its name joins conn.log's service field (Zeek's dpd.zeek does this for
// packet analyzers too). Nothing changes once it violated.
func (m *Manager) PacketConfirm(c *conn.Conn, id packet.LayerID) {
	if confirmed, violated := c.PacketAnalyzerState(id); confirmed || violated {
		return
	}
	c.SetPacketAnalyzerState(id, true, false)
	m.debugKind(c, "confirmation", "packet", id.Name(), "", nil)
	c.AddService(id.Name())
	m.confirmed(c, id.Name())
}

// PacketViolation records that packet analyzer id found c's traffic
// broken. The first violation is written to analyzer.log (packet analyzers
// need no earlier confirmation for that) and stops the analyzer on this
// connection. data, the offending bytes, is borrowed.
func (m *Manager) PacketViolation(c *conn.Conn, id packet.LayerID, reason string, data []byte) {
	if _, violated := c.PacketAnalyzerState(id); violated {
		return
	}
	c.SetPacketAnalyzerState(id, false, true)
	m.debugKind(c, "violation", "packet", id.Name(), reason, data)
	if m.log != nil {
		r := m.failureRecord(c, id.Name(), reason, data)
		r.AnalyzerKind = "packet"
		m.log(r)
	}
}
