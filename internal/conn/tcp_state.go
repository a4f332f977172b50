package conn

import "github.com/heron-nsm/heron/internal/zeek"

// updateStateMachine is TCPSessionAdapter::UpdateStateMachine; it returns
// whether to report the side as closed, and whether with an event.
func (m *Manager) updateStateMachine(c *Conn, ep, peer *tcpEndpoint, baseSeq, ackSeq uint32, length int, deltaLast int32, isOrig bool, flags uint8) (doClose, genEvent bool) {
	switch ep.state {
	case TCPInactive:
		return m.updateInactive(c, ep, peer, baseSeq, ackSeq, length, isOrig, flags)
	case TCPSYNSent, TCPSYNAckSent:
		return m.updateSYNSent(c, ep, peer, length, isOrig, flags)
	case TCPEstablished, TCPPartial:
		return m.updateEstablished(c, ep, peer, flags)
	case TCPClosed:
		return m.updateClosed(c, ep, deltaLast, flags), false
	case TCPReset:
		if flags&flagSYN != 0 {
			m.weird(c, "SYN_after_reset", "", "TCP")
		}
		if flags&flagFIN != 0 {
			m.weird(c, "FIN_after_reset", "", "TCP")
		}
		if length > 0 && flags&flagRST == 0 {
			m.weird(c, "data_after_reset", "", "TCP")
		}
	}
	return false, false
}

func (m *Manager) updateInactive(c *Conn, ep, peer *tcpEndpoint, baseSeq, ackSeq uint32, length int, isOrig bool, flags uint8) (doClose, genEvent bool) {
	t := c.tcp
	syn, fin, rst, ack := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0, flags&flagACK != 0
	if syn {
		if isOrig {
			if ack {
				m.weird(c, "connection_originator_SYN_ack", "", "TCP")
				ep.setState(c, m, TCPSYNAckSent)
			} else {
				ep.setState(c, m, TCPSYNSent)
			}
			if m.cfg.TCPAttemptDelay != 0 {
				m.addTimer(c.self, m.ts.Add(m.cfg.TCPAttemptDelay), timerTCPAttempt)
			}
		} else {
			if ack {
				if peer.state != TCPInactive && peer.state != TCPPartial &&
					!seqBetween(ackSeq, uint32(peer.startSeq), peer.lastSeq) {
					m.weird(c, "bad_SYN_ack", "", "TCP")
				}
			} else if peer.state == TCPSYNAckSent && int64(baseSeq) == ep.startSeq {
				// A SYN/SYN-ACK reversal: flip and establish.
				t.isPartial = false
				m.flipLate(c)
				peer.setState(c, m, TCPEstablished)
				t.firstPacketSeen |= seenOrig
			} else {
				m.weird(c, "simultaneous_open", "", "TCP")
			}
			if peer.state == TCPSYNSent {
				peer.setState(c, m, TCPEstablished)
			} else if peer.state == TCPInactive {
				m.weird(c, "unsolicited_SYN_response", "", "TCP")
			}
			ep.setState(c, m, TCPEstablished)
			// Zeek's connection_established; its handlers see the
			// states this packet leaves.
			if peer.state != TCPPartial {
				defer m.connEstablished(c)
			}
		}
	}
	if fin {
		ep.setState(c, m, TCPClosed)
		doClose, genEvent = true, true
		if peer.state != TCPPartial && !syn {
			m.weird(c, "spontaneous_FIN", "", "TCP")
		}
	}
	if rst {
		ep.setState(c, m, TCPReset)
		isReject := false
		if isOrig {
			isReject = peer.state == TCPEstablished
		} else if peer.state == TCPSYNSent || peer.state == TCPSYNAckSent {
			isReject = true
		}
		doClose = true
		genEvent = !isReject
		if !isReject && peer.state == TCPInactive {
			m.weird(c, "spontaneous_RST", "", "TCP")
		}
	}
	if ep.state == TCPInactive {
		switch {
		case !isOrig && length == 0 && t.orig.state == TCPSYNSent:
			// An ack of the SYN before the SYN-ACK: not partial.
		case ack && peer.state == TCPEstablished:
			// We missed the SYN but saw the SYN-ACK: establish.
			ep.setState(c, m, TCPEstablished)
			t.isPartial = false
			if isOrig {
				t.firstPacketSeen |= seenOrig
			} else {
				t.firstPacketSeen |= seenResp
			}
		default:
			ep.setState(c, m, TCPPartial)
		}
	}
	return doClose, genEvent
}

