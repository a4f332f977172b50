package ftp

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/support"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the FTP analyzers need from the framework; handleHost is
// the real one (over analyzer.Handle), tests have their own.
type host interface {
	support.ConnHost
	// weird raises a weird with source as weird.log's source ("" for
	// none); limit also marks the history with 'X' (Zeek's
	// LimitReachedWeird).
	weird(name, addl, source string, limit bool)
	// child starts an analyzer on a stream inside the connection (nil
	// when there is none of that name).
	child(name string) stream
	// schedule expects a connection (Analyzer::schedule_analyzer).
	schedule(orig, resp zeek.Addr, port uint16, timeout zeek.Interval)
	// thread is the analysis thread's FTP state.
	thread() *threadState
	addService(name string)
	// closed reports whether the originator has closed its side.
	origClosed() bool
	logOn() bool
	writeLog(rec *Info)
}

// stream is a child analysis session.
type stream = support.Session

// handleHost is the host of an analyzer in a node.
type handleHost struct{ support.HandleHost }

func newHandleHost(h *analyzer.Handle) *handleHost {
	return &handleHost{support.HandleHost{H: h}}
}

func (hh *handleHost) addService(n string) { hh.H.Conn().AddService(n) }
func (hh *handleHost) logOn() bool         { return Log.On(hh.H) }
func (hh *handleHost) writeLog(rec *Info)  { Log.Write(hh.H, rec) }

func (hh *handleHost) weird(name, addl, source string, limit bool) {
	hh.H.ScriptWeird(name, addl, source)
	if limit {
		hh.H.Conn().MarkAnalyzerLimit()
	}
}

func (hh *handleHost) child(name string) stream {
	if s := hh.H.Child(name); s != nil {
		return s
	}
	return nil
}

func (hh *handleHost) schedule(orig, resp zeek.Addr, port uint16, timeout zeek.Interval) {
	hh.H.ScheduleAnalyzer(orig, resp, zeek.Port{Num: port, Proto: zeek.ProtoTCP}, "FTP_DATA", timeout)
}

// threadKey keys the FTP state in the thread's values.
type threadKey struct{}

func (hh *handleHost) thread() *threadState {
	return hh.H.ThreadLocal(threadKey{}, func() any { return newThreadState() }).(*threadState)
}

// origClosed is judged from the history: an originator FIN or RST.
func (hh *handleHost) origClosed() bool {
	return strings.ContainsAny(hh.H.Conn().History(), "FR")
}
