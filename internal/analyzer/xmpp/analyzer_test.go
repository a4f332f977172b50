package xmpp

import (
	"slices"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// testHost records what the analyzer reports.
type testHost struct {
	weirds     []string
	confirms   int
	violations []string
	isPartial  bool
	tls        *recorder
}

func (h *testHost) weird(name string)                    { h.weirds = append(h.weirds, name) }
func (h *testHost) confirm()                             { h.confirms++ }
func (h *testHost) violation(reason string, data []byte) { h.violations = append(h.violations, reason) }
func (h *testHost) partial() bool                        { return h.isPartial }
func (h *testHost) child(string) stream {
	h.tls = &recorder{}
	return h.tls
}

// recorder is a child session that records what it gets.
type recorder struct {
	data [2]strings.Builder
	gaps int
}

func (r *recorder) DeliverStream(data []byte, orig bool) {
	if orig {
		r.data[1].Write(data)
	} else {
		r.data[0].Write(data)
	}
}
func (r *recorder) Undelivered(uint64, int, bool) { r.gaps++ }
func (r *recorder) EndOfData(bool)                {}
func (r *recorder) Done()                         {}

type harness struct {
	*Analyzer
	th *testHost
}

func newHarness() *harness {
	th := &testHost{}
	return &harness{Analyzer: newXMPP(th), th: th}
}

type result struct {
	Weirds, Violations []string
	Confirms           int
	TLS                [2]string
	Skip               bool
}

func (h *harness) result() result {
	r := result{Weirds: h.th.weirds, Violations: h.th.violations, Confirms: h.th.confirms, Skip: h.skip}
	if c := h.th.tls; c != nil {
		r.TLS = [2]string{c.data[1].String(), c.data[0].String()}
	}
	return r
}

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
	if h.th.tls == nil || h.th.tls.data[1].String() != "\x16\x03" {
		t.Fatal("namespaced STARTTLS did not hand over")
	}
}

func TestDeliveriesAreParsedOnTheirOwn(t *testing.T) {
	// A tag cut in two is a bad delivery for Zeek's datagram grammar.
	h := newHarness()
	at.PlayCuts(h, []at.Chunk{o("<stream:stream xmlns='jabber:client'>")}, []int{10})
	want := []string{"Binpac exception: binpac exception: string mismatch at " + pacFile + ":2: \n" +
		"expected pattern: \">\"\nactual data: \"\""}
	if len(h.th.violations) == 0 || h.th.violations[0] != want[0] {
		t.Fatalf("violations %q, want first %q", h.th.violations, want)
	}
	// Text before the first tag does not fit either.
	h = newHarness()
	at.Play(h, []at.Chunk{r("hello <a>")})
	if len(h.th.violations) != 1 || !strings.Contains(h.th.violations[0], "expected pattern: \"<\"") {
		t.Fatalf("violations %q", h.th.violations)
	}
}

func TestProceedWithoutStartTLS(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{r("<proceed/>"), r("<message>x</message>"), r("<proceed/>")})
	if !slices.Equal(h.th.weirds, []string{"XMPP: proceed without starttls"}) || !h.skip || h.th.tls != nil {
		t.Fatalf("weirds %q skip %v", h.th.weirds, h.skip)
	}
}

func TestGapAndPartial(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{at.Gap(false, 10), r("garbage")})
	h2 := newHarness()
	h2.th.isPartial = true
	at.Play(h2, []at.Chunk{r("garbage")})
	if len(h.th.violations)+len(h2.th.violations) != 0 {
		t.Fatal("nothing is parsed after a gap or on a partial connection")
	}
}
