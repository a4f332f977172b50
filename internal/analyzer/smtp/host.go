package smtp

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// host is what the analyzer needs from the framework; handleHost is the
// real one (over analyzer.Handle), tests have their own.
type host interface {
	support.ConnHost
	// Partial reports whether the connection is TCP-partial (no
	// handshake seen), whose lines Zeek's SMTP analyzer skips.
	Partial() bool
	// Weird raises a weird with SMTP as its source; ScriptWeird with the
	// given source ("" for none), as a Zeek script does.
	Weird(name, addl string)
	ScriptWeird(name, addl, source string)
	// LimitReached marks the connection's history with 'X'.
	LimitReached()
	// Inner starts protocol detection on the stream after STARTTLS.
	Inner() innerSession
	// logOn reports whether smtp.log is written; writeLog writes a
	// record (taking it over).
	logOn() bool
	writeLog(rec *Info)
}

// innerSession is the analysis of what follows STARTTLS.
type innerSession = support.Session

// handleHost is the host of an analyzer in a node.
type handleHost struct{ support.HandleHost }

func newHandleHost(h *analyzer.Handle) *handleHost {
	return &handleHost{support.HandleHost{H: h}}
}

func (hh *handleHost) logOn() bool { return Log.On(hh.H) }

func (hh *handleHost) writeLog(rec *Info) { Log.Write(hh.H, rec) }
