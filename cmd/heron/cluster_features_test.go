package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

// runToEnd runs the whole test cluster over its trace: services, both
// workers to the end of their shards, every record of want written, then
// the services stopped.
func (c *testCluster) runToEnd(want map[string][]string) {
	c.t.Helper()
	c.startServices()
	c.start("worker-1")
	c.start("worker-2")
	c.wait("worker-1", 60*time.Second)
	c.wait("worker-2", 60*time.Second)
	c.waitRecords(want, 60*time.Second)
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
}

// logColumn returns column field of every record of the log file.
func logColumn(t *testing.T, path, field string) []string {
	t.Helper()
	l, err := zeeklog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range l.Records {
		out = append(out, r[field])
	}
	return out
}

// TestClusterKnownHosts runs known-hosts in a cluster whose layout sets a
// Known:: option: the workers send their finds to the proxy, which logs
// each host once, and known_hosts.log (and every other log) equals a
// standalone run's, although the server is seen by both workers.
func TestClusterKnownHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	trace := writeBusyTrace(t, t.TempDir(), 40)
	args := []string{"policy/protocols/conn/known-hosts", "Known::host_tracking=ALL_HOSTS"}
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		l["scripts"] = args[:1]
		l["options"] = args[1:]
	})
	want := standalone(t, c.bin, trace, args...)
	if n := len(want["known_hosts.log"]); n < 40 {
		t.Fatalf("standalone known_hosts.log has %d hosts; the trace has more than 40", n)
	}
	c.runToEnd(want)
	got := clusterRecords(t, c.logs)
	compareWithStandalone(t, got, want)
	seen := map[string]bool{}
	for _, h := range logColumn(t, filepath.Join(c.logs, "known_hosts.log"), "host") {
		if seen[h] {
			t.Errorf("known_hosts.log lists %s twice", h)
		}
		seen[h] = true
	}
	if !seen["192.168.1.1"] {
		t.Errorf("known_hosts.log lacks the server both workers saw (192.168.1.1)")
	}
	for _, w := range []string{"worker-1", "worker-2", "proxy-1"} {
		if out := c.output(w); strings.TrimSpace(out) != "" {
			t.Errorf("%s printed:\n%s", w, out)
		}
	}
}

// userSig is a user signature that fires on every request of
// writeBusyTrace: both workers see such requests.
const userSig = `# A test signature: HTTP requests for items.
signature user-item-fetch {
  ip-proto == tcp
  dst-port == 80
  payload /GET \/item\//
  event "item fetched"
}
`

// TestClusterSignatureNotices gives the cluster a user signature file
// through the layout's "signatures": it fires on the traffic of both
// workers, and the manager writes notice.log (Signatures::Sensitive_Signature,
// which has no identifier, so every match is a notice as in Zeek) and the
// logger signatures.log, both equal to a standalone `heron -s` run's.
func TestClusterSignatureNotices(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	trace := writeBusyTrace(t, t.TempDir(), 30)
	dir := t.TempDir()
	sig := filepath.Join(dir, "user.sig")
	if err := os.WriteFile(sig, []byte(userSig), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		// Relative to the layout file.
		if err := os.WriteFile(filepath.Join(c.dir, "user.sig"), []byte(userSig), 0o644); err != nil {
			t.Fatal(err)
		}
		l["signatures"] = []string{"user.sig"}
	})
	want := standalone(t, c.bin, trace, "-s", sig)
	if n := len(want["notice.log"]); n != 30 {
		t.Fatalf("standalone notice.log has %d records, want 30 (one a request)", n)
	}
	c.runToEnd(want)
	compareWithStandalone(t, clusterRecords(t, c.logs), want)
	notes := logColumn(t, filepath.Join(c.logs, "notice.log"), "note")
	for _, n := range notes {
		if n != "Signatures::Sensitive_Signature" {
			t.Errorf("notice.log has note %s", n)
		}
	}
}

