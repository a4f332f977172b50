//go:build libpcap && linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

var (
	pcapBinOnce sync.Once
	pcapBin     string
	pcapBinErr  error
)

// pcapHeron builds heron with -tags libpcap (cgo) once per test binary.
func pcapHeron(t *testing.T) string {
	t.Helper()
	pcapBinOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		dir, err := os.MkdirTemp("", "heron-pcap-bin-")
		if err != nil {
			pcapBinErr = err
			return
		}
		pcapBin = filepath.Join(dir, "heron")
		cmd := exec.Command("go", "build", "-tags", "libpcap", "-o", pcapBin, ".")
		cmd.Dir = filepath.Dir(file)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			pcapBinErr = err
			t.Logf("go build -tags libpcap: %s", out)
		}
	})
	if pcapBinErr != nil {
		t.Fatalf("go build -tags libpcap ./cmd/heron: %v", pcapBinErr)
	}
	return pcapBin
}

// pcapRun replays the sample trace onto a veth pair while `heron -i
// pcap::hv1 args…` (the libpcap build) captures on the other end, and
// returns its log directory.
func pcapRun(t *testing.T, args ...string) string {
	t.Helper()
	netnstest.Need(t, "tcpreplay")
	ns := netnstest.New(t)
	ns.Veth("hv0", "hv1")
	bin := pcapHeron(t)
	logDir := filepath.Join(t.TempDir(), "pcap")
	p := &proc{stderr: &strings.Builder{}, done: make(chan error, 1), logDir: logDir}
	p.cmd = ns.Command(bin, append([]string{"-C", "-i", "pcap::hv1", "--logdir", logDir}, args...)...)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	waitForPacketSocket(t, ns, 1)
	ns.Exec("tcpreplay", "-q", "-t", "-i", "hv0", sampleTrace(t))
	time.Sleep(500 * time.Millisecond)
	p.stop(t)
	return logDir
}

// TestPcapCapturesReplay: heron -i pcap::hv1 captures a replay completely:
// the same conn.log as heron -r on the trace (but ts, duration, uid), and
// stats.log counts every packet tcpreplay sent, none dropped.
func TestPcapCapturesReplay(t *testing.T) {
	dir := pcapRun(t, "policy/misc/stats")
	trace := sampleTrace(t)
	sameRows(t, "pcap::", connRows(t, filepath.Join(dir, "conn.log")), traceRows(t, trace))
	stats, err := zeeklog.ReadFile(filepath.Join(dir, "stats.log"))
	if err != nil {
		t.Fatal(err)
	}
	var pkts, link, dropped uint64
	for _, r := range stats.Records {
		n, _ := strconv.ParseUint(r["pkts_proc"], 10, 64)
		l, err1 := strconv.ParseUint(r["pkts_link"], 10, 64)
		d, err2 := strconv.ParseUint(r["pkts_dropped"], 10, 64)
		if err1 != nil || err2 != nil {
			t.Errorf("a pcap:: stats.log record without pkts_link or pkts_dropped: %v", r)
		}
		pkts, link, dropped = pkts+n, link+l, dropped+d
	}
	sent := uint64(len(mirrorFrames(t, trace)))
	if pkts != sent || link < sent || dropped != 0 {
		t.Errorf("stats.log: %d packets processed, %d on the link, %d dropped; tcpreplay sent %d", pkts, link, dropped, sent)
	}
}

// TestPcapFilter: -f with pcap:: is compiled and installed by libpcap and
// keeps what Heron's filter keeps on the trace.
func TestPcapFilter(t *testing.T) {
	dir := pcapRun(t, "-f", "udp")
	got, want := connRows(t, filepath.Join(dir, "conn.log")), traceRows(t, sampleTrace(t), "-f", "udp")
	sameRows(t, "pcap:: -f udp", got, want)
	for _, r := range got {
		if !strings.Contains(r, " udp ") {
			t.Errorf("a connection the filter should drop: %s", r)
		}
	}
}

// TestPcapErrors: an interface that does not exist is one line.
func TestPcapErrors(t *testing.T) {
	ns := netnstest.New(t)
	out, err := ns.Command(pcapHeron(t), "-i", "pcap::nosuch0", "--logdir", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "nosuch0: no such capture device") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("pcap::nosuch0: %v, %q", err, out)
	}
	out, err = ns.Command(pcapHeron(t), "-i", "pcap::lo", "-f", "port 80 and", "--logdir", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot compile the capture filter") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("a bad filter: %v, %q", err, out)
	}
}
