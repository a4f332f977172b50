package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/supervise"
	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func heronctl(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	numCPU = func() int { return 8 } // the same warnings on every machine
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "USER" {
			return "analyst"
		}
		return ""
	}
	status = run(args, getenv, "/nonexistent/bin/heronctl", &out, &errb)
	return out.String(), errb.String(), status
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestCommands: the text and JSON output of every command on the test
// configuration in testdata, against golden files (-update rewrites them).
func TestCommands(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"nodes", []string{"nodes"}},
		{"config", []string{"config"}},
		{"help", []string{"help"}},
		{"help-nodes", []string{"help", "nodes"}},
		{"help-start", []string{"help", "start"}},
		{"help-status", []string{"help", "status"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			goldenTextAndJSON(t, c.name, append([]string{"--prefix", "testdata"}, c.args...), nil)
		})
	}
}

// stderrSection appends what a command wrote to standard error to its
// golden output.
// goldenTextAndJSON runs heronctl with args, and then with args and
// --json; each must succeed, and its output and standard error, passed
// through fix when it is not nil, must be the golden file
// NAME.txt.golden or NAME.json.golden.
func goldenTextAndJSON(t *testing.T, name string, args []string, fix func(string) string) {
	t.Helper()
	for _, jsonOut := range []bool{false, true} {
		args := slices.Clone(args)
		ext := ".txt"
		if jsonOut {
			args = append(args, "--json")
			ext = ".json"
		}
		out, errOut, status := heronctl(t, args...)
		if status != 0 {
			t.Fatalf("%q: status %d, stderr %s", args, status, errOut)
		}
		if jsonOut && !json.Valid([]byte(out)) {
			t.Errorf("%q: output is not JSON", args)
		}
		all := out + stderrSection(errOut)
		if fix != nil {
			all = fix(all)
		}
		golden(t, name+ext+".golden", all)
	}
}

func stderrSection(s string) string {
	if s == "" {
		return ""
	}
	return "--- stderr\n" + s
}

func TestNodesJSONStructure(t *testing.T) {
	out, _, status := heronctl(t, "--prefix", "testdata", "nodes", "--json")
	if status != 0 {
		t.Fatal(status)
	}
	var cl config.Cluster
	if err := json.Unmarshal([]byte(out), &cl); err != nil {
		t.Fatal(err)
	}
	if len(cl.Nodes) != 7 || cl.ControlPort != 30000 || cl.ManagerIsLogger {
		t.Fatalf("cluster %+v", cl)
	}
	w := cl.Nodes[6]
	if w.Name != "worker-1-4" || w.Interface != "af_packet::eth1" || w.Threads != 2 || len(w.CPUs) != 2 || w.CPUs[0] != 8 ||
		w.AFPacket == nil || w.AFPacket.FanoutID != 23 || w.Port != 30007 || w.MetricsPort != 31006 || w.Env["TZ"] != "UTC" {
		t.Errorf("last worker %+v", w)
	}
	if len(w.Redefs) != 2 || w.Redefs[1] != "tcp_inactivity_timeout=30 min" || len(w.Scripts) != 1 {
		t.Errorf("worker policy %q %q", w.Scripts, w.Redefs)
	}
	if len(cl.Nodes[0].Redefs) != 1 {
		t.Errorf("manager redefs %q", cl.Nodes[0].Redefs)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, exitUsage, "Usage: heronctl"},
		{[]string{"frob"}, exitUsage, `unknown command "frob"`},
		{[]string{"--frob", "nodes"}, exitUsage, "unknown option --frob"},
		{[]string{"--prefix"}, exitUsage, "needs a value"},
		{[]string{"--prefix", "testdata", "nodes", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"--prefix", "testdata", "nodes", "--yaml"}, exitUsage, "unknown option --yaml"},
		{[]string{"--prefix", "testdata", "config", "x"}, exitUsage, "takes no arguments"},
		{[]string{"help", "frob"}, exitUsage, "unknown command"},
		{[]string{"help", "a", "b"}, exitUsage, "at most one"},
		{[]string{"--prefix", "testdata", "install", "x"}, exitUsage, "heronctl install: the command takes no arguments\n"},
		{[]string{"--prefix", "testdata", "cleanup", "--all", "x"}, exitUsage, "heronctl cleanup: the command takes no arguments besides --all\n"},
		{[]string{"--prefix", "testdata", "start", "nosuch"}, exitUsage, "heronctl start: unknown node \"nosuch\" (the nodes are "},
		{[]string{"--prefix", "testdata", "restart", "--clean", "nosuch"}, exitUsage, "heronctl restart: unknown node \"nosuch\""},
		{[]string{"--prefix", "testdata", "status", "--clean"}, exitUsage, "heronctl status: unknown option --clean\n"},
		{[]string{"--prefix", "testdata", "exec"}, exitUsage, "heronctl exec: give the command to run\n"},
		{[]string{"--prefix", "testdata", "--node-cfg", "testdata/nosuch.cfg", "nodes"}, exitConfig, "does not exist"},
		{[]string{"--prefix", "testdata", "--config=testdata/nosuch.cfg", "config"}, exitConfig, "no such file"},
	}
	for _, c := range cases {
		_, errOut, status := heronctl(t, c.args...)
		if status != c.status || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%q: status %d, stderr %q; want %d, %q", c.args, status, errOut, c.status, c.stderr)
		}
	}
	out, _, status := heronctl(t, "--version")
	if status != 0 || !strings.HasPrefix(out, "heronctl ") {
		t.Errorf("--version: %d %q", status, out)
	}
	out, _, status = heronctl(t, "nodes", "--help")
	if status != 0 || !strings.Contains(out, "Usage: heronctl nodes") {
		t.Errorf("nodes --help: %d %q", status, out)
	}
}

