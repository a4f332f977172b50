package dns_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// runTrace runs a default-mode node over a trace and returns its logs.
func runTrace(t *testing.T, trace string) map[string][]map[string]string {
	t.Helper()
	loaded, err := scripts.Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = trace
	cfg.Log.LogDir = t.TempDir()
	cfg.Conn.Seed = 1
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	logs := map[string][]map[string]string{}
	for _, name := range []string{"conn", "dns", "weird"} {
		l, err := zeeklog.ReadFile(filepath.Join(cfg.Log.LogDir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		logs[name] = l.Records
	}
	return logs
}

// TestDetection runs the trace testdata/record.sh recorded: dnsmasq
// answering on port 5300, which is no DNS port, is found by the
// detection signatures (its connections get service dns and their
// messages reach dns.log); text and binary traffic on port 53 is not
// DNS (no service, and the binary datagram's absurd question count is a
// protocol violation).
func TestDetection(t *testing.T) {
	trace := filepath.Join("testdata", "dns-port5300.pcap")
	if _, err := os.Stat(trace); err != nil {
		t.Skipf("no recorded trace (%v); make it with testdata/record.sh", err)
	}
	logs := runTrace(t, trace)

	var dns5300, other []string
	for _, c := range logs["conn"] {
		desc := c["id.resp_p"] + "/" + c["proto"] + " " + c["service"] + " " + c["history"]
		if c["id.resp_p"] == "5300" {
			dns5300 = append(dns5300, desc)
		} else {
			other = append(other, desc)
		}
	}
	slices.Sort(dns5300)
	slices.Sort(other)
	wantDNS := []string{"5300/tcp dns ShADadFf", "5300/udp dns Dd", "5300/udp dns Dd", "5300/udp dns Dd", "5300/udp dns Dd", "5300/udp dns Dd"}
	if !slices.Equal(dns5300, wantDNS) {
		t.Errorf("connections to port 5300:\n%s\nwant:\n%s", strings.Join(dns5300, "\n"), strings.Join(wantDNS, "\n"))
	}
	// The 'X': the analyzer gave up (unknown opcodes, too many questions;
	// over TCP when the server's FIN made it parse what it held).
	wantOther := []string{"53/tcp - ShAdDafXF", "53/udp - DXd", "53/udp - DXd"}
	if !slices.Equal(other, wantOther) {
		t.Errorf("connections to port 53:\n%s\nwant:\n%s", strings.Join(other, "\n"), strings.Join(wantOther, "\n"))
	}

	var recs []string
	for _, r := range logs["dns"] {
		recs = append(recs, strings.Join([]string{r["id.resp_p"], r["proto"], r["query"], r["qtype_name"], r["rcode_name"], r["answers"]}, " "))
	}
	slices.Sort(recs)
	wantRecs := []string{
		"53 udp - - - -",
		"5300 tcp www.heron.test A NOERROR 10.89.0.1",
		"5300 udp heron.test MX NOERROR mail.heron.test",
		"5300 udp heron.test TXT NOERROR TXT 11 v=spf1 -all TXT 13 second string",
		"5300 udp nothere.heron.test A REFUSED -",
		"5300 udp web.heron.test A NOERROR 10.89.0.80",
		"5300 udp www.heron.test A NOERROR 10.89.0.1",
	}
	if !slices.Equal(recs, wantRecs) {
		t.Errorf("dns.log:\n%s\nwant:\n%s", strings.Join(recs, "\n"), strings.Join(wantRecs, "\n"))
	}

	var weirds []string
	for _, w := range logs["weird"] {
		weirds = append(weirds, w["name"]+" "+w["addl"])
	}
	slices.Sort(weirds)
	wantWeirds := []string{"DNS_Conn_count_too_large 23130 > 25", "DNS_truncated_len_lt_hdr_len -", "DNS_unknown_opcode 10", "DNS_unknown_opcode 13"}
	if !slices.Equal(weirds, wantWeirds) {
		t.Errorf("weird.log:\n%s\nwant:\n%s", strings.Join(weirds, "\n"), strings.Join(wantWeirds, "\n"))
	}
}
