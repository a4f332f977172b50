package websocket

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the analyzer needs from the framework; handleHost is the
// real one, tests have their own.
type host interface {
	now() zeek.Time
	uid() string
	connID() zeek.ConnID
	// weird raises a weird of the analyzer (source WEBSOCKET);
	// scriptWeird one of main.zeek (source WebSocket).
	weird(name, addl string)
	scriptWeird(name, addl string)
	// confirm adds WebSocket to the connection's services.
	confirm()
	// violation reports a protocol violation (data borrowed) and
	// reports whether the analyzer is to be removed for it.
	violation(reason string, data []byte, confirmed bool) bool
	// inner starts protocol detection on the payload; nil for none.
	inner() innerSession
	// logOn reports whether websocket.log is written; writeLog writes a
	// record (taking it over).
	logOn() bool
	writeLog(rec *Info)
}

// innerSession is the payload's analysis.
type innerSession interface {
	analyzer.StreamSink
	Done()
}

// name is the analyzer's name (Zeek's canonical WEBSOCKET): weird.log's
// source of its weirds and, in lower case, conn.log's service.
const name = "WEBSOCKET"

// ignoreViolationsAfter is DPD::ignore_violations_after at Zeek's
// default: a violation on a connection larger than this removes nothing.
const ignoreViolationsAfter = 10 * 1024

// handleHost runs the analyzer on the handle of the HTTP analyzer that
// hands it the connection: the framework attaches analyzers by itself
// only, so WebSocket reports through that handle and does for its
// confirmations and violations what the framework does for an analyzer's
// (the service field; analyzer.log is not written for it).
type handleHost struct{ h *analyzer.Handle }

func (hh *handleHost) now() zeek.Time                 { return hh.h.Now() }
func (hh *handleHost) uid() string                    { return hh.h.UID() }
func (hh *handleHost) connID() zeek.ConnID            { return hh.h.ID() }
func (hh *handleHost) weird(weird, addl string)       { hh.h.ScriptWeird(weird, addl, name) }
func (hh *handleHost) scriptWeird(weird, addl string) { hh.h.ScriptWeird(weird, addl, "WebSocket") }
func (hh *handleHost) confirm()                       { hh.h.Conn().AddService(name) }

func (hh *handleHost) violation(_ string, _ []byte, confirmed bool) bool {
	c := hh.h.Conn()
	if c.Size(true)+c.Size(false) > ignoreViolationsAfter {
		return false
	}
	if confirmed {
		c.RemoveService(name)
	}
	return true
}

func (hh *handleHost) inner() innerSession {
	if !useDPDDefault {
		return nil
	}
	return hh.h.Inner()
}

func (hh *handleHost) logOn() bool        { return Log.On(hh.h) }
func (hh *handleHost) writeLog(rec *Info) { Log.Write(hh.h, rec) }