func TestConfigErrorMessage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "heronctl.cfg")
	os.WriteFile(cfg, []byte("ZeekPort = lots\n"), 0o644)
	_, errOut, status := heronctl(t, "--config", cfg, "config")
	want := "heronctl: " + cfg + ":1: option ZeekPort has the value \"lots\", which is not an integer; use a whole number\n"
	if status != exitConfig || errOut != want {
		t.Errorf("status %d, stderr %q, want %q", status, errOut, want)
	}
}

// TestSharedExamples runs heronctl nodes, text and JSON, on every node.cfg
// of ../shared/zeekctl-examples with the zeekctl.cfg and networks.cfg
// there, against golden files (the shared folder's path is written as
// SHARED).
func TestSharedExamples(t *testing.T) {
	dir := filepath.Join(refdata.Shared(t), "zeekctl-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.node.cfg"))
	if len(files) == 0 {
		t.Skipf("no examples in %s", dir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".node.cfg")
		if _, err := os.Stat(filepath.Join("testdata", "example-"+name+".txt.golden")); err != nil && !*update {
			t.Errorf("no golden output for the new example %s: run with -update and check it against the file's top comment", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"--prefix", "/nonexistent", "--config", filepath.Join(dir, "zeekctl.cfg"),
				"--node-cfg", f, "--networks-cfg", filepath.Join(dir, "networks.cfg"), "nodes"}
			goldenTextAndJSON(t, "example-"+name, args, func(s string) string { return strings.ReplaceAll(s, dir, "SHARED") })
		})
	}
}

// TestCoresWarning: a host whose cores heronctl knows (this one) gets the
// check's warning when its workers' threads leave no core free.
func TestCoresWarning(t *testing.T) {
	dir := t.TempDir()
	nodeCfg := filepath.Join(dir, "node.cfg")
	os.WriteFile(nodeCfg, []byte("[s]\ntype=standalone\nhost=localhost\ninterface=eth0\nthreads=8\n"), 0o644)
	out, errOut, status := heronctl(t, "--prefix", dir, "--node-cfg", nodeCfg, "nodes", "--json")
	if status != 0 || !strings.Contains(errOut, "host localhost runs 8 analysis threads on 8 cores") ||
		!strings.Contains(out, `"message": "host localhost runs 8 analysis threads on 8 cores"`) {
		t.Errorf("status %d\n%s\n%s", status, out, errOut)
	}
}

