package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/heron-nsm/heron/internal/bpf"
	"github.com/heron-nsm/heron/internal/frameworks/reporter"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket"
	"github.com/heron-nsm/heron/internal/pktsrc/ethtool"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/pktsrc/pcaplive"
	"github.com/heron-nsm/heron/internal/pktsrc/udpmirror"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/site"
	"github.com/heron-nsm/heron/internal/zeek"
)

const version = "0.1.0-dev"

func zeekCommit() string {
	c := scripts.ZeekCommit()
	if len(c) > 12 {
		c = c[:12]
	}
	return "zeek@" + c
}

// configure turns the invocation into a node configuration. Errors are
// one line each, for the user.
func (inv *invocation) configure(stderr io.Writer) (node.Config, error) {
	cfg := node.DefaultConfig()
	loaded, err := scripts.Load(inv.bare, inv.scripts)
	if err != nil {
		return cfg, err
	}
	if un := loaded.Unimplemented(); len(un) > 0 {
		fmt.Fprintf(stderr, "heron: warning: accepted but not implemented yet (ignored): %s\n", strings.Join(un, ", "))
	}
	reg := options.NewRegistry()
	cfg.Options(reg)
	inv.af = afpacket.NewOptions()
	inv.af.Register(reg)
	inv.pcap = pcaplive.NewOptions()
	inv.pcap.Register(reg)
	// Packages (the analyzers) register their own options in
	// options.Default; they start from their defaults on every run.
	if err := options.Default.ResetAll(); err != nil {
		return cfg, err
	}
	reg.Chain(options.Default)
	// The port sets the loaded scripts define (HTTP::ports, …) and
	// likely_server_ports are options too: they decide where analyzers
	// attach and which side is the server.
	portVars := map[string]*[]zeek.Port{}
	for name, ports := range loaded.PortVariables() {
		v := ports
		portVars[name] = &v
		reg.Register(name, options.SetPortValue(&v), "Ports of "+name+" (from the Zeek scripts).")
	}
	var likely []zeek.Port
	reg.Register("likely_server_ports", options.SetPortValue(&likely), "Ports taken to be servers' when choosing a connection's originator.")
	if inv.logDir != "" {
		cfg.Log.LogDir = inv.logDir
	}
	if inv.networks != "" {
		f, err := os.Open(inv.networks)
		if err != nil {
			return cfg, fmt.Errorf("--networks: %w", err)
		}
		nets, err := site.ParseNetworksCfg(f, inv.networks)
		f.Close()
		if err != nil {
			return cfg, err
		}
		cfg.Site.LocalNets = nets
	}
	for _, a := range inv.assigns {
		if err := reg.Apply(a); err != nil {
			return cfg, err
		}
	}
	if inv.noChecksums {
		cfg.IgnoreChecksums = true
	}
	for name, v := range portVars {
		loaded.SetPortVariable(name, *v)
	}
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Loaded.LikelyServer = append(cfg.Loaded.LikelyServer, likely...)
	if inv.threads != "" {
		n, err := strconv.Atoi(inv.threads)
		if err != nil || n < 1 || n > 1024 {
			return cfg, fmt.Errorf("--threads %q: give a number of analysis threads from 1 to 1024", inv.threads)
		}
		cfg.Threads = n
	}
	if inv.pinCPUs != "" {
		for _, f := range strings.Split(inv.pinCPUs, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 || n >= 1024 {
				return cfg, fmt.Errorf("--pin-cpus %q: give CPU numbers separated by commas, e.g. 0,2,4", inv.pinCPUs)
			}
			cfg.PinCPUs = append(cfg.PinCPUs, n)
		}
	}
	seed := inv.seed
	if seed == "" {
		seed = os.Getenv("HERON_SEED")
	}
	if seed != "" {
		n, err := strconv.ParseUint(seed, 0, 64)
		if err != nil || n == 0 {
			return cfg, fmt.Errorf("seed %q: use a positive integer (--seed N or HERON_SEED=N)", seed)
		}
		cfg.Conn.Seed = n
	}
	return cfg, nil
}

