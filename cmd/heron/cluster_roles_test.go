package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

// clusterIgnored are the fields a cluster's logs may differ in from a
// standalone run's: times (a worker's clock runs on its share of the
// packets), the ids each run draws anew, and notice.log's peer_descr (the
// node that raised the notice; unset standalone).
func clusterIgnored(f string) bool {
	return f == "ts" || f == "duration" || f == "peer_descr" || uidFields[f]
}

// clusterRecords reads every log in dir as sorted lines of the fields a
// cluster must reproduce, by log name.
func clusterRecords(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, p := range paths {
		l, err := zeeklog.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, r := range l.Records {
			var b strings.Builder
			for _, f := range l.Fields {
				if !clusterIgnored(f) {
					b.WriteString(r[f])
					b.WriteByte('\t')
				}
			}
			rows = append(rows, b.String())
		}
		sort.Strings(rows)
		out[filepath.Base(p)] = rows
	}
	return out
}

// countRecords counts the record lines of a log file as it is being
// written (0 when it does not exist yet).
func countRecords(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) > 0 && line[0] != '#' {
			n++
		}
	}
	return n
}

// testCluster is a cluster of heron processes on this machine.
type testCluster struct {
	t      *testing.T
	bin    string
	dir    string
	layout string
	logs   string
	env    []string
	procs  map[string]*exec.Cmd
	starts map[string]int
}

// newTestCluster writes a layout with a manager (embedded NATS on a free
// port), one logger, one proxy and a worker for each half of trace.
func newTestCluster(t *testing.T, trace string, env ...string) *testCluster {
	t.Helper()
	return newTestClusterWith(t, trace, nil, env...)
}

// newTestClusterWith is newTestCluster with edit changing the layout (a
// JSON object; its "nodes" map holds each node's object) before it is
// written; edit may use c.dir.
func newTestClusterWith(t *testing.T, trace string, edit func(c *testCluster, l map[string]any), env ...string) *testCluster {
	t.Helper()
	bin := heronbin.Path(t)
	dir := t.TempDir()
	c := &testCluster{t: t, bin: bin, dir: dir, layout: filepath.Join(dir, "cluster-layout.json"),
		logs: filepath.Join(dir, "logs"), env: env, procs: map[string]*exec.Cmd{}, starts: map[string]int{}}
	l := map[string]any{
		"version":   1,
		"cluster":   "test",
		"spool_dir": filepath.Join(dir, "spool"),
		"log_dir":   c.logs,
		"nats":      map[string]any{"embedded": map[string]any{"listen": "127.0.0.1:" + strconv.Itoa(freePort(t))}},
		"nodes": map[string]any{
			"manager":  map[string]any{"type": "manager", "host": "127.0.0.1"},
			"logger-1": map[string]any{"type": "logger", "host": "127.0.0.1"},
			"proxy-1":  map[string]any{"type": "proxy", "host": "127.0.0.1"},
			"worker-1": map[string]any{"type": "worker", "host": "127.0.0.1", "read": trace, "shard": map[string]int{"index": 0, "count": 2}},
			"worker-2": map[string]any{"type": "worker", "host": "127.0.0.1", "read": trace, "shard": map[string]int{"index": 1, "count": 2}},
		},
	}
	if edit != nil {
		edit(c, l)
	}
	b, _ := json.MarshalIndent(l, "", "  ")
	if err := os.WriteFile(c.layout, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.killAll)
	return c
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start starts node name (standard error to a file of its own).
func (c *testCluster) start(name string, env ...string) {
	c.t.Helper()
	c.starts[name]++
	out, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("%s.%d.out", name, c.starts[name])))
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "--node", name, "--cluster", c.layout, "-C", "--progress", "never")
	cmd.Dir = c.dir
	cmd.Env = append(append(append(os.Environ(), "CLUSTER_NODE=", "HERON_SEED="), c.env...), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.procs[name] = cmd
}

// output returns what node name printed in its latest run.
func (c *testCluster) output(name string) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("%s.%d.out", name, c.starts[name])))
	return string(b)
}

