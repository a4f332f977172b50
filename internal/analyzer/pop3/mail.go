package pop3

import (
	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/files"
)

// segmentLength is the size of the content chunks a message hands to the
// files framework (Zeek's mime_segment_length).
const segmentLength = 1024

// mail is a retrieved message (Zeek's MIME_Mail as POP3 uses it): its
// lines go to a top-level MIME entity, and the content of every entity
// becomes a file of the files framework (source POP3, sent by the
// server). Zeek's POP3 has no script that names those files, so each
// gets a fuid of its own.
type mail struct {
	a    *Analyzer
	top  *mime.Entity
	file *files.Transfer
}

var _ mime.Message = (*mail)(nil)

func newMail(a *Analyzer) *mail {
	m := &mail{a: a}
	m.top = mime.NewEntity(m, nil, nil, mime.Limits{MaxDepth: mime.DefaultMaxDepth, MaxHeaderBytes: mime.DefaultMaxHeaderBytes})
	m.BeginEntity(m.top)
	return m
}

// deliver passes one line of the message (with the CRLF that ended it).
func (m *mail) deliver(line []byte) { m.top.Deliver(line, true) }

// done ends the message.
func (m *mail) done() {
	m.top.EndOfData()
	m.endFile()
}

func (m *mail) endFile() {
	if m.file != nil {
		m.file.End()
		m.file = nil
	}
}

// BeginEntity implements mime.Message.
func (m *mail) BeginEntity(*mime.Entity) { m.endFile() }

// EndEntity implements mime.Message: the entity's file ends.
func (m *mail) EndEntity(*mime.Entity) { m.endFile() }

// SubmitHeader implements mime.Message (headers only raise events).
func (m *mail) SubmitHeader(*mime.Entity, *mime.Header) {}

// SubmitAllHeaders implements mime.Message.
func (m *mail) SubmitAllHeaders(*mime.Entity) {}

// SubmitData implements mime.Message: content for the entity's file.
func (m *mail) SubmitData(_ *mime.Entity, data []byte) {
	if m.file == nil {
		fm := m.a.h.files()
		if fm == nil {
			return
		}
		m.file = fm.Open(files.Spec{Source: "POP3", Conn: m.a.h.fileConn(), IsOrig: false})
	}
	m.file.Data(data)
}

// Event implements mime.Message (MIME events log nothing).
func (m *mail) Event(*mime.Entity, mime.EventKind, string) {}

// Weird implements mime.Message.
func (m *mail) Weird(name, addl string) {
	switch name {
	case "exceeded_mime_max_depth", "exceeded_mime_max_header_bytes":
		m.a.h.weird(name, addl, "POP3")
		m.a.h.limitReached()
	default:
		m.a.h.weird(name, addl, "")
	}
}

// BufferSize implements mime.Message.
func (m *mail) BufferSize() int { return segmentLength }
