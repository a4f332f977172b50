package pop3

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost records what the analyzer reports and runs a real files
// framework.
type testHost struct {
	weirds     []string
	confirms   int
	violations []string
	isPartial  bool
	tls        *recorder
	fm         *files.Manager
	fileLogs   []string
	fconn      files.Conn
}

func newTestHost() *testHost {
	h := &testHost{}
	cfg := files.DefaultConfig()
	cfg.Key = files.NewKey(7)
	cfg.Log = func(r *files.Info) {
		h.fileLogs = append(h.fileLogs, fmt.Sprintf("%s orig=%v seen=%d mime=%s", r.Source.V, r.IsOrig.V, r.SeenBytes, r.MIMEType.V))
	}
	h.fm = files.NewManager(cfg)
	h.fm.Advance(zeek.Time(1_700_000_000 * zeek.Second))
	h.fconn = files.Conn{UID: "CTEST", ID: zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 110, Proto: zeek.ProtoTCP},
	}}
	return h
}

func (h *testHost) weird(name, addl, source string) {
	h.weirds = append(h.weirds, name+"|"+addl+"|"+source)
}
func (h *testHost) limitReached() { h.weirds = append(h.weirds, "history X") }
func (h *testHost) confirm()      { h.confirms++ }
func (h *testHost) violation(reason string, data []byte) {
	h.violations = append(h.violations, reason+"|"+string(data))
}
func (h *testHost) partial() bool         { return h.isPartial }
func (h *testHost) files() *files.Manager { return h.fm }
func (h *testHost) fileConn() *files.Conn { return &h.fconn }
func (h *testHost) child(string) stream {
	h.tls = &recorder{}
	return h.tls
}

// recorder is a child session that records what it gets.
type recorder struct{ data [2]strings.Builder }

func (r *recorder) DeliverStream(data []byte, orig bool) {
	if orig {
		r.data[1].Write(data)
	} else {
		r.data[0].Write(data)
	}
}
func (r *recorder) Undelivered(uint64, int, bool) {}
func (r *recorder) EndOfData(bool)                {}
func (r *recorder) Done()                         {}

type harness struct {
	*Analyzer
	th *testHost
}

func newHarness() *harness {
	th := newTestHost()
	return &harness{Analyzer: newPOP3(th), th: th}
}

// result summarises a run.
type result struct {
	Weirds, Violations, Files []string
	Confirms                  int
	TLS                       [2]string
}

func (h *harness) result() result {
	r := result{Weirds: h.th.weirds, Violations: h.th.violations, Confirms: h.th.confirms, Files: h.th.fileLogs}
	if c := h.th.tls; c != nil {
		r.TLS = [2]string{c.data[1].String(), c.data[0].String()}
	}
	return r
}

var (
	o = at.Orig
	r = at.Resp
)

// retrieval is a login and the retrieval of a two-part message.
var retrieval = []at.Chunk{
	r("+OK POP3 ready\r\n"),
	o("CAPA\r\n"),
	r("+OK Capability list follows\r\nUSER\r\nSTLS\r\n.\r\n"),
	o("USER alice\r\n"),
	r("+OK\r\n"),
	o("PASS secret\r\n"),
	r("+OK logged in\r\n"),
	o("STAT\r\nRETR 1\r\n"),
	r("+OK 1 320\r\n"),
	r("+OK 320 octets\r\n" +
		"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nhello there\r\n" +
		"--b1\r\nContent-Type: text/html\r\n\r\n<html><body>hi</body></html>\r\n" +
		"--b1--\r\n.\r\n"),
	o("QUIT\r\n"),
	r("+OK bye\r\n"),
	at.End(true), at.End(false),
}

func TestRetrieval(t *testing.T) {
	got := at.SplitEvery(t, retrieval, newHarness, (*harness).result)
	if len(got.Weirds) != 0 || len(got.Violations) != 0 {
		t.Fatalf("weirds %q violations %q", got.Weirds, got.Violations)
	}
	if got.Confirms != 2 { // CAPA and USER
		t.Fatalf("%d confirmations, want 2", got.Confirms)
	}
	want := []string{"POP3 orig=false seen=11 mime=text/plain", "POP3 orig=false seen=28 mime=text/html"}
	if !slices.Equal(got.Files, want) {
		t.Fatalf("files %q, want %q", got.Files, want)
	}
}

