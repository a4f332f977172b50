package node

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// StatsInfo is a stats.log record (Zeek's Stats::Info from
// policy/misc/stats): what one analysis thread did in the last interval.
type StatsInfo struct {
	TS      zeek.Time               `zeek:"ts"`
	Peer    string                  `zeek:"peer"`
	Mem     uint64                  `zeek:"mem"`
	Pkts    uint64                  `zeek:"pkts_proc"`
	Bytes   uint64                  `zeek:"bytes_recv"`
	Dropped zeek.Opt[uint64]        `zeek:"pkts_dropped"`
	Link    zeek.Opt[uint64]        `zeek:"pkts_link"`
	Lag     zeek.Opt[zeek.Interval] `zeek:"pkt_lag"`
	// Filtered is only known for sources that count it.
	Filtered zeek.Opt[uint64] `zeek:"pkts_filtered"`
	// EventsProc and EventsQueued are always 0: Heron has no event
	// engine.
	EventsProc   uint64 `zeek:"events_proc"`
	EventsQueued uint64 `zeek:"events_queued"`
	ActiveTCP    uint64 `zeek:"active_tcp_conns"`
	ActiveUDP    uint64 `zeek:"active_udp_conns"`
	ActiveICMP   uint64 `zeek:"active_icmp_conns"`
	TCP          uint64 `zeek:"tcp_conns"`
	UDP          uint64 `zeek:"udp_conns"`
	ICMP         uint64 `zeek:"icmp_conns"`
	Timers       uint64 `zeek:"timers"`
	ActiveTimers uint64 `zeek:"active_timers"`
	Files        uint64 `zeek:"files"`
	ActiveFiles  uint64 `zeek:"active_files"`
	// DNSRequests and ActiveDNSRequests count Zeek's own name lookups
	// (its DNS manager), which Heron does not make: always 0.
	DNSRequests       uint64 `zeek:"dns_requests"`
	ActiveDNSRequests uint64 `zeek:"active_dns_requests"`
	ReassemTCP        uint64 `zeek:"reassem_tcp_size"`
	ReassemFile       uint64 `zeek:"reassem_file_size"`
	ReassemFrag       uint64 `zeek:"reassem_frag_size"`
	ReassemUnknown    uint64 `zeek:"reassem_unknown_size"`
}

// CaptureLossInfo is a capture_loss.log record (Zeek's CaptureLoss::Info
// from policy/misc/capture-loss).
type CaptureLossInfo struct {
	TS          zeek.Time     `zeek:"ts"`
	TSDelta     zeek.Interval `zeek:"ts_delta"`
	Peer        string        `zeek:"peer"`
	Gaps        uint64        `zeek:"gaps"`
	Acks        uint64        `zeek:"acks"`
	PercentLost float64       `zeek:"percent_lost"`
}

// StatsConfig holds the options of policy/misc/stats and
// policy/misc/capture-loss.
type StatsConfig struct {
	ReportInterval       zeek.Interval // Stats::report_interval
	WatchInterval        zeek.Interval // CaptureLoss::watch_interval
	InitialWatchInterval zeek.Interval // CaptureLoss::initial_watch_interval
	TooMuchLoss          float64       // CaptureLoss::too_much_loss
	MinimumAcks          uint64        // CaptureLoss::minimum_acks
	// Peer is peer_description: the node's name in these logs.
	Peer string
}

// DefaultStatsConfig returns Zeek's defaults.
func DefaultStatsConfig() StatsConfig {
	return StatsConfig{
		ReportInterval:       5 * zeek.Minute,
		WatchInterval:        15 * zeek.Minute,
		InitialWatchInterval: zeek.Minute,
		TooMuchLoss:          0.1,
		MinimumAcks:          1,
		Peer:                 "zeek",
	}
}

// statsCounters is a snapshot of what stats.log reports as differences.
type statsCounters struct {
	pkts, bytes, dropped, link    uint64
	tcp, udp, icmp, timers, files uint64
	acks, gaps                    uint64
}

// threadStats is one analysis thread's stats.log and capture_loss.log
// schedule: the next report times (0: not yet scheduled) and the counters
// at the last report.
type threadStats struct {
	peer       string
	nextStats  zeek.Time
	lastStats  statsCounters
	nextLoss   zeek.Time
	lossStart  zeek.Time // when the current loss measurement began
	lastLoss   statsCounters
	lossActive bool
	pkts       uint64
	bytes      uint64
	// unprocessed counts packets no layer took (Zeek's
	// PacketsUnprocessed), for the end-of-capture message.
	unprocessed uint64
	src         pktsrc.Live
}

// peerOf names thread i of n in stats.log and capture_loss.log.
func peerOf(peer string, i, n int) string {
	if n <= 1 {
		return peer
	}
	return peer + "/" + strconv.Itoa(i)
}

// snapshot reads the thread's counters.
func (p *pipeline) snapshot() statsCounters {
	st := &p.conns.Stats
	c := statsCounters{pkts: p.stats.pkts, bytes: p.stats.bytes,
		tcp: st.TotalTCP, udp: st.TotalUDP, icmp: st.TotalICMP, acks: st.AckEvents, gaps: st.GapEvents}
	c.timers, _ = p.conns.Timers()
	if p.files != nil {
		c.files = p.files.Created
	}
	if p.stats.src != nil {
		if cs, err := p.stats.src.CaptureStats(); err == nil {
			c.dropped, c.link = cs.Dropped, cs.Link
		}
	}
	return c
}

