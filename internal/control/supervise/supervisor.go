package supervise

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/heron-nsm/heron/internal/control/mail"
)

// Restart delays.
var (
	// FirstBackoff is the delay before the first restart of a crashed node.
	FirstBackoff = time.Second
	// MaxBackoff caps the delay, which doubles with each crash.
	MaxBackoff = 60 * time.Second
	// StableAfter is how long a node must run for its delay to start
	// again from FirstBackoff.
	StableAfter = time.Minute
)

// TailLines is how many lines of a crashed node's output its report keeps.
const TailLines = 100

type proc struct {
	pn       *PlanNode
	st       NodeState
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has been waited for
	exit     *os.ProcessState
	stopping bool
	backoff  time.Duration
	logs     []*os.File
	lastMail time.Time // when the last crash mail was sent
	unmailed int       // crashes since then that were not mailed
}

type exitEvent struct{ p *proc }

// Supervisor runs one host's nodes.
type Supervisor struct {
	plan   *Plan
	procs  []*proc
	want   map[string]bool
	events chan exitEvent
	log    *log.Logger
	lock   *os.File
	mailer *mail.Mailer
	mails  sync.WaitGroup // crash mails being sent
}

// Run supervises the plan's wanted nodes until SIGTERM or SIGINT, or
// until no node is wanted and none runs. Only one supervisor runs per
// spool directory: a second one returns at once with an error.
func Run(plan *Plan, logw io.Writer) error {
	s := &Supervisor{plan: plan, events: make(chan exitEvent, 64), log: log.New(logw, "", log.LstdFlags)}
	if err := os.MkdirAll(plan.Dir(), 0o755); err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	lf, err := os.OpenFile(filepath.Join(plan.Dir(), "supervisor.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lf.Close()
		return fmt.Errorf("supervise: another supervisor runs for %s", plan.SpoolDir)
	}
	s.lock = lf
	defer lf.Close()
	if s.mailer, err = plan.mailer(); err != nil {
		s.log.Printf("crash reports will not be mailed: %v", err)
	}
	for i := range plan.Nodes {
		pn := &plan.Nodes[i]
		s.procs = append(s.procs, &proc{pn: pn, st: NodeState{Name: pn.Name, Type: pn.Type, Host: plan.Host, Status: StatusStopped}, backoff: FirstBackoff})
	}
	// Keep what the last supervisor knew of exits, and stop the nodes it
	// left running if it died, so that no node runs twice.
	if old, err := readStateFile(plan.statePath()); err == nil {
		for _, p := range s.procs {
			for _, o := range old.Nodes {
				if o.Name != p.st.Name {
					continue
				}
				p.st.LastExit = o.LastExit
				if o.Pid > 0 && alive(o.Pid, "--node\x00"+o.Name+"\x00") {
					s.log.Printf("%s: stopping pid %d, left by a previous supervisor", o.Name, o.Pid)
					stopOrphan(o.Pid, time.Duration(max(plan.StopTimeout, 1))*time.Second)
				}
			}
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	s.log.Printf("supervisor %d for %s starting", os.Getpid(), plan.Host)
	if s.want, err = plan.readWant(); err != nil {
		return err
	}
	s.reconcile()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev := <-s.events:
			s.exited(ev.p)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				s.reloadPlan()
				if w, err := s.plan.readWant(); err != nil {
					s.log.Print(err)
				} else {
					s.want = w
				}
			} else {
				s.log.Printf("%v: stopping every node", sig)
				s.want = map[string]bool{}
			}
		case <-tick.C:
		}
		s.reconcile()
		if len(s.want) == 0 && !s.anyRunning() {
			s.log.Print("no node to run: supervisor exits")
			s.writeState(0)
			s.mails.Wait() // bounded by the mail timeout
			return nil
		}
	}
}

func (s *Supervisor) anyRunning() bool {
	for _, p := range s.procs {
		if p.cmd != nil {
			return true
		}
	}
	return false
}

