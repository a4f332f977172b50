package transport_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/cluster/transport/natstest"
)

func TestMain(m *testing.M) {
	natstest.Child()
	os.Exit(m.Run())
}

// fast are liveness settings that keep the tests short.
var fast = transport.Options{
	HeartbeatInterval: 100 * time.Millisecond,
	DownAfter:         400 * time.Millisecond,
	Warn:              func(string) {},
}

func TestToken(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"conn", "conn"},
		{"worker-1", "worker-1"},
		{"known_hosts", "known_hosts"},
		{"worker.1", "worker~2e1"},
		{"/var/log/x y", "~2fvar~2flog~2fx~20y"},
		{"a~b", "a~7eb"},
		{"*", "~2a"},
		{"", "~"},
	} {
		got := transport.Token(c.in)
		if got != c.want {
			t.Errorf("Token(%q) = %q, want %q", c.in, got, c.want)
		}
		back, ok := transport.Untoken(got)
		if !ok || back != c.in {
			t.Errorf("Untoken(%q) = %q, %v", got, back, ok)
		}
	}
	for _, bad := range []string{"a.b", "~2", "~zz", "a*", "~2E", "~70", "a~2d"} {
		if _, ok := transport.Untoken(bad); ok {
			t.Errorf("Untoken(%q) accepted", bad)
		}
	}
	if got := transport.To("proxy.1", "known.hosts"); got != "to.proxy~2e1.known.hosts" {
		t.Errorf("To = %q", got)
	}
	if got := transport.LogSubject("conn", "worker-1"); got != "log.conn.worker-1" {
		t.Errorf("LogSubject = %q", got)
	}
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"conn", "worker.1", "", "~", "a~7eb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := transport.Token(s)
		if strings.ContainsAny(tok, ".*> \t\r\n") {
			t.Fatalf("Token(%q) = %q is not one subject token", s, tok)
		}
		back, ok := transport.Untoken(tok)
		if !ok || back != s {
			t.Fatalf("Untoken(Token(%q)) = %q, %v", s, back, ok)
		}
		if u, ok := transport.Untoken(s); ok && transport.Token(u) != s {
			t.Fatalf("Token(Untoken(%q)) = %q", s, transport.Token(u))
		}
	})
}

func TestHRW(t *testing.T) {
	// Pinned values, computed independently from the formula in
	// docs/format/transport.md: other implementations must agree.
	for _, c := range []struct {
		key, member string
		want        uint64
	}{
		{"conn", "logger-1", 0x244a87f8775a0cb8},
		{"conn", "logger-2", 0xaa1710a0472c7381},
		{"dns", "logger-1", 0x367ccf9ef14464e0},
		{"", "", 0x25fc6dd36ce04b20},
		{"known_hosts", "proxy-1", 0x23b072efd32551ff},
	} {
		if got := transport.Score(c.key, c.member); got != c.want {
			t.Errorf("Score(%q, %q) = %#x, want %#x", c.key, c.member, got, c.want)
		}
	}
	if got := transport.HRW("conn", []string{"logger-1", "logger-2"}); got != "logger-2" {
		t.Errorf("HRW(conn) = %s", got)
	}
	members := []string{"logger-1", "logger-2", "logger-3", "logger-4"}
	if transport.HRW("conn", nil) != "" {
		t.Error("HRW of no members")
	}
	counts := map[string]int{}
	keys := 4000
	owner := map[string]string{}
	for i := 0; i < keys; i++ {
		k := fmt.Sprintf("key-%d", i)
		o := transport.HRW(k, members)
		owner[k] = o
		counts[o]++
		// The order of the members does not matter.
		rev := slices.Clone(members)
		slices.Reverse(rev)
		if transport.HRW(k, rev) != o {
			t.Fatalf("HRW(%s) depends on member order", k)
		}
	}
	for _, m := range members {
		if counts[m] < keys/4-keys/10 || counts[m] > keys/4+keys/10 {
			t.Errorf("member %s owns %d of %d keys: %v", m, counts[m], keys, counts)
		}
	}
	// When a member leaves, only its keys move.
	rest := []string{"logger-1", "logger-2", "logger-4"}
	moved := 0
	for k, o := range owner {
		n := transport.HRW(k, rest)
		if o != "logger-3" && n != o {
			t.Fatalf("key %s moved from %s to %s although %s stayed", k, o, n, o)
		}
		if o == "logger-3" {
			moved++
		}
	}
	if moved != counts["logger-3"] {
		t.Errorf("moved %d, want %d", moved, counts["logger-3"])
	}
}

