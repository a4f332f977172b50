package conn

import (
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Endpoint states, for TCP as Zeek's EndpointState and, for UDP and ICMP,
// the inactive/active pair Zeek uses there.
const (
	TCPInactive    = 0
	TCPSYNSent     = 1
	TCPSYNAckSent  = 2
	TCPPartial     = 3
	TCPEstablished = 4
	TCPClosed      = 5
	TCPReset       = 6

	UDPInactive = 0
	UDPActive   = 1
)

// Conn is one connection (Zeek's "connection": a TCP connection, or a UDP,
// ICMP or other-IP flow). Conns live in the Manager's slab and are reused;
// a *Conn handed to a Sink is valid only during the call.
type Conn struct {
	key  Key
	gen  uint32 // generation of the slot, for stale timers
	self int32  // the slot's index
	live bool

	// Endpoints as Zeek names them: the originator and the responder.
	OrigAddr, RespAddr [16]byte
	OrigPort, RespPort uint16
	Version            uint8 // IP version (4 or 6)
	IPProto            uint8 // IP protocol number
	Transport          zeek.Proto

	StartTime, LastTime zeek.Time
	UID                 [2]uint64

	// Link-layer context recorded from the first packet.
	OrigL2, RespL2 [6]byte
	HasL2          bool
	VLAN           uint16
	InnerVLAN      uint16
	HasVLAN        bool
	HasInnerVLAN   bool
	PPPoESession   uint16
	HasPPPoE       bool

	// Flipped reports that the roles were swapped after the connection
	// was reported new (Zeek's connection_flipped with c$conn set).
	FlippedLate bool

	history  []byte
	histBuf  [24]byte
	histSeen uint32
	weird    bool // Zeek's DidWeird: any weird raised on this connection

	// Per-direction packet and IP byte counts (Zeek's ConnSize analyzer).
	OrigPkts, RespPkts       uint64
	OrigIPBytes, RespIPBytes uint64

	// UDP/ICMP payload sizes; -1 when nothing was seen.
	reqLen, repLen int64
	reqChk, repChk scaled

	// MissedBytes sums the content gaps (conn.log missed_bytes).
	MissedBytes uint64

	tcp *tcpState

	inactivityTimeout zeek.Interval
	inactEpoch        uint32
	anaEpoch          uint32
	timersCanceled    bool
	active            bool // Zeek's TCP is_active / session is_active

	weirdCounts []weirdCount

	session  Session // protocol analysis, when any
	seenOrig bool    // a UDP packet from each side reached the session
	seenResp bool
	services []string // confirmed protocols (conn.log service)

	// Tunnels: the encapsulation of the latest packet (nil: none), the
	// uids of every tunnel seen (tunnel_parents), how often the
	// encapsulation changed, and the packet analyzers' states.
	encap         *packet.EncapStack
	tunnelParents [][2]uint64
	tunnelChanges uint32
	pktConfirmed  uint64
	pktViolated   uint64
	tunnelValid   uint8
}

// scaled is a logarithmic history counter (Zeek's ScaledHistoryEntry).
type scaled struct {
	count, thresh uint32
}

type weirdCount struct {
	name  string
	count uint64
	start zeek.Time
}

// History returns the connection's history string (conn.log history).
func (c *Conn) History() string { return string(c.history) }

// Key returns the connection's lookup key.
func (c *Conn) Key() Key { return c.key }

// OrigIP and RespIP return the endpoints' addresses.
func (c *Conn) OrigIP() zeek.Addr { return packet.AddrFrom16(c.OrigAddr, c.Version) }

// RespIP returns the responder's address.
func (c *Conn) RespIP() zeek.Addr { return packet.AddrFrom16(c.RespAddr, c.Version) }

// OrigP and RespP return the endpoints' ports as Zeek port values.
func (c *Conn) OrigP() zeek.Port { return zeek.Port{Num: c.OrigPort, Proto: c.Transport} }

// RespP returns the responder's port.
func (c *Conn) RespP() zeek.Port { return zeek.Port{Num: c.RespPort, Proto: c.Transport} }

// Duration is last-packet time minus first-packet time.
func (c *Conn) Duration() zeek.Interval { return c.LastTime.Sub(c.StartTime) }

// countPacket is Zeek's ConnSize analyzer: packets and IP-level bytes
// (the IP header's total length) per direction.
func (c *Conn) countPacket(isOrig bool, ipTotalLen uint32) {
	if isOrig {
		c.OrigPkts++
		c.OrigIPBytes += uint64(ipTotalLen)
	} else {
		c.RespPkts++
		c.RespIPBytes += uint64(ipTotalLen)
	}
}

// addHistory appends a history letter.
func (c *Conn) addHistory(code byte) {
	if c.history == nil {
		c.history = c.histBuf[:0]
	}
	c.history = append(c.history, code)
}

// checkHistory adds code the first time mask is seen; reports whether mask
// had been seen before (Zeek's Session::CheckHistory).
func (c *Conn) checkHistory(mask uint32, code byte) bool {
	if c.histSeen&mask == 0 {
		c.histSeen |= mask
		c.addHistory(code)
		return false
	}
	return true
}

// scaledHistory adds code at counts 1, 10, 100, … (Zeek's
// ScaledHistoryEntry with base 10); reports whether it added one.
func (c *Conn) scaledHistory(code byte, s *scaled) bool {
	if s.thresh == 0 {
		s.thresh = 1
	}
	s.count++
	if s.count == s.thresh {
		c.addHistory(code)
		nt := s.thresh * 10
		if nt <= s.thresh {
			s.count = 0
		} else {
			s.thresh = nt
		}
		return true
	}
	return false
}

// flipRoles swaps originator and responder (Zeek's Connection::FlipRoles).
func (c *Conn) flipRoles() {
	c.OrigAddr, c.RespAddr = c.RespAddr, c.OrigAddr
	c.OrigPort, c.RespPort = c.RespPort, c.OrigPort
	c.OrigL2, c.RespL2 = c.RespL2, c.OrigL2
	if c.tcp != nil {
		c.tcp.flip()
	}
	// Zeek's ConnSize analyzer swaps its counters with the roles; the
	// UDP/ICMP adapters do not (they never see a flip after their first
	// packet).
	c.OrigPkts, c.RespPkts = c.RespPkts, c.OrigPkts
	c.OrigIPBytes, c.RespIPBytes = c.RespIPBytes, c.OrigIPBytes
	c.addHistory('^')
}
