package imap

import (
	"slices"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

type harness struct {
	*Analyzer
	th *at.TLSHost
}

func newHarness() *harness {
	th := &at.TLSHost{}
	return &harness{Analyzer: newIMAP(th), th: th}
}

func (h *harness) result() at.TLSResult { return h.th.Result(h.Skipped()) }

var (
	o = at.Orig
	r = at.Resp
)

var negotiation = []at.Chunk{
	r("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
	o("a1 CAPABILITY\r\n"),
	r("* CAPABILITY IMAP4rev1 LITERAL+ STARTTLS AUTH=PLAIN\r\na1 OK done\r\n"),
	o("a2 STARTTLS\r\n"),
	r("a2 OK Begin TLS negotiation now\r\n"),
}

func TestStartTLS(t *testing.T) {
	// Every line arrives whole (Zeek's grammar needs whole lines in a
	// delivery). The server's "* OK" and the client's STARTTLS confirm
	// (Zeek compares CAPABILITY as sent, in lower case). The TLS stream after the server's OK reaches SSL however
	// it is cut.
	tls := []at.Chunk{o("\x16\x03\x01\x00\x01x"), r("\x16\x03\x03\x00\x01y"), at.End(true), at.End(false)}
	newSink := func() *harness {
		h := newHarness()
		at.Play(h, negotiation)
		return h
	}
	got := at.SplitEvery(t, tls, newSink, (*harness).result)
	if got.TLS != [2]string{"\x16\x03\x01\x00\x01x", "\x16\x03\x03\x00\x01y"} {
		t.Fatalf("SSL got %q", got.TLS)
	}
	if len(got.Violations)+len(got.Weirds) != 0 || got.Confirms != 2 {
		t.Fatalf("%+v", got)
	}
}

func TestDeliveriesAreParsedOnTheirOwn(t *testing.T) {
	// A line cut in two is two bad deliveries for Zeek's datagram
	// grammar: the first part lacks its line end, the second its tag.
	// (In a node the first violation removes the analyzer.)
	h := newHarness()
	at.PlayCuts(h, []at.Chunk{r("* OK ready\r\n")}, []int{4})
	want := []string{
		"Binpac exception: binpac exception: string mismatch at " + string(pacFile) + ":12: \n" +
			"expected pattern: \"[\\r\\n]+\"\nactual data: \"\"",
		"Binpac exception: binpac exception: string mismatch at " + string(pacFile) + ":8: \n" +
			"expected pattern: \"[[:alnum:][:punct:]]+\"\nactual data: \" ready\r\n\"",
	}
	if !slices.Equal(h.th.Violations, want) {
		t.Fatalf("violations %q, want %q", h.th.Violations, want)
	}
	h = newHarness()
	at.Play(h, []at.Chunk{r("* OK a\r\n\tbad\r\n")})
	if len(h.th.Violations) != 1 || !strings.Contains(h.th.Violations[0], "[[:alnum:][:punct:]]+\"\nactual data: \"\tbad\r\n\"") ||
		h.th.Confirms != 1 {
		t.Fatalf("violations %q, confirmations %d", h.th.Violations, h.th.Confirms)
	}
}

func TestLoginStopsAnalysis(t *testing.T) {
	// Zeek compares these commands as sent: lower case stops the
	// analyzer, upper case does not.
	h := newHarness()
	at.Play(h, []at.Chunk{r("* OK hi\r\n"), o("a LOGIN x y\r\n"), o("b login x y\r\n"), o("c STARTTLS\r\n"), r("c OK\r\n")})
	if !h.Skipped() || h.th.TLS != nil {
		t.Fatalf("skip %v tls %v", h.Skipped(), h.th.TLS != nil)
	}
}

func TestStartTLSWeirds(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{o("a STARTTLS\r\n"), o("b STARTTLS\r\n"), r("b NO not now\r\n")})
	if !slices.Equal(h.th.Weirds, []string{"IMAP: client sent duplicate StartTLS", "IMAP: server refused StartTLS"}) {
		t.Fatalf("weirds %q", h.th.Weirds)
	}
}

func TestGapAndPartial(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{at.Gap(false, 10), r("garbage without grammar")})
	h2 := newHarness()
	h2.th.IsPartial = true
	at.Play(h2, []at.Chunk{r("garbage without grammar")})
	if len(h.th.Violations)+len(h2.th.Violations) != 0 {
		t.Fatal("nothing is parsed after a gap or on a partial connection")
	}
}
