package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// freePorts returns the first of n consecutive free TCP ports.
func freePorts(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		base := freePort(t)
		ok := true
		for i := range n {
			l, err := net.Listen("tcp", ":"+strconv.Itoa(base+i))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatalf("no %d consecutive free ports", n)
	return 0
}

// feedFIFO makes a named pipe with a pcap header, kept open until the test
// ends, and returns it with a function that writes n UDP packets to it.
func feedFIFO(t *testing.T) (string, func(n int)) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "live.pcap")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	return p, func(n int) {
		buf.Reset()
		for i := range n {
			ts += zeek.Time(zeek.Millisecond)
			ip := pktbuild.IP{Src: pktbuild.V4("10.9.0.1"), Dst: pktbuild.V4("10.9.0.2")}
			frame := pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: uint16(40000 + i%100), DstPort: 9999}, []byte("ping")))
			if err := w.WritePacket(ts, frame, 0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.Write(buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNetstatsCluster runs a cluster under heronctl with metrics ports,
// feeds one worker's packet source, and reads the packet counts back with
// `heronctl netstats`, as text and JSON, from the workers' endpoints.
func TestNetstatsCluster(t *testing.T) {
	fifo1, feed := feedFIFO(t)
	fifo2, _ := feedFIFO(t)
	prefix := testPrefix(t, map[string]string{
		"etc/heronctl.cfg": fmt.Sprintf("ZeekPort = %d\nMetricsPort = %d\nStopTimeout = 3\nSitePolicyScripts =\nSendMail =\n", freePort(t), freePorts(t, 5)),
		"etc/node.cfg":     fiveNodes("localhost", fifo1, fifo2),
		"etc/networks.cfg": "10.0.0.0/8\n",
	})
	killLeftovers(t, filepath.Join(prefix, "spool"))
	mustCtl(t, prefix, "install")
	if out, errOut, status := ctl(t, prefix, "start"); status != 0 {
		diag, _, _ := ctl(t, prefix, "diag")
		t.Fatalf("start: status %d\n%s%s\n%s", status, out, errOut, diag)
	}
	defer mustCtl(t, prefix, "stop")
	// A worker publishes its counts every 1024 packets: 2048 show whole.
	feed(2048)
	type stats struct {
		Nodes []netstat `json:"nodes"`
	}
	var st stats
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := mustCtl(t, prefix, "netstats", "--json")
		st = stats{}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("netstats --json: %v\n%s", err, out)
		}
		if len(st.Nodes) == 2 && st.Nodes[0].Node == "worker-1" && st.Nodes[0].Recvd == 2048 {
			break
		}
		if time.Now().After(deadline) {
			diag, _, _ := ctl(t, prefix, "diag")
			t.Fatalf("netstats did not show worker-1's 2048 packets: %+v\n%s", st, diag)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if w := st.Nodes[0]; w.Error != "" || w.Time != 1_700_000_002.048 {
		t.Errorf("worker-1: %+v, want network time 1700000002.048", w)
	}
	if w := st.Nodes[1]; w.Node != "worker-2" || w.Error != "" || w.Recvd != 0 {
		t.Errorf("worker-2: %+v", w)
	}
	out := mustCtl(t, prefix, "netstats")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || lines[0] != "   worker-1: 1700000002.048000 recvd=2048 dropped=0 link=0" ||
		!regexp.MustCompile(`^   worker-2: [0-9.]+ recvd=0 dropped=0 link=0$`).MatchString(lines[1]) {
		t.Errorf("netstats:\n%s", out)
	}
}