// outputs returns what every node printed, for a failure message.
func (c *testCluster) outputs() string {
	var b strings.Builder
	for _, n := range []string{"manager", "logger-1", "proxy-1", "worker-1", "worker-2"} {
		if out := c.output(n); out != "" {
			fmt.Fprintf(&b, "\n--- %s printed:\n%s", n, out)
		}
	}
	return b.String()
}

// wait waits for node name to exit and fails unless it exits with 0.
func (c *testCluster) wait(name string, limit time.Duration) {
	c.t.Helper()
	cmd := c.procs[name]
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		delete(c.procs, name)
		if err != nil {
			c.t.Fatalf("%s: %v; it printed:\n%s", name, err, c.output(name))
		}
	case <-time.After(limit):
		c.t.Fatalf("%s did not exit within %v; it printed:\n%s", name, limit, c.output(name))
	}
}

// stop sends SIGTERM to node name and waits for a clean exit.
func (c *testCluster) stop(name string) {
	c.t.Helper()
	start := time.Now()
	c.procs[name].Process.Signal(syscall.SIGTERM)
	c.wait(name, 30*time.Second)
	c.t.Logf("%s stopped in %v", name, time.Since(start).Round(time.Millisecond))
}

// kill SIGKILLs node name.
func (c *testCluster) kill(name string) {
	c.t.Helper()
	cmd := c.procs[name]
	cmd.Process.Kill()
	cmd.Wait()
	delete(c.procs, name)
}

func (c *testCluster) killAll() {
	for name, cmd := range c.procs {
		cmd.Process.Kill()
		cmd.Wait()
		delete(c.procs, name)
	}
}

// waitFor polls cond until it holds or limit passes.
func (c *testCluster) waitFor(what string, limit time.Duration, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out after %v waiting for %s%s", limit, what, c.outputs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// alive reports whether a started process is still running (not exited,
// even if not yet waited for). Without /proc it says true.
func alive(cmd *exec.Cmd) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		return !os.IsNotExist(err)
	}
	// pid (comm) STATE ...: a zombie has exited.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// clusterLogHas reports whether cluster.log holds a message containing s.
func (c *testCluster) clusterLogHas(s string) bool {
	b, _ := os.ReadFile(filepath.Join(c.logs, "cluster.log"))
	return bytes.Contains(b, []byte(s))
}

// startServices starts the manager, the logger and the proxy, and waits
// until the manager has seen the other two (cluster.log says so).
func (c *testCluster) startServices() {
	c.t.Helper()
	c.start("manager")
	c.start("logger-1")
	c.start("proxy-1")
	c.waitFor("the manager to log the logger's and the proxy's hello", 30*time.Second, func() bool {
		return c.clusterLogHas("got hello from logger-1") && c.clusterLogHas("got hello from proxy-1")
	})
}

// waitRecords waits until every log of want has as many records in the
// cluster's log_dir, then a little more, so that repeats would show.
func (c *testCluster) waitRecords(want map[string][]string, limit time.Duration) {
	c.t.Helper()
	c.waitFor("the logger to write every record", limit, func() bool {
		for name, rows := range want {
			if countRecords(filepath.Join(c.logs, name)) < len(rows) {
				return false
			}
		}
		return true
	})
	time.Sleep(1500 * time.Millisecond)
}

// standalone runs `heron -C -r trace` and returns its records.
func standalone(t *testing.T, bin, trace string, args ...string) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, append([]string{"-C", "-r", trace, "--logdir", dir, "--progress", "never"}, args...)...)
	cmd.Env = append(os.Environ(), "CLUSTER_NODE=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("standalone heron -r %s: %v\n%s", trace, err, out)
	}
	want := clusterRecords(t, dir)
	if len(want["conn.log"]) == 0 {
		if os.Getenv("HERON_CLUSTER_ALL") != "" {
			t.Skipf("standalone heron -r %s wrote no connections", trace)
		}
		t.Fatalf("standalone heron -r %s wrote no connections", trace)
	}
	return want
}

