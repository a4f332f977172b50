package xmpp_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// TestZeek compares XMPP connections with Zeek's logs of them.
func TestZeek(t *testing.T) {
	zeekcase.RunCases(t, []zeekcase.Case{
		{Btest: "scripts.base.protocols.xmpp.starttls", Trace: "tls/xmpp-starttls.pcap", Bare: true,
			Loads: []string{"base/protocols/conn", "base/protocols/ssl", "base/protocols/xmpp"}, Files: []string{"conn.log", "ssl.log"}},
		{Trace: "tls/xmpp-starttls.pcap", C: true, Files: []string{"conn.log", "ssl.log", "x509.log"}},
		{Trace: "tls/xmpp-dialback-starttls.pcap", C: true, Files: []string{"conn.log", "ssl.log", "x509.log"}},
	}, zeekcase.SkipIDs)
}