// execute runs the node and returns the exit status.
func (inv *invocation) execute(stdout, stderr io.Writer) int {
	switch {
	case inv.read == "" && inv.iface == "":
		fmt.Fprintln(stderr, "heron: nothing to do: give a trace with -r FILE or an interface with -i IFACE (heron --help for more)")
		return 2
	case inv.read != "" && inv.iface != "":
		fmt.Fprintln(stderr, "heron: -r and -i both given: read a trace or capture from an interface, not both")
		return 2
	}
	cfg, err := inv.configure(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 1
	}
	cfg.Trace = inv.read
	cfg.SignatureFiles = inv.sigFiles
	// The node's runtime messages (reporter.log); the capture's warnings
	// while it opens are among them.
	rep := reporter.New(nil)
	cfg.Reporter = rep
	var srcs []pktsrc.Source
	if inv.iface != "" {
		lives, err := inv.openLive(captureWarner(stderr, rep), max(cfg.Threads, 1))
		if err != nil {
			fmt.Fprintf(stderr, "heron: %v\n", err)
			return 1
		}
		defer func() {
			for _, l := range lives {
				l.Close()
			}
		}()
		for _, l := range lives {
			srcs = append(srcs, l)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(stop)
		var signalled atomic.Bool
		cfg.Interface = liveName(inv.iface)
		cfg.StopReason = func() string { return stopReason(signalled.Load()) }
		go func() {
			if _, ok := <-stop; ok {
				signalled.Store(true)
				for _, l := range lives {
					l.Stop()
				}
			}
		}()
		cfg.Threads = 1 // one thread per source: the kernel splits the flows
	} else {
		f, err := pcapfile.Open(inv.read)
		if err != nil {
			fmt.Fprintf(stderr, "heron: %v\n", err)
			return 1
		}
		var src pktsrc.Source = f
		if inv.filter != "" {
			// Fail early, with the position, on the trace's first link type.
			if _, err := compileFilter(inv.filter, f.LinkType()); err != nil {
				f.Close()
				fmt.Fprintf(stderr, "heron: %v\n", err)
				return 1
			}
			src = pktsrc.Filtered(f, func(lt uint32) (pktsrc.Matcher, error) { return compileFilter(inv.filter, lt) })
		}
		srcs = node.SplitSource(src, cfg.Threads)
		defer func() {
			for _, s := range srcs {
				s.Close()
			}
		}()
	}
	var prog *progress
	if inv.progress == "always" || (inv.progress == "auto" && isTerminal(os.Stderr)) {
		prog = newProgress(stderr)
		cfg.Progress = prog.report
	}
	res, err := node.RunSources(cfg, srcs)
	if prog != nil {
		prog.finish(res.Packets, res.Bytes)
	}
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 1
	}
	if res.Bugs > 0 {
		fmt.Fprintf(stderr, "heron: internal error on %d packets (a bug in heron; please report it with this message): %s\n", res.Bugs, res.FirstBug)
		return 3
	}
	if res.Truncated != nil {
		fmt.Fprintf(stderr, "heron: %v; analysed the %d packets before it\n", res.Truncated, res.Packets)
	}
	return 0
}

// warner receives a live source's warnings while it opens.
type warner func(msg string)

// captureWarner prints warnings on stderr and raises them in
// reporter.log through rep (logged once the node's logs are open).
func captureWarner(stderr io.Writer, rep *reporter.Reporter) warner {
	return func(msg string) {
		fmt.Fprintf(stderr, "heron: warning: %s\n", msg)
		rep.Log(0, reporter.LevelWarning, msg)
	}
}

// liveName is the name of a live source in reporter.log (Zeek's packet
// source path): the -i argument without its KIND:: prefix.
func liveName(iface string) string {
	if _, name, ok := strings.Cut(iface, "::"); ok {
		return name
	}
	return iface
}

// stopReason is why a live capture ended, as Zeek's reporter words it:
// after SIGINT or SIGTERM, "received termination signal"; else "".
func stopReason(signalled bool) string {
	if signalled {
		return "received termination signal"
	}
	return ""
}

// liveSource is a capture source that a signal handler can stop and
// that reports capture statistics (for stats.log and capture_loss.log).
type liveSource interface {
	pktsrc.Source
	pktsrc.Live
}

// Packet source kinds -i accepts as KIND::NAME.
const (
	kindAFPacket = "af_packet"
	kindPcap     = "pcap"
	kindUDP      = "udp"
)

// openLive opens the n capture sources -i names, one per analysis
// thread, and prints their warnings once. Each source delivers whole
// flows: n AF_PACKET sockets in one fanout group, or n UDP sockets in one
// SO_REUSEPORT group steered by the mirrored packets' addresses.
func (inv *invocation) openLive(warn warner, n int) ([]liveSource, error) {
	var lives []liveSource
	for i := range n {
		s, err := inv.openSource(warn, i == 0, n)
		if err != nil {
			for _, l := range lives {
				l.Close()
			}
			return nil, err
		}
		lives = append(lives, s)
	}
	return lives, nil
}

