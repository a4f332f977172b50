package supervise

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func readStateFile(file string) (*State, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("supervise: %s: %w", file, err)
	}
	return &st, nil
}

// alive tells whether pid is a live process whose command line contains
// marker (so that a reused pid is not taken for ours).
func alive(pid int, marker string) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && err != syscall.EPERM {
		return false
	}
	if st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil {
		// A zombie is not alive.
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
			return false
		}
	}
	if marker == "" {
		return true
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return true // no /proc: trust the signal test
	}
	return bytes.Contains(b, []byte(marker))
}

// StartGrace is how long Start waits for a started node to stay up
// before it reports it running.
var StartGrace = 500 * time.Millisecond

// supervisorMarker is in every supervisor's command line.
const supervisorMarker = "_supervise"

// ReadState returns the host's state, with every node of the plan, and
// corrects what a dead supervisor left behind: its nodes that no longer
// run are "crashed" (they were wanted) and its pid is dropped.
func ReadState(plan *Plan) *State {
	st, err := readStateFile(plan.statePath())
	if err != nil {
		st = &State{}
	}
	st.SupervisorAlive = alive(st.Supervisor, supervisorMarker)
	if !st.SupervisorAlive {
		st.Supervisor = 0
	}
	byName := map[string]NodeState{}
	for _, n := range st.Nodes {
		byName[n.Name] = n
	}
	var nodes []NodeState
	for _, pn := range plan.Nodes {
		n, ok := byName[pn.Name]
		if !ok {
			n = NodeState{Name: pn.Name, Status: StatusStopped}
		}
		n.Type, n.Host = pn.Type, plan.Host
		if n.Status == StatusRunning && !alive(n.Pid, "") {
			n.Status, n.Pid = StatusCrashed, 0
		}
		if !st.SupervisorAlive && n.Status == StatusCrashed {
			n.NextStart = time.Time{}
		}
		nodes = append(nodes, n)
	}
	st.Nodes = nodes
	return st
}

