package conn

import (
	"math/rand/v2"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Config holds the connection-tracking options, with Zeek's names in the
// field docs. DefaultConfig gives Zeek's defaults.
type Config struct {
	TCPSYNTimeout         zeek.Interval // tcp_SYN_timeout
	TCPSessionTimer       zeek.Interval // tcp_session_timer
	TCPConnectionLinger   zeek.Interval // tcp_connection_linger
	TCPAttemptDelay       zeek.Interval // tcp_attempt_delay
	TCPCloseDelay         zeek.Interval // tcp_close_delay
	TCPResetDelay         zeek.Interval // tcp_reset_delay
	TCPPartialCloseDelay  zeek.Interval // tcp_partial_close_delay
	TCPInactivityTimeout  zeek.Interval // tcp_inactivity_timeout
	UDPInactivityTimeout  zeek.Interval // udp_inactivity_timeout
	ICMPInactivityTimeout zeek.Interval // icmp_inactivity_timeout
	UnknownIPInactivity   zeek.Interval // unknown_ip_inactivity_timeout

	PartialConnectionOK bool // partial_connection_ok
	TCPSYNAckOK         bool // tcp_SYN_ack_ok

	TCPStormThresh                     uint64        // tcp_storm_thresh
	TCPStormInterarrivalThresh         zeek.Interval // tcp_storm_interarrival_thresh
	TCPMaxInitialWindow                uint64        // tcp_max_initial_window
	TCPMaxAboveHoleWithoutAnyAcks      uint64        // tcp_max_above_hole_without_any_acks
	TCPExcessiveDataWithoutFurtherAcks uint64        // tcp_excessive_data_without_further_acks
	ReportGapsForPartial               bool          // report_gaps_for_partial
	DetectFilteredTrace                bool          // detect_filtered_trace

	IgnoreChecksums    bool                                   // ignore_checksums (-C)
	IgnoreChecksumsFor func(src [16]byte, version uint8) bool // ignore_checksums_nets

	// LikelyServerPort reports whether a port is in likely_server_ports.
	LikelyServerPort func(port uint16, proto zeek.Proto) bool

	// VLANKey makes VLAN tags part of the connection key
	// (policy/frameworks/conn_key/vlan_fivetuple).
	VLANKey bool

	// Weird sampling (Weird::sampling_threshold, _rate, _duration).
	WeirdSamplingThreshold uint64
	WeirdSamplingRate      uint64
	WeirdSamplingDuration  zeek.Interval

	// Seed makes connection uids deterministic when non-zero.
	Seed uint64

	// MaxReassemblyBytes bounds the out-of-order TCP data one thread
	// buffers (Heron's own bound; Zeek has none). When it is exceeded the
	// direction adding data skips past what it holds as a content gap,
	// with the weird reassembly_memory_exceeded. 0: no bound.
	MaxReassemblyBytes int
	// MaxReassemblyBlocks bounds the out-of-order blocks one direction of
	// a connection holds (Heron's own bound), which keeps the cost of
	// placing a segment small under a flood of tiny segments. 0: no bound.
	MaxReassemblyBlocks int
	// VXLANPorts are PacketAnalyzer::VXLAN::vxlan_ports: UDP checksums of
	// VXLAN datagrams to them are checked only when non-zero and
	// ValidateVXLANChecksums (Tunnel::validate_vxlan_checksums) is set.
	VXLANPorts             []uint16
	ValidateVXLANChecksums bool
	// MaxTunnelChanges is Tunnel::max_changes_per_connection: how often
	// a connection's tunnels may change before Heron stops following
	// (0: no limit).
	MaxTunnelChanges uint32

	// CheckOverlaps keeps delivered TCP data until it is acknowledged and
	// compares retransmissions with it (Zeek does this when a script
	// handles rexmit_inconsistency, as policy/protocols/conn/weirds does);
	// differences go to Sink.RexmitInconsistency.
	CheckOverlaps bool

	// Analysis creates the sessions that analyse connections' payload;
	// nil when only connections are tracked.
	Analysis Analysis
}

// DefaultConfig returns Zeek's defaults (init-bare.zeek).
func DefaultConfig() Config {
	return Config{
		TCPSYNTimeout:                      5 * zeek.Second,
		TCPSessionTimer:                    6 * zeek.Second,
		TCPConnectionLinger:                5 * zeek.Second,
		TCPAttemptDelay:                    5 * zeek.Second,
		TCPCloseDelay:                      5 * zeek.Second,
		TCPResetDelay:                      5 * zeek.Second,
		TCPPartialCloseDelay:               3 * zeek.Second,
		TCPInactivityTimeout:               5 * zeek.Minute,
		UDPInactivityTimeout:               1 * zeek.Minute,
		ICMPInactivityTimeout:              1 * zeek.Minute,
		UnknownIPInactivity:                1 * zeek.Minute,
		PartialConnectionOK:                true,
		TCPSYNAckOK:                        true,
		TCPStormThresh:                     1000,
		TCPStormInterarrivalThresh:         1 * zeek.Second,
		TCPMaxInitialWindow:                16384,
		TCPMaxAboveHoleWithoutAnyAcks:      16384,
		TCPExcessiveDataWithoutFurtherAcks: 10 * 1024 * 1024,
		WeirdSamplingThreshold:             25,
		WeirdSamplingRate:                  1000,
		WeirdSamplingDuration:              10 * zeek.Minute,
		MaxReassemblyBytes:                 256 << 20,
		MaxReassemblyBlocks:                1024,
		MaxTunnelChanges:                   5,
		VXLANPorts:                         []uint16{4789},
		ValidateVXLANChecksums:             true,
	}
}

// WeirdVerdict is the answer of Zeek's global weird lists for a name.
type WeirdVerdict uint8

// Verdicts of Sink.GlobalWeird.
const (
	WeirdUnknown WeirdVerdict = iota // apply the connection's own sampling
	WeirdAllow                       // always report
	WeirdDeny                        // never report
)

// Sink receives what connection tracking produces.
type Sink interface {
	// ConnDone is called once per connection when it ends (timeout,
	// close, reuse, or end of input), with its final state. c is valid
	// only during the call.
	ConnDone(c *Conn)
	// ConnWeird reports a weird on a connection that passed sampling.
	// now is the time of the packet (or timer) that raised it.
	ConnWeird(now zeek.Time, c *Conn, name, addl, source string)
	// GlobalWeird applies Zeek's sampling white list and global list.
	GlobalWeird(name string) WeirdVerdict
	// RexmitInconsistency reports retransmitted TCP data that differs
	// from what was first seen (only with Config.CheckOverlaps): old and
	// new bytes, and the packet's flags as Zeek prints them ("AP"). The
	// slices are borrowed for the call.
	RexmitInconsistency(c *Conn, old, new []byte, flags string)
	// ContentGap reports a content gap that counts in missed_bytes (Zeek's
	// content_gap event): n bytes at relative sequence seq.
	ContentGap(c *Conn, orig bool, seq, n uint64)
}

// Manager tracks the connections of one analysis thread. It implements
// the TCP, UDP, ICMP and unknown-IP-transport packet layers.
type Manager struct {
	cfg     Config
	sink    Sink
	tunnels TunnelSink // sink, when it follows tunnels

	// Stats are the counters for stats.log and capture_loss.log.
	Stats Stats
	dec   *packet.Decoder

	// Connections live in fixed pages so that a *Conn stays valid for the
	// connection's life (sessions keep one) while the table grows.
	pages [][]Conn
	n     int // slots handed out
	free  []int32
	idx   *index
	wheel *wheel
	due   []timer
	rng   *rand.Rand
	now   zeek.Time   // network time: the latest packet time seen (timers run on it)
	ts    zeek.Time   // the current packet's own time (Zeek's current_timestamp)
	tcps  []*tcpState // pool of TCP state

	// callbacks hold the functions of pending callback timers (AddTimer),
	// by slot; freeCallbacks the free slots.
	callbacks     []func(zeek.Time)
	freeCallbacks []int32

	// inFlight is the UDP connection whose packet is being delivered, and
	// that packet's IP length, so that a flip an analyzer asks for leaves
	// the packet counted where Zeek's ConnSize analyzer, which sees it
	// after the analyzers, counts it.
	inFlight    *Conn
	inFlightLen uint32

	pieces     []seqRange     // scratch for reassembly
	cur        *packet.Packet // the packet being processed, for FirstPacket
	curFlags   string
	curL4      []byte
	reasmBytes int // buffered out-of-order bytes, for MaxReassemblyBytes

	// Stats.
	Created, Removed uint64
}

// NewManager returns a Manager. d is the decoder its layers are installed
// on (with Install).
func NewManager(cfg Config, sink Sink) *Manager {
	m := &Manager{
		cfg:   cfg,
		sink:  sink,
		idx:   newIndex(4096),
		wheel: newWheel(),
	}
	if cfg.Seed != 0 {
		m.rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851F42D4C957F2D))
	} else {
		m.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if m.cfg.LikelyServerPort == nil {
		m.cfg.LikelyServerPort = func(uint16, zeek.Proto) bool { return false }
	}
	m.tunnels, _ = sink.(TunnelSink)
	return m
}

