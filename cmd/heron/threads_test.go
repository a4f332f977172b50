package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// uidFields name connections and files by values each run draws anew.
var uidFields = map[string]bool{"uid": true, "fuid": true, "conn_uids": true, "tunnel_parents": true,
	"orig_fuids": true, "resp_fuids": true, "fuids": true, "parent_fuid": true, "cert_chain_fuids": true,
	"client_cert_chain_fuids": true}

// logRecords reads every log in dir as sorted lines of its fields other
// than uids, by log name.
func logRecords(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, p := range paths {
		l, err := zeeklog.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, r := range l.Records {
			var b strings.Builder
			for _, f := range l.Fields {
				if uidFields[f] {
					continue
				}
				b.WriteString(r[f])
				b.WriteByte('\t')
			}
			rows = append(rows, b.String())
		}
		sort.Strings(rows)
		out[filepath.Base(p)] = rows
	}
	return out
}

// TestThreadsMatchOneThread: `--threads N` writes the same records as one
// thread (uids aside, in any order) on the sample trace and on corpus
// traces of several kinds.
func TestThreadsMatchOneThread(t *testing.T) {
	traces := []string{"../../testdata/sample.pcap"}
	listed := 0
	if sh := refdata.SharedDir(); sh != "" {
		for _, name := range []string{"http/206_example_a.pcap", "tunnels/Teredo.pcap", "tls/dhe.pcap", "dns/long-connection.pcap", "ipv4/fragmented-1.pcap", "tunnels/vxlan.pcap"} {
			p := filepath.Join(sh, "zeek-corpus", "traces", name)
			if _, err := os.Stat(p); err == nil {
				traces = append(traces, p)
			}
		}
		listed = len(traces)
		if os.Getenv("HERON_THREADS_ALL") != "" {
			// By hand: every corpus trace.
			filepath.WalkDir(filepath.Join(sh, "zeek-corpus", "traces"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					traces = append(traces, p)
				}
				return nil
			})
		}
	} else {
		t.Log("../shared absent: only the sample trace is compared")
	}
	if listed == 0 {
		listed = len(traces)
	}
	for ti, trace := range traces {
		t.Run(filepath.Base(trace), func(t *testing.T) {
			dir := t.TempDir()
			var want map[string][]string
			for _, n := range []string{"1", "2", "4"} {
				out := filepath.Join(dir, n)
				if code, _, errOut := runCLI("-C", "-r", trace, "--threads", n, "--logdir", out); code != 0 {
					t.Fatalf("--threads %s: exit %d: %s", n, code, errOut)
				}
				got := logRecords(t, out)
				if want == nil {
					want = got
					if ti < listed && len(want["conn.log"]) == 0 {
						t.Fatal("one thread wrote no connections")
					}
					continue
				}
				for name, rows := range want {
					if strings.Join(got[name], "\n") != strings.Join(rows, "\n") {
						t.Errorf("--threads %s: %s differs from one thread's:\n--- %s threads\n%s\n--- 1 thread\n%s", n, name, n,
							strings.Join(got[name], "\n"), strings.Join(rows, "\n"))
					}
				}
				for name := range got {
					if _, ok := want[name]; !ok {
						t.Errorf("--threads %s wrote %s, one thread did not", n, name)
					}
				}
			}
		})
	}
}
