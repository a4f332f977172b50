package rdp

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/x509"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the RDP analyzer needs from its connection and the
// framework; tests supply their own.
type host interface {
	now() zeek.Time
	uid() string
	connID() zeek.ConnID
	// partial reports whether the connection started without its TCP
	// handshake (Zeek's analyzer then ignores it).
	partial() bool
	confirm()
	violation(reason string)
	// scriptWeird is Reporter::conn_weird without a source.
	scriptWeird(name, addl string)
	// addTimer calls fn at network time at, unless the analyzer is gone.
	addTimer(at zeek.Time, fn func(now zeek.Time))
	writeLog(rec *Info)
	// inner starts protocol detection on the TLS stream that follows an
	// encrypted negotiation (Zeek's SSL child analyzer).
	inner() innerSession
	// certificate hands a server certificate to file analysis; der is
	// borrowed.
	certificate(der []byte)
}

// innerSession is the protocol detection the TLS stream goes to.
type innerSession interface {
	analyzer.StreamSink
	Done()
}

// handleHost is the host of an analyzer in a node.
type handleHost struct {
	h     *analyzer.Handle
	fconn *files.Conn
}

func (hh *handleHost) now() zeek.Time                { return hh.h.Now() }
func (hh *handleHost) uid() string                   { return hh.h.UID() }
func (hh *handleHost) connID() zeek.ConnID           { return hh.h.ID() }
func (hh *handleHost) partial() bool                 { return hh.h.Conn().TCPPartial() }
func (hh *handleHost) confirm()                      { hh.h.Confirm() }
func (hh *handleHost) violation(reason string)       { hh.h.Violation(reason, nil) }
func (hh *handleHost) scriptWeird(name, addl string) { hh.h.ScriptWeird(name, addl, "") }
func (hh *handleHost) writeLog(rec *Info)            { Log.Write(hh.h, rec) }
func (hh *handleHost) inner() innerSession           { return hh.h.Inner() }

func (hh *handleHost) addTimer(at zeek.Time, fn func(zeek.Time)) { hh.h.AddTimer(at, fn) }

// certificate is the grammar's proc_x509_cert_data: each certificate of
// the server's chain is a file of its own under one file handle per
// connection, typed as a host certificate sent by the responder; the
// X509 file analyzer decodes it and x509.log gets it as Zeek's x509
// scripts log every certificate file.
func (hh *handleHost) certificate(der []byte) {
	fm := hh.h.Files()
	if fm == nil {
		return
	}
	if hh.fconn == nil {
		hh.fconn = &files.Conn{UID: hh.h.UID(), ID: hh.h.ID()}
	}
	t := fm.Open(files.Spec{
		Handle: "RDP|" + hh.fconn.UID,
		Source: "RDP",
		Conn:   hh.fconn,
		MIME:   x509.MIMEUserCert,
	})
	f := t.File()
	ts := f.Info().TS
	x509.Expect(f)
	t.Data(der)
	t.End()
	d, err, ok := x509.Take(f)
	if !ok || err != nil || d == nil {
		return
	}
	if x509.SharedKnown.ShouldLog(ts, d.Fingerprint, true, false) {
		rec := x509.NewInfo(d, ts, true, false)
		x509.Log.Write(hh.h, &rec)
	}
}