// stopSequence returns the indexes of procs in the order to stop them:
// the reverse of the plan's (start) order, except that a manager comes
// after every other node, since the loggers need the NATS server it
// runs to settle and archive their files when they stop.
func stopSequence(procs []*proc) []int {
	seq := make([]int, 0, len(procs))
	for pass := range 2 {
		for i := len(procs) - 1; i >= 0; i-- {
			if (procs[i].pn.Type == "manager") == (pass == 1) {
				seq = append(seq, i)
			}
		}
	}
	return seq
}

// reconcile stops the running nodes that are not wanted (in
// stopSequence's order) and starts the wanted ones that are due (in
// order).
func (s *Supervisor) reconcile() {
	changed := false
	for _, i := range stopSequence(s.procs) {
		p := s.procs[i]
		if !s.want[p.pn.Name] {
			if p.cmd != nil {
				s.stop(p)
				changed = true
			}
			if p.st.Status == StatusCrashed || p.st.Status == StatusFinished {
				p.st.Status, p.st.NextStart = StatusStopped, time.Time{}
				changed = true
			}
		}
	}
	now := time.Now()
	for _, p := range s.procs {
		if !s.want[p.pn.Name] || p.cmd != nil || p.st.Status == StatusFinished {
			continue
		}
		if p.st.Status == StatusCrashed && now.Before(p.st.NextStart) {
			continue
		}
		s.start(p)
		changed = true
	}
	if changed {
		s.writeState(os.Getpid())
	}
}

func (s *Supervisor) start(p *proc) {
	dir := s.plan.NodeDir(p.pn.Name)
	os.MkdirAll(dir, 0o755)
	args := append([]string{"--node", p.pn.Name, "--cluster", s.plan.Layout}, s.plan.Args...)
	cmd := exec.Command(s.plan.Heron, args...)
	cmd.Dir = dir
	env := os.Environ()
	keys := make([]string, 0, len(p.pn.Env))
	for k := range p.pn.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+p.pn.Env[k])
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var files []*os.File
	for _, name := range []string{"stdout.log", "stderr.log"} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			s.log.Printf("%s: %v", p.pn.Name, err)
			continue
		}
		files = append(files, f)
	}
	if len(files) == 2 {
		cmd.Stdout, cmd.Stderr = files[0], files[1]
	}
	p.stopping = false
	if err := cmd.Start(); err != nil {
		s.log.Printf("%s: cannot start: %v", p.pn.Name, err)
		for _, f := range files {
			f.Close()
		}
		p.st.LastExit = "cannot start: " + err.Error()
		s.crashed(p, time.Now(), nil)
		return
	}
	p.cmd, p.logs, p.done = cmd, files, make(chan struct{})
	p.st.Status, p.st.Pid, p.st.Started, p.st.NextStart = StatusRunning, cmd.Process.Pid, time.Now(), time.Time{}
	s.log.Printf("%s: started, pid %d", p.pn.Name, cmd.Process.Pid)
	go func() {
		cmd.Wait()
		p.exit = cmd.ProcessState
		close(p.done)
		s.events <- exitEvent{p}
	}()
}

// stop ends a node: SIGTERM, then SIGKILL after the stop timeout.
func (s *Supervisor) stop(p *proc) {
	p.stopping = true
	s.log.Printf("%s: stopping pid %d", p.pn.Name, p.cmd.Process.Pid)
	p.cmd.Process.Signal(syscall.SIGTERM)
	timeout := time.Duration(s.plan.StopTimeout) * time.Second
	if s.plan.StopTimeout == 0 {
		timeout = 60 * time.Second
	}
	var expired <-chan time.Time
	if timeout > 0 {
		expired = time.After(timeout)
	}
	select {
	case <-p.done:
	case <-expired:
		s.log.Printf("%s: did not stop within %v: killed", p.pn.Name, timeout)
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		p.cmd.Process.Kill()
		<-p.done
	}
	s.finish(p)
	p.st.Status = StatusStopped
	p.st.Restarts = 0
	p.backoff = FirstBackoff
}

// finish clears a process that has been waited for.
func (s *Supervisor) finish(p *proc) {
	for _, f := range p.logs {
		f.Close()
	}
	p.logs = nil
	p.st.LastExit = describeExit(p.exit)
	p.st.Pid = 0
	p.cmd = nil
}

