package layers

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// weirdRec is one weird as the decoder reported it.
type weirdRec struct {
	Name, Addl, Source string
	Tunnel             int
	Flow               bool
}

func (w weirdRec) String() string {
	s := w.Name + "@" + w.Source
	if w.Addl != "" {
		s += "(" + w.Addl + ")"
	}
	return s
}

// sink is a packet.WeirdSink that records what it is told.
type sink struct {
	weirds []weirdRec
	counts map[string]int
}

func (s *sink) PacketWeird(p *packet.Packet, name, addl, source string) {
	s.weirds = append(s.weirds, weirdRec{name, addl, source, p.TunnelDepth, p.IP.Valid})
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[name+"@"+source]++
}

func (s *sink) names() []string {
	var out []string
	for _, w := range s.weirds {
		out = append(out, w.String())
	}
	return out
}

// ipStub stands in for the IP layer: it counts the packets that reach it,
// keeps a copy of the last payload's first bytes and ends decoding.
type ipStub struct {
	n    int
	last []byte
	seen func(p *packet.Packet, data []byte)
}

func (s *ipStub) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	s.n++
	s.last = append(s.last[:0], data...)
	if s.seen != nil {
		s.seen(p, data)
	}
	return packet.Stop, nil, nil
}

// testRoot is the root identifier that leads straight to the layer under
// test (added to the wiring table by newHarness).
const testRoot = 0xFFFF0000

// harness is a decoder with every layer of the package, a stub IP layer and
// a recording sink.
type harness struct {
	d    *packet.Decoder
	link *Link
	sink *sink
	ip   *ipStub
}

func newHarness(t testing.TB, extra ...packet.Row) *harness {
	t.Helper()
	rows := append(packet.Wiring(), extra...)
	tbl, err := packet.Compile(rows, packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	return harnessOn(tbl)
}

// harnessOn builds a harness on a compiled table.
func harnessOn(tbl *packet.Table) *harness {
	h := &harness{sink: &sink{}, ip: &ipStub{}}
	h.d = packet.NewDecoder(tbl, h.sink)
	h.link = Install(h.d)
	h.d.Set(packet.LayerIP, h.ip)
	return h
}

// result is what the layer under test returned.
type result struct {
	called bool
	key    packet.Key
	off, n int // where rest starts in the layer's input, and its length
	err    error
}

// recorder wraps the layer under test, records its result and ends
// decoding so that nothing below it runs.
type recorder struct {
	a   packet.Analyzer
	res *result
	t   testing.TB
}

func (r *recorder) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	key, rest, err := r.a.Analyze(p, data)
	r.res.called, r.res.key, r.res.err = true, key, err
	r.res.off, r.res.n = -1, len(rest)
	if err == nil && key != packet.Stop {
		r.res.off = subslice(r.t, data, rest)
	}
	return packet.Stop, nil, err
}

// subslice returns where rest starts inside data, failing the test when
// rest is not a part of data.
func subslice(t testing.TB, data, rest []byte) int {
	off := cap(data) - cap(rest)
	if off < 0 || off > len(data) || off+len(rest) > len(data) {
		t.Fatalf("rest (len %d cap %d) is not inside data (len %d cap %d)", len(rest), cap(rest), len(data), cap(data))
	}
	if len(rest) > 0 && &data[off] != &rest[0] {
		t.Fatalf("rest does not alias data at offset %d", off)
	}
	return off
}

// runLayer runs data through the layer id alone, as the decoder would,
// and returns its result, the packet and the weirds reported.
func runLayer(t testing.TB, id packet.LayerID, data []byte, pre func(*packet.Packet)) (result, *packet.Packet, *harness) {
	t.Helper()
	h := newHarness(t, packet.Row{Parent: packet.LayerRoot, ID: testRoot, Child: id})
	var res result
	h.link.each(func(lid packet.LayerID, a packet.Analyzer) {
		if lid == id {
			h.d.Set(lid, &recorder{a: a, res: &res, t: t})
		}
	})
	p := &packet.Packet{Data: data, LinkType: testRoot}
	if pre != nil {
		pre(p)
	}
	h.d.Decode(p)
	if !res.called {
		t.Fatalf("layer %v did not run", id)
	}
	return res, p, h
}

// layerCase is one table-driven case of a layer test.
type layerCase struct {
	name string
	data []byte
	pre  func(*packet.Packet)

	key    packet.Key // when no error
	off, n int        // rest offset and length, when key is not Stop
	err    string     // name of the weird that stops decoding, or ""
	weirds []string   // every weird reported, as name@source(addl)
	check  func(t *testing.T, p *packet.Packet, h *harness)
}

