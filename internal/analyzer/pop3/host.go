package pop3

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
)

// host is what the POP3 analyzer needs from the framework; handleHost is
// the real one (over analyzer.Handle), tests have their own.
type host interface {
	// weird raises a weird with source as weird.log's source ("" for
	// none).
	weird(name, addl, source string)
	// limitReached marks the connection's history with 'X'.
	limitReached()
	confirm()
	violation(reason string, data []byte)
	// partial reports whether the connection is TCP-partial (no
	// handshake seen), whose content Zeek's POP3 ignores.
	partial() bool
	// child starts an analyzer on a stream inside the connection (nil
	// when there is none of that name).
	child(name string) stream
	// files is the files framework, nil when it is not loaded;
	// fileConn the connection as files know it.
	files() *files.Manager
	fileConn() *files.Conn
}

// stream is a child analysis session.
type stream interface {
	analyzer.StreamSink
	Done()
}

// handleHost is the host of an analyzer in a node.
type handleHost struct {
	h     *analyzer.Handle
	fconn *files.Conn
}

func (hh *handleHost) weird(name, addl, source string) { hh.h.ScriptWeird(name, addl, source) }
func (hh *handleHost) limitReached()                   { hh.h.Conn().MarkAnalyzerLimit() }
func (hh *handleHost) confirm()                        { hh.h.Confirm() }
func (hh *handleHost) violation(r string, d []byte)    { hh.h.Violation(r, d) }
func (hh *handleHost) partial() bool                   { return hh.h.Conn().TCPPartial() }
func (hh *handleHost) files() *files.Manager           { return hh.h.Files() }

func (hh *handleHost) fileConn() *files.Conn {
	if hh.fconn == nil {
		hh.fconn = &files.Conn{UID: hh.h.UID(), ID: hh.h.ID()}
	}
	return hh.fconn
}

func (hh *handleHost) child(name string) stream {
	if s := hh.h.Child(name); s != nil {
		return s
	}
	return nil
}
