package signatures

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// This file is a small stand-in for Heron's packet path, enough to replay
// Zeek's signature btests: it decodes Ethernet/IP/TCP/UDP/ICMP, keeps
// connections, reassembles TCP streams in order, and drives ConnState the
// way Zeek's PIA and session adapters drive the rule matcher.

// pkt is one decoded packet.
type pkt struct {
	ip       []byte // from the IP header on
	v6       bool
	src, dst netip.Addr
	proto    uint8
	l4       []byte // from the transport header on
	payload  []byte
	sport    uint16
	dport    uint16
	flags    uint8 // TCP
	seq      uint32
	icmpType uint8
	icmpCode uint8
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

func readTrace(t *testing.T, path string) []pkt {
	t.Helper()
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []pkt
	var f pktsrc.Frame
	for {
		err := r.Next(&f)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Clone(f.Data)
		var ip []byte
		switch f.LinkType {
		case 1: // Ethernet
			if len(data) < 14 {
				continue
			}
			et := binary.BigEndian.Uint16(data[12:])
			off := 14
			for et == 0x8100 && len(data) >= off+4 {
				et = binary.BigEndian.Uint16(data[off+2:])
				off += 4
			}
			if et != 0x0800 && et != 0x86dd {
				continue
			}
			ip = data[off:]
		case 0, 108: // null/loopback
			if len(data) < 4 {
				continue
			}
			ip = data[4:]
		case 101, 12, 14: // raw IP
			ip = data
		case 113: // Linux cooked
			if len(data) < 16 {
				continue
			}
			ip = data[16:]
		default:
			t.Fatalf("%s: link type %d not handled by the test decoder", path, f.LinkType)
		}
		if p, ok := decodeIP(ip); ok {
			out = append(out, p)
		}
	}
	return out
}

func decodeIP(ip []byte) (pkt, bool) {
	var p pkt
	if len(ip) < 20 {
		return p, false
	}
	p.ip = ip
	var l4 []byte
	switch ip[0] >> 4 {
	case 4:
		ihl := int(ip[0]&0xf) * 4
		tot := int(binary.BigEndian.Uint16(ip[2:]))
		if ihl < 20 || tot < ihl || len(ip) < ihl {
			return p, false
		}
		if tot > len(ip) {
			tot = len(ip)
		}
		p.src = netip.AddrFrom4([4]byte(ip[12:16]))
		p.dst = netip.AddrFrom4([4]byte(ip[16:20]))
		p.proto = ip[9]
		l4 = ip[ihl:tot]
	case 6:
		if len(ip) < 40 {
			return p, false
		}
		p.v6 = true
		p.src = netip.AddrFrom16([16]byte(ip[8:24]))
		p.dst = netip.AddrFrom16([16]byte(ip[24:40]))
		plen := int(binary.BigEndian.Uint16(ip[4:]))
		end := min(40+plen, len(ip))
		nh := ip[6]
		rest := ip[40:end]
		for nh == 0 || nh == 43 || nh == 60 || nh == 44 {
			if len(rest) < 8 {
				return p, false
			}
			n := 8
			if nh != 44 {
				n = (int(rest[1]) + 1) * 8
			}
			if len(rest) < n {
				return p, false
			}
			nh = rest[0]
			rest = rest[n:]
		}
		p.proto = nh
		l4 = rest
	default:
		return p, false
	}
	p.l4 = l4
	switch p.proto {
	case 6:
		if len(l4) < 20 {
			return p, false
		}
		p.sport = binary.BigEndian.Uint16(l4)
		p.dport = binary.BigEndian.Uint16(l4[2:])
		p.seq = binary.BigEndian.Uint32(l4[4:])
		off := int(l4[12]>>4) * 4
		if off < 20 || off > len(l4) {
			return p, false
		}
		p.flags = l4[13]
		p.payload = l4[off:]
	case 17:
		if len(l4) < 8 {
			return p, false
		}
		p.sport = binary.BigEndian.Uint16(l4)
		p.dport = binary.BigEndian.Uint16(l4[2:])
		p.payload = l4[8:]
	case 1, 58:
		if len(l4) < 8 {
			return p, false
		}
		p.icmpType, p.icmpCode = l4[0], l4[1]
		p.payload = l4[8:]
	default:
		return p, false
	}
	return p, true
}

// icmpCounterpart is Zeek's pairing of ICMP request and reply types used
// for the responder "port" of ICMP connections.
func icmpCounterpart(v6 bool, typ uint8) (uint8, bool) {
	m4 := map[uint8]uint8{8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17, 10: 9, 9: 10}
	m6 := map[uint8]uint8{128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130}
	m := m4
	if v6 {
		m = m6
	}
	c, ok := m[typ]
	return c, ok
}

// event is a signature match as the test scripts print it.
type event struct {
	conn   *hconn
	m      Match
	data   string
	eom    int
	isOrig bool
}

// hconn is a connection of the harness.
type hconn struct {
	hdr     ConnHeader
	cs      *ConnState
	origSeq *tcpDir
	respSeq *tcpDir
	// PIA buffering (dpd_buffer_size, dpd_max_packets), shared by both
	// directions.
	buffered int
	chunks   int
	skipping bool
	synOrig  bool
	synAck   bool
	ackOrig  bool
}

type tcpDir struct {
	started bool
	next    uint32
	pending map[uint32][]byte
}

type harness struct {
	t            *testing.T
	m            *Matcher
	conns        map[string]*hconn
	order        []*hconn
	events       []event
	bufferSize   int // dpd_buffer_size
	maxPackets   int // dpd_max_packets
	matchOnlyBeg bool
}

func newHarness(t *testing.T, set *Set) *harness {
	return &harness{t: t, m: set.NewMatcher(), conns: map[string]*hconn{},
		bufferSize: 1024, maxPackets: 100, matchOnlyBeg: true}
}

func (h *harness) emit(c *hconn) func(Match) {
	return func(m Match) {
		h.events = append(h.events, event{conn: c, m: m, data: string(m.Data), eom: m.EndOfMatch, isOrig: m.IsOrig})
	}
}

func key(a netip.Addr, ap uint16, b netip.Addr, bp uint16, proto uint8) string {
	return fmt.Sprintf("%s|%d|%s|%d|%d", a, ap, b, bp, proto)
}

// conn finds or creates the connection of p; isOrig reports p's direction.
func (h *harness) conn(p *pkt) (*hconn, bool) {
	sp, dp := p.sport, p.dport
	if p.proto == 1 || p.proto == 58 {
		sp = uint16(p.icmpType)
		if c, ok := icmpCounterpart(p.v6, p.icmpType); ok {
			dp = uint16(c)
		} else {
			dp = uint16(p.icmpCode)
		}
	}
	if c, ok := h.conns[key(p.src, sp, p.dst, dp, p.proto)]; ok {
		return c, true
	}
	if c, ok := h.conns[key(p.dst, dp, p.src, sp, p.proto)]; ok {
		return c, false
	}
	// A TCP connection first seen with a SYN-ACK starts at the SYN's
	// sender, as Zeek flips it.
	if p.proto == 6 && p.flags&(tcpSYN|tcpACK) == tcpSYN|tcpACK {
		c := h.newConn(ConnHeader{OrigAddr: p.dst, RespAddr: p.src, OrigPort: dp, RespPort: sp, IPProto: p.proto})
		h.conns[key(p.dst, dp, p.src, sp, p.proto)] = c
		return c, false
	}
	c := h.newConn(ConnHeader{OrigAddr: p.src, RespAddr: p.dst, OrigPort: sp, RespPort: dp, IPProto: p.proto})
	h.conns[key(p.src, sp, p.dst, dp, p.proto)] = c
	return c, true
}

func (h *harness) newConn(hdr ConnHeader) *hconn {
	c := &hconn{hdr: hdr, cs: h.m.NewConnState(hdr), origSeq: &tcpDir{}, respSeq: &tcpDir{}}
	h.order = append(h.order, c)
	return c
}

// deliver is the PIA's buffering policy in front of DoMatch.
func (h *harness) deliver(c *hconn, isOrig bool, data []byte, packetwise bool) {
	if c.skipping {
		return
	}
	newSkip := false
	if len(data) > 0 {
		c.buffered += len(data)
		c.chunks++
		if c.buffered > h.bufferSize || c.chunks > h.maxPackets {
			newSkip = h.matchOnlyBeg
		}
	}
	if packetwise {
		c.cs.MatchPacket(isOrig, data, h.emit(c))
	} else {
		c.cs.Match(Payload, isOrig, data, 0, h.emit(c))
	}
	c.skipping = newSkip
}

func (h *harness) run(pkts []pkt) {
	for i := range pkts {
		p := &pkts[i]
		c, isOrig := h.conn(p)
		ph := &PacketHeader{IP: p.ip, Transport: p.l4}
		switch p.proto {
		case 6:
			if p.flags&tcpSYN != 0 && p.flags&tcpACK == 0 && isOrig {
				c.synOrig = true
			}
			if p.flags&(tcpSYN|tcpACK) == tcpSYN|tcpACK && !isOrig {
				c.synAck = true
			}
			if p.flags&(tcpSYN|tcpACK) == tcpACK && isOrig && c.synAck {
				c.ackOrig = true
			}
			// Partial connections count as established (Zeek's
			// PARTIAL endpoint state).
			c.cs.SetEstablished(!c.synOrig || c.ackOrig)
			c.cs.InitEndpoint(isOrig, ph, h.emit(c))
			d := c.respSeq
			if isOrig {
				d = c.origSeq
			}
			h.tcpData(c, d, isOrig, p)
		case 17:
			if !c.cs.Initialized(isOrig) {
				c.cs.InitEndpoint(isOrig, ph, h.emit(c))
			}
			h.deliver(c, isOrig, p.payload, true)
		case 1, 58:
			c.cs.InitEndpoint(isOrig, ph, h.emit(c))
		}
	}
	for _, c := range h.order {
		c.cs.Finish(h.emit(c))
	}
}

// tcpData reassembles one direction in order.
func (h *harness) tcpData(c *hconn, d *tcpDir, isOrig bool, p *pkt) {
	seq := p.seq
	if p.flags&tcpSYN != 0 {
		seq++
		if !d.started {
			d.started, d.next = true, seq
		}
	}
	if !d.started {
		d.started, d.next = true, seq
	}
	data := p.payload
	if len(data) == 0 {
		return
	}
	if d.pending == nil {
		d.pending = map[uint32][]byte{}
	}
	d.pending[seq] = bytes.Clone(data)
	for progress := true; progress; {
		progress = false
		for s, b := range d.pending {
			diff := int32(d.next - s)
			if diff < 0 {
				continue
			}
			delete(d.pending, s)
			progress = true
			if int(diff) >= len(b) {
				continue
			}
			b = b[diff:]
			d.next += uint32(len(b))
			h.deliver(c, isOrig, b, false)
		}
	}
}

// connID formats a connection as Zeek prints a conn_id.
func connID(hdr ConnHeader) string {
	proto := map[uint8]string{6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}[hdr.IPProto]
	return fmt.Sprintf("[orig_h=%s, orig_p=%d/%s, resp_h=%s, resp_p=%d/%s, proto=%d, ctx=[]]",
		hdr.OrigAddr, hdr.OrigPort, proto, hdr.RespAddr, hdr.RespPort, proto, hdr.IPProto)
}

// zeekEscape renders bytes as Zeek's print does for strings.
func zeekEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			b.WriteString(`\\`)
		} else if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hexdump renders bytes as Zeek's hexdump() does.
