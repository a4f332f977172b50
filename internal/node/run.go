package node

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/communityid"
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/frameworks/reporter"
	sigfw "github.com/heron-nsm/heron/internal/frameworks/signatures"
	tunnelfw "github.com/heron-nsm/heron/internal/frameworks/tunnels"
	"github.com/heron-nsm/heron/internal/frameworks/weird"
	"github.com/heron-nsm/heron/internal/layers"
	"github.com/heron-nsm/heron/internal/layers/tunnel"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/pktsrc/shard"
	"github.com/heron-nsm/heron/internal/reassembly/ipfrag"
	"github.com/heron-nsm/heron/internal/signatures"
	"github.com/heron-nsm/heron/internal/site"
	"github.com/heron-nsm/heron/internal/zeek"
)

// ProgressFunc receives progress while a trace is read: packets and bytes
// so far, and the position in the file (total 0 when unknown).
type ProgressFunc func(packets, bytes uint64, done, total int64)

// Result summarizes a run.
type Result struct {
	Packets     uint64
	Bytes       uint64
	Connections uint64
	// Truncated is set when the trace ended inside a record.
	Truncated error
	// Bugs counts packets whose processing panicked (a bug in Heron): the
	// packet loop recovers, counts and goes on. FirstBug describes the
	// first, with its stack.
	Bugs     uint64
	FirstBug string
}

// Run reads cfg.Trace to the end and writes the logs.
func Run(cfg Config) (Result, error) {
	src, err := pcapfile.Open(cfg.Trace)
	if err != nil {
		return Result{}, err
	}
	defer src.Close()
	return RunSource(cfg, src)
}

// pipeline is one analysis thread: decoders, connections, weirds.
type pipeline struct {
	cfg      *Config
	dec      *packet.Decoder
	conns    *conn.Manager
	weirds   *weird.Reporter
	site     *site.Site
	connLog  *logging.Stream[conn.Info]
	now      zeek.Time
	ignore   site.NetSet
	rec      conn.Info
	frags    *ipfrag.Reassembler
	sh       *shared
	live     liveState // what the thread last added to cfg.Live
	notices  *notice.Framework
	sigs     *sigfw.Framework
	analysis *analyzer.Manager
	pkt      packet.Packet
	bugs     uint64
	firstBug string
	cidBuf   []byte
	tunnels  *tunnelfw.Framework
	files    *files.Manager // files framework (see the files block below)
	stats    threadStats
	// knownScratch is the known framework's view of a connection (known.go).
	knownScratch known.Conn
	// clock mirrors now for other goroutines (logWeirds).
	clock atomic.Int64
}

// SplitSource splits a trace by flow for n analysis threads (see
// shard.Split); with n ≤ 1 it returns src alone.
func SplitSource(src pktsrc.Source, n int) []pktsrc.Source { return shard.Split(src, n) }

// RunSource runs the standalone node over any packet source. With
// cfg.Threads above 1 the source is split by flow over that many analysis
// threads (see RunSources).
func RunSource(cfg Config, src pktsrc.Source) (res Result, err error) {
	if cfg.Threads > 1 {
		return RunSources(cfg, shard.Split(src, cfg.Threads))
	}
	return RunSources(cfg, []pktsrc.Source{src})
}

