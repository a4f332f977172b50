package node

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/proxy"
	"github.com/heron-nsm/heron/internal/cluster/transport/natstest"
	hnode "github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/scripts"
)

// testLayout returns a layout of every role but standalone, with the
// embedded server on a free port, and a trace for the workers.
func testLayout(t *testing.T, flows int) (*layout.Layout, string) {
	t.Helper()
	dir := t.TempDir()
	trace := filepath.Join(dir, "flows.pcap")
	if err := os.WriteFile(trace, flowTrace(t, flows), 0o644); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(`{"version": 1, "cluster": "unit", "spool_dir": %s, "log_dir": %s,
	  "nats": {"embedded": {"listen": "127.0.0.1:%d"}},
	  "nodes": {
	    "manager":  {"type": "manager", "host": "127.0.0.1"},
	    "logger-1": {"type": "logger", "host": "127.0.0.1"},
	    "proxy-1":  {"type": "proxy", "host": "127.0.0.1"},
	    "worker-1": {"type": "worker", "host": "127.0.0.1", "read": %s, "shard": {"index": 0, "count": 2}},
	    "worker-2": {"type": "worker", "host": "127.0.0.1", "read": %s, "shard": {"index": 1, "count": 2}}}}`,
		natstest.Quote(filepath.Join(dir, "spool")), natstest.Quote(filepath.Join(dir, "logs")),
		natstest.FreePort(t), natstest.Quote(trace), natstest.Quote(trace))
	return natstest.ParseLayout(t, dir, text), trace
}

func testConfig(t *testing.T) hnode.Config {
	t.Helper()
	cfg := hnode.DefaultConfig()
	loaded, err := scripts.Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Loaded = hnode.FeaturesOf(loaded)
	cfg.Conn.Seed = 1
	return cfg
}

func traceSources(file string) func() ([]pktsrc.Source, error) {
	return func() ([]pktsrc.Source, error) {
		r, err := pcapfile.Open(file)
		if err != nil {
			return nil, err
		}
		return []pktsrc.Source{r}, nil
	}
}

func countLines(path, prefix string) int {
	b, _ := os.ReadFile(path)
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(l) > 0 && l[0] != '#' && bytes.HasPrefix(l, []byte(prefix)) {
			n++
		}
	}
	return n
}

