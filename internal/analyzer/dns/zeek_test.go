package dns_test

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

// zeekTests are Zeek's own DNS tests (testing/btest/scripts/base/protocols/
// dns) whose logs Heron can reproduce: the trace, the scripts and options
// of the test's command, and the baseline files compared. Tests that
// load policy/protocols/dns/auth-addl get its option settings (Heron
// does not log its extra fields; the others are compared).
var zeekTests = []struct {
	name  string
	trace string
	bare  bool
	C     bool // -C: checksums ignored
	loads []string
	opts  []string
	files []string
}{
	{name: "dns-key", trace: "dnssec/dnskey2.pcap", bare: true, files: []string{"dns.log"}},
	{name: "dnskey", C: true, trace: "dnssec/dnskey.pcap", bare: true, files: []string{"dns.log"}},
	{name: "ds", C: true, trace: "dnssec/ds.pcap", bare: true, files: []string{"dns.log"}},
	{name: "rrsig", C: true, trace: "dnssec/rrsig.pcap", bare: true, files: []string{"dns.log"}},
	{name: "nsec", C: true, trace: "dnssec/nsec.pcap", bare: true, opts: authAddl, files: []string{"dns.log"}},
	{name: "nsec3", C: true, trace: "dnssec/nsec3.pcap", bare: true, opts: authAddl, files: []string{"dns.log"}},
	{name: "nsec3param", C: true, trace: "dnssec/nsec3param.pcap", bare: true, opts: authAddl, files: []string{"dns.log"}},
	{name: "binds", C: true, trace: "dns/dns-binds.pcap", bare: true, opts: authAddl, files: []string{"dns.log"}},
	{name: "wks", C: true, trace: "dns/dns-wks.pcap", bare: true, opts: authAddl, files: []string{"dns.log"}},
	{name: "duplicate-reponses", trace: "dns-two-responses.pcap", bare: true, files: []string{"dns.log"}},
	{name: "zero-responses", trace: "dns-zero-RRs.pcap", bare: true, files: []string{"dns.log"}},
	{name: "multiple-txt-strings", trace: "dns-txt-multiple.pcap", bare: true, files: []string{"dns.log"}},
	{name: "spf", trace: "dns-spf.pcap", bare: true, files: []string{"dns.log"}},
	{name: "sshfp", C: true, trace: "dns/sshfp-trunc.pcap", bare: true, files: []string{"dns.log"}},
	{name: "loc", C: true, trace: "dns/loc-29-trunc.pcap", bare: true, files: []string{"dns.log"}},
	{name: "naptr", trace: "dns/naptr.pcap", bare: true, files: []string{"dns.log.cut"}},
	{name: "mdns-no-assoc", C: true, trace: "dns/mdns-no-assoc.pcap", bare: true, files: []string{"dns.log"}},
	{name: "notify", C: true, trace: "dns/dns_notify2.pcap", files: []string{"dns.log"}},
	{name: "dynamic-update", C: true, trace: "dns/dynamic-update.pcap", bare: true, loads: []string{"base/frameworks/notice/weird"}, files: []string{"dns.log"}},
	{name: "tkey", C: true, trace: "dns/tkey.pcap", bare: true, opts: []string{"dns_skip_all_addl=F"}, files: []string{"dns.log"}},
	{name: "edns-bad-length", C: true, trace: "dns/dns-edns-bad-length.pcap", bare: true, loads: []string{"base/frameworks/notice/weird"},
		opts: []string{"dns_skip_all_addl=F"}, files: []string{"weird.log"}},
	{name: "svcb-rdlength-mismatch", C: true, trace: "dns-svcb-rdlength-mismatch.pcap", bare: true, loads: []string{"base/frameworks/notice/weird"},
		opts: authAddl, files: []string{"weird.log"}},
	{name: "dns-edns-ecs", C: true, trace: "dns-edns-ecs-weirds.pcap", bare: true, loads: []string{"base/frameworks/notice/weird"}, opts: authAddl, files: []string{"weird.log"}},
	{name: "svcb-alpn-malformed-len", trace: "dns/svcb-alpn-malformed-len-too-long.pcap", opts: authAddl, files: []string{"weird.log-too-long"}},
	{name: "svcb-alpn-malformed-len", trace: "dns/svcb-alpn-malformed-len-too-short.pcap", opts: authAddl, files: []string{"weird.log-too-short"}},
	{name: "svcb-port-malformed", trace: "dns/svcb-port-malformed.pcap", opts: authAddl, files: []string{"weird.log"}},
	{name: "max-queries", trace: "dns/conn-count-too-large.pcap", bare: true,
		loads: []string{"base/protocols/conn", "base/frameworks/notice/weird"}, opts: []string{"dns_max_queries=3"},
		files: []string{"conn.log", "weird.log"}},
	{name: "max-compression-depth", trace: "dns/max-compression-depth.pcap", bare: true,
		loads: []string{"base/protocols/conn", "base/frameworks/notice/weird"}, opts: []string{"dns_max_compression_chain_depth=5"},
		files: []string{"conn.log", "weird.log"}},
	{name: "flip", trace: "dns53.pcap", bare: true, files: []string{"dns.log"}},
}

// authAddl is what policy/protocols/dns/auth-addl redefines.
var authAddl = []string{"dns_skip_all_auth=F", "dns_skip_all_addl=F"}

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

// TestZeekBaselines runs Zeek's DNS tests on their traces and compares
// the logs with the tests' baselines, field by field (times and uids,
// which the baselines mask or Zeek chooses, aside).
func TestZeekBaselines(t *testing.T) {
	src := refdata.ZeekSource(t)
	for _, zt := range zeekTests {
		t.Run(zt.name+"/"+filepath.Base(zt.trace), func(t *testing.T) {
			trace := refdata.FindTrace(t, zt.trace)
			setOptions(t, zt.opts)
			loads := zt.loads
			if zt.bare {
				loads = append([]string{"base/protocols/dns"}, loads...)
			}
			loaded, err := scripts.Load(zt.bare, loads)
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
			base := filepath.Join(src, "testing", "btest", "Baseline", "scripts.base.protocols.dns."+zt.name)
			for _, file := range zt.files {
				want := readBaseline(t, filepath.Join(base, file))
				logName := file[:strings.Index(file, ".log")+len(".log")]
				l, err := zeeklog.ReadFile(filepath.Join(cfg.Log.LogDir, logName))
				if err != nil {
					t.Fatal(err)
				}
				var fields []string
				for f := range want[0] {
					if f != "ts" && f != "uid" && (l.Records == nil || hasField(l.Records, f)) {
						fields = append(fields, f)
					}
				}
				slices.Sort(fields)
				got, exp := canonical(l.Records, fields), canonical(want, fields)
				if !slices.Equal(got, exp) {
					t.Errorf("%s differs from Zeek's (fields %v):\n got:\n  %s\n want:\n  %s", file, fields,
						strings.Join(got, "\n  "), strings.Join(exp, "\n  "))
				}
			}
		})
	}
}

func hasField(recs []map[string]string, f string) bool {
	if len(recs) == 0 {
		return true
	}
	_, ok := recs[0][f]
	return ok
}
