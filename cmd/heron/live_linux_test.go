package main

import (
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
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

// proc is a heron capturing in a namespace.
type proc struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
	done   chan error
	logDir string
}

func startHeron(t *testing.T, ns *netnstest.NS, logDir string, args ...string) *proc {
	t.Helper()
	p := &proc{stderr: &strings.Builder{}, done: make(chan error, 1), logDir: logDir}
	p.cmd = ns.Command(heronbin.Path(t), append([]string{"-C", "--logdir", logDir}, args...)...)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("heron: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("heron did not stop within 20 s of SIGINT\n%s", p.stderr.String())
	}
}

// TestFanoutProcesses: 2 and 4 heron processes in one fanout group (with
// AF_Packet::enable_defrag, as fragmented flows need) split a replay so
// that every connection, both directions, is in exactly one process's
// conn.log, and together they log what one process logs.
func TestFanoutProcesses(t *testing.T) {
	netnstest.Need(t, "tcpreplay")
	trace, _ := filepath.Abs("../../testdata/sample.pcap")
	fileDir := filepath.Join(t.TempDir(), "file")
	if code, _, errOut := runCLI("-C", "-r", trace, "--logdir", fileDir); code != 0 {
		t.Fatalf("heron -r: exit %d: %s", code, errOut)
	}
	want := connRows(t, filepath.Join(fileDir, "conn.log"))
	for _, n := range []int{2, 4} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ns := netnstest.New(t)
			ns.Veth("hv0", "hv1")
			var ps []*proc
			for i := range n {
				// The kernel hashes fragments by their addresses only, and
				// whole packets by ports too: enable_defrag reassembles
				// first, so a fragmented flow stays on one socket.
				ps = append(ps, startHeron(t, ns, filepath.Join(t.TempDir(), strconv.Itoa(i)), "-i", "af_packet::hv1", "AF_Packet::enable_defrag=T"))
			}
			waitForPacketSocket(t, ns, n)
			ns.Exec("tcpreplay", "-q", "-t", "-i", "hv0", trace)
			time.Sleep(500 * time.Millisecond)
			var union []string
			used := 0
			for _, p := range ps {
				p.stop(t)
				rows := connRows(t, filepath.Join(p.logDir, "conn.log"))
				if len(rows) > 0 {
					used++
				}
				union = append(union, rows...)
			}
			sort.Strings(union)
			if strings.Join(union, "\n") != strings.Join(want, "\n") {
				t.Errorf("%d processes together logged:\n%s\n--- one process on the trace:\n%s", n, strings.Join(union, "\n"), strings.Join(want, "\n"))
			}
			if used < 2 {
				t.Errorf("only %d of %d processes saw connections", used, n)
			}
		})
	}
}

// TestFanoutIDs: two interfaces with distinct fanout ids capture side by
// side; the same id on a second interface is refused with one clear line.
func TestFanoutIDs(t *testing.T) {
	netnstest.Need(t, "tcpreplay")
	trace, _ := filepath.Abs("../../testdata/sample.pcap")
	ns := netnstest.New(t)
	ns.Veth("hv0", "hv1")
	ns.Veth("hw0", "hw1")
	a := startHeron(t, ns, filepath.Join(t.TempDir(), "a"), "-i", "af_packet::hv1")
	b := startHeron(t, ns, filepath.Join(t.TempDir(), "b"), "-i", "af_packet::hw1", "AF_Packet::fanout_id=24")
	waitForPacketSocket(t, ns, 2)
	// The same id as a's on the second interface.
	dup := ns.Command(heronbin.Path(t), "-C", "--logdir", t.TempDir(), "-i", "af_packet::hw1")
	out, err := dup.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "fanout_id=24") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("the same fanout id on a second interface: %v, %q; want one line suggesting another id", err, out)
	}
	ns.Exec("tcpreplay", "-q", "-t", "-i", "hv0", trace)
	ns.Exec("tcpreplay", "-q", "-t", "-i", "hw0", trace)
	time.Sleep(500 * time.Millisecond)
	a.stop(t)
	b.stop(t)
	ra, rb := connRows(t, filepath.Join(a.logDir, "conn.log")), connRows(t, filepath.Join(b.logDir, "conn.log"))
	if len(ra) < 10 || strings.Join(ra, "\n") != strings.Join(rb, "\n") {
		t.Errorf("the two interfaces' logs differ or are short: %d and %d connections", len(ra), len(rb))
	}
}

// TestLiveThreadsAndStats: --threads 2 on an interface (two sockets in one
// fanout group) logs the trace's connections, and stats.log counts every
// packet tcpreplay sent.
func TestLiveThreadsAndStats(t *testing.T) {
	liveDir, trace := liveRun(t, "--threads", "2", "AF_Packet::enable_defrag=T", "policy/misc/stats")
	fileDir := filepath.Join(t.TempDir(), "file")
	if code, _, errOut := runCLI("-C", "-r", trace, "--logdir", fileDir); code != 0 {
		t.Fatalf("heron -r: exit %d: %s", code, errOut)
	}
	live, file := connRows(t, filepath.Join(liveDir, "conn.log")), connRows(t, filepath.Join(fileDir, "conn.log"))
	if strings.Join(live, "\n") != strings.Join(file, "\n") {
		t.Errorf("--threads 2 live capture:\n%s\n--- trace\n%s", strings.Join(live, "\n"), strings.Join(file, "\n"))
	}
	stats, err := zeeklog.ReadFile(filepath.Join(liveDir, "stats.log"))
	if err != nil {
		t.Fatal(err)
	}
	peers := map[string]bool{}
	var pkts, dropped uint64
	for _, r := range stats.Records {
		peers[r["peer"]] = true
		n, _ := strconv.ParseUint(r["pkts_proc"], 10, 64)
		d, _ := strconv.ParseUint(r["pkts_dropped"], 10, 64)
		pkts += n
		dropped += d
		if r["pkts_link"] == "-" {
			t.Errorf("a live stats.log record without pkts_link: %v", r)
		}
	}
	// The kernel reassembles the trace's one fragmented datagram (3
	// fragments) before the sockets see it.
	src, err := pcapfile.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var f pktsrc.Frame
	sent := uint64(0)
	for src.Next(&f) == nil {
		sent++
	}
	if pkts != sent-2 || dropped != 0 || !peers["zeek/0"] || !peers["zeek/1"] {
		t.Errorf("stats.log: %d packets processed, %d dropped, peers %v; tcpreplay sent %d (%d after defragmentation)", pkts, dropped, peers, sent, sent-2)
	}
}
