package ftp_test

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

	_ "github.com/heron-nsm/heron/internal/analyzer/all"
)

// zeekTests are Zeek's own FTP tests (testing/btest/scripts/base/
// protocols/ftp) whose traces the corpus has and whose logs Heron
// writes: the trace, the scripts and options of the test, and the
// baseline files compared.
var zeekTests = []struct {
	name  string
	trace string
	bare  bool
	C     bool
	loads []string
	opts  []string
	files []string
}{
	{name: "cwd-navigation", trace: "ftp/cwd-navigation.pcap", bare: true, loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		files: []string{"conn.log", "ftp.log"}},
	{name: "ftp-auth-tls", trace: "ftp/ftp-auth-tls.pcap", opts: []string{`FTP::logged_commands+={"<init>", "AUTH"}`},
		files: []string{"conn.log", "ftp.log"}},
	{name: "ftp-get-file-size", trace: "ftp/ftp-with-numbers-in-filename.pcap", bare: true, loads: []string{"base/protocols/ftp"},
		files: []string{"ftp.log"}},
	{name: "ftp-ipv6", trace: "ftp/ipv6.pcap", bare: true, loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		files: []string{"conn.log", "ftp.log"}},
	{name: "ftp-max-command-length", trace: "ftp/fake-long-commands.pcap", bare: true,
		loads: []string{"base/protocols/conn", "base/protocols/ftp"}, opts: []string{`FTP::logged_commands+={"USER", "SYST"}`},
		files: []string{"conn.log", "ftp.log"}},
	{name: "ftp-multiline-reply", trace: "ftp/ipv6-multiline-reply.pcap", bare: true,
		loads: []string{"base/protocols/conn", "base/protocols/ftp"}, opts: []string{`FTP::logged_commands+={"<init>", "USER", "PASS"}`},
		files: []string{"ftp.log"}},
	{name: "ftp-password-pass-command-hidden", trace: "ftp/ftp-password-pass-command.pcap", bare: true, C: true,
		loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		opts:  []string{`FTP::logged_commands+={"USER", "PASS", "SYST", "QUIT"}`, "FTP::default_capture_password=F"},
		files: []string{"conn.log", "ftp.log"}},
	{name: "ftp-password-pass-command", trace: "ftp/ftp-password-pass-command.pcap", bare: true, C: true,
		loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		opts:  []string{`FTP::logged_commands+={"USER", "PASS", "SYST", "QUIT"}`, "FTP::default_capture_password=T"},
		files: []string{"conn.log", "ftp.log"}},
	{name: "ftp-samba-retr", trace: "ftp/ipv6-retr-samba.pcap", bare: true,
		loads: []string{"base/protocols/conn", "base/protocols/ftp"}, opts: []string{`FTP::logged_commands+={"USER", "PASS", "RETR"}`},
		files: []string{"ftp.log"}},
	{name: "bad-adat-encoding", trace: "globus-url-copy-bad-encoding.pcap", bare: true, C: true,
		loads: []string{"base/protocols/ftp", "base/frameworks/notice/weird"}, files: []string{"weird.log"}},
}

// setOptions applies ID=VALUE settings for one test and restores the old
// values after it.
func setOptions(t *testing.T, opts []string) {
	for _, o := range opts {
		name := o[:strings.IndexAny(o, "+=")]
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

// readBaseline reads a btest baseline log.
func readBaseline(t *testing.T, path string) []map[string]string {
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

// TestZeekBaselines runs Zeek's FTP tests on their traces and compares
// the logs with the tests' baselines, field by field (the masked times
// and Zeek's uids and fuids aside).
func TestZeekBaselines(t *testing.T) {
	src := refdata.ZeekSource(t)
	for _, zt := range zeekTests {
		t.Run(zt.name, func(t *testing.T) {
			trace := refdata.FindTrace(t, zt.trace)
			setOptions(t, zt.opts)
			loaded, err := scripts.Load(zt.bare, zt.loads)
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
			base := filepath.Join(src, "testing", "btest", "Baseline", "scripts.base.protocols.ftp."+zt.name)
			for _, file := range zt.files {
				want := readBaseline(t, filepath.Join(base, file))
				l, err := zeeklog.ReadFile(filepath.Join(cfg.Log.LogDir, file))
				if err != nil {
					t.Fatal(err)
				}
				var fields []string
				for f := range want[0] {
					switch f {
					case "ts", "uid", "fuid":
					default:
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