// RunSources runs one analysis thread per source, each owning the flows
// its source delivers, sharing the logs and the process-wide frameworks.
// The caller makes sure that no flow is split across sources (a fanout
// group, or shard.Split).
func RunSources(cfg Config, srcs []pktsrc.Source) (res Result, err error) {
	sh, err := newShared(cfg)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := sh.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	ps := make([]*pipeline, len(srcs))
	for i := range srcs {
		if ps[i], err = newPipeline(sh, i); err != nil {
			return res, err
		}
		ps[i].stats.peer = peerOf(cfg.Stats.Peer, i, len(srcs))
		ps[i].stats.src, _ = srcs[i].(pktsrc.Live)
	}
	sh.attachReporter(ps)
	results := make([]Result, len(srcs))
	errs := make([]error, len(srcs))
	var wg sync.WaitGroup
	for i := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if len(cfg.PinCPUs) > 0 {
				pinThread(cfg.PinCPUs[i%len(cfg.PinCPUs)])
			}
			progress := cfg.Progress
			if i > 0 {
				progress = nil // one progress line: the first thread's
			}
			results[i], errs[i] = ps[i].run(srcs[i], progress)
		}()
	}
	wg.Wait()
	// The run ends at the last packet of any thread: every thread's
	// timers run up to then, as one thread's would, and the connections
	// still open end at that time.
	end := zeek.Time(0)
	for _, p := range ps {
		end = max(end, p.now)
	}
	finishKnown(sh, ps, end)
	for i, p := range ps {
		results[i].Connections = p.finish(end)
		results[i].Bugs, results[i].FirstBug = p.bugs, p.firstBug
	}
	if sh.sigs != nil {
		sh.sigs.Done()
	}
	for i, r := range results {
		res.Packets += r.Packets
		res.Bytes += r.Bytes
		res.Connections += r.Connections
		res.Bugs += r.Bugs
		if res.FirstBug == "" {
			res.FirstBug = r.FirstBug
		}
		if r.Truncated != nil && res.Truncated == nil {
			res.Truncated = r.Truncated
		}
		if errs[i] != nil && err == nil {
			err = errs[i]
		}
	}
	sh.reportLiveEnd(ps, end)
	if res.Truncated != nil {
		// The caller prints it; reporter.log has it too, at the time of
		// the last packet. Zeek, which stops at a trace it cannot read,
		// raises a packet source's read failure as an error.
		sh.reporter.Log(end, reporter.LevelError, fmt.Sprintf("%v; analysed the %d packets before it", res.Truncated, res.Packets))
	}
	return res, err
}

// run reads src to its end through the pipeline.
func (p *pipeline) run(src pktsrc.Source, progress ProgressFunc) (res Result, err error) {
	var f pktsrc.Frame
	prog, _ := src.(pktsrc.Progress)
	for {
		err := src.Next(&f)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if errors.Is(err, pktsrc.ErrIdle) {
				// A quiet live link: time goes on (Zeek's
				// pseudo-realtime), so timers still fire.
				p.idle(zeek.Time(time.Now().UnixNano()))
				p.publishLive()
				continue
			}
			if errors.Is(err, pktsrc.ErrTruncated) {
				res.Truncated = err
				break
			}
			return res, err
		}
		res.Packets++
		res.Bytes += uint64(len(f.Data))
		p.packet(&f)
		if liveDue(res.Packets) {
			p.publishLive()
		}
		if progress != nil && res.Packets&0xffff == 0 {
			var done, total int64
			if prog != nil {
				done, total = prog.Position()
			}
			progress(res.Packets, res.Bytes, done, total)
		}
	}
	p.publishLive()
	return res, nil
}

// finish advances the thread to the run's end time, ends its connections
// and files, and returns how many connections it saw.
func (p *pipeline) finish(end zeek.Time) uint64 {
	func() {
		defer p.recoverPacket()
		p.advance(end)
		if p.sh.statsLog != nil || p.sh.lossLog != nil {
			p.statsTick(p.now, true)
		}
		p.conns.Flush()
		if p.files != nil {
			p.files.Terminate()
		}
	}()
	return p.conns.Created
}

// shared is what a node's analysis threads have in common: the logs,
// the frameworks that see every thread's events, and read-only tables.
type shared struct {
	cfg         *Config
	lm          *logging.Manager
	connLog     *logging.Stream[conn.Info]
	weirdLog    *logging.Stream[weird.Info]
	tunnelLog   *logging.Stream[tunnelfw.Info]
	analyzerLog *logging.Stream[analyzer.Record]
	debugLog    *logging.Stream[analyzer.DebugRecord]
	filesLog    *logging.Stream[files.Info]
	statsLog    *logging.Stream[StatsInfo]
	lossLog     *logging.Stream[CaptureLossInfo]
	reporterLog *logging.Stream[reporter.Info]
	reporter    *reporter.Reporter // the node's runtime messages (attachReporter)
	alogs       *analyzer.Logs
	notices     *notice.Framework
	noticeMail  *notice.MailQueue // standalone live notice mail (noticemail.go)
	sigs        *sigfw.Framework
	known       *known.Framework // known-* scripts (known.go)
	sigSet      *signatures.Set
	logWeirds   *logWeirds // weirds of cut log values (logweird.go)
	table       *packet.Table
	site        *site.Site
	ignore      site.NetSet
}