// TestRoles runs every role in this process: the two workers' conn.log
// records reach the logger's file, each once; cluster.log tells the
// workers' hello and goodbye; every hook runs on its nodes with the
// node's runtime, and its stop function runs at shutdown.
func TestRoles(t *testing.T) {
	const flows = 50
	l, trace := testLayout(t, flows)
	var mu sync.Mutex
	calls := map[string]int{}
	note := func(what string, rt *Runtime) {
		mu.Lock()
		defer mu.Unlock()
		calls[what+" "+rt.Node.Name]++
		if rt.Conn == nil || rt.Layout != l {
			t.Errorf("%s hook of %s: runtime without connection or layout", what, rt.Node.Name)
		}
	}
	hooks := Hooks{
		Start: func(rt *Runtime) (func(), error) {
			note("start", rt)
			return func() { note("stop", rt) }, nil
		},
		Manager: func(rt *Runtime) (func(), error) {
			note("manager", rt)
			if rt.Logger == nil || rt.Sender == nil {
				t.Error("manager hook: no log writer or sender")
			}
			return nil, nil
		},
		Proxy: func(rt *Runtime, srv *proxy.Server) error {
			note("proxy", rt)
			return nil
		},
		Worker: func(rt *Runtime, cfg *hnode.Config) (func(), error) {
			note("worker", rt)
			if cfg.Log.NewWriter == nil {
				t.Error("worker hook: logs do not go to the sender")
			}
			return func() { note("worker-done", rt) }, nil
		},
	}
	opts := func(name string) *Options {
		return &Options{Layout: l, Name: name, Config: testConfig(t), Hooks: hooks, Sources: traceSources(trace),
			Warn: func(s string) { t.Logf("%s: %s", name, s) }}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	serve := func(name string, ctx context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Run(ctx, opts(name)); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	mctx, mcancel := context.WithCancel(ctx)
	serve("manager", mctx)
	time.Sleep(300 * time.Millisecond)
	sctx, scancel := context.WithCancel(ctx)
	serve("logger-1", sctx)
	serve("proxy-1", sctx)
	time.Sleep(1500 * time.Millisecond)
	var res [2]hnode.Result
	var ww sync.WaitGroup
	for i, w := range []string{"worker-1", "worker-2"} {
		ww.Add(1)
		go func() {
			defer ww.Done()
			r, err := Run(ctx, opts(w))
			if err != nil {
				errs <- fmt.Errorf("%s: %w", w, err)
			}
			res[i] = r
		}()
	}
	ww.Wait()
	if res[0].Packets+res[1].Packets != 3*flows || res[0].Packets == 0 || res[1].Packets == 0 {
		t.Errorf("the workers read %d and %d packets, want shares of %d", res[0].Packets, res[1].Packets, 3*flows)
	}
	connLog := filepath.Join(l.LogDir, "conn.log")
	deadline := time.Now().Add(30 * time.Second)
	for countLines(connLog, "") < flows && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := countLines(connLog, ""); n != flows {
		t.Errorf("conn.log holds %d records, want %d", n, flows)
	}
	scancel()
	time.Sleep(500 * time.Millisecond)
	mcancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	clog, _ := os.ReadFile(filepath.Join(l.LogDir, "cluster.log"))
	for _, want := range []string{
		"\tmanager\tgot hello from logger-1 (heron_logger-1_127.0.0.1_",
		"\tmanager\tgot hello from proxy-1 (",
		"\tmanager\tgot hello from worker-1 (heron_worker-1_127.0.0.1_",
		"\tmanager\tnode down: worker-1\n",
		"\tmanager\tgot hello from worker-2 (",
		"\tmanager\tnode down: worker-2\n",
		"#fields\tts\tnode\tmessage\n",
		"#types\ttime\tstring\tstring\n",
	} {
		if !strings.Contains(string(clog), want) {
			t.Errorf("cluster.log lacks %q:\n%s", want, clog)
		}
	}
	if n := strings.Count(string(clog), "got hello from worker-1 "); n != 1 {
		t.Errorf("cluster.log has %d hellos from worker-1, want 1", n)
	}
	want := map[string]int{
		"start manager": 1, "stop manager": 1, "manager manager": 1,
		"start logger-1": 1, "stop logger-1": 1,
		"start proxy-1": 1, "stop proxy-1": 1, "proxy proxy-1": 1,
		"start worker-1": 1, "stop worker-1": 1, "worker worker-1": 1, "worker-done worker-1": 1,
		"start worker-2": 1, "stop worker-2": 1, "worker worker-2": 1, "worker-done worker-2": 1,
	}
	mu.Lock()
	defer mu.Unlock()
	for k, n := range want {
		if calls[k] != n {
			t.Errorf("hook %q ran %d times, want %d", k, calls[k], n)
		}
	}
	for k := range calls {
		if _, ok := want[k]; !ok {
			t.Errorf("hook %q ran, unexpectedly", k)
		}
	}
}

// TestRunErrors: what cannot run says so in one line.
func TestRunErrors(t *testing.T) {
	l, _ := testLayout(t, 1)
	cases := []struct {
		name, node, want string
	}{
		{"unknown node", "worker-9", `has no node "worker-9" (it has logger-1, manager, proxy-1, worker-1, worker-2)`},
		{"worker without source", "worker-1", "cluster: worker worker-1: no packet source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), &Options{Layout: l, Name: c.node, Config: testConfig(t)})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Run = %v, want one line with %q", err, c.want)
			}
		})
	}
	if _, err := Run(context.Background(), &Options{Name: "x"}); err == nil {
		t.Error("Run without a layout succeeded")
	}
}

// TestStandalone: a standalone node writes its logs into the layout's
// log_dir, and stops early when its context ends.
func TestStandalone(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "flows.pcap")
	if err := os.WriteFile(trace, flowTrace(t, 20), 0o644); err != nil {
		t.Fatal(err)
	}
	l := natstest.ParseLayout(t, dir, fmt.Sprintf(`{"version": 1, "spool_dir": %s, "log_dir": %s,
	  "nodes": {"solo": {"type": "standalone", "read": %s}}}`,
		natstest.Quote(filepath.Join(dir, "spool")), natstest.Quote(filepath.Join(dir, "logs")), natstest.Quote(trace)))
	res, err := Run(context.Background(), &Options{Layout: l, Name: "solo", Config: testConfig(t), Sources: traceSources(trace)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != 60 {
		t.Errorf("read %d packets, want 60", res.Packets)
	}
	if n := countLines(filepath.Join(dir, "logs", "conn.log"), ""); n != 20 {
		t.Errorf("conn.log holds %d records, want 20", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	t.Setenv(ReplayDelayEnv, "1ms")
	res, err = Run(ctx, &Options{Layout: l, Name: "solo", Config: testConfig(t), Sources: traceSources(trace)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != 0 {
		t.Errorf("a node stopped before it began read %d packets", res.Packets)
	}
	t.Setenv(ReplayDelayEnv, "soon")
	if _, err := Run(context.Background(), &Options{Layout: l, Name: "solo", Config: testConfig(t), Sources: traceSources(trace)}); err == nil || !strings.Contains(err.Error(), ReplayDelayEnv) {
		t.Errorf("a bad %s gave %v", ReplayDelayEnv, err)
	}
}
