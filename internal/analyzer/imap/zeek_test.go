package imap_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// TestZeek compares IMAP connections with Zeek's logs of them.
func TestZeek(t *testing.T) {
	zeekcase.RunCases(t, []zeekcase.Case{
		{Btest: "scripts.base.protocols.imap.starttls", Trace: "tls/imap-starttls.pcap", Bare: true, C: true,
			Loads: []string{"base/protocols/ssl", "base/protocols/conn", "base/protocols/imap"}, Files: []string{"conn.log"}},
		{Trace: "tls/imap-starttls.pcap", C: true, Files: []string{"conn.log", "ssl.log", "x509.log"}},
	}, zeekcase.SkipIDs)
}
