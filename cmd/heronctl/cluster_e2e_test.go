package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/heronbin"
)

var (
	ctlOnce sync.Once
	ctlBin  string
	ctlErr  error
)

// heronctlBin builds heronctl once per test binary.
func heronctlBin(t *testing.T) string {
	t.Helper()
	ctlOnce.Do(func() {
		dir, err := os.MkdirTemp("", "heronctl-bin-")
		if err != nil {
			ctlErr = err
			return
		}
		ctlBin = filepath.Join(dir, "heronctl")
		cmd := exec.Command("go", "build", "-o", ctlBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			ctlErr = fmt.Errorf("go build ./cmd/heronctl: %v\n%s", err, out)
		}
	})
	if ctlErr != nil {
		t.Fatal(ctlErr)
	}
	return ctlBin
}

// testPrefix makes an installation prefix with heron and heronctl in bin
// and the given files (path under the prefix -> text).
func testPrefix(t *testing.T, files map[string]string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the cluster tests need Linux")
	}
	if testing.Short() {
		t.Skip("starts a cluster of processes")
	}
	heron := heronbin.Path(t)
	ctl := heronctlBin(t)
	prefix := t.TempDir()
	for src, dst := range map[string]string{heron: "bin/heron", ctl: "bin/heronctl"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(prefix, "bin"), 0o755)
		if err := os.WriteFile(filepath.Join(prefix, dst), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range files {
		p := filepath.Join(prefix, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return prefix
}

// ctl runs the built heronctl of prefix.
func ctl(t *testing.T, prefix string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(prefix, "bin", "heronctl"), append([]string{"--prefix", prefix}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	status = 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("heronctl %q: %v", args, err)
		}
		status = ee.ExitCode()
	}
	return out.String(), errb.String(), status
}

func mustCtl(t *testing.T, prefix string, args ...string) string {
	t.Helper()
	start := time.Now()
	out, errOut, status := ctl(t, prefix, args...)
	t.Logf("heronctl %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if status != 0 {
		t.Fatalf("heronctl %q: status %d\n%s%s", args, status, out, errOut)
	}
	return out
}

type statusJSON struct {
	Nodes  []nodeJSON
	Errors []string
}

// nodeJSON is a node in the output of status --json.
type nodeJSON struct {
	Name, Type, Host, Status string
	Pid                      int
	Restarts                 int
	LastExit                 string `json:"last_exit"`
	Error                    string
}

// killAndWait kills the process pid of the node at index i of status and
// waits, at most 3.5 s, until its supervisor has restarted it; it returns
// the node's new state.
func killAndWait(t *testing.T, prefix string, i, pid int) nodeJSON {
	t.Helper()
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for {
		n := getStatus(t, prefix).Nodes[i]
		if n.Status == "running" && n.Pid != pid && n.Pid > 0 {
			t.Logf("%s restarted in %v", n.Name, time.Since(killed).Round(time.Millisecond))
			return n
		}
		if time.Since(killed) > 3500*time.Millisecond {
			t.Fatalf("%s not restarted within 3.5 s: %+v", n.Name, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getStatus(t *testing.T, prefix string) statusJSON {
	t.Helper()
	out, errOut, _ := ctl(t, prefix, "status", "--json")
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s%s", err, out, errOut)
	}
	return st
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// liveFIFO makes a named pipe holding a pcap file header, kept open for
// writing until the test ends: a worker reading it waits for packets, as
// on a live source, until it is stopped.
func liveFIFO(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "live.pcap")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0) // does not wait for a reader
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0}
	if _, err := f.Write(hdr); err != nil {
		t.Fatal(err)
	}
	return p
}

// killLeftovers kills, at the end of a test, every process the state
// files under spool name (a failed test must not leave a cluster behind).
func killLeftovers(t *testing.T, spool string) {
	t.Cleanup(func() {
		b, err := os.ReadFile(filepath.Join(spool, "supervise", "state.json"))
		if err != nil {
			return
		}
		var st struct {
			Supervisor int `json:"supervisor_pid"`
			Nodes      []struct{ Pid int }
		}
		json.Unmarshal(b, &st)
		if st.Supervisor > 0 && alivePid(st.Supervisor) {
			syscall.Kill(st.Supervisor, syscall.SIGKILL)
		}
		for _, n := range st.Nodes {
			if n.Pid > 0 {
				syscall.Kill(n.Pid, syscall.SIGKILL)
			}
		}
	})
}

func alivePid(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is missing: %v", rel, err)
	}
	return p
}

// fiveNodes is a node.cfg with a logger, a manager and a proxy on this
// machine, and worker-1 and worker-2 on workers, reading the files read1
// and read2.
func fiveNodes(workers, read1, read2 string) string {
	return fmt.Sprintf(`[logger]
type=logger
host=localhost
[manager]
type=manager
host=localhost
[proxy]
type=proxy
host=localhost
[worker-1]
type=worker
host=%[1]s
read=%[2]s
[worker-2]
type=worker
host=%[1]s
read=%[3]s
`, workers, read1, read2)
}

// TestLocalCluster runs a cluster of real heron processes on this
// machine: logger, manager, proxy, a worker on the project's sample trace
// and one on a live pipe. install, start, status, a worker killed with
// SIGKILL and restarted by its supervisor, diag, stop.
func TestLocalCluster(t *testing.T) {
	live := liveFIFO(t)
	sample := repoFile(t, "testdata/sample.pcap")
	prefix := testPrefix(t, map[string]string{
		"etc/heronctl.cfg": fmt.Sprintf("ZeekPort = %d\nMetricsPort = 0\nStopTimeout = 3\nSitePolicyScripts =\nSendMail =\n", freePort(t)),
		"etc/node.cfg":     fiveNodes("localhost", live, sample),
		"etc/networks.cfg": "10.0.0.0/8\n",
	})
	spool := filepath.Join(prefix, "spool")
	killLeftovers(t, spool)

	out := mustCtl(t, prefix, "check")
	if !strings.Contains(out, "worker-1 scripts are ok.") {
		t.Errorf("check:\n%s", out)
	}
	out = mustCtl(t, prefix, "install")
	if !strings.Contains(out, "installing on localhost: 3 files copied, 2 unchanged") {
		t.Errorf("install:\n%s", out)
	}
	out = mustCtl(t, prefix, "install")
	if !strings.Contains(out, "installing on localhost: 0 files copied, 5 unchanged") {
		t.Errorf("second install:\n%s", out)
	}
	out, errOut, status := ctl(t, prefix, "start")
	if status != 0 {
		diag, _, _ := ctl(t, prefix, "diag")
		t.Fatalf("start: status %d\n%s%s\n%s", status, out, errOut, diag)
	}
	if want := "starting logger ...\nstarting manager ...\nstarting proxy ...\nstarting workers ...\n"; out != want {
		t.Errorf("start printed %q, want %q", out, want)
	}
	st := getStatus(t, prefix)
	pids := map[string]int{}
	for _, n := range st.Nodes {
		pids[n.Name] = n.Pid
		ok := n.Status == "running" && n.Pid > 0
		if n.Name == "worker-2" {
			ok = ok || n.Status == "finished" // the sample trace is short
		}
		if !ok {
			t.Errorf("after start: %+v", n)
		}
	}
	if len(st.Nodes) != 5 {
		t.Fatalf("status: %+v", st)
	}
	text := mustCtl(t, prefix, "status")
	t.Logf("status:\n%s", text)
	lines := strings.Split(text, "\n")
	if lines[0] != "Name         Type    Host             Status    Pid    Started" ||
		!strings.HasPrefix(lines[1], fmt.Sprintf("logger       logger  localhost        running   %-6d ", pids["logger"])) {
		t.Errorf("status text:\n%s", text)
	}

	// A worker killed is back within ~3 s, and diag shows why it died.
	if n := getStatus(t, prefix).Nodes[3]; n.Name != "worker-1" {
		t.Fatalf("node order: %+v", n)
	}
	w1 := killAndWait(t, prefix, 3, pids["worker-1"])
	if w1.Name != "worker-1" || w1.Restarts != 1 || w1.LastExit != "killed by signal 9 (killed)" {
		t.Errorf("restarted worker: %+v", w1)
	}
	pids["worker-1"] = w1.Pid
	diag := mustCtl(t, prefix, "diag", "worker-1")
	if !strings.HasPrefix(diag, "[worker-1]\n\nNode worker-1 on localhost crashed at ") || !strings.Contains(diag, ": killed by signal 9 (killed).") ||
		!strings.Contains(diag, "==== stderr (last 100 lines)") {
		t.Errorf("diag:\n%s", diag)
	}
	var dj struct {
		Nodes []struct {
			Name    string
			Reports []struct {
				Signal int
				Dir    string
			}
		}
	}
	out = mustCtl(t, prefix, "diag", "--json", "worker-1", "manager")
	if err := json.Unmarshal([]byte(out), &dj); err != nil || len(dj.Nodes) != 2 || len(dj.Nodes[1].Reports) != 1 || dj.Nodes[1].Name != "worker-1" ||
		dj.Nodes[1].Reports[0].Signal != 9 || !strings.HasPrefix(dj.Nodes[1].Reports[0].Dir, filepath.Join(spool, "crash", "worker-1")+"/") || len(dj.Nodes[0].Reports) != 0 {
		t.Errorf("diag --json: %v\n%s", err, out)
	}

	// stop: everything ends, the supervisor too.
	b, _ := os.ReadFile(filepath.Join(spool, "supervise", "state.json"))
	var sup struct {
		Supervisor int `json:"supervisor_pid"`
	}
	json.Unmarshal(b, &sup)
	out = mustCtl(t, prefix, "stop")
	if want := "stopping workers ...\nstopping proxy ...\nstopping logger ...\nstopping manager ...\n"; out != want {
		t.Errorf("stop printed %q, want %q", out, want)
	}
	for _, n := range getStatus(t, prefix).Nodes {
		if n.Status != "stopped" || n.Pid != 0 {
			t.Errorf("after stop: %+v", n)
		}
	}
	for name, pid := range pids {
		if pid > 0 && alivePid(pid) {
			t.Errorf("%s (pid %d) still runs after stop", name, pid)
		}
	}
	if sup.Supervisor == 0 || alivePid(sup.Supervisor) {
		t.Errorf("supervisor pid %d after stop", sup.Supervisor)
	}
	text = mustCtl(t, prefix, "status")
	if !strings.Contains(text, "\nworker-1     worker  localhost        stopped\n") {
		t.Errorf("status after stop:\n%s", text)
	}
	// The worker on the sample trace sent its logs to the logger, which
	// archived them under LogDir when it stopped.
	if archives, _ := filepath.Glob(filepath.Join(prefix, "logs", "*", "conn.*.log.gz")); len(archives) == 0 {
		live, _ := filepath.Glob(filepath.Join(spool, "logger", "*.log"))
		t.Errorf("no conn.log archive from the cluster under LogDir; live logs left: %q", live)
	}
	out = mustCtl(t, prefix, "cleanup", "--all")
	if _, err := os.Stat(filepath.Join(spool, "crash", "worker-1")); err == nil {
		t.Errorf("cleanup --all left the crash reports: %s", out)
	}

	// deploy: check, install (nothing changed), restart.
	out = mustCtl(t, prefix, "deploy")
	for _, want := range []string{"checking configuration ...\n", "manager scripts are ok.\n", "stopping workers ...\n",
		"installing on localhost: 0 files copied, 5 unchanged\n", "starting logger ...\n", "starting workers ...\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	if n := getStatus(t, prefix).Nodes[2]; n.Name != "proxy" || n.Status != "running" {
		t.Errorf("proxy after deploy: %+v", n)
	}
	var df struct {
		Filesystems []struct {
			Node, Host, Path string
			Total            uint64
		}
	}
	out = mustCtl(t, prefix, "df", "--json")
	if err := json.Unmarshal([]byte(out), &df); err != nil || len(df.Filesystems) == 0 || df.Filesystems[0].Host != "localhost" ||
		df.Filesystems[0].Node != "logger" || df.Filesystems[0].Total == 0 || !strings.HasPrefix(df.Filesystems[0].Path, prefix) {
		t.Errorf("df: %v\n%s", err, out)
	}
	out = mustCtl(t, prefix, "top")
	t.Logf("top:\n%s", out)
	if lines := strings.Split(out, "\n"); !strings.HasPrefix(lines[0], "Name         Type    Host             Pid     VSize  Rss  Cpu   Cmd") ||
		!strings.HasPrefix(lines[1], "logger       logger  localhost        ") || !strings.HasSuffix(lines[1], " heron") {
		t.Errorf("top:\n%s", out)
	}
	if out := mustCtl(t, prefix, "df"); !strings.Contains(out, "logger/localhost") || !strings.Contains(out, "capacity") {
		t.Errorf("df:\n%s", out)
	}
	out = mustCtl(t, prefix, "restart", "worker-1")
	if out != "stopping workers ...\nstarting workers ...\n" {
		t.Errorf("restart worker-1: %q", out)
	}
	os.WriteFile(filepath.Join(spool, "worker-1", "leftover"), nil, 0o644)
	out = mustCtl(t, prefix, "restart", "--clean", "worker-1")
	if want := "stopping workers ...\ncleaning up nodes ...\nchecking configuration ...\nlogger scripts are ok.\nmanager scripts are ok.\n" +
		"proxy scripts are ok.\nworker-1 scripts are ok.\nworker-2 scripts are ok.\ngenerating cluster-layout.json ...\n" +
		"installing on localhost: 0 files copied, 5 unchanged\nstarting workers ...\n"; out != want {
		t.Errorf("restart --clean worker-1: %q, want %q", out, want)
	}
	if _, err := os.Stat(filepath.Join(spool, "worker-1", "leftover")); err == nil {
		t.Error("restart --clean kept worker-1's spool directory")
	}
	if n := getStatus(t, prefix).Nodes[3]; n.Status != "running" {
		t.Errorf("worker-1 after restart --clean: %+v", n)
	}
	mustCtl(t, prefix, "stop")
	for _, n := range getStatus(t, prefix).Nodes {
		if n.Status != "stopped" {
			t.Errorf("after the last stop: %+v", n)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if ctlBin != "" {
		os.RemoveAll(filepath.Dir(ctlBin))
	}
	os.Exit(code)
}