// newShared opens the logs and builds what the threads share.
func newShared(cfg Config) (sh *shared, err error) {
	if cfg.Tunnel.MaxDepth > packet.MaxEncapDepth {
		return nil, fmt.Errorf("node: Tunnel::max_depth=%d: Heron follows at most %d nested tunnels; set it to %d or less", cfg.Tunnel.MaxDepth, packet.MaxEncapDepth, packet.MaxEncapDepth)
	}
	lcfg := cfg.Log
	lcfg.Extensions = append(append([]string(nil), lcfg.Extensions...), cfg.Loaded.ConnExts...)
	lcfg.Extensions = append(lcfg.Extensions, cfg.Loaded.NoticeExts...)
	lw := &logWeirds{}
	if lcfg.Weird == nil {
		lcfg.Weird = lw.raise
	}
	lm, err := logging.NewManager(lcfg)
	if err != nil {
		return nil, err
	}
	sh = &shared{cfg: &cfg, lm: lm, logWeirds: lw, reporter: cfg.Reporter}
	if sh.reporter == nil {
		sh.reporter = reporter.New(nil)
	}
	defer func() {
		if err != nil {
			lm.Close()
		}
	}()
	if cfg.Loaded.ReporterLog {
		if sh.reporterLog, err = reporter.NewStream(lm); err != nil {
			return nil, err
		}
	}
	if cfg.Loaded.ConnLog {
		if sh.connLog, err = logging.NewStream[conn.Info](lm, "conn", logging.WithID("Conn::LOG")); err != nil {
			return nil, err
		}
	}
	if cfg.Loaded.WeirdLog {
		if sh.weirdLog, err = logging.NewStream[weird.Info](lm, "weird", logging.WithID("Weird::LOG")); err != nil {
			return nil, err
		}
	}
	if cfg.Loaded.Site {
		sh.site = site.New(cfg.Site)
	}
	sh.ignore = site.NewNetSet(cfg.IgnoreChecksumsNets)
	if cfg.Loaded.NoticeLog {
		logf, alarmf := cfg.NoticeLog, cfg.NoticeAlarm
		if logf == nil && alarmf == nil {
			nl, al, err := notice.NewStreams(lm)
			if err != nil {
				return nil, err
			}
			logf, alarmf = notice.Writer(nl), notice.Writer(al)
		}
		ncfg := cfg.Notice
		sh.noticeMail = sh.standaloneMailer(&ncfg)
		sh.notices = notice.New(ncfg, logf, alarmf)
	}
	rows := packet.Wiring()
	rows = append(rows, packet.TunnelPortRows(tunnelPorts(cfg.Loaded.TunnelPorts))...)
	if sh.table, err = packet.Compile(rows, packet.Defaults()); err != nil {
		return nil, err
	}
	if cfg.Loaded.TunnelLog {
		if sh.tunnelLog, err = logging.NewStream[tunnelfw.Info](lm, "tunnel", logging.WithID("Tunnel::LOG")); err != nil {
			return nil, err
		}
	}
	if sh.sigSet, err = compileSignatures(cfg.Loaded.Analyzers, cfg.SignatureFiles); err != nil {
		return nil, err
	}
	if cfg.Loaded.SignaturesLog {
		sl, err := logging.NewStream[sigfw.Info](lm, sigfw.LogPath, logging.WithID("Signatures::LOG"))
		if err != nil {
			return nil, err
		}
		var noticer sigfw.Noticer = discardNotices{}
		if sh.notices != nil {
			noticer = sh.notices
		}
		sh.sigs = sigfw.New(cfg.Signatures, func(r *sigfw.Info) { _ = sl.Write(r) }, noticer)
	}
	if cfg.Analysis.AnalyzerLog && cfg.Loaded.AnalyzerLog {
		if sh.analyzerLog, err = logging.NewStream[analyzer.Record](lm, "analyzer", logging.WithID("Analyzer::Logging::LOG")); err != nil {
			return nil, err
		}
	}
	if cfg.Analysis.DebugLog || cfg.Loaded.AnalyzerDebugLog {
		if sh.debugLog, err = logging.NewStream[analyzer.DebugRecord](lm, "analyzer_debug", logging.WithID("Analyzer::DebugLogging::LOG")); err != nil {
			return nil, err
		}
	}
	loaded := func(script string) bool { return cfg.Loaded.Scripts[script] }
	analyzer.Start(loaded)
	if sh.alogs, err = analyzer.OpenLogs(lm, loaded); err != nil {
		return nil, err
	}
	if err := sh.openFilesLog(); err != nil {
		return nil, err
	}
	if err := sh.openStatsLogs(); err != nil {
		return nil, err
	}
	if err := sh.openKnown(); err != nil {
		return nil, err
	}
	var writeWeird, weirdNotice func(*weird.Info)
	if wl := sh.weirdLog; wl != nil {
		writeWeird = func(w *weird.Info) { _ = wl.Write(w) }
	}
	if sh.notices != nil {
		weirdNotice = sh.notices.Weird
	}
	lw.mu.Lock()
	lw.rep = weird.New(cfg.Weird, writeWeird, weirdNotice)
	lw.mu.Unlock()
	return sh, nil
}