// TestNotInstalled: commands that act on hosts say what to do when
// nothing is installed, and node arguments are checked.
func TestNotInstalled(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "heronctl.cfg"), []byte("SitePolicyScripts =\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "node.cfg"), []byte("[heron]\ntype=standalone\nhost=localhost\ninterface=eth0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "networks.cfg"), []byte("10.0.0.0/8\n"), 0o644)
	cases := []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"status"}, exitConfig, "heronctl: heronctl is not installed on localhost: run heronctl install (or deploy)\n"},
		{[]string{"start"}, exitConfig, "heronctl: cannot start heron: heronctl is not installed on localhost: run heronctl install (or deploy)\n"},
		{[]string{"start", "worker-9"}, exitUsage, `heronctl start: unknown node "worker-9" (the nodes are heron; or give all, loggers, manager, proxies, workers)` + "\n"},
		{[]string{"restart", "--clean", "--frob"}, exitUsage, "heronctl restart: unknown option --frob\n"},
		{[]string{"exec"}, exitUsage, "heronctl exec: give the command to run\n"},
		{[]string{"install", "x"}, exitUsage, "heronctl install: the command takes no arguments\n"},
		{[]string{"_host", "frob", "--plan", "x"}, exitConfig, "heronctl: supervise: open x: no such file or directory (run heronctl install)\n"},
	}
	for _, c := range cases {
		_, errOut, status := heronctl(t, append([]string{"--prefix", dir}, c.args...)...)
		if status != c.status || errOut != c.stderr {
			t.Errorf("%q: status %d, stderr %q; want %d, %q", c.args, status, errOut, c.status, c.stderr)
		}
	}
	out, _, status := heronctl(t, "--prefix", dir, "status", "--json")
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil || status != exitConfig || len(st.Nodes) != 1 || st.Nodes[0].Status != "unknown" ||
		!strings.Contains(st.Nodes[0].Error, "not installed") || len(st.Errors) != 1 {
		t.Errorf("status --json: %d %v\n%s", status, err, out)
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2026, 11, 7, 8, 5, 9, 0, time.UTC)
	for f, want := range map[string]string{
		"%d %b %H:%M:%S": "07 Nov 08:05:09", "%Y-%m-%d %%": "2026-11-07 %", "%s": "1794038709", "%q": "%q", "x%": "x%",
	} {
		if got := strftime(f, tm); got != want {
			t.Errorf("strftime(%q) = %q, want %q", f, got, want)
		}
	}
}

func TestWriteStatus(t *testing.T) {
	var b bytes.Buffer
	started := time.Date(2026, 11, 7, 8, 5, 9, 0, time.Local)
	writeStatus(&b, []nodeResult{
		{NodeState: supervise.NodeState{Name: "logger-1", Type: "logger", Host: "10.0.0.1", Status: "running", Pid: 4242, Started: started}},
		{NodeState: supervise.NodeState{Name: "worker-1-1", Type: "worker", Host: "10.0.0.2", Status: "crashed"}},
	}, "%d %b %H:%M:%S", false)
	want := "Name         Type    Host             Status    Pid    Started\n" +
		"logger-1     logger  10.0.0.1         running   4242   07 Nov 08:05:09\n" +
		"worker-1-1   worker  10.0.0.2         crashed\n"
	if b.String() != want {
		t.Errorf("got\n%swant\n%s", b.String(), want)
	}
}

