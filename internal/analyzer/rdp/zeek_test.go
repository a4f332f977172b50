package rdp_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// zeekCases are the traces compared: default-mode runs of the shared
// corpus, and Zeek's own RDP btests.
var zeekCases = []zeekcase.Case{
	{Trace: "rdp/rdp-to-ssl.pcap", C: true,
		Files: []string{"rdp.log", "ssl.log", "x509.log", "conn.log"}},
	{Trace: "rdp/rdp-proprietary-encryption.pcap", C: true,
		Files: []string{"rdp.log", "conn.log"}},
	{Trace: "rdp/rdp-unknown-keyboard.pcap", C: true,
		Files: []string{"rdp.log", "conn.log"}},
	{Trace: "rdp/rdpeudp2-handshake-success.pcap", C: true,
		Files: []string{"conn.log"}},
	{Trace: "rdp/rdp-invalid-length.pcap", C: true,
		Files: []string{"conn.log"}},
	{Btest: "scripts.base.protocols.rdp.rdp-x509", Trace: "rdp/rdp-x509.pcap", Bare: true,
		Loads: []string{"base/protocols/rdp", "base/files/x509"}, Files: []string{"rdp.log", "x509.log"}},
	{Btest: "scripts.base.protocols.rdp.rdp-no-cookie-msthash", Trace: "rdp/rdp-no-cookie-mstshash.pcap", Bare: true,
		Loads: []string{"base/protocols/rdp", "base/protocols/ssl"}, Files: []string{"rdp.log"}},
	{Btest: "scripts.base.protocols.rdp.rdp-invalid-length", Trace: "rdp/rdp-invalid-length.pcap", Bare: true,
		Loads: []string{"frameworks/analyzer/debug-logging.zeek", "base/protocols/rdp"}, Files: []string{"analyzer_debug.log"}},
	{Btest: "scripts.base.protocols.rdp.rdpeudp-handshake-success", Trace: "rdp/rdpeudp-handshake-success.pcap", Bare: true,
		Loads: []string{"base/protocols/conn", "base/protocols/rdp"}, Files: []string{"conn.log"}},
}

// TestZeekLogs runs the node over each trace and compares its logs with
// Zeek's, record by record as multisets (uids, and the times btest
// baselines mask, aside; of conn.log only the endpoints and the service).
func TestZeekLogs(t *testing.T) {
	zeekcase.RunCases(t, zeekCases, zeekcase.ConnServiceOnly)
}