func runCases(t *testing.T, id packet.LayerID, cases []layerCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, p, h := runLayer(t, id, c.data, c.pre)
			switch {
			case c.err != "":
				w, ok := res.err.(*packet.Weird)
				if !ok || w.Name != c.err {
					t.Fatalf("err = %v, want weird %s", res.err, c.err)
				}
			case res.err != nil:
				t.Fatalf("unexpected error %v", res.err)
			default:
				if res.key != c.key {
					t.Errorf("key = %#x, want %#x", uint64(res.key), uint64(c.key))
				}
				if c.key != packet.Stop && (res.off != c.off || res.n != c.n) {
					t.Errorf("rest = [%d:+%d], want [%d:+%d]", res.off, res.n, c.off, c.n)
				}
			}
			if got, want := fmt.Sprint(h.sink.names()), fmt.Sprint(c.weirds); got != want {
				t.Errorf("weirds = %s, want %s", got, want)
			}
			if c.check != nil {
				c.check(t, p, h)
			}
		})
	}
}

// Frame building.

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	// Capacity equal to length: a layer that slices past the end of its
	// input panics instead of reading spare capacity.
	return b[:len(b):len(b)]
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func fill(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

var (
	macA = []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB = []byte{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	macC = []byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}
	macD = []byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x0d}
)

func mac6(b []byte) [6]byte { return [6]byte(b) }

// ipv4 returns a minimal IPv4-looking payload of n bytes.
func ipv4(n int) []byte {
	b := fill(0, n)
	b[0] = 0x45
	return b
}

// eth builds an Ethernet II header.
func eth(dst, src []byte, typ uint16) []byte { return cat(dst, src, be16(typ)) }

// tag builds an 802.1Q tag with the given TCI followed by a type.
func tag(tci, typ uint16) []byte { return cat(be16(tci), be16(typ)) }

// llcSNAP is the LLC/SNAP header for encapsulated Ethernet.
func llcSNAP(typ uint16) []byte { return cat([]byte{0xAA, 0xAA, 0x03, 0, 0, 0}, be16(typ)) }

// arpPkt builds an Ethernet/IPv4 ARP packet.
func arpPkt(op uint16, sha []byte, spa [4]byte, tha []byte, tpa [4]byte) []byte {
	return cat(be16(1), be16(0x0800), []byte{6, 4}, be16(op), sha, spa[:], tha, tpa[:])
}

// ne16 writes v in the byte order of the host running the test, as packet
// sources deliver NFLOG TLV headers.
func ne16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }

// bigEndianHost reports the byte order of the host running the test.
var bigEndianHost = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// frameCase is one frame decoded from the root through every layer of the
// package, with the stub IP layer at the end.
type frameCase struct {
	name     string
	linkType uint32
	data     []byte

	ip         bool // the frame reaches IP
	ipOff, ipN int  // where IP's input starts in data, and its length
	weirds     []string
	unknown    packet.LayerID // the layer that ends decoding for want of a next one, if any
	check      func(t *testing.T, p *packet.Packet, h *harness)
}

// runFrames decodes each case's frame with the whole wiring table.
func runFrames(t *testing.T, cases []frameCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			off, n := -1, 0
			h.ip.seen = func(p *packet.Packet, data []byte) {
				off, n = subslice(t, p.Data, data), len(data)
			}
			p := &packet.Packet{Data: c.data, LinkType: c.linkType}
			h.d.Decode(p)
			switch {
			case c.ip && h.ip.n != 1:
				t.Errorf("IP saw %d packets, want 1", h.ip.n)
			case c.ip && (off != c.ipOff || n != c.ipN):
				t.Errorf("IP got [%d:+%d], want [%d:+%d]", off, n, c.ipOff, c.ipN)
			case !c.ip && h.ip.n != 0:
				t.Errorf("IP saw %d packets, want none", h.ip.n)
			}
			if got, want := fmt.Sprint(h.sink.names()), fmt.Sprint(c.weirds); got != want {
				t.Errorf("weirds = %s, want %s", got, want)
			}
			for id, k := range h.d.Stats.Unknown {
				var want uint64
				if c.unknown != packet.LayerNone && packet.LayerID(id) == c.unknown {
					want = 1
				}
				if k != want {
					t.Errorf("unknown[%v] = %d, want %d", packet.LayerID(id), k, want)
				}
			}
			if c.check != nil {
				c.check(t, p, h)
			}
		})
	}
}
