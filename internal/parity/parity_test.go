package parity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// floors are the parity floors: for each corpus file, case selection and
// log, the mean score (0–100) below which the suite fails. Raise a floor
// when Heron improves; never lower one without writing down why.
var floors = []struct {
	corpus  string // corpus.jsonl or default.jsonl
	cases   string // --cases
	log     string // --logs
	ignore  string // --ignore-fields
	minMean float64
}{
	{"corpus.jsonl", "notunnel", "conn.log", "service", 100.0},
	{"default.jsonl", "notunnel", "conn.log", "service", 97.0},
	// Tunnels: HTTP CONNECT and SOCKS tunnels come with their analyzers.
	{"corpus.jsonl", "tunnel", "conn.log", "service", 100.0},
	{"default.jsonl", "tunnel", "conn.log", "service", 98.5},
	{"corpus.jsonl", "tunnel", "tunnel.log", "", 87.5},
	{"default.jsonl", "tunnel", "tunnel.log", "", 91.5},
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
		t.Skip("parity runs take about a minute; skipped with -short")
	}
	dir := shared(t)
	bin := heron(t)
	for _, f := range floors {
		t.Run(f.corpus+"/"+f.cases+"/"+f.log, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "parity.json")
			args := []string{"corpus", filepath.Join(dir, "zeek-corpus", f.corpus),
				"--traces", filepath.Join(dir, "zeek-corpus", "traces"),
				"--baselines", filepath.Join(dir, "zeek-corpus", "baselines"),
				"--cmd", bin + " {bare} {C} -r {trace} {loads}",
				"--cases", f.cases, "--logs", f.log, "--timeout", "60", "--json", out}
			if f.ignore != "" {
				args = append(args, "--ignore-fields", f.ignore)
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
			var sum float64
			n := 0
			for _, c := range cases {
				for _, r := range c.Results {
					if r.Log == f.log {
						sum += r.Score
						n++
					}
				}
			}
			if n == 0 {
				t.Fatalf("no %s results in %s", f.log, f.corpus)
			}
			mean := 100 * sum / float64(n)
			t.Logf("%s %s %s: mean %.1f%% over %d cases (floor %.1f%%)", f.corpus, f.cases, f.log, mean, n, f.minMean)
			if mean < f.minMean {
				t.Errorf("mean %s score %.1f%% is below the floor %.1f%%\n%s", f.log, mean, f.minMean, tail(string(text), 60))
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
