package socks

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the analyzer needs from the framework; handleHost is the
// real one (over analyzer.Handle), tests have their own.
type host interface {
	now() zeek.Time
	uid() string
	connID() zeek.ConnID
	// partial reports whether the connection is TCP-partial, whose
	// contents Zeek's TCP analyzers ignore.
	partial() bool
	// weird raises a weird with SOCKS as its source.
	weird(name, addl string)
	confirm()
	violation(reason string)
	// registerTunnel reports the connection as a Tunnel::SOCKS tunnel.
	registerTunnel()
	// inner starts protocol detection on the tunnelled stream; nil when
	// there is none.
	inner() innerSession
	// hasService reports whether SOCKS is among the connection's
	// services (Zeek's "SOCKS" in c$service).
	hasService() bool
	// logOn reports whether socks.log is written; writeLog writes a
	// record (taking it over).
	logOn() bool
	writeLog(rec *Info)
}

// innerSession is the tunnelled stream's analysis.
type innerSession interface {
	analyzer.StreamSink
	Done()
}

// handleHost is the host of an analyzer in a node.
type handleHost struct{ h *analyzer.Handle }

func (hh *handleHost) now() zeek.Time      { return hh.h.Now() }
func (hh *handleHost) uid() string         { return hh.h.UID() }
func (hh *handleHost) connID() zeek.ConnID { return hh.h.ID() }
func (hh *handleHost) partial() bool       { return hh.h.Conn().TCPPartial() }
func (hh *handleHost) weird(name, addl string) {
	hh.h.Weird(name, addl)
}
func (hh *handleHost) confirm()                { hh.h.Confirm() }
func (hh *handleHost) violation(reason string) { hh.h.Violation(reason, nil) }
func (hh *handleHost) registerTunnel()         { hh.h.RegisterTunnel(packet.TunnelSOCKS) }
func (hh *handleHost) inner() innerSession     { return hh.h.Inner() }
func (hh *handleHost) hasService() bool        { return hh.h.Conn().HasService(hh.h.Name()) }
func (hh *handleHost) logOn() bool             { return Log.On(hh.h) }
func (hh *handleHost) writeLog(rec *Info)      { Log.Write(hh.h, rec) }
