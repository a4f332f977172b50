package analyzer

import (
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/signatures"
)

// SignatureMatch is a match of a signature with an event action (Zeek's
// signature_match event), handed to Config.OnSignature.
type SignatureMatch struct {
	Conn *conn.Conn
	Sig  *signatures.Signature
	// Msg is the event action's message.
	Msg    string
	IsOrig bool
	// Data is the payload that completed the match; valid only during
	// the callback.
	Data []byte
}

// pia reports whether protocol detection by signature is in use.
func (m *Manager) pia() bool { return m.cfg.Signatures != nil }

// newMatcher returns the signature matcher state for a session, or nil
// when no signatures are in use.
func (m *Manager) newMatcher(s *Session) connMatcher {
	if m.cfg.Signatures == nil {
		return nil
	}
	if m.matcher == nil {
		m.matcher = m.cfg.Signatures.NewMatcher()
	}
	c := s.c
	sm := &sigMatcher{s: s}
	sm.st.Init(m.matcher, signatures.ConnHeader{
		OrigAddr: c.OrigIP(), RespAddr: c.RespIP(),
		OrigPort: c.OrigPort, RespPort: c.RespPort, IPProto: c.IPProto,
	})
	sm.emitFn = sm.emit
	return sm
}

// sigMatcher runs the signature matcher for one connection.
type sigMatcher struct {
	s        *Session
	st       signatures.ConnState
	emitFn   func(signatures.Match)
	enable   func(name string)
	finished bool
}

// firstPacket initialises one direction's matcher with the headers of its
// first packet (header conditions).
func (sm *sigMatcher) firstPacket(orig bool, ip, transport []byte) {
	hdr := signatures.PacketHeader{IP: ip, Transport: transport}
	sm.enable = sm.s.pia.activate
	sm.st.InitEndpoint(orig, &hdr, sm.emitFn)
}

func (sm *sigMatcher) match(data []byte, orig, bol, clear bool, enable func(string)) {
	sm.enable = enable
	sm.st.SetEstablished(sm.s.c.TCPEstablished())
	if !sm.st.Initialized(orig) {
		sm.st.InitEndpoint(orig, nil, sm.emitFn)
	}
	if clear {
		sm.st.MatchPacket(orig, data, sm.emitFn)
		return
	}
	var f signatures.Flags
	if bol {
		f |= signatures.BOL
	}
	sm.st.Match(signatures.Payload, orig, data, f, sm.emitFn)
}

// emit acts on a match: analyzers to enable, and the signature_match
// event for signatures with an event action.
func (sm *sigMatcher) emit(m signatures.Match) {
	for _, name := range m.Sig.Enables() {
		if sm.enable != nil {
			sm.enable(name)
		}
	}
	if msg, ok := m.Sig.EventMessage(); ok {
		if on := sm.s.m.cfg.OnSignature; on != nil {
			on(SignatureMatch{Conn: sm.s.c, Sig: m.Sig, Msg: msg, IsOrig: m.IsOrig, Data: m.Data})
		}
	}
}

func (sm *sigMatcher) finish() {
	if sm.finished {
		return
	}
	sm.finished = true
	sm.enable = nil
	sm.st.Finish(sm.emitFn)
}
