package analyzer

// Analyzer is a protocol analyzer attached to one connection. The
// connection calls its methods from one goroutine, in packet order.
//
// Buffer ownership: every data slice passed in is borrowed and valid only
// during the call; an analyzer that needs bytes later copies them.
type Analyzer interface {
	// DeliverStream passes the next in-order bytes of one direction of a
	// TCP connection (orig: from the originator).
	DeliverStream(data []byte, orig bool)
	// Undelivered reports that n bytes at relative sequence number seq in
	// one direction will never arrive (a content gap). The stream goes on
	// after them.
	Undelivered(seq uint64, n int, orig bool)
	// DeliverPacket passes the payload of one UDP or ICMP packet (data
	// after the transport header, as captured).
	DeliverPacket(data []byte, orig bool)
	// EndOfData reports that one direction has ended (FIN or RST seen and
	// everything before it delivered).
	EndOfData(orig bool)
	// Done is called once when the connection ends or the analyzer is
	// removed. No other call follows.
	Done()
}

// Base implements every Analyzer method as a no-op, for embedding.
type Base struct{}

// DeliverStream does nothing.
func (Base) DeliverStream([]byte, bool) {}

// Undelivered does nothing.
func (Base) Undelivered(uint64, int, bool) {}

// DeliverPacket does nothing.
func (Base) DeliverPacket([]byte, bool) {}

// EndOfData does nothing.
func (Base) EndOfData(bool) {}

// Done does nothing.
func (Base) Done() {}

// StreamSink is the part of Analyzer that stream helpers (line splitters,
// framers) deliver into, and that tests drive.
type StreamSink interface {
	DeliverStream(data []byte, orig bool)
	Undelivered(seq uint64, n int, orig bool)
	EndOfData(orig bool)
}
