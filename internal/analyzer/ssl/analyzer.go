package ssl

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/x509"
	"github.com/heron-nsm/heron/internal/zeek"
)

// tcpAnalyzer is the SSL analyzer: TLS and SSL over a TCP stream.
type tcpAnalyzer struct {
	e engine
	a handleAdapter
}

// udpAnalyzer is the DTLS analyzer.
type udpAnalyzer struct {
	e engine
	a handleAdapter
}

var (
	_ analyzer.Analyzer = (*tcpAnalyzer)(nil)
	_ analyzer.Analyzer = (*udpAnalyzer)(nil)
)

func newTCP(h *analyzer.Handle) analyzer.Analyzer {
	a := &tcpAnalyzer{a: handleAdapter{h: h, source: "SSL"}}
	a.e = *newEngine(&a.a, &a.a, &DefaultOptions, false)
	return a
}

func newUDP(h *analyzer.Handle) analyzer.Analyzer {
	a := &udpAnalyzer{a: handleAdapter{h: h, source: "DTLS"}}
	a.e = *newEngine(&a.a, &a.a, &DefaultOptions, true)
	return a
}

// DeliverStream implements analyzer.Analyzer.
func (a *tcpAnalyzer) DeliverStream(data []byte, orig bool) {
	e := &a.e
	if e.skip || e.disabled || e.hadGap {
		return
	}
	if e.partial == 0 {
		e.partial = -1
		if partialTCP(a.a.h.Conn().History()) {
			e.partial = 1
		}
	}
	if e.partial > 0 {
		return
	}
	e.deliverStream(data, orig)
}

// partialTCP tells from a connection's history whether Zeek counts it as
// partial (its first packet was not the originator's SYN nor a SYN
// answer): Zeek's SSL analyzer ignores such connections.
func partialTCP(history string) bool {
	if history == "" {
		return true
	}
	switch history[0] {
	case 'S', 'H', 's', 'h':
		return false
	}
	return true
}

// Undelivered implements analyzer.Analyzer: after a content gap Zeek's
// SSL analyzer parses nothing more, in either direction.
func (a *tcpAnalyzer) Undelivered(seq uint64, n int, orig bool) { a.e.hadGap = true }

// DeliverPacket implements analyzer.Analyzer (unused over TCP).
func (a *tcpAnalyzer) DeliverPacket(data []byte, orig bool) {}

// EndOfData implements analyzer.Analyzer: an incomplete record at the end
// is dropped, as in Zeek.
func (a *tcpAnalyzer) EndOfData(orig bool) {}

// Done implements analyzer.Analyzer.
func (a *tcpAnalyzer) Done() { a.e.done() }

// DeliverStream implements analyzer.Analyzer (unused over UDP).
func (a *udpAnalyzer) DeliverStream(data []byte, orig bool) {}

// Undelivered implements analyzer.Analyzer (unused over UDP).
func (a *udpAnalyzer) Undelivered(seq uint64, n int, orig bool) {}

// DeliverPacket implements analyzer.Analyzer.
func (a *udpAnalyzer) DeliverPacket(data []byte, orig bool) {
	if a.e.disabled {
		return
	}
	a.e.deliverPacket(data, orig)
}

// EndOfData implements analyzer.Analyzer.
func (a *udpAnalyzer) EndOfData(orig bool) {}

// Done implements analyzer.Analyzer.
func (a *udpAnalyzer) Done() { a.e.done() }

// handleAdapter connects the engine to the analyzer framework.
type handleAdapter struct {
	h      *analyzer.Handle
	source string // "SSL" or "DTLS": files.log's source
	fconn  *files.Conn
	// The server's first certificate, for Established (events.go).
	firstSHA1, firstFUID string
}

