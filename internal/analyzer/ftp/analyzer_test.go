package ftp

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

// harness is an FTP analyzer with its test host.
type harness struct {
	*Analyzer
	th *testHost
}

func newHarness() *harness {
	th := newTestHost()
	return &harness{Analyzer: newFTP(th), th: th}
}

var (
	o = analyzertest.Orig
	r = analyzertest.Resp
)

// anonSession is a plain anonymous FTP session with a passive download.
var anonSession = []analyzertest.Chunk{
	r("220 ProFTPD Server ready.\r\n"),
	o("USER anonymous\r\n"),
	r("331 Anonymous login ok, send your complete email address as your password\r\n"),
	o("PASS guest@example.org\r\n"),
	r("230-Welcome\r\n230-to the server\r\n230 Anonymous access granted\r\n"),
	o("CWD pub\r\n"),
	r("250 CWD command successful\r\n"),
	o("PASV\r\n"),
	r("227 Entering Passive Mode (10,0,0,2,195,80).\r\n"),
	o("RETR ../etc/motd.txt\r\n"),
	r("150 Opening BINARY mode data connection for motd.txt (1234 bytes)\r\n"),
	r("226 Transfer complete\r\n"),
	o("QUIT\r\n"),
	r("221 Goodbye.\r\n"),
	analyzertest.End(true), analyzertest.End(false),
}

func TestSessionLog(t *testing.T) {
	got := analyzertest.SplitEvery(t, anonSession, newHarness, func(h *harness) result { return h.th.result() })
	want := []string{
		"anonymous guest@example.org PASV - - - 227 Entering Passive Mode (10,0,0,2,195,80). true,10.0.0.1,10.0.0.2,50000 -",
		"anonymous guest@example.org RETR ftp://10.0.0.2/./etc/motd.txt - 1234 226 Transfer complete - -",
	}
	if !slices.Equal(got.Logs, want) {
		t.Fatalf("ftp.log:\n got  %q\n want %q", got.Logs, want)
	}
	if len(got.Violations) != 0 || len(got.Weirds) != 0 {
		t.Fatalf("violations %v, weirds %v", got.Violations, got.Weirds)
	}
	if got.Confirms != 6 {
		t.Fatalf("%d confirmations, want one per command (6)", got.Confirms)
	}
	if want := []string{"10.0.0.1->10.0.0.2:50000/300000000000"}; !slices.Equal(got.Scheduled, want) {
		t.Fatalf("scheduled %q, want %q", got.Scheduled, want)
	}
}

