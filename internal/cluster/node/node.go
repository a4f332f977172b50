package node

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/logship"
	"github.com/heron-nsm/heron/internal/cluster/proxy"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/frameworks/reporter"
	"github.com/heron-nsm/heron/internal/logging"
	hnode "github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Options says which node of which layout to run, and how.
type Options struct {
	// Layout is the cluster layout and Name the node to run.
	Layout *layout.Layout
	Name   string

	// Config is the analysis configuration, with the layout's and the
	// node's scripts and options applied (cmd/heron builds it as for a
	// standalone run). A worker analyses with it; its Log settings give
	// the format of the files a logger (or the manager) writes and of the
	// records every node ships.
	Config hnode.Config
	// Known configures the known_* tables a proxy serves; nil derives it
	// from the scripts Config loads, with Zeek's default options.
	Known *known.Config

	// Sources opens a worker's (or a standalone node's) packet sources:
	// one trace source for the entry's "read", the sockets of a fanout
	// group for its "interface". The node closes them.
	Sources func() ([]pktsrc.Source, error)

	// Hooks are the places where other features plug in.
	Hooks Hooks

	// Transport, Server, Sender and Logger tune the parts; nil gives their
	// defaults. Server is used by a manager that embeds the NATS server.
	Transport *transport.Options
	Server    *transport.ServerOptions
	Sender    *logship.SenderOptions
	Logger    *logship.LoggerOptions

	// Warn receives one-line warnings; nil prints them on standard error.
	Warn func(string)
	// Reporter raises the node's runtime messages (Runtime.Reporter); nil
	// gives the node its own, which prints through Warn. Messages raised
	// on it before the node's reporter.log opens are logged when it does.
	Reporter *reporter.Reporter
}

// Hooks are the seams where features built as libraries plug into a
// cluster node. Every field is optional. A hook that returns an error stops
// the node before it starts analysing or serving; the stop and done
// functions they return (nil allowed) run at shutdown, in reverse order of
// the hooks, before the node's logs are flushed.
type Hooks struct {
	// Start runs on every node once it is connected: the place of the
	// metrics endpoint (metrics_port, rt.Node.MetricsPort), which reads
	// rt's counters.
	Start func(rt *Runtime) (stop func(), err error)
	// Manager runs on the manager once its log writer runs: the place of
	// the cluster-wide notice suppressor's manager side and of
	// /services.json.
	Manager func(rt *Runtime) (stop func(), err error)
	// Proxy runs on a proxy before its pool server starts: tables other
	// than the known_* ones register here with srv.Handle.
	Proxy func(rt *Runtime, srv *proxy.Server) error
	// Worker runs on a worker (and a standalone node) before the analysis
	// starts and may change its configuration: the place of the known-*
	// forwarder (proxy.NewKnownForwarder over proxy.NewPool(rt.Conn)) and
	// of the notice suppressor's worker side. done runs after the
	// analysis ended and before the logs are flushed (a forwarder's
	// Drain).
	Worker func(rt *Runtime, cfg *hnode.Config) (done func(), err error)
}

// Runtime is what a running node offers its hooks.
type Runtime struct {
	// Layout is the layout and Node the node's entry in it.
	Layout *layout.Layout
	Node   *layout.Node
	// Conn is the node's connection (nil on a standalone node).
	Conn *transport.Conn
	// Sender ships the node's own log records (nil on a logger, which
	// writes logs instead, and on a standalone node).
	Sender *logship.Sender
	// Logger is the log writer of a logger, or of the manager while no
	// logger is live (nil on other nodes).
	Logger *logship.Logger
	// Log is the logging framework of the node's own records, shipped
	// through Sender (set on the manager and on proxies; a worker's lives
	// inside its analysis).
	Log *logging.Manager
	// Warn raises a one-line warning: Reporter.Warning, which prints it
	// (Options.Warn) and, while the node's logging framework has
	// reporter.log open, ships it as a Reporter::WARNING record.
	Warn func(string)
	// Reporter raises the node's runtime messages. It is attached to
	// reporter.log (base/frameworks/reporter) on the manager and proxies
	// while Log is open, and on a worker while its analysis runs.
	Reporter *reporter.Reporter
}