// NewUID returns a fresh uid from the manager's generator (for things
// that are named like connections, such as IP tunnels).
func (m *Manager) NewUID() [2]uint64 { return [2]uint64{m.rng.Uint64() >> 32, m.rng.Uint64()} }

// Install sets the manager's transport layers on d.
func (m *Manager) Install(d *packet.Decoder) {
	m.dec = d
	d.Set(packet.LayerTCP, packet.AnalyzerFunc(m.analyzeTCP))
	d.Set(packet.LayerUDP, packet.AnalyzerFunc(m.analyzeUDP))
	d.Set(packet.LayerICMP, packet.AnalyzerFunc(m.analyzeICMP))
	d.Set(packet.LayerUnknownIP, packet.AnalyzerFunc(m.analyzeUnknownIP))
}

// Len returns the number of live connections.
func (m *Manager) Len() int { return m.n - len(m.free) }

// Advance moves packet time to now, firing the timers that are due. The
// packet loop calls it before each packet.
func (m *Manager) Advance(now zeek.Time) {
	if now > m.now {
		m.now = now
	}
	m.due = m.wheel.advance(m.now, m.due[:0])
	for len(m.due) > 0 {
		for i := range m.due {
			m.fire(m.due[i])
		}
		// Handlers may have scheduled timers that are already due.
		m.due = m.wheel.advance(m.now, m.due[:0])
	}
}