func TestSTLS(t *testing.T) {
	// The negotiation is played whole (a reply cut between CR and LF
	// would hand the LF to SSL, as in Zeek); what follows reaches SSL
	// unchanged however it is cut.
	negotiation := []at.Chunk{r("+OK ready\r\n"), o("STLS\r\n"), r("+OK Begin TLS\r\n")}
	script := []at.Chunk{
		o("\x16\x03\x01\x00\x01x"), r("\x16\x03\x03\x00\x01y"), o("\x17\x03\x03\x00\x01z"),
		at.End(true), at.End(false),
	}
	newSink := func() *harness {
		h := newHarness()
		at.Play(h, negotiation)
		return h
	}
	got := at.SplitEvery(t, script, newSink, (*harness).result)
	if got.TLS != [2]string{"\x16\x03\x01\x00\x01x\x17\x03\x03\x00\x01z", "\x16\x03\x03\x00\x01y"} || got.Confirms != 1 {
		t.Fatalf("TLS %q, confirmations %d", got.TLS, got.Confirms)
	}
}

func TestUnknownCommands(t *testing.T) {
	// Zeek's pop3-unknown-commands: an unknown server reply is a
	// violation; unknown client commands are weirds until there are too
	// many.
	var script []at.Chunk
	script = append(script, r("+OK ready\r\n"), o("CAPA\r\n"), r("+OK\r\n.\r\n"))
	for i := range 11 {
		script = append(script, o(fmt.Sprintf("FOO%d\r\n", i)), r("-ERR what\r\n"))
	}
	script = append(script, r("+\r\n"), at.End(true), at.End(false))
	got := at.SplitEvery(t, script, newHarness, (*harness).result)
	if len(got.Weirds) != 12 || got.Weirds[0] != "pop3_client_command_unknown|FOO0|POP3" ||
		got.Weirds[11] != "pop3_server_command_unknown|+|POP3" {
		t.Fatalf("weirds %q", got.Weirds)
	}
	want := []string{"too many unknown client commands|", "unknown server command (+)|+"}
	if !slices.Equal(got.Violations, want) {
		t.Fatalf("violations %q, want %q", got.Violations, want)
	}
}

func TestAuthExchange(t *testing.T) {
	script := []at.Chunk{
		r("+OK ready\r\n"), o("AUTH PLAIN\r\n"), r("+ \r\n"),
		o("AGFsaWNl\r\n"), // "\x00alice": no password part
		r("-ERR no\r\n"),
		o("AUTH LOGIN\r\n"), r("+ \r\n"), o("a b\r\n"), r("+OK\r\n"),
		at.End(true), at.End(false),
	}
	got := at.SplitEvery(t, script, newHarness, (*harness).result)
	want := []string{
		"pop3_malformed_auth_plain||POP3",
		"base64_illegal_encoding|character 32 ignored by Base64 decoding|",
		"pop3_bad_base64_encoding||POP3",
	}
	if !slices.Equal(got.Weirds, want) {
		t.Fatalf("weirds %q, want %q", got.Weirds, want)
	}
}

func TestPartialConnectionsAreIgnored(t *testing.T) {
	h := newHarness()
	h.th.isPartial = true
	at.Play(h, []at.Chunk{r("garbage\r\n"), o("USER x\r\n")})
	if res := h.result(); len(res.Violations)+len(res.Weirds)+res.Confirms != 0 {
		t.Fatalf("partial connection analysed: %+v", res)
	}
}

func TestParseHelpers(t *testing.T) {
	for in, want := range map[string]int{"+OK": cmdOK, "-ERR": cmdERR, "+-ERR": cmdERR, "-OK": cmdOK, "user": cmdUSER,
		"xsender": cmdXSENDER, "++OK": -1, "+": -1, "": -1, "USERS": -1} {
		if got := parseCommand([]byte(in)); got != want {
			t.Errorf("parseCommand(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]string{"  a   b  c  ": "a b c", "\ta\t b": "a\t b", "x\x00y": "x"} {
		if got := string(trim(nil, []byte(in))); got != want {
			t.Errorf("trim(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{".": true, ".\r\n": true, ".\n": true, "..": false, ".x": false, "": false} {
		if got := isTerminator([]byte(in)); got != want {
			t.Errorf("isTerminator(%q) = %v", in, got)
		}
	}
}
