package node

import "sync/atomic"

// ---- Live counters for other goroutines (a metrics endpoint) ---------

// liveEvery is how many packets a thread analyses between two updates of
// Config.Live: the counters are atomics, updated per batch, so the
// per-packet path only counts in the thread's own fields.
const liveEvery = 1024

// Live is a snapshot of a running node's counters that other goroutines
// may read at any time (Config.Live): a metrics endpoint reads it while
// the analysis threads run. Each thread adds what changed since its last
// update every liveEvery packets, when its source is idle, and when its
// input ends, so the values lag the packets by at most that much. The
// zero value is ready to use; one Live serves one run.
type Live struct {
	// Packets and Bytes count the packets analysed and their wire bytes.
	Packets, Bytes atomic.Uint64
	// Dropped and Link are the capture sources' counts of packets the
	// kernel dropped and saw on the link (0 for a trace).
	Dropped, Link atomic.Uint64
	// ActiveTCP, ActiveUDP and ActiveICMP are the connections being
	// tracked, by transport.
	ActiveTCP, ActiveUDP, ActiveICMP atomic.Int64
	// NetworkTime is the latest network time of any thread, in Unix
	// nanoseconds (0 before the first packet).
	NetworkTime atomic.Int64
}

// Active returns the connections being tracked.
func (l *Live) Active() uint64 {
	n := l.ActiveTCP.Load() + l.ActiveUDP.Load() + l.ActiveICMP.Load()
	return uint64(max(n, 0))
}

// liveState is what a thread last added to Config.Live.
type liveState struct {
	pkts, bytes, dropped, link uint64
	tcp, udp, icmp             uint64
}

// publishLive adds the thread's changes since its last update to
// cfg.Live. It allocates nothing.
func (p *pipeline) publishLive() {
	l := p.cfg.Live
	if l == nil {
		return
	}
	last := &p.live
	if d := p.stats.pkts - last.pkts; d > 0 {
		l.Packets.Add(d)
		last.pkts = p.stats.pkts
	}
	if d := p.stats.bytes - last.bytes; d > 0 {
		l.Bytes.Add(d)
		last.bytes = p.stats.bytes
	}
	if p.stats.src != nil {
		if cs, err := p.stats.src.CaptureStats(); err == nil {
			if cs.Dropped > last.dropped {
				l.Dropped.Add(cs.Dropped - last.dropped)
				last.dropped = cs.Dropped
			}
			if cs.Link > last.link {
				l.Link.Add(cs.Link - last.link)
				last.link = cs.Link
			}
		}
	}
	st := &p.conns.Stats
	l.ActiveTCP.Add(int64(st.ActiveTCP - last.tcp))
	l.ActiveUDP.Add(int64(st.ActiveUDP - last.udp))
	l.ActiveICMP.Add(int64(st.ActiveICMP - last.icmp))
	last.tcp, last.udp, last.icmp = st.ActiveTCP, st.ActiveUDP, st.ActiveICMP
	for {
		cur := l.NetworkTime.Load()
		if int64(p.now) <= cur || l.NetworkTime.CompareAndSwap(cur, int64(p.now)) {
			break
		}
	}
}

// liveDue reports whether a thread that has analysed n packets updates
// Config.Live now.
func liveDue(n uint64) bool { return n%liveEvery == 0 }
