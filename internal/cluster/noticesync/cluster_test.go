package noticesync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/noticesync"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

const testLayout = `{
  "version": 1,
  "cluster": "nt",
  "nats": {"embedded": {"listen": "127.0.0.1:0"}},
  "nodes": {
    "manager":  {"type": "manager"},
    "worker-1": {"type": "worker", "read": "a.pcap"},
    "worker-2": {"type": "worker", "read": "a.pcap"}
  }
}`

var noteSig = notice.RegisterType("NoticeSyncTest::Signature")

// testCluster is an embedded NATS server, the manager's notice side
// writing real notice logs, and two workers with their notice frameworks.
type testCluster struct {
	t       *testing.T
	logDir  string
	lm      *logging.Manager
	manager *noticesync.Manager
	workers map[string]*noticesync.Node
	fws     map[string]*notice.Framework
	conns   map[string]*transport.Conn
	warns   []string
	mu      sync.Mutex
}

func newTestCluster(t *testing.T, opts *noticesync.Options, set func(*notice.Config)) *testCluster {
	t.Helper()
	l, err := layout.Parse([]byte(testLayout))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := transport.RunEmbedded(l, &transport.ServerOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	tc := &testCluster{t: t, logDir: t.TempDir(), workers: map[string]*noticesync.Node{},
		fws: map[string]*notice.Framework{}, conns: map[string]*transport.Conn{}}
	var o noticesync.Options
	if opts != nil {
		o = *opts
	}
	o.Warn = tc.warn
	topts := &transport.Options{URLs: []string{srv.ClientURL()}, HeartbeatInterval: 50 * time.Millisecond, Warn: func(string) {}}
	for _, name := range []string{"manager", "worker-1", "worker-2"} {
		c, err := transport.Connect(l, name, topts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		tc.conns[name] = c
	}
	lc := logging.DefaultConfig()
	lc.LogDir = tc.logDir
	if tc.lm, err = logging.NewManager(lc); err != nil {
		t.Fatal(err)
	}
	nl, al, err := notice.NewStreams(tc.lm)
	if err != nil {
		t.Fatal(err)
	}
	if tc.manager, err = noticesync.NewManager(tc.conns["manager"], notice.Writer(nl), notice.Writer(al), &o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.manager.Close() })
	for _, w := range []string{"worker-1", "worker-2"} {
		n, err := noticesync.NewNode(tc.conns[w], &o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close(context.Background()) })
		cfg := notice.DefaultConfig()
		cfg.Node = w
		cfg.Suppressor = n
		if set != nil {
			set(&cfg)
		}
		tc.workers[w] = n
		tc.fws[w] = notice.New(cfg, n.Log, n.Alarm)
	}
	// Wait until every subscription is in place (a round trip each).
	for _, c := range tc.conns {
		if err := c.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return tc
}

func (tc *testCluster) warn(s string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.warns = append(tc.warns, s)
}

// raise raises the test notice on a worker.
func (tc *testCluster) raise(worker string, ts zeek.Time, identifier, msg string) {
	n := notice.Info{Note: noteSig, TS: zeek.Some(ts), Msg: zeek.Some(msg)}
	if identifier != "" {
		n.Identifier = zeek.Some(identifier)
	}
	tc.fws[worker].Notice(ts, n)
}

// settle sends everything and waits until the manager has handled n
// notice records in all.
func (tc *testCluster) settle(n uint64) {
	tc.t.Helper()
	for _, w := range tc.workers {
		w.Flush()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := tc.manager.Stats()
		if s.NoticesReceived >= n {
			if s.NoticesReceived > n {
				tc.t.Fatalf("manager received %d notice records, want %d", s.NoticesReceived, n)
			}
			return
		}
		if time.Now().After(deadline) {
			tc.t.Fatalf("manager received %d notice records after 10 s, want %d (stats %+v)", s.NoticesReceived, n, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// flush sends what worker holds and waits until the server has it.
func (tc *testCluster) flush(worker string) {
	tc.t.Helper()
	tc.workers[worker].Flush()
	if err := tc.conns[worker].Flush(context.Background()); err != nil {
		tc.t.Fatal(err)
	}
}

// waitSuppressed waits until worker's table suppresses identifier at ts.
func (tc *testCluster) waitSuppressed(worker string, ts zeek.Time, identifier string) {
	tc.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !tc.workers[worker].Suppressed(ts, noteSig, identifier) {
		if time.Now().After(deadline) {
			tc.t.Fatalf("%s never heard of the suppression of %q", worker, identifier)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// messages closes the logs and returns log's msg and peer_descr columns,
// sorted.
func (tc *testCluster) messages(log string) []string {
	tc.t.Helper()
	if err := tc.lm.Close(); err != nil {
		tc.t.Fatal(err)
	}
	return readMsgs(tc.t, filepath.Join(tc.logDir, log+".log"))
}

func readMsgs(t *testing.T, file string) []string {
	t.Helper()
	l, err := zeeklog.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range l.Records {
		out = append(out, r["msg"]+"@"+r["peer_descr"])
	}
	slices.Sort(out)
	return out
}

const t0 = zeek.Time(1_700_000_000 * zeek.Second)

func TestOneNoticePerSuppressionInterval(t *testing.T) {
	tc := newTestCluster(t, nil, nil)
	hour := zeek.Hour // Notice::default_suppression_interval

	// Worker 1 raises the notice; its suppression reaches worker 2
	// through the manager, so worker 2's identical notice a second
	// later is suppressed there and never sent.
	tc.raise("worker-1", t0, "sig-a", "a first")
	tc.waitSuppressed("worker-2", t0.Add(zeek.Second), "sig-a")
	tc.raise("worker-2", t0.Add(zeek.Second), "sig-a", "a suppressed")

	// Both workers raise the same notice before either hears of the
	// other: both send it, the manager writes one.
	tc.raise("worker-1", t0.Add(2*zeek.Second), "sig-b", "b")
	tc.raise("worker-2", t0.Add(2*zeek.Second), "sig-b", "b")

	// After the suppression interval the notice is logged again, once.
	later := t0.Add(hour + 10*zeek.Second)
	tc.raise("worker-2", later, "sig-a", "a again")
	tc.flush("worker-2") // its record reaches the manager first
	tc.raise("worker-1", later.Add(zeek.Second), "sig-a", "a again suppressed")

	// Notices without an identifier are never suppressed.
	tc.raise("worker-1", t0.Add(3*zeek.Second), "", "plain")
	tc.raise("worker-2", t0.Add(3*zeek.Second), "", "plain")

	// Worker 1 and 2 each sent: a, b, b, a-again or not, plain, plain.
	// Wait for what reached the manager, then check what it wrote.
	sent := tc.workers["worker-1"].Stats().NoticesSent + tc.workers["worker-2"].Stats().NoticesSent
	tc.settle(sent)
	got := tc.messages("notice")
	want := []string{"a again@worker-2", "a first@worker-1", "b@worker-1", "plain@worker-1", "plain@worker-2"}
	// Either worker's "b" may win the race.
	for i, g := range got {
		if g == "b@worker-2" {
			got[i] = "b@worker-1"
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("notice.log has %q, want %q (manager %+v)", got, want, tc.manager.Stats())
	}
	ms := tc.manager.Stats()
	w1, w2 := tc.workers["worker-1"].Stats(), tc.workers["worker-2"].Stats()
	if w1.SuppressionsReceived == 0 || w2.SuppressionsReceived == 0 {
		t.Errorf("workers applied %d and %d broadcast suppressions, want some each", w1.SuppressionsReceived, w2.SuppressionsReceived)
	}
	if ms.Written != 5 || ms.Bad != 0 || ms.Lost != 0 {
		t.Errorf("manager stats %+v", ms)
	}
	if ms.Written+ms.Duplicates != sent {
		t.Errorf("manager wrote %d and dropped %d of %d records", ms.Written, ms.Duplicates, sent)
	}
	if len(tc.warns) != 0 {
		t.Errorf("warnings: %q", tc.warns)
	}
}

func TestBatchesAndAlarms(t *testing.T) {
	tc := newTestCluster(t, &noticesync.Options{BatchPeriod: 50 * time.Millisecond, BatchMax: 4}, func(c *notice.Config) {
		c.AlarmedTypes = []notice.Type{noteSig}
	})
	// Ten notices with different identifiers in a burst from worker 1,
	// with the alarm action: each gives a notice.log and a
	// notice_alarm.log record, and their suppressions travel in batches.
	for i := range 10 {
		n := notice.Info{Note: noteSig, TS: zeek.Some(t0), Msg: zeek.Some(fmt.Sprint("burst ", i)), Identifier: zeek.Some(fmt.Sprint("id", i))}
		tc.fws["worker-1"].Notice(t0, n)
		tc.fws["worker-1"].Notice(t0, n) // suppressed locally
	}
	for i := range 10 {
		tc.waitSuppressed("worker-2", t0, fmt.Sprint("id", i))
	}
	tc.settle(20)
	alarms := tc.messages("notice_alarm")
	notices := readMsgs(t, filepath.Join(tc.logDir, "notice.log"))
	for _, got := range [][]string{notices, alarms} {
		if len(got) != 10 || !strings.HasPrefix(got[0], "burst 0@worker-1") {
			t.Fatalf("logs: %q", got)
		}
	}
	w1 := tc.workers["worker-1"].Stats()
	if w1.SuppressionsSent != 10 || w1.NoticesSent != 20 || w1.Pending != 0 {
		t.Fatalf("worker-1 stats %+v", w1)
	}
	if w2 := tc.workers["worker-2"].Stats(); w2.SuppressionsReceived != 10 {
		t.Fatalf("worker-2 applied %d suppressions, want 10", w2.SuppressionsReceived)
	}
}

func TestOutageKeepsMessages(t *testing.T) {
	l, err := layout.Parse([]byte(testLayout))
	if err != nil {
		t.Fatal(err)
	}
	store := t.TempDir()
	srv, err := transport.RunEmbedded(l, &transport.ServerOptions{Listen: "127.0.0.1:0", StoreDir: store})
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	topts := &transport.Options{URLs: []string{srv.ClientURL()}, HeartbeatInterval: 50 * time.Millisecond,
		ReconnectWait: 20 * time.Millisecond, Warn: func(string) {}}
	conns := map[string]*transport.Conn{}
	for _, name := range []string{"manager", "worker-1"} {
		c, err := transport.Connect(l, name, topts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[name] = c
	}
	var mu sync.Mutex
	var written []string
	nm, err := noticesync.NewManager(conns["manager"], func(n *notice.Info) {
		mu.Lock()
		written = append(written, n.Msg.V)
		mu.Unlock()
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nm.Close()
	var warns []string
	node, err := noticesync.NewNode(conns["worker-1"], &noticesync.Options{BatchPeriod: -1, MaxPending: 3,
		RetryEvery: time.Hour, Warn: func(s string) { warns = append(warns, s) }})
	if err != nil {
		t.Fatal(err)
	}
	cfg := notice.DefaultConfig()
	cfg.Suppressor = node
	fw := notice.New(cfg, node.Log, node.Alarm)
	if err := conns["manager"].Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	srv.Shutdown()
	waitConnected(t, conns["worker-1"], false)
	// Two notices: two records and two suppressions, one more than the
	// node keeps.
	for i := range 2 {
		fw.Notice(t0, notice.Info{Note: noteSig, TS: zeek.Some(t0), Msg: zeek.Some(fmt.Sprint("during outage ", i)),
			Identifier: zeek.Some(fmt.Sprint(i))})
	}
	if s := node.Stats(); s.Pending != 3 || s.Lost != 1 || len(warns) != 1 {
		t.Fatalf("during the outage: %+v, warnings %q", s, warns)
	}

	srv, err = transport.RunEmbedded(l, &transport.ServerOptions{Listen: addr, StoreDir: store})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	waitConnected(t, conns["manager"], true)
	waitConnected(t, conns["worker-1"], true)
	if err := conns["manager"].Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	node.Flush()
	deadline := time.Now().Add(10 * time.Second)
	for nm.Stats().NoticesReceived < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("manager %+v after the outage", nm.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(written, []string{"during outage 0", "during outage 1"}) {
		t.Fatalf("written %q", written)
	}
	if s := node.Stats(); s.Pending != 0 || s.Lost != 1 || s.NoticesSent != 2 {
		t.Fatalf("after the outage: %+v", s)
	}
	if err := node.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func waitConnected(t *testing.T, c *transport.Conn, want bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Connected() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: connected is not %v after 10 s", c.Name(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
