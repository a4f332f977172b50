package pop3_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"

	_ "github.com/heron-nsm/heron/internal/analyzer/all"
)

// zeekCase is one comparison with Zeek: a trace, how Zeek ran on it, and
// the logs compared. A btest names the baseline folder of one of Zeek's
// tests (testing/btest/Baseline); otherwise the case is one of the
// shared corpus's default-mode runs (baselines/default).
type zeekCase struct {
	btest string
	trace string
	bare  bool
	C     bool
	loads []string
	files []string
}

// readLog reads a Zeek log, skipping btest's header comment.
func readLog(t *testing.T, path string) []map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "###") {
			lines = append(lines, sc.Text())
		}
	}
	l, err := zeeklog.Parse(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return l.Records
}

// canonical turns records into sorted lines of the given fields.
func canonical(recs []map[string]string, fields []string) []string {
	var out []string
	for _, r := range recs {
		var vals []string
		for _, f := range fields {
			vals = append(vals, f+"="+r[f])
		}
		out = append(out, strings.Join(vals, " "))
	}
	slices.Sort(out)
	return out
}

// runZeekCases runs each case through a node and compares its logs with
// Zeek's, field by field: uids and fuids (Zeek's own values) aside, and
// times too where the baseline masks them.
func runZeekCases(t *testing.T, cases []zeekCase) {
	for _, zc := range cases {
		name := zc.btest
		if name == "" {
			name = "default/" + zc.trace
		}
		t.Run(name, func(t *testing.T) {
			var base string
			if zc.btest != "" {
				base = filepath.Join(refdata.ZeekSource(t), "testing", "btest", "Baseline", zc.btest)
			} else {
				base = filepath.Join(refdata.Baselines(t), "default", strings.ReplaceAll(zc.trace, "/", "__"))
			}
			trace := refdata.FindTrace(t, zc.trace)
			loaded, err := scripts.Load(zc.bare, zc.loads)
			if err != nil {
				t.Fatal(err)
			}
			cfg := node.DefaultConfig()
			cfg.Loaded = node.FeaturesOf(loaded)
			cfg.Trace = trace
			cfg.IgnoreChecksums = zc.C
			cfg.Log.LogDir = t.TempDir()
			if _, err := node.Run(cfg); err != nil {
				t.Fatal(err)
			}
			for _, file := range zc.files {
				want := readLog(t, filepath.Join(base, file))
				got := readLog(t, filepath.Join(cfg.Log.LogDir, file))
				if len(want) == 0 {
					t.Fatalf("%s: empty baseline", file)
				}
				var fields []string
				for f, v := range want[0] {
					switch {
					case f == "uid" || f == "fuid" || strings.HasSuffix(f, "_fuids") || strings.HasSuffix(f, "_uids"):
					case strings.HasPrefix(v, "XXXXXXXXXX"):
					default:
						fields = append(fields, f)
					}
				}
				slices.Sort(fields)
				g, w := canonical(got, fields), canonical(want, fields)
				if !slices.Equal(g, w) {
					t.Errorf("%s differs from Zeek's:\n got:\n  %s\n want:\n  %s", file,
						strings.Join(g, "\n  "), strings.Join(w, "\n  "))
				}
			}
		})
	}
}

// TestZeek compares POP3 connections with Zeek's logs of them.
func TestZeek(t *testing.T) {
	runZeekCases(t, []zeekCase{
		{btest: "scripts.base.protocols.pop3.starttls", trace: "tls/pop3-starttls.pcap", bare: true, C: true,
			loads: []string{"base/protocols/conn", "base/protocols/ssl", "base/protocols/pop3"}, files: []string{"conn.log", "ssl.log"}},
		{trace: "pop3-unknown-commands.pcap", C: true, files: []string{"analyzer.log", "conn.log", "weird.log"}},
		{trace: "pop3/pop3.pcap", C: true, files: []string{"conn.log", "files.log"}},
		{trace: "pop3/bad-list-retr-crafted.pcap", C: true, files: []string{"conn.log"}},
		{trace: "tls/pop3-starttls.pcap", C: true, files: []string{"conn.log", "ssl.log", "x509.log"}},
	})
}
