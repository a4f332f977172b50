package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClusterSignatureNoticeSuppressed runs two workers that both read the
// whole trace (two taps seeing the same traffic), each firing a user
// signature on all 30 requests, with Heron::signature_notice_identifier=
// sig_id: the cluster's shared suppression writes one Sensitive_Signature
// notice for the suppression interval, as a standalone run does, while
// signatures.log keeps every match of both workers. (Zeek gives that notice
// no identifier, so without the option every alarm is a notice; sites add
// one in a Notice::policy hook.)
func TestClusterSignatureNoticeSuppressed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	const requests = 30
	trace := writeBusyTrace(t, t.TempDir(), requests)
	sig := filepath.Join(t.TempDir(), "user.sig")
	if err := os.WriteFile(sig, []byte(userSig), 0o644); err != nil {
		t.Fatal(err)
	}
	const opt = "Heron::signature_notice_identifier=sig_id"
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		if err := os.WriteFile(filepath.Join(c.dir, "user.sig"), []byte(userSig), 0o644); err != nil {
			t.Fatal(err)
		}
		l["signatures"] = []string{"user.sig"}
		opts, _ := l["options"].([]any)
		l["options"] = append(opts, opt)
		for _, w := range []string{"worker-1", "worker-2"} {
			delete(l["nodes"].(map[string]any)[w].(map[string]any), "shard")
		}
	})
	want := standalone(t, c.bin, trace, "-s", sig, opt)
	if n := len(want["notice.log"]); n != 1 {
		t.Fatalf("standalone notice.log has %d records, want 1 (the first match; the rest suppressed)", n)
	}
	if n := len(want["signatures.log"]); n != requests {
		t.Fatalf("standalone signatures.log has %d records, want %d", n, requests)
	}
	sigs := make([]string, 2*requests) // both workers log every match
	c.runToEnd(map[string][]string{"notice.log": want["notice.log"], "signatures.log": sigs})
	got := clusterRecords(t, c.logs)
	if strings.Join(got["notice.log"], "\n") != strings.Join(want["notice.log"], "\n") {
		t.Errorf("notice.log: the cluster wrote %d records, standalone %d:\n--- cluster\n%s\n--- standalone\n%s",
			len(got["notice.log"]), len(want["notice.log"]), strings.Join(got["notice.log"], "\n"), strings.Join(want["notice.log"], "\n"))
	}
	// The notice names the worker that raised it, as Zeek's cluster does.
	for _, p := range logColumn(t, filepath.Join(c.logs, "notice.log"), "peer_descr") {
		if p != "worker-1" && p != "worker-2" {
			t.Errorf("notice.log peer_descr %q, want worker-1 or worker-2", p)
		}
	}
	if n := len(got["signatures.log"]); n != 2*requests {
		t.Errorf("signatures.log has %d records, want %d: both workers match every request", n, 2*requests)
	}
}
