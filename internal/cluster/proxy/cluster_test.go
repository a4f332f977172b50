package proxy

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
)

// testLayout is a cluster with a manager, two proxies and two workers.
const testLayout = `{
  "version": 1,
  "cluster": "t",
  "nats": {"embedded": {"listen": "127.0.0.1:0"}},
  "nodes": {
    "manager":  {"type": "manager"},
    "proxy-1":  {"type": "proxy"},
    "proxy-2":  {"type": "proxy"},
    "proxy-3":  {"type": "proxy"},
    "worker-1": {"type": "worker", "read": "a.pcap"},
    "worker-2": {"type": "worker", "read": "a.pcap"}
  }
}`

// cluster is an embedded NATS server and the layout's nodes' connections.
type cluster struct {
	t   testing.TB
	l   *layout.Layout
	srv *transport.Server
	url string

	mu    sync.Mutex
	warns []string
}

// hb is the tests' heartbeat interval, and downAfter the silence after
// which a node is down. Ownership follows each node's view of the live
// proxies, so a proxy whose heartbeats arrive late looks dead and its
// keys move meanwhile (the limit docs/format/proxy.md states); on a
// loaded machine running every node in one process, 3 heartbeats (150
// ms) is too tight a margin, so the tests allow 20.
const (
	hb        = 50 * time.Millisecond
	downAfter = 20 * hb
)

func newCluster(t testing.TB) *cluster {
	t.Helper()
	l, err := layout.Parse([]byte(testLayout))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := transport.RunServer(l, "manager", &transport.ServerOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return &cluster{t: t, l: l, srv: srv, url: srv.ClientURL()}
}

func (c *cluster) warn(s string) {
	c.mu.Lock()
	c.warns = append(c.warns, s)
	c.mu.Unlock()
}

// connect connects node; the connection is closed at the end of the test
// unless the test closes it first.
func (c *cluster) connect(node string) *transport.Conn {
	c.t.Helper()
	conn, err := transport.Connect(c.l, node, &transport.Options{URLs: []string{c.url}, HeartbeatInterval: hb, DownAfter: downAfter, Warn: c.warn})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { conn.Close() })
	return conn
}

// waitLive waits until conn sees exactly the proxies want live.
func waitLive(t *testing.T, conn *transport.Conn, want ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := conn.Live(layout.Proxy)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s sees proxies %v, want %v", conn.Name(), got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// crash drops a node's connection without a goodbye, as a killed process
// does: the others see it down after the heartbeat timeout.
func crash(conn *transport.Conn) { conn.NATS().Close() }

func TestTop2(t *testing.T) {
	members := []string{"a", "b", "c", "d", "e"}
	for i := range 200 {
		key := fmt.Sprintf("key-%d", i)
		first, second := top2(key, members)
		if want := transport.HRW(key, members); first != want {
			t.Fatalf("%s: first %s, HRW %s", key, first, want)
		}
		rest := slices.DeleteFunc(slices.Clone(members), func(m string) bool { return m == first })
		if want := transport.HRW(key, rest); second != want {
			t.Fatalf("%s: second %s, HRW without the first %s", key, second, want)
		}
	}
	if f, s := top2("k", []string{"only"}); f != "only" || s != "" {
		t.Fatalf("one member: %q %q", f, s)
	}
	if f, s := top2("k", nil); f != "" || s != "" {
		t.Fatalf("no member: %q %q", f, s)
	}
}

func TestWireRejects(t *testing.T) {
	for _, b := range []string{`{`, `{"v":2,"table":"x"}`, `{"v":1}`} {
		if _, err := decodeRequest([]byte(b)); err == nil {
			t.Errorf("decodeRequest(%s) accepted", b)
		}
	}
	big := `{"v":1,"entries":[` + strings.Repeat(`{"table":"x","key":"k","ts":1,"created":1},`, maxBatch) + `{"table":"x","key":"k","ts":1,"created":1}]}`
	if _, err := decodeReplica([]byte(big)); err == nil {
		t.Error("oversized replica batch accepted")
	}
	if _, err := decodeReplicaReply([]byte(`{"v":1,"results":[]}`), 1); err == nil {
		t.Error("short replica reply accepted")
	}
}
