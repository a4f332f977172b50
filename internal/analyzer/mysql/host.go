package mysql

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the MySQL analyzer needs from its connection and the
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
	writeLog(rec *Info)
	// inner starts protocol detection on the TLS stream that follows a
	// client's SSL request (Zeek's SSL child analyzer).
	inner() innerSession
}

// innerSession is the protocol detection the TLS stream goes to.
type innerSession interface {
	analyzer.StreamSink
	Done()
}

// handleHost is the host of an analyzer in a node.
type handleHost struct{ h *analyzer.Handle }

func (hh handleHost) now() zeek.Time          { return hh.h.Now() }
func (hh handleHost) uid() string             { return hh.h.UID() }
func (hh handleHost) connID() zeek.ConnID     { return hh.h.ID() }
func (hh handleHost) partial() bool           { return hh.h.Conn().TCPPartial() }
func (hh handleHost) confirm()                { hh.h.Confirm() }
func (hh handleHost) violation(reason string) { hh.h.Violation(reason, nil) }
func (hh handleHost) writeLog(rec *Info)      { Log.Write(hh.h, rec) }
func (hh handleHost) inner() innerSession     { return hh.h.Inner() }
