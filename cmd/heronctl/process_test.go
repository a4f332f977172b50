package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// writeTrace writes a trace of one UDP exchange (10.0.0.1 -> 8.8.8.8,
// port 9999) to path.
func writeTrace(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	for i := range 4 {
		ip := pktbuild.IP{Src: pktbuild.V4("10.0.0.1"), Dst: pktbuild.V4("8.8.8.8")}
		u := pktbuild.UDP{SrcPort: 40000, DstPort: 9999}
		if i%2 == 1 {
			ip.Src, ip.Dst = ip.Dst, ip.Src
			u.SrcPort, u.DstPort = u.DstPort, u.SrcPort
		}
		ts += zeek.Time(zeek.Millisecond)
		if err := w.WritePacket(ts, pktbuild.EtherIP(pktbuild.UDPPacket(ip, u, []byte("ping"))), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestProcess runs heron on a trace through heronctl process with the
// site policy (a redef, a script, the local networks) and more options
// and scripts given, text and JSON against golden files; the logs are in
// TmpDir/testing, emptied at each run.
func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds heron")
	}
	heron := heronbin.Path(t)
	prefix := policyPrefix(t, map[string]string{
		"etc/heronctl.cfg": "Zeek = " + heron + "\nSendMail =\n",
		"etc/node.cfg":     "[heron]\ntype=standalone\nhost=localhost\ninterface=eth0\nenv_vars=HERON_SEED=7\n",
	})
	trace := filepath.Join(prefix, "trace.pcap")
	writeTrace(t, trace)
	dir := filepath.Join(prefix, "spool", "tmp", "testing")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "stale.log"), []byte("old"), 0o644)
	fix := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, heron, "HERON"), prefix, "PREFIX")
	}
	goldenTextAndJSON(t, "process", []string{"--prefix", prefix, "process", trace, "-C", "--", "LogAscii::use_json=T"}, fix)
	b, err := os.ReadFile(filepath.Join(dir, "conn.log"))
	if err != nil || !strings.Contains(string(b), `"id.orig_h":"10.0.0.1"`) || !strings.Contains(string(b), `"local_orig":true`) ||
		!strings.Contains(string(b), `"local_resp":false`) {
		t.Errorf("conn.log: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale.log")); err == nil {
		t.Error("process did not empty its directory")
	}
	_, errOut, status := heronctl(t, "--prefix", prefix, "process", filepath.Join(prefix, "nosuch.pcap"))
	if status != exitConfig || !strings.Contains(errOut, "heronctl: trace file not found: "+prefix+"/nosuch.pcap\n") {
		t.Errorf("missing trace: status %d %q", status, errOut)
	}
}
