package xmpp

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// Analyzer is the XMPP analyzer of one connection (Zeek's XMPP_Analyzer
// with its binpac parser). It follows the stream's opening until
// STARTTLS or until the stream is past the point where STARTTLS would
// come.
type Analyzer struct {
	support.StartTLS
	clientStartTLS bool
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ tokenSink         = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newXMPP(support.HandleTLSHost(h)) }

func newXMPP(h support.TLSHost) *Analyzer {
	a := &Analyzer{StartTLS: support.StartTLS{Host: h}}
	a.Parse = a.parseDelivery
	return a
}

// parseDelivery parses one delivery with the grammar, the analyzer taking the
// tokens.
func (a *Analyzer) parseDelivery(data []byte, orig bool) *binpac.MismatchError {
	return parse(data, orig, a)
}

// token implements tokenSink: Zeek's proc_xmpp_token.
func (a *Analyzer) token(name, _ []byte, orig bool) {
	local := name // the name without its namespace prefix
	if i := bytes.IndexByte(name, ':'); i >= 0 && len(name) > i+1 {
		local = name[i+1:]
	}
	tok := string(name)
	if orig && tok == "stream:stream" {
		a.Host.Confirm()
	}
	switch tok {
	case "success", "message", "db:result", "db:verify", "presence":
		// Past the point where STARTTLS would come.
		a.Skip()
	}
	if orig && (tok == "starttls" || string(local) == "starttls") {
		a.clientStartTLS = true
	}
	switch {
	case !orig && (tok == "proceed" || string(local) == "proceed") && a.clientStartTLS:
		a.BeginTLS()
	case !orig && tok == "proceed":
		a.Host.Weird("XMPP: proceed without starttls")
	}
}
