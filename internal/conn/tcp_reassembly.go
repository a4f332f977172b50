package conn

import "bytes"

// The TCP reassembler's sequence-space logic (Zeek's TCP_Reassembler and
// Reassembler): delivery of in-order data to the session, buffering of
// out-of-order data, content gaps (the 'G'/'g' history letters,
// conn.log's missed_bytes and the session's Undelivered), and the memory
// bounds.

func isClean(e *tcpEndpoint) bool {
	return e.state == TCPEstablished || (e.state == TCPClosed && e.prevState == TCPEstablished)
}

func establishedOrCleanlyClosing(a, b *tcpEndpoint) bool { return isClean(a) && isClean(b) }

// gap reports a content gap in ep's direction.
func (m *Manager) gap(c *Conn, ep *tcpEndpoint, seq, n uint64) {
	clean := establishedOrCleanlyClosing(ep, ep.peer)
	if clean {
		code := byte('g')
		if ep.isOrig {
			code = 'G'
		}
		c.scaledHistory(code, &ep.gap)
	}
	if m.cfg.ReportGapsForPartial || clean {
		c.MissedBytes += n // base/protocols/conn's content_gap handler
		m.sink.ContentGap(c, ep.isOrig, seq, n)
	}
	if c.session != nil {
		c.session.Undelivered(seq, int(n), ep.isOrig)
	}
	ep.reasm.hadGap = true
}

// deliver passes in-order bytes [seq, seq+n) to the session (data is nil
// when the bytes were not kept) and advances the delivered point.
func (m *Manager) deliver(c *Conn, ep *tcpEndpoint, seq uint64, n uint64, data []byte) {
	ep.reasm.lastReassem = seq + n
	if m.cfg.CheckOverlaps && data != nil {
		ep.reasm.retain(seq, data)
	}
	if c.session != nil && data != nil && !ep.reasm.skipDeliveries {
		c.session.DeliverStream(data, ep.isOrig)
	}
}

// drainPending delivers the pending blocks that start exactly where the
// stream stands, as Zeek's BlockInserted loop does.
func (m *Manager) drainPending(c *Conn, ep *tcpEndpoint) {
	r := &ep.reasm
	for len(r.pend) > 0 && r.pend[0].seq == r.lastReassem {
		b := r.popPending()
		m.reasmBytes -= len(b.data) + blockOverhead
		m.deliver(c, ep, b.seq, b.upper-b.seq, b.data)
	}
}

// blockInserted is Reassembler::BlockInserted for a block at [b.seq,
// b.upper): when it reaches the delivered point, deliver what became
// contiguous, then let go of unacknowledged data when the peer seems not
// to be acking.
func (m *Manager) blockInserted(c *Conn, ep *tcpEndpoint, b seqRange) {
	r := &ep.reasm
	if b.seq > r.lastReassem || b.upper <= r.lastReassem {
		return
	}
	m.drainPending(c, ep)
	m.initialWindowRule(c, ep)
}

// initialWindowRule: the peer always reassembles too (Zeek turns
// reassembly on for both directions), so only the initial-window rule of
// BlockInserted applies.
func (m *Manager) initialWindowRule(c *Conn, ep *tcpEndpoint) {
	if ep.noDataAcked() && m.cfg.TCPMaxInitialWindow != 0 && ep.size() > m.cfg.TCPMaxInitialWindow {
		m.trimToSeq(c, ep, ep.reasm.lastReassem)
	}
}

// undelivered is TCP_Reassembler::Undelivered: the stream moves to upTo,
// reporting the holes before it and delivering the blocks in between.
func (m *Manager) undelivered(c *Conn, ep *tcpEndpoint, upTo uint64) {
	r := &ep.reasm
	if upTo <= 2 && c.tcp.isPartial {
		// The first ack of a partial connection; see Zeek's comment.
		return
	}
	if upTo <= r.lastReassem {
		return
	}
	peer := ep.peer
	if m.cfg.DetectFilteredTrace && r.lastReassem == 1 &&
		(ep.finCnt > 0 || ep.rstCnt > 0 || peer.finCnt > 0 || peer.rstCnt > 0) {
		r.skipDeliveries = true
	} else if !r.skipDeliveries {
		for len(r.pend) > 0 && r.pend[0].seq < upTo {
			b := seqRange{r.pend[0].seq, r.pend[0].upper}
			if b.seq > r.lastReassem {
				m.gap(c, ep, r.lastReassem, b.seq-r.lastReassem)
				r.lastReassem = b.seq
			}
			m.blockInserted(c, ep, b)
		}
		if upTo > r.lastReassem {
			m.gap(c, ep, r.lastReassem, upTo-r.lastReassem)
		}
	}
	if upTo > r.lastReassem {
		r.lastReassem = upTo
	}
}