// embeddedLayout returns a layout of a manager, a logger, a proxy and
// two workers with an embedded server on a free port, and extra JSON for
// the nats section and the nodes.
func embeddedLayout(t *testing.T, dir, natsExtra string, nodeExtra map[string]string) *layout.Layout {
	t.Helper()
	port := natstest.FreePort(t)
	node := func(name, typ, more string) string {
		s := fmt.Sprintf(`%q: {"type": %q`, name, typ)
		if typ == "worker" {
			s += `, "read": "x.pcap"`
		}
		if e := nodeExtra[name]; e != "" {
			s += ", " + e
		}
		return s + more + "}"
	}
	text := fmt.Sprintf(`{
  "version": 1, "cluster": "tc", "spool_dir": %s, "log_dir": %s,
  "nats": {"embedded": {"listen": "127.0.0.1:%d"}%s},
  "nodes": {%s, %s, %s, %s, %s}
}`, natstest.Quote(filepath.Join(dir, "spool")), natstest.Quote(filepath.Join(dir, "logs")), port, natsExtra,
		node("manager", "manager", ""), node("logger-1", "logger", ""), node("proxy-1", "proxy", ""),
		node("worker-1", "worker", ""), node("worker-2", "worker", ""))
	return natstest.ParseLayout(t, dir, text)
}

