package sip_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// zeekCases are the traces compared: the shared corpus's default-mode
// runs (every base script loaded, checksums ignored) and Zeek's SIP btests
// (scripts.base.protocols.sip.*). A baseline may be a whole log or a
// zeek-cut table of some of its columns.
var zeekCases = []zeekcase.Case{
	{Trace: "sip/sip-junk-before-request.pcap", C: true,
		Files: []string{"conn.log", "sip.log", "weird.log"}},
	{Trace: "sip/sip-long-request-response-paths.pcap", C: true,
		Files: []string{"conn.log", "sip.log"}},
	{Trace: "sip/wireshark.pcap", C: true, Files: []string{"conn.log", "sip.log"}},

	{Btest: "scripts.base.protocols.sip.wireshark", Bare: true, Trace: "sip/wireshark.pcap", Loads: []string{"base/protocols/sip"}, Files: []string{"sip.log"}},
	{Btest: "scripts.base.protocols.sip.junk", Bare: true, Trace: "sip/sip-junk-before-request.pcap", Loads: []string{"base/protocols/sip", "base/frameworks/notice/weird"},
		Files: []string{"sip.log", "weird.log"}},
	{Btest: "scripts.base.protocols.sip.invalid-content-length", Bare: true, Trace: "sip/invalid-content-length.pcap",
		Loads: []string{"base/protocols/sip", "base/frameworks/notice/weird"}, Files: []string{"sip.log", "weird.log"}},
	{Btest: "scripts.base.protocols.sip.path-length-limits", Bare: true, Trace: "sip/sip-long-request-response-paths.pcap",
		Loads: []string{"base/protocols/sip", "base/frameworks/notice/weird"},
		Opts:  []string{"SIP::max_request_path_length=3", "SIP::max_response_path_length=7"}, Files: []string{"weird.log"},
		Check: func(t *testing.T, dir string) { checkPathLengths(t, filepath.Join(dir, "sip.log"), 3, 7) }},
}

// TestZeekLogs runs the node over each trace and compares its logs with
// Zeek's, record by record as multisets (uids, and the times btest
// baselines mask, aside; of conn.log only the endpoints and the service).
func TestZeekLogs(t *testing.T) {
	zeekcase.RunCases(t, zeekCases, zeekcase.ConnServiceOnly)
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