func (a *handleAdapter) Confirm()                             { a.h.Confirm() }
func (a *handleAdapter) Violation(reason string, data []byte) { a.h.Violation(reason, data) }
func (a *handleAdapter) Weird(name, addl string)              { a.h.Weird(name, addl) }
func (a *handleAdapter) ScriptWeird(name, addl string)        { a.h.ScriptWeird(name, addl, "") }
func (a *handleAdapter) Now() zeek.Time                       { return a.h.Now() }
func (a *handleAdapter) UID() string                          { return a.h.UID() }
func (a *handleAdapter) ID() zeek.ConnID                      { return a.h.ID() }

func (a *handleAdapter) writeSSL(rec *Info) { sslLog.Write(a.h, rec) }

// fileSpec describes a file the connection carries, with Zeek's notion
// of its handle (analyzer, connection, direction, index).
func (a *handleAdapter) fileSpec(isClient bool, what, mime string) files.Spec {
	if a.fconn == nil {
		a.fconn = &files.Conn{UID: a.h.UID(), ID: a.h.ID()}
	}
	dir := "F"
	if isClient {
		dir = "T"
	}
	return files.Spec{
		Handle: a.source + "|" + a.fconn.UID + "|" + dir + "|" + what,
		Source: a.source,
		Conn:   a.fconn,
		IsOrig: isClient,
		MIME:   mime,
	}
}

// certificate hands a certificate to the files framework, whose X509
// analyzer decodes it (Zeek's file_mgr->DataIn and EndOfFile), and
// writes its x509.log record unless the certificate was logged in the
// last day. Without the files framework it decodes the certificate
// itself.
func (a *handleAdapter) certificate(now zeek.Time, der []byte, index int, hostCert, client bool) (string, *x509.Decoded) {
	write := func(rec *x509.Info) { x509.Log.Write(a.h, rec) }
	fm := a.h.Files()
	if fm == nil {
		if index == 0 && !client {
			a.firstCert(der, "")
		}
		return sharedCerts().handle(now, der, hostCert, client, write)
	}
	mime := x509.MIMECACert
	if hostCert {
		mime = x509.MIMEUserCert
	}
	t := fm.Open(a.fileSpec(client, strconv.Itoa(index), mime))
	f := t.File()
	if index == 0 && !client {
		a.firstCert(der, f.ID())
	}
	ts := f.Info().TS
	x509.Expect(f)
	t.Data(der)
	t.End()
	d, err, ok := x509.Take(f)
	if !ok || err != nil || d == nil {
		return "", nil
	}
	sharedCerts().logOnce(ts, d, hostCert, client, write)
	return d.Fingerprint, d
}

// stapledOCSP hands a stapled OCSP response to the files framework.
func (a *handleAdapter) stapledOCSP(resp []byte) {
	fm := a.h.Files()
	if fm == nil {
		return
	}
	t := fm.Open(a.fileSpec(false, "ocsp", x509.MIMEOCSPResponse))
	t.Data(resp)
	t.End()
}

// certState is the certificate state certificates go through: the
// certificate cache and the table of certificates already logged.
type certState struct {
	cache *x509.Cache
	known *x509.Known
}

// sharedCerts returns the node's shared certificate state.
func sharedCerts() *certState {
	return &certState{cache: x509.SharedCache, known: x509.SharedKnown}
}

// handle decodes a certificate and writes its x509.log record through
// write when it is due.
func (c *certState) handle(now zeek.Time, der []byte, hostCert, client bool, write func(*x509.Info)) (string, *x509.Decoded) {
	d, err := x509.Lookup(c.cache, now, der)
	if err != nil {
		return "", nil
	}
	c.logOnce(now, d, hostCert, client, write)
	return d.Fingerprint, d
}

// logOnce writes a certificate's x509.log record unless it was logged
// in the last day in the same role (X509::known_log_certs).
func (c *certState) logOnce(ts zeek.Time, d *x509.Decoded, hostCert, client bool, write func(*x509.Info)) {
	if c.known.ShouldLog(ts, d.Fingerprint, hostCert, client) {
		rec := x509.NewInfo(d, ts, hostCert, client)
		write(&rec)
	}
}
