package supervise

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Plan is what the supervisor of one host runs.
type Plan struct {
	// Host is the host as node.cfg names it.
	Host string `json:"host"`
	// Heron is the heron binary; Layout the cluster layout file.
	Heron  string `json:"heron"`
	Layout string `json:"layout"`
	// SpoolDir is the cluster's spool directory on this host.
	SpoolDir string `json:"spool_dir"`
	// LogDir is where archived logs go (for df).
	LogDir string `json:"log_dir,omitempty"`
	// StopTimeout is how long a node may take to stop before it is
	// killed, in seconds; negative: no limit (StopWait), 0: 60 s.
	StopTimeout int `json:"stop_timeout"`
	// Args are extra arguments for every node (ZeekArgs).
	Args []string `json:"args,omitempty"`
	// Nodes are the host's nodes in start order.
	Nodes []PlanNode `json:"nodes"`
	// CrashExpireDays is how long crash reports are kept (0: forever).
	CrashExpireDays int `json:"crash_expire_days,omitempty"`
	// Mail, when set, is where crash reports are mailed.
	Mail *Mail `json:"mail,omitempty"`

	file string // where ReadPlan read it
}

// Mail is how a supervisor mails crash reports (heronctl.cfg's Mail*
// options and SendMail).
type Mail struct {
	From          string `json:"from"`
	To            string `json:"to"`
	ReplyTo       string `json:"reply_to,omitempty"`
	SubjectPrefix string `json:"subject_prefix"`
	SendMail      string `json:"sendmail,omitempty"`
	SMTPServer    string `json:"smtp_server,omitempty"`
	SMTPPort      int    `json:"smtp_port,omitempty"`
	TLS           string `json:"smtp_tls,omitempty"`
	User          string `json:"smtp_user,omitempty"`
	Password      string `json:"smtp_password,omitempty"`
}

// PlanNode is one node of a plan.
type PlanNode struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Env is added to the supervisor's environment.
	Env map[string]string `json:"env,omitempty"`
	// Finite is true for a node that reads a trace: its exit with status
	// 0 is the end of its work, not a crash.
	Finite bool `json:"finite,omitempty"`
}

// ReadPlan reads a plan file.
func ReadPlan(file string) (*Plan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("supervise: %w (run heronctl install)", err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("supervise: %s: %w", file, err)
	}
	if p.SpoolDir == "" || p.Heron == "" || p.Layout == "" {
		return nil, fmt.Errorf("supervise: %s: the plan lacks heron, layout or spool_dir", file)
	}
	p.file = file
	return &p, nil
}

func (p *Plan) node(name string) *PlanNode {
	for i := range p.Nodes {
		if p.Nodes[i].Name == name {
			return &p.Nodes[i]
		}
	}
	return nil
}

// Dir is the supervisor's own directory under the spool.
func (p *Plan) Dir() string { return filepath.Join(p.SpoolDir, "supervise") }

func (p *Plan) statePath() string { return filepath.Join(p.Dir(), "state.json") }
func (p *Plan) wantPath() string  { return filepath.Join(p.Dir(), "want.json") }

// NodeDir is a node's working directory.
func (p *Plan) NodeDir(name string) string { return filepath.Join(p.SpoolDir, name) }

// CrashDir is where a node's crash reports are kept.
func (p *Plan) CrashDir(name string) string { return filepath.Join(p.SpoolDir, "crash", name) }

// readWant returns the nodes that should run.
func (p *Plan) readWant() (map[string]bool, error) {
	b, err := os.ReadFile(p.wantPath())
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, fmt.Errorf("supervise: %s: %w", p.wantPath(), err)
	}
	m := map[string]bool{}
	for _, n := range names {
		if p.node(n) != nil {
			m[n] = true
		}
	}
	return m, nil
}

func (p *Plan) writeWant(want map[string]bool) error {
	names := []string{}
	for _, n := range p.Nodes {
		if want[n.Name] {
			names = append(names, n.Name)
		}
	}
	b, _ := json.Marshal(names)
	return writeAtomic(p.wantPath(), b)
}

// writeAtomic replaces file with b through a temporary file.
func writeAtomic(file string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", file, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("supervise: %w", err)
	}
	return nil
}

// State is the supervisor's state file.
type State struct {
	// Supervisor is the supervisor's pid (0: none).
	Supervisor int `json:"supervisor_pid"`
	// SupervisorAlive is filled in by ReadState: whether that process
	// still runs.
	SupervisorAlive bool `json:"supervisor_alive"`
	// Updated is when the file was written.
	Updated time.Time `json:"updated"`
	// Nodes are the host's nodes in plan order.
	Nodes []NodeState `json:"nodes"`
}

// Node statuses.
const (
	StatusRunning  = "running"
	StatusCrashed  = "crashed"  // exited unexpectedly; restarts after a delay
	StatusStopped  = "stopped"  // not running and not wanted
	StatusFinished = "finished" // read its trace and exited cleanly
)

// NodeState is one node's entry in the state file.
type NodeState struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Host   string `json:"host"`
	Status string `json:"status"`
	// Pid is the node's process while it runs (0 otherwise).
	Pid int `json:"pid,omitempty"`
	// Started is when the current (or last) process started.
	Started time.Time `json:"started,omitzero"`
	// Restarts counts restarts after crashes since the node was started.
	Restarts int `json:"restarts"`
	// LastExit describes the last exit ("exit status 2", "signal killed").
	LastExit string `json:"last_exit,omitempty"`
	// NextStart is when a crashed node will be started again.
	NextStart time.Time `json:"next_start,omitzero"`
}

func mustMarshal(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}
