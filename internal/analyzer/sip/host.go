package sip

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the SIP analyzer needs from its connection and the
// framework; tests supply their own.
type host interface {
	now() zeek.Time
	uid() string
	connID() zeek.ConnID
	confirm()
	violation(reason string)
	// weird is the analyzer's own weird (source SIP).
	weird(name, addl string)
	// scriptWeird is Reporter::conn_weird without a source.
	scriptWeird(name, addl string)
	writeLog(rec *Info)
}

// handleHost is the host of an analyzer in a node.
type handleHost struct{ h *analyzer.Handle }

func (hh handleHost) now() zeek.Time                { return hh.h.Now() }
func (hh handleHost) uid() string                   { return hh.h.UID() }
func (hh handleHost) connID() zeek.ConnID           { return hh.h.ID() }
func (hh handleHost) confirm()                      { hh.h.Confirm() }
func (hh handleHost) violation(reason string)       { hh.h.Violation(reason, nil) }
func (hh handleHost) weird(name, addl string)       { hh.h.Weird(name, addl) }
func (hh handleHost) scriptWeird(name, addl string) { hh.h.ScriptWeird(name, addl, "") }
func (hh handleHost) writeLog(rec *Info)            { Log.Write(hh.h, rec) }
