package conn

import (
	"encoding/binary"
	"strconv"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TCP flag bits.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagACK = 0x10
	flagURG = 0x20
)

const (
	seenOrig = 1
	seenResp = 2
	// tooLargeSeqDelta is Zeek's TOO_LARGE_SEQ_DELTA.
	tooLargeSeqDelta = 1048576
)

// tcpState is the TCP session state of a connection (Zeek's
// TCPSessionAdapter). It is allocated once per TCP connection from a pool;
// endpoints point at each other and stay put while the state lives.
type tcpState struct {
	eps              [2]tcpEndpoint
	orig, resp       *tcpEndpoint
	seenFirstACK     bool
	isPartial        bool
	firstPacketSeen  uint8
	closeDeferred    bool
	deferredGenEvent bool
	isActive         bool
	relDataSeq       uint64
}

func (t *tcpState) init() {
	t.eps[0].reset(true, &t.eps[1])
	t.eps[1].reset(false, &t.eps[0])
	t.orig, t.resp = &t.eps[0], &t.eps[1]
	t.seenFirstACK, t.isPartial, t.firstPacketSeen = false, false, 0
	t.closeDeferred, t.deferredGenEvent = false, false
	t.isActive = true
	t.relDataSeq = 0
}

// flip swaps the endpoints' roles (TCPSessionAdapter::FlipRoles).
func (t *tcpState) flip() {
	t.orig, t.resp = t.resp, t.orig
	t.orig.isOrig = !t.orig.isOrig
	t.resp.isOrig = !t.resp.isOrig
	var f uint8
	if t.firstPacketSeen&seenOrig != 0 {
		f |= seenResp
	}
	if t.firstPacketSeen&seenResp != 0 {
		f |= seenOrig
	}
	t.firstPacketSeen = f
	t.isPartial = false
}

func (t *tcpState) isClosed() bool { return t.orig.didClose || t.resp.didClose }

