package dns

// conv is the DNS analysis of one connection: Zeek's DNS_Analyzer (the
// interpreter, and for TCP the Contents_DNS framing of each direction)
// and the state of its script. It works through a host, so that tests can
// run it without the framework.
type conv struct {
	p   parser
	s   script
	tcp bool
	// frames are the framers by direction ([1] the originator's); a flip
	// swaps the pointers, so a framer mid-delivery carries on.
	frames [2]*framer
	fr     [2]framer
}

// init sets c up for a connection.
func (c *conv) init(h host, cfg *config) {
	c.tcp = h.tcp()
	c.frames = [2]*framer{&c.fr[0], &c.fr[1]}
	c.s = script{h: h, cfg: &cfg.script}
	netbios := h.respPort() == netbiosPort || h.origPort() == netbiosPort
	c.p.init(&cfg.parse, h, &c.s, netbios)
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

func queryArg(orig bool) int {
	if orig {
		return fromOriginator
	}
	return fromResponder
}

// DeliverPacket parses one UDP datagram as one message.
func (c *conv) DeliverPacket(data []byte, orig bool) {
	c.p.parseMessage(data, queryArg(orig))
}

// DeliverStream cuts TCP payload into length-prefixed messages.
func (c *conv) DeliverStream(data []byte, orig bool) {
	f := c.frames[dir(orig)]
	for len(data) > 0 {
		var msg []byte
		var ok bool
		msg, data, ok = f.next(data)
		if ok {
			c.p.parseMessage(msg, queryArg(orig))
		}
	}
}

// Undelivered ignores content gaps: Zeek's DNS framing reads on as if
// the bytes after a gap followed the ones before it.
func (c *conv) Undelivered(uint64, int, bool) {}

// EndOfData parses what each direction holds of an unfinished message,
// as Zeek does when a TCP endpoint closes.
func (c *conv) EndOfData(bool) {
	for _, d := range [2]int{1, 0} {
		if msg, ok := c.frames[d].flush(); ok {
			c.p.parseMessage(msg, fromUnknown)
		}
	}
}

// FlipRoles swaps the directions' framing when the connection's roles
// are swapped.
func (c *conv) FlipRoles() { c.frames[0], c.frames[1] = c.frames[1], c.frames[0] }

// Done writes what is pending at the connection's end.
func (c *conv) Done() { c.s.finalize() }

// framer is Zeek's Contents_DNS: a 2-byte length, then the message.
type framer struct {
	state uint8 // 0: expecting the length's high byte, 1: its low byte, 2: the message
	size  int   // the message's length
	n     int   // bytes of it in buf
	buf   []byte
}

const (
	frameLenHi = iota
	frameLenLo
	frameBody
)

// next consumes data up to the end of the next message and returns the
// message (borrowed from data or from the framer's buffer) with ok true,
// or ok false when data ran out before it ended. rest is what follows.
func (f *framer) next(data []byte) (msg, rest []byte, ok bool) {
	if f.state == frameLenHi {
		f.size = int(data[0]) << 8
		f.state = frameLenLo
		data = data[1:]
		if len(data) == 0 {
			return nil, nil, false
		}
	}
	if f.state == frameLenLo {
		f.size += int(data[0])
		f.state = frameBody
		f.n = 0
		data = data[1:]
		if len(data) == 0 {
			return nil, nil, false
		}
	}
	if f.n == 0 && len(data) >= f.size {
		// The whole message is here: no copy.
		f.state = frameLenHi
		return data[:f.size:f.size], data[f.size:], true
	}
	if k := min(f.size-f.n, len(data)); k > 0 {
		if cap(f.buf) < f.size {
			f.buf = append(f.buf[:cap(f.buf)], make([]byte, f.size-cap(f.buf))...)
		}
		f.buf = f.buf[:cap(f.buf)]
		copy(f.buf[f.n:], data[:k])
		f.n += k
		data = data[k:]
	}
	if f.n < f.size {
		return nil, nil, false
	}
	// After a flush size may be below n (Zeek then hands on an empty
	// message).
	msg = f.buf[:f.size:f.size]
	f.n = 0
	f.state = frameLenHi
	return msg, data, true
}

// flush returns the part of an unfinished message the framer holds, if
// any. Like Zeek's Contents_DNS::Flush it keeps the bytes (a second flush
// returns them again) and forgets the message's length, so that the next
// data first completes an empty message.
func (f *framer) flush() ([]byte, bool) {
	if f.n == 0 {
		return nil, false
	}
	f.size = 0
	return f.buf[:f.n:f.n], true
}
