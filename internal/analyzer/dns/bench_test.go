package dns

import (
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// discardHost is a testHost that drops records.
type discardHost struct {
	testHost
	n int
}

func (h *discardHost) write(*Info) { h.n++ }

// typicalPair is a query for www.example.com with an EDNS OPT record, and
// its reply: a CNAME, two addresses and the OPT record, with name
// compression as resolvers send it.
func typicalPair() (q, r []byte) {
	opt := cat(encName(""), u16(41), u16(1232), u32(0), u16(0))
	q = cat(hdr(0x1a2b, 0x0120, 1, 0, 0, 1), encName("www.example.com"), u16(1), u16(1), opt)
	// The CNAME target: "edge" and a pointer to "example.com" at 16;
	// the addresses' owner: a pointer to it at 45.
	cname := []byte{4, 'e', 'd', 'g', 'e', 0xc0, 16}
	r = cat(hdr(0x1a2b, 0x8180, 1, 3, 0, 1), encName("www.example.com"), u16(1), u16(1),
		[]byte{0xc0, 12}, u16(5), u16(1), u32(3600), u16(uint16(len(cname))), cname,
		[]byte{0xc0, 45}, u16(1), u16(1), u32(20), u16(4), []byte{93, 184, 215, 14},
		[]byte{0xc0, 45}, u16(1), u16(1), u32(20), u16(4), []byte{93, 184, 215, 15},
		opt)
	return q, r
}

func TestTypicalPair(t *testing.T) {
	q, r := typicalPair()
	c, h := newTestConv(false, testConfig(baseHandled))
	c.DeliverPacket(q, true)
	h.advance(12 * zeek.Millisecond)
	c.DeliverPacket(r, false)
	want := []string{"6699\t0.012000\twww.example.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t2\tedge.example.com,93.184.215.14,93.184.215.15\t3600.000000,20.000000,20.000000\tF\t0\tquery"}
	if got := lines(h.recs); len(got) != 1 || got[0] != want[0] || len(h.weirds) != 0 {
		t.Fatalf("records %q, weirds %q; want %q", got, h.weirds, want)
	}
}

// BenchmarkQueryResponse runs a typical query and its reply through the
// analyzer (parsing, pairing, the dns.log record) and reports the cost
// per message.
func BenchmarkQueryResponse(b *testing.B) {
	q, r := typicalPair()
	h := &discardHost{testHost: *newTestHost(false)}
	cfg := testConfig(baseHandled)
	c := &conv{}
	c.init(h, cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.DeliverPacket(q, true)
		h.advance(zeek.Millisecond)
		c.DeliverPacket(r, false)
	}
	b.StopTimer()
	if h.n != b.N {
		b.Fatalf("%d records for %d pairs", h.n, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/msg")
}

// BenchmarkParse is the parser alone over the reply, events discarded.
func BenchmarkParse(b *testing.B) {
	_, r := typicalPair()
	var rec nopHandler
	var p parser
	cfg := testConfig(baseHandled)
	p.init(&cfg.parse, newTestHost(false), &rec, false)
	b.ReportAllocs()
	for b.Loop() {
		p.parseMessage(r, fromResponder)
	}
}

type nopHandler struct{}

func (nopHandler) message(*msgHeader)                          {}
func (nopHandler) question(*msgHeader, []byte, uint16, uint16) {}
func (nopHandler) record(*msgHeader, *answer, *rdata)          {}
func (nopHandler) end(*msgHeader)                              {}

// TestParseAllocs: parsing a message allocates nothing.
func TestParseAllocs(t *testing.T) {
	_, r := typicalPair()
	var p parser
	cfg := testConfig(baseHandled)
	p.init(&cfg.parse, newTestHost(false), nopHandler{}, false)
	if n := testing.AllocsPerRun(100, func() { p.parseMessage(r, fromResponder) }); n != 0 {
		t.Errorf("%v allocations per message, want 0", n)
	}
}

// TestPairAllocs: a query and its reply cost three allocations: the
// record's strings (query and answers in one), its answers vector and its
// TTLs vector.
func TestPairAllocs(t *testing.T) {
	q, r := typicalPair()
	h := &discardHost{testHost: *newTestHost(false)}
	c := &conv{}
	c.init(h, testConfig(baseHandled))
	n := testing.AllocsPerRun(200, func() {
		c.DeliverPacket(q, true)
		h.advance(zeek.Millisecond)
		c.DeliverPacket(r, false)
	})
	if n > 3 {
		t.Errorf("%v allocations per query and reply, want 3", n)
	}
}