// statsTick writes the stats.log and capture_loss.log records that are
// due at network time now (terminating: the run's last, as Zeek writes
// when it shuts down).
func (p *pipeline) statsTick(now zeek.Time, terminating bool) {
	sh := p.sh
	if sh.statsLog != nil {
		if p.stats.nextStats == 0 {
			// Zeek schedules the first report at zeek_init, when network
			// time is still 0.
			p.stats.nextStats = zeek.Time(0).Add(p.cfg.Stats.ReportInterval)
		}
		if now >= p.stats.nextStats || terminating {
			p.writeStats(now)
			p.stats.nextStats = now.Add(p.cfg.Stats.ReportInterval)
		}
	}
	if sh.lossLog != nil {
		if !p.stats.lossActive {
			// The first measurement starts after initial_watch_interval.
			p.stats.lossActive = true
			p.stats.nextLoss = zeek.Time(0).Add(p.cfg.Stats.InitialWatchInterval)
		}
		switch {
		case terminating:
			// Zeek runs its pending timers when it shuts down.
			if p.stats.lossStart != 0 {
				p.writeLoss(now)
			}
		case now >= p.stats.nextLoss && p.stats.lossStart == 0:
			// The first firing only starts the first measurement.
			p.stats.lossStart = now
			p.stats.nextLoss = now.Add(p.cfg.Stats.InitialWatchInterval)
		case now >= p.stats.nextLoss:
			p.writeLoss(now)
			p.stats.nextLoss = now.Add(p.cfg.Stats.WatchInterval)
		}
	}
}

// writeStats writes the thread's stats.log record for the interval that
// ends now.
func (p *pipeline) writeStats(now zeek.Time) {
	cur := p.snapshot()
	last := p.stats.lastStats
	p.stats.lastStats = cur
	st := &p.conns.Stats
	_, pending := p.conns.Timers()
	r := StatsInfo{
		TS: now, Peer: p.stats.peer, Mem: residentMB(),
		Pkts: cur.pkts - last.pkts, Bytes: cur.bytes - last.bytes,
		ActiveTCP: st.ActiveTCP, ActiveUDP: st.ActiveUDP, ActiveICMP: st.ActiveICMP,
		TCP: cur.tcp - last.tcp, UDP: cur.udp - last.udp, ICMP: cur.icmp - last.icmp,
		Timers: cur.timers - last.timers, ActiveTimers: pending,
		Files:      cur.files - last.files,
		ReassemTCP: uint64(p.conns.ReassemblyBytes()), ReassemFrag: uint64(p.frags.Buffered()),
	}
	if p.files != nil {
		r.ActiveFiles = uint64(p.files.Files())
	}
	if p.stats.src != nil {
		r.Dropped = zeek.Some(cur.dropped - last.dropped)
		r.Link = zeek.Some(cur.link - last.link)
		r.Lag = zeek.Some(zeek.Time(nowWall()).Sub(now))
	}
	_ = p.sh.statsLog.Write(&r)
}

// writeLoss writes a capture_loss.log record and raises the capture loss
// notices.
func (p *pipeline) writeLoss(now zeek.Time) {
	cur := p.snapshot()
	last := p.stats.lastLoss
	p.stats.lastLoss = cur
	acks, gaps := cur.acks-last.acks, cur.gaps-last.gaps
	pct := 0.0
	if acks > 0 {
		pct = 100 * float64(gaps) / float64(acks)
	}
	r := CaptureLossInfo{TS: now, TSDelta: now.Sub(p.stats.lossStart), Peer: p.stats.peer, Gaps: gaps, Acks: acks, PercentLost: pct}
	p.stats.lossStart = now
	if p.notices != nil {
		if pct >= p.cfg.Stats.TooMuchLoss*100 {
			p.notices.Notice(now, notice.Info{Note: noteTooMuchLoss,
				Msg: zeek.Some(fmt.Sprintf("The capture loss script detected an estimated loss rate above %.3f%%", pct))})
		}
		if acks < p.cfg.Stats.MinimumAcks {
			p.notices.Notice(now, notice.Info{Note: noteTooLittleTraffic,
				Msg: zeek.Some(fmt.Sprintf("Only observed %d TCP ACKs and was expecting at least %d.", acks, p.cfg.Stats.MinimumAcks))})
		}
	}
	_ = p.sh.lossLog.Write(&r)
}

var (
	noteTooMuchLoss      = notice.RegisterType("CaptureLoss::Too_Much_Loss")
	noteTooLittleTraffic = notice.RegisterType("CaptureLoss::Too_Little_Traffic")
)

// openStatsLogs opens stats.log and capture_loss.log when their scripts
// are loaded.
func (sh *shared) openStatsLogs() (err error) {
	if sh.cfg.Loaded.Scripts["policy/misc/stats"] {
		if sh.statsLog, err = logging.NewStream[StatsInfo](sh.lm, "stats", logging.WithID("Stats::LOG")); err != nil {
			return err
		}
	}
	if sh.cfg.Loaded.Scripts["policy/misc/capture-loss"] {
		if sh.lossLog, err = logging.NewStream[CaptureLossInfo](sh.lm, "capture_loss", logging.WithID("CaptureLoss::LOG")); err != nil {
			return err
		}
	}
	return nil
}

// nowWall returns the wall clock as a Zeek time.
func nowWall() int64 { return time.Now().UnixNano() }

// residentMB is the process's resident memory in MiB (Zeek's mem).
func residentMB() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize()) / (1 << 20)
}
