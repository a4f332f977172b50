package socks

import (
	"errors"
	"fmt"

	"github.com/heron-nsm/heron/internal/analyzer"
)

// maxPending bounds the bytes of one unfinished message kept per
// direction. SOCKS messages are short (a SOCKS5 request is at most 262
// bytes, an RFC 1929 request 513); only SOCKS4's NUL-terminated strings
// are unbounded, and at this size they end where the data ends, as
// Zeek's grammar ends them at the end of a delivery.
const maxPending = 4096

// Analyzer is the SOCKS analyzer of one TCP connection (Zeek's
// SOCKS_Analyzer with its binpac grammar and main.zeek's handlers).
//
// Zeek parses every delivery as one message and ignores what follows the
// message in it. Heron does the same, except that a message cut across
// deliveries is put together before it is parsed (Zeek would fail on its
// first part), so a handshake gives the same results however TCP cut it.
type Analyzer struct {
	h     host
	st    parseState
	ended [2]bool   // [1]: the originator's part is over (EndpointDone)
	skip  bool      // a request Zeek refuses stops the analysis
	pend  [2][]byte // an unfinished message, by direction
	inner innerSession
	rec   *Info // c$socks, nil until the first event
	done  bool
}

var _ analyzer.Analyzer = (*Analyzer)(nil)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newSOCKS(&handleHost{h: h}) }

func newSOCKS(h host) *Analyzer {
	return &Analyzer{h: h, st: parseState{method: 255}}
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// tunnelling reports whether both sides are done with SOCKS: the rest of
// the connection is the proxied protocol.
func (a *Analyzer) tunnelling() bool { return a.ended[0] && a.ended[1] }

// DeliverStream implements analyzer.Analyzer.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.done || a.skip || a.h.partial() {
		return
	}
	if a.tunnelling() {
		if a.inner == nil {
			a.inner = a.h.inner()
		}
		if a.inner != nil {
			a.inner.DeliverStream(data, orig)
		}
		return
	}
	d := dir(orig)
	buf := data
	atEnd := false
	if len(a.pend[d]) > 0 {
		room := maxPending - len(a.pend[d])
		if len(data) >= room {
			data, atEnd = data[:room], true
		}
		a.pend[d] = append(a.pend[d], data...)
		buf = a.pend[d]
	} else if len(buf) >= maxPending {
		buf, atEnd = buf[:maxPending], true
	}
	if !a.parseOne(buf, orig, atEnd) && len(a.pend[d]) == 0 {
		a.pend[d] = append(a.pend[d], buf...)
	}
}

// parseOne parses the message at the start of buf and acts on it. It
// reports false when buf holds only part of a message; whatever follows a
// message in buf is dropped, as Zeek drops the rest of a delivery.
func (a *Analyzer) parseOne(buf []byte, orig, atEnd bool) bool {
	m, _, err := parser{atEnd: atEnd}.parse(buf, orig, a.st)
	if errors.Is(err, errIncomplete) {
		return false
	}
	if err != nil {
		a.h.violation("Binpac exception: " + err.Error())
	} else {
		a.handle(&m, orig)
	}
	a.pend[dir(orig)] = a.pend[dir(orig)][:0]
	return true
}

// flush parses what is left of an unfinished message in one direction as
// Zeek would have parsed it: as all the data there is.
func (a *Analyzer) flush(orig bool) {
	d := dir(orig)
	if len(a.pend[d]) == 0 || a.skip || a.tunnelling() {
		return
	}
	a.parseOne(a.pend[d], orig, true)
}