// Flush ends every connection (end of input), as Zeek does at shutdown.
func (m *Manager) Flush() {
	for i := 0; i < m.n; i++ {
		if m.at(int32(i)).live {
			m.remove(int32(i))
		}
	}
	m.wheel = newWheel()
}

// lookup finds or creates the connection for a packet.
func (m *Manager) lookup(k *Key) int32 { return m.idx.get(k) }

const pageSize = 1024

// at returns the connection in slot i.
func (m *Manager) at(i int32) *Conn { return &m.pages[i/pageSize][i%pageSize] }

func (m *Manager) alloc() int32 {
	if n := len(m.free); n > 0 {
		i := m.free[n-1]
		m.free = m.free[:n-1]
		return i
	}
	if m.n%pageSize == 0 {
		m.pages = append(m.pages, make([]Conn, pageSize))
	}
	m.n++
	return int32(m.n - 1)
}

// newConn creates a connection from packet p going src→dst.
func (m *Manager) newConn(p *packet.Packet, k *Key, src, dst *[16]byte, sport, dport uint16, tr zeek.Proto) int32 {
	i := m.alloc()
	c := m.at(i)
	gen := c.gen + 1
	*c = Conn{
		key: *k, gen: gen, live: true, self: i,
		OrigAddr: *src, RespAddr: *dst, OrigPort: sport, RespPort: dport,
		Version: p.IP.Version, IPProto: p.IP.Proto, Transport: tr,
		StartTime: p.TS, LastTime: p.TS,
		reqLen: -1, repLen: -1,
		active: true,
	}
	c.history = c.histBuf[:0]
	c.UID = m.NewUID()
	if p.HasL2 {
		c.OrigL2, c.RespL2, c.HasL2 = p.L2Src, p.L2Dst, true
	}
	c.VLAN, c.HasVLAN = p.VLAN, p.HasVLAN
	c.InnerVLAN, c.HasInnerVLAN = p.InnerVLAN, p.HasInnerVLAN
	c.PPPoESession, c.HasPPPoE = p.PPPoESession, p.HasPPPoE
	m.idx.put(k, i)
	m.Created++
	m.Stats.count(tr, 1)
	m.newConnEncap(c, p)
	return i
}