// trimToSeq is DataBlockList::Trim: forget data below seq, reporting what
// was never delivered.
func (m *Manager) trimToSeq(c *Conn, ep *tcpEndpoint, seq uint64) {
	r := &ep.reasm
	if seq > r.lastReassem {
		m.undelivered(c, ep, seq)
	}
	r.trimBelow(seq)
	r.releaseRetained(seq)
	if len(r.pend) > 0 && r.pend[0].seq == r.lastReassem {
		m.blockInserted(c, ep, seqRange{r.pend[0].seq, r.pend[0].upper})
	}
	r.trimSeq = seq
}

// dataSent is TCP_Reassembler::DataSent for a segment of n bytes at
// relative sequence seq.
func (m *Manager) dataSent(c *Conn, ep *tcpEndpoint, seq uint64, n int, data []byte) {
	r := &ep.reasm
	if r.skipDeliveries {
		return
	}
	ack := ep.toRelativeSeqSpace(ep.ackSeq, ep.ackWraps)
	upper := seq + uint64(n)
	if seq < ack {
		if upper <= ack {
			return
		}
		data = data[ack-seq:]
		seq = ack
	}
	// NewBlock: overlaps with held data are compared first.
	if m.cfg.CheckOverlaps && upper > seq {
		m.checkOverlap(c, ep, seq, data)
	}
	if upper > seq && upper > r.trimSeq {
		if seq < r.trimSeq {
			data = data[r.trimSeq-seq:]
			seq = r.trimSeq
		}
		m.pieces = r.uncovered(seq, upper, m.pieces[:0])
		r.addCover(seq, upper)
		if len(m.pieces) > 0 {
			first := m.pieces[0]
			touches := first.seq <= r.lastReassem && first.upper > r.lastReassem
			keep := c.session != nil || m.cfg.CheckOverlaps
			for _, pc := range m.pieces {
				pdata := data[pc.seq-seq : pc.upper-seq]
				switch {
				case pc.seq == r.lastReassem:
					m.deliver(c, ep, pc.seq, pc.upper-pc.seq, pdata)
					m.drainPending(c, ep)
				case pc.seq > r.lastReassem:
					b := dataBlock{seq: pc.seq, upper: pc.upper}
					if keep {
						b.data = append([]byte(nil), pdata...)
					}
					r.addPending(b)
					m.reasmBytes += len(b.data) + blockOverhead
				}
			}
			if touches {
				m.initialWindowRule(c, ep)
			}
		}
	}
	if ep.noDataAcked() && m.cfg.TCPMaxAboveHoleWithoutAnyAcks != 0 && r.numUndelivered() > m.cfg.TCPMaxAboveHoleWithoutAnyAcks {
		m.weird(c, "above_hole_data_without_any_acks", "", "TCP")
		m.reasmBytes -= r.clear()
		r.skipDeliveries = true
	}
	if m.cfg.TCPExcessiveDataWithoutFurtherAcks != 0 && r.dataSize() > m.cfg.TCPExcessiveDataWithoutFurtherAcks {
		m.weird(c, "excessive_data_without_further_acks", "", "TCP")
		m.reasmBytes -= r.clear()
		r.skipDeliveries = true
	}
	switch {
	case m.cfg.MaxReassemblyBytes != 0 && m.reasmBytes > m.cfg.MaxReassemblyBytes && len(r.pend) > 0:
		m.skipAhead(c, ep, "memory")
	case m.cfg.MaxReassemblyBlocks != 0 && len(r.pend) > m.cfg.MaxReassemblyBlocks:
		m.skipAhead(c, ep, "blocks")
	}
}