// close closes the logs (the reporter writes no more to them).
func (sh *shared) close() error {
	sh.closeNoticeMail()
	if sh.reporterLog != nil {
		sh.reporter.Detach()
	}
	return sh.lm.Close()
}

// reportLiveEnd logs, at the end of a live capture, why it ended and
// its capture statistics, as Zeek's reporter does (its get_final_stats):
// "N packets received on interface I, D (x%) dropped, U (y%) not
// processed", summed over the capture's sockets.
func (sh *shared) reportLiveEnd(ps []*pipeline, end zeek.Time) {
	if sh.reporterLog == nil {
		return
	}
	var recv, dropped, unprocessed uint64
	live := false
	for _, p := range ps {
		if p.stats.src == nil {
			continue
		}
		st, err := p.stats.src.CaptureStats()
		if err != nil {
			return
		}
		live = true
		recv += st.Received
		dropped += st.Dropped
		unprocessed += p.stats.unprocessed
	}
	if !live {
		return
	}
	if sh.cfg.StopReason != nil {
		if why := sh.cfg.StopReason(); why != "" {
			sh.reporter.Log(end, reporter.LevelInfo, why)
		}
	}
	sh.reporter.Log(end, reporter.LevelInfo, liveEndMessage(sh.cfg.Interface, recv, dropped, unprocessed))
}

// liveEndMessage words the capture statistics as Zeek does: the dropped
// share of all packets (dropped and received), the unprocessed share of
// the received ones.
func liveEndMessage(iface string, recv, dropped, unprocessed uint64) string {
	var dpct, upct float64
	if dropped > 0 {
		dpct = float64(dropped) / (float64(dropped) + float64(recv)) * 100
	}
	if unprocessed > 0 && recv > 0 {
		upct = float64(unprocessed) / float64(recv) * 100
	}
	return fmt.Sprintf("%d packets received on interface %s, %d (%.2f%%) dropped, %d (%.2f%%) not processed", recv, iface, dropped, dpct, unprocessed, upct)
}

// attachReporter sends the node's runtime messages to reporter.log, when
// it is open, timed by the threads' network time (the latest of their
// clocks; the wall clock before the first packet, as Zeek's).
func (sh *shared) attachReporter(ps []*pipeline) {
	if sh.reporterLog == nil {
		return
	}
	sh.reporter.AttachStream(sh.reporterLog, func() zeek.Time {
		var t zeek.Time
		for _, p := range ps {
			t = max(t, zeek.Time(p.clock.Load()))
		}
		return t
	})
}

