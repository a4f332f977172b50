package sip

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// Analyzer is the SIP analyzer of one UDP connection (Zeek's
// SIP_Analyzer): every datagram goes to the request flow or, when it
// starts with "SIP/", to the reply flow, whatever its direction.
type Analyzer struct {
	h        host
	s        script
	flows    [2]flow // [0] replies, [1] requests
	finished bool
}

var _ analyzer.Analyzer = (*Analyzer)(nil)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newSIP(handleHost{h: h}) }

func newSIP(h host) *Analyzer {
	a := &Analyzer{h: h}
	a.s.h = h
	a.flows[0] = flow{ev: a}
	a.flows[1] = flow{ev: a, isOrig: true}
	return a
}

// DeliverPacket implements analyzer.Analyzer.
func (a *Analyzer) DeliverPacket(data []byte, orig bool) {
	if a.finished {
		return
	}
	realOrig := !(len(data) > 6 && string(data[:4]) == "SIP/")
	// Datagrams of just CR LF are keep-alives.
	if len(data) == 2 && data[0] == '\r' {
		return
	}
	f := &a.flows[0]
	if realOrig {
		f = &a.flows[1]
	}
	if err := f.deliver(data); err != nil {
		a.h.violation(binpac.Reason(err))
	}
}

// DeliverStream implements analyzer.Analyzer (unused: Zeek analyses SIP
// over UDP only).
func (a *Analyzer) DeliverStream([]byte, bool) {}

// Undelivered implements analyzer.Analyzer (unused over UDP).
func (a *Analyzer) Undelivered(uint64, int, bool) {}

// EndOfData implements analyzer.Analyzer.
func (a *Analyzer) EndOfData(bool) {}

// Done implements analyzer.Analyzer: the removal hook logs the pending
// records.
func (a *Analyzer) Done() {
	if a.finished {
		return
	}
	a.finished = true
	a.s.finalize()
	for i := range a.flows {
		a.flows[i].fb = flowBuffer{}
	}
}

// The flows' events.

func (a *Analyzer) confirm()                { a.h.confirm() }
func (a *Analyzer) weird(name, addl string) { a.h.weird(name, addl) }

func (a *Analyzer) request(method, uri, _ []byte)           { a.s.request(method, uri) }
func (a *Analyzer) reply(_ []byte, code int, reason []byte) { a.s.reply(code, reason) }
func (a *Analyzer) header(isOrig bool, name, value []byte)  { a.s.header(isOrig, name, value) }
func (a *Analyzer) endEntity(isOrig bool)                   { a.s.endEntity(isOrig) }
