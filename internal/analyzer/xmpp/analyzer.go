package xmpp

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer"
)

// Analyzer is the XMPP analyzer of one connection (Zeek's XMPP_Analyzer
// with its binpac parser). It follows the stream's opening until
// STARTTLS or until the stream is past the point where STARTTLS would
// come.
type Analyzer struct {
	h              host
	clientStartTLS bool
	hadGap         bool
	skip           bool // Zeek's SetSkip: the analyzer takes no more data
	tls            stream
	tlsActive      bool
	done           bool
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ tokenSink         = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newXMPP(&handleHost{h: h}) }

func newXMPP(h host) *Analyzer { return &Analyzer{h: h} }

// DeliverStream implements analyzer.Analyzer: each delivery is parsed on
// its own, as Zeek's datagram grammar does.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.done || a.skip {
		return
	}
	if a.tlsActive {
		if a.tls != nil {
			a.tls.DeliverStream(data, orig)
		}
		return
	}
	if a.h.partial() || a.hadGap {
		return
	}
	if err := parse(data, orig, a); err != nil {
		a.h.violation(err.reason(), nil)
	}
}

// Undelivered implements analyzer.Analyzer: after a gap nothing more is
// parsed; after STARTTLS the gap reaches SSL.
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) {
	if a.done || a.skip {
		return
	}
	a.hadGap = true
	if a.tlsActive && a.tls != nil {
		a.tls.Undelivered(seq, n, orig)
	}
}

// DeliverPacket implements analyzer.Analyzer (XMPP is TCP only).
func (a *Analyzer) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer.
func (a *Analyzer) EndOfData(orig bool) {
	if a.done || a.skip {
		return
	}
	if a.tlsActive && a.tls != nil {
		a.tls.EndOfData(orig)
	}
}

// Done implements analyzer.Analyzer.
func (a *Analyzer) Done() {
	if a.done {
		return
	}
	a.done = true
	if a.tls != nil {
		a.tls.Done()
		a.tls = nil
	}
}

// token implements tokenSink: Zeek's proc_xmpp_token.
func (a *Analyzer) token(name, _ []byte, orig bool) {
	local := name // the name without its namespace prefix
	if i := bytes.IndexByte(name, ':'); i >= 0 && len(name) > i+1 {
		local = name[i+1:]
	}
	tok := string(name)
	if orig && tok == "stream:stream" {
		a.h.confirm()
	}
	switch tok {
	case "success", "message", "db:result", "db:verify", "presence":
		// Past the point where STARTTLS would come.
		a.skip = true
	}
	if orig && (tok == "starttls" || string(local) == "starttls") {
		a.clientStartTLS = true
	}
	switch {
	case !orig && (tok == "proceed" || string(local) == "proceed") && a.clientStartTLS:
		a.startTLS()
	case !orig && tok == "proceed":
		a.h.weird("XMPP: proceed without starttls")
	}
}

// startTLS hands the rest of the connection to SSL.
func (a *Analyzer) startTLS() {
	a.tlsActive = true
	if a.tls == nil {
		a.tls = a.h.child("SSL")
	}
}