// newPipeline builds analysis thread number thread: decoders, connection
// tracker, protocol analysis.
func newPipeline(sh *shared, thread int) (*pipeline, error) {
	cfg := sh.cfg
	// Zeek's network time starts at 1 s: its timer manager reports time 1
	// before the first packet, and network time never goes back.
	p := &pipeline{cfg: cfg, sh: sh, now: zeek.Time(zeek.Second),
		connLog: sh.connLog, site: sh.site, ignore: sh.ignore, notices: sh.notices, sigs: sh.sigs}
	var writeWeird func(*weird.Info)
	if sh.weirdLog != nil {
		writeWeird = func(w *weird.Info) { _ = sh.weirdLog.Write(w) }
	}
	var weirdNotice func(*weird.Info)
	if p.notices != nil {
		weirdNotice = p.notices.Weird
	}
	p.weirds = weird.New(cfg.Weird, writeWeird, weirdNotice)
	p.clock.Store(int64(p.now))
	sh.logWeirds.clocks = append(sh.logWeirds.clocks, &p.clock)

	p.dec = packet.NewDecoder(sh.table, p)
	p.dec.MaxDepth = int(cfg.MaxPacketAnalyzerDepth)
	link := layers.Install(p.dec)
	link.IGMP.IgnoreChecksums = cfg.IgnoreChecksums
	if sh.tunnelLog != nil {
		tl := sh.tunnelLog
		p.tunnels = tunnelfw.New(cfg.Tunnels, func(r *tunnelfw.Info) { _ = tl.Write(r) })
	}

	ccfg := cfg.Conn
	if ccfg.Seed != 0 && thread > 0 {
		// Each thread draws its uids from a stream of its own.
		ccfg.Seed += uint64(thread) * 0x9E3779B97F4A7C15
	}
	ccfg.IgnoreChecksums = cfg.IgnoreChecksums
	ccfg.VLANKey = cfg.Loaded.VLANConnKey
	if !p.ignore.IsEmpty() {
		ccfg.IgnoreChecksumsFor = p.ignoreFor
	}
	ccfg.LikelyServerPort = likelyServerPorts(cfg.Loaded.LikelyServer)
	ccfg.WeirdSamplingThreshold = cfg.Weird.SamplingThreshold
	ccfg.WeirdSamplingRate = cfg.Weird.SamplingRate
	ccfg.WeirdSamplingDuration = cfg.Weird.SamplingDuration
	ccfg.CheckOverlaps = cfg.Loaded.ConnWeirds && p.notices != nil
	ccfg.VXLANPorts = cfg.Loaded.TunnelPorts["VXLAN"]

	acfg := cfg.Analysis
	acfg.Enabled = cfg.Loaded.Analyzers
	acfg.Signatures = sh.sigSet
	if p.sigs != nil {
		acfg.OnSignature = p.signatureMatch
	}
	acfg.Ports = cfg.Loaded.AnalyzerPorts
	acfg.VLANConnKey = cfg.Loaded.VLANConnKey
	acfg.OnTunnel = p.tunnelFound
	acfg.AnalyzerLog = sh.analyzerLog != nil
	acfg.DebugLog = sh.debugLog != nil
	acfg.Logs = sh.alogs
	p.setupFiles(&acfg)
	p.setupKnown(&acfg)
	p.analysis = analyzer.NewManager(acfg, func(r *analyzer.Record) {
		if sh.analyzerLog != nil {
			_ = sh.analyzerLog.Write(r)
		}
	}, func(r *analyzer.DebugRecord) {
		if sh.debugLog != nil {
			_ = sh.debugLog.Write(r)
		}
	})
	ccfg.Analysis = p.analysis
	p.conns = conn.NewManager(ccfg, p)
	p.analysis.SetConns(p.conns)
	p.conns.Install(p.dec)
	tunnel.NewTunnels(p.dec, tunnelEnv{p}, cfg.Tunnel).Install()

	ipcfg := layers.IPConfig{IgnoreChecksums: cfg.IgnoreChecksums}
	if !p.ignore.IsEmpty() {
		ipcfg.IgnoreChecksumsFor = p.ignoreFor
	}
	fcfg := ipfrag.DefaultConfig()
	fcfg.Timeout = cfg.FragTimeout
	p.frags = ipfrag.New(fcfg)
	p.frags.Weird = p.fragWeird
	p.dec.Set(packet.LayerIP, layers.NewIP(p.dec, ipcfg, p.frags))
	return p, nil
}

// packet runs one captured frame through the pipeline. It allocates
// nothing on the common path.
func (p *pipeline) packet(f *pktsrc.Frame) {
	defer p.recoverPacket()
	if len(f.Data) == 0 || f.WireLen == 0 {
		// libpcap hands Zeek such records; Zeek drops them.
		p.weirds.Net(p.now, "empty_pcap_header", "", "")
		return
	}
	pkt := &p.pkt
	pkt.Reset()
	// Zeek reads traces with libpcap's microsecond precision.
	ts := f.TS - f.TS%zeek.Time(zeek.Microsecond)
	if f.TS < 0 && f.TS%zeek.Time(zeek.Microsecond) != 0 {
		ts -= zeek.Time(zeek.Microsecond)
	}
	pkt.TS, pkt.Data, pkt.WireLen, pkt.LinkType = ts, f.Data, f.WireLen, f.LinkType
	pkt.L4Checksummed = f.L4Checksummed
	p.stats.pkts++
	p.stats.bytes += uint64(f.WireLen)
	p.advance(ts)
	p.dec.Decode(pkt)
	if !pkt.Processed {
		p.stats.unprocessed++
	}
	if p.sh.statsLog != nil || p.sh.lossLog != nil {
		// Zeek's scheduled events run after the packet that brought
		// their time.
		p.statsTick(p.now, false)
	}
}

