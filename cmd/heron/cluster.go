package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	cnode "github.com/heron-nsm/heron/internal/cluster/node"
	"github.com/heron-nsm/heron/internal/cluster/noticesync"
	"github.com/heron-nsm/heron/internal/cluster/proxy"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/frameworks/reporter"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/metrics"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
)

// clusterNodeName is the node --node names, or else CLUSTER_NODE (as Zeek
// takes it); "" runs no cluster node.
func (inv *invocation) clusterNodeName() string {
	if inv.node != "" {
		return inv.node
	}
	return os.Getenv("CLUSTER_NODE")
}

// runCluster runs node NAME of the cluster layout (--node NAME or
// CLUSTER_NODE; the layout from --cluster, HERON_CLUSTER_LAYOUT or
// ./cluster-layout.json) until its work is done or SIGINT/SIGTERM, and
// returns the exit status: 1 with one line for an unusable layout or
// configuration, 2 for command-line misuse.
func (inv *invocation) runCluster(stdout, stderr io.Writer) int {
	name := inv.clusterNodeName()
	if inv.read != "" || inv.iface != "" {
		fmt.Fprintf(stderr, "heron: --node %s takes its packet source from the cluster layout (\"read\" or \"interface\"); drop -r/-i\n", name)
		return 2
	}
	l, err := layout.Read(layout.Find(inv.cluster, os.Getenv))
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 1
	}
	n, err := l.Node(name)
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 1
	}
	ni, err := inv.nodeInvocation(l, n)
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 1
	}
	cfg, err := ni.configure(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 1
	}
	cfg.Trace = ni.read
	cfg.Interface = liveName(ni.iface)
	cfg.SignatureFiles = ni.sigFiles
	// The Known::* options are in configure's registry: cfg.Known has
	// them, and the proxies serve the tables of the loaded scripts.
	kc := node.KnownConfig(&cfg)
	warn := func(s string) { fmt.Fprintf(stderr, "heron: %s\n", s) }
	// The node's runtime messages: printed, and in reporter.log once the
	// node's logs are open (a worker's capture warnings among them).
	rep := reporter.New(&reporter.Options{Print: func(_ reporter.Level, s string) { warn(s) }})
	o := &cnode.Options{
		Layout:   l,
		Name:     name,
		Config:   cfg,
		Known:    &kc,
		Hooks:    clusterHooks(&cfg),
		Warn:     warn,
		Reporter: rep,
	}
	if n.Type == layout.Worker || n.Type == layout.Standalone {
		if n.Read == "" && n.Interface == "" {
			fmt.Fprintf(stderr, "heron: layout: %s: node %q needs \"read\" or \"interface\"\n", l.File, name)
			return 1
		}
		o.Sources = func() ([]pktsrc.Source, error) { return ni.clusterSources(captureWarner(stderr, rep), cfg.Threads) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A second signal kills the node the default way.
	context.AfterFunc(ctx, stop)
	res, err := cnode.Run(ctx, o)
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

// nodeInvocation returns the invocation of a cluster node: the command
// line's, after the layout's scripts and options and the node's own, with
// the node's signature files (the layout's, then the node's, then -s),
// the node's packet source, threads and CPUs (the command line's --threads
// and --pin-cpus win). A relative "read" is relative to the layout file.
func (inv *invocation) nodeInvocation(l *layout.Layout, n *layout.Node) (*invocation, error) {
	ni := *inv
	ni.scripts = concat(l.Scripts, n.Scripts, inv.scripts)
	ni.assigns = concat(noticeMailOptions(l.Mail), l.Options, n.Options, inv.assigns)
	ni.sigFiles = concat(l.Signatures, n.Signatures)
	for i, f := range ni.sigFiles {
		if !filepath.IsAbs(f) {
			ni.sigFiles[i] = filepath.Join(filepath.Dir(l.File), f)
		}
	}
	ni.sigFiles = append(ni.sigFiles, inv.sigFiles...)
	ni.iface = n.Interface
	ni.read = n.Read
	if ni.read != "" && ni.read != "-" && !filepath.IsAbs(ni.read) {
		ni.read = filepath.Join(filepath.Dir(l.File), ni.read)
	}
	if ni.threads == "" && n.Threads > 0 {
		ni.threads = strconv.Itoa(n.Threads)
	}
	if ni.pinCPUs == "" && len(n.PinCPUs) > 0 {
		cpus := make([]string, len(n.PinCPUs))
		for i, c := range n.PinCPUs {
			cpus[i] = strconv.Itoa(c)
		}
		ni.pinCPUs = strings.Join(cpus, ",")
	}
	if ni.logDir == "" && n.Type == layout.Standalone {
		ni.logDir = l.LogDir
	}
	return &ni, nil
}

// concat returns the lists one after the other, in a new slice.
func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// clusterSources opens a node's packet source: its trace (with -f), or
// threads sockets of its interface.
func (inv *invocation) clusterSources(warn warner, threads int) ([]pktsrc.Source, error) {
	if inv.iface != "" {
		lives, err := inv.openLive(warn, max(threads, 1))
		if err != nil {
			return nil, err
		}
		srcs := make([]pktsrc.Source, len(lives))
		for i, l := range lives {
			srcs[i] = l
		}
		return srcs, nil
	}
	pipe, err := openPipe(inv.read)
	if err != nil {
		return nil, err
	}
	var f *pcapfile.Reader
	if pipe != nil {
		f, err = pcapfile.NewReader(pipe, 0)
		if err != nil {
			pipe.Close()
			return nil, fmt.Errorf("%s: %w", inv.read, err)
		}
	} else if f, err = pcapfile.Open(inv.read); err != nil {
		return nil, err
	}
	var src pktsrc.Source = f
	if inv.filter != "" {
		if _, err := compileFilter(inv.filter, f.LinkType()); err != nil {
			f.Close()
			if pipe != nil {
				pipe.Close()
			}
			return nil, err
		}
		src = pktsrc.Filtered(f, func(lt uint32) (pktsrc.Matcher, error) { return compileFilter(inv.filter, lt) })
	}
	if pipe != nil {
		src = &pipeTrace{Source: src, f: pipe}
	}
	return []pktsrc.Source{src}, nil
}

// openPipe opens a trace that is a named pipe (or standard input for
// "-"), whose reads wait for a writer; nil for a file.
func openPipe(name string) (*os.File, error) {
	if name == "-" {
		return os.Stdin, nil
	}
	st, err := os.Stat(name)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return nil, nil // pcapfile.Open says what is wrong
	}
	// Opened here, the pipe is in Go's poller, so a read deadline can
	// end a read that waits.
	return os.Open(name)
}

// pipeTrace is a trace read from a pipe. A worker stopped while it waits
// for packets interrupts the read (cnode.Interrupter) instead of waiting
// for the next packet, or the writer's end.
type pipeTrace struct {
	pktsrc.Source
	f *os.File
}

// Interrupt makes the waiting read return (standard input, when not
// pollable, cannot be interrupted).
func (p *pipeTrace) Interrupt() { _ = p.f.SetReadDeadline(time.Now()) }

// Close closes the trace and the pipe.
func (p *pipeTrace) Close() error {
	err := p.Source.Close()
	if p.f != os.Stdin {
		p.f.Close()
	}
	return err
}

// drainTimeout bounds how long a node waits at shutdown for its known-*
// finds and notices to reach the proxies and the manager.
const drainTimeout = 10 * time.Second

// clusterHooks plugs the cluster features into a node: the known-*
// forwarder and the shared notice suppression on workers, the notice
// writer on the manager, and every node's metrics endpoint.
func clusterHooks(cfg *node.Config) cnode.Hooks {
	// The manager's notice.log has the columns of the notice extensions
	// the scripts load, as a standalone node's.
	exts := cfg.Loaded.NoticeExts
	// The manager mails notices with its Notice::mail_* options.
	ncfg := cfg.Notice
	// A worker's analysis counts its packets here for its metrics.
	live := &node.Live{}
	return cnode.Hooks{
		Start:   func(rt *cnode.Runtime) (func(), error) { return startMetrics(rt, live) },
		Manager: func(rt *cnode.Runtime) (func(), error) { return managerNotices(rt, exts, ncfg) },
		Worker: func(rt *cnode.Runtime, cfg *node.Config) (func(), error) {
			cfg.Live = live
			return workerHooks(rt, cfg)
		},
	}
}

// workerHooks makes a worker send its known-* finds to the proxies (which
// log the new ones) and its notices to the manager, with suppression
// shared through it. A standalone node (no connection) keeps its own.
func workerHooks(rt *cnode.Runtime, cfg *node.Config) (func(), error) {
	if rt.Conn == nil {
		return nil, nil
	}
	var fwd *proxy.KnownForwarder
	if kc := node.KnownConfig(cfg); kc.Hosts || kc.Services || kc.Certs {
		fwd = proxy.NewKnownForwarder(proxy.NewPool(rt.Conn), nil)
		cfg.KnownForward, cfg.KnownAttach = fwd, fwd.Attach
	}
	var ns *noticesync.Node
	if cfg.Loaded.NoticeLog {
		var err error
		ns, err = noticesync.NewNode(rt.Conn, &noticesync.Options{Warn: rt.Warn})
		if err != nil {
			if fwd != nil {
				fwd.Close()
			}
			return nil, fmt.Errorf("cluster: %s: %w", rt.Node.Name, err)
		}
		cfg.Notice.Suppressor, cfg.NoticeLog, cfg.NoticeAlarm = ns, ns.Log, ns.Alarm
		// Zeek's notice.log names the node that raised a notice
		// (peer_descr = Cluster::node) in a cluster.
		cfg.Notice.Node = rt.Node.Name
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
		defer cancel()
		if fwd != nil {
			if err := fwd.Drain(ctx); err != nil {
				rt.Warn(fmt.Sprintf("cluster: %s: known-* finds not delivered: %v", rt.Node.Name, err))
			}
			fwd.Close()
		}
		if ns != nil {
			if err := ns.Close(ctx); err != nil {
				rt.Warn(fmt.Sprintf("cluster: %s: notices not delivered: %v", rt.Node.Name, err))
			}
		}
	}, nil
}

// managerNotices writes the cluster's notice.log and notice_alarm.log on
// the manager, from every node's notices, and relays the suppressions
// nodes begin.
func managerNotices(rt *cnode.Runtime, exts []string, ncfg notice.Config) (func(), error) {
	nl, al, err := notice.NewStreams(rt.Log, logging.WithExtensions(exts...))
	if err != nil {
		return nil, fmt.Errorf("cluster: %s: %w", rt.Node.Name, err)
	}
	logw, alarmw, stopMail, err := managerMail(rt, ncfg, notice.Writer(nl), notice.Writer(al))
	if err != nil {
		return nil, err
	}
	nm, err := noticesync.NewManager(rt.Conn, logw, alarmw, &noticesync.Options{Warn: rt.Warn})
	if err != nil {
		stopMail()
		return nil, fmt.Errorf("cluster: %s: %w", rt.Node.Name, err)
	}
	return func() {
		if err := nm.Close(); err != nil {
			rt.Warn(fmt.Sprintf("cluster: %s: %v", rt.Node.Name, err))
		}
		stopMail()
	}, nil
}

// startMetrics serves the node's metrics on its metrics_port (none when
// 0), on every address as Zeek's nodes do by default, and, on the
// manager, /services.json listing every node's endpoint. live holds a
// worker's packet counts (filled once its analysis runs).
func startMetrics(rt *cnode.Runtime, live *node.Live) (func(), error) {
	if rt.Node.MetricsPort == 0 {
		return nil, nil
	}
	reg := metrics.NewRegistry(metrics.Label{Name: "node", Value: rt.Node.Name})
	metrics.RegisterVersion(reg, version)
	metrics.RegisterProcess(reg)
	metrics.RegisterNode(reg, nodeCounters(rt, live))
	// Which peers this node hears (heronctl peerstatus): 1 while their
	// heartbeats arrive, else 0.
	for _, name := range rt.Layout.Names() {
		if name == rt.Node.Name {
			continue
		}
		peer := name
		reg.GaugeFunc("heron_cluster_peer_up", "Whether the node hears the peer's heartbeats (1) or not (0).",
			func() float64 {
				if rt.Conn.IsLive(peer) {
					return 1
				}
				return 0
			},
			metrics.Label{Name: "peer", Value: peer}, metrics.Label{Name: "role", Value: string(rt.Layout.Nodes[peer].Type)})
	}
	var services func() []metrics.ServiceGroup
	if rt.Node.Type == layout.Manager {
		var targets []metrics.Target
		for _, name := range rt.Layout.Names() {
			n := rt.Layout.Nodes[name]
			host := n.Host
			if host == "" {
				host = "127.0.0.1"
			}
			targets = append(targets, metrics.Target{Node: name, Role: string(n.Type), Host: host, Port: n.MetricsPort})
		}
		groups := metrics.ZeekServices(targets)
		services = func() []metrics.ServiceGroup { return groups }
	}
	srv, err := metrics.Listen(":"+strconv.Itoa(rt.Node.MetricsPort), reg, services)
	if err != nil {
		return nil, fmt.Errorf("cluster: %s: metrics_port %d: %w", rt.Node.Name, rt.Node.MetricsPort, err)
	}
	return func() { srv.Close() }, nil
}

// nodeCounters are the metrics of a node: its packets and connections
// (a worker's or standalone node's), the records it sends (every node but
// a logger) or writes (a logger, the manager), and its transport.
func nodeCounters(rt *cnode.Runtime, live *node.Live) metrics.NodeCounters {
	var nc metrics.NodeCounters
	if t := rt.Node.Type; t == layout.Worker || t == layout.Standalone {
		nc.PacketsReceived = live.Packets.Load
		nc.BytesReceived = live.Bytes.Load
		nc.PacketsDropped = live.Dropped.Load
		nc.LinkPackets = live.Link.Load
		nc.ActiveConnections = live.Active
		nc.ActiveSessions = map[string]func() uint64{
			"tcp":  func() uint64 { return uint64(max(live.ActiveTCP.Load(), 0)) },
			"udp":  func() uint64 { return uint64(max(live.ActiveUDP.Load(), 0)) },
			"icmp": func() uint64 { return uint64(max(live.ActiveICMP.Load(), 0)) },
		}
		nc.NetworkTime = func() time.Time { return time.Unix(0, live.NetworkTime.Load()) }
		nc.PacketLag = func() time.Duration {
			if nt := live.NetworkTime.Load(); nt != 0 {
				return time.Since(time.Unix(0, nt))
			}
			return 0
		}
	}
	if s := rt.Sender; s != nil {
		nc.LogRecordsSent = func() uint64 { return s.Counters().Sent }
		nc.LogRecordsAcked = func() uint64 { return s.Counters().Acked }
		nc.LogRecordsSpooled = func() uint64 { return s.Counters().Spooled }
		nc.LogRecordsLost = func() uint64 { return s.Counters().Lost }
		nc.SpoolBytes = func() uint64 { return uint64(max(s.Counters().SpoolBytes, 0)) }
	}
	if lg := rt.Logger; lg != nil {
		nc.LogRecordsWritten = func() uint64 { return lg.Counters().Records }
	}
	if c := rt.Conn; c != nil {
		nc.TransportConnected = c.Connected
	}
	return nc
}
