package transport_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/cluster/transport/natstest"
)

// TestLivenessTiming pins when other nodes see a node up and down: up
// at its first heartbeat (sent at once on connection), down between
// DownAfter and DownAfter plus a check interval after its last beat, at
// once on a goodbye, and a node that restarts within DownAfter is
// reported restarted.
func TestLivenessTiming(t *testing.T) {
	dir := t.TempDir()
	l := embeddedLayout(t, dir, "", nil)
	srv, err := transport.RunEmbedded(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	mgr := connect(t, l, "manager")
	var mu sync.Mutex
	var events []transport.Event
	var at []time.Time
	mgr.OnChange(func(e transport.Event) {
		mu.Lock()
		events = append(events, e)
		at = append(at, time.Now())
		mu.Unlock()
	})
	last := func() (transport.Event, time.Time, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(events) == 0 {
			return transport.Event{}, time.Time{}, 0
		}
		return events[len(events)-1], at[len(at)-1], len(events)
	}
	waitFor(t, "manager live to itself", 2*time.Second, func() bool { return mgr.IsLive("manager") })
	time.Sleep(50 * time.Millisecond)
	_, _, n0 := last()

	// Up: the first heartbeat goes out on connection.
	start := time.Now()
	w := connect(t, l, "worker-1")
	waitFor(t, "worker-1 up", 2*time.Second, func() bool { e, _, n := last(); return n > n0 && e.Node == "worker-1" && e.Up })
	_, upAt, _ := last()
	// Slack for a busy machine: the connection itself takes time.
	if d := upAt.Sub(start); d > fast.HeartbeatInterval+150*time.Millisecond {
		t.Errorf("worker-1 seen up after %v, want within about one heartbeat interval (%v)", d, fast.HeartbeatInterval)
	}
	if got := mgr.Live(layout.Worker); len(got) != 1 || got[0] != "worker-1" {
		t.Errorf("live workers %v", got)
	}

	// Down after silence: between DownAfter-interval and
	// DownAfter+interval after the connection dies (the last beat was at
	// most one interval before).
	time.Sleep(250 * time.Millisecond)
	w.NATS().Close()
	gone := time.Now()
	waitFor(t, "worker-1 down", 3*time.Second, func() bool { e, _, _ := last(); return e.Node == "worker-1" && !e.Up })
	_, downAt, _ := last()
	d := downAt.Sub(gone)
	lo, hi := fast.DownAfter-fast.HeartbeatInterval, fast.DownAfter+fast.HeartbeatInterval+300*time.Millisecond
	if d < lo || d > hi {
		t.Errorf("worker-1 down %v after it went silent, want within [%v, %v]", d, lo, hi)
	}
	if mgr.IsLive("worker-1") || len(mgr.Live(layout.Worker)) != 0 {
		t.Error("worker-1 still live")
	}

	// A restart within DownAfter is an up event with Restarted.
	w2 := connect(t, l, "worker-2")
	waitFor(t, "worker-2 up", 2*time.Second, func() bool { return mgr.IsLive("worker-2") })
	w2.NATS().Close()
	w2b := connect(t, l, "worker-2")
	waitFor(t, "worker-2 restarted", 2*time.Second, func() bool {
		e, _, _ := last()
		return e.Node == "worker-2" && e.Up && e.Restarted
	})
	// A goodbye is seen at once.
	start = time.Now()
	w2b.Close()
	waitFor(t, "worker-2 down after goodbye", time.Second, func() bool { e, _, _ := last(); return e.Node == "worker-2" && !e.Up })
	if d := time.Since(start); d > fast.DownAfter/2 {
		t.Errorf("goodbye took %v, want well before DownAfter (%v)", d, fast.DownAfter)
	}
}

// TestExternalCluster runs the nodes against an external NATS cluster of
// three servers (each its own process): messages and heartbeats cross
// the routes, JetStream keeps three replicas, and a node whose server
// dies moves to another and stays live.
func TestExternalCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three NATS servers")
	}
	dir := t.TempDir()
	l := embeddedLayout(t, dir, "", nil)
	cl := natstest.StartCluster(t, l, dir, 3)
	l.NATS.Embedded = nil
	l.NATS.Servers = cl.URLs

	conn := func(node string, i int) *transport.Conn {
		o := fast
		// Slower than fast: three servers and their routes share two
		// busy cores with the test.
		o.HeartbeatInterval, o.DownAfter = 200*time.Millisecond, time.Second
		o.URLs = []string{cl.URLs[i]} // others are learnt from the server
		c, err := transport.Connect(l, node, &o)
		if err != nil {
			t.Fatalf("connect %s: %v", node, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	mgr := conn("manager", 0)
	w1 := conn("worker-1", 1)
	w2 := conn("worker-2", 2)
	got := make(chan *transport.Msg, 10)
	if _, err := mgr.Subscribe("node.*.notice", func(m *transport.Msg) { got <- m }); err != nil {
		t.Fatal(err)
	}
	mgr.Flush(context.Background())
	waitFor(t, "every node live everywhere", 5*time.Second, func() bool {
		return len(mgr.Live("")) == 3 && len(w1.Live("")) == 3 && len(w2.Live("")) == 3
	})
	// The subscription must have reached the other servers.
	waitFor(t, "message across the routes", 5*time.Second, func() bool {
		w2.Publish(w2.Own("notice"), []byte("x"))
		select {
		case m := <-got:
			return m.From == "worker-2"
		case <-time.After(100 * time.Millisecond):
			return false
		}
	})

	// JetStream with three replicas.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := mgr.JetStream()
	// The servers' JetStream meta group may still be electing its leader
	// or seeing its peers ("no suitable peers for placement"): retry
	// until the deadline, as a deployment's tooling would.
	var serr error
	for {
		if _, serr = js.CreateStream(ctx, streamCfg(l.Cluster)); serr == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if serr != nil {
		t.Fatalf("R3 stream: %v", serr)
	}
	if _, err := w1.JetStream().Publish(ctx, w1.Subject(transport.LogSubject("conn", "worker-1")), []byte("b")); err != nil {
		t.Fatalf("publish to R3 stream: %v", err)
	}
	st, err := js.Stream(ctx, transport.LogStreamName(l.Cluster))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Errorf("stream state %+v, cluster %+v", info.State, info.Cluster)
	}

	// worker-1's server dies: it moves to another and stays live.
	cl.Kill(1)
	waitFor(t, "worker-1 reconnected", 10*time.Second, w1.Connected)
	ok := func() bool { return mgr.IsLive("worker-1") && w2.IsLive("worker-1") && w1.IsLive("manager") }
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after failover: manager sees %v, worker-2 sees %v, worker-1 sees %v", mgr.Live(""), w2.Live(""), w1.Live(""))
		}
	}
	// The stream survives the loss of one replica (once it has a leader
	// again, if the dead server led it).
	for deadline := time.Now().Add(30 * time.Second); ; {
		pctx, pcancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := w2.JetStream().Publish(pctx, w2.Subject(transport.LogSubject("conn", "worker-2")), []byte("b"))
		pcancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("publish with a server down: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func streamCfg(cluster string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:     transport.LogStreamName(cluster),
		Subjects: []string{cluster + ".log.>"},
		Storage:  jetstream.FileStorage,
		Replicas: 3,
	}
}