// advance moves network time forward to t (never back) and runs what is
// due.
func (p *pipeline) advance(t zeek.Time) {
	if t > p.now {
		p.now = t
		p.clock.Store(int64(t))
	}
	if p.files != nil {
		p.files.Advance(p.now)
	}
	p.conns.Advance(p.now)
	p.frags.Expire(p.now)
	if p.sigs != nil {
		p.sigs.Advance(p.now)
	}
	if p.tunnels != nil {
		p.tunnels.Tick(p.now)
	}
	if p.sh.known != nil {
		p.sh.known.Advance(p.now)
	}
}

// idle advances time while a live source has no packets.
func (p *pipeline) idle(wall zeek.Time) {
	defer p.recoverPacket()
	p.advance(wall)
	if p.sh.statsLog != nil || p.sh.lossLog != nil {
		p.statsTick(p.now, false)
	}
}

// recoverPacket turns a panic while processing one packet into a counted
// bug, so that one bad code path does not end the run; the caller reports
// the count and the first stack.
func (p *pipeline) recoverPacket() {
	if r := recover(); r != nil {
		p.bugs++
		if p.firstBug == "" {
			p.firstBug = fmt.Sprintf("%v\n%s", r, debug.Stack())
		}
	}
}

func (p *pipeline) ignoreFor(src [16]byte, version uint8) bool {
	return p.ignore.Contains(packet.AddrFrom16(src, version))
}

func likelyServerPorts(ports []zeek.Port) func(uint16, zeek.Proto) bool {
	var set [4][65536 / 64]uint64
	for _, pt := range ports {
		if int(pt.Proto) < len(set) {
			set[pt.Proto][pt.Num/64] |= 1 << (pt.Num % 64)
		}
	}
	return func(port uint16, proto zeek.Proto) bool {
		return int(proto) < len(set) && set[proto][port/64]&(1<<(port%64)) != 0
	}
}

// ConnDone writes a finished connection to conn.log and closes a tunnel
// that ran over it.
func (p *pipeline) ConnDone(c *conn.Conn) {
	p.knownRemoved(c)
	if p.tunnels != nil {
		p.tunnels.ConnDone(p.now, c)
	}
	if p.connLog == nil {
		return
	}
	var s conn.Site
	if p.site != nil {
		s = siteAdapter{p.site}
	}
	c.FillInfo(&p.rec, s, p.cfg.Loaded.VLANConnKey)
	if p.cfg.Loaded.CommunityID {
		p.cidBuf = communityid.Append(p.cidBuf[:0], 0, c.IPProto, p.rec.ID.OrigH, p.rec.ID.RespH,
			p.rec.ID.OrigP.Num, p.rec.ID.RespP.Num, true)
		p.rec.CommunityID = zeek.Some(string(p.cidBuf))
	}
	_ = p.connLog.Write(&p.rec)
}

// ConnWeird passes a connection weird to the weird framework.
func (p *pipeline) ConnWeird(now zeek.Time, c *conn.Conn, name, addl, source string) {
	p.weirds.Conn(now, c.UIDString(), c.ID(p.cfg.Loaded.VLANConnKey), name, addl, source)
}

// GlobalWeird applies the global weird lists.
func (p *pipeline) GlobalWeird(name string) conn.WeirdVerdict {
	return p.weirds.GlobalVerdict(p.now, name)
}

// PacketWeird turns a decoder weird into a flow or net weird, as Zeek's
// session manager does ("_in_tunnel" inside tunnels).
func (p *pipeline) PacketWeird(pkt *packet.Packet, name, addl, source string) {
	if pkt.TunnelDepth > 0 {
		name += "_in_tunnel"
	}
	if pkt.IP.Valid {
		p.weirds.Flow(p.now, pkt.IP.SrcAddr(), pkt.IP.DstAddr(), name, addl, source)
		return
	}
	p.weirds.Net(p.now, name, addl, source)
}

// fragWeird reports a fragment reassembly weird as a flow weird.
func (p *pipeline) fragWeird(name string, k *ipfrag.Key) {
	p.weirds.Flow(p.now, k.SrcAddr(), k.DstAddr(), name, "", "")
}

type siteAdapter struct{ s *site.Site }