// TestClusterNoticeSuppression runs two workers that both read the whole
// trace (two taps seeing the same traffic) with policy/protocols/conn/weirds:
// each raises Conn::Retransmission_Inconsistency, whose identifier is the
// connection, for every connection, and the cluster's shared suppression
// lets one notice a connection into notice.log, as a standalone run writes.
func TestClusterNoticeSuppression(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	trace := writeRexmitTrace(t, t.TempDir(), 8)
	script := "policy/protocols/conn/weirds"
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		l["scripts"] = []string{script}
		for _, w := range []string{"worker-1", "worker-2"} {
			delete(l["nodes"].(map[string]any)[w].(map[string]any), "shard")
		}
	})
	want := standalone(t, c.bin, trace, script)
	notices := want["notice.log"]
	if len(notices) != 8 {
		t.Fatalf("standalone notice.log has %d records, want 8 (one a connection):\n%s", len(notices), strings.Join(notices, "\n"))
	}
	c.runToEnd(map[string][]string{"notice.log": notices})
	got := clusterRecords(t, c.logs)["notice.log"]
	if strings.Join(got, "\n") != strings.Join(notices, "\n") {
		t.Errorf("notice.log: the cluster wrote %d records, standalone %d:\n--- cluster\n%s\n--- standalone\n%s",
			len(got), len(notices), strings.Join(got, "\n"), strings.Join(notices, "\n"))
	}
	// Both workers logged every connection: each saw all the traffic.
	if conns := countRecords(filepath.Join(c.logs, "conn.log")); conns != 2*len(want["conn.log"]) {
		t.Errorf("conn.log has %d records; want %d (both workers saw every connection)", conns, 2*len(want["conn.log"]))
	}
}

// writeRexmitTrace writes n TCP connections, each with a data segment
// sent again with other bytes before the server acknowledged it: a
// retransmission inconsistency a connection.
func writeRexmitTrace(t *testing.T, dir string, n int) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	put := func(frame []byte) {
		ts += zeek.Time(10 * zeek.Millisecond)
		if err := w.WritePacket(ts, frame, 0); err != nil {
			t.Fatal(err)
		}
	}
	server := pktbuild.V4("192.168.7.1")
	for i := range n {
		client := pktbuild.V4(fmt.Sprintf("10.7.0.%d", 1+i))
		cport := uint16(30000 + i)
		c2s := pktbuild.IP{Src: client, Dst: server}
		s2c := pktbuild.IP{Src: server, Dst: client}
		tcp := func(ip pktbuild.IP, sp, dp uint16, seq, ack uint32, flags uint8, payload []byte) {
			put(pktbuild.EtherIP(pktbuild.TCPPacket(ip, pktbuild.TCP{SrcPort: sp, DstPort: dp, Seq: seq, Ack: ack, Flags: flags, Window: 65535}, payload)))
		}
		a := []byte(strings.Repeat("a", 20))
		b := []byte(strings.Repeat("b", 20))
		const cs, ss = 1000, 5000
		tcp(c2s, cport, 7000, cs, 0, pktbuild.SYN, nil)
		tcp(s2c, 7000, cport, ss, cs+1, pktbuild.SYN|pktbuild.ACK, nil)
		tcp(c2s, cport, 7000, cs+1, ss+1, pktbuild.ACK, nil)
		tcp(c2s, cport, 7000, cs+1, ss+1, pktbuild.ACK|pktbuild.PSH, a)
		tcp(c2s, cport, 7000, cs+1, ss+1, pktbuild.ACK|pktbuild.PSH, b)
		tcp(s2c, 7000, cport, ss+1, cs+21, pktbuild.ACK, nil)
		tcp(c2s, cport, 7000, cs+21, ss+1, pktbuild.ACK|pktbuild.FIN, nil)
		tcp(s2c, 7000, cport, ss+1, cs+22, pktbuild.ACK|pktbuild.FIN, nil)
		tcp(c2s, cport, 7000, cs+22, ss+2, pktbuild.ACK, nil)
	}
	p := filepath.Join(dir, "rexmit.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestClusterWorkerPipeSIGTERM stops a worker whose trace is a named pipe
// that stays open (a live feed through a FIFO): waiting for packets, it
// still ends within a second or two of SIGTERM, with status 0, and what it
// analysed reaches the logger.
func TestClusterWorkerPipeSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four heron processes")
	}
	dir := t.TempDir()
	trace, err := os.ReadFile(writeBusyTrace(t, dir, 20))
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "feed.pcap")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0) // does not wait for a reader
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go w.Write(trace) // the pipe holds less than the trace; the worker reads the rest
	c := newTestClusterWith(t, fifo, func(c *testCluster, l map[string]any) {
		delete(l["nodes"].(map[string]any)["worker-1"].(map[string]any), "shard")
	})
	c.startServices()
	c.start("worker-1")
	c.waitFor("the worker's first dns.log records", 60*time.Second, func() bool {
		return countRecords(filepath.Join(c.logs, "dns.log")) > 0
	})
	if !alive(c.procs["worker-1"]) {
		t.Fatalf("the worker ended although its pipe is open:\n%s", c.output("worker-1"))
	}
	start := time.Now()
	c.stop("worker-1")
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the worker took %v to stop", el)
	}
	c.waitFor("the worker's 20 connections in conn.log", 30*time.Second, func() bool {
		return countRecords(filepath.Join(c.logs, "conn.log")) >= 20
	})
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
}
