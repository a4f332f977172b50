package dns

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// msg builds DNS messages for tests: the project's own encoder, written
// from the RFCs.
type msg struct {
	id                 uint16
	qr, aa, tc, rd, ra bool
	opcode             uint8
	z                  uint8
	rcode              uint8
	// counts override the header's counts when set (for malformed
	// messages); otherwise they are counted.
	counts *[4]uint16
	quest  [][]byte
	rrs    [3][][]byte // answer, authority, additional
}

func (m *msg) flags() uint16 {
	var f uint16
	if m.qr {
		f |= 0x8000
	}
	f |= uint16(m.opcode&0xf) << 11
	if m.aa {
		f |= 0x0400
	}
	if m.tc {
		f |= 0x0200
	}
	if m.rd {
		f |= 0x0100
	}
	if m.ra {
		f |= 0x0080
	}
	f |= uint16(m.z&7) << 4
	f |= uint16(m.rcode & 0xf)
	return f
}

// question adds a question.
func (m *msg) question(name string, qtype, qclass uint16) *msg {
	b := encName(name)
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = binary.BigEndian.AppendUint16(b, qclass)
	m.quest = append(m.quest, b)
	return m
}

// rr adds a resource record to section s (0 answer, 1 authority, 2
// additional) with an owner name, type, class, TTL and raw data.
func (m *msg) rr(s int, name string, typ, class uint16, ttl uint32, data []byte) *msg {
	b := encName(name)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, class)
	b = binary.BigEndian.AppendUint32(b, ttl)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	b = append(b, data...)
	m.rrs[s] = append(m.rrs[s], b)
	return m
}

// answer adds an answer record of class IN.
func (m *msg) answer(name string, typ uint16, ttl uint32, data []byte) *msg {
	return m.rr(0, name, typ, 1, ttl, data)
}

func (m *msg) bytes() []byte {
	b := binary.BigEndian.AppendUint16(nil, m.id)
	b = binary.BigEndian.AppendUint16(b, m.flags())
	c := [4]uint16{uint16(len(m.quest)), uint16(len(m.rrs[0])), uint16(len(m.rrs[1])), uint16(len(m.rrs[2]))}
	if m.counts != nil {
		c = *m.counts
	}
	for _, n := range c {
		b = binary.BigEndian.AppendUint16(b, n)
	}
	for _, q := range m.quest {
		b = append(b, q...)
	}
	for _, s := range m.rrs {
		for _, r := range s {
			b = append(b, r...)
		}
	}
	return b
}

// tcp frames a message for DNS over TCP.
func tcpFrame(b []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
}

// encName encodes a name as labels. "" and "." are the root. A label
// "@N" is a compression pointer to offset N and ends the name.
func encName(name string) []byte {
	var b []byte
	name = strings.TrimSuffix(name, ".")
	if name != "" {
		for _, l := range strings.Split(name, ".") {
			if strings.HasPrefix(l, "@") {
				var off int
				fmt.Sscanf(l[1:], "%d", &off)
				return append(b, 0xc0|byte(off>>8), byte(off))
			}
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
	}
	return append(b, 0)
}

// charStrings encodes <character-string>s.
func charStrings(ss ...string) []byte {
	var b []byte
	for _, s := range ss {
		b = append(b, byte(len(s)))
		b = append(b, s...)
	}
	return b
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// testHost is a host for tests: it records weirds, verdicts and records.
type testHost struct {
	nowT       zeek.Time
	id         zeek.ConnID
	isTCP      bool
	weirds     []string
	confirms   int
	violations []string
	flips      int
	onFlip     func() // the framework's call back into the analysis
	limits     int
	recs       []*Info
}

func newTestHost(tcp bool) *testHost {
	h := &testHost{nowT: zeek.Time(1_700_000_000) * zeek.Time(zeek.Second), isTCP: tcp}
	proto := zeek.ProtoUDP
	if tcp {
		proto = zeek.ProtoTCP
	}
	h.id = zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: proto},
		RespH: netip.MustParseAddr("10.0.0.53"), RespP: zeek.Port{Num: 53, Proto: proto},
	}
	return h
}

func (h *testHost) now() zeek.Time       { return h.nowT }
func (h *testHost) uid() string          { return "Ctest" }
func (h *testHost) connID() zeek.ConnID  { return h.id }
func (h *testHost) respPort() uint16     { return h.id.RespP.Num }
func (h *testHost) origPort() uint16     { return h.id.OrigP.Num }
func (h *testHost) respAddr() netip.Addr { return h.id.RespH }
func (h *testHost) tcp() bool            { return h.isTCP }
func (h *testHost) weird(name, addl string) {
	if addl != "" {
		name += " (" + addl + ")"
	}
	h.weirds = append(h.weirds, name)
}
func (h *testHost) limitReached(name, addl string) { h.weird(name, addl); h.limits++ }
func (h *testHost) unknownOpcode()                 { h.limits++ }
func (h *testHost) confirm()                       { h.confirms++ }
func (h *testHost) violation(reason string)        { h.violations = append(h.violations, reason) }
func (h *testHost) flipRoles() {
	h.flips++
	id := &h.id
	id.OrigH, id.RespH = id.RespH, id.OrigH
	id.OrigP, id.RespP = id.RespP, id.OrigP
	if h.onFlip != nil {
		h.onFlip()
	}
}
func (h *testHost) write(rec *Info) { r := *rec; h.recs = append(h.recs, &r) }

// advance moves network time on by d.
func (h *testHost) advance(d zeek.Interval) { h.nowT = h.nowT.Add(d) }

// testConfig is the default configuration, with handled the set of
// record events with handlers.
func testConfig(handled kindSet) *config {
	c := currentConfig()
	c.parse.handled = handled
	return &c
}

// newTestConv returns a conv on a fresh test host.
func newTestConv(tcp bool, cfg *config) (*conv, *testHost) {
	h := newTestHost(tcp)
	c := &conv{}
	c.init(h, cfg)
	return c, h
}

// line renders a record as a compact line for comparisons: the fields
// from trans_id on, tab-separated, "-" for unset ones.
func line(r *Info) string {
	opt := func(set bool, v any) string {
		if !set {
			return "-"
		}
		return fmt.Sprint(v)
	}
	b := func(v bool) string {
		if v {
			return "T"
		}
		return "F"
	}
	rtt := "-"
	if r.RTT.Set {
		rtt = fmt.Sprintf("%.6f", r.RTT.V)
	}
	answers, ttls := "-", "-"
	if r.Answers.Set {
		answers = strings.Join(r.Answers.V, ",")
		var t []string
		for _, v := range r.TTLs.V {
			t = append(t, string(zeek.AppendFixed6(nil, int64(v))))
		}
		ttls = strings.Join(t, ",")
	}
	return strings.Join([]string{
		opt(r.TransID.Set, r.TransID.V), rtt, opt(r.Query.Set, r.Query.V),
		opt(r.QClass.Set, r.QClass.V), opt(r.QClassName.Set, r.QClassName.V),
		opt(r.QType.Set, r.QType.V), opt(r.QTypeName.Set, r.QTypeName.V),
		opt(r.RCode.Set, r.RCode.V), opt(r.RCodeName.Set, r.RCodeName.V),
		b(r.AA), b(r.TC), b(r.RD), b(r.RA), fmt.Sprint(r.Z), answers, ttls, b(r.Rejected),
		opt(r.Opcode.Set, r.Opcode.V), opt(r.OpcodeName.Set, r.OpcodeName.V),
	}, "\t")
}

func lines(recs []*Info) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = line(r)
	}
	return out
}