// Start marks names (every node of the plan when empty) as wanted,
// starts the supervisor when none runs (as self _supervise --plan
// planFile, detached) or tells it to act, and waits until every named
// node has been started or wait has passed. It returns the state.
func Start(plan *Plan, planFile, self string, names []string, wait time.Duration) (*State, error) {
	names, want, unlock, err := plan.begin(names)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st := ReadState(plan)
	if !st.SupervisorAlive {
		want = map[string]bool{}
	}
	for _, n := range names {
		want[n] = true
	}
	if err := plan.writeWant(want); err != nil {
		return nil, err
	}
	if st.SupervisorAlive {
		syscall.Kill(st.Supervisor, syscall.SIGHUP)
	} else if err := spawn(plan, planFile, self); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		st = ReadState(plan)
		done := st.SupervisorAlive
		for _, n := range st.Nodes {
			if !contains(names, n.Name) {
				continue
			}
			// A node counts as started once it has run for a moment, so
			// that one that dies at once is reported as crashed.
			if n.Status == StatusStopped || n.Status == StatusRunning && time.Since(n.Started) < StartGrace {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			return st, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop marks names (every node when empty) as not wanted, tells the
// supervisor, and waits until they have stopped (at most the plan's stop
// timeout and 10 s more). It returns the state.
func Stop(plan *Plan, names []string) (*State, error) {
	names, want, unlock, err := plan.begin(names)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for _, n := range names {
		delete(want, n)
	}
	if err := plan.writeWant(want); err != nil {
		return nil, err
	}
	st := ReadState(plan)
	if !st.SupervisorAlive {
		return st, nil
	}
	supervisor := st.Supervisor
	syscall.Kill(supervisor, syscall.SIGHUP)
	deadline := time.Now().Add(time.Duration(max(plan.StopTimeout, 1)*len(names))*time.Second + 10*time.Second)
	for {
		time.Sleep(100 * time.Millisecond)
		st = ReadState(plan)
		done := true
		for _, n := range st.Nodes {
			if contains(names, n.Name) && (n.Status == StatusRunning || n.Pid != 0) {
				done = false
			}
		}
		if len(want) == 0 && alive(supervisor, supervisorMarker) {
			done = false // the supervisor exits with its last node
		}
		if done {
			return st, nil
		}
		if plan.StopTimeout >= 0 && time.Now().After(deadline) {
			return st, fmt.Errorf("supervise: nodes on %s did not stop within %v", plan.Host, time.Duration(plan.StopTimeout)*time.Second)
		}
	}
}

// begin starts a change of which nodes are wanted: it checks names (see
// check), takes the host's lock and reads the wanted nodes. The caller
// calls unlock when it is done; on an error nothing is held.
func (p *Plan) begin(names []string) (checked []string, want map[string]bool, unlock func(), err error) {
	if checked, err = p.check(names); err != nil {
		return nil, nil, nil, err
	}
	if unlock, err = p.lock(); err != nil {
		return nil, nil, nil, err
	}
	if want, err = p.readWant(); err != nil {
		unlock()
		return nil, nil, nil, err
	}
	return checked, want, unlock, nil
}

// check returns names, or every node of the plan when names is empty; a
// name the plan does not have is an error.
func (p *Plan) check(names []string) ([]string, error) {
	if len(names) == 0 {
		for _, n := range p.Nodes {
			names = append(names, n.Name)
		}
		return names, nil
	}
	for _, n := range names {
		if p.node(n) == nil {
			return nil, fmt.Errorf("supervise: host %s has no node %q", p.Host, n)
		}
	}
	return names, nil
}

// lock serializes heronctl's operations on one host.
func (p *Plan) lock() (func(), error) {
	if err := os.MkdirAll(p.Dir(), 0o755); err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(p.Dir(), "heronctl.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("supervise: locking: %w", err)
	}
	return func() { f.Close() }, nil
}

// spawn starts a detached supervisor: its own session, no terminal,
// output appended to supervise/supervisor.log.
func spawn(plan *Plan, planFile, self string) error {
	logf, err := os.OpenFile(filepath.Join(plan.Dir(), "supervisor.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	defer devnull.Close()
	cmd := exec.Command(self, supervisorMarker, "--plan", planFile)
	cmd.Dir = plan.Dir()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("supervise: starting the supervisor: %w", err)
	}
	pid := cmd.Process.Pid
	// Reap it if it exits while we wait (it normally outlives us).
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	for range 100 {
		if st, err := readStateFile(plan.statePath()); err == nil && st.Supervisor == pid {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("supervise: the supervisor exited at once (see %s)", filepath.Join(plan.Dir(), "supervisor.log"))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !alive(pid, supervisorMarker) {
		return fmt.Errorf("supervise: the supervisor exited at once (see %s)", filepath.Join(plan.Dir(), "supervisor.log"))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Diag returns the crash reports of names (every node when empty), each
// node's newest first.
func Diag(plan *Plan, names []string) (map[string][]CrashReport, error) {
	names, err := plan.check(names)
	if err != nil {
		return nil, err
	}
	out := map[string][]CrashReport{}
	for _, n := range names {
		r, err := ReadCrashReports(plan, n)
		if err != nil {
			return nil, err
		}
		out[n] = r
	}
	return out, nil
}

// Cleanup removes the working directories of the host's nodes that do not
// run, as zeekctl's cleanup clears their spool directories; all also
// removes their crash reports and the supervisor's state.
func Cleanup(plan *Plan, all bool) ([]string, error) {
	unlock, err := plan.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	st := ReadState(plan)
	removed := []string{}
	for _, n := range st.Nodes {
		if n.Status == StatusRunning {
			continue
		}
		dirs := []string{plan.NodeDir(n.Name)}
		if all {
			dirs = append(dirs, plan.CrashDir(n.Name))
		}
		for _, d := range dirs {
			if _, err := os.Stat(d); err == nil {
				if err := os.RemoveAll(d); err != nil {
					return removed, fmt.Errorf("supervise: %w", err)
				}
				removed = append(removed, d)
			}
		}
	}
	if all && !st.SupervisorAlive {
		for _, f := range []string{plan.statePath(), plan.wantPath()} {
			if os.Remove(f) == nil {
				removed = append(removed, f)
			}
		}
	}
	return removed, nil
}
