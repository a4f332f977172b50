package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/control/supervise"
)

// This file checks the text and the JSON output of every command that
// acts on a running cluster against golden files
// (testdata/out-NAME.txt.golden and .json.golden; go test -update
// rewrites them). One local cluster serves them all, in an order that
// needs few starts and stops.

// outputNormalizer replaces, in a command's output, what differs from run
// to run: first the literal strings of old (the test's temporary
// directories), then the matches of each rule. The rules are written for
// heronctl's own formats:
//
//   - times: RFC 3339 (JSON, crash report directories) and TimeFmt's
//     default "%d %b %H:%M:%S" (status);
//   - JSON numbers that are pids, sizes or CPU shares;
//   - the Pid and Started columns of status, the Pid, VSize, Rss and Cpu
//     columns of top, and the size columns of df;
//   - core counts in the warnings of check ("N cores"), and the warning
//     of the cores check itself, which depends on the machine;
//   - how nodes last exited (last_exit), and df's file system names.
type outputNormalizer struct {
	old   []string // pairs: literal, replacement
	rules []normRule
}

// normRule is one regular expression and its replacement (as
// regexp.ReplaceAllString takes it).
type normRule struct {
	re   *regexp.Regexp
	repl string
}

// outputRules are the rules of every outputNormalizer, applied in order.
var outputRules = []normRule{
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "TIME"},
	{regexp.MustCompile(`\d\d [A-Z][a-z]{2} \d\d:\d\d:\d\d`), "TIME"},
	{regexp.MustCompile(`("(?:pid|supervisor_pid|vsize|rss|cpu|total|used|available|percent)": )[0-9.e+-]+`), "${1}N"},
	// status: NAME TYPE HOST STATUS PID STARTED
	{regexp.MustCompile(`(?m)^(\S+ +\S+ +\S+ +\S+ +)\d+ +TIME$`), "${1}PID    TIME"},
	// top: NAME TYPE HOST PID VSIZE RSS CPU CMD
	{regexp.MustCompile(`(?m)^(\S+ +\S+ +\S+ +)\d+ +\d+[KMG]? +\d+[KMG]? +\d+%  `), "${1}PID     VSIZE  RSS  CPU   "},
	// df: NODE/HOST FS TOTAL AVAIL CAPACITY
	{regexp.MustCompile(`(?m)^( *\S+/\S+  ) *\S+  +\S+  +\S+  +[\d.]+ *%$`), "${1}FS  TOTAL  AVAIL  N%"},
	{regexp.MustCompile(`\b\d+ cores\b`), "N cores"},
	// the cores check warns or not depending on the machine: its warning
	// goes, from standard error and from JSON "warnings"
	{regexp.MustCompile(`(?m)^heronctl: warning: .* analysis threads on N cores; .*\n`), ""},
	{regexp.MustCompile(`\{\s*"file": "[^"]*",\s*"line": \d+,\s*"message": "host \S+ runs \d+ analysis threads on N cores",\s*"fix": "[^"]*"\s*\},?\s*`), ""},
	{regexp.MustCompile(`"warnings": \[\s*\]`), `"warnings": []`},
	{regexp.MustCompile(`--- stderr\n$`), ""},
	// how a node last ended: a node that outlasts StopTimeout on a busy
	// machine is killed (TestLocalCluster checks last_exit after a crash)
	{regexp.MustCompile(`("last_exit": )"[^"]*"`), `${1}"EXIT"`},
	// df: the file system's name and mount point
	{regexp.MustCompile(`("(?:fs|mount)": )"[^"]*"`), `${1}"FS"`},
}

