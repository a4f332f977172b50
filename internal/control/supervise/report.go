package supervise

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// CrashReport is what is kept of one unexpected exit of a node.
type CrashReport struct {
	Node string `json:"node"`
	Host string `json:"host"`
	// Time is when the node exited.
	Time time.Time `json:"time"`
	// Started is when the process had started.
	Started time.Time `json:"started,omitzero"`
	// Exit is the exit status or signal.
	Exit string `json:"exit"`
	// ExitStatus is the status (-1 for a signal); Signal the signal's
	// number (0 for an exit).
	ExitStatus int `json:"exit_status"`
	Signal     int `json:"signal,omitempty"`
	// Stderr and Stdout are the last lines the node wrote.
	Stderr []string `json:"stderr"`
	Stdout []string `json:"stdout"`
	// Stack is the Go panic or fatal error and its goroutine stacks, when
	// standard error holds one.
	Stack string `json:"stack,omitempty"`
	// Dir is the report's directory.
	Dir string `json:"dir"`
}

// writeCrashReport writes the report of p's exit.
func writeCrashReport(plan *Plan, p *proc, at time.Time, exit *os.ProcessState) (*CrashReport, error) {
	dir := filepath.Join(plan.CrashDir(p.pn.Name), at.UTC().Format("2006-01-02T15:04:05.000Z"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	nodeDir := plan.NodeDir(p.pn.Name)
	r := CrashReport{
		Node: p.pn.Name, Host: plan.Host, Time: at.UTC(), Started: p.st.Started.UTC(), Exit: p.st.LastExit,
		Stderr: nonNil(tail(filepath.Join(nodeDir, "stderr.log"), TailLines)),
		Stdout: nonNil(tail(filepath.Join(nodeDir, "stdout.log"), TailLines)),
		Dir:    dir,
	}
	if p.st.Started.IsZero() {
		r.Started = time.Time{}
	}
	r.ExitStatus = -1
	if exit != nil {
		r.ExitStatus = exit.ExitCode()
		r.Signal = signalOf(exit)
	}
	r.Stack = goStack(filepath.Join(nodeDir, "stderr.log"))
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(r.Text()), 0o644); err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	if r.Stack != "" {
		os.WriteFile(filepath.Join(dir, "stack.txt"), []byte(r.Stack), 0o644)
	}
	return &r, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Text is the report as zeekctl's crash mails and diag print it.
func (r *CrashReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\n\n", r.Node)
	fmt.Fprintf(&b, "Node %s on %s crashed at %s: %s.\n", r.Node, r.Host, r.Time.Format(time.RFC3339), r.Exit)
	if !r.Started.IsZero() {
		fmt.Fprintf(&b, "It had been running since %s.\n", r.Started.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "\n==== stderr (last %d lines)\n", TailLines)
	for _, l := range r.Stderr {
		b.WriteString(l + "\n")
	}
	fmt.Fprintf(&b, "\n==== stdout (last %d lines)\n", TailLines)
	for _, l := range r.Stdout {
		b.WriteString(l + "\n")
	}
	if r.Stack != "" {
		b.WriteString("\n==== Go stack\n" + r.Stack)
	}
	return b.String()
}

// goStack returns the Go panic or fatal error in a node's standard error,
// from its first line to the end (at most the file's last 1 MiB).
func goStack(stderr string) string {
	lines := tail(stderr, 1<<20)
	for i, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") || strings.HasPrefix(l, "SIGQUIT: ") {
			return strings.Join(lines[i:], "\n") + "\n"
		}
	}
	return ""
}

// ReadCrashReports returns a node's crash reports, newest first.
func ReadCrashReports(plan *Plan, node string) ([]CrashReport, error) {
	dirs, err := filepath.Glob(filepath.Join(plan.CrashDir(node), "*", "report.json"))
	if err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	out := []CrashReport{}
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var r CrashReport
		if json.Unmarshal(b, &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}