// exited handles the exit of a process that was not being stopped.
func (s *Supervisor) exited(p *proc) {
	if p.cmd == nil || p.exit == nil || p.stopping {
		return // already handled by stop
	}
	ran := time.Since(p.st.Started)
	exit := p.exit
	s.finish(p)
	if p.pn.Finite && exit.Success() {
		s.log.Printf("%s: finished", p.pn.Name)
		p.st.Status = StatusFinished
		s.writeState(os.Getpid())
		return
	}
	if ran >= StableAfter {
		p.backoff = FirstBackoff
	}
	s.crashed(p, time.Now(), exit)
	s.writeState(os.Getpid())
}

// crashed records a crash and schedules the restart.
func (s *Supervisor) crashed(p *proc, at time.Time, exit *os.ProcessState) {
	s.expireCrashes(p.pn.Name)
	r, err := writeCrashReport(s.plan, p, at, exit)
	dir := ""
	if err != nil {
		s.log.Printf("%s: crash report: %v", p.pn.Name, err)
	} else {
		dir = r.Dir
		s.mailCrash(p, r)
	}
	delay := p.backoff
	p.backoff = min(2*p.backoff, MaxBackoff)
	p.st.Status, p.st.NextStart = StatusCrashed, at.Add(delay)
	p.st.Restarts++
	s.log.Printf("%s: %s; report in %s; restart in %v", p.pn.Name, p.st.LastExit, dir, delay)
}

func (s *Supervisor) writeState(pid int) {
	st := State{Supervisor: pid, Updated: time.Now().UTC()}
	for _, p := range s.procs {
		st.Nodes = append(st.Nodes, p.st)
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := writeAtomic(s.plan.statePath(), b); err != nil {
		s.log.Print(err)
	}
}

// describeExit says how a process ended.
func describeExit(ps *os.ProcessState) string {
	if ps == nil {
		return ""
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("killed by signal %d (%s)", int(ws.Signal()), ws.Signal())
	}
	return fmt.Sprintf("exit status %d", ps.ExitCode())
}

// tail returns the last n lines of a file (at most the last 1 MiB is read).
func tail(file string, n int) []string {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	const most = 1 << 20
	if st, err := f.Stat(); err == nil && st.Size() > most {
		f.Seek(st.Size()-most, io.SeekStart)
	}
	b, _ := io.ReadAll(io.LimitReader(f, most))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// signalOf returns the signal that ended a process, 0 for an exit.
func signalOf(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal())
	}
	return 0
}

// stopOrphan stops a process that is not our child: SIGTERM, then SIGKILL
// after timeout.
func stopOrphan(pid int, timeout time.Duration) {
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(timeout)
	for alive(pid, "") {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reloadPlan rereads the plan file, which install may have replaced:
// nodes it no longer has are stopped and forgotten, new ones are added,
// and the others take their new settings at their next start.
func (s *Supervisor) reloadPlan() {
	if s.plan.file == "" {
		return
	}
	np, err := ReadPlan(s.plan.file)
	if err != nil {
		s.log.Printf("keeping the old plan: %v", err)
		return
	}
	byName := map[string]*proc{}
	for _, p := range s.procs {
		byName[p.pn.Name] = p
	}
	var procs []*proc
	for i := range np.Nodes {
		pn := &np.Nodes[i]
		p := byName[pn.Name]
		if p == nil {
			p = &proc{st: NodeState{Name: pn.Name, Status: StatusStopped}, backoff: FirstBackoff}
			s.log.Printf("%s: new in the plan", pn.Name)
		}
		delete(byName, pn.Name)
		p.pn = pn
		p.st.Type, p.st.Host = pn.Type, np.Host
		procs = append(procs, p)
	}
	for i := len(s.procs) - 1; i >= 0; i-- {
		if p := s.procs[i]; byName[p.pn.Name] != nil && p.cmd != nil {
			s.log.Printf("%s: no longer in the plan", p.pn.Name)
			s.stop(p)
		}
	}
	s.procs = procs
	s.plan = np
	if s.mailer, err = np.mailer(); err != nil {
		s.log.Printf("crash reports will not be mailed: %v", err)
	}
}