// normalize returns s with what varies replaced.
func (n *outputNormalizer) normalize(s string) string {
	for i := 0; i+1 < len(n.old); i += 2 {
		s = strings.ReplaceAll(s, n.old[i], n.old[i+1])
	}
	for _, r := range n.rules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// jsonKeys are, per golden name, the keys the JSON output must have at its
// top level and in the first element of its first list ("nodes",
// "hosts", …), as docs/heronctl.md describes the command's output.
var jsonKeys = map[string]struct {
	top, elem []string
}{
	"check":         {[]string{"ok", "nodes", "warnings", "errors"}, nil},
	"install":       {[]string{"hosts", "errors"}, []string{"host", "copied", "unchanged"}},
	"start":         {[]string{"nodes", "errors"}, []string{"name", "type", "host", "status", "pid", "started"}},
	"status":        {[]string{"nodes", "errors"}, []string{"name", "type", "host", "status", "pid", "started"}},
	"top":           {[]string{"nodes", "errors"}, []string{"name", "type", "host", "pid", "vsize", "rss", "cpu", "command"}},
	"top-stopped":   {[]string{"nodes", "errors"}, []string{"name", "type", "host", "error"}},
	"netstats":      {[]string{"nodes", "errors"}, []string{"node", "network_time", "received", "dropped", "link"}},
	"df":            {[]string{"filesystems", "errors"}, []string{"node", "host", "path", "fs", "total", "available"}},
	"exec":          {[]string{"hosts", "errors"}, []string{"host", "output", "status"}},
	"diag":          {[]string{"nodes", "errors"}, []string{"name", "reports"}},
	"restart":       {[]string{"nodes", "errors"}, []string{"name", "type", "host", "status", "pid", "started"}},
	"restart-clean": {[]string{"nodes", "install", "warnings", "errors"}, []string{"name", "type", "host", "status"}},
	"stop":          {[]string{"nodes", "errors"}, []string{"name", "type", "host", "status"}},
	"deploy":        {[]string{"nodes", "install", "warnings", "errors"}, []string{"name", "type", "host", "status", "pid", "started"}},
	"cleanup":       {[]string{"removed", "errors"}, nil},
	"cleanup-all":   {[]string{"removed", "errors"}, nil},
}

// checkJSONKeys fails t unless out is one JSON object with the keys
// jsonKeys names for name.
func checkJSONKeys(t *testing.T, name, out string) {
	t.Helper()
	want, ok := jsonKeys[name]
	if !ok {
		t.Fatalf("no JSON keys listed for %s", name)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		t.Errorf("%s --json: %v\n%s", name, err, out)
		return
	}
	for _, k := range want.top {
		if _, ok := top[k]; !ok {
			t.Errorf("%s --json lacks the key %q:\n%s", name, k, out)
		}
	}
	if want.elem == nil {
		return
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(top[want.top[0]], &list); err != nil || len(list) == 0 {
		t.Errorf("%s --json: %q is not a list of objects (%v):\n%s", name, want.top[0], err, out)
		return
	}
	for _, k := range want.elem {
		if _, ok := list[0][k]; !ok {
			t.Errorf("%s --json: the first of %q lacks the key %q:\n%s", name, want.top[0], k, out)
		}
	}
}

// TestCommandOutputs starts a local cluster (logger, manager, proxy and
// two workers reading pipes, so that nothing ends on its own) and runs
// every command that acts on it, as text and with --json, against golden
// files.
func TestCommandOutputs(t *testing.T) {
	begin := time.Now()
	fifo1, feed := feedFIFO(t)
	fifo2, _ := feedFIFO(t)
	zeekPort, metricsPort := freePort(t), freePorts(t, 5)
	prefix := testPrefix(t, map[string]string{
		"etc/heronctl.cfg": fmt.Sprintf("ZeekPort = %d\nMetricsPort = %d\nStopTimeout = 2\nSitePolicyScripts =\nSendMail =\n", zeekPort, metricsPort),
		"etc/node.cfg":     fiveNodes("localhost", fifo1, fifo2),
		"etc/networks.cfg": "10.0.0.0/8\n",
	})
	spool := filepath.Join(prefix, "spool")
	killLeftovers(t, spool)
	norm := &outputNormalizer{rules: outputRules, old: []string{
		prefix, "$PREFIX",
		filepath.Dir(fifo1), "$TMP1",
		filepath.Dir(fifo2), "$TMP2",
	}}

	// run runs a command, which must succeed, and compares its output
	// (and standard error), normalised, with the golden file of name;
	// with --json the output must also have the keys jsonKeys lists.
	run := func(name string, jsonOut bool, args ...string) {
		t.Helper()
		ext := ".txt"
		if jsonOut {
			// after the command's name: exec takes the rest as its command
			args = slices.Insert(slices.Clone(args), 1, "--json")
			ext = ".json"
		}
		start := time.Now()
		out, errOut, status := ctl(t, prefix, args...)
		t.Logf("heronctl %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		if status != 0 {
			diag, _, _ := ctl(t, prefix, "diag")
			t.Fatalf("heronctl %q: status %d\n%s%s\n%s", args, status, out, errOut, diag)
		}
		if jsonOut {
			checkJSONKeys(t, name, out)
		}
		golden(t, "out-"+name+ext+".golden", norm.normalize(out+stderrSection(errOut)))
	}
	both := func(name string, args ...string) {
		t.Helper()
		run(name, false, args...)
		run(name, true, args...)
	}

	both("check", "check")
	both("install", "install") // the first copies, the second finds nothing changed
	run("start", false, "start")
	feed(2048) // worker-1's counters, published every 1024 packets
	waitNetstats(t, prefix, 2048)
	both("status", "status")
	both("top", "top")
	both("netstats", "netstats")
	both("df", "df")
	both("exec", "exec", "echo", "hello from", "$(hostname | wc -l)")
	killAndWait(t, prefix, 3, getStatus(t, prefix).Nodes[3].Pid)
	both("diag", "diag", "worker-1", "manager")
	both("restart", "restart", "workers")
	both("restart-clean", "restart", "--clean", "worker-2")
	run("stop", false, "stop")
	both("top-stopped", "top")
	run("start", true, "start")
	run("stop", true, "stop")
	run("cleanup", true, "cleanup")
	run("cleanup", false, "cleanup")
	run("cleanup-all", true, "cleanup", "--all")
	run("cleanup-all", false, "cleanup", "--all")
	both("deploy", "deploy")
	// killLeftovers ends the cluster: a last stop would take seconds.
	t.Logf("all commands in %v", time.Since(begin).Round(time.Millisecond))
}

// waitNetstats waits, at most 20 s, until worker-1's netstats show n
// packets received.
func waitNetstats(t *testing.T, prefix string, n uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _, _ := ctl(t, prefix, "netstats", "--json", "worker-1")
		var st struct{ Nodes []netstat }
		if json.Unmarshal([]byte(out), &st) == nil && len(st.Nodes) == 1 && st.Nodes[0].Recvd == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker-1's netstats do not show %d packets: %s", n, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestOutputNormalizer(t *testing.T) {
	n := &outputNormalizer{rules: outputRules, old: []string{"/tmp/TestX/001", "$PREFIX"}}
	for _, c := range []struct{ in, want string }{
		{`"started": "2026-11-27T08:50:01.123456789Z",`, `"started": "TIME",`},
		{`"pid": 123456,`, `"pid": N,`},
		{`"cpu": 1.5,`, `"cpu": N,`},
		{"logger       logger  localhost        running   4242   27 Nov 08:50:01", "logger       logger  localhost        running   PID    TIME"},
		{"worker-1     worker  localhost        stopped", "worker-1     worker  localhost        stopped"},
		{"logger       logger  localhost        4242      1G    52M   3%  heron", "logger       logger  localhost        PID     VSIZE  RSS  CPU   heron"},
		{"            logger/localhost         /dev/vda  252G    60G   34.0 %", "            logger/localhost  FS  TOTAL  AVAIL  N%"},
		{`"fs": "/dev/vda",`, `"fs": "FS",`},
		{"ok\n--- stderr\nheronctl: warning: /x/node.cfg:10: host localhost runs 2 analysis threads on 1 cores; lower lb_procs\n", "ok\n"},
		{"\"warnings\": [\n    {\n      \"file\": \"/x\",\n      \"line\": 10,\n      \"message\": \"host localhost runs 2 analysis threads on 1 cores\",\n      \"fix\": \"lower\"\n    }\n  ]\n}", "\"warnings\": []\n}"},
		{"/tmp/TestX/001/spool/crash", "$PREFIX/spool/crash"},
		{"   worker-1: 1700000002.048000 recvd=2048", "   worker-1: 1700000002.048000 recvd=2048"},
		{"uses 3 threads on 2 cores", "uses 3 threads on N cores"},
		{"heronctl: warning: other\n", "heronctl: warning: other\n"},
	} {
		if got := n.normalize(c.in); got != c.want {
			t.Errorf("normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWriteTop: zeekctl's top columns, sizes in its units, the CPU share
// right-aligned, a node without a process, the wider standalone columns.
func TestWriteTop(t *testing.T) {
	rows := []topRow{
		{Usage: supervise.Usage{Name: "logger", Type: "logger", Host: "localhost", Pid: 4242, VSize: 3 << 30, RSS: 52 << 20, CPU: 2.6, Command: "heron"}},
		{Usage: supervise.Usage{Name: "worker-1", Type: "worker", Host: "10.0.0.2", Pid: 1234567, VSize: 900, RSS: 100 << 10, CPU: 100, Command: "heron"}},
		{Usage: supervise.Usage{Name: "worker-2", Type: "worker", Host: "10.0.0.2"}, Error: "not running"},
	}
	b, err := json.Marshal(rows[1:])
	if want := `[{"name":"worker-1","type":"worker","host":"10.0.0.2","pid":1234567,"vsize":900,"rss":102400,"cpu":100,"command":"heron"},` +
		`{"name":"worker-2","type":"worker","host":"10.0.0.2","error":"not running"}]`; err != nil || string(b) != want {
		t.Errorf("JSON: %s, %v\nwant %s", b, err, want)
	}
	for _, c := range []struct {
		standalone bool
		want       string
	}{
		{false, "Name         Type    Host             Pid     VSize  Rss  Cpu   Cmd\n" +
			"logger       logger  localhost        4242      3G    52M   3%  heron\n" +
			"worker-1     worker  10.0.0.2         1234567  900   100K 100%  heron\n" +
			"worker-2     worker  10.0.0.2         <not running>\n"},
		{true, "Name         Type       Host          Pid     VSize  Rss  Cpu   Cmd\n" +
			"logger       logger     localhost     4242      3G    52M   3%  heron\n" +
			"worker-1     worker     10.0.0.2      1234567  900   100K 100%  heron\n" +
			"worker-2     worker     10.0.0.2      <not running>\n"},
	} {
		var b strings.Builder
		writeTop(&b, rows, c.standalone)
		if b.String() != c.want {
			t.Errorf("standalone %v:\n%s\nwant\n%s", c.standalone, b.String(), c.want)
		}
	}
}
