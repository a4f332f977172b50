package ftp

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the FTP analyzers need from the framework; handleHost is
// the real one (over analyzer.Handle), tests have their own.
type host interface {
	now() zeek.Time
	uid() string
	connID() zeek.ConnID
	startTime() zeek.Time
	// weird raises a weird with source as weird.log's source ("" for
	// none); limit also marks the history with 'X' (Zeek's
	// LimitReachedWeird).
	weird(name, addl, source string, limit bool)
	confirm()
	violation(reason string, data []byte)
	// child starts an analyzer on a stream inside the connection (nil
	// when there is none of that name).
	child(name string) stream
	// schedule expects a connection (Analyzer::schedule_analyzer).
	schedule(orig, resp zeek.Addr, port uint16, timeout zeek.Interval)
	// thread is the analysis thread's FTP state.
	thread() *threadState
	// files is the files framework, nil when it is not loaded.
	files() *files.Manager
	addService(name string)
	// closed reports whether the originator has closed its side.
	origClosed() bool
	logOn() bool
	writeLog(rec *Info)
}

// stream is a child analysis session.
type stream interface {
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

func (hh *handleHost) connID() zeek.ConnID   { return hh.h.ID() }
func (hh *handleHost) startTime() zeek.Time  { return hh.h.Conn().StartTime }
func (hh *handleHost) confirm()              { hh.h.Confirm() }
func (hh *handleHost) files() *files.Manager { return hh.h.Files() }
func (hh *handleHost) addService(n string)   { hh.h.Conn().AddService(n) }
func (hh *handleHost) logOn() bool           { return Log.On(hh.h) }
func (hh *handleHost) writeLog(rec *Info)    { Log.Write(hh.h, rec) }

func (hh *handleHost) weird(name, addl, source string, limit bool) {
	hh.h.ScriptWeird(name, addl, source)
	if limit {
		hh.h.Conn().MarkAnalyzerLimit()
	}
}

func (hh *handleHost) violation(reason string, data []byte) { hh.h.Violation(reason, data) }

func (hh *handleHost) child(name string) stream {
	if s := hh.h.Child(name); s != nil {
		return s
	}
	return nil
}

func (hh *handleHost) schedule(orig, resp zeek.Addr, port uint16, timeout zeek.Interval) {
	hh.h.ScheduleAnalyzer(orig, resp, zeek.Port{Num: port, Proto: zeek.ProtoTCP}, "FTP_DATA", timeout)
}

// threadKey keys the FTP state in the thread's values.
type threadKey struct{}

func (hh *handleHost) thread() *threadState {
	return hh.h.ThreadLocal(threadKey{}, func() any { return newThreadState() }).(*threadState)
}

// origClosed is judged from the history: an originator FIN or RST.
func (hh *handleHost) origClosed() bool {
	return strings.ContainsAny(hh.h.Conn().History(), "FR")
}