func TestPasswordsHiddenForUsers(t *testing.T) {
	script := []analyzertest.Chunk{
		r("220 hi\r\n"), o("USER alice\r\n"), r("331 pw\r\n"), o("PASS s3cret\r\n"), r("230 ok\r\n"),
		o("PORT 10,0,0,1,4,1\r\n"), r("200 PORT ok\r\n"), o("STOR up.bin\r\n"), r("150 ok\r\n"), r("226 done\r\n"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
	want := []string{
		"alice <hidden> PORT 10,0,0,1,4,1 - - 200 PORT ok false,10.0.0.2,10.0.0.1,1025 -",
		"alice <hidden> STOR ftp://10.0.0.2/./up.bin - - 226 done - -",
	}
	if !slices.Equal(got.Logs, want) {
		t.Fatalf("ftp.log:\n got  %q\n want %q", got.Logs, want)
	}
}

func TestViolations(t *testing.T) {
	for _, tc := range []struct {
		reply, reason string
	}{
		{"SSH-2.0-OpenSSH\r\n", "non-numeric reply code|SSH-2.0-OpenSSH"},
		{"099 too low\r\n", "invalid reply code|099 too low"},
		{"220x hello\r\n", "invalid reply line|220x hello"},
	} {
		script := []analyzertest.Chunk{r(tc.reply), analyzertest.End(false)}
		got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
		if !slices.Equal(got.Violations, []string{tc.reason}) {
			t.Errorf("%q: violations %q, want %q", tc.reply, got.Violations, tc.reason)
		}
	}
}

func TestNVTWeirds(t *testing.T) {
	// A NUL is dropped with NUL_in_line once, a lone CR stays in the
	// line with its weird, Telnet commands vanish, and an over-long
	// command is a weird once the analyzer is confirmed.
	long := strings.Repeat("X", 120)
	script := []analyzertest.Chunk{
		r("220 hi\r\n"),
		o("US\x00ER a\x00b\r\n"),
		o("NO\xff\xf1OP\r\n"),
		o("SYST\rx\r\n"),
		o("ab\r\n"),
		o(long + " arg\r\n"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
	want := []string{
		"NUL_in_line||NVT",
		"line_terminated_with_single_CR||NVT",
		"FTP_invalid_command||FTP",
		"FTP_max_command_length_exceeded|120 > 100|FTP|X",
	}
	if !slices.Equal(got.Weirds, want) {
		t.Fatalf("weirds:\n got  %q\n want %q", got.Weirds, want)
	}
}

func TestAuthTLSHandsOver(t *testing.T) {
	tls := "\x16\x03\x01\x00\x05hello"
	script := []analyzertest.Chunk{
		r("220 hi\r\n"), o("AUTH TLS\r\n"), r("234 AUTH TLS successful\r\n"),
		o(tls), r("\x16\x03\x03\x00\x02ok"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
	if c := got.Children["SSL"]; c[0] != tls || c[1] != "\x16\x03\x03\x00\x02ok" {
		t.Fatalf("SSL got %q", c)
	}
}

// tlsRecord builds a TLS record.
func tlsRecord(ct byte, body string) string {
	return string([]byte{ct, 3, 1, byte(len(body) >> 8), byte(len(body))}) + body
}

func TestADATExchange(t *testing.T) {
	// AUTH GSSAPI: the client's first token must be a TLS handshake
	// record; 335 replies carry the server's; after both sides changed
	// cipher spec the control channel is labelled gridftp.
	hello := tlsRecord(22, "\x01\x00\x00\x01x")
	srvHello := tlsRecord(22, "\x02\x00\x00\x01y") + tlsRecord(20, "\x01")
	cliFin := tlsRecord(20, "\x01") + tlsRecord(22, "fin")
	srvFin := tlsRecord(22, "fin2")
	b64 := base64.StdEncoding.EncodeToString
	script := []analyzertest.Chunk{
		r("220 GridFTP ready\r\n"), o("AUTH GSSAPI\r\n"), r("334 ADAT must follow\r\n"),
		o("ADAT " + b64([]byte(hello)) + "\r\n"),
		r("335 ADAT=" + b64([]byte(srvHello)) + "\r\n"),
		o("ADAT " + b64([]byte(cliFin)) + "\r\n"),
		r("235 ADAT=" + b64([]byte(srvFin)) + "\r\n"),
		o("ENC AAAA\r\n"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
	c := got.Children["SSL"]
	if c[0] != hello+cliFin || c[1] != srvHello+srvFin {
		t.Fatalf("SSL got %q", c)
	}
	if !slices.Equal(got.Services, []string{"gridftp"}) {
		t.Fatalf("services %q, want gridftp", got.Services)
	}
}

func TestADATBadFirstToken(t *testing.T) {
	script := []analyzertest.Chunk{
		r("220 hi\r\n"), o("AUTH GSSAPI\r\n"), r("334 go\r\n"),
		o("ADAT Zm9v YmFy\r\n"),
		r("335 ADAT=" + base64.StdEncoding.EncodeToString([]byte("x")) + "\r\n"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
	want := []string{"base64_illegal_encoding|character 32 ignored by Base64 decoding|", "ftp_adat_bad_first_token_encoding||FTP_ADAT"}
	if !slices.Equal(got.Weirds, want) {
		t.Fatalf("weirds %q, want %q", got.Weirds, want)
	}
	if c := got.Children["SSL"]; c[0] != "" || c[1] != "" {
		t.Fatalf("SSL got %q after the exchange ended", c)
	}
}

func TestPendingCommandsMatchReplies(t *testing.T) {
	// Pipelined commands: the reply's code and text pick the command.
	script := []analyzertest.Chunk{
		r("220 hi\r\n"), o("USER ftp\r\n"), r("331 pw\r\n"), o("PASS x\r\n"), r("230 in\r\n"),
		o("PASV\r\nEPSV\r\nDELE a.txt\r\n"),
		r("229 Entering Extended Passive Mode (|||6446|)\r\n"),
		r("227 Entering Passive Mode (10,0,0,2,4,1)\r\n"),
		r("250 DELE a.txt done\r\n"),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newHarness, func(h *harness) result { return h.th.result() })
	want := []string{
		"ftp x EPSV - - - 229 Entering Extended Passive Mode (|||6446|) true,10.0.0.1,10.0.0.2,6446 -",
		"ftp x PASV - - - 227 Entering Passive Mode (10,0,0,2,4,1) true,10.0.0.1,10.0.0.2,1025 -",
		"ftp x DELE ftp://10.0.0.2/./a.txt - - 250 DELE a.txt done - -",
	}
	if !slices.Equal(got.Logs, want) {
		t.Fatalf("ftp.log:\n got  %q\n want %q", got.Logs, want)
	}
}

func TestDataConnectionFile(t *testing.T) {
	// The control session expects a data connection; FTP_DATA on it
	// gets the service ftp-data and hands the content to the files
	// framework, whose fuid and type reach the control's ftp.log.
	ctl := newHarness()
	analyzertest.Play(ctl, []analyzertest.Chunk{
		r("220 hi\r\n"), o("USER ftp\r\n"), r("331 pw\r\n"), o("PASS x\r\n"), r("230 in\r\n"),
		o("PASV\r\n"), r("227 Entering Passive Mode (10,0,0,2,19,137)\r\n"),
		o("RETR notes.txt\r\n"), r("150 Opening (11 bytes)\r\n"),
	})
	dh := ctl.th.dataHost(netip.MustParseAddr("10.0.0.1"), 40001, netip.MustParseAddr("10.0.0.2"), 5001)
	d := newData(dh)
	d.DeliverStream([]byte("hello world"), false)
	d.Done()
	analyzertest.Play(ctl, []analyzertest.Chunk{r("226 done\r\n"), o("QUIT\r\n"), analyzertest.End(true)})
	ctl.Done()
	if !slices.Equal(dh.services, []string{"ftp-data"}) {
		t.Fatalf("data services %q", dh.services)
	}
	res := ctl.th.result()
	want := "ftp x RETR ftp://10.0.0.2/./notes.txt text/plain 11 226 done - F"
	if len(res.Logs) != 2 || res.Logs[1] != want {
		t.Fatalf("ftp.log %q, want the RETR as %q", res.Logs, want)
	}
	if want := []string{"FTP_DATA orig=false seen=11 missing=0 mime=text/plain"}; !slices.Equal(res.Files, want) {
		t.Fatalf("files %q, want %q", res.Files, want)
	}
	if ctl.th.state.size() != 0 {
		t.Fatal("the data connection's end must leave the expected table")
	}
	// A connection nobody expects makes no file.
	other := newData(ctl.th.dataHost(netip.MustParseAddr("10.0.0.1"), 40002, netip.MustParseAddr("10.0.0.2"), 5001))
	other.DeliverStream([]byte("x"), false)
	other.Done()
	if len(*ctl.th.fileLogs) != 1 || len(other.h.(*testHost).services) != 0 {
		t.Fatal("an unexpected connection became ftp-data")
	}
}

func TestExpectedTableBounds(t *testing.T) {
	old := opts.maxExpectedDataChannels
	opts.maxExpectedDataChannels = 2
	defer func() { opts.maxExpectedDataChannels = old }()
	ts := newThreadState()
	a := netip.MustParseAddr("10.0.0.2")
	now := zeek.Time(0)
	s := &session{}
	if !ts.expect(a, 1, s, now) || !ts.expect(a, 2, s, now) || !ts.expect(a, 2, s, now) {
		t.Fatal("room for two channels")
	}
	if ts.expect(a, 3, s, now) {
		t.Fatal("a third channel must be refused")
	}
	if ts.lookup(a, 1, now.Add(expectTimeout+zeek.Second)) != nil {
		t.Fatal("an entry unread for five minutes expires")
	}
}
