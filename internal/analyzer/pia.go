package analyzer

// pia is Zeek's PIA (protocol identification analyzer) for one connection:
// it keeps the first bytes of the connection (dpd_buffer_size bytes or
// dpd_max_packets chunks, both directions together), runs the signature
// matcher over them, and when a signature enables an analyzer, attaches it
// and replays the buffer to it.
type pia struct {
	s          *Session
	state      piaState
	chunks     []piaChunk
	size       int
	count      int
	streamMode bool
	matcher    connMatcher
}

type piaState uint8

const (
	piaInit piaState = iota
	piaBuffering
	piaMatchingOnly
	piaSkipping
)

// piaChunk is one buffered delivery; data nil marks a gap of n bytes.
type piaChunk struct {
	orig bool
	seq  uint64
	n    int
	data []byte
}

// connMatcher is the signature matcher's per-connection state, as the
// PIA drives it: payload in, analyzer names to enable out.
type connMatcher interface {
	// firstPacket starts one direction with its first packet's headers.
	firstPacket(orig bool, ip, transport []byte)
	// match feeds payload of one direction; bol marks the start of a
	// packet (UDP) and clear resets the direction's pattern state after
	// it. It calls enable for each analyzer a matching signature enables.
	match(data []byte, orig, bol, clear bool, enable func(name string))
	finish()
}

func (p *pia) init(s *Session) {
	p.s = s
	p.matcher = s.m.newMatcher(s)
	if p.matcher == nil {
		p.state = piaSkipping
	}
}

// add buffers a delivery and reports the state after it.
func (p *pia) add(c piaChunk) piaState {
	next := p.state
	if next == piaInit {
		next = piaBuffering
	}
	if next == piaBuffering {
		if c.data != nil {
			c.data = append([]byte(nil), c.data...)
		}
		p.chunks = append(p.chunks, c)
		p.size += len(c.data)
		p.count++
		cfg := &p.s.m.cfg
		if p.size > cfg.BufferSize || p.count > cfg.MaxPackets {
			next = p.overflowState()
		}
	}
	return next
}

func (p *pia) overflowState() piaState {
	if p.s.m.cfg.MatchOnlyBeginning {
		return piaSkipping
	}
	return piaMatchingOnly
}

func (p *pia) deliverStream(data []byte, orig bool) {
	if p.state == piaSkipping {
		return
	}
	p.streamMode = true
	next := p.add(piaChunk{orig: orig, n: len(data), data: data})
	p.matcher.match(data, orig, false, false, p.activate)
	p.state = next
	if p.state == piaSkipping {
		p.release()
	}
}

func (p *pia) undelivered(seq uint64, n int, orig bool) {
	if p.state != piaBuffering {
		return
	}
	p.chunks = append(p.chunks, piaChunk{orig: orig, seq: seq, n: n})
	p.count++
	if p.count > p.s.m.cfg.MaxPackets {
		p.state = p.overflowState()
		if p.state == piaSkipping {
			p.release()
		}
	}
}

func (p *pia) deliverPacket(data []byte, orig bool) {
	if p.state == piaSkipping {
		return
	}
	next := p.state
	if next == piaInit {
		next = piaBuffering
	}
	if next == piaBuffering && len(data) > 0 {
		next = p.add(piaChunk{orig: orig, n: len(data), data: data})
	}
	p.matcher.match(data, orig, true, true, p.activate)
	p.state = next
	if p.state == piaSkipping {
		p.release()
	}
}

// activate attaches the analyzer a signature enabled and replays the
// buffer to it (Zeek's PIA_TCP/PIA_UDP::ActivateAnalyzer).
func (p *pia) activate(name string) {
	info := p.s.m.enabled(name)
	if info == nil {
		return
	}
	if p.state == piaMatchingOnly {
		// Found, but the buffer is gone: a late match.
		if p.s.m.cfg.LateMatchStop {
			p.state = piaSkipping
		}
		return
	}
	n := p.s.attach(info)
	if n == nil {
		return
	}
	// The replay is one delivery: as in Zeek, an analyzer that reports a
	// violation on an early chunk still gets the rest of the buffer, and
	// is removed afterwards.
	s := p.s
	s.depth++
	defer func() {
		s.depth--
		if s.depth == 0 {
			s.settle()
		}
	}()
	for _, c := range p.chunks {
		switch {
		case c.data == nil:
			n.a.Undelivered(c.seq, c.n, c.orig)
		case p.streamMode:
			n.a.DeliverStream(c.data, c.orig)
		default:
			n.a.DeliverPacket(c.data, c.orig)
		}
	}
}

// release drops the buffer once detection is over. The matcher is
// finished only when the connection ends, as Zeek's PIA does.
func (p *pia) release() {
	for i := range p.chunks {
		p.chunks[i] = piaChunk{}
	}
	p.chunks = nil
}

func (p *pia) done() {
	if p.matcher != nil {
		p.matcher.finish()
	}
	p.chunks = nil
}
