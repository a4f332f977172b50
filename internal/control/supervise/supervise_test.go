package supervise

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play a supervisor (as heronctl
// _supervise) and a heron node (with FAKE_HERON=1), so that the tests run
// real processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == supervisorMarker {
		plan, err := ReadPlan(os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := Run(plan, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv("FAKE_HERON") == "1" {
		fakeNode()
	}
	os.Exit(m.Run())
}

// fakeNode behaves as its --node name says.
func fakeNode() {
	name := ""
	for i, a := range os.Args {
		if a == "--node" && i+1 < len(os.Args) {
			name = os.Args[i+1]
		}
	}
	fmt.Printf("node %s env %s\n", name, os.Getenv("NODE_VAR"))
	fmt.Fprintf(os.Stderr, "node %s starting\n", name)
	switch {
	case strings.HasPrefix(name, "panicker"):
		time.Sleep(100 * time.Millisecond)
		panic("boom")
	case strings.HasPrefix(name, "finite"):
		os.Exit(0)
	case strings.HasPrefix(name, "stubborn"):
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(time.Hour)
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	<-c
	fmt.Fprintf(os.Stderr, "node %s stopping\n", name)
	os.Exit(0)
}

func testPlan(t *testing.T, nodes ...string) (*Plan, string) {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &Plan{Host: "localhost", Heron: self, Layout: filepath.Join(dir, "layout.json"), SpoolDir: filepath.Join(dir, "spool"), StopTimeout: 1}
	for _, n := range nodes {
		p.Nodes = append(p.Nodes, PlanNode{Name: n, Type: "worker", Env: map[string]string{"FAKE_HERON": "1", "NODE_VAR": "v-" + n}, Finite: strings.HasPrefix(n, "finite")})
	}
	file := filepath.Join(dir, "plan.json")
	b := fmt.Appendf(nil, "%s", mustMarshal(p))
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Leave nothing running, whatever happened.
		st := ReadState(p)
		if st.SupervisorAlive {
			syscall.Kill(st.Supervisor, syscall.SIGKILL)
		}
		for _, n := range st.Nodes {
			if n.Pid != 0 {
				syscall.Kill(n.Pid, syscall.SIGKILL)
			}
		}
	})
	return p, file
}

func waitFor(t *testing.T, what string, d time.Duration, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func nodeState(st *State, name string) NodeState {
	for _, n := range st.Nodes {
		if n.Name == name {
			return n
		}
	}
	return NodeState{}
}

// TestSuperviseRestart: nodes start with their environment and output
// files; a node killed with SIGKILL is restarted within seconds and leaves
// a crash report naming the signal; a panicking node's report holds its Go
// stack and it is restarted with a growing delay; a finished trace reader
// is not restarted; stop ends every process and the supervisor.
func TestSuperviseRestart(t *testing.T) {
	self, _ := os.Executable()
	p, file := testPlan(t, "sleeper", "panicker", "finite")
	st, err := Start(p, file, self, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !st.SupervisorAlive {
		t.Fatalf("no supervisor: %+v", st)
	}
	if pn := nodeState(st, "panicker"); pn.Status != StatusCrashed {
		t.Errorf("Start reported the node that died at once as %+v", pn)
	}
	sl := nodeState(st, "sleeper")
	if sl.Status != StatusRunning || sl.Pid == 0 {
		t.Fatalf("sleeper %+v", sl)
	}
	waitFor(t, "sleeper's output", 5*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(p.NodeDir("sleeper"), "stdout.log"))
		return string(b) == "node sleeper env v-sleeper\n"
	})

	// SIGKILL: restarted within ~1 s (the first backoff).
	killed := time.Now()
	if err := syscall.Kill(sl.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var again NodeState
	waitFor(t, "the sleeper's restart", 3*time.Second, func() bool {
		again = nodeState(ReadState(p), "sleeper")
		return again.Status == StatusRunning && again.Pid != 0 && again.Pid != sl.Pid
	})
	t.Logf("restarted in %v", time.Since(killed).Round(time.Millisecond))
	if again.Restarts != 1 || again.LastExit != "killed by signal 9 (killed)" {
		t.Errorf("after the kill: %+v", again)
	}
	reports, err := ReadCrashReports(p, "sleeper")
	if err != nil || len(reports) != 1 {
		t.Fatalf("sleeper reports %v %v", reports, err)
	}
	r := reports[0]
	if r.Signal != 9 || r.ExitStatus != -1 || len(r.Stderr) != 1 || r.Stderr[0] != "node sleeper starting" || r.Stack != "" {
		t.Errorf("sleeper report %+v", r)
	}
	if txt, err := os.ReadFile(filepath.Join(r.Dir, "report.txt")); err != nil || !strings.Contains(string(txt), "killed by signal 9") {
		t.Errorf("report.txt: %v\n%s", err, txt)
	}

	// The panicking node: reports with its stack, restarts spaced 1 s, 2 s.
	waitFor(t, "three panics", 8*time.Second, func() bool {
		rs, _ := ReadCrashReports(p, "panicker")
		return len(rs) >= 3
	})
	rs, _ := ReadCrashReports(p, "panicker")
	if !strings.HasPrefix(rs[0].Stack, "panic: boom") || !strings.Contains(rs[0].Stack, "goroutine ") || rs[0].ExitStatus != 2 {
		t.Errorf("panic report %+v", rs[0])
	}
	if _, err := os.Stat(filepath.Join(rs[0].Dir, "stack.txt")); err != nil {
		t.Error(err)
	}
	// From a crash to the next start: 1 s, then 2 s (plus at most a
	// tick of the supervisor's loop and some scheduling).
	if d := rs[1].Started.Sub(rs[2].Time); d < time.Second || d > 1800*time.Millisecond {
		t.Errorf("first restart %v after the crash, want 1 s", d)
	}
	if d := rs[0].Started.Sub(rs[1].Time); d < 2*time.Second || d > 2800*time.Millisecond {
		t.Errorf("second restart %v after the crash, want the doubled delay, 2 s", d)
	}
	if f := nodeState(ReadState(p), "finite"); f.Status != StatusFinished || f.Restarts != 0 {
		t.Errorf("finite %+v", f)
	}
	if rs, _ := ReadCrashReports(p, "finite"); len(rs) != 0 {
		t.Errorf("finite has crash reports %+v", rs)
	}

	// Stop: everything ends.
	pids := []int{ReadState(p).Supervisor, nodeState(ReadState(p), "sleeper").Pid}
	st, err = Stop(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Nodes {
		if n.Status != StatusStopped || n.Pid != 0 {
			t.Errorf("after stop: %+v", n)
		}
	}
	for _, pid := range pids {
		waitFor(t, fmt.Sprintf("pid %d to end", pid), 3*time.Second, func() bool { return !alive(pid, "") })
	}
	b, _ := os.ReadFile(filepath.Join(p.NodeDir("sleeper"), "stderr.log"))
	if !strings.Contains(string(b), "node sleeper stopping") {
		t.Errorf("sleeper did not get SIGTERM: %q", b)
	}
}

// TestStopTimeout: a node that ignores SIGTERM is killed after the stop
// timeout.
func TestStopTimeout(t *testing.T) {
	self, _ := os.Executable()
	p, file := testPlan(t, "stubborn")
	st, err := Start(p, file, self, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	pid := nodeState(st, "stubborn").Pid
	start := time.Now()
	if _, err := Stop(p, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second {
		t.Errorf("stop took %v, want about the 1 s stop timeout", d)
	}
	if alive(pid, "") {
		t.Errorf("pid %d survived", pid)
	}
}

// TestStartSubset: start and stop act on the named nodes only, and an
// unknown name is an error.
func TestStartSubset(t *testing.T) {
	self, _ := os.Executable()
	p, file := testPlan(t, "sleeper-1", "sleeper-2")
	if _, err := Start(p, file, self, []string{"nosuch"}, time.Second); err == nil || !strings.Contains(err.Error(), `no node "nosuch"`) {
		t.Errorf("unknown node: %v", err)
	}
	st, err := Start(p, file, self, []string{"sleeper-2"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := nodeState(st, "sleeper-1"), nodeState(st, "sleeper-2"); a.Status != StatusStopped || b.Status != StatusRunning {
		t.Fatalf("%+v %+v", a, b)
	}
	st, err = Start(p, file, self, []string{"sleeper-1"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if a := nodeState(st, "sleeper-1"); a.Status != StatusRunning {
		t.Fatalf("%+v", a)
	}
	us := Top(p, 200*time.Millisecond)
	if len(us) != 2 || us[0].Name != "sleeper-1" || us[0].RSS == 0 || us[0].VSize < us[0].RSS || us[0].CPU < 0 || us[0].CPU > 200 || us[0].Command == "" {
		t.Errorf("top: %+v", us)
	}
	st, err = Stop(p, []string{"sleeper-2"})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := nodeState(st, "sleeper-1"), nodeState(st, "sleeper-2"); a.Status != StatusRunning || b.Status != StatusStopped || !st.SupervisorAlive {
		t.Fatalf("%+v %+v %v", a, b, st.SupervisorAlive)
	}
	st, err = Stop(p, nil)
	if err != nil || st.SupervisorAlive {
		t.Fatalf("%v %+v", err, st)
	}
	removed, err := Cleanup(p, true)
	if err != nil || len(removed) < 2 {
		t.Errorf("cleanup: %v %v", removed, err)
	}
	if _, err := os.Stat(p.NodeDir("sleeper-1")); err == nil {
		t.Error("cleanup left the node directory")
	}
}

// TestSupervisorDied: when a supervisor is killed, the next one stops the
// nodes it left before starting them again, so none runs twice.
func TestSupervisorDied(t *testing.T) {
	self, _ := os.Executable()
	p, file := testPlan(t, "sleeper")
	st, err := Start(p, file, self, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	old := nodeState(st, "sleeper").Pid
	if err := syscall.Kill(st.Supervisor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the supervisor's death", 3*time.Second, func() bool { return !ReadState(p).SupervisorAlive })
	if n := nodeState(ReadState(p), "sleeper"); n.Status != StatusRunning || n.Pid != old {
		t.Fatalf("orphan %+v", n)
	}
	st, err = Start(p, file, self, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n := nodeState(st, "sleeper"); n.Status != StatusRunning || n.Pid == old {
		t.Errorf("after the new start %+v (old pid %d)", n, old)
	}
	if alive(old, "") {
		t.Errorf("the orphan %d still runs", old)
	}
	b, _ := os.ReadFile(filepath.Join(p.Dir(), "supervisor.log"))
	if !strings.Contains(string(b), fmt.Sprintf("sleeper: stopping pid %d, left by a previous supervisor", old)) {
		t.Errorf("supervisor.log:\n%s", b)
	}
	if _, err := Stop(p, nil); err != nil {
		t.Fatal(err)
	}
}

// TestCrashMail: a crash is mailed through the SendMail program (here a
// script that keeps what it is given), once per MailInterval per node.
func TestCrashMail(t *testing.T) {
	self, _ := os.Executable()
	p, file := testPlan(t, "panicker")
	dir := t.TempDir()
	script := filepath.Join(dir, "sendmail")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" > \"$0.args.$$\"\ncat > \"$0.mail.$$\"\n"), 0o755)
	p.Mail = &Mail{From: "Heron <heron@example.org>", To: "noc@example.org", SubjectPrefix: "[Heron]", SendMail: script}
	os.WriteFile(file, mustMarshal(p), 0o644)
	if _, err := Start(p, file, self, nil, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two crashes", 6*time.Second, func() bool {
		rs, _ := ReadCrashReports(p, "panicker")
		return len(rs) >= 2
	})
	if _, err := Stop(p, nil); err != nil {
		t.Fatal(err)
	}
	mails, _ := filepath.Glob(script + ".mail.*")
	if len(mails) != 1 {
		t.Fatalf("%d mails, want 1 (one per MailInterval)", len(mails))
	}
	b, _ := os.ReadFile(mails[0])
	m := string(b)
	for _, want := range []string{"To: noc@example.org", "Subject: [Heron] Crash report from panicker", "Node panicker on host localhost stopped unexpectedly",
		"Cause: exit status 2.", "panic: boom", "It has been started again."} {
		if !strings.Contains(m, want) {
			t.Errorf("mail lacks %q:\n%s", want, m)
		}
	}
	args, _ := filepath.Glob(script + ".args.*")
	if b, _ := os.ReadFile(args[0]); strings.TrimSpace(string(b)) != "-t -oi" {
		t.Errorf("sendmail arguments %q", b)
	}
}

// TestPlanReload: a running supervisor takes a new plan (as install
// writes it) at the next start: new nodes start, nodes gone from the plan
// stop.
func TestPlanReload(t *testing.T) {
	self, _ := os.Executable()
	p, file := testPlan(t, "sleeper-1")
	st, err := Start(p, file, self, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	old := nodeState(st, "sleeper-1").Pid
	np := *p
	np.Nodes = []PlanNode{{Name: "sleeper-2", Type: "worker", Env: map[string]string{"FAKE_HERON": "1"}}}
	os.WriteFile(file, mustMarshal(&np), 0o644)
	st, err = Start(&np, file, self, []string{"sleeper-2"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Nodes) != 1 || st.Nodes[0].Name != "sleeper-2" || st.Nodes[0].Status != StatusRunning {
		t.Errorf("after the new plan: %+v", st.Nodes)
	}
	waitFor(t, "sleeper-1 to stop", 3*time.Second, func() bool { return !alive(old, "") })
	if _, err := Stop(&np, nil); err != nil {
		t.Fatal(err)
	}
}

// TestExpireCrashes: reports past CrashExpireDays go, and at most
// MaxReports are kept.
func TestExpireCrashes(t *testing.T) {
	p, _ := testPlan(t, "w")
	p.CrashExpireDays = 2
	s := &Supervisor{plan: p, log: log.New(io.Discard, "", 0)}
	now := time.Now().UTC()
	var names []string
	for _, age := range []time.Duration{72 * time.Hour, 49 * time.Hour, 47 * time.Hour, time.Hour, time.Minute} {
		n := now.Add(-age).Format("2006-01-02T15:04:05.000Z")
		names = append(names, n)
		os.MkdirAll(filepath.Join(p.CrashDir("w"), n), 0o755)
	}
	old := MaxReports
	MaxReports = 3
	defer func() { MaxReports = old }()
	s.expireCrashes("w")
	left, _ := filepath.Glob(filepath.Join(p.CrashDir("w"), "*"))
	var got []string
	for _, l := range left {
		got = append(got, filepath.Base(l))
	}
	// Two expired; of the three left, the oldest makes room for the next.
	if want := names[3:]; !reflect.DeepEqual(got, want) {
		t.Errorf("left %q, want %q", got, want)
	}
}
