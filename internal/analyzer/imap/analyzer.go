package imap

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// Analyzer is the IMAP analyzer of one connection (Zeek's IMAP_Analyzer
// with its binpac parser). It follows the session until STARTTLS or
// until the client has got past the point where STARTTLS would come.
type Analyzer struct {
	support.StartTLS
	// starttlsTag is the tag of the client's STARTTLS command.
	starttlsTag []byte
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ tokenSink         = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newIMAP(support.HandleTLSHost(h)) }

func newIMAP(h support.TLSHost) *Analyzer {
	a := &Analyzer{StartTLS: support.StartTLS{Host: h}}
	a.Parse = a.parseDelivery
	return a
}

// parseDelivery parses one delivery with the grammar, the analyzer taking the
// tokens.
func (a *Analyzer) parseDelivery(data []byte, orig bool) *binpac.MismatchError {
	return parse(data, orig, a)
}

// skipAfter are the client commands after which STARTTLS no longer
// comes (Zeek compares them as sent, so only lower case counts).
var skipAfter = []string{"authenticate", "login", "examine", "create", "list", "fetch"}

// token implements tokenSink: Zeek's proc_imap_token.
func (a *Analyzer) token(t token, orig bool) {
	if !orig && string(t.tag) == "*" && bytes.EqualFold(t.command, []byte("ok")) {
		a.Host.Confirm()
	}
	starttls := bytes.EqualFold(t.command, []byte("starttls"))
	if orig && (string(t.command) == "capability" || starttls) {
		a.Host.Confirm()
	}
	for _, c := range skipAfter {
		if string(t.command) == c {
			a.Host.Confirm()
			a.Skip()
			return
		}
	}
	if orig && starttls {
		if len(a.starttlsTag) > 0 {
			a.Host.Weird("IMAP: client sent duplicate StartTLS")
		}
		a.starttlsTag = append(a.starttlsTag[:0], t.tag...)
	}
	if !orig && len(a.starttlsTag) > 0 && bytes.Equal(t.tag, a.starttlsTag) {
		if bytes.EqualFold(t.command, []byte("ok")) {
			a.BeginTLS()
		} else {
			a.Host.Weird("IMAP: server refused StartTLS")
		}
	}
}
