package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// TestClusterReporterLog runs a cluster whose two workers read a trace that
// ends inside a packet: each worker prints the truncation and raises it as
// a Reporter::ERROR, which its shipped logging framework sends to the
// logger's reporter.log (one record per worker, at that worker's last
// packet).
func TestClusterReporterLog(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	dir := t.TempDir()
	whole := writeBusyTrace(t, dir, 20)
	b, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(trace, b[:len(b)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	c := newTestCluster(t, trace)
	c.startServices()
	c.start("worker-1")
	c.start("worker-2")
	c.wait("worker-1", 60*time.Second)
	c.wait("worker-2", 60*time.Second)
	for _, w := range []string{"worker-1", "worker-2"} {
		if out := c.output(w); !strings.Contains(out, "truncated") {
			t.Errorf("%s printed %q, want the truncation", w, out)
		}
	}
	rep := filepath.Join(c.logs, "reporter.log")
	c.waitFor("two reporter.log records", 30*time.Second, func() bool { return countRecords(rep) >= 2 })
	time.Sleep(1500 * time.Millisecond) // repeats would show
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
	lg, err := zeeklog.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lg.Fields, " ") + "|" + strings.Join(lg.Types, " "); got != "ts level message location|time enum string string" {
		t.Errorf("columns %s", got)
	}
	if len(lg.Records) != 2 {
		t.Fatalf("reporter.log has %d records, want 2: %v%s", len(lg.Records), lg.Records, c.outputs())
	}
	for _, r := range lg.Records {
		if r["level"] != "Reporter::ERROR" || r["location"] != "(empty)" || !strings.Contains(r["message"], "truncated") ||
			!strings.Contains(r["message"], "cut.pcap") || !strings.HasPrefix(r["ts"], "17000") {
			t.Errorf("record %v", r)
		}
	}
}
