package http

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/support"
	"github.com/heron-nsm/heron/internal/packet"
)

// host is what the analyzer needs from the framework; handleHost is the
// real one (over analyzer.Handle), tests have their own.
type host interface {
	support.ConnHost
	// Partial reports whether the connection is TCP-partial.
	Partial() bool
	// Weird raises a weird with HTTP as its source; ScriptWeird with the
	// given source ("" for none), as a Zeek script does.
	Weird(name, addl string)
	ScriptWeird(name, addl, source string)
	// LimitReached marks the connection's history with 'X'.
	LimitReached()
	// Inner starts protocol detection on a tunnelled stream.
	Inner() innerSession
	// registerTunnel reports the connection as a Tunnel::HTTP tunnel.
	registerTunnel()
	// logOn reports whether http.log is written; writeLog writes a
	// record (taking it over).
	logOn() bool
	writeLog(rec *Info)
	// conn identifies the connection (for state shared with HTTP found
	// inside it).
	conn() any
}

// innerSession is a tunnelled stream's analysis.
type innerSession = support.Session

// handleHost is the host of an analyzer in a node.
type handleHost struct{ support.HandleHost }

func newHandleHost(h *analyzer.Handle) *handleHost {
	return &handleHost{support.HandleHost{H: h}}
}

// Partial reports whether the connection is TCP-partial (no handshake
// seen), whose contents Zeek's HTTP analyzer ignores.
func (hh *handleHost) Partial() bool {
	c := hh.H.Conn()
	switch p := any(c).(type) {
	case interface{ TCPPartial() bool }:
		return p.TCPPartial()
	case interface{ IsPartial() bool }:
		return p.IsPartial()
	}
	// Without the TCP state: from the history, as Zeek decides it from
	// the first packets. A responder's SYN-ACK makes the connection
	// whole even without the originator's SYN (Zeek takes the SYN for
	// missed); without either it is partial, and so it is when the
	// responder's first packet had no SYN.
	h := c.History()
	hasSYNAck := strings.ContainsAny(h, "hs")
	if strings.ContainsRune(h, 'S') {
		return c.RespPkts > 0 && !hasSYNAck
	}
	return !hasSYNAck
}

func (hh *handleHost) registerTunnel() { hh.H.RegisterTunnel(packet.TunnelHTTP) }

func (hh *handleHost) logOn() bool { return Log.On(hh.H) }

func (hh *handleHost) writeLog(rec *Info) { Log.Write(hh.H, rec) }

func (hh *handleHost) conn() any { return hh.H.Conn() }