func hexdump(data string) []string {
	var lines []string
	for off := 0; off < len(data); off += 16 {
		chunk := data[off:min(off+16, len(data))]
		var b strings.Builder
		fmt.Fprintf(&b, "%04x  ", off)
		for i := 0; i < 16; i++ {
			if i < len(chunk) {
				fmt.Fprintf(&b, "%02x ", chunk[i])
			} else {
				b.WriteString("   ")
			}
			if i == 7 {
				b.WriteByte(' ')
			}
		}
		b.WriteByte(' ')
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if c < 0x20 || c >= 0x7f {
				c = '.'
			}
			b.WriteByte(c)
			if i == 7 {
				b.WriteByte(' ')
			}
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return lines
}

// baseline reads a Zeek btest baseline, without its header line, keeping
// the lines keep accepts (all when nil).
func baseline(t *testing.T, test, file string, keep func(string) bool) []string {
	t.Helper()
	p := filepath.Join(refdata.ZeekSource(t), "testing/btest/Baseline", test, file)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("baseline %s not available", p)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.HasPrefix(l, "### BTest") {
			continue
		}
		if keep == nil || keep(l) {
			out = append(out, l)
		}
	}
	return out
}

func compareLines(t *testing.T, what string, got, want []string, sorted bool) {
	t.Helper()
	if sorted {
		got = append([]string(nil), got...)
		want = append([]string(nil), want...)
		sort.Strings(got)
		sort.Strings(want)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n  %s\n want:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// mustSet parses and compiles signature text.
func mustSet(t *testing.T, name, text string, opts Options) *Set {
	t.Helper()
	sigs, err := ParseBytes([]byte(text), name)
	if err != nil {
		t.Fatal(err)
	}
	set, err := CompileWith(sigs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// runTrace replays a trace through a set and returns the matches.
func runTrace(t *testing.T, set *Set, trace string, tune func(*harness)) []event {
	t.Helper()
	h := newHarness(t, set)
	if tune != nil {
		tune(h)
	}
	h.run(readTrace(t, refdata.FindTrace(t, trace)))
	return h.events
}