// handle acts on one message: the grammar's side effects on the
// connection state, then the events Zeek raises for it.
func (a *Analyzer) handle(m *message, orig bool) {
	switch m.kind {
	case kindVersionError:
		a.h.violation(fmt.Sprintf("unsupported/unknown SOCKS version %d", m.version))
	case kindV5Greeting:
		// No event.
	case kindV5MethodReply:
		a.st.inAuthSub = m.code != 0 && m.code != 0xff
		a.st.pastAuth = true
		a.st.method = m.code
	case kindV4Request:
		a.request(4, m)
		a.ended[1] = true
	case kindV4Reply:
		a.reply(4, m)
		a.h.confirm()
		a.ended[0] = true
	case kindV5Request:
		if m.reserved != 0 {
			a.h.violation(fmt.Sprintf("invalid value in reserved field: %d", m.reserved))
			a.skip = true
			return
		}
		if m.code == 0 || m.code > 3 {
			a.h.violation(fmt.Sprintf("undefined value in command field: %d", m.code))
			a.skip = true
			return
		}
		a.request(5, m)
		a.ended[1] = true
	case kindV5Reply:
		a.reply(5, m)
		a.h.confirm()
		a.ended[0] = true
	case kindUserPassRequest:
		a.session(5)
		a.rec.User = some(string(m.user))
		if a.rec.capturePassword {
			a.rec.Password = some(string(m.pass))
		}
	case kindUserPassReply:
		a.session(5)
		a.rec.Status = some(v5Status(m.code))
	case kindAuthUnsupportedMethod:
		a.h.weird("socks5_unsupported_authentication_method", fmt.Sprintf("%d", m.code))
	case kindAuthUnsupportedVersion:
		a.h.weird("socks5_unsupported_authentication", fmt.Sprintf("method %d, version %d", m.code, m.version))
	}
	// A server's message of the sub-negotiation ends it.
	if !orig && (m.kind == kindUserPassReply || m.kind == kindAuthUnsupportedMethod || m.kind == kindAuthUnsupportedVersion) {
		a.st.inAuthSub = false
	}
}

// session is main.zeek's set_session: c$socks is made by the first event.
func (a *Analyzer) session(version uint64) {
	if a.rec != nil {
		return
	}
	a.rec = &Info{TS: a.h.now(), UID: a.h.uid(), ID: a.h.connID(), Version: version, capturePassword: capturePassword}
}

// request is the socks_request event and its handler: the requested
// address is noted and the connection becomes a SOCKS tunnel.
func (a *Analyzer) request(version uint64, m *message) {
	a.session(version)
	a.rec.Request = some(m.addr.toLog())
	a.rec.RequestP = some(tcpPort(m.port))
	a.h.registerTunnel()
}

// reply is the socks_reply event and its handler.
func (a *Analyzer) reply(version uint64, m *message) {
	a.session(version)
	if version == 5 {
		a.rec.Status = some(v5Status(m.code))
	} else {
		a.rec.Status = some(v4Status(m.code))
	}
	a.rec.Bound = some(m.addr.toLog())
	a.rec.BoundP = some(tcpPort(m.port))
}

// Undelivered implements analyzer.Analyzer. A gap ends a message in
// progress; it is not passed to the tunnelled protocol (Zeek passes no
// gaps to the analyzers below SOCKS).
func (a *Analyzer) Undelivered(_ uint64, _ int, orig bool) {
	a.pend[dir(orig)] = a.pend[dir(orig)][:0]
}

// DeliverPacket implements analyzer.Analyzer (SOCKS is TCP only).
func (a *Analyzer) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer: an unfinished message is parsed
// as it stands. The end is not passed to the tunnelled protocol, as in
// Zeek.
func (a *Analyzer) EndOfData(orig bool) {
	if !a.done && !a.h.partial() {
		a.flush(orig)
	}
}

// Done implements analyzer.Analyzer: main.zeek's finalize_socks logs the
// connection's record when SOCKS is (still) among its services.
func (a *Analyzer) Done() {
	if a.done {
		return
	}
	if !a.h.partial() {
		a.flush(true)
		a.flush(false)
	}
	a.done = true
	if a.inner != nil {
		a.inner.Done()
		a.inner = nil
	}
	a.pend = [2][]byte{}
	if a.rec != nil && a.h.hasService() && a.h.logOn() {
		a.h.writeLog(a.rec)
	}
	a.rec = nil
}
