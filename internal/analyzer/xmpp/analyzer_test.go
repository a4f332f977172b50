package xmpp

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
	return &harness{Analyzer: newXMPP(th), th: th}
}

func (h *harness) result() at.TLSResult { return h.th.Result(h.Skipped()) }

var (
	o = at.Orig
	r = at.Resp
)

var negotiation = []at.Chunk{
	o("<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
	r("<?xml version='1.0'?><stream:stream from='example.com' id='x1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
	r("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
	o("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
	r("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
}

func TestStartTLS(t *testing.T) {
	// Every tag arrives whole (Zeek's grammar needs whole tags in a
	// delivery); the TLS stream after <proceed/> reaches SSL however it
	// is cut.
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
	if len(got.Violations)+len(got.Weirds) != 0 || got.Confirms != 1 {
		t.Fatalf("%+v", got)
	}
}

func TestNamespacedStartTLS(t *testing.T) {
	// Server dialback: tls:starttls and tls:proceed count by their local
	// names.
	h := newHarness()
	at.Play(h, []at.Chunk{o("<tls:starttls xmlns:tls='urn:ietf:params:xml:ns:xmpp-tls'/>"), r("<tls:proceed/>"), o("\x16\x03")})
	if h.th.TLS == nil || string(h.th.TLS.Data[1]) != "\x16\x03" {
		t.Fatal("namespaced STARTTLS did not hand over")
	}
}

func TestDeliveriesAreParsedOnTheirOwn(t *testing.T) {
	// A tag cut in two is a bad delivery for Zeek's datagram grammar.
	h := newHarness()
	at.PlayCuts(h, []at.Chunk{o("<stream:stream xmlns='jabber:client'>")}, []int{10})
	want := []string{"Binpac exception: binpac exception: string mismatch at " + string(pacFile) + ":2: \n" +
		"expected pattern: \">\"\nactual data: \"\""}
	if len(h.th.Violations) == 0 || h.th.Violations[0] != want[0] {
		t.Fatalf("violations %q, want first %q", h.th.Violations, want)
	}
	// Text before the first tag does not fit either.
	h = newHarness()
	at.Play(h, []at.Chunk{r("hello <a>")})
	if len(h.th.Violations) != 1 || !strings.Contains(h.th.Violations[0], "expected pattern: \"<\"") {
		t.Fatalf("violations %q", h.th.Violations)
	}
}

func TestProceedWithoutStartTLS(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{r("<proceed/>"), r("<message>x</message>"), r("<proceed/>")})
	if !slices.Equal(h.th.Weirds, []string{"XMPP: proceed without starttls"}) || !h.Skipped() || h.th.TLS != nil {
		t.Fatalf("weirds %q skip %v", h.th.Weirds, h.Skipped())
	}
}

func TestGapAndPartial(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{at.Gap(false, 10), r("garbage")})
	h2 := newHarness()
	h2.th.IsPartial = true
	at.Play(h2, []at.Chunk{r("garbage")})
	if len(h.th.Violations)+len(h2.th.Violations) != 0 {
		t.Fatal("nothing is parsed after a gap or on a partial connection")
	}
}