// openSource opens one of the n capture sources -i names (KIND::NAME, or a
// plain interface name for AF_PACKET) and prints its warnings when it is
// the first.
func (inv *invocation) openSource(warn warner, first bool, n int) (liveSource, error) {
	kind, name, ok := strings.Cut(inv.iface, "::")
	if !ok {
		kind, name = kindAFPacket, inv.iface
		if hint := vendorHint(name); hint != "" {
			return nil, fmt.Errorf("-i %s: %s", inv.iface, hint)
		}
	}
	switch kind {
	case kindAFPacket:
		return inv.openAFPacket(warn, name, first, n)
	case kindUDP:
		return inv.openUDP(warn, first, n)
	case kindPcap:
		return inv.openPcap(warn, name, n)
	}
	return nil, fmt.Errorf("-i %s: unknown packet source %q (use af_packet::IFACE, pcap::IFACE or udp::ADDR:PORT[:vxlan|geneve])", inv.iface, kind)
}

// vendorHint explains that a name only a vendor's libpcap understands
// (netmap:em0, zc:eth1@0, snf0) needs pcap:: ("" for other names and for
// interfaces the host has).
func vendorHint(name string) string {
	if !strings.Contains(name, ":") && !strings.HasPrefix(name, "snf") || isInterface(name) {
		return ""
	}
	return fmt.Sprintf("%q is not an interface of this host; PF_RING, netmap and Myricom names go through libpcap: -i pcap::%s (in a build with -tags libpcap, using that vendor's libpcap)", name, name)
}

// isInterface reports whether the host has an interface called name.
func isInterface(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// openAFPacket opens one AF_PACKET socket on iface and prints its warnings
// (once, for the first of n sockets). Several sockets need fanout.
func (inv *invocation) openAFPacket(warn warner, iface string, first bool, n int) (*afpacket.Source, error) {
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("-i %s: AF_PACKET capture needs Linux; elsewhere use -i pcap::IFACE in a build with -tags libpcap", inv.iface)
	}
	acfg, err := inv.af.Config(iface)
	if err != nil {
		return nil, err
	}
	if n > 1 && !acfg.EnableFanout {
		return nil, fmt.Errorf("--threads %d on -i %s needs AF_Packet::enable_fanout=T: the threads share the interface through a fanout group", n, inv.iface)
	}
	// Wake the packet loop now and then on a quiet link so timers run.
	acfg.IdleTimeout = liveIdle
	if inv.filter != "" {
		// The filter runs in the kernel, as Zeek attaches it: on frames
		// as the socket sees them (VLAN tags already removed).
		prog, err := compileFilter(inv.filter, acfg.LinkType)
		if err != nil {
			return nil, err
		}
		for _, in := range prog.Instructions() {
			acfg.Filter = append(acfg.Filter, afpacket.RawInstruction(in))
		}
	}
	s, err := afpacket.Open(acfg)
	if err != nil {
		return nil, err
	}
	if !first {
		return s, nil
	}
	for _, w := range s.Warnings() {
		warn(w)
	}
	if w, err := s.OffloadWarning(); err == nil && w != "" {
		warn(w)
	}
	return s, nil
}

// liveIdle is how long a live source waits on a quiet link before it lets
// the packet loop run its timers.
const liveIdle = 500 * time.Millisecond

// openUDP opens one of n sockets on the udp:: spec's port. With n above
// 1 they form a steered SO_REUSEPORT group: the kernel runs a BPF program
// on each datagram that picks the socket by a symmetric hash of the
// mirrored packet's IP addresses, so both directions of every flow reach
// one thread whatever outer addresses and ports the mirror used (the
// kernel's own choice hashes the outer header, which can split a flow). A
// -f filter runs in Heron on the decapsulated packets.
func (inv *invocation) openUDP(warn warner, first bool, n int) (liveSource, error) {
	ucfg, err := udpmirror.ParseSpec(inv.iface)
	if err != nil {
		return nil, err
	}
	ucfg.IdleTimeout = liveIdle
	if n > 1 {
		ucfg.Group = n
	}
	var match func(uint32) (pktsrc.Matcher, error)
	if inv.filter != "" {
		// Fail early, with the position: VXLAN carries Ethernet frames,
		// Geneve Ethernet frames or bare IP packets.
		links := []uint32{1}
		if ucfg.Encap == udpmirror.Geneve {
			links = append(links, 101)
		}
		for _, lt := range links {
			if _, err := compileFilter(inv.filter, lt); err != nil {
				return nil, err
			}
		}
		match = func(lt uint32) (pktsrc.Matcher, error) { return compileFilter(inv.filter, lt) }
	}
	if first && n > 1 {
		// The steering program numbers every socket of the port's group:
		// sockets bound before this group's (another heron) take the
		// first places, and some of ours get nothing.
		if others, err := udpmirror.SocketsOnPort(ucfg.Port); err == nil && others > 0 {
			warn(fmt.Sprintf("%d other sockets already receive on UDP port %d (ss -ulpn 'sport = :%d' shows them); --threads %d steers the flows to the first %d sockets of the port, so some threads or processes will get nothing: use one heron with --threads, or several single-thread ones", others, ucfg.Port, ucfg.Port, n, n))
		}
	}
	s, err := udpmirror.Open(ucfg)
	if err != nil {
		return nil, err
	}
	if first {
		for _, w := range s.Warnings() {
			warn(w)
		}
	}
	if match == nil {
		return s, nil
	}
	return &filteredLive{FilteredSource: pktsrc.Filtered(s, match), live: s}, nil
}

