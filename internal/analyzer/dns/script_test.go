package dns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

const ms = zeek.Millisecond

func query(id uint16, name string, qtype uint16) []byte {
	return (&msg{id: id, rd: true}).question(name, qtype, 1).bytes()
}

func replyA(id uint16, name string, addrs ...string) []byte {
	m := &msg{id: id, qr: true, rd: true, ra: true}
	m.question(name, 1, 1)
	for _, a := range addrs {
		m.answer(name, 1, 60, netip.MustParseAddr(a).AsSlice())
	}
	return m.bytes()
}

// step is one datagram of a conversation: from the originator or not,
// after a pause.
type step struct {
	orig  bool
	after zeek.Interval
	data  []byte
}

func runUDP(t *testing.T, h *testHost, steps []step) []string {
	t.Helper()
	c := &conv{}
	c.init(h, testConfig(baseHandled))
	for _, s := range steps {
		h.advance(s.after)
		c.DeliverPacket(s.data, s.orig)
	}
	c.Done()
	return lines(h.recs)
}

// Each expected line holds the fields from trans_id on (see line).
func TestPairing(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
		want  []string
	}{
		{
			name:  "query and reply",
			steps: []step{{true, 0, query(1, "Example.COM", 1)}, {false, 20 * ms, replyA(1, "example.com", "192.0.2.1", "192.0.2.2")}},
			want:  []string{"1\t0.020000\texample.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.1,192.0.2.2\t60.000000,60.000000\tF\t0\tquery"},
		},
		{
			name:  "reply only: the query is the answer's name, no RTT",
			steps: []step{{false, 0, replyA(9, "www.example.com", "192.0.2.9")}},
			want:  []string{"9\t-\twww.example.com\t-\t-\t-\t-\t0\tNOERROR\tF\tF\tF\tT\t0\t192.0.2.9\t60.000000\tF\t0\tquery"},
		},
		{
			name:  "query only",
			steps: []step{{true, 0, query(2, "a.example", 28)}},
			want:  []string{"2\t-\ta.example\t1\tC_INTERNET\t28\tAAAA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery"},
		},
		{
			name: "retransmitted query: the first is answered, the second logged alone",
			steps: []step{{true, 0, query(3, "a.example", 1)}, {true, 1000 * ms, query(3, "a.example", 1)},
				{false, 5 * ms, replyA(3, "a.example", "192.0.2.3")}},
			want: []string{
				"3\t1.005000\ta.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.3\t60.000000\tF\t0\tquery",
				"3\t-\ta.example\t1\tC_INTERNET\t1\tA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery",
			},
		},
		{
			name: "duplicate reply",
			steps: []step{{true, 0, query(4, "a.example", 1)}, {false, 2 * ms, replyA(4, "a.example", "192.0.2.4")},
				{false, 2 * ms, replyA(4, "a.example", "192.0.2.5")}},
			want: []string{
				"4\t0.002000\ta.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.4\t60.000000\tF\t0\tquery",
				"4\t-\ta.example\t-\t-\t-\t-\t0\tNOERROR\tF\tF\tF\tT\t0\t192.0.2.5\t60.000000\tF\t0\tquery",
			},
		},
		{
			name: "interleaved ids",
			steps: []step{{true, 0, query(10, "ten.example", 1)}, {true, 1 * ms, query(11, "eleven.example", 1)},
				{false, 1 * ms, replyA(11, "eleven.example", "192.0.2.11")}, {false, 1 * ms, replyA(10, "ten.example", "192.0.2.10")}},
			want: []string{
				"11\t0.001000\televen.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.11\t60.000000\tF\t0\tquery",
				"10\t0.003000\tten.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.10\t60.000000\tF\t0\tquery",
			},
		},
		{
			name:  "reply before query",
			steps: []step{{false, 0, replyA(12, "r.example", "192.0.2.12")}, {true, 3 * ms, query(12, "q.example", 1)}},
			want:  []string{"12\t-\tq.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.12\t60.000000\tF\t0\tquery"},
		},
		{
			name: "rejected: no question in the reply",
			steps: []step{{true, 0, query(13, "x.example", 1)},
				{false, 1 * ms, (&msg{id: 13, qr: true, rcode: 5, counts: &[4]uint16{}}).bytes()}},
			want: []string{"13\t-\tx.example\t1\tC_INTERNET\t1\tA\t5\tREFUSED\tF\tF\tT\tF\t0\t-\t-\tT\t0\tquery"},
		},
		{
			name: "rejected: a reply without records",
			steps: []step{{true, 0, query(14, "x.example", 1)},
				{false, 1 * ms, (&msg{id: 14, qr: true, rcode: 3, ra: true}).question("x.example", 1, 1).bytes()}},
			want: []string{"14\t-\tx.example\t1\tC_INTERNET\t1\tA\t3\tNXDOMAIN\tF\tF\tT\tF\t0\t-\t-\tT\t0\tquery"},
		},
		{
			name: "Z bits and TC of the query, AA of the reply",
			steps: []step{{true, 0, (&msg{id: 15, tc: true, z: 3}).question("z.example", 16, 3).bytes()},
				{false, 1 * ms, (&msg{id: 15, qr: true, aa: true}).question("z.example", 16, 3).
					rr(0, "z.example", 16, 3, 0, charStrings("a")).bytes()}},
			want: []string{"15\t0.001000\tz.example\t3\tC_CHAOS\t16\tTXT\t0\tNOERROR\tT\tT\tF\tF\t3\tTXT 1 a\t0.000000\tF\t0\tquery"},
		},
		{
			name: "NOTIFY",
			steps: []step{{true, 0, (&msg{id: 16, opcode: 4, aa: true}).question("dhcp.example", 6, 1).bytes()},
				{false, 1 * ms, (&msg{id: 16, opcode: 4, qr: true, rcode: 5}).question("dhcp.example", 6, 1).bytes()}},
			want: []string{"16\t-\tdhcp.example\t1\tC_INTERNET\t6\tSOA\t5\tREFUSED\tF\tF\tF\tF\t0\t-\t-\tT\t4\tnotify"},
		},
		{
			name:  "unknown opcode: not parsed",
			steps: []step{{true, 0, (&msg{id: 17, opcode: 2}).question("s.example", 1, 1).bytes()}},
			want:  []string{},
		},
		{
			name:  "unknown type and class names",
			steps: []step{{true, 0, (&msg{id: 18}).question("u.example", 4000, 9).bytes()}},
			want:  []string{"18\t-\tu.example\t9\tqclass-9\t4000\tquery-4000\t-\t-\tF\tF\tF\tF\t0\t-\t-\tF\t0\tquery"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := runUDP(t, newTestHost(false), tc.steps)
			if !slices.Equal(got, tc.want) {
				t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestDynamicUpdate: an update's prerequisites and updates appear in the
// reply's answers as Zeek's handlers summarise them.
func TestDynamicUpdate(t *testing.T) {
	build := func(qr bool, rcode uint8) []byte {
		m := &msg{id: 47952, opcode: 5, qr: qr, rcode: rcode}
		m.question("stratolab.org", 6, 1)
		m.rr(0, "nwin2.stratolab.org", 5, classNone, 0, nil) // prerequisite: no CNAME
		m.rr(1, "nwin2.stratolab.org", 28, classAny, 0, nil) // delete AAAA RRset
		m.rr(1, "nwin2.stratolab.org", 1, classAny, 0, nil)  // delete A RRset
		m.rr(1, "nwin2.stratolab.org", 1, 1, 1200, []byte{192, 168, 1, 106})
		m.rr(1, "old.stratolab.org", typeAny, classAny, 0, nil) // delete every RRset
		return m.bytes()
	}
	got := runUDP(t, newTestHost(false), []step{{true, 0, build(false, 0)}, {false, 100 * ms, build(true, 5)}})
	want := []string{"47952\t0.100000\tnwin2.stratolab.org\t-\t-\t-\t-\t5\tREFUSED\tF\tF\tF\tF\t0\t" +
		"pre: NoRRSet CNAME nwin2.stratolab.org,del: RRSet AAAA,del: RRSet A,add: A nwin2.stratolab.org 192.168.1.106,del: RRSet * old.stratolab.org\t" +
		"0.000000,0.000000,0.000000,1200.000000,0.000000\tF\t5\tdynamic-update"}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Malformed updates.
	h := newTestHost(false)
	two := (&msg{id: 1, opcode: 5}).question("a.org", 6, 1).question("b.org", 6, 1).bytes()
	notSOA := (&msg{id: 2, opcode: 5}).question("a.org", 1, 1).bytes()
	badPrereq := (&msg{id: 3, opcode: 5}).question("a.org", 6, 1).rr(0, "x.a.org", 1, 1, 5, nil).rr(0, "y.a.org", 1, 3, 0, nil).bytes()
	runUDP(t, h, []step{{true, 0, two}, {true, 0, notSOA}, {true, 0, badPrereq}})
	wantW := []string{"DNS_DU_invalid_zone_count (2)", "DNS_DU_incorrect_zone_type", "DNS_dynamic_update_prereq_nonzero_ttl (5)", "DNS_dynamic_update_invalid_prereq"}
	if !slices.Equal(h.weirds, wantW) {
		t.Errorf("weirds %q, want %q", h.weirds, wantW)
	}
}

// TestMulticast: messages to a multicast group are logged one by one.
func TestMulticast(t *testing.T) {
	h := newTestHost(false)
	h.id.RespH = netip.MustParseAddr("224.0.0.251")
	h.id.RespP.Num, h.id.OrigP.Num = 5353, 5353
	q := (&msg{}).question("_ipp._tcp.local", 12, 1).bytes()
	r := (&msg{qr: true, aa: true}).answer("host.local", 1, 120, []byte{192, 168, 1, 5}).bytes()
	got := runUDP(t, h, []step{{true, 0, q}, {true, 1 * ms, r}, {true, 1 * ms, q}})
	want := []string{
		"0\t-\t_ipp._tcp.local\t1\tC_INTERNET\t12\tPTR\t-\t-\tF\tF\tF\tF\t0\t-\t-\tF\t0\tquery",
		"0\t-\thost.local\t-\t-\t-\t-\t0\tNOERROR\tT\tF\tF\tF\t0\t192.168.1.5\t120.000000\tF\t0\tquery",
		"0\t-\t_ipp._tcp.local\t1\tC_INTERNET\t12\tPTR\t-\t-\tF\tF\tF\tF\t0\t-\t-\tF\t0\tquery",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if h.flips != 0 {
		t.Errorf("a reply to a multicast group flipped the roles")
	}
}

// TestNetBIOS: NetBIOS name service names are decoded, opcodes named as
// NetBIOS's, SRV (NBSTAT) records not parsed.
func TestNetBIOS(t *testing.T) {
	h := newTestHost(false)
	h.id.RespP.Num, h.id.OrigP.Num = 137, 137
	// "WORKGROUP" padded with spaces, type 0x1d, in the first-level
	// encoding.
	enc := "FHEPFCELEHFCEPFFFACACACACACACABN"
	reg := (&msg{id: 0x8001, opcode: 5, rd: true}).question(enc, 32, 1).rr(2, enc, 32, 1, 300000, []byte{0x60, 0, 10, 0, 0, 5}).bytes()
	stat := (&msg{id: 0x8002}).question(strings.Repeat("CA", 16), 33, 1).bytes()
	statReply := (&msg{id: 0x8002, qr: true, aa: true}).answer(strings.Repeat("CA", 16), 33, 0, []byte{1, 2, 3}).bytes()
	got := runUDP(t, h, []step{{true, 0, reg}, {true, 1 * ms, stat}, {false, 1 * ms, statReply}})
	want := []string{
		"32770\t-\tcacacacacacacacacacacacacacacaca\t1\tC_INTERNET\t33\tNBSTAT\t0\tNOERROR\tF\tF\tF\tF\t0\t-\t-\tF\t0\tnetbios-query",
		"32769\t-\tWORKGROUP\t1\tC_INTERNET\t32\tNIMLOC\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t5\tnetbios-registration",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range []struct{ in, want string }{
		{"FHEPFCELEHFCEPFFFACACACACACACABN", "WORKGROUP"},
		{"fhepfcelehfcepfffacacacacacacabn", "WORKGROUP"},
		{"CACACACACACACACACACACACACACACAAA", ""},
		{"EOGFHEEMGJGOGLCACACACACACACACAAA", "NetLink"},
		{"ZZ", ""},
		{strings.Repeat("A", 31) + "Q", ""},
		{"EBEBEBEBEBEBEBEBEBEBEBEBEBEBEBEB", "AAAAAAAAAAAAAAA"},
	} {
		var buf [16]byte
		if got := string(decodeNetbiosName([]byte(c.in), &buf)); got != c.want {
			t.Errorf("decodeNetbiosName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFlip: a reply as the first message from the originator swaps the
// connection's roles, so the record shows the server as responder.
func TestFlip(t *testing.T) {
	h := newTestHost(false)
	h.id.OrigP.Num = 53
	h.id.RespP.Num = 33000
	server := h.id.OrigH
	runUDP(t, h, []step{{true, 0, replyA(25701, "us.example", "192.0.2.1")}})
	if h.flips != 1 || len(h.recs) != 1 || h.recs[0].ID.RespH != server || h.recs[0].ID.RespP.Num != 53 {
		t.Fatalf("flips %d, records %v", h.flips, h.recs)
	}
	// Not for a query, nor for a later message.
	h = newTestHost(false)
	runUDP(t, h, []step{{true, 0, query(1, "a.example", 1)}, {true, 0, replyA(1, "a.example", "192.0.2.1")}})
	if h.flips != 0 {
		t.Errorf("%d flips, want none", h.flips)
	}
}

// TestPendingLimits: past DNS::max_pending_query_ids unmatched ids, the
// unmatched messages are written out at once (not at the end).
func TestPendingLimits(t *testing.T) {
	h := newTestHost(false)
	c := &conv{}
	cfg := testConfig(baseHandled)
	c.init(h, cfg)
	for id := range uint16(53) {
		c.DeliverPacket(query(id, "q.example", 1), true)
	}
	// Query 0 is the pending query; ids 1-51 fill the table; the 52nd
	// new id flushes those 51.
	if len(h.recs) != 51 {
		t.Errorf("%d records written before the end, want 51", len(h.recs))
	}
	c.Done()
	if len(h.recs) != 53 {
		t.Errorf("%d records in all, want 53", len(h.recs))
	}

	// The same with one id: past DNS::max_pending_msgs queued messages
	// the queue is written out.
	h = newTestHost(false)
	c = &conv{}
	c.init(h, cfg)
	for range 53 {
		c.DeliverPacket(query(7, "q.example", 1), true)
	}
	if len(h.recs) != 51 {
		t.Errorf("%d records written before the end, want 51", len(h.recs))
	}
}

// tcpHarness runs the TCP analysis for analyzertest and summarises its
// records and weirds.
type tcpHarness struct {
	*conv
	h *testHost
}

func newTCPHarness() *tcpHarness {
	h := newTestHost(true)
	c := &conv{}
	c.init(h, testConfig(baseHandled))
	return &tcpHarness{conv: c, h: h}
}

func (th *tcpHarness) summary() []string {
	return append(lines(th.h.recs), th.h.weirds...)
}

// TestTCPSplitEverywhere: messages several to a segment and split
// across segments give the same records wherever the stream is cut.
func TestTCPSplitEverywhere(t *testing.T) {
	q1, q2 := query(1, "one.example", 1), query(2, "two.example", 28)
	r1 := replyA(1, "one.example", "192.0.2.1")
	r2 := (&msg{id: 2, qr: true, ra: true}).question("two.example", 28, 1).
		answer("two.example", 28, 30, netip.MustParseAddr("2001:db8::2").AsSlice()).bytes()
	script := []analyzertest.Chunk{
		analyzertest.Orig(string(tcpFrame(q1)) + string(tcpFrame(q2))),
		analyzertest.Resp(string(tcpFrame(r2))),
		analyzertest.Resp(string(tcpFrame(r1))),
		analyzertest.Orig(string(tcpFrame(nil)) + string(tcpFrame(q1))),
		analyzertest.End(true), analyzertest.End(false),
	}
	got := analyzertest.SplitEvery(t, script, newTCPHarness, (*tcpHarness).summary)
	want := []string{
		"2\t-\ttwo.example\t1\tC_INTERNET\t28\tAAAA\t0\tNOERROR\tF\tF\tT\tT\t0\t2001:db8::2\t30.000000\tF\t0\tquery",
		"1\t-\tone.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.1\t60.000000\tF\t0\tquery",
		"1\t-\tone.example\t1\tC_INTERNET\t1\tA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery",
		"DNS_truncated_len_lt_hdr_len",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTCPFlush: when an endpoint closes, the unfinished message of each
// direction is parsed (again at every close, as in Zeek), and the next
// data first completes an empty message.
func TestTCPFlush(t *testing.T) {
	q := query(3, "partial.example", 1)
	framed := tcpFrame(append(q, 0, 0, 0)) // three bytes never come
	th := newTCPHarness()
	analyzertest.Play(th, []analyzertest.Chunk{
		analyzertest.Orig(string(framed[:len(framed)-3])),
		analyzertest.End(true), analyzertest.End(false),
		analyzertest.Orig(string(tcpFrame(query(4, "next.example", 1)))),
	})
	th.Done()
	want := []string{
		"3\t-\tpartial.example\t1\tC_INTERNET\t1\tA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery",
		"3\t-\tpartial.example\t1\tC_INTERNET\t1\tA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery",
		"4\t-\tnext.example\t1\tC_INTERNET\t1\tA\t-\t-\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery",
		"DNS_truncated_len_lt_hdr_len",
	}
	if got := th.summary(); !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPendingMemoryBound: replies whose compressed names render to far
// more text than they take on the wire are written out once the pending
// ones hold more than Heron's bound.
func TestPendingMemoryBound(t *testing.T) {
	long := strings.Repeat("x", 60)
	name := long + "." + long + "." + long + "." + long // 243 bytes
	build := func(id uint16) []byte {
		// The question holds the long name at offset 12; each answer is a
		// CNAME whose target points at it: 14 bytes on the wire, 243 in
		// dns.log.
		n := 4000
		b := cat(hdr(id, 0x8180, 1, uint16(n), 0, 0), encName(name), u16(5), u16(1))
		for range n {
			b = cat(b, []byte{0xc0, 12}, u16(5), u16(1), u32(60), u16(2), []byte{0xc0, 12})
		}
		return b
	}
	h := newTestHost(false)
	c := &conv{}
	c.init(h, testConfig(baseHandled))
	for id := range uint16(10) {
		c.DeliverPacket(build(id), false)
	}
	if len(h.recs) == 0 || !slices.ContainsFunc(h.weirds, func(w string) bool { return strings.HasPrefix(w, "DNS_pending_memory_limit") }) {
		t.Fatalf("%d records written early, weirds %q; want the pending records written out", len(h.recs), h.weirds)
	}
	c.Done()
	if len(h.recs) != 10 {
		t.Errorf("%d records, want 10", len(h.recs))
	}
	for _, r := range h.recs {
		if len(r.Answers.V) != 4000 || r.Answers.V[0] != name {
			t.Fatalf("record with %d answers, first %.20q", len(r.Answers.V), r.Answers.V[0])
		}
	}
}

// TestTCPFlip: when the first message over TCP is a reply from the
// originator, the roles are swapped, and the framing of that stream
// carries on in the direction that is now the responder's.
func TestTCPFlip(t *testing.T) {
	h := newTestHost(true)
	h.id.OrigP.Num, h.id.RespP.Num = 53, 40000
	c := &conv{}
	c.init(h, testConfig(baseHandled))
	h.onFlip = c.FlipRoles
	r1 := tcpFrame(replyA(1, "one.example", "192.0.2.1"))
	r2 := tcpFrame(replyA(2, "two.example", "192.0.2.2"))
	c.DeliverStream(append(r1, r2[:10]...), true)
	c.DeliverStream(r2[10:], false)
	c.DeliverStream(tcpFrame(query(2, "two.example", 1)), true)
	c.Done()
	if h.flips != 1 || len(h.weirds) != 0 {
		t.Fatalf("flips %d, weirds %q", h.flips, h.weirds)
	}
	got := lines(h.recs)
	want := []string{
		"2\t-\ttwo.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t192.0.2.2\t60.000000\tF\t0\tquery",
		"1\t-\tone.example\t-\t-\t-\t-\t0\tNOERROR\tF\tF\tF\tT\t0\t192.0.2.1\t60.000000\tF\t0\tquery",
	}
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
