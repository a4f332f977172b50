package analyzer

import "github.com/heron-nsm/heron/internal/conn"

// Events for the node's frameworks. Zeek's policy scripts (known-services,
// known-certs, …) handle events that protocol analyzers raise; in Heron an
// analyzer hands such an event to Handle.Event, and the node receives it
// through Config.OnEvent with the connection. Each event is a type of the
// analyzer's package (ssl.Established, …), so this package needs to know
// none of them. Confirmations reach Config.OnConfirm.

// Events reports whether the node receives analyzer events (Config.OnEvent
// is set), so that an analyzer can skip building them.
func (h *Handle) Events() bool { return h.s.m.cfg.OnEvent != nil }

// Event hands ev to the node (Config.OnEvent) with the connection. ev is
// borrowed for the call; pass a pointer to avoid an allocation.
func (h *Handle) Event(ev any) {
	if f := h.s.m.cfg.OnEvent; f != nil {
		f(h.s.c, ev)
	}
}

// confirmed runs Config.OnConfirm.
func (m *Manager) confirmed(c *conn.Conn, name string) {
	if m.cfg.OnConfirm != nil {
		m.cfg.OnConfirm(c, name)
	}
}
