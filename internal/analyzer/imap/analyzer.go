package imap

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer"
)

// Analyzer is the IMAP analyzer of one connection (Zeek's IMAP_Analyzer
// with its binpac parser). It follows the session until STARTTLS or
// until the client has got past the point where STARTTLS would come.
type Analyzer struct {
	h host
	// starttlsTag is the tag of the client's STARTTLS command.
	starttlsTag []byte
	hadGap      bool
	skip        bool // Zeek's SetSkip: the analyzer takes no more data
	tls         stream
	tlsActive   bool
	done        bool
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ tokenSink         = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newIMAP(&handleHost{h: h}) }

func newIMAP(h host) *Analyzer { return &Analyzer{h: h} }

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

// DeliverPacket implements analyzer.Analyzer (IMAP is TCP only).
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

// skipAfter are the client commands after which STARTTLS no longer
// comes (Zeek compares them as sent, so only lower case counts).
var skipAfter = []string{"authenticate", "login", "examine", "create", "list", "fetch"}

// token implements tokenSink: Zeek's proc_imap_token.
func (a *Analyzer) token(t token, orig bool) {
	if !orig && string(t.tag) == "*" && bytes.EqualFold(t.command, []byte("ok")) {
		a.h.confirm()
	}
	starttls := bytes.EqualFold(t.command, []byte("starttls"))
	if orig && (string(t.command) == "capability" || starttls) {
		a.h.confirm()
	}
	for _, c := range skipAfter {
		if string(t.command) == c {
			a.h.confirm()
			a.skip = true
			return
		}
	}
	if orig && starttls {
		if len(a.starttlsTag) > 0 {
			a.h.weird("IMAP: client sent duplicate StartTLS")
		}
		a.starttlsTag = append(a.starttlsTag[:0], t.tag...)
	}
	if !orig && len(a.starttlsTag) > 0 && bytes.Equal(t.tag, a.starttlsTag) {
		if bytes.EqualFold(t.command, []byte("ok")) {
			a.startTLS()
		} else {
			a.h.weird("IMAP: server refused StartTLS")
		}
	}
}

// startTLS hands the rest of the connection to SSL.
func (a *Analyzer) startTLS() {
	a.tlsActive = true
	if a.tls == nil {
		a.tls = a.h.child("SSL")
	}
}