// Run runs node o.Name of o.Layout in its role until ctx ends or, for a
// worker or standalone node reading a trace, until the trace ends. The
// Result is the analysis' (zero for roles that analyse nothing).
func Run(ctx context.Context, o *Options) (hnode.Result, error) {
	if o.Layout == nil {
		return hnode.Result{}, errors.New("cluster: no layout")
	}
	n, err := o.Layout.Node(o.Name)
	if err != nil {
		return hnode.Result{}, err
	}
	switch n.Type {
	case layout.Manager:
		return hnode.Result{}, RunManager(ctx, o)
	case layout.Logger:
		return hnode.Result{}, RunLogger(ctx, o)
	case layout.Proxy:
		return hnode.Result{}, RunProxy(ctx, o)
	case layout.Worker:
		return RunWorker(ctx, o)
	case layout.Standalone:
		return RunStandalone(ctx, o)
	}
	return hnode.Result{}, fmt.Errorf("cluster: node %q: unknown type %q", o.Name, n.Type)
}

// warn returns the warning function of o.
func (o *Options) warn() func(string) {
	if o.Warn != nil {
		return o.Warn
	}
	return func(s string) { fmt.Fprintln(os.Stderr, s) }
}

// connect connects the node and returns its runtime.
func (o *Options) connect() (*Runtime, error) {
	n, err := o.Layout.Node(o.Name)
	if err != nil {
		return nil, err
	}
	topts := transport.Options{}
	if o.Transport != nil {
		topts = *o.Transport
	}
	if topts.Warn == nil {
		topts.Warn = o.warn()
	}
	c, err := transport.Connect(o.Layout, o.Name, &topts)
	if err != nil {
		return nil, fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	rt := o.newRuntime(n)
	rt.Conn = c
	return rt, nil
}

// newRuntime returns the runtime of node n, without connection, with its
// reporter: warnings print through o.Warn and, once attached, go to
// reporter.log.
func (o *Options) newRuntime(n *layout.Node) *Runtime {
	rep := o.Reporter
	if rep == nil {
		warn := o.warn()
		rep = reporter.New(&reporter.Options{Print: func(_ reporter.Level, msg string) { warn(msg) }})
	}
	return &Runtime{Layout: o.Layout, Node: n, Warn: rep.Warning, Reporter: rep}
}

// attachReporter sends rt's messages to reporter.log on m while the node
// runs, when base/frameworks/reporter is loaded; the stop detaches it
// before m closes.
func (o *Options) attachReporter(rt *Runtime, m *logging.Manager, stops *stack) error {
	if !o.Config.Loaded.ReporterLog {
		return nil
	}
	if err := rt.Reporter.Attach(m, nil); err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	stops.push(rt.Reporter.Detach)
	return nil
}

// newSender starts the shipper of the node's own logs.
func (o *Options) newSender(rt *Runtime) error {
	so := logship.SenderOptions{}
	if o.Sender != nil {
		so = *o.Sender
	}
	if so.Warn == nil {
		so.Warn = rt.Warn
	}
	s, err := logship.NewSender(rt.Conn, &so)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	rt.Sender = s
	return nil
}

// closeSender flushes and closes the node's Sender, saying so when records
// are left in the spool for the next start.
func (o *Options) closeSender(rt *Runtime) error {
	err := rt.Sender.Close()
	if c := rt.Sender.Counters(); c.SpoolBytes > 0 {
		rt.Warn(fmt.Sprintf("cluster: %s: %d bytes of log records could not be sent; they wait in the spool for the next start", o.Name, c.SpoolBytes))
	}
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	return nil
}

// stack holds the shutdown functions of a node, run last first.
type stack []func()

func (s *stack) push(f func()) {
	if f != nil {
		*s = append(*s, f)
	}
}

func (s *stack) run() {
	for i := len(*s) - 1; i >= 0; i-- {
		(*s)[i]()
	}
	*s = nil
}

// startHook runs a hook that returns a stop function, pushing it.
func startHook(h func(*Runtime) (func(), error), rt *Runtime, s *stack) error {
	if h == nil {
		return nil
	}
	stop, err := h(rt)
	if err != nil {
		return err
	}
	s.push(stop)
	return nil
}