func connect(t *testing.T, l *layout.Layout, node string) *transport.Conn {
	t.Helper()
	o := fast
	c, err := transport.Connect(l, node, &o)
	if err != nil {
		t.Fatalf("connect %s: %v", node, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPubSubAndLiveness(t *testing.T) {
	dir := t.TempDir()
	l := embeddedLayout(t, dir, "", nil)
	srv, err := transport.RunEmbedded(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	if _, err := os.Stat(filepath.Join(dir, "spool", "manager", "jetstream")); err != nil {
		t.Errorf("JetStream store: %v", err)
	}
	mgr := connect(t, l, "manager")
	var mu sync.Mutex
	var events []string
	mgr.OnChange(func(e transport.Event) {
		mu.Lock()
		events = append(events, fmt.Sprintf("%s:%v", e.Node, e.Up))
		mu.Unlock()
	})
	got := make(chan *transport.Msg, 10)
	if _, err := mgr.Subscribe("node.*.notice", func(m *transport.Msg) { got <- m }); err != nil {
		t.Fatal(err)
	}
	w1 := connect(t, l, "worker-1")
	w2 := connect(t, l, "worker-2")
	lg := connect(t, l, "logger-1")
	waitFor(t, "every node live", 3*time.Second, func() bool {
		return len(mgr.Live("")) == 4 && len(w1.Live(layout.Worker)) == 2 && lg.IsLive("manager")
	})
	select {
	case <-w1.Settled():
	case <-time.After(2 * time.Second):
		t.Fatal("not settled")
	}
	if err := mgr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := w1.Publish(w1.Own("notice"), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Subject != "node.worker-1.notice" || m.From != "worker-1" || string(m.Data) != "hello" {
			t.Errorf("got %+v", m)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no message")
	}
	// Requests and replies.
	if _, err := lg.Subscribe(transport.To("logger-1", "ping"), func(m *transport.Msg) {
		m.Respond(append([]byte("pong:"), m.Data...))
	}); err != nil {
		t.Fatal(err)
	}
	lg.Flush(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := w2.Request(ctx, transport.To("logger-1", "ping"), []byte("x"))
	if err != nil || string(r.Data) != "pong:x" {
		t.Fatalf("request: %v %v", err, r)
	}
	// Owner agrees everywhere.
	for _, k := range []string{"conn", "dns", "http"} {
		o1, ok1 := w1.Owner(k, layout.Worker)
		o2, ok2 := mgr.Owner(k, layout.Worker)
		if !ok1 || !ok2 || o1 != o2 || o1 != transport.HRW(k, []string{"worker-1", "worker-2"}) {
			t.Errorf("owner of %s: %s/%s", k, o1, o2)
		}
	}
	// A goodbye is seen at once; silence after DownAfter.
	w2.Close()
	waitFor(t, "worker-2 down after goodbye", 200*time.Millisecond, func() bool { return !mgr.IsLive("worker-2") })
	w1.NATS().Close() // gone without a goodbye
	start := time.Now()
	waitFor(t, "worker-1 down after silence", 2*time.Second, func() bool { return !mgr.IsLive("worker-1") })
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("worker-1 down after %v, before DownAfter", d)
	}
	time.Sleep(150 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"worker-1:true", "worker-2:true", "worker-2:false", "worker-1:false", "logger-1:true"} {
		if !slices.Contains(events, want) {
			t.Errorf("events %v lack %s", events, want)
		}
	}
}

func TestConnectBeforeServer(t *testing.T) {
	dir := t.TempDir()
	l := embeddedLayout(t, dir, "", nil)
	w := connect(t, l, "worker-1")
	if w.Connected() {
		t.Fatal("connected without a server")
	}
	if err := w.Publish(w.Own("x"), nil); !errors.Is(err, transport.ErrNotConnected) {
		t.Errorf("publish while disconnected: %v", err)
	}
	srv, err := transport.RunEmbedded(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	waitFor(t, "reconnection", 3*time.Second, w.Connected)
	waitFor(t, "own heartbeat", 2*time.Second, func() bool { return w.IsLive("worker-1") })
}

func TestSecurity(t *testing.T) {
	dir := t.TempDir()
	ca := natstest.NewCA(t, dir)
	creds := map[string]string{}
	for _, n := range []string{"manager", "logger-1", "proxy-1", "worker-1", "worker-2"} {
		cert, key := ca.Issue(t, n)
		creds[n] = fmt.Sprintf(`"user": %q, "password": "pw-%s", "tls": {"cert": %s, "key": %s}`,
			n, n, natstest.Quote(filepath.Base(cert)), natstest.Quote(filepath.Base(key)))
	}
	l := embeddedLayout(t, dir, `, "tls": {"ca": "ca.pem"}`, creds)
	srv, err := transport.RunEmbedded(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	mgr := connect(t, l, "manager")
	var mu sync.Mutex
	var seen []string
	if _, err := mgr.Subscribe(">", func(m *transport.Msg) {
		if !strings.HasPrefix(m.Subject, "hb.") {
			mu.Lock()
			seen = append(seen, m.Subject)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	mgr.Flush(context.Background())

	var warned []string
	var wmu sync.Mutex
	o := fast
	o.Warn = func(s string) { wmu.Lock(); warned = append(warned, s); wmu.Unlock() }
	w1, err := transport.Connect(l, "worker-1", &o)
	if err != nil {
		t.Fatalf("worker-1 with good credentials: %v", err)
	}
	defer w1.Close()
	waitFor(t, "worker-1 live", 2*time.Second, func() bool { return mgr.IsLive("worker-1") })

	// Allowed: its own subjects and a message to the manager.
	w1.Publish(w1.Own("notice"), []byte("ok"))
	w1.Publish(transport.To("manager", "hello"), []byte("ok"))
	// Denied: the manager's broadcasts, another node's subjects, a
	// message to another worker.
	w1.Publish("manager.config", []byte("bad"))
	w1.Publish("node.worker-2.notice", []byte("bad"))
	w1.Publish(transport.HeartbeatSubject("worker-2"), []byte("bad"))
	w1.Publish(transport.To("worker-2", "x"), []byte("bad"))
	w1.Flush(context.Background())
	waitFor(t, "permission violations", 2*time.Second, func() bool {
		n, _ := w1.PermissionErrors()
		return n >= 4
	})
	mgr.Flush(context.Background())
	time.Sleep(50 * time.Millisecond)
	n, last := w1.PermissionErrors()
	if last == nil || !strings.Contains(strings.ToLower(last.Error()), "permissions violation") {
		t.Errorf("last permission error: %v", last)
	}
	mu.Lock()
	slices.Sort(seen)
	if strings.Join(seen, " ") != "node.worker-1.notice to.manager.hello" {
		t.Errorf("manager saw %v (worker-1 had %d violations)", seen, n)
	}
	mu.Unlock()
	wmu.Lock()
	if len(warned) == 0 {
		t.Error("no warning for the violations")
	}
	wmu.Unlock()

	// A wrong password is refused at once.
	bad := *l
	bad.Nodes = map[string]*layout.Node{}
	for k, v := range l.Nodes {
		nv := *v
		bad.Nodes[k] = &nv
	}
	bad.Nodes["worker-2"].Password = "wrong"
	start := time.Now()
	if c, err := transport.Connect(&bad, "worker-2", &fast); err == nil {
		c.Close()
		t.Error("wrong password accepted")
	} else if !strings.Contains(err.Error(), "refused") {
		t.Errorf("wrong password: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("refusal took %v", time.Since(start))
	}

	// A certificate from another CA is refused.
	other := natstest.NewCA(t, t.TempDir())
	cert, key := other.Issue(t, "worker-2")
	bad.Nodes["worker-2"].Password = "pw-worker-2"
	bad.Nodes["worker-2"].TLS = &layout.TLS{Cert: cert, Key: key}
	if c, err := transport.Connect(&bad, "worker-2", &fast); err == nil {
		c.Close()
		t.Error("foreign certificate accepted")
	}

	// Without TLS the server is not reachable.
	plain := bad
	plain.NATS.TLS = nil
	for k, v := range bad.Nodes {
		nv := *v
		nv.TLS = nil
		plain.Nodes[k] = &nv
	}
	if c, err := transport.Connect(&plain, "worker-2", &fast); err == nil {
		if c.Connected() {
			t.Error("plain connection accepted by a TLS server")
		}
		c.Close()
	}
}

func TestPermissionsTable(t *testing.T) {
	l := embeddedLayout(t, t.TempDir(), "", nil)
	if transport.Permissions(l, "manager") != nil {
		t.Error("the manager is restricted")
	}
	w := transport.Permissions(l, "worker-1")
	want := []string{"tc.hb.worker-1", "tc.log.*.worker-1", "tc.node.worker-1.>", "tc.to.logger-1.>", "tc.to.manager.>", "tc.to.proxy-1.>"}
	if !slices.Equal(w.Publish.Allow, want) {
		t.Errorf("worker publish %v, want %v", w.Publish.Allow, want)
	}
	lg := transport.Permissions(l, "logger-1")
	if !slices.Contains(lg.Publish.Allow, "$JS.API.CONSUMER.MSG.NEXT.tc_logs.>") || !slices.Contains(lg.Subscribe.Allow, "_INBOX.tc.logger-1.>") {
		t.Errorf("logger permissions %v %v", lg.Publish.Allow, lg.Subscribe.Allow)
	}
	if slices.Contains(w.Publish.Allow, "$JS.API.STREAM.PURGE.tc_logs") {
		t.Error("a worker may purge the log stream")
	}
}
