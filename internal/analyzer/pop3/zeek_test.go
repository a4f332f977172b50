package pop3_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// TestZeek compares POP3 connections with Zeek's logs of them.
func TestZeek(t *testing.T) {
	zeekcase.RunCases(t, []zeekcase.Case{
		{Btest: "scripts.base.protocols.pop3.starttls", Trace: "tls/pop3-starttls.pcap", Bare: true, C: true,
			Loads: []string{"base/protocols/conn", "base/protocols/ssl", "base/protocols/pop3"}, Files: []string{"conn.log", "ssl.log"}},
		{Trace: "pop3-unknown-commands.pcap", C: true, Files: []string{"analyzer.log", "conn.log", "weird.log"}},
		{Trace: "pop3/pop3.pcap", C: true, Files: []string{"conn.log", "files.log"}},
		{Trace: "pop3/bad-list-retr-crafted.pcap", C: true, Files: []string{"conn.log"}},
		{Trace: "tls/pop3-starttls.pcap", C: true, Files: []string{"conn.log", "ssl.log", "x509.log"}},
	}, zeekcase.SkipIDs)
}
