package support

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// ConnHost is the view of its connection and of the framework that most
// analyzers need. An analyzer's own host interface embeds it and adds
// what is particular to the analyzer; HandleHost implements it in a node,
// and tests have fakes.
type ConnHost interface {
	// Now is network time.
	Now() zeek.Time
	// UID and ConnID identify the connection; ConnID as the connection
	// has its roles now (after any flip).
	UID() string
	ConnID() zeek.ConnID
	// StartTime is the connection's start (c$start_time).
	StartTime() zeek.Time
	// Confirm and Violation are the analyzer's protocol verdicts; data
	// is borrowed for the call.
	Confirm()
	Violation(reason string, data []byte)
	// Files is the files framework, nil when it is not loaded.
	Files() *files.Manager
}

// HandleHost implements ConnHost, and the other common host methods
// below, over an analyzer.Handle. Analyzers embed it in their hosts.
type HandleHost struct {
	// H is the analyzer's handle.
	H   *analyzer.Handle
	uid string
}

var _ ConnHost = (*HandleHost)(nil)

// Now implements ConnHost.
func (hh *HandleHost) Now() zeek.Time { return hh.H.Now() }

// UID implements ConnHost; the uid is built once.
func (hh *HandleHost) UID() string {
	if hh.uid == "" {
		hh.uid = hh.H.UID()
	}
	return hh.uid
}

// ConnID implements ConnHost. It is not cached: a connection's roles may
// flip.
func (hh *HandleHost) ConnID() zeek.ConnID { return hh.H.ID() }

// StartTime implements ConnHost.
func (hh *HandleHost) StartTime() zeek.Time { return hh.H.Conn().StartTime }

// Confirm implements ConnHost.
func (hh *HandleHost) Confirm() { hh.H.Confirm() }

// Violation implements ConnHost.
func (hh *HandleHost) Violation(reason string, data []byte) { hh.H.Violation(reason, data) }

// Files implements ConnHost.
func (hh *HandleHost) Files() *files.Manager { return hh.H.Files() }

// Partial reports whether the connection is TCP-partial (no handshake
// seen).
func (hh *HandleHost) Partial() bool { return hh.H.Conn().TCPPartial() }

// Weird raises a weird with the analyzer as its source.
func (hh *HandleHost) Weird(name, addl string) { hh.H.Weird(name, addl) }

// ScriptWeird raises a weird with the given source ("" for none), as a
// Zeek script does.
func (hh *HandleHost) ScriptWeird(name, addl, source string) { hh.H.ScriptWeird(name, addl, source) }

// LimitReached marks the connection's history with 'X'.
func (hh *HandleHost) LimitReached() { hh.H.Conn().MarkAnalyzerLimit() }

// Inner starts protocol detection on a stream inside the connection
// (after STARTTLS, in a tunnel).
func (hh *HandleHost) Inner() Session { return hh.H.Inner() }
