package ftp

import (
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// Analyzer is the FTP analyzer of one control connection (Zeek's
// FTP_Analyzer with its two NVT support analyzers and the script layer).
type Analyzer struct {
	h     host
	nvt   [2]nvt // by direction: [1] originator
	flags connFlags
	sc    script

	pendingReply  int    // the code of a multi-line reply in progress
	authRequested []byte // the argument of the last AUTH
	confirmed     bool

	// tls is the SSL session after AUTH TLS; once it is Active the
	// control connection is TLS.
	tls support.Handoff
	// adat is the SSL session fed with the ADAT exchange of AUTH GSSAPI.
	adat *adatChild
	// watch sees the TLS records for GridFTP's label.
	watch tlsWatch

	done bool
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ nvtSink           = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newFTP(newHandleHost(h)) }

func newFTP(h host) *Analyzer {
	a := &Analyzer{h: h}
	a.sc.h = h
	a.nvt[1].init(a, true, &a.nvt[0], &a.flags)
	a.nvt[0].init(a, false, &a.nvt[1], &a.flags)
	return a
}

// DeliverStream implements analyzer.Analyzer.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.done {
		return
	}
	if a.tls.Active() {
		a.toTLS(data, orig)
		return
	}
	a.nvt[dir(orig)].deliver(data)
}

// Undelivered implements analyzer.Analyzer. A gap does not touch the
// line splitters (Zeek's NVT passes it on); after AUTH TLS it reaches SSL.
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) {
	if a.done {
		return
	}
	if a.tls.Active() {
		a.tls.Undelivered(seq, n, orig)
	}
}

// DeliverPacket implements analyzer.Analyzer (FTP is TCP only).
func (a *Analyzer) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer: a partial line is delivered.
func (a *Analyzer) EndOfData(orig bool) {
	if a.done {
		return
	}
	if a.tls.Active() {
		a.tls.EndOfData(orig)
		return
	}
	a.nvt[dir(orig)].end()
}

// Done implements analyzer.Analyzer.
func (a *Analyzer) Done() {
	if a.done {
		return
	}
	a.done = true
	if !a.tls.Active() && a.nvt[1].hasPartialLine() && a.h.origClosed() {
		a.h.weird("partial_ftp_request", "", "FTP", false)
	}
	a.tls.Done()
	if a.adat != nil {
		a.adat.remove()
		a.adat = nil
	}
	a.sc.finalize()
}

// nvtWeird implements nvtSink.
func (a *Analyzer) nvtWeird(name, addl string, limit bool) { a.h.weird(name, addl, "NVT", limit) }

// nvtLine implements nvtSink: one line of a direction (FTP_Analyzer's
// DeliverStream).
func (a *Analyzer) nvtLine(line []byte, orig bool) {
	if a.tls.Active() {
		// Lines the splitter still had when TLS began go to SSL as
		// they are, as Zeek forwards them.
		a.toTLS(line, orig)
		return
	}
	if len(line) == 0 {
		return
	}
	if orig {
		a.request(line)
	} else {
		a.reply(line)
	}
}

// request handles a client line.
func (a *Analyzer) request(line []byte) {
	rest := skipWS(line)
	cmd := getWord(rest)
	rest = skipWS(rest[len(cmd):])
	if !isCommand(cmd) {
		if a.confirmed {
			a.h.weird("FTP_invalid_command", "", "FTP", false)
		}
		return
	}
	if max := opts.maxCommandLength; max > 0 && uint64(len(cmd)) > max {
		if a.confirmed {
			a.h.weird("FTP_max_command_length_exceeded", strconv.Itoa(len(cmd))+" > "+strconv.FormatUint(max, 10), "FTP", true)
		}
		return
	}
	command := strings.ToUpper(string(cmd))
	a.confirm()
	if prefixOf([]byte(command), "AUTH") {
		a.authRequested = append(a.authRequested[:0], rest...)
	}
	a.sc.request(command, rest)
	if a.adat != nil {
		a.adat.line(line, true)
	}
}

func (a *Analyzer) confirm() {
	a.confirmed = true
	a.h.Confirm()
}

// reply handles a server line.
func (a *Analyzer) reply(line []byte) {
	code := replyCode(line)
	var msg []byte
	cont := false
	if a.pendingReply != 0 {
		if code == a.pendingReply && len(line) > 3 && line[3] == ' ' {
			msg = skipWS(line[3:])
			a.pendingReply = 0
		} else {
			cont = true
			code = 0
			msg = line
		}
	} else {
		switch {
		case code == 0:
			a.h.Violation("non-numeric reply code", line)
			return
		case code < 100:
			a.h.Violation("invalid reply code", line)
			return
		case len(line) > 3 && line[3] == '-':
			a.pendingReply = code
			msg = skipWS(line[4:])
			cont = true
		case len(line) > 3 && line[3] != ' ':
			a.h.Violation("invalid reply line", line)
			return
		default:
			msg = skipWS(line[3:])
		}
	}
	if code == 234 && string(a.authRequested) == "TLS" {
		a.startTLS()
	}
	if code == 334 && string(a.authRequested) == "GSSAPI" && a.adat == nil && !a.tls.Active() {
		if s := a.h.child("SSL"); s != nil {
			a.adat = &adatChild{a: a, s: s, firstToken: true}
		}
	}
	a.sc.reply(uint64(code), msg, cont)
	if !a.tls.Active() && a.adat != nil {
		a.adat.line(line, false)
	}
}

// startTLS hands the connection to SSL after "234" to AUTH TLS.
func (a *Analyzer) startTLS() {
	if a.tls.Active() {
		return
	}
	var s support.Session
	if a.adat == nil {
		s = a.h.child("SSL")
	}
	a.tls.Begin(s)
}

// toTLS passes stream bytes to SSL after AUTH TLS.
func (a *Analyzer) toTLS(data []byte, orig bool) {
	if a.tls.Session() != nil {
		a.tls.DeliverStream(data, orig)
		a.tlsData(data, orig)
	}
}
