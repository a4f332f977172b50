package rdp_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// zeekCase is a trace with Zeek's logs for it: from the shared corpus's
// default-mode runs (corpus true: base is the baseline folder's name,
// loads are empty) or from Zeek's btests (base is the test's baseline
// folder).
type zeekCase struct {
	name   string
	trace  string // under Zeek's testing/btest/Traces
	corpus bool
	bare   bool
	c      bool // -C
	loads  []string
	files  []string
}

var zeekCases = []zeekCase{
	{name: "rdp__rdp-to-ssl.pcap", trace: "rdp/rdp-to-ssl.pcap", corpus: true, c: true,
		files: []string{"rdp.log", "ssl.log", "x509.log", "conn.log"}},
	{name: "rdp__rdp-proprietary-encryption.pcap", trace: "rdp/rdp-proprietary-encryption.pcap", corpus: true, c: true,
		files: []string{"rdp.log", "conn.log"}},
	{name: "rdp__rdp-unknown-keyboard.pcap", trace: "rdp/rdp-unknown-keyboard.pcap", corpus: true, c: true,
		files: []string{"rdp.log", "conn.log"}},
	{name: "rdp__rdpeudp2-handshake-success.pcap", trace: "rdp/rdpeudp2-handshake-success.pcap", corpus: true, c: true,
		files: []string{"conn.log"}},
	{name: "rdp__rdp-invalid-length.pcap", trace: "rdp/rdp-invalid-length.pcap", corpus: true, c: true,
		files: []string{"conn.log"}},
	{name: "scripts.base.protocols.rdp.rdp-x509", trace: "rdp/rdp-x509.pcap", bare: true,
		loads: []string{"base/protocols/rdp", "base/files/x509"}, files: []string{"rdp.log", "x509.log"}},
	{name: "scripts.base.protocols.rdp.rdp-no-cookie-msthash", trace: "rdp/rdp-no-cookie-mstshash.pcap", bare: true,
		loads: []string{"base/protocols/rdp", "base/protocols/ssl"}, files: []string{"rdp.log"}},
	{name: "scripts.base.protocols.rdp.rdp-invalid-length", trace: "rdp/rdp-invalid-length.pcap", bare: true,
		loads: []string{"frameworks/analyzer/debug-logging.zeek", "base/protocols/rdp"}, files: []string{"analyzer_debug.log"}},
	{name: "scripts.base.protocols.rdp.rdpeudp-handshake-success", trace: "rdp/rdpeudp-handshake-success.pcap", bare: true,
		loads: []string{"base/protocols/conn", "base/protocols/rdp"}, files: []string{"conn.log"}},
}

// TestZeekLogs runs the node over each trace and compares its logs with
// Zeek's, record by record as multisets (uids, and the times btest
// baselines mask, aside; of conn.log only the endpoints and the service).
func TestZeekLogs(t *testing.T) {
	for _, zc := range zeekCases {
		t.Run(zc.name, func(t *testing.T) {
			var base string
			if zc.corpus {
				base = filepath.Join(refdata.Baselines(t), "default", zc.name)
			} else {
				base = filepath.Join(refdata.ZeekSource(t), "testing", "btest", "Baseline", zc.name)
			}
			dir := runNode(t, zc)
			for _, f := range zc.files {
				compareLog(t, filepath.Join(base, f), filepath.Join(dir, f))
			}
		})
	}
}

func runNode(t *testing.T, zc zeekCase) string {
	t.Helper()
	loaded, err := scripts.Load(zc.bare, zc.loads)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = refdata.FindTrace(t, zc.trace)
	cfg.IgnoreChecksums = zc.c
	cfg.Log.LogDir = t.TempDir()
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

// compareLog compares one of Heron's logs with Zeek's.
func compareLog(t *testing.T, wantPath, gotPath string) {
	t.Helper()
	raw, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ln := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(ln, "###") {
			lines = append(lines, ln)
		}
	}
	want, err := zeeklog.Parse(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	got, err := zeeklog.ReadFile(gotPath)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(gotPath), err)
	}
	var fields []string
	if len(want.Records) > 0 {
		for f, v := range want.Records[0] {
			if f == "uid" || strings.HasPrefix(v, "XXXXXXXXXX") {
				continue
			}
			if filepath.Base(wantPath) == "conn.log" && f != "service" && !strings.HasPrefix(f, "id.") {
				continue
			}
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	w, g := canonical(want.Records, fields), canonical(got.Records, fields)
	if !slices.Equal(w, g) {
		t.Errorf("%s differs from Zeek's (fields %v):\n got:\n  %s\n want:\n  %s", filepath.Base(gotPath), fields,
			strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

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
