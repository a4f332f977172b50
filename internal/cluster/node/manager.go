package node

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/logship"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/zeek"
)

// ClusterLogPath is the path of cluster.log (Zeek's Cluster::LOG).
const ClusterLogPath = "cluster"

// ClusterInfo is a cluster.log record (Zeek's Cluster::Info in
// base/frameworks/cluster/main.zeek).
type ClusterInfo struct {
	// TS is when the message was made (wall-clock time on the manager,
	// which reads no packets).
	TS zeek.Time `zeek:"ts"`
	// Node is the node that wrote the message.
	Node string `zeek:"node"`
	// Message says what happened: "got hello from NAME (ID)" when a node
	// comes up, "node down: NAME" when it goes away.
	Message string `zeek:"message"`
}

// RunManager runs the manager: the embedded NATS server when the layout
// has nats.embedded (JetStream under <spool_dir>/<node>/jetstream), the log
// stream, the log writer that writes every path while no logger is live,
// and cluster.log from the nodes going up and down, until ctx ends.
func RunManager(ctx context.Context, o *Options) (err error) {
	var stops stack
	defer stops.run()
	topts := transport.Options{}
	if o.Transport != nil {
		topts = *o.Transport
	}
	if o.Layout.NATS.Embedded != nil && len(o.Layout.NATS.Servers) == 0 {
		srv, err := transport.RunEmbedded(o.Layout, o.Server)
		if err != nil {
			return fmt.Errorf("cluster: %s: %w", o.Name, err)
		}
		stops.push(srv.Shutdown)
		if len(topts.URLs) == 0 {
			topts.URLs = []string{srv.ClientURL()}
		}
	}
	oo := *o
	oo.Transport = &topts
	rt, err := oo.connect()
	if err != nil {
		return err
	}
	stops.push(func() { rt.Conn.Close() })

	// The stream exists before the workers' first batches, so they need
	// not spool; a later failure is retried by the log writer.
	var so *logship.StreamOptions
	if o.Logger != nil {
		so = o.Logger.Stream
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := logship.EnsureStream(sctx, rt.Conn, so); err != nil && ctx.Err() == nil {
		rt.Warn(fmt.Sprintf("cluster: %s: %v; the log writer retries", o.Name, err))
	}
	cancel()

	// The writer of the logs while no logger is live; it stops last, after
	// the manager's own records went out.
	lo, live, archive := o.loggerOptions(rt)
	lg, err := logship.NewLogger(rt.Conn, lo)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	rt.Logger = lg
	if err := o.startHousekeeping(ctx, rt, live, archive, &stops); err != nil {
		return err
	}
	lctx, lcancel := context.WithCancel(context.Background())
	lerr := make(chan error, 1)
	go func() { lerr <- lg.Run(lctx) }()
	stops.push(func() {
		lcancel()
		if e := <-lerr; e != nil && err == nil {
			err = fmt.Errorf("cluster: %s: %w", o.Name, e)
		}
	})

	if err := o.newSender(rt); err != nil {
		return err
	}
	stops.push(func() {
		if cerr := o.closeSender(rt); cerr != nil && err == nil {
			err = cerr
		}
		// Give the writer a moment to take the last batches when it is
		// the manager that writes them.
		if len(rt.Conn.Live("logger")) == 0 {
			time.Sleep(500 * time.Millisecond)
		}
	})
	lcfg := o.Config.Log
	lcfg.NewWriter = rt.Sender.NewWriter
	m, err := logging.NewManager(lcfg)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	stops.push(func() {
		if cerr := m.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cluster: %s: %w", o.Name, cerr)
		}
	})
	rt.Log = m
	if err := o.attachReporter(rt, m, &stops); err != nil {
		return err
	}
	clog, err := logging.NewStream[ClusterInfo](m, ClusterLogPath, logging.WithID("Cluster::LOG"))
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	w, err := newClusterWatch(rt, clog)
	if err != nil {
		return err
	}
	stops.push(w.stop)

	if err := startHook(o.Hooks.Start, rt, &stops); err != nil {
		return err
	}
	if err := startHook(o.Hooks.Manager, rt, &stops); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// clusterWatch writes cluster.log from the liveness events of the
// manager's connection. Zeek logs "got hello from NAME (ID)", ID being
// the node's endpoint id; Heron's id of a node run is
// "heron_<name>_<host>_<boot>", boot being the start time its heartbeats
// carry, so a restarted node has a new id.
type clusterWatch struct {
	rt     *Runtime
	log    *logging.Stream[ClusterInfo]
	sub    *transport.Subscription
	remove func()

	mu    sync.Mutex
	boots map[string]int64 // node → boot of its latest heartbeat
	up    map[string]bool  // nodes logged up and not down since
}

func newClusterWatch(rt *Runtime, log *logging.Stream[ClusterInfo]) (*clusterWatch, error) {
	w := &clusterWatch{rt: rt, log: log, boots: map[string]int64{}, up: map[string]bool{}}
	sub, err := rt.Conn.Subscribe(transport.PrefixHeartbeat+".*", w.heartbeat)
	if err != nil {
		return nil, fmt.Errorf("cluster: %s: %w", rt.Node.Name, err)
	}
	w.sub = sub
	w.remove = rt.Conn.OnChange(w.event)
	// Nodes that came up before the watch began are up all the same.
	for _, n := range rt.Conn.Live("") {
		w.event(transport.Event{Node: n, Role: rt.Layout.Nodes[n].Type, Up: true})
	}
	return w, nil
}

// heartbeat remembers the boot time of a node's latest heartbeat.
func (w *clusterWatch) heartbeat(m *transport.Msg) {
	var hb transport.Heartbeat
	if json.Unmarshal(m.Data, &hb) != nil || hb.Node == "" || hb.Node != m.From {
		return
	}
	w.mu.Lock()
	w.boots[hb.Node] = hb.Boot
	w.mu.Unlock()
}

// event logs a node going up or down.
func (w *clusterWatch) event(e transport.Event) {
	if e.Node == w.rt.Node.Name || w.rt.Layout.Nodes[e.Node] == nil {
		return // the manager itself, or a stranger
	}
	w.mu.Lock()
	seen := w.up[e.Node]
	w.up[e.Node] = e.Up
	w.mu.Unlock()
	if seen == e.Up && !e.Restarted {
		return // already told
	}
	msg := "node down: " + e.Node
	if e.Up {
		msg = fmt.Sprintf("got hello from %s (%s)", e.Node, w.id(e.Node))
	}
	w.log.Write(&ClusterInfo{TS: zeek.Time(time.Now().UnixNano()), Node: w.rt.Node.Name, Message: msg})
}

// id returns the id of node's current run. The heartbeat that made the
// node live may still be on its way to w.heartbeat; wait for it a little.
func (w *clusterWatch) id(node string) string {
	host := "-"
	if n := w.rt.Layout.Nodes[node]; n != nil && n.Host != "" {
		host = n.Host
	}
	var boot int64
	for range 20 {
		w.mu.Lock()
		boot = w.boots[node]
		w.mu.Unlock()
		if boot != 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "heron_" + node + "_" + host + "_" + strconv.FormatInt(boot, 10)
}

func (w *clusterWatch) stop() {
	w.remove()
	w.sub.Unsubscribe()
}
