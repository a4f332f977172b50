package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/heron-nsm/heron/internal/bpf"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
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
	var srcs []pktsrc.Source
	if inv.iface != "" {
		n := max(cfg.Threads, 1)
		var lives []*afpacket.Source
		defer func() {
			for _, l := range lives {
				l.Close()
			}
		}()
		for i := range n {
			live, err := inv.openLive(stderr, i == 0, n)
			if err != nil {
				fmt.Fprintf(stderr, "heron: %v\n", err)
				return 1
			}
			lives = append(lives, live)
			srcs = append(srcs, live)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(stop)
		go func() {
			if _, ok := <-stop; ok {
				for _, l := range lives {
					l.Stop()
				}
			}
		}()
		cfg.Threads = 1 // one thread per socket: the kernel splits the flows
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

// openLive opens the capture source -i names and prints its warnings
// (once, for the first of n sockets). Several sockets need fanout.
func (inv *invocation) openLive(stderr io.Writer, first bool, n int) (*afpacket.Source, error) {
	name := inv.iface
	kind, rest, ok := strings.Cut(name, "::")
	if ok {
		if kind != "af_packet" {
			return nil, fmt.Errorf("-i %s: unknown packet source %q (use af_packet::IFACE)", name, kind)
		}
		name = rest
	}
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("-i %s: live capture needs Linux (AF_PACKET)", inv.iface)
	}
	acfg, err := inv.af.Config(name)
	if err != nil {
		return nil, err
	}
	if n > 1 && !acfg.EnableFanout {
		return nil, fmt.Errorf("--threads %d on -i %s needs AF_Packet::enable_fanout=T: the threads share the interface through a fanout group", n, inv.iface)
	}
	// Wake the packet loop now and then on a quiet link so timers run.
	acfg.IdleTimeout = 500 * time.Millisecond
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
		fmt.Fprintf(stderr, "heron: warning: %s\n", w)
	}
	if w, err := s.OffloadWarning(); err == nil && w != "" {
		fmt.Fprintf(stderr, "heron: warning: %s\n", w)
	}
	return s, nil
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
