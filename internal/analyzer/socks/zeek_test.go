package socks_test

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

// zeekTests are Zeek's own SOCKS tests (testing/btest/scripts/base/
// protocols/socks): the trace, how Zeek ran, and the baseline files.
var zeekTests = []struct {
	name  string
	trace string
	bare  bool
	C     bool
	opts  []string
	files []string
}{
	{name: "trace1", trace: "socks.pcap", files: []string{"socks.log", "tunnel.log"}},
	{name: "trace2", trace: "socks-with-ssl.pcap", files: []string{"socks.log", "tunnel.log"}},
	{name: "trace3", trace: "tunnels/socks.pcap", bare: true, C: true, files: []string{"tunnel.log"}},
	{name: "socks-auth", trace: "socks-auth.pcap", opts: []string{"SOCKS::default_capture_password=T"}, files: []string{"socks.log", "tunnel.log"}},
	{name: "socks-auth-2", trace: "socks-auth.pcap", files: []string{"socks.log", "tunnel.log"}},
	{name: "socks-auth-10080", trace: "socks-auth-10080.pcap", opts: []string{"SOCKS::default_capture_password=T"}, files: []string{"conn.log.cut", "socks.log.cut"}},
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

// readBaseline reads a btest baseline: a Zeek log, or a zeek-cut table
// (a header line of field names, then rows).
func readBaseline(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "###") {
			lines = append(lines, sc.Text())
		}
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

// TestZeekBaselines runs Zeek's SOCKS tests on their traces and compares
// the logs with the tests' baselines, field by field (times and uids,
// which the baselines mask, aside).
func TestZeekBaselines(t *testing.T) {
	src := refdata.ZeekSource(t)
	for _, zt := range zeekTests {
		t.Run(zt.name, func(t *testing.T) {
			trace := refdata.FindTrace(t, zt.trace)
			setOptions(t, zt.opts)
			loaded, err := scripts.Load(zt.bare, []string{"base/protocols/socks"})
			if err != nil {
				t.Fatal(err)
			}
			cfg := node.DefaultConfig()
			cfg.Loaded = node.FeaturesOf(loaded)
			cfg.Trace = trace
			cfg.IgnoreChecksums = zt.C
			cfg.Log.LogDir = t.TempDir()
			if _, err := node.Run(cfg); err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(src, "testing", "btest", "Baseline", "scripts.base.protocols.socks."+zt.name)
			for _, file := range zt.files {
				want := readBaseline(t, filepath.Join(base, file))
				if len(want) == 0 {
					t.Fatalf("%s: empty baseline", file)
				}
				logName := file[:strings.Index(file, ".log")+len(".log")]
				l, err := zeeklog.ReadFile(filepath.Join(cfg.Log.LogDir, logName))
				if err != nil {
					t.Fatal(err)
				}
				var fields []string
				for f := range want[0] {
					if f != "ts" && f != "uid" {
						fields = append(fields, f)
					}
				}
				slices.Sort(fields)
				got, exp := canonical(l.Records, fields), canonical(want, fields)
				if !slices.Equal(got, exp) {
					t.Errorf("%s differs from Zeek's:\n got:\n  %s\n want:\n  %s", file,
						strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
				}
			}
		})
	}
}

// TestDefaultBaselines runs Heron as `zeek -C -r TRACE` runs over the
// SOCKS traces of the shared corpus and compares its logs with Zeek's,
// times included (uids aside): the handshake, the tunnel and what went
// through it (HTTP inside socks.pcap) with conn.log's service field.
func TestDefaultBaselines(t *testing.T) {
	baselines := refdata.Baselines(t)
	for _, c := range []struct {
		trace string
		files []string
	}{
		{"socks.pcap", []string{"socks.log", "tunnel.log", "http.log", "conn.log", "files.log"}},
		{"socks-auth.pcap", []string{"socks.log", "tunnel.log", "conn.log"}},
	} {
		t.Run(c.trace, func(t *testing.T) {
			trace := refdata.FindTrace(t, c.trace)
			loaded, err := scripts.Load(false, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg := node.DefaultConfig()
			cfg.Loaded = node.FeaturesOf(loaded)
			cfg.Trace = trace
			cfg.IgnoreChecksums = true
			cfg.Log.LogDir = t.TempDir()
			if _, err := node.Run(cfg); err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(baselines, "default", strings.ReplaceAll(c.trace, "/", "__"))
			for _, file := range c.files {
				want := readBaseline(t, filepath.Join(base, file))
				l, err := zeeklog.ReadFile(filepath.Join(cfg.Log.LogDir, file))
				if err != nil {
					t.Fatal(err)
				}
				var fields []string
				for f := range want[0] {
					if f != "uid" && f != "fuid" && !strings.HasSuffix(f, "_fuids") {
						fields = append(fields, f)
					}
				}
				slices.Sort(fields)
				got, exp := canonical(l.Records, fields), canonical(want, fields)
				if !slices.Equal(got, exp) {
					t.Errorf("%s differs from Zeek's:\n got:\n  %s\n want:\n  %s", file,
						strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
				}
			}
		})
	}
}
