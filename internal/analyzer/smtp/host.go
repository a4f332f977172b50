package smtp

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
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
	// partial reports whether the connection is TCP-partial (no
	// handshake seen), whose lines Zeek's SMTP analyzer skips.
	partial() bool
	// weird raises a weird with SMTP as its source; scriptWeird with the
	// given source ("" for none), as a Zeek script does.
	weird(name, addl string)
	scriptWeird(name, addl, source string)
	// limitReached marks the connection's history with 'X'.
	limitReached()
	confirm()
	violation(reason string, data []byte)
	// files is the files framework, nil when it is not loaded.
	files() *files.Manager
	// inner starts protocol detection on the stream after STARTTLS.
	inner() innerSession
	// logOn reports whether smtp.log is written; writeLog writes a
	// record (taking it over).
	logOn() bool
	writeLog(rec *Info)
}

// innerSession is the analysis of what follows STARTTLS.
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

func (hh *handleHost) partial() bool { return hh.h.Conn().TCPPartial() }

func (hh *handleHost) weird(name, addl string) { hh.h.Weird(name, addl) }

func (hh *handleHost) scriptWeird(name, addl, source string) { hh.h.ScriptWeird(name, addl, source) }

func (hh *handleHost) limitReached() { hh.h.Conn().MarkAnalyzerLimit() }

func (hh *handleHost) confirm() { hh.h.Confirm() }

func (hh *handleHost) violation(reason string, data []byte) { hh.h.Violation(reason, data) }

func (hh *handleHost) files() *files.Manager { return hh.h.Files() }

func (hh *handleHost) inner() innerSession { return hh.h.Inner() }

func (hh *handleHost) logOn() bool { return Log.On(hh.h) }

func (hh *handleHost) writeLog(rec *Info) { Log.Write(hh.h, rec) }
