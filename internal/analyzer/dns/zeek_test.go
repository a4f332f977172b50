package dns_test

import (
	"path/filepath"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// zeekTests are Zeek's own DNS tests (testing/btest/scripts/base/protocols/
// dns, named by their last part) whose logs Heron can reproduce: the trace, the scripts and options
// of the test's command, and the baseline files compared. Tests that
// load policy/protocols/dns/auth-addl get its option settings (Heron
// does not log its extra fields; the others are compared).
var zeekTests = []zeekcase.Case{
	{Name: "dns-key", Trace: "dnssec/dnskey2.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "dnskey", C: true, Trace: "dnssec/dnskey.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "ds", C: true, Trace: "dnssec/ds.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "rrsig", C: true, Trace: "dnssec/rrsig.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "nsec", C: true, Trace: "dnssec/nsec.pcap", Bare: true, Opts: authAddl, Files: []string{"dns.log"}},
	{Name: "nsec3", C: true, Trace: "dnssec/nsec3.pcap", Bare: true, Opts: authAddl, Files: []string{"dns.log"}},
	{Name: "nsec3param", C: true, Trace: "dnssec/nsec3param.pcap", Bare: true, Opts: authAddl, Files: []string{"dns.log"}},
	{Name: "binds", C: true, Trace: "dns/dns-binds.pcap", Bare: true, Opts: authAddl, Files: []string{"dns.log"}},
	{Name: "wks", C: true, Trace: "dns/dns-wks.pcap", Bare: true, Opts: authAddl, Files: []string{"dns.log"}},
	{Name: "duplicate-reponses", Trace: "dns-two-responses.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "zero-responses", Trace: "dns-zero-RRs.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "multiple-txt-strings", Trace: "dns-txt-multiple.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "spf", Trace: "dns-spf.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "sshfp", C: true, Trace: "dns/sshfp-trunc.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "loc", C: true, Trace: "dns/loc-29-trunc.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "naptr", Trace: "dns/naptr.pcap", Bare: true, Files: []string{"dns.log.cut"}},
	{Name: "mdns-no-assoc", C: true, Trace: "dns/mdns-no-assoc.pcap", Bare: true, Files: []string{"dns.log"}},
	{Name: "notify", C: true, Trace: "dns/dns_notify2.pcap", Files: []string{"dns.log"}},
	{Name: "dynamic-update", C: true, Trace: "dns/dynamic-update.pcap", Bare: true, Loads: []string{"base/frameworks/notice/weird"}, Files: []string{"dns.log"}},
	{Name: "tkey", C: true, Trace: "dns/tkey.pcap", Bare: true, Opts: []string{"dns_skip_all_addl=F"}, Files: []string{"dns.log"}},
	{Name: "edns-bad-length", C: true, Trace: "dns/dns-edns-bad-length.pcap", Bare: true, Loads: []string{"base/frameworks/notice/weird"},
		Opts: []string{"dns_skip_all_addl=F"}, Files: []string{"weird.log"}},
	{Name: "svcb-rdlength-mismatch", C: true, Trace: "dns-svcb-rdlength-mismatch.pcap", Bare: true, Loads: []string{"base/frameworks/notice/weird"},
		Opts: authAddl, Files: []string{"weird.log"}},
	{Name: "dns-edns-ecs", C: true, Trace: "dns-edns-ecs-weirds.pcap", Bare: true, Loads: []string{"base/frameworks/notice/weird"}, Opts: authAddl, Files: []string{"weird.log"}},
	{Name: "svcb-alpn-malformed-len", Trace: "dns/svcb-alpn-malformed-len-too-long.pcap", Opts: authAddl, Files: []string{"weird.log-too-long"}},
	{Name: "svcb-alpn-malformed-len", Trace: "dns/svcb-alpn-malformed-len-too-short.pcap", Opts: authAddl, Files: []string{"weird.log-too-short"}},
	{Name: "svcb-port-malformed", Trace: "dns/svcb-port-malformed.pcap", Opts: authAddl, Files: []string{"weird.log"}},
	{Name: "max-queries", Trace: "dns/conn-count-too-large.pcap", Bare: true,
		Loads: []string{"base/protocols/conn", "base/frameworks/notice/weird"}, Opts: []string{"dns_max_queries=3"},
		Files: []string{"conn.log", "weird.log"}},
	{Name: "max-compression-depth", Trace: "dns/max-compression-depth.pcap", Bare: true,
		Loads: []string{"base/protocols/conn", "base/frameworks/notice/weird"}, Opts: []string{"dns_max_compression_chain_depth=5"},
		Files: []string{"conn.log", "weird.log"}},
	{Name: "flip", Trace: "dns53.pcap", Bare: true, Files: []string{"dns.log"}},
}

// authAddl is what policy/protocols/dns/auth-addl redefines.
var authAddl = []string{"dns_skip_all_auth=F", "dns_skip_all_addl=F"}

// TestZeekBaselines runs Zeek's DNS tests on their traces and compares
// the logs with the tests' baselines, field by field (times and uids,
// which the baselines mask or Zeek chooses, aside, and the fields Heron
// does not log).
func TestZeekBaselines(t *testing.T) {
	cases := zeekcase.InBtests("scripts.base.protocols.dns.", zeekTests)
	for i := range cases {
		c := &cases[i]
		c.Name += "/" + filepath.Base(c.Trace)
		if c.Bare {
			c.Loads = append([]string{"base/protocols/dns"}, c.Loads...)
		}
	}
	zeekcase.RunCases(t, cases, func(_ string, want, got []map[string]string) []string {
		return zeekcase.FieldsOf(want[0], func(f, _ string) bool {
			return f == "ts" || f == "uid" || !hasField(got, f)
		})
	})
}

// hasField reports whether Heron's records have field f (true when there
// are none to tell).
func hasField(recs []map[string]string, f string) bool {
	if len(recs) == 0 {
		return true
	}
	_, ok := recs[0][f]
	return ok
}
