package xmpp

import "github.com/heron-nsm/heron/internal/analyzer"

// host is what the XMPP analyzer needs from the framework; handleHost is
// the real one (over analyzer.Handle), tests have their own.
type host interface {
	// weird raises a weird with XMPP as its source.
	weird(name string)
	confirm()
	violation(reason string, data []byte)
	// partial reports whether the connection is TCP-partial (no
	// handshake seen), whose content Zeek's XMPP ignores.
	partial() bool
	// child starts an analyzer on a stream inside the connection (nil
	// when there is none of that name).
	child(name string) stream
}

// stream is a child analysis session.
type stream interface {
	analyzer.StreamSink
	Done()
}

// handleHost is the host of an analyzer in a node.
type handleHost struct{ h *analyzer.Handle }

func (hh *handleHost) weird(name string)            { hh.h.Weird(name, "") }
func (hh *handleHost) confirm()                     { hh.h.Confirm() }
func (hh *handleHost) violation(r string, d []byte) { hh.h.Violation(r, d) }
func (hh *handleHost) partial() bool                { return hh.h.Conn().TCPPartial() }

func (hh *handleHost) child(name string) stream {
	if s := hh.h.Child(name); s != nil {
		return s
	}
	return nil
}