func (a siteAdapter) IsLocal(ip netip.Addr) bool { return a.s.IsLocal(ip) }
func (a siteAdapter) HaveLocalNets() bool        { return a.s.LogsLocality() }

// signatureMatch hands a signature_match to the signatures framework.
func (p *pipeline) signatureMatch(m analyzer.SignatureMatch) {
	p.sigs.Match(sigfw.Match{
		TS: p.now, UID: m.Conn.UIDString(), ID: m.Conn.ID(p.cfg.Loaded.VLANConnKey),
		IsOrig: m.IsOrig, SigID: m.Sig.ID, Msg: m.Msg, Data: m.Data,
	})
}

type discardNotices struct{}

func (discardNotices) Notice(zeek.Time, notice.Info) {}

// Notice types of policy/protocols/conn/weirds.
var (
	noteRexmit = notice.RegisterType("Conn::Retransmission_Inconsistency")
	noteGap    = notice.RegisterType("Conn::Content_Gap")
)

// RexmitInconsistency raises Conn::Retransmission_Inconsistency as
// policy/protocols/conn/weirds does.
func (p *pipeline) RexmitInconsistency(c *conn.Conn, old, new []byte, flags string) {
	if p.notices == nil || !p.cfg.Loaded.ConnWeirds {
		return
	}
	id := c.ID(p.cfg.Loaded.VLANConnKey)
	p.notices.Notice(p.now, notice.Info{
		Note: noteRexmit,
		Conn: zeek.Some(notice.Conn{UID: c.UIDString(), ID: id}),
		Msg: zeek.Some(idString(&id) + " rexmit inconsistency (" + string(old) + ") (" +
			string(new) + ") [" + flags + "]"),
		Identifier: zeek.Some(connIDRecord(&id)),
	})
}

// ContentGap raises Conn::Content_Gap as policy/protocols/conn/weirds does.
func (p *pipeline) ContentGap(c *conn.Conn, orig bool, seq, n uint64) {
	if p.notices == nil || !p.cfg.Loaded.ConnWeirds {
		return
	}
	id := c.ID(p.cfg.Loaded.VLANConnKey)
	dir := "<"
	if orig {
		dir = ">"
	}
	p.notices.Notice(p.now, notice.Info{
		Note: noteGap,
		Conn: zeek.Some(notice.Conn{UID: c.UIDString(), ID: id}),
		Msg: zeek.Some(idString(&id) + " content gap (" + dir + " " + strconv.FormatUint(seq, 10) + "/" +
			strconv.FormatUint(n, 10) + ")"),
	})
}

// idString is Zeek's id_string: "1.2.3.4:80/tcp > 5.6.7.8:1234/tcp".
func idString(id *zeek.ConnID) string {
	return id.OrigH.String() + ":" + portString(id.OrigP) + " > " + id.RespH.String() + ":" + portString(id.RespP)
}

func portString(p zeek.Port) string { return strconv.Itoa(int(p.Num)) + "/" + p.Proto.String() }

// connIDRecord is a conn_id as Zeek's fmt("%s") prints it, used as a
// notice identifier: "[orig_h=…, orig_p=80/tcp, …, proto=6, ctx=[]]".
func connIDRecord(id *zeek.ConnID) string {
	proto := 0
	switch id.OrigP.Proto {
	case zeek.ProtoTCP:
		proto = 6
	case zeek.ProtoUDP:
		proto = 17
	case zeek.ProtoICMP:
		proto = 1
		if !id.OrigH.Unmap().Is4() {
			proto = 58
		}
	}
	ctx := "[]"
	if id.Ctx.VLAN.Set || id.Ctx.InnerVLAN.Set {
		ctx = "[vlan=" + optInt(id.Ctx.VLAN) + ", inner_vlan=" + optInt(id.Ctx.InnerVLAN) + "]"
	}
	return "[orig_h=" + id.OrigH.String() + ", orig_p=" + portString(id.OrigP) + ", resp_h=" +
		id.RespH.String() + ", resp_p=" + portString(id.RespP) + ", proto=" + strconv.Itoa(proto) +
		", ctx=" + ctx + "]"
}

// optInt prints an optional count as Zeek's fmt does.
func optInt(v zeek.Opt[int64]) string {
	if !v.Set {
		return "<uninitialized>"
	}
	return strconv.FormatInt(v.V, 10)
}