func TestShell(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, paths: config.Paths{Prefix: "testdata"}, builtins: config.Builtins{Prefix: "testdata", User: "analyst"},
		cores: func(string) (int, bool) { return 8, true }}
	status := shell(e, strings.NewReader("help nodes\n\nfrob\n_host status\nhelp 'no such'\nquit\nhelp\n"))
	if status != exitUsage {
		t.Errorf("status %d, want that of the last command", status)
	}
	o := out.String()
	if !strings.HasPrefix(o, "\nWelcome to HeronControl ") || strings.Count(o, shellPrompt) != 6 || !strings.Contains(o, "Usage: heronctl nodes") ||
		strings.Contains(o, "Commands:") {
		t.Errorf("output:\n%s", o)
	}
	if want := "heronctl: unknown command \"frob\" (help lists the commands)\nheronctl: unknown command \"_host\" (help lists the commands)\nheronctl help: unknown command \"no such\"\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

func TestSplitWords(t *testing.T) {
	for line, want := range map[string][]string{
		`exec echo "a b" c\ d 'e "f"'`: {"exec", "echo", "a b", "c d", `e "f"`},
		"  status   --json ":           {"status", "--json"},
		`x ""`:                         {"x", ""},
	} {
		got, err := splitWords(line)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", line, got, err, want)
		}
	}
	if _, err := splitWords(`echo "a`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

// TestNetstats: the counters come from each worker's metrics endpoint (a
// real HTTP server here, standing in for a worker's).
func TestNetstats(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `# HELP heron_net_received_packets_total Packets received
# TYPE heron_net_received_packets_total counter
heron_net_received_packets_total{node="w"} 6441
heron_net_dropped_packets_total{node="w"} 3
heron_net_link_packets_total{node="w",x="a}b"} 6444
heron_net_timestamp_seconds{node="w"} 1.3892113894600520e+09
process_open_fds 12
garbage line
`)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "heronctl.cfg"), []byte("SitePolicyScripts =\nMetricsPort = "+port+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "node.cfg"), []byte("[heron]\ntype=standalone\nhost=localhost\ninterface=eth0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "networks.cfg"), []byte("10.0.0.0/8\n"), 0o644)
	out, errOut, status := heronctl(t, "--prefix", dir, "netstats")
	if status != 0 || out != "      heron: 1389211389.460052 recvd=6441 dropped=3 link=6444\n" {
		t.Errorf("netstats: %d %q %s", status, out, errOut)
	}
	out, _, _ = heronctl(t, "--prefix", dir, "netstats", "--json")
	if !strings.Contains(out, `"received": 6441`) {
		t.Errorf("netstats --json:\n%s", out)
	}
	srv.Close()
	out, errOut, status = heronctl(t, "--prefix", dir, "netstats")
	if out != "" || status != exitConfig || !strings.HasPrefix(errOut, "      heron: <error: not answering: ") {
		t.Errorf("netstats of a closed endpoint: %d %q %q", status, out, errOut)
	}
}

// TestCheckFanout: check runs heron --fanout-selftest for AF_PACKET nodes
// on this machine and warns about cores.
func TestCheckFanout(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("heron --fanout-selftest needs root (network namespaces, packet sockets)")
	}
	if testing.Short() {
		t.Skip("builds heron")
	}
	heron := heronbin.Path(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "heronctl.cfg"), []byte("SitePolicyScripts =\nZeek = "+heron+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "node.cfg"), []byte("[m]\ntype=manager\nhost=localhost\n[p]\ntype=proxy\nhost=localhost\n[w]\ntype=worker\nhost=localhost\ninterface=eth0\nlb_method=af_packet\nlb_procs=8\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "networks.cfg"), []byte("10.0.0.0/8\n"), 0o644)
	out, errOut, status := heronctl(t, "--prefix", dir, "check")
	want := "AF_PACKET fanout self-test on localhost passed.\nm scripts are ok.\np scripts are ok.\nw-1 scripts are ok.\n"
	if status != 0 || !strings.HasPrefix(out, want) || !strings.Contains(errOut, "host localhost runs 8 analysis threads on 8 cores") {
		t.Errorf("check: %d\n%s--- stderr\n%s", status, out, errOut)
	}
}
