package parity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// round are the services of the analyzers built so far: the cases whose
// Zeek conn.log names only these are the ones Heron can match in full.
const round = "dns,http,ssl,dtls,vxlan,geneve,gtpv1,teredo,ayiya"

// floor is the lowest mean score (0–100) of one log, "x.log (cut)" for
// the cases that compare some columns only.
type floor struct {
	log     string
	minMean float64
}

// runs are the parity runs and their floors: for each corpus file and
// case selection, the mean scores below which the suite fails. Raise a
// floor when Heron improves; never lower one without writing down why.
var runs = []struct {
	corpus   string // corpus.jsonl or default.jsonl
	cases    string // --cases
	services string // --services
	ignore   string // --ignore-fields
	floors   []floor
}{
	// Connections without tunnels, whatever analyzers the traces need.
	{"corpus.jsonl", "notunnel", "", "service", []floor{{"conn.log", 100.0}}},
	{"default.jsonl", "notunnel", "", "service", []floor{{"conn.log", 99.0}}},
	// Tunnels: SOCKS tunnels come with their analyzer.
	{"corpus.jsonl", "tunnel", "", "service", []floor{{"conn.log", 100.0}, {"tunnel.log", 100.0}}},
	{"default.jsonl", "tunnel", "", "service", []floor{{"conn.log", 100.0}, {"tunnel.log", 100.0}}},
	// The analyzers' own logs over every case that has them.
	{"corpus.jsonl", "", "", "", []floor{{"dns.log", 100.0}, {"dns.log (cut)", 100.0}, {"http.log", 100.0}, {"http.log (cut)", 100.0}}},
	{"default.jsonl", "", "", "", []floor{{"dns.log", 100.0}, {"http.log", 100.0}}},
	// The line-protocol, database, remote-desktop and VoIP analyzers.
	{"corpus.jsonl", "", "", "", []floor{{"ftp.log", 100.0}, {"smtp.log", 100.0}, {"mysql.log", 100.0},
		{"rdp.log", 100.0}, {"sip.log", 100.0}}},
	{"default.jsonl", "", "", "", []floor{{"ftp.log", 99.0}, {"smtp.log", 100.0}, {"mysql.log", 100.0},
		{"rdp.log", 100.0}, {"sip.log", 100.0}}},
	// The cases whose services Heron has analyzers for, service included.
	{"corpus.jsonl", "", round, "", []floor{{"conn.log", 100.0}, {"ssl.log", 100.0}, {"x509.log", 100.0},
		{"analyzer.log", 100.0}, {"weird.log", 92.5}, {"files.log", 100.0}}},
	{"default.jsonl", "", round, "", []floor{{"conn.log", 99.0}, {"ssl.log", 100.0}, {"x509.log", 100.0},
		{"files.log", 98.0}, {"analyzer.log", 100.0}, {"weird.log", 89.5}}},
	{"default.jsonl", "", "dns", "", []floor{{"conn.log", 98.5}}},
	{"default.jsonl", "", "dns,http", "", []floor{{"conn.log", 99.0}}},
}

// shared returns the path of ../shared, or skips the test.
func shared(t *testing.T) string {
	t.Helper()
	dir := refdata.Shared(t)
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: zeek-parity needs it")
	}
	return dir
}

// heron builds cmd/heron once per test binary.
func heron(t *testing.T) string { return heronbin.Path(t) }

type caseResult struct {
	Test    string `json:"test"`
	RC      int    `json:"rc"`
	Stderr  string `json:"stderr"`
	Results []struct {
		Log   string  `json:"log"`
		Score float64 `json:"score"`
	} `json:"results"`
}

// TestParityFloors runs zeek-parity over the corpus and holds each floor.
func TestParityFloors(t *testing.T) {
	if testing.Short() {
		t.Skip("parity runs take a few minutes; skipped with -short")
	}
	dir := shared(t)
	bin := heron(t)
	for _, r := range runs {
		name := r.corpus + "/" + r.cases + "/" + r.services
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs []string
			for _, f := range r.floors {
				l := strings.TrimSuffix(f.log, " (cut)")
				if !slices.Contains(logs, l) {
					logs = append(logs, l)
				}
			}
			out := filepath.Join(t.TempDir(), "parity.json")
			args := []string{"corpus", filepath.Join(dir, "zeek-corpus", r.corpus),
				"--traces", filepath.Join(dir, "zeek-corpus", "traces"),
				"--baselines", filepath.Join(dir, "zeek-corpus", "baselines"),
				"--cmd", bin + " {bare} {C} -r {trace} {loads}",
				"--logs", strings.Join(logs, ","), "--timeout", "60", "--json", out}
			if r.cases != "" {
				args = append(args, "--cases", r.cases)
			}
			if r.services != "" {
				args = append(args, "--services", r.services)
			}
			if r.ignore != "" {
				args = append(args, "--ignore-fields", r.ignore)
			}
			cmd := exec.Command(filepath.Join(dir, "tools", "zeek-parity"), args...)
			text, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("zeek-parity: %v\n%s", err, text)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var cases []caseResult
			if err := json.Unmarshal(data, &cases); err != nil {
				t.Fatal(err)
			}
			for _, f := range r.floors {
				var sum float64
				n := 0
				for _, c := range cases {
					for _, res := range c.Results {
						if res.Log == f.log {
							sum += res.Score
							n++
						}
					}
				}
				if n == 0 {
					t.Errorf("no %s results in %s", f.log, name)
					continue
				}
				mean := 100 * sum / float64(n)
				t.Logf("%s %s: mean %.1f%% over %d cases (floor %.1f%%)", name, f.log, mean, n, f.minMean)
				if mean < f.minMean {
					t.Errorf("%s: mean %s score %.1f%% is below the floor %.1f%%\n%s", name, f.log, mean, f.minMean, tail(string(text), 60))
				}
			}
		})
	}
}

// TestEveryTraceRuns runs heron on every trace of the corpus: each must run
// to the end within 60 s and exit 0, or exit 1 with one clear line for a
// file that is not a usable trace. A panic or a hang fails the test.
func TestEveryTraceRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every corpus trace; skipped with -short")
	}
	dir := shared(t)
	bin := heron(t)
	var traces []string
	root := filepath.Join(dir, "zeek-corpus", "traces")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			traces = append(traces, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(traces) < 100 {
		t.Fatalf("only %d traces under %s", len(traces), root)
	}
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, tr := range traces {
		wg.Add(1)
		sem <- struct{}{}
		go func(tr string) {
			defer wg.Done()
			defer func() { <-sem }()
			if msg := runTrace(bin, tr); msg != "" {
				mu.Lock()
				failures = append(failures, strings.TrimPrefix(tr, root+"/")+": "+msg)
				mu.Unlock()
			}
		}(tr)
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d traces, %d failures", len(traces), len(failures))
}

func runTrace(bin, trace string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	work, err := os.MkdirTemp("", "heron-trace-")
	if err != nil {
		return err.Error()
	}
	defer os.RemoveAll(work)
	cmd := exec.CommandContext(ctx, bin, "-r", trace)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return "did not finish within 60 s"
	}
	s := string(out)
	if strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
		return "panicked:\n" + tail(s, 20)
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && strings.Count(strings.TrimSpace(s), "\n") == 0 {
			return "" // the clear one-line error for an unusable file
		}
		return fmt.Sprintf("exit %v: %s", err, tail(s, 5))
	}
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
