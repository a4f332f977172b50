package analyzer

import (
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Session is the analyzer tree of one connection (it implements
// conn.Session): the analyzers attached to it, by port or by signature,
// and the protocol-detection buffer (Zeek's PIA).
type Session struct {
	m     *Manager
	c     *conn.Conn
	nodes []*node
	added []*node // attached during a delivery; join after it
	depth int     // > 0 while delivering
	done  bool

	// Analyzers whose confirmation and violation have been recorded
	// (Zeek keeps this per session and analyzer tag).
	confirmed []string
	violated  []string
	failed    []string // Zeek's c$failed_analyzers

	pia pia
}

// node is one attached analyzer.
type node struct {
	info     *Info
	a        Analyzer
	h        Handle
	removing bool
	finished bool
}

// newSession builds the analyzer tree of a new connection: the analyzers
// scheduled for it or else those registered for its responder port, then
// protocol detection.
func (m *Manager) newSession(c *conn.Conn) *Session {
	s := &Session{m: m, c: c}
	if !s.applyScheduled() && !m.cfg.IgnorePorts {
		for _, info := range m.byPort[portKey{c.RespPort, c.Transport}] {
			s.attach(info)
		}
	}
	s.pia.init(s)
	return s
}

// Conn returns the session's connection.
func (s *Session) Conn() *conn.Conn { return s.c }

func transportOf(p zeek.Proto) Transport {
	switch p {
	case zeek.ProtoTCP:
		return TCP
	case zeek.ProtoUDP:
		return UDP
	}
	return 0
}

// has reports whether an analyzer of this name is attached and live.
func (s *Session) has(info *Info) bool {
	for _, list := range [2][]*node{s.nodes, s.added} {
		for _, n := range list {
			if n.info == info && !n.removing && !n.finished {
				return true
			}
		}
	}
	return false
}

// attach instantiates an analyzer on the connection (Zeek's
// AddChildAnalyzer): not twice, not after the end, and only where its
// transport fits. It returns the new node, or nil.
func (s *Session) attach(info *Info) *node {
	if s.done || s.has(info) || info.Transport&transportOf(s.c.Transport) == 0 {
		return nil
	}
	n := &node{info: info}
	n.h = Handle{s: s, n: n}
	n.a = info.New(&n.h)
	if n.a == nil {
		return nil
	}
	if s.depth > 0 {
		s.added = append(s.added, n)
	} else {
		s.nodes = append(s.nodes, n)
	}
	return n
}

// forward calls f on every live analyzer, then admits the analyzers added
// meanwhile and drops the removed ones.
func (s *Session) forward(f func(a Analyzer)) {
	s.depth++
	for _, n := range s.nodes {
		if !n.removing && !n.finished {
			f(n.a)
		}
	}
	s.depth--
	if s.depth == 0 {
		s.settle()
	}
}

// settle joins analyzers added during a delivery and drops removed ones.
func (s *Session) settle() {
	if len(s.added) > 0 {
		s.nodes = append(s.nodes, s.added...)
		for i := range s.added {
			s.added[i] = nil
		}
		s.added = s.added[:0]
	}
	k := 0
	for _, n := range s.nodes {
		if n.removing {
			if !n.finished {
				n.finished = true
				n.a.Done()
			}
			continue
		}
		s.nodes[k] = n
		k++
	}
	for i := k; i < len(s.nodes); i++ {
		s.nodes[i] = nil
	}
	s.nodes = s.nodes[:k]
}

// DeliverStream passes TCP payload to the analyzers, then to detection.
func (s *Session) DeliverStream(data []byte, orig bool) {
	s.forward(func(a Analyzer) { a.DeliverStream(data, orig) })
	s.pia.deliverStream(data, orig)
	s.settle()
}

// Undelivered passes a content gap on.
func (s *Session) Undelivered(seq uint64, n int, orig bool) {
	s.forward(func(a Analyzer) { a.Undelivered(seq, n, orig) })
	s.pia.undelivered(seq, n, orig)
	s.settle()
}

// DeliverPacket passes a UDP/ICMP payload to the analyzers and detection.
func (s *Session) DeliverPacket(data []byte, orig bool) {
	s.forward(func(a Analyzer) { a.DeliverPacket(data, orig) })
	s.pia.deliverPacket(data, orig)
	s.settle()
}

// FirstPacket starts signature matching of one direction with the headers
// of its first packet.
func (s *Session) FirstPacket(orig bool, ip, transport []byte) {
	if s.pia.matcher != nil && s.pia.state != piaSkipping {
		s.pia.matcher.firstPacket(orig, ip, transport)
		s.settle()
	}
}

// EndOfData passes the end of one direction on.
func (s *Session) EndOfData(orig bool) {
	s.forward(func(a Analyzer) { a.EndOfData(orig) })
}

// Flipper is implemented by analyzers that keep per-direction state and
// need to know when the connection's roles are swapped.
type Flipper interface {
	FlipRoles()
}

// FlipRoles tells the analyzers that originator and responder swapped.
func (s *Session) FlipRoles() {
	s.forward(func(a Analyzer) {
		if f, ok := a.(Flipper); ok {
			f.FlipRoles()
		}
	})
}

// Done ends every analyzer.
func (s *Session) Done() {
	s.settle()
	s.done = true
	for _, n := range s.nodes {
		if !n.finished {
			n.finished = true
			n.a.Done()
		}
	}
	s.pia.done()
}

func contains(list []string, name string) bool {
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

// confirm records a protocol confirmation (Zeek's AnalyzerConfirmation and
// dpd.zeek's handler: the analyzer joins conn.log's service).
func (s *Session) confirm(n *node) {
	name := n.info.Name
	if contains(s.confirmed, name) || contains(s.violated, name) {
		return
	}
	s.confirmed = append(s.confirmed, name)
	s.m.debug(s.c, "confirmation", name, "", nil)
	s.c.AddService(name)
	s.m.confirmed(s.c, name)
}

// violation records a protocol violation and, as Zeek's dpd.zeek does,
// disables the analyzer unless the connection is already large.
func (s *Session) violation(n *node, reason string, data []byte) {
	name := n.info.Name
	if !contains(s.violated, name) {
		s.violated = append(s.violated, name)
	}
	s.m.debug(s.c, "violation", name, reason, data)
	cfg := &s.m.cfg
	if cfg.IgnoreViolations[name] {
		return
	}
	size := s.c.Size(true) + s.c.Size(false)
	if cfg.IgnoreViolationsAfter > 0 && size > cfg.IgnoreViolationsAfter {
		return
	}
	if n.removing || n.finished {
		s.failedAnalyzer(n, reason, data)
		return
	}
	s.m.debug(s.c, "disabled", name, "", nil)
	n.removing = true
	if s.depth == 0 {
		s.settle()
	}
	s.failedAnalyzer(n, reason, data)
}

// failedAnalyzer is Zeek's analyzer_failed: analyzer.log for an analyzer
// that had been confirmed, then the service entry goes (or becomes
// "-name" with DPD::track_removed_services_in_connection).
func (s *Session) failedAnalyzer(n *node, reason string, data []byte) {
	name := n.info.Name
	if !s.c.HasService(name) {
		return
	}
	if !contains(s.failed, name) && s.m.log != nil {
		s.m.log(s.m.failureRecord(s.c, name, reason, data))
	}
	if !s.m.cfg.TrackRemovedServices {
		s.c.RemoveService(name)
	}
	if !contains(s.failed, name) {
		s.failed = append(s.failed, name)
	}
	if s.m.cfg.TrackRemovedServices && s.c.HasService(name) {
		s.c.AddService("-" + name)
	}
}
