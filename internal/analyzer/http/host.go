package http

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the analyzer needs from the framework; handleHost is the
// real one (over analyzer.Handle), tests have their own.
type host interface {
	now() zeek.Time
	uid() string
	connID() zeek.ConnID
	// startTime is the connection's start (c$start_time).
	startTime() zeek.Time
	// partial reports whether the connection is TCP-partial.
	partial() bool
	// weird raises a weird with HTTP as its source; scriptWeird with the
	// given source ("" for none), as a Zeek script does.
	weird(name, addl string)
	scriptWeird(name, addl, source string)
	// limitReached marks the connection's history with 'X'.
	limitReached()
	confirm()
	violation(reason string, data []byte)
	// files is the files framework, nil when it is not loaded.
	files() *files.Manager
	// inner starts protocol detection on a tunnelled stream.
	inner() innerSession
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
type innerSession interface {
	analyzer.StreamSink
	Done()
}

// handleHost is the host of an analyzer in a node.
type handleHost struct {
	h      *analyzer.Handle
	uidStr string
}

func (hh *handleHost) now() zeek.Time { return hh.h.Now() }

func (hh *handleHost) uid() string {
	if hh.uidStr == "" {
		hh.uidStr = hh.h.UID()
	}
	return hh.uidStr
}

// connID is not cached: a connection's roles may flip.
func (hh *handleHost) connID() zeek.ConnID { return hh.h.ID() }

func (hh *handleHost) startTime() zeek.Time { return hh.h.Conn().StartTime }

// partial reports whether the connection is TCP-partial (no handshake
// seen), whose contents Zeek's HTTP analyzer ignores.
func (hh *handleHost) partial() bool {
	c := hh.h.Conn()
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

func (hh *handleHost) weird(name, addl string) { hh.h.Weird(name, addl) }

func (hh *handleHost) scriptWeird(name, addl, source string) { hh.h.ScriptWeird(name, addl, source) }

func (hh *handleHost) limitReached() { hh.h.Conn().MarkAnalyzerLimit() }

func (hh *handleHost) confirm() { hh.h.Confirm() }

func (hh *handleHost) violation(reason string, data []byte) { hh.h.Violation(reason, data) }

func (hh *handleHost) files() *files.Manager { return hh.h.Files() }

func (hh *handleHost) inner() innerSession { return hh.h.Inner() }

func (hh *handleHost) registerTunnel() { hh.h.RegisterTunnel(packet.TunnelHTTP) }

func (hh *handleHost) logOn() bool { return Log.On(hh.h) }

func (hh *handleHost) writeLog(rec *Info) { Log.Write(hh.h, rec) }

func (hh *handleHost) conn() any { return hh.h.Conn() }
