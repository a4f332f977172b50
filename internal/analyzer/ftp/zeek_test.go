package ftp_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// zeekTests are Zeek's own FTP tests (testing/btest/scripts/base/
// protocols/ftp, named by their last part) whose traces the corpus has
// and whose logs Heron writes: the trace, the scripts and options of the
// test, and the baseline files compared.
var zeekTests = []zeekcase.Case{
	{Name: "cwd-navigation", Trace: "ftp/cwd-navigation.pcap", Bare: true, Loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		Files: []string{"conn.log", "ftp.log"}},
	{Name: "ftp-auth-tls", Trace: "ftp/ftp-auth-tls.pcap", Opts: []string{`FTP::logged_commands+={"<init>", "AUTH"}`},
		Files: []string{"conn.log", "ftp.log"}},
	{Name: "ftp-get-file-size", Trace: "ftp/ftp-with-numbers-in-filename.pcap", Bare: true, Loads: []string{"base/protocols/ftp"},
		Files: []string{"ftp.log"}},
	{Name: "ftp-ipv6", Trace: "ftp/ipv6.pcap", Bare: true, Loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		Files: []string{"conn.log", "ftp.log"}},
	{Name: "ftp-max-command-length", Trace: "ftp/fake-long-commands.pcap", Bare: true,
		Loads: []string{"base/protocols/conn", "base/protocols/ftp"}, Opts: []string{`FTP::logged_commands+={"USER", "SYST"}`},
		Files: []string{"conn.log", "ftp.log"}},
	{Name: "ftp-multiline-reply", Trace: "ftp/ipv6-multiline-reply.pcap", Bare: true,
		Loads: []string{"base/protocols/conn", "base/protocols/ftp"}, Opts: []string{`FTP::logged_commands+={"<init>", "USER", "PASS"}`},
		Files: []string{"ftp.log"}},
	{Name: "ftp-password-pass-command-hidden", Trace: "ftp/ftp-password-pass-command.pcap", Bare: true, C: true,
		Loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		Opts:  []string{`FTP::logged_commands+={"USER", "PASS", "SYST", "QUIT"}`, "FTP::default_capture_password=F"},
		Files: []string{"conn.log", "ftp.log"}},
	{Name: "ftp-password-pass-command", Trace: "ftp/ftp-password-pass-command.pcap", Bare: true, C: true,
		Loads: []string{"base/protocols/conn", "base/protocols/ftp"},
		Opts:  []string{`FTP::logged_commands+={"USER", "PASS", "SYST", "QUIT"}`, "FTP::default_capture_password=T"},
		Files: []string{"conn.log", "ftp.log"}},
	{Name: "ftp-samba-retr", Trace: "ftp/ipv6-retr-samba.pcap", Bare: true,
		Loads: []string{"base/protocols/conn", "base/protocols/ftp"}, Opts: []string{`FTP::logged_commands+={"USER", "PASS", "RETR"}`},
		Files: []string{"ftp.log"}},
	{Name: "bad-adat-encoding", Trace: "globus-url-copy-bad-encoding.pcap", Bare: true, C: true,
		Loads: []string{"base/protocols/ftp", "base/frameworks/notice/weird"}, Files: []string{"weird.log"}},
}

// TestZeekBaselines runs Zeek's FTP tests on their traces and compares
// the logs with the tests' baselines, field by field (the masked times
// and Zeek's uids and fuids aside).
func TestZeekBaselines(t *testing.T) {
	zeekcase.RunCases(t, zeekcase.InBtests("scripts.base.protocols.ftp.", zeekTests), zeekcase.SkipUIDsAndTimes)
}
