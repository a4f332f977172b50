package conn

// The TCP reassembler's sequence-space logic (Zeek's TCP_Reassembler and
// Reassembler), driving content gaps: the 'G'/'g' history letters and
// conn.log's missed_bytes.

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
	}
	ep.reasm.hadGap = true
}

// undelivered is TCP_Reassembler::Undelivered: the peer acknowledged data
// up to upTo that never arrived.
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
		for {
			j := r.firstAtOrAbove(r.lastReassem)
			if j < 0 || r.blocks[j].seq >= upTo {
				break
			}
			at := r.lastReassem
			n := r.blocks[j].seq - at
			m.gap(c, ep, at, n)
			r.lastReassem += n
			m.blockInserted(c, ep, r.blocks[j])
		}
		if upTo > r.lastReassem {
			m.gap(c, ep, r.lastReassem, upTo-r.lastReassem)
		}
	}
	if upTo > r.lastReassem {
		r.lastReassem = upTo
	}
}

// blockInserted is Reassembler::BlockInserted for a newly inserted range:
// deliver what became contiguous, then let go of unacknowledged data when
// the peer seems not to be acking.
func (m *Manager) blockInserted(c *Conn, ep *tcpEndpoint, b seqRange) {
	r := &ep.reasm
	if b.seq > r.lastReassem || b.upper <= r.lastReassem {
		return
	}
	r.deliverFrom()
	// The peer always reassembles too (Zeek turns reassembly on for both
	// directions), so only the initial-window rule applies.
	if ep.noDataAcked() && m.cfg.TCPMaxInitialWindow != 0 && ep.size() > m.cfg.TCPMaxInitialWindow {
		m.trimToSeq(c, ep, r.lastReassem)
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
	if len(r.blocks) > 0 && r.blocks[0].seq == r.lastReassem {
		m.blockInserted(c, ep, r.blocks[0])
	}
	r.trimSeq = seq
}

// dataSent is TCP_Reassembler::DataSent for a segment of n bytes at
// relative sequence seq.
func (m *Manager) dataSent(c *Conn, ep *tcpEndpoint, seq uint64, n int, _ []byte) {
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
		seq = ack
	}
	// NewBlock.
	if upper > seq && upper > r.trimSeq {
		if seq < r.trimSeq {
			seq = r.trimSeq
		}
		if first, ok := r.insert(seq, upper); ok {
			m.blockInserted(c, ep, first)
		}
	}
	if ep.noDataAcked() && m.cfg.TCPMaxAboveHoleWithoutAnyAcks != 0 && r.numUndelivered() > m.cfg.TCPMaxAboveHoleWithoutAnyAcks {
		m.weird(c, "above_hole_data_without_any_acks", "", "TCP")
		r.clear()
		r.skipDeliveries = true
	}
	if m.cfg.TCPExcessiveDataWithoutFurtherAcks != 0 && r.dataSize() > m.cfg.TCPExcessiveDataWithoutFurtherAcks {
		m.weird(c, "excessive_data_without_further_acks", "", "TCP")
		r.clear()
		r.skipDeliveries = true
	}
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
	m.trimToSeq(c, ep, seq)
	m.checkEOF(c, ep)
}

// checkEOF is TCP_Reassembler::CheckEOF.
func (m *Manager) checkEOF(c *Conn, ep *tcpEndpoint) {
	r := &ep.reasm
	if r.didEOF || !(ep.finCnt > 0 || ep.state == TCPClosed || ep.state == TCPReset) || m.dataPending(ep) {
		return
	}
	r.didEOF = true
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