// startSession attaches protocol analysis to a new connection, once its
// roles are settled (Zeek builds the analyzer tree after the flip).
func (m *Manager) startSession(c *Conn) {
	if m.cfg.Analysis != nil {
		c.session = m.cfg.Analysis.NewSession(c)
	}
}

// firstPacket hands the current packet's headers to the session as the
// first packet of one direction.
func (m *Manager) firstPacket(c *Conn, orig bool) {
	if c.session == nil || m.cur == nil {
		return
	}
	c.session.FirstPacket(orig, m.cur.IP.Header, m.curL4)
}

// remove ends a connection: reports it and frees its slot (Zeek's
// session::Manager::Remove).
func (m *Manager) remove(i int32) {
	c := m.at(i)
	if !c.live {
		return
	}
	c.live = false
	m.Stats.count(c.Transport, -1)
	m.idx.del(&c.key, i)
	if c.session != nil {
		c.session.Done()
	}
	m.releaseReassembly(c)
	m.sink.ConnDone(c)
	c.session = nil
	if c.tcp != nil {
		m.tcps = append(m.tcps, c.tcp)
		c.tcp = nil
	}
	c.history = nil
	c.weirdCounts = nil
	c.services = nil
	m.free = append(m.free, i)
	m.Removed++
}

// addTimer schedules a timer of the given kind for connection i.
func (m *Manager) addTimer(i int32, at zeek.Time, kind timerKind) {
	c := m.at(i)
	epoch := c.anaEpoch
	if kind == timerInactivity {
		epoch = c.inactEpoch
	}
	m.wheel.add(timer{at: at, conn: i, gen: c.gen, epoch: epoch, kind: kind})
}

// setInactivityTimeout is Zeek's Session::SetInactivityTimeout.
func (m *Manager) setInactivityTimeout(c *Conn, timeout zeek.Interval) {
	if timeout == c.inactivityTimeout {
		return
	}
	c.inactEpoch++ // cancels the pending inactivity timer
	if timeout != 0 && !c.timersCanceled {
		m.addTimer(m.index(c), c.LastTime.Add(timeout), timerInactivity)
	}
	c.inactivityTimeout = timeout
}

// cancelAnalyzerTimers drops the TCP analyzer's pending timers.
func (m *Manager) cancelAnalyzerTimers(c *Conn) { c.anaEpoch++ }

func (m *Manager) index(c *Conn) int32 { return c.self }

func (m *Manager) fire(t timer) {
	var cb func(zeek.Time)
	if t.kind == timerCallback {
		cb = m.callbacks[t.cb]
		m.callbacks[t.cb] = nil
		m.freeCallbacks = append(m.freeCallbacks, t.cb)
	}
	c := m.at(t.conn)
	if !c.live || c.gen != t.gen {
		return
	}
	if cb != nil {
		cb(m.now)
		return
	}
	if t.kind == timerInactivity {
		if t.epoch != c.inactEpoch {
			return
		}
		m.inactivityTimer(t.conn, m.now)
		return
	}
	if t.epoch != c.anaEpoch {
		return
	}
	switch t.kind {
	case timerTCPExpire:
		m.tcpExpireTimer(t.conn, m.now)
	case timerTCPAttempt:
		m.tcpAttemptTimer(t.conn)
	case timerConnDelete:
		m.remove(t.conn)
	}
}

// inactivityTimer is Zeek's Session::InactivityTimer.
func (m *Manager) inactivityTimer(i int32, now zeek.Time) {
	c := m.at(i)
	if c.LastTime.Add(c.inactivityTimeout) <= now {
		m.remove(i)
		return
	}
	m.addTimer(i, c.LastTime.Add(c.inactivityTimeout), timerInactivity)
}

// Weird raises a weird on a connection from outside connection tracking
// (protocol analyzers), with the same sampling. source names the analyzer.
func (m *Manager) Weird(c *Conn, name, addl, source string) { m.weird(c, name, addl, source) }

// VLANKey reports whether VLAN tags are part of connection keys (and so of
// conn_id's ctx).
func (m *Manager) VLANKey() bool { return m.cfg.VLANKey }

// Now returns network time: the latest packet time seen.
func (m *Manager) Now() zeek.Time { return m.now }