// TunnelsSeen hands the tunnels of a connection to the tunnel framework.
func (p *pipeline) TunnelsSeen(c *conn.Conn, stack *packet.EncapStack) {
	if p.tunnels != nil {
		p.tunnels.Seen(p.now, stack)
	}
}

// tunnelFound hands a tunnel an analyzer found (HTTP CONNECT, SOCKS) to
// the tunnel framework.
func (p *pipeline) tunnelFound(ec packet.EncapConn) {
	if p.tunnels != nil {
		p.tunnels.Register(p.now, &ec, false)
	}
}

// tunnelPorts maps the tunnel packet analyzers' port sets to their layers.
func tunnelPorts(byName map[string][]uint16) map[packet.LayerID][]uint16 {
	out := map[packet.LayerID][]uint16{}
	for _, l := range []packet.LayerID{packet.LayerVXLAN, packet.LayerGeneve, packet.LayerGTPv1, packet.LayerTeredo, packet.LayerAYIYA, packet.LayerGRE} {
		out[l] = byName[l.Name()]
	}
	return out
}

// tunnelEnv gives the tunnel layers protocol analysis, weirds and time.
type tunnelEnv struct{ p *pipeline }

func (e tunnelEnv) PacketConfirm(c *conn.Conn, id packet.LayerID) { e.p.analysis.PacketConfirm(c, id) }
func (e tunnelEnv) PacketViolation(c *conn.Conn, id packet.LayerID, reason string, data []byte) {
	e.p.analysis.PacketViolation(c, id, reason, data)
}
func (e tunnelEnv) ConnWeird(c *conn.Conn, name, addl, source string) {
	e.p.conns.Weird(c, name, addl, source)
}
func (e tunnelEnv) NetWeird(name, addl, source string) { e.p.weirds.Net(e.p.now, name, addl, source) }
func (e tunnelEnv) NewUID() [2]uint64                  { return e.p.conns.NewUID() }
func (e tunnelEnv) Now() zeek.Time                     { return e.p.now }

// ---- Files framework (base/frameworks/files) --------------------------
//
// files.log is the files framework's log, not an analyzer's: the node
// opens it when base/frameworks/files is loaded, with the md5/sha1/sha256
// columns of base/files/hash and the extraction columns of
// base/files/extract, and gives each analysis thread a files.Manager
// (analyzers reach it through Handle.Files). The scripts
// policy/frameworks/files/hash-all-files and extract-all-files attach
// the hash and extraction analyzers to every file. fuids are keyed with
// the run's seed, so --seed makes them repeatable.

// openFilesLog opens files.log with the columns the loaded scripts add.
func (sh *shared) openFilesLog() error {
	loaded := func(s string) bool { return sh.cfg.Loaded.Scripts[s] }
	if !loaded("base/frameworks/files") {
		return nil
	}
	fl, err := logging.NewStream[files.Info](sh.lm, files.LogPath, logging.WithID("Files::LOG"))
	if err != nil {
		return err
	}
	// Zeek loads base/files/hash before base/files/extract in its default
	// set; the columns follow that order.
	var exts []string
	if loaded("base/files/hash") {
		exts = append(exts, files.ExtHash)
	}
	if loaded("base/files/extract") {
		exts = append(exts, files.ExtExtract)
	}
	if len(exts) > 0 {
		if err := fl.EnableExt(exts...); err != nil {
			return err
		}
	}
	sh.filesLog = fl
	return nil
}

// setupFiles creates the thread's files.Manager when files.log is open.
func (p *pipeline) setupFiles(acfg *analyzer.Config) {
	fl := p.sh.filesLog
	if fl == nil {
		return
	}
	cfg := p.cfg
	loaded := func(s string) bool { return cfg.Loaded.Scripts[s] }
	fcfg := files.ConfigFromOptions()
	fcfg.Key = files.NewKey(cfg.Conn.Seed)
	fcfg.HashAll = loaded("policy/frameworks/files/hash-all-files")
	fcfg.ExtractAll = loaded("policy/frameworks/files/extract-all-files")
	fcfg.Loaded = loaded
	if p.site != nil {
		fcfg.IsLocal, fcfg.HaveLocalNets = p.site.IsLocal, p.site.LogsLocality()
	}
	fcfg.Log = func(r *files.Info) { _ = fl.Write(r) }
	fcfg.Weird = func(name, addl, source string) { p.weirds.Net(p.now, name, addl, source) }
	p.files = files.NewManager(fcfg)
	acfg.Files = p.files
}
