package conn

import "github.com/heron-nsm/heron/internal/zeek"

// History masks (Zeek's TCP_Endpoint HIST_* and the session-wide one).
const (
	histSYNPkt          = 0x1
	histFINPkt          = 0x2
	histRSTPkt          = 0x4
	histFINRSTPkt       = 0x8
	histDataPkt         = 0x10
	histACKPkt          = 0x20
	histMultiFlagPkt    = 0x40
	histCorruptPkt      = 0x80
	histRxmit           = 0x100
	histWin0            = 0x200
	histAnalyzerLimited = 0x400
)

// tcpEndpoint is one side of a TCP connection (Zeek's TCP_Endpoint),
// with the sequence-space bookkeeping of its reassembler.
type tcpEndpoint struct {
	isOrig bool
	peer   *tcpEndpoint

	state, prevState uint8

	startSeq        int64
	lastSeq, ackSeq uint32
	seqWraps        uint32
	ackWraps        uint32
	window          uint32
	windowScale     int
	windowSeq       uint32
	windowAckSeq    uint32
	finSeq          uint64
	finCnt, rstCnt  int
	didClose        bool
	startTime       zeek.Time
	lastTime        zeek.Time
	histLastSYN     uint64
	histLastFIN     uint64
	histLastRST     uint64
	gap, chk, rxmt  scaled
	win0            scaled
	reasm           reassembler
}

func (e *tcpEndpoint) reset(isOrig bool, peer *tcpEndpoint) {
	*e = tcpEndpoint{isOrig: isOrig, peer: peer}
	e.reasm.init()
}

func (e *tcpEndpoint) setState(c *Conn, m *Manager, s uint8) {
	if s == e.state {
		return
	}
	// Finishing the handshake switches to the TCP inactivity timeout.
	if !isHandshake(s) && isHandshake(e.state) && isHandshake(e.peer.state) {
		m.setInactivityTimeout(c, m.cfg.TCPInactivityTimeout)
	}
	e.prevState = e.state
	e.state = s
}

func isHandshake(s uint8) bool {
	return s == TCPInactive || s == TCPSYNSent || s == TCPSYNAckSent
}

func toFullSeqSpace(seq uint32, wraps uint32) uint64 { return uint64(wraps)<<32 + uint64(seq) }

func (e *tcpEndpoint) toRelativeSeqSpace(seq, wraps uint32) uint64 {
	return toFullSeqSpace(seq, wraps) - uint64(e.startSeq)
}

func (e *tcpEndpoint) updateLastSeq(seq uint32) {
	if seq < e.lastSeq {
		e.seqWraps++
	}
	e.lastSeq = seq
}

func (e *tcpEndpoint) updateAckSeq(seq uint32) {
	if seq < e.ackSeq {
		e.ackWraps++
	}
	e.ackSeq = seq
}

func (e *tcpEndpoint) noDataAcked() bool {
	ack := toFullSeqSpace(e.ackSeq, e.ackWraps)
	start := uint64(e.startSeq)
	return ack == start || ack == start+1
}

func (e *tcpEndpoint) isActive() bool { return e.state != TCPInactive && !e.didClose }

// size is the endpoint's payload size from sequence numbers (Zeek's
// TCP_Endpoint::Size).
func (e *tcpEndpoint) size() uint64 {
	if e.prevState == TCPSYNSent && e.state == TCPReset && e.peer.state == TCPInactive && !e.noDataAcked() {
		return 0
	}
	last := toFullSeqSpace(e.lastSeq, e.seqWraps)
	ack := toFullSeqSpace(e.ackSeq, e.ackWraps)
	var size uint64
	if last > ack {
		size = last - uint64(e.startSeq)
	} else {
		size = ack - uint64(e.startSeq)
	}
	if size != 0 {
		size--
	}
	if e.finCnt > 0 && size != 0 {
		size--
	}
	return size
}

func seqDelta(a, b uint32) int32 { return int32(a - b) }

func seqBetween(a, b, c uint32) bool {
	if b <= c {
		return a >= b && a <= c
	}
	return a >= b || a <= c
}
