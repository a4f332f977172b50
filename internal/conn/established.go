package conn

// EstablishedSink is implemented by a Sink that wants Zeek's
// connection_established event: the responder of a TCP connection
// answered the originator's SYN (the known-hosts script counts its
// endpoints as hosts). ConnEstablished runs once the packet that
// established the connection has changed its endpoints' states; c is
// valid only during the call.
type EstablishedSink interface {
	ConnEstablished(c *Conn)
}

// EndpointStates returns Zeek's c$orig$state and c$resp$state: the TCP
// endpoint states (TCPInactive … TCPReset) for TCP, UDPInactive or
// UDPActive for UDP and ICMP.
func (c *Conn) EndpointStates() (orig, resp uint8) {
	_, orig = c.endpointSize(true)
	_, resp = c.endpointSize(false)
	return orig, resp
}

// connEstablished raises connection_established on the sink, if it wants
// it.
func (m *Manager) connEstablished(c *Conn) {
	if es, ok := m.sink.(EstablishedSink); ok {
		es.ConnEstablished(c)
	}
}
