package analyzer

import (
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Handle is an analyzer's view of its connection and the framework: it
// reports confirmations, violations and weirds, and gives access to the
// connection and to packet time. Each analyzer instance gets its own.
type Handle struct {
	s *Session
	n *node
}

// Conn returns the connection.
func (h *Handle) Conn() *conn.Conn { return h.s.c }

// UID returns the connection's uid as logs show it ("C…").
func (h *Handle) UID() string { return h.s.c.UIDString() }

// ID returns the connection's id for log records, with its VLAN context
// when the VLAN-aware connection key is in use.
func (h *Handle) ID() conn.ConnID { return h.s.c.ID(h.s.m.cfg.VLANConnKey) }

// RegisterTunnel reports that the connection has become a tunnel of type
// t through a proxy (HTTP CONNECT, SOCKS): as Zeek's scripts do, the
// tunnel is the connection with the originator's port set to 0, so that
// every connection through the same proxy is one tunnel; tunnel.log
// records it (without a uid) the first time.
func (h *Handle) RegisterTunnel(t packet.TunnelType) {
	if h.s.m.cfg.OnTunnel == nil {
		return
	}
	ec := h.s.c.EncapAs(t)
	ec.SrcPort = 0
	ec.UID = [2]uint64{}
	h.s.m.cfg.OnTunnel(ec)
}

// LimitReached raises a weird for an analysis limit the analyzer hit and
// marks the connection's history with 'X' (Zeek's AnalyzerLimitReached /
// LimitReachedWeird).
func (h *Handle) LimitReached(name, addl string) {
	h.Weird(name, addl)
	h.s.c.MarkAnalyzerLimit()
}

// FlipRoles swaps the connection's originator and responder because the
// analyzer found them the wrong way round (as Zeek's DNS analyzer does
// when a connection starts with a reply). Every analyzer of the
// connection, this one included, gets FlipRoles if it implements Flipper.
func (h *Handle) FlipRoles() { h.s.m.conns.FlipRoles(h.s.c) }

// AddTimer calls fn with network time once time reaches at, unless the
// analyzer was removed or the connection ended by then (Zeek's analyzer
// timers). fn runs between packets.
func (h *Handle) AddTimer(at zeek.Time, fn func(now zeek.Time)) {
	h.s.m.conns.AddTimer(h.s.c, at, func(now zeek.Time) {
		if !h.Removing() {
			fn(now)
		}
	})
}

// RemoveConn ends the connection now, as an inactivity timeout would
// (Zeek's session removal by an analyzer, e.g. DNS's session timeout).
// Call it only from an AddTimer function.
func (h *Handle) RemoveConn() { h.s.m.conns.End(h.s.c) }

// Name returns the analyzer's name.
func (h *Handle) Name() string { return h.n.info.Name }

// Now returns network time.
func (h *Handle) Now() zeek.Time { return h.s.m.conns.Now() }

// Confirm reports that the traffic is indeed this analyzer's protocol
// (Zeek's AnalyzerConfirmation); the first one adds the protocol to
// conn.log's service field.
func (h *Handle) Confirm() { h.s.confirm(h.n) }

// Violation reports that the traffic breaks the protocol (Zeek's
// AnalyzerViolation). data, the offending bytes, is borrowed; up to
// Analyzer::Logging::failure_data_max_size bytes are logged. Unless the
// connection is already large, the analyzer is removed after the current
// delivery.
func (h *Handle) Violation(reason string, data []byte) { h.s.violation(h.n, reason, data) }

// Weird raises a weird on the connection with the analyzer as its source.
func (h *Handle) Weird(name, addl string) { h.s.m.conns.Weird(h.s.c, name, addl, h.n.info.Name) }

// Removing reports whether the analyzer has been disabled; it will get no
// more input.
func (h *Handle) Removing() bool { return h.n.removing || h.n.finished }

// ScriptWeird raises a weird on the connection as a Zeek script does
// (Reporter::conn_weird): source is weird.log's source, "" for none.
func (h *Handle) ScriptWeird(name, addl, source string) {
	h.s.m.conns.Weird(h.s.c, name, addl, source)
}

// Files returns the file analysis framework of the analysis thread, or
// nil when base/frameworks/files is not loaded.
func (h *Handle) Files() *files.Manager { return h.s.m.cfg.Files }

// Inner starts protocol detection on a stream that the analyzer finds
// inside its connection (HTTP CONNECT and upgrades: Zeek's PIA child
// analyzer). The analyzer feeds the returned Session with DeliverStream,
// Undelivered and EndOfData and calls its Done when the analyzer itself
// is done; analyzers it detects by signature attach to the same
// connection (their confirmations join conn.log's service). Ports play no
// part, as in Zeek.
func (h *Handle) Inner() *Session {
	s := &Session{m: h.s.m, c: h.s.c}
	s.pia.init(s)
	return s
}