// skipAhead enforces Heron's reassembly bounds (Zeek has none): when a
// thread's buffered out-of-order data exceeds Config.MaxReassemblyBytes, or
// one direction holds more than Config.MaxReassemblyBlocks blocks, the
// direction that just added to it gives up what it holds and moves past it
// as a content gap, then goes on with the data that follows. The weird
// reassembly_limit_exceeded says which bound ("memory" or "blocks").
func (m *Manager) skipAhead(c *Conn, ep *tcpEndpoint, which string) {
	r := &ep.reasm
	upTo := r.pend[len(r.pend)-1].upper
	m.weird(c, "reassembly_limit_exceeded", which, "TCP")
	for i := range r.pend {
		m.reasmBytes -= len(r.pend[i].data)
		r.pendBytes -= len(r.pend[i].data)
		r.pend[i].data = nil
	}
	if upTo > r.lastReassem {
		m.gap(c, ep, r.lastReassem, upTo-r.lastReassem)
	}
	for len(r.pend) > 0 {
		r.popPending()
		m.reasmBytes -= blockOverhead
	}
	r.lastReassem = upTo
}

// ackReceived is TCP_Reassembler::AckReceived: ep's data was acknowledged
// up to relative sequence seq.
func (m *Manager) ackReceived(c *Conn, ep *tcpEndpoint, seq uint64) {
	if ep.finCnt > 0 && seq >= ep.finSeq {
		seq = ep.finSeq - 1
	}
	if seq <= ep.reasm.trimSeq {
		return
	}
	// Zeek counts the acks of established connections for its capture
	// loss estimate, and a gap when the ack covers data never delivered.
	active := !ep.reasm.skipDeliveries &&
		(m.cfg.ReportGapsForPartial || ep.state == TCPEstablished && ep.peer.state == TCPEstablished)
	missing := seq > ep.reasm.lastReassem
	m.trimToSeq(c, ep, seq)
	if active {
		m.Stats.AckEvents++
		if missing {
			m.Stats.GapEvents++
		}
	}
	m.checkEOF(c, ep)
}

// checkEOF is TCP_Reassembler::CheckEOF.
func (m *Manager) checkEOF(c *Conn, ep *tcpEndpoint) {
	r := &ep.reasm
	if r.didEOF || !(ep.finCnt > 0 || ep.state == TCPClosed || ep.state == TCPReset) || m.dataPending(ep) {
		return
	}
	r.didEOF = true
	if c.session != nil {
		c.session.EndOfData(ep.isOrig)
	}
	// EndpointEOF: a close deferred for pending data happens now.
	t := c.tcp
	if t.closeDeferred {
		t.closeDeferred = false
		m.connectionClosed(c, ep, ep.peer, t.deferredGenEvent)
	}
}

// dataPending is TCP_Reassembler::DataPending.
func (m *Manager) dataPending(ep *tcpEndpoint) bool {
	r := &ep.reasm
	if r.skipDeliveries {
		return false
	}
	delivered := uint64(ep.startSeq) + r.lastReassem
	last := toFullSeqSpace(ep.lastSeq, ep.seqWraps)
	if last < delivered {
		return false
	}
	if delivered != last-1 && delivered != last {
		return true
	}
	if ep.state != TCPReset && ep.peer.reasm.hasBlocks() {
		return true
	}
	return false
}

// releaseReassembly returns a connection's buffered bytes to the thread's
// budget when it ends.
func (m *Manager) releaseReassembly(c *Conn) {
	if c.tcp == nil {
		return
	}
	for _, ep := range [2]*tcpEndpoint{c.tcp.orig, c.tcp.resp} {
		m.reasmBytes -= ep.reasm.clear()
	}
}

// checkOverlap is Reassembler::CheckOverlap with TCP_Reassembler::Overlap:
// new data that overlaps held data with different bytes is a
// retransmission inconsistency (keep-alives aside: a single byte counts
// only once the peer has sent something).
func (m *Manager) checkOverlap(c *Conn, ep *tcpEndpoint, seq uint64, data []byte) {
	r := &ep.reasm
	upper := seq + uint64(len(data))
	for cur := seq; cur < upper; {
		at, old := r.held(cur, upper)
		if old == nil {
			// Skip to the next held byte, if any.
			next := upper
			if n := uint64(len(r.retained)); n > 0 && r.retainedSeq > cur && r.retainedSeq < next {
				next = r.retainedSeq
			}
			for _, b := range r.pend {
				if b.data != nil && b.seq > cur && b.seq < next {
					next = b.seq
				}
			}
			cur = next
			continue
		}
		nw := data[at-seq : at-seq+uint64(len(old))]
		if !bytes.Equal(old, nw) && (len(old) > 1 || ep.peer.lastTime != 0) {
			m.sink.RexmitInconsistency(c, old, nw, m.curFlags)
		}
		cur = at + uint64(len(old))
	}
}
