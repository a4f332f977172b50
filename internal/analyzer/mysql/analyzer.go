package mysql

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// Analyzer is the MySQL analyzer of one TCP connection (Zeek's
// MySQL_Analyzer): packets in both directions until the client asks for
// TLS; from then on the connection's bytes go to protocol detection (and
// so to the SSL analyzer), as Zeek 7 and later hand them to SSL.
type Analyzer struct {
	h     host
	p     parser
	s     script
	flows [2]packetFlow
	parse [2]func([]byte) error

	hadGap   bool
	tls      innerSession
	finished bool
}

var _ analyzer.Analyzer = (*Analyzer)(nil)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newMySQL(handleHost{h: h}) }

func newMySQL(h host) *Analyzer {
	a := &Analyzer{h: h}
	a.p = newParser(a)
	a.s.h = h
	a.parse[0] = func(b []byte) error { return a.p.packet(b, false) }
	a.parse[1] = func(b []byte) error { return a.p.packet(b, true) }
	return a
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// DeliverStream implements analyzer.Analyzer. Whether the stream is TLS
// is decided per delivery: bytes that follow an SSL request within the
// same delivery are still parsed as MySQL, as in Zeek.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.finished {
		return
	}
	if a.tls != nil {
		a.tls.DeliverStream(data, orig)
		return
	}
	if a.hadGap || a.h.partial() {
		return
	}
	d := dir(orig)
	if err := a.flows[d].deliver(data, a.parse[d]); err != nil {
		a.h.violation(binpac.Reason(err))
	}
}

// Undelivered implements analyzer.Analyzer: after a content gap nothing
// more is parsed (the TLS stream, if any, gets the gap).
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) {
	if a.tls != nil {
		a.tls.Undelivered(seq, n, orig)
	}
	a.hadGap = true
}

// DeliverPacket implements analyzer.Analyzer (unused over TCP).
func (a *Analyzer) DeliverPacket(data []byte, orig bool) {}

// EndOfData implements analyzer.Analyzer.
func (a *Analyzer) EndOfData(orig bool) {
	if a.tls != nil {
		a.tls.EndOfData(orig)
	}
}

// Done implements analyzer.Analyzer: the removal hook logs a pending
// record.
func (a *Analyzer) Done() {
	if a.finished {
		return
	}
	a.finished = true
	a.s.finalize()
	if a.tls != nil {
		a.tls.Done()
	}
	for i := range a.flows {
		a.flows[i].buf = nil
	}
}

// The parser's events.

func (a *Analyzer) confirm()                             { a.h.confirm() }
func (a *Analyzer) handshake(username []byte)            { a.s.handshake(username) }
func (a *Analyzer) commandRequest(cmd uint8, arg []byte) { a.s.commandRequest(cmd, arg) }
func (a *Analyzer) changeUser(username []byte)           { a.s.changeUser(username) }
func (a *Analyzer) errorPacket(_ uint16, msg []byte)     { a.s.errorPacket(msg) }
func (a *Analyzer) ok(rows uint32)                       { a.s.ok(rows) }
func (a *Analyzer) eof(intermediate bool)                { a.s.eof(intermediate) }

// startTLS is the analyzer's StartTLS: later deliveries are TLS.
func (a *Analyzer) startTLS() {
	if a.tls == nil {
		a.tls = a.h.inner()
	}
}
