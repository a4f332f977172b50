package socks_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// zeekTests are Zeek's own SOCKS tests (testing/btest/scripts/base/
// protocols/socks, named by their last part; each loads
// base/protocols/socks): the trace, how Zeek ran, and the baseline files.
var zeekTests = []zeekcase.Case{
	{Name: "trace1", Trace: "socks.pcap", Files: []string{"socks.log", "tunnel.log"}},
	{Name: "trace2", Trace: "socks-with-ssl.pcap", Files: []string{"socks.log", "tunnel.log"}},
	{Name: "trace3", Trace: "tunnels/socks.pcap", Bare: true, C: true, Files: []string{"tunnel.log"}},
	{Name: "socks-auth", Trace: "socks-auth.pcap", Opts: []string{"SOCKS::default_capture_password=T"}, Files: []string{"socks.log", "tunnel.log"}},
	{Name: "socks-auth-2", Trace: "socks-auth.pcap", Files: []string{"socks.log", "tunnel.log"}},
	{Name: "socks-auth-10080", Trace: "socks-auth-10080.pcap", Opts: []string{"SOCKS::default_capture_password=T"}, Files: []string{"conn.log.cut", "socks.log.cut"}},
}

// TestZeekBaselines runs Zeek's SOCKS tests on their traces and compares
// the logs with the tests' baselines, field by field (times and uids,
// which the baselines mask, aside).
func TestZeekBaselines(t *testing.T) {
	cases := zeekcase.InBtests("scripts.base.protocols.socks.", zeekTests)
	for i := range cases {
		cases[i].Loads = []string{"base/protocols/socks"}
	}
	zeekcase.RunCases(t, cases, zeekcase.SkipUIDsAndTimes)
}

// TestDefaultBaselines runs Heron as `zeek -C -r TRACE` runs over the
// SOCKS traces of the shared corpus and compares its logs with Zeek's,
// times included (uids aside): the handshake, the tunnel and what went
// through it (HTTP inside socks.pcap) with conn.log's service field.
func TestDefaultBaselines(t *testing.T) {
	zeekcase.RunCases(t, []zeekcase.Case{
		{Trace: "socks.pcap", C: true, Files: []string{"socks.log", "tunnel.log", "http.log", "conn.log", "files.log"}},
		{Trace: "socks-auth.pcap", C: true, Files: []string{"socks.log", "tunnel.log", "conn.log"}},
	}, zeekcase.SkipIDs)
}