// compareWithStandalone checks that the cluster's logs hold the standalone
// run's records, record for record (ts, duration and uids aside), and no
// other log than cluster.log. reporter.log is left out: its messages are
// each node's own (every worker reports the end of its capture, as each
// Zeek worker does).
func compareWithStandalone(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for name, rows := range want {
		if name == "reporter.log" {
			continue
		}
		if g := got[name]; strings.Join(g, "\n") != strings.Join(rows, "\n") {
			t.Errorf("%s: the cluster wrote %d records, standalone %d; they differ:\n--- cluster\n%s\n--- standalone\n%s",
				name, len(g), len(rows), strings.Join(g, "\n"), strings.Join(rows, "\n"))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && name != "cluster.log" && name != "reporter.log" {
			t.Errorf("the cluster wrote %s, standalone did not", name)
		}
	}
}

// clusterTraces are the traces the cluster test splits between its two
// workers: the project's sample, and corpus traces when ../shared is there.
func clusterTraces(t *testing.T) []string {
	traces := []string{"../../testdata/sample.pcap"}
	if sh := refdata.SharedDir(); sh != "" {
		for _, name := range []string{"tunnels/Teredo.pcap", "http/206_example_a.pcap"} {
			p := filepath.Join(sh, "zeek-corpus", "traces", name)
			if _, err := os.Stat(p); err == nil {
				traces = append(traces, p)
			}
		}
		if v := os.Getenv("HERON_CLUSTER_ALL"); v != "" {
			// By hand: up to N corpus traces, spread over the corpus.
			n, _ := strconv.Atoi(v)
			var all []string
			filepath.WalkDir(filepath.Join(sh, "zeek-corpus", "traces"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					all = append(all, p)
				}
				return nil
			})
			for i := 0; n > 0 && i < n && i < len(all); i++ {
				traces = append(traces, all[i*len(all)/min(n, len(all))])
			}
		}
	} else {
		t.Log("../shared absent: only the sample trace is split")
	}
	return traces
}

// TestClusterMatchesStandalone runs a manager, a logger, a proxy and two
// workers as separate heron processes, the workers each reading their
// shard of a trace, and checks that the logger's logs hold exactly the
// records of a standalone run on the trace, and that the manager logged
// the nodes coming and going in cluster.log.
func TestClusterMatchesStandalone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	for _, trace := range clusterTraces(t) {
		t.Run(filepath.Base(trace), func(t *testing.T) {
			abs, err := filepath.Abs(trace)
			if err != nil {
				t.Fatal(err)
			}
			c := newTestCluster(t, abs)
			want := standalone(t, c.bin, abs)
			c.startServices()
			c.start("worker-1")
			c.start("worker-2")
			c.wait("worker-1", 60*time.Second)
			c.wait("worker-2", 60*time.Second)
			c.waitRecords(want, 60*time.Second)
			for _, n := range []string{"proxy-1", "logger-1", "manager"} {
				c.stop(n)
			}
			compareWithStandalone(t, clusterRecords(t, c.logs), want)
			for _, msg := range []string{"got hello from worker-1 (heron_worker-1_", "got hello from worker-2 (", "node down: worker-1", "node down: worker-2"} {
				if !c.clusterLogHas(msg) {
					t.Errorf("cluster.log lacks %q", msg)
				}
			}
			// The workers ran without a word (no warning, no loss).
			for _, w := range []string{"worker-1", "worker-2"} {
				if out := c.output(w); out != "" {
					t.Errorf("%s printed:\n%s", w, out)
				}
			}
		})
	}
}