// weird raises a weird on a connection, with Zeek's sampling: the global
// lists first, then per connection and name, sampling_threshold reports,
// then one in sampling_rate for sampling_duration.
func (m *Manager) weird(c *Conn, name, addl, source string) {
	c.weird = true
	switch m.sink.GlobalWeird(name) {
	case WeirdDeny:
		return
	case WeirdUnknown:
		if !m.permitWeird(c, name) {
			return
		}
	}
	m.sink.ConnWeird(m.now, c, name, addl, source)
}

func (m *Manager) permitWeird(c *Conn, name string) bool {
	var w *weirdCount
	for j := range c.weirdCounts {
		if c.weirdCounts[j].name == name {
			w = &c.weirdCounts[j]
			break
		}
	}
	if w == nil {
		c.weirdCounts = append(c.weirdCounts, weirdCount{name: name})
		w = &c.weirdCounts[len(c.weirdCounts)-1]
	}
	w.count++
	thr := m.cfg.WeirdSamplingThreshold
	if w.count <= thr {
		return true
	}
	if w.count == thr+1 {
		w.start = m.now
	} else if m.now > w.start.Add(m.cfg.WeirdSamplingDuration) {
		w.start = 0
		w.count = 1
		return true
	}
	if m.cfg.WeirdSamplingRate != 0 {
		return (w.count-thr)%m.cfg.WeirdSamplingRate == 0
	}
	return false
}

// FlipRoles swaps a connection's originator and responder because a
// protocol analyzer found it had them wrong (Zeek's Connection::FlipRoles
// from an analyzer, as DNS does when a connection starts with a reply).
func (m *Manager) FlipRoles(c *Conn) {
	m.flipLate(c)
	if c == m.inFlight && c.Transport == zeek.ProtoUDP {
		// The packet being delivered was counted for the old
		// originator; Zeek counts it after the flip, for the new one.
		c.RespPkts--
		c.RespIPBytes -= uint64(m.inFlightLen)
		c.OrigPkts++
		c.OrigIPBytes += uint64(m.inFlightLen)
	}
}

// AddTimer calls fn with network time once time reaches at, unless c has
// ended by then. fn runs between packets; it may call End.
func (m *Manager) AddTimer(c *Conn, at zeek.Time, fn func(now zeek.Time)) {
	var slot int32
	if n := len(m.freeCallbacks); n > 0 {
		slot = m.freeCallbacks[n-1]
		m.freeCallbacks = m.freeCallbacks[:n-1]
		m.callbacks[slot] = fn
	} else {
		slot = int32(len(m.callbacks))
		m.callbacks = append(m.callbacks, fn)
	}
	m.wheel.add(timer{at: at, conn: c.self, gen: c.gen, kind: timerCallback, cb: slot})
}

// End ends a connection now, as its inactivity timeout would (Zeek's
// session removal from an analyzer's timer). Call it from a timer, not
// while one of the connection's packets is being delivered.
func (m *Manager) End(c *Conn) {
	if c.live {
		m.remove(c.self)
	}
}

// Stats are a connection manager's counters for stats.log and
// capture_loss.log (Zeek's ConnStats and GapStats).
type Stats struct {
	// Active and Total count live and all-time connections by transport:
	// TCP, UDP, ICMP.
	ActiveTCP, ActiveUDP, ActiveICMP uint64
	TotalTCP, TotalUDP, TotalICMP    uint64
	// AckEvents counts TCP acks that advanced what the peer acknowledged
	// on established connections, GapEvents those of them that
	// acknowledged data Heron never saw (Zeek's tot_ack_events and
	// tot_gap_events, the capture loss estimate).
	AckEvents, GapEvents uint64
}

func (s *Stats) count(tr zeek.Proto, d int) {
	var active, total *uint64
	switch tr {
	case zeek.ProtoTCP:
		active, total = &s.ActiveTCP, &s.TotalTCP
	case zeek.ProtoUDP:
		active, total = &s.ActiveUDP, &s.TotalUDP
	case zeek.ProtoICMP:
		active, total = &s.ActiveICMP, &s.TotalICMP
	default:
		return
	}
	if d > 0 {
		*active++
		*total++
	} else {
		*active--
	}
}

// Timers returns how many timers were ever set and how many are pending.
func (m *Manager) Timers() (total, pending uint64) { return m.wheel.seq, uint64(m.wheel.n) }

// ReassemblyBytes returns the TCP payload held for reassembly.
func (m *Manager) ReassemblyBytes() int { return m.reasmBytes }
