package main

import (
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// liveFields are the conn.log fields a live capture of a replayed trace
// must agree on with reading the trace (times and uids differ).
var liveFields = []string{"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
	"orig_bytes", "resp_bytes", "conn_state", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"}

// connRows reads a conn.log and returns its records as sorted lines of
// liveFields.
func connRows(t *testing.T, path string) []string {
	t.Helper()
	l, err := zeeklog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range l.Records {
		var b strings.Builder
		for _, f := range liveFields {
			b.WriteString(r[f])
			b.WriteByte(' ')
		}
		rows = append(rows, b.String())
	}
	sort.Strings(rows)
	return rows
}

// waitForPacketSocket waits until n packet sockets in ns are bound to an
// interface (which is when they start capturing).
func waitForPacketSocket(t *testing.T, ns *netnstest.NS, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := ns.Command("cat", "/proc/net/packet").Output()
		bound := 0
		for _, line := range strings.Split(string(out), "\n")[1:] {
			// sk RefCnt Type Proto Iface R Rmem User Inode
			if f := strings.Fields(line); len(f) > 4 && f[4] != "0" {
				bound++
			}
		}
		if bound >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fewer than %d packet sockets were bound within 10 s", n)
}

// liveRun replays the sample trace onto a veth pair in a private network
// namespace while `heron -i af_packet::hv1 args…` captures on the other
// end, stops it with SIGINT, and returns its log directory and the trace.
func liveRun(t *testing.T, args ...string) (logDir, trace string) {
	t.Helper()
	netnstest.Need(t, "tcpreplay")
	ns := netnstest.New(t)
	ns.Veth("hv0", "hv1")
	bin := heronbin.Path(t)
	trace, err := filepath.Abs("../../testdata/sample.pcap")
	if err != nil {
		t.Fatal(err)
	}
	logDir = filepath.Join(t.TempDir(), "live")
	cmd := ns.Command(bin, append([]string{"-C", "-i", "af_packet::hv1", "--logdir", logDir}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	waitForPacketSocket(t, ns, 1)
	ns.Exec("tcpreplay", "-q", "-t", "-i", "hv0", trace)
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("heron -i: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("heron -i did not stop within 20 s of SIGINT\n%s", stderr.String())
	}
	return logDir, trace
}

// TestLiveCaptureMatchesTrace compares a live capture of the replayed
// sample with `heron -r` on the sample.
func TestLiveCaptureMatchesTrace(t *testing.T) {
	liveDir, trace := liveRun(t)
	fileDir := filepath.Join(t.TempDir(), "file")
	if code, _, errOut := runCLI("-C", "-r", trace, "--logdir", fileDir); code != 0 {
		t.Fatalf("heron -r: exit %d: %s", code, errOut)
	}
	live, file := connRows(t, filepath.Join(liveDir, "conn.log")), connRows(t, filepath.Join(fileDir, "conn.log"))
	if len(file) < 10 {
		t.Fatalf("the sample trace gave only %d connections", len(file))
	}
	if strings.Join(live, "\n") != strings.Join(file, "\n") {
		t.Errorf("live capture's conn.log differs from the trace's:\n--- live\n%s\n--- trace\n%s", strings.Join(live, "\n"), strings.Join(file, "\n"))
	}
}

// TestLiveFilter: a -f filter attached to the socket keeps what it does
// for the trace.
func TestLiveFilter(t *testing.T) {
	liveDir, trace := liveRun(t, "-f", "udp")
	fileDir := filepath.Join(t.TempDir(), "file")
	if code, _, errOut := runCLI("-C", "-r", trace, "-f", "udp", "--logdir", fileDir); code != 0 {
		t.Fatalf("heron -r -f: exit %d: %s", code, errOut)
	}
	live, file := connRows(t, filepath.Join(liveDir, "conn.log")), connRows(t, filepath.Join(fileDir, "conn.log"))
	if len(file) == 0 || strings.Join(live, "\n") != strings.Join(file, "\n") {
		t.Errorf("live -f udp:\n%s\n--- trace -f udp\n%s", strings.Join(live, "\n"), strings.Join(file, "\n"))
	}
	for _, r := range live {
		if !strings.Contains(r, " udp ") {
			t.Errorf("a connection the filter should drop: %s", r)
		}
	}
}