// TestClusterLoggerKilled SIGKILLs the logger while the workers are
// sending, restarts it, and checks that every record arrives once: the
// logs equal a standalone run's, with no record lost and none repeated.
// Restarted at once, the logger resumes its own files; restarted after the
// manager saw it down, the manager writes meanwhile and hands the logs
// back.
func TestClusterLoggerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	cases := []struct {
		name     string
		rounds   int
		down     time.Duration
		takeover bool
	}{
		{name: "restart", rounds: 300, down: 500 * time.Millisecond},
		{name: "manager-takes-over", rounds: 600, down: 5 * time.Second, takeover: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			trace := writeBusyTrace(t, t.TempDir(), tc.rounds)
			// 2 ms a frame: each worker takes seconds over its half.
			c := newTestCluster(t, trace, "HERON_REPLAY_DELAY=2ms")
			want := standalone(t, c.bin, trace)
			total := 0
			for _, rows := range want {
				total += len(rows)
			}
			c.startServices()
			c.start("worker-1")
			c.start("worker-2")
			written := func() int {
				n := 0
				for name := range want {
					n += countRecords(filepath.Join(c.logs, name))
				}
				return n
			}
			c.waitFor("the logger to write the first records", 60*time.Second, func() bool { return written() > 0 })
			time.Sleep(time.Second)
			before := written()
			running := alive(c.procs["worker-1"]) && alive(c.procs["worker-2"])
			c.kill("logger-1")
			if before >= total || !running {
				t.Fatalf("the logger was killed too late: %d of %d records written, workers running: %v", before, total, running)
			}
			t.Logf("logger killed after writing %d of %d records", before, total)
			time.Sleep(tc.down)
			if tc.takeover {
				if !c.clusterLogHas("node down: logger-1") {
					t.Fatalf("the manager did not see the logger down in %v", tc.down)
				}
				if n := written(); n <= before {
					t.Errorf("the manager wrote nothing while the logger was down (%d records before, %d now)", before, n)
				}
			}
			c.start("logger-1")
			restarted := time.Now()
			c.wait("worker-1", 120*time.Second)
			c.wait("worker-2", 120*time.Second)
			c.waitRecords(want, 60*time.Second)
			t.Logf("every record written %v after the restart", time.Since(restarted).Round(time.Millisecond))
			for _, n := range []string{"proxy-1", "logger-1", "manager"} {
				c.stop(n)
			}
			compareWithStandalone(t, clusterRecords(t, c.logs), want)
		})
	}
}

