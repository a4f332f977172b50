package support

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// TLSHost is what an analyzer built on StartTLS needs from the framework:
// HandleTLSHost in a node, a recording fake in tests.
type TLSHost interface {
	// Weird raises a weird with the analyzer as its source.
	Weird(name string)
	// Confirm and Violation are the analyzer's protocol verdicts.
	Confirm()
	Violation(reason string, data []byte)
	// Partial reports whether the connection is TCP-partial (no
	// handshake seen), whose content Zeek's analyzers of this kind
	// ignore.
	Partial() bool
	// Child starts an analyzer on a stream inside the connection (nil
	// when there is none of that name).
	Child(name string) Session
}

// Session is a child analysis session (analyzer.Handle.Child).
type Session interface {
	analyzer.StreamSink
	Done()
}

// HandleTLSHost returns the TLSHost of an analyzer in a node, over h.
func HandleTLSHost(h *analyzer.Handle) TLSHost { return handleTLSHost{h} }

type handleTLSHost struct{ h *analyzer.Handle }

func (hh handleTLSHost) Weird(name string)            { hh.h.Weird(name, "") }
func (hh handleTLSHost) Confirm()                     { hh.h.Confirm() }
func (hh handleTLSHost) Violation(r string, d []byte) { hh.h.Violation(r, d) }
func (hh handleTLSHost) Partial() bool                { return hh.h.Conn().TCPPartial() }

func (hh handleTLSHost) Child(name string) Session {
	if s := hh.h.Child(name); s != nil {
		return s
	}
	return nil // not a typed nil
}

// StartTLS is the frame of an analyzer that parses every delivery on its
// own (a binpac grammar with a datagram flow, as Zeek's IMAP and XMPP
// analyzers have) until the session turns to TLS, and then hands the rest
// of the connection to a child SSL analyzer. An analyzer embeds it, sets
// Host and Parse, and from its parse callbacks calls Skip when the
// session is past the point where STARTTLS would come and BeginTLS when
// the server agreed to it.
//
// Before TLS, nothing is parsed on a TCP-partial connection or after a
// content gap, and a delivery the grammar rejects is a violation; after
// Skip nothing more is looked at; after BeginTLS every delivery, gap and
// end of data goes to SSL.
type StartTLS struct {
	// Host is the framework.
	Host TLSHost
	// Parse parses one delivery; data is borrowed for the call (and so
	// is the error's data, which StartTLS turns into a reason at once).
	Parse func(data []byte, orig bool) *binpac.MismatchError

	hadGap bool
	skip   bool // Zeek's SetSkip: the analyzer takes no more data
	tls    Handoff
	done   bool
}

var _ analyzer.Analyzer = (*StartTLS)(nil)

// DeliverStream implements analyzer.Analyzer: each delivery is parsed on
// its own, as Zeek's datagram grammars do.
func (s *StartTLS) DeliverStream(data []byte, orig bool) {
	if s.done || s.skip {
		return
	}
	if s.tls.Active() {
		s.tls.DeliverStream(data, orig)
		return
	}
	if s.Host.Partial() || s.hadGap {
		return
	}
	if err := s.Parse(data, orig); err != nil {
		s.Host.Violation(binpac.Reason(err), nil)
	}
}

// Undelivered implements analyzer.Analyzer: after a gap nothing more is
// parsed; after STARTTLS the gap reaches SSL.
func (s *StartTLS) Undelivered(seq uint64, n int, orig bool) {
	if s.done || s.skip {
		return
	}
	s.hadGap = true
	if s.tls.Active() {
		s.tls.Undelivered(seq, n, orig)
	}
}

// DeliverPacket implements analyzer.Analyzer (these protocols are TCP
// only).
func (s *StartTLS) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer.
func (s *StartTLS) EndOfData(orig bool) {
	if s.done || s.skip {
		return
	}
	if s.tls.Active() {
		s.tls.EndOfData(orig)
	}
}

// Done implements analyzer.Analyzer.
func (s *StartTLS) Done() {
	if s.done {
		return
	}
	s.done = true
	s.tls.Done()
}

// Skip stops the analysis (Zeek's SetSkip): the session is past the
// point where STARTTLS would come.
func (s *StartTLS) Skip() { s.skip = true }

// Skipped reports whether Skip was called.
func (s *StartTLS) Skipped() bool { return s.skip }

// BeginTLS hands the rest of the connection to SSL.
func (s *StartTLS) BeginTLS() {
	if s.tls.Session() == nil {
		s.tls.Begin(s.Host.Child("SSL"))
	}
}