// openPcap opens a libpcap capture on dev with the Pcap:: options (a
// build without the libpcap tag says how to get one). The -f filter is
// compiled and installed by libpcap. libpcap gives every handle on a device every packet, so one
// process reads a device with one handle.
func (inv *invocation) openPcap(warn warner, dev string, n int) (liveSource, error) {
	if n > 1 {
		return nil, fmt.Errorf("--threads %d with -i %s: a libpcap capture is read by one thread; run several heron processes instead (with PF_RING, PCAP_PF_RING_CLUSTER_ID splits the flows between them), or use af_packet::IFACE for threads in a fanout group", n, inv.iface)
	}
	pcfg, err := inv.pcap.Config(dev)
	if err != nil {
		return nil, err
	}
	pcfg.Filter = inv.filter
	pcfg.IdleTimeout = liveIdle
	s, err := pcaplive.Open(pcfg)
	if err != nil {
		return nil, err
	}
	for _, w := range s.Warnings() {
		warn(w)
	}
	if isInterface(dev) {
		if w, err := ethtool.Check(dev); err == nil && w != "" {
			warn(w)
		}
	}
	return s, nil
}

// filteredLive is a live source whose frames pass a -f filter run in
// Heron; it still stops and reports its capture statistics, counting the
// frames the filter rejected as Filtered.
type filteredLive struct {
	*pktsrc.FilteredSource
	live pktsrc.Live
}

// Stop implements pktsrc.Live.
func (f *filteredLive) Stop() { f.live.Stop() }

// CaptureStats implements pktsrc.Live.
func (f *filteredLive) CaptureStats() (pktsrc.Stats, error) {
	st, err := f.live.CaptureStats()
	st.Filtered = st.Received - f.Dropped
	return st, err
}

// compileFilter compiles a -f filter for a link type; the error is one
// line with the position of the problem.
func compileFilter(expr string, linkType uint32) (*bpf.Program, error) {
	p, err := bpf.Compile(expr, linkType, 0)
	if err != nil {
		return nil, fmt.Errorf("-f: %w", err)
	}
	return p, nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress prints a status line on a terminal, at most a few times a second.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	shown bool
}

func newProgress(w io.Writer) *progress {
	now := time.Now()
	return &progress{w: w, start: now, last: now}
}

func (p *progress) report(packets, bytes uint64, done, total int64) {
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	line := fmt.Sprintf("%d packets, %s, %.0f packets/s", packets, humanBytes(bytes), float64(packets)/el)
	if total > 0 {
		line += fmt.Sprintf(", %d%% of file", done*100/total)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

func (p *progress) finish(packets, bytes uint64) {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func listOptions(w io.Writer) {
	cfg := node.DefaultConfig()
	reg := options.NewRegistry()
	cfg.Options(reg)
	afpacket.NewOptions().Register(reg)
	pcaplive.NewOptions().Register(reg)
	reg.Chain(options.Default)
	if loaded, err := scripts.Load(false, nil); err == nil {
		for name, ports := range loaded.PortVariables() {
			v := ports
			reg.Register(name, options.SetPortValue(&v), "Ports of "+name+" (from the Zeek scripts).")
		}
	}
	var likely []zeek.Port
	reg.Register("likely_server_ports", options.SetPortValue(&likely), "Ports taken to be servers' when choosing a connection's originator (the scripts' analyzer ports are added).")
	for _, o := range reg.List() {
		fmt.Fprintf(w, "%s: %s = %s\n    %s\n", o.Name, o.Type, o.Default, o.Doc)
	}
}