// writeBusyTrace writes a trace of n rounds, one second of network time
// apart, each an HTTP exchange over a whole TCP connection and a DNS
// query with its answer, from clients spread over many addresses: records
// come out all along the trace, so a logger killed mid-run misses some.
func writeBusyTrace(t *testing.T, dir string, n int) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	put := func(frame []byte) {
		ts += zeek.Time(10 * zeek.Millisecond)
		if err := w.WritePacket(ts, frame, 0); err != nil {
			t.Fatal(err)
		}
	}
	server, resolver := pktbuild.V4("192.168.1.1"), pktbuild.V4("192.168.1.53")
	for i := range n {
		ts += zeek.Time(zeek.Second)
		client := pktbuild.V4(fmt.Sprintf("10.%d.%d.%d", 1+i/4096, (i/16)%256, 1+i%16*15))
		cport := uint16(20000 + i)
		c2s := pktbuild.IP{Src: client, Dst: server}
		s2c := pktbuild.IP{Src: server, Dst: client}
		tcp := func(ip pktbuild.IP, sp, dp uint16, seq, ack uint32, flags uint8, payload []byte) {
			put(pktbuild.EtherIP(pktbuild.TCPPacket(ip, pktbuild.TCP{SrcPort: sp, DstPort: dp, Seq: seq, Ack: ack, Flags: flags, Window: 65535}, payload)))
		}
		req := []byte(fmt.Sprintf("GET /item/%d HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: busy/1\r\n\r\n", i))
		body := fmt.Sprintf("item %d\n", i)
		resp := []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
		const cs, ss = 1000, 5000
		tcp(c2s, cport, 80, cs, 0, pktbuild.SYN, nil)
		tcp(s2c, 80, cport, ss, cs+1, pktbuild.SYN|pktbuild.ACK, nil)
		tcp(c2s, cport, 80, cs+1, ss+1, pktbuild.ACK, nil)
		tcp(c2s, cport, 80, cs+1, ss+1, pktbuild.ACK|pktbuild.PSH, req)
		tcp(s2c, 80, cport, ss+1, cs+1+uint32(len(req)), pktbuild.ACK|pktbuild.PSH, resp)
		tcp(c2s, cport, 80, cs+1+uint32(len(req)), ss+1+uint32(len(resp)), pktbuild.ACK|pktbuild.FIN, nil)
		tcp(s2c, 80, cport, ss+1+uint32(len(resp)), cs+2+uint32(len(req)), pktbuild.ACK|pktbuild.FIN, nil)
		tcp(c2s, cport, 80, cs+2+uint32(len(req)), ss+2+uint32(len(resp)), pktbuild.ACK, nil)

		qname := fmt.Sprintf("host%d.example", i)
		id := uint16(i)
		q := dnsMessage(id, qname, false)
		a := dnsMessage(id, qname, true)
		put(pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: client, Dst: resolver}, pktbuild.UDP{SrcPort: cport, DstPort: 53}, q)))
		put(pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: resolver, Dst: client}, pktbuild.UDP{SrcPort: 53, DstPort: cport}, a)))
	}
	p := filepath.Join(dir, "busy.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dnsMessage builds a DNS query for an A record of name, or its answer
// (192.0.2.7, TTL 300).
func dnsMessage(id uint16, name string, answer bool) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	flags, an := uint16(0x0100), uint16(0)
	if answer {
		flags, an = 0x8180, 1
	}
	for _, v := range []uint16{id, flags, 1, an, 0, 0} {
		binary.Write(bw, binary.BigEndian, v)
	}
	for _, label := range strings.Split(name, ".") {
		bw.WriteByte(byte(len(label)))
		bw.WriteString(label)
	}
	bw.WriteByte(0)
	binary.Write(bw, binary.BigEndian, [2]uint16{1, 1})
	if answer {
		binary.Write(bw, binary.BigEndian, [3]uint16{0xc00c, 1, 1})
		binary.Write(bw, binary.BigEndian, uint32(300))
		binary.Write(bw, binary.BigEndian, uint16(4))
		bw.Write([]byte{192, 0, 2, 7})
	}
	bw.Flush()
	return b.Bytes()
}

// TestClusterWorkerSIGTERM stops a worker mid-trace with SIGTERM: it exits
// with status 0 within seconds, and what it analysed reaches the logger
// whole: the connections still open at the stop are ended and logged, so
// every HTTP request in http.log has its connection in conn.log.
func TestClusterWorkerSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four heron processes")
	}
	trace := writeBusyTrace(t, t.TempDir(), 300)
	c := newTestCluster(t, trace, "HERON_REPLAY_DELAY=2ms")
	c.startServices()
	c.start("worker-1")
	http := filepath.Join(c.logs, "http.log")
	c.waitFor("the first http.log records", 60*time.Second, func() bool { return countRecords(http) > 0 })
	if !alive(c.procs["worker-1"]) {
		t.Fatal("the worker ended before it could be stopped")
	}
	start := time.Now()
	c.stop("worker-1")
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("the worker took %v to stop", el)
	}
	c.waitFor("the manager to see the worker go", 30*time.Second, func() bool { return c.clusterLogHas("node down: worker-1") })
	time.Sleep(2500 * time.Millisecond)
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
	conns, err := zeeklog.ReadFile(filepath.Join(c.logs, "conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := zeeklog.ReadFile(http)
	if err != nil {
		t.Fatal(err)
	}
	uids := map[string]bool{}
	for _, r := range conns.Records {
		uids[r["uid"]] = true
	}
	for _, r := range reqs.Records {
		if !uids[r["uid"]] {
			t.Errorf("http.log request %s %s has no connection in conn.log", r["uid"], r["uri"])
		}
	}
	if len(reqs.Records) == 0 || len(reqs.Records) >= 300 {
		t.Errorf("http.log has %d records; want some, not all 300", len(reqs.Records))
	}
}
