package support

// Handoff is the part of an analyzer that, once the session turns to TLS
// (STARTTLS, STLS, AUTH TLS, …), passes the rest of the connection to a
// child session: Begin marks the turn, and from then on the analyzer
// checks Active and forwards its input through the Handoff's methods,
// which drop it when there is no child (no SSL analyzer). The zero value
// is a session that has not turned.
type Handoff struct {
	s      Session
	active bool
}

// Begin marks the turn to TLS, with s (nil for none) as the child.
func (h *Handoff) Begin(s Session) {
	h.active = true
	h.s = s
}

// Active reports whether Begin was called.
func (h *Handoff) Active() bool { return h.active }

// Session returns the child, nil before Begin, when there was none, or
// after Done.
func (h *Handoff) Session() Session { return h.s }

// DeliverStream passes data (borrowed for the call) to the child.
func (h *Handoff) DeliverStream(data []byte, orig bool) {
	if h.s != nil {
		h.s.DeliverStream(data, orig)
	}
}

// Undelivered passes a content gap to the child.
func (h *Handoff) Undelivered(seq uint64, n int, orig bool) {
	if h.s != nil {
		h.s.Undelivered(seq, n, orig)
	}
}

// EndOfData passes the end of a direction to the child.
func (h *Handoff) EndOfData(orig bool) {
	if h.s != nil {
		h.s.EndOfData(orig)
	}
}

// Done ends the child, if any; it stays Active.
func (h *Handoff) Done() {
	if h.s != nil {
		h.s.Done()
		h.s = nil
	}
}
