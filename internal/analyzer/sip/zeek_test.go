package sip_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// zeekCase is a trace with Zeek's logs for it: from the shared corpus's
// default-mode runs (corpus: the baseline folder is default/NAME, every
// base script is loaded, checksums are ignored) or from Zeek's SIP btests
// (the baseline folder is scripts.base.protocols.sip.NAME). A baseline may
// be a whole log or a zeek-cut table of some of its columns.
type zeekCase struct {
	name   string
	trace  string // under Zeek's testing/btest/Traces
	corpus bool
	loads  []string
	opts   []string
	files  []string
}

var zeekCases = []zeekCase{
	{name: "sip__sip-junk-before-request.pcap", trace: "sip/sip-junk-before-request.pcap", corpus: true,
		files: []string{"conn.log", "sip.log", "weird.log"}},
	{name: "sip__sip-long-request-response-paths.pcap", trace: "sip/sip-long-request-response-paths.pcap", corpus: true,
		files: []string{"conn.log", "sip.log"}},
	{name: "sip__wireshark.pcap", trace: "sip/wireshark.pcap", corpus: true, files: []string{"conn.log", "sip.log"}},

	{name: "wireshark", trace: "sip/wireshark.pcap", loads: []string{"base/protocols/sip"}, files: []string{"sip.log"}},
	{name: "junk", trace: "sip/sip-junk-before-request.pcap", loads: []string{"base/protocols/sip", "base/frameworks/notice/weird"},
		files: []string{"sip.log", "weird.log"}},
	{name: "invalid-content-length", trace: "sip/invalid-content-length.pcap",
		loads: []string{"base/protocols/sip", "base/frameworks/notice/weird"}, files: []string{"sip.log", "weird.log"}},
	{name: "path-length-limits", trace: "sip/sip-long-request-response-paths.pcap",
		loads: []string{"base/protocols/sip", "base/frameworks/notice/weird"},
		opts:  []string{"SIP::max_request_path_length=3", "SIP::max_response_path_length=7"}, files: []string{"weird.log"}},
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
				base = filepath.Join(refdata.ZeekSource(t), "testing", "btest", "Baseline", "scripts.base.protocols.sip."+zc.name)
			}
			dir := runNode(t, zc)
			for _, f := range zc.files {
				compareLog(t, filepath.Join(base, f), filepath.Join(dir, f))
			}
			if zc.name == "path-length-limits" {
				checkPathLengths(t, filepath.Join(dir, "sip.log"), 3, 7)
			}
		})
	}
}

// checkPathLengths stands for the path-length-limits test's output: the
// longest request and response paths logged.
func checkPathLengths(t *testing.T, path string, wantReq, wantResp int) {
	t.Helper()
	l, err := zeeklog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	longest := func(field string) int {
		n := 0
		for _, r := range l.Records {
			if v := r[field]; v != "-" && v != "(empty)" {
				n = max(n, strings.Count(v, ",")+1)
			}
		}
		return n
	}
	if r, s := longest("request_path"), longest("response_path"); r != wantReq || s != wantResp {
		t.Errorf("longest paths %d and %d, want %d and %d", r, s, wantReq, wantResp)
	}
}

func runNode(t *testing.T, zc zeekCase) string {
	t.Helper()
	setOptions(t, zc.opts)
	loaded, err := scripts.Load(!zc.corpus, zc.loads)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = refdata.FindTrace(t, zc.trace)
	cfg.IgnoreChecksums = zc.corpus
	cfg.Log.LogDir = t.TempDir()
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

// setOptions applies ID=VALUE settings for one test and restores the old
// values after it.
func setOptions(t *testing.T, opts []string) {
	for _, o := range opts {
		name := o[:strings.IndexByte(o, '=')]
		v := options.Default.Lookup(name)
		if v == nil {
			t.Fatalf("option %s is not registered", name)
		}
		old := v.String()
		if err := options.Apply(o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := options.Apply(name + "=" + old); err != nil {
				t.Errorf("restoring %s: %v", name, err)
			}
		})
	}
}

// readBaseline reads a Zeek log or a zeek-cut table (a line of field
// names, then rows), without btest's header lines.
func readBaseline(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "###") {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) > 0 && strings.HasPrefix(lines[0], "#separator") {
		l, err := zeeklog.Parse(strings.NewReader(strings.Join(lines, "\n") + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		return l.Records
	}
	var recs []map[string]string
	var fields []string
	for _, ln := range lines {
		if ln == "" {
			continue
		}
		if fields == nil {
			fields = strings.Split(ln, "\t")
			continue
		}
		rec := map[string]string{}
		for i, v := range strings.Split(ln, "\t") {
			if i < len(fields) {
				rec[fields[i]] = v
			}
		}
		recs = append(recs, rec)
	}
	return recs
}

// compareLog compares one of Heron's logs with Zeek's.
func compareLog(t *testing.T, wantPath, gotPath string) {
	t.Helper()
	want := readBaseline(t, wantPath)
	got, err := zeeklog.ReadFile(gotPath)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(gotPath), err)
	}
	if len(want) == 0 {
		t.Fatalf("%s: no records in the baseline", wantPath)
	}
	var fields []string
	for f, v := range want[0] {
		if f == "uid" || strings.HasPrefix(v, "XXXXXXXXXX") {
			continue
		}
		if filepath.Base(gotPath) == "conn.log" && f != "service" && !strings.HasPrefix(f, "id.") {
			continue
		}
		fields = append(fields, f)
	}
	slices.Sort(fields)
	w, g := canonical(want, fields), canonical(got.Records, fields)
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
