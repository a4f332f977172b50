package logship

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
)

// childEnv makes the test binary a logger process (its value: the
// childConfig, JSON), for TestLoggerSIGKILL.
const childEnv = "HERON_LOGSHIP_TEST_LOGGER"

type childConfig struct {
	Layout string `json:"layout"`
	Node   string `json:"node"`
	LogDir string `json:"log_dir"`
}

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		os.Exit(runChildLogger(v))
	}
	os.Exit(m.Run())
}

// runChildLogger runs a logger until SIGTERM.
func runChildLogger(v string) int {
	var cc childConfig
	if err := json.Unmarshal([]byte(v), &cc); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	l, err := layout.Read(cc.Layout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	o := fastConn
	c, err := transport.Connect(l, cc.Node, &o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	go func() { <-sig; cancel() }()
	err = RunLogger(ctx, c, &LoggerOptions{
		Log: logConfig(cc.LogDir, false), Poll: 100 * time.Millisecond, FetchWait: 100 * time.Millisecond, Fetch: 16,
	})
	c.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// TestLoggerSIGKILL runs the logger as a separate process, kills it with
// SIGKILL twice while a node keeps sending, starts it again each time,
// and compares the final file with a standalone node's, record for
// record: no record lost, none written twice.
func TestLoggerSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs logger processes")
	}
	tc := newTestCluster(t)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	cfg, _ := json.Marshal(childConfig{Layout: tc.l.File, Node: "logger-1", LogDir: tc.logDir})
	var stderr bytes.Buffer
	var mu sync.Mutex
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+string(cfg))
		cmd.Stderr = &lockedWriter{mu: &mu, w: &stderr}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	child := start()
	defer func() {
		if child != nil {
			child.Process.Kill()
			child.Wait()
		}
		if t.Failed() {
			mu.Lock()
			t.Logf("logger output:\n%s", stderr.String())
			mu.Unlock()
		}
	}()

	const chunks, per = 60, 100
	all := conns(7, chunks*per)
	s, err := NewSender(tc.conn("worker-1"), &SenderOptions{BatchBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	lc := logConfig("", false)
	lc.NewWriter = s.NewWriter
	m, err := logging.NewManager(lc)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := logging.NewStream[connRec](m, "conn")
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := 0; i < chunks; i++ {
			for j := i * per; j < (i+1)*per; j++ {
				cs.Write(&all[j])
			}
			m.Flush()
			time.Sleep(40 * time.Millisecond)
		}
	}()
	name := filepath.Join(tc.logDir, "conn.log")
	for _, pause := range []time.Duration{0, 400 * time.Millisecond} {
		waitFor(t, "records in the file", 10*time.Second, func() bool { return countRecords(t, name) > 0 })
		time.Sleep(500 * time.Millisecond)
		child.Process.Kill() // SIGKILL
		child.Wait()
		if countRecords(t, name) >= len(all) {
			t.Fatal("the logger was killed after the last record: the test is too slow to kill it mid-stream")
		}
		time.Sleep(pause)
		child = start()
	}
	<-sent
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if c := s.Counters(); c.Acked != uint64(len(all)) || c.Lost != 0 {
		t.Fatalf("sender %+v", c)
	}
	waitFor(t, "every record written", 30*time.Second, func() bool { return countRecords(t, name) >= len(all) })
	time.Sleep(300 * time.Millisecond)
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Errorf("logger exit: %v", err)
	}
	child = nil
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, records{conn: all}))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