func (m *Manager) newTCPState() *tcpState {
	var t *tcpState
	if n := len(m.tcps); n > 0 {
		t = m.tcps[n-1]
		m.tcps = m.tcps[:n-1]
	} else {
		t = new(tcpState)
	}
	t.init()
	return t
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

var (
	errTruncatedHeader     = packet.NewWeird("truncated_header")
	errInternallyTruncated = packet.NewWeird("internally_truncated_header")
)

// checkHeaderTrunc is Zeek's IPBasedAnalyzer::CheckHeaderTrunc.
func checkHeaderTrunc(p *packet.Packet, minLen, remaining int) error {
	if p.IP.PayloadLen != 0 && p.IP.PayloadLen < minLen {
		return errTruncatedHeader
	}
	if remaining < minLen {
		return errInternallyTruncated
	}
	return nil
}

// keyOf builds the connection key of packet p with the given ports (ICMP
// types as ports), including the VLAN tags when the VLAN-aware key is on.
func (m *Manager) keyOf(p *packet.Packet, sport, dport uint16, oneWay bool) Key {
	k, _ := MakeKey(&p.IP.Src, &p.IP.Dst, sport, dport, p.IP.Proto, oneWay)
	if m.cfg.VLANKey {
		if p.HasVLAN {
			k.VLAN = uint32(p.VLAN)
		}
		if p.HasInnerVLAN {
			k.InnerVLAN = uint32(p.InnerVLAN)
		}
	}
	return k
}

func (m *Manager) ignoreChecksums(p *packet.Packet) bool {
	return m.cfg.IgnoreChecksums || p.L4Checksummed ||
		(m.cfg.IgnoreChecksumsFor != nil && m.cfg.IgnoreChecksumsFor(p.IP.HdrSrc, p.IP.Version))
}

// analyzeTCP is the TCP layer: find or create the connection, then run the
// segment through it.
func (m *Manager) analyzeTCP(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	m.ts = p.TS
	if err := checkHeaderTrunc(p, 20, len(data)); err != nil {
		return 0, nil, err
	}
	sport, dport := be16(data[0:]), be16(data[2:])
	k := m.keyOf(p, sport, dport, false)
	i := m.lookup(&k)
	if i < 0 {
		if i = m.newTCP(p, &k, data, sport, dport); i < 0 {
			return packet.Stop, nil, nil
		}
	} else if m.tcpIsReuse(i, data) {
		m.remove(i)
		if i = m.newTCP(p, &k, data, sport, dport); i < 0 {
			return packet.Stop, nil, nil
		}
	} else {
		m.checkEncap(m.at(i), p)
	}
	p.Processed = true
	c := m.at(i)
	isOrig := p.IP.Src == c.OrigAddr && sport == c.OrigPort
	m.cur, m.curL4 = p, data
	m.deliverTCP(c, isOrig, p, data)
	m.cur, m.curL4 = nil, nil
	return packet.Stop, nil, nil
}

// newTCP creates a TCP connection if Zeek would (TCPAnalyzer::WantConnection).
func (m *Manager) newTCP(p *packet.Packet, k *Key, data []byte, sport, dport uint16) int32 {
	flags := data[13]
	flip := false
	if flags&flagSYN == 0 || flags&flagACK != 0 {
		if !m.cfg.PartialConnectionOK {
			return -1
		}
		if flags&flagSYN != 0 && !m.cfg.TCPSYNAckOK {
			return -1
		}
		if m.cfg.LikelyServerPort(sport, zeek.ProtoTCP) {
			if m.cfg.LikelyServerPort(dport, zeek.ProtoTCP) {
				flip = flags&flagSYN == 0 && sport < dport
			} else {
				flip = true
			}
		}
	}
	i := m.newConn(p, k, &p.IP.Src, &p.IP.Dst, sport, dport, zeek.ProtoTCP)
	c := m.at(i)
	if flip && !isBroadcast(&c.RespAddr, c.Version) {
		c.flipRoles()
	}
	c.tcp = m.newTCPState()
	m.addTimer(i, m.now.Add(m.cfg.TCPSYNTimeout), timerTCPExpire)
	m.setInactivityTimeout(c, m.cfg.UDPInactivityTimeout)
	m.startSession(c)
	return i
}

func isBroadcast(a *[16]byte, version uint8) bool {
	return version == 4 && a[12] == 0xff && a[13] == 0xff && a[14] == 0xff && a[15] == 0xff
}

// tcpIsReuse is TCPSessionAdapter::IsReuse: a new SYN on an existing
// connection's key starts a new connection.
func (m *Manager) tcpIsReuse(i int32, data []byte) bool {
	c := m.at(i)
	t := c.tcp
	if t == nil || int(data[12]>>4)*4 < 20 {
		return false
	}
	flags := data[13]
	if flags&flagSYN == 0 {
		return false
	}
	connOrig := t.orig
	if flags&flagACK != 0 {
		if t.orig.state != TCPInactive {
			return false
		}
		connOrig = t.resp
	}
	if !t.isClosed() {
		baseSeq := be32(data[4:])
		if int64(baseSeq) == connOrig.startSeq {
			return false
		}
		if flags&flagACK == 0 && connOrig.state == TCPSYNAckSent && t.resp.state == TCPInactive && int64(baseSeq) == t.resp.startSeq {
			return false
		}
		if connOrig.state == TCPSYNSent {
			m.weird(c, "SYN_seq_jump", "", "TCP")
		} else {
			m.weird(c, "active_connection_reuse", "", "TCP")
		}
	} else if (t.orig.isActive() || t.resp.isActive()) && t.orig.state != TCPReset && t.resp.state != TCPReset {
		m.weird(c, "active_connection_reuse", "", "TCP")
	} else if m.ts.Sub(c.LastTime) < m.cfg.TCPConnectionLinger && t.orig.state != TCPReset && t.resp.state != TCPReset {
		m.weird(c, "premature_connection_reuse", "", "TCP")
	}
	return true
}

// deliverTCP is TCPAnalyzer::DeliverPacket.
func (m *Manager) deliverTCP(c *Conn, isOrig bool, p *packet.Packet, data []byte) {
	remaining := len(data)
	length := p.IP.PayloadLen
	if p.IP.TotalLen == 0 {
		length = remaining
	}
	hl := int(data[12]>>4) * 4
	if hl < 20 {
		m.weird(c, "bad_TCP_header_len", "", "TCP")
		return
	}
	if hl > length || hl > remaining {
		m.weird(c, "truncated_header", "", "TCP")
		return
	}
	length -= hl
	remaining -= hl
	t := c.tcp
	ep := t.resp
	if isOrig {
		ep = t.orig
	}
	if !m.ignoreChecksums(p) && remaining >= length {
		if !packet.TransportChecksumOK(p.IP.Version, &p.IP.Src, &p.IP.Dst, 6, data[:hl+length]) {
			m.weird(c, "bad_TCP_checksum", "", "TCP")
			code := byte('c')
			if ep.isOrig {
				code = 'C'
			}
			c.scaledHistory(code, &ep.chk)
			return
		}
	}
	before := t.orig
	m.tcpProcess(c, isOrig, data[:hl], length, data[hl:], remaining)
	if t.orig != before {
		isOrig = !isOrig
	}
	// The ConnSize analyzer counts packets and IP bytes.
	c.countPacket(isOrig, p.IP.TotalLen)
}

func segmentLen(payloadLen int, flags uint8) int {
	n := payloadLen
	if flags&flagSYN != 0 {
		n++
	}
	if flags&flagFIN != 0 {
		n++
	}
	if flags&flagRST != 0 {
		n -= payloadLen
	}
	return n
}

// tcpProcess is TCPSessionAdapter::Process. isOrig stays as the caller
// passed it even if the connection flips on the way, as in Zeek.
func (m *Manager) tcpProcess(c *Conn, isOrig bool, hdr []byte, length int, payload []byte, remaining int) {
	t := c.tcp
	now := m.ts
	flags := hdr[13]
	if m.cfg.CheckOverlaps {
		m.curFlags = flagString(flags)
	}
	baseSeq, ackSeq := be32(hdr[4:]), be32(hdr[8:])
	ep := t.resp
	if isOrig {
		ep = t.orig
	}
	peer := ep.peer

	// SetPartialStatus.
	if ep.isOrig {
		if t.firstPacketSeen&seenOrig == 0 {
			t.isPartial = flags&flagSYN == 0 || flags&flagACK != 0
		}
	} else if t.firstPacketSeen&seenResp == 0 && !t.isPartial {
		t.isPartial = flags&flagSYN == 0
	}

	segLen := segmentLen(length, flags)
	seqOnePast := baseSeq + uint32(segLen)
	m.initEndpoint(c, ep, flags, baseSeq, seqOnePast, now)

	underflow := false
	relSeq := relativeSeq(ep, baseSeq, ep.lastSeq, ep.seqWraps, &underflow)
	if underflow && flags&flagRST == 0 {
		m.weird(c, "TCP_seq_underflow_or_misorder", "", "TCP")
	}
	m.updateHistory(c, flags, ep, relSeq, length)
	m.updateWindow(c, ep, uint32(be16(hdr[14:])), baseSeq, ackSeq, flags)

	if !t.orig.didClose || !t.resp.didClose {
		c.LastTime = now
	}

	if flags&flagSYN != 0 {
		if flags&flagRST != 0 {
			m.weird(c, "TCP_christmas", "", "TCP")
		}
		if flags&flagURG != 0 {
			m.weird(c, "baroque_SYN", "", "TCP")
		}
		if length > 0 {
			m.weird(c, "SYN_with_data", "", "TCP")
		}
		m.initWindow(c, ep, peer, flags, windowScaleOption(hdr), baseSeq, ackSeq)
	}
	if flags&flagFIN != 0 {
		ep.finCnt++
		if uint64(ep.finCnt) >= m.cfg.TCPStormThresh && now < ep.lastTime.Add(m.cfg.TCPStormInterarrivalThresh) {
			m.weird(c, "FIN_storm", "", "TCP")
		}
		ep.finSeq = relSeq + uint64(segLen)
	}
	if flags&flagRST != 0 {
		ep.rstCnt++
		if uint64(ep.rstCnt) >= m.cfg.TCPStormThresh && now < ep.lastTime.Add(m.cfg.TCPStormInterarrivalThresh) {
			m.weird(c, "RST_storm", "", "TCP")
		}
	}

	var relAck uint64
	if flags&flagACK != 0 {
		if isOrig && !t.seenFirstACK && (ep.state == TCPEstablished || ep.state == TCPSYNSent) {
			t.seenFirstACK = true
		}
		if peer.state == TCPInactive {
			relAck = 1
			m.initPeer(c, peer, ep, flags, ackSeq)
		} else {
			ackUnderflow := false
			relAck = relativeSeq(peer, ackSeq, peer.ackSeq, peer.ackWraps, &ackUnderflow)
			if ackUnderflow {
				relAck = 0
				m.weird(c, "TCP_ack_underflow_or_misorder", "", "TCP")
			} else if flags&flagRST == 0 {
				deltaAck := seqDelta(ackSeq, peer.ackSeq)
				if ackSeq == 0 && deltaAck > tooLargeSeqDelta {
					// More likely a broken ack than a wrap onto 0.
				} else if deltaAck > 0 {
					peer.updateAckSeq(ackSeq)
				}
			}
		}
	}

	deltaLast := updateLastSeq(ep, seqOnePast, flags, length, c)
	ep.lastTime = now

	doClose, genEvent := m.updateStateMachine(c, ep, peer, baseSeq, ackSeq, length, deltaLast, isOrig, flags)

	if flags&flagACK != 0 {
		m.ackReceived(c, peer, relAck)
	}

	// CheckPIA_FirstPacket records which sides have been seen and lets
	// the session see each side's first packet.
	if isOrig && t.firstPacketSeen&seenOrig == 0 {
		t.firstPacketSeen |= seenOrig
		m.firstPacket(c, true)
	}
	if !isOrig && t.firstPacketSeen&seenResp == 0 {
		t.firstPacketSeen |= seenResp
		m.firstPacket(c, false)
	}

	t.relDataSeq = relSeq
	if flags&flagSYN != 0 {
		t.relDataSeq = relSeq + 1
	}
	if length > 0 && flags&flagRST == 0 && !underflow {
		// Zeek's ConnSize packet child makes the remaining >= length test
		// moot: the data always goes to the endpoint.
		if remaining >= length {
			m.dataSent(c, ep, t.relDataSeq, length, payload[:length])
		} else {
			m.weird(c, "truncated_tcp_payload", "", "TCP")
		}
	}
	m.checkEOF(c, ep)
	if doClose {
		m.connectionClosed(c, ep, peer, genEvent)
	}
}

// windowScaleOption returns the window scale option of a SYN, or -1.
func windowScaleOption(hdr []byte) int {
	opts := hdr[20:]
	for len(opts) > 0 {
		kind := opts[0]
		if kind == 0 {
			break
		}
		if kind == 1 {
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 {
			break
		}
		olen := int(opts[1])
		if olen > len(opts) || olen == 0 {
			break
		}
		if kind == 3 && olen >= 3 {
			return int(opts[2])
		}
		opts = opts[olen:]
	}
	return -1
}

// initEndpoint is Zeek's init_endpoint.
func (m *Manager) initEndpoint(c *Conn, ep *tcpEndpoint, flags uint8, firstSeq, lastSeq uint32, now zeek.Time) {
	syn := flags&flagSYN != 0
	switch ep.state {
	case TCPInactive:
		if syn {
			ep.ackSeq = firstSeq
			ep.startSeq = int64(firstSeq)
		} else {
			ep.ackSeq = firstSeq - 1
			ep.startSeq = int64(firstSeq - 1)
			lastSeq = firstSeq
		}
		ep.lastSeq = lastSeq
		ep.startTime = now
	case TCPSYNSent, TCPSYNAckSent:
		if syn && int64(firstSeq) != ep.startSeq {
			m.weird(c, "SYN_seq_jump", "", "")
			ep.startSeq = int64(firstSeq)
			ep.ackSeq = firstSeq
			ep.lastSeq = lastSeq
		}
	case TCPEstablished, TCPPartial:
		if syn {
			if ep.size() > 0 {
				m.weird(c, "SYN_inside_connection", "", "")
			}
			if int64(firstSeq) != ep.startSeq {
				m.weird(c, "SYN_seq_jump", "", "")
			}
			ep.startSeq = int64(firstSeq)
			ep.ackSeq = firstSeq
			ep.lastSeq = lastSeq
		}
	case TCPReset:
		if syn && ep.prevState == TCPInactive {
			ep.startSeq = int64(firstSeq)
			ep.ackSeq = firstSeq
			ep.lastSeq = lastSeq
		}
	}
}

// relativeSeq is Zeek's get_relative_seq.
func relativeSeq(ep *tcpEndpoint, cur, last, wraps uint32, underflow *bool) uint64 {
	delta := seqDelta(cur, last)
	if delta < 0 {
		if wraps != 0 && cur > last {
			wraps--
		}
	} else if delta > 0 {
		if cur < last {
			wraps++
		}
	}
	if wraps == 0 {
		d := seqDelta(cur, uint32(ep.startSeq))
		if underflow != nil && d < 0 {
			*underflow = true
		}
		return uint64(int64(d))
	}
	return ep.toRelativeSeqSpace(cur, wraps)
}

// tcpCheckHistory is TCP_Endpoint::CheckHistory, including the late flip
// of connections that began with a SYN-ACK.
func (m *Manager) tcpCheckHistory(c *Conn, ep *tcpEndpoint, mask uint32, code byte) bool {
	if (code == 'A' || code == 'D') && len(c.history) == 1 && c.history[0] == 'H' {
		m.flipLate(c)
		c.history = append(c.history[:0], '^', 'h')
		c.tcp.firstPacketSeen |= seenOrig
	}
	if !ep.isOrig {
		mask <<= 16
		code = lower(code)
	}
	return c.checkHistory(mask, code)
}

// flipLate flips a connection after it was reported new: Zeek then
// recomputes local_orig/local_resp (connection_flipped).
func (m *Manager) flipLate(c *Conn) {
	c.flipRoles()
	c.FlippedLate = true
	if c.session != nil {
		c.session.FlipRoles()
	}
}

func (m *Manager) tcpAddHistory(c *Conn, ep *tcpEndpoint, code byte) {
	if !ep.isOrig {
		code = lower(code)
	}
	c.addHistory(code)
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// updateHistory is Zeek's update_history.
func (m *Manager) updateHistory(c *Conn, flags uint8, ep *tcpEndpoint, relSeq uint64, length int) {
	syn, fin, rst := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0
	bits := 0
	for _, b := range [3]bool{syn, fin, rst} {
		if b {
			bits++
		}
	}
	switch {
	case bits > 1:
		if fin && rst {
			m.tcpCheckHistory(c, ep, histFINRSTPkt, 'I')
		} else {
			m.tcpCheckHistory(c, ep, histMultiFlagPkt, 'Q')
		}
	case bits == 1:
		if syn {
			code := byte('S')
			if flags&flagACK != 0 {
				code = 'H'
			}
			if m.tcpCheckHistory(c, ep, histSYNPkt, code) && relSeq != ep.histLastSYN {
				m.tcpAddHistory(c, ep, code)
			}
			ep.histLastSYN = relSeq
		}
		if fin {
			if m.tcpCheckHistory(c, ep, histFINPkt, 'F') && relSeq+uint64(length) != ep.histLastFIN {
				m.tcpAddHistory(c, ep, 'F')
			}
			ep.histLastFIN = relSeq + uint64(length)
		}
		if rst {
			if m.tcpCheckHistory(c, ep, histRSTPkt, 'R') && relSeq != ep.histLastRST {
				m.tcpAddHistory(c, ep, 'R')
			}
			ep.histLastRST = relSeq
		}
	default:
		if length > 0 {
			m.tcpCheckHistory(c, ep, histDataPkt, 'D')
		} else if flags&flagACK != 0 {
			m.tcpCheckHistory(c, ep, histACKPkt, 'A')
		}
	}
}

// updateWindow is Zeek's update_window.
func (m *Manager) updateWindow(c *Conn, ep *tcpEndpoint, window, baseSeq, ackSeq uint32, flags uint8) {
	scale := ep.windowScale
	window <<= uint(scale)
	if window == 0 && flags&flagRST == 0 && ep.peer.state != TCPClosed && ep.state != TCPReset {
		code := byte('w')
		if ep.isOrig {
			code = 'W'
		}
		c.scaledHistory(code, &ep.win0)
	}
	if flags&(flagSYN|flagFIN|flagRST) == 0 && ep.state != TCPClosed && ep.state != TCPReset {
		if seqDelta(baseSeq, ep.windowSeq) >= 0 && seqDelta(ackSeq, ep.windowAckSeq) >= 0 {
			newEdge := ackSeq + window
			oldEdge := ep.windowAckSeq + ep.window
			advance := seqDelta(newEdge, oldEdge)
			if advance < 0 && -int64(advance) >= int64(1)<<uint(scale) {
				m.weird(c, "window_recision", "", "")
			}
			ep.window = window
			ep.windowAckSeq = ackSeq
			ep.windowSeq = baseSeq
		}
	}
}

// initWindow is Zeek's init_window.
func (m *Manager) initWindow(c *Conn, ep, peer *tcpEndpoint, flags uint8, scale int, baseSeq, ackSeq uint32) {
	if scale < 0 {
		if flags&flagACK != 0 {
			ep.windowScale = 0
			peer.windowScale = 0
		} else {
			ep.windowScale = 0
		}
		return
	}
	if scale > 14 {
		if !c.weird {
			m.weird(c, "TCP_scale_range", strconv.Itoa(scale), "TCP")
		}
		scale = 14
	}
	ep.windowScale = scale
	ep.windowSeq = baseSeq
	ep.windowAckSeq = ackSeq
	peer.windowSeq = ackSeq
	peer.windowAckSeq = baseSeq
}

// initPeer is Zeek's init_peer.
func (m *Manager) initPeer(c *Conn, peer, ep *tcpEndpoint, flags uint8, ackSeq uint32) {
	if flags&(flagSYN|flagFIN|flagRST) == 0 {
		if ep.state == TCPSYNSent || ep.state == TCPSYNAckSent || ep.state == TCPEstablished {
			if !c.weird {
				m.weird(c, "possible_split_routing", "", "")
			}
		}
	}
	peer.startSeq = int64(ackSeq - 1)
	peer.ackSeq = ackSeq - 1
	peer.lastSeq = ackSeq - 1
}

// updateLastSeq is Zeek's update_last_seq.
func updateLastSeq(ep *tcpEndpoint, lastSeq uint32, flags uint8, length int, c *Conn) int32 {
	delta := seqDelta(lastSeq, ep.lastSeq)
	switch {
	case flags&(flagSYN|flagRST) != 0 && (delta > tooLargeSeqDelta || delta < -tooLargeSeqDelta):
		// Don't trust outlandish SYN/RST sequence numbers.
	case flags&flagFIN != 0 && int64(ep.lastSeq) == ep.startSeq+1:
		ep.updateLastSeq(lastSeq)
	case ep.state == TCPReset:
		// Nothing after a RST is trusted.
	case delta > 0:
		ep.updateLastSeq(lastSeq)
	case delta <= 0 && length > 0:
		code := byte('t')
		if ep.isOrig {
			code = 'T'
		}
		c.scaledHistory(code, &ep.rxmt)
	}
	return delta
}

// flagString prints TCP flags as Zeek's TCP_Flags::AsString.
func flagString(f uint8) string {
	var b [6]byte
	n := 0
	for _, x := range [...]struct {
		bit uint8
		c   byte
	}{{flagSYN, 'S'}, {flagFIN, 'F'}, {flagRST, 'R'}, {flagACK, 'A'}, {0x08, 'P'}, {flagURG, 'U'}} {
		if f&x.bit != 0 {
			b[n] = x.c
			n++
		}
	}
	return string(b[:n])
}