func (m *Manager) updateSYNSent(c *Conn, ep, peer *tcpEndpoint, length int, isOrig bool, flags uint8) (doClose, genEvent bool) {
	syn, fin, rst, ack := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0, flags&flagACK != 0
	if syn {
		if isOrig {
			if ack && !fin && !rst && ep.state != TCPSYNAckSent {
				m.weird(c, "repeated_SYN_with_ack", "", "TCP")
			}
		} else if !ack && ep.state != TCPSYNSent {
			m.weird(c, "repeated_SYN_reply_wo_ack", "", "TCP")
		}
	}
	if fin {
		if peer.state == TCPInactive || peer.state == TCPSYNSent {
			m.weird(c, "inappropriate_FIN", "", "TCP")
		}
		ep.setState(c, m, TCPClosed)
		doClose, genEvent = true, true
	}
	if rst {
		ep.setState(c, m, TCPReset)
		c.tcp.isActive = false // ConnectionReset
		doClose = true
	} else if length > 0 {
		m.weird(c, "data_before_established", "", "TCP")
	}
	return doClose, genEvent
}

func (m *Manager) updateEstablished(c *Conn, ep, peer *tcpEndpoint, flags uint8) (doClose, genEvent bool) {
	syn, fin, rst, ack := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0, flags&flagACK != 0
	if syn && ep.state == TCPPartial && peer.state == TCPInactive && !ack {
		m.weird(c, "SYN_after_partial", "", "TCP")
		ep.setState(c, m, TCPSYNSent)
	}
	if fin && !rst {
		ep.setState(c, m, TCPClosed)
		if peer.state == TCPReset && peer.prevState == TCPClosed {
			// FIN then RST from the peer: a normal close after all.
			peer.setState(c, m, TCPClosed)
		}
		doClose, genEvent = true, true
	}
	if rst {
		ep.setState(c, m, TCPReset)
		doClose = true
		if peer.state != TCPReset || peer.prevState != TCPEstablished {
			c.tcp.isActive = false // ConnectionReset
		}
	}
	return doClose, genEvent
}

func (m *Manager) updateClosed(c *Conn, ep *tcpEndpoint, deltaLast int32, flags uint8) (doClose bool) {
	if flags&flagSYN != 0 {
		m.weird(c, "SYN_after_close", "", "TCP")
	}
	if flags&flagFIN != 0 && deltaLast > 0 {
		m.weird(c, "FIN_advanced_last_seq", "", "TCP")
	}
	if flags&flagRST != 0 && ep.peer.state != TCPClosed {
		ep.setState(c, m, TCPReset)
		if !ep.didClose {
			doClose = true
		}
		// Zeek sets a reset timer here only when a script handles
		// connection_reset; none of Heron's does.
	}
	return doClose
}

// connectionClosed is TCPSessionAdapter::ConnectionClosed.
func (m *Manager) connectionClosed(c *Conn, ep, peer *tcpEndpoint, genEvent bool) {
	t := c.tcp
	if m.dataPending(ep) {
		t.closeDeferred = true
		if !t.deferredGenEvent {
			t.deferredGenEvent = genEvent
		}
		return
	}
	t.closeDeferred = false
	if ep.didClose {
		return
	}
	ep.didClose = true
	closeComplete := ep.state == TCPReset || peer.didClose || peer.state == TCPInactive
	if closeComplete {
		if ep.prevState != TCPInactive || peer.state != TCPInactive {
			if t.deferredGenEvent {
				genEvent = true
				t.deferredGenEvent = false
			}
			if genEvent {
				t.isActive = false // ConnectionFinished
			}
		}
		m.cancelAnalyzerTimers(c)
		if m.cfg.TCPCloseDelay != 0 {
			m.addTimer(c.self, c.LastTime.Add(m.cfg.TCPCloseDelay), timerConnDelete)
		} else {
			m.addTimer(c.self, c.LastTime, timerConnDelete)
		}
		return
	}
	if ep.prevState != TCPInactive {
		m.addTimer(c.self, c.LastTime.Add(m.cfg.TCPSessionTimer), timerTCPExpire)
	}
	// A first-time close of a side never seen before would set a partial
	// close timer, but only when a script handles connection_partial_close.
}

// tcpAttemptTimer is TCPSessionAdapter::AttemptTimer.
func (m *Manager) tcpAttemptTimer(i int32) {
	c := m.at(i)
	t := c.tcp
	if t == nil || !t.isActive {
		return
	}
	if (t.orig.state == TCPSYNSent || t.orig.state == TCPSYNAckSent) && t.resp.state == TCPInactive {
		t.isActive = false
		m.remove(i)
	}
}

// tcpExpireTimer is TCPSessionAdapter::ExpireTimer.
func (m *Manager) tcpExpireTimer(i int32, now zeek.Time) {
	c := m.at(i)
	t := c.tcp
	if t == nil || !t.isActive {
		return
	}
	if c.LastTime.Add(m.cfg.TCPConnectionLinger) < now {
		if t.orig.didClose || t.resp.didClose {
			if (t.orig.didClose && t.resp.didClose) ||
				t.orig.state == TCPReset || t.resp.state == TCPReset ||
				t.orig.state == TCPInactive || t.resp.state == TCPInactive {
				t.isActive = false
				m.remove(i)
				return
			}
		}
		if t.resp.state == TCPInactive && t.orig.state == TCPInactive {
			m.remove(i)
			return
		}
	}
	m.addTimer(i, now.Add(m.cfg.TCPSessionTimer), timerTCPExpire)
}
