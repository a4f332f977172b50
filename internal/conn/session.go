package conn

// Session receives what a connection carries, for protocol analysis (the
// analyzer tree implements it). The connection tracker calls it in packet
// order from one goroutine. Data slices are borrowed for the call only.
type Session interface {
	// DeliverStream passes in-order TCP payload of one direction.
	DeliverStream(data []byte, orig bool)
	// Undelivered reports a content gap of n bytes at relative sequence
	// number seq.
	Undelivered(seq uint64, n int, orig bool)
	// DeliverPacket passes a UDP or ICMP payload.
	DeliverPacket(data []byte, orig bool)
	// EndOfData reports the end of one TCP direction.
	EndOfData(orig bool)
	// FirstPacket passes the raw headers of the first packet of each
	// direction (the IP header on, and the transport header on), for
	// signature header conditions. Both are borrowed for the call.
	FirstPacket(orig bool, ip, transport []byte)
	// FlipRoles reports that originator and responder were swapped after
	// the session was created.
	FlipRoles()
	// Done is called once when the connection ends, before its conn.log
	// record is written.
	Done()
}

// Analysis creates a Session for a new connection, or returns nil when
// nothing analyses its payload.
type Analysis interface {
	NewSession(c *Conn) Session
}

// AddService records a confirmed protocol for conn.log's service field,
// keeping the order in which protocols were confirmed and each once.
func (c *Conn) AddService(name string) {
	for _, s := range c.services {
		if s == name {
			return
		}
	}
	c.services = append(c.services, name)
}

// RemoveService drops a protocol from the service field.
func (c *Conn) RemoveService(name string) {
	for i, s := range c.services {
		if s == name {
			c.services = append(c.services[:i], c.services[i+1:]...)
			return
		}
	}
}

// HasService reports whether a protocol is in the service field.
func (c *Conn) HasService(name string) bool {
	for _, s := range c.services {
		if s == name {
			return true
		}
	}
	return false
}

// Services returns the confirmed protocols in order. The slice is the
// connection's; do not keep it.
func (c *Conn) Services() []string { return c.services }

// TCPEstablished reports whether both TCP endpoints are past the handshake
// (Zeek's signature condition tcp-state established): neither inactive
// nor still in SYN or SYN-ACK. It is false for other protocols.
func (c *Conn) TCPEstablished() bool {
	if c.tcp == nil {
		return false
	}
	est := func(s uint8) bool { return s != TCPInactive && s != TCPSYNSent && s != TCPSYNAckSent }
	return est(c.tcp.orig.state) && est(c.tcp.resp.state)
}

// Size returns Zeek's c$orig$size or c$resp$size: payload bytes from
// sequence numbers for TCP, datagram bytes for UDP and ICMP.
func (c *Conn) Size(orig bool) uint64 {
	n, _ := c.endpointSize(orig)
	return n
}

// TCPPartial reports whether a TCP connection was first seen without its
// handshake (Zeek's TCP_Analyzer::IsPartial).
func (c *Conn) TCPPartial() bool { return c.tcp != nil && c.tcp.isPartial }
