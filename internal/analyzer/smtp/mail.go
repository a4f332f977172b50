package smtp

import (
	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/files"
)

// segmentLength is mime_segment_length: the size of the pieces in which
// a message's decoded content reaches the files framework.
const segmentLength = 1024

// mail is the MIME analysis of one message (Zeek's MIME_Mail): the lines
// of the message go to a tree of mime.Entity values with the base
// behaviour, and what the entities produce goes to the script layer
// (mime_begin_entity, mime_one_header, mime_end_entity) and, entity by
// entity, to the files framework.
type mail struct {
	a      *Analyzer
	isOrig bool
	top    *mime.Entity
	file   *files.Transfer // the current entity's file (cur_entity_id)
	entLen uint64          // content bytes of the current entity
}

var _ mime.Message = (*mail)(nil)

func newMail(a *Analyzer, isOrig bool) *mail {
	m := &mail{a: a, isOrig: isOrig}
	m.top = mime.NewEntity(m, nil, nil, mimeLimits())
	m.BeginEntity(m.top)
	return m
}

// deliver passes one line of the message (borrowed), without its CRLF.
func (m *mail) deliver(line []byte, crlf bool) { m.top.Deliver(line, crlf) }

// done ends the message (MIME_Mail::Done): the entities end, and a file
// still open under the current file handle ends too.
func (m *mail) done() {
	m.top.EndOfData()
	m.a.endFileByHandle()
}

// undelivered records a content gap in the current entity's file,
// opening it if the entity had no content yet (MIME_Mail::Undelivered).
func (m *mail) undelivered(n int) {
	if m.file == nil {
		if m.file = m.a.openEntityFile(m.isOrig); m.file == nil {
			return
		}
	}
	m.file.Gap(m.entLen, uint64(n))
}

// BeginEntity implements mime.Message (mime_begin_entity).
func (m *mail) BeginEntity(*mime.Entity) {
	m.entLen = 0
	m.file = nil
	m.a.s.mimeBeginEntity()
}

// EndEntity implements mime.Message (mime_end_entity, then the end of
// the entity's file: by fuid when it had one, else by file handle).
func (m *mail) EndEntity(*mime.Entity) {
	m.a.s.mimeEndEntity()
	if m.file != nil {
		m.file.End()
	} else {
		m.a.endFileByHandle()
	}
	m.file = nil
}

// SubmitHeader implements mime.Message (mime_one_header).
func (m *mail) SubmitHeader(_ *mime.Entity, h *mime.Header) { m.a.s.mimeOneHeader(h.Name, h.Value) }

// SubmitAllHeaders implements mime.Message (mime_all_headers, which no
// default script handles).
func (m *mail) SubmitAllHeaders(*mime.Entity) {}

// SubmitData implements mime.Message: decoded content goes to the
// entity's file.
func (m *mail) SubmitData(_ *mime.Entity, data []byte) {
	if m.file == nil {
		if m.file = m.a.openEntityFile(m.isOrig); m.file == nil {
			return
		}
	}
	m.file.Data(data)
	m.entLen += uint64(len(data))
}

// Event implements mime.Message (mime_event, which no default script
// handles).
func (m *mail) Event(*mime.Entity, mime.EventKind, string) {}

// Weird implements mime.Message: the depth and header-size limits are
// analyzer limit weirds of SMTP; base64 complaints are the connection's.
func (m *mail) Weird(name, addl string) {
	switch name {
	case "exceeded_mime_max_depth", "exceeded_mime_max_header_bytes":
		m.a.h.ScriptWeird(name, addl, analyzerName)
		m.a.h.LimitReached()
	default:
		m.a.h.ScriptWeird(name, addl, "")
	}
}

// BufferSize implements mime.Message.
func (m *mail) BufferSize() int { return segmentLength }
