package ipfrag

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

type v6step struct {
	off, n int
	more   bool
	nh     byte // 0 means 17
	noHBH  bool // leave out the hop-by-hop header the datagram has
}

func TestIPv6(t *testing.T) {
	cases := []struct {
		name   string
		hbh    bool
		size   int
		steps  []v6step
		weirds string
		doneAt int
		from   int  // step whose unfragmentable part the result carries
		nh     byte // next header of the result; 0 means 17
	}{
		{
			name: "in order", size: 3000, doneAt: 2,
			steps: []v6step{{off: 0, n: 1448, more: true}, {off: 1448, n: 1448, more: true}, {off: 2896, n: 104}},
		},
		{
			name: "hop-by-hop reversed", hbh: true, size: 3000, doneAt: 2,
			steps: []v6step{{off: 2896, n: 104}, {off: 1448, n: 1448, more: true}, {off: 0, n: 1448, more: true}},
		},
		{
			name: "atomic", size: 20, doneAt: 0,
			steps: []v6step{{off: 0, n: 20}},
		},
		{
			name: "atomic with hop-by-hop", hbh: true, size: 35, doneAt: 0,
			steps: []v6step{{off: 0, n: 35}},
		},
		{
			name: "atomic without payload waits", size: 0, doneAt: -1,
			steps: []v6step{{off: 0, n: 0}},
		},
		{
			name: "next header from the offset-0 fragment", size: 3000, doneAt: 2, nh: 6,
			weirds: "fragment_protocol_inconsistency,fragment_protocol_inconsistency",
			steps:  []v6step{{off: 1448, n: 1448, more: true}, {off: 0, n: 1448, more: true, nh: 6}, {off: 2896, n: 104}},
		},
		{
			name: "next header mismatch after offset 0", size: 3000, doneAt: 2,
			weirds: "fragment_protocol_inconsistency",
			steps:  []v6step{{off: 0, n: 1448, more: true}, {off: 1448, n: 1448, more: true, nh: 6}, {off: 2896, n: 104}},
		},
		{
			name: "unfragmentable part differs", hbh: true, size: 3000, doneAt: 2,
			weirds: "fragment_protocol_inconsistency",
			steps:  []v6step{{off: 0, n: 1448, more: true}, {off: 1448, n: 1448, more: true, noHBH: true}, {off: 2896, n: 104}},
		},
		{
			// 40 + 8 + 8 = 56 < 64 for both MF fragments; the last one is never small.
			name: "small", size: 24, doneAt: 2, weirds: "excessively_small_fragment,excessively_small_fragment",
			steps: []v6step{{off: 0, n: 8, more: true}, {off: 8, n: 8, more: true}, {off: 16, n: 8}},
		},
		{
			name: "missing middle", size: 3000, doneAt: -1,
			steps: []v6step{{off: 0, n: 1448, more: true}, {off: 2896, n: 104}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w weirdLog
			r := New(DefaultConfig())
			r.Weird = w.add
			orig := pattern(tc.size, 0x33)
			doneAt := -1
			var got []byte
			dg := func(s v6step) v6dg {
				d := v6dg{src: v6src, dst: v6dst, hbh: tc.hbh && !s.noHBH, id: 0xdeadbeef, nh: 17}
				if s.nh != 0 {
					d.nh = s.nh
				}
				return d
			}
			for i, s := range tc.steps {
				d := dg(s)
				p := d.frag(orig[s.off:s.off+s.n], s.off, s.more)
				loc, ok := LocateIPv6Frag(p)
				if !ok || loc != d.locate() {
					t.Fatalf("step %d: LocateIPv6Frag %+v %v, want %+v", i, loc, ok, d.locate())
				}
				whole, done := r.AddIPv6(zeek.Time(i), p, loc.Offset)
				if done {
					if doneAt >= 0 {
						t.Fatalf("step %d completed again", i)
					}
					doneAt = i
					got = append([]byte(nil), whole...)
				}
			}
			if w.String() != tc.weirds {
				t.Errorf("weirds %q, want %q", w.String(), tc.weirds)
			}
			if doneAt != tc.doneAt {
				t.Fatalf("completed at step %d, want %d", doneAt, tc.doneAt)
			}
			if doneAt < 0 {
				return
			}
			d := dg(tc.steps[tc.from])
			d.nh = 17
			if tc.nh != 0 {
				d.nh = tc.nh
			}
			if exp := d.whole(orig); !bytes.Equal(got, exp) {
				t.Errorf("result: %s", hexdiff(got, exp))
			}
		})
	}
}

func TestIPv6Wrap(t *testing.T) {
	// Zeek's ipv6-reassembly-state-leak trace: 65528 bytes after a
	// hop-by-hop header make a payload length of 65536, written as 0.
	r := New(DefaultConfig())
	var w weirdLog
	r.Weird = w.add
	d := v6dg{src: v6src, dst: v6dst, hbh: true, id: 0xa0000000, nh: 17}
	orig := pattern(65528, 9)
	var whole []byte
	var done bool
	for off := 0; off < len(orig); off += 1440 {
		end := min(off+1440, len(orig))
		whole, done = r.AddIPv6Frag(0, d.frag(orig[off:end], off, end < len(orig)), d.locate())
	}
	if !done || len(whole) != 48+65528 {
		t.Fatalf("done %v len %d", done, len(whole))
	}
	if pl := binary.BigEndian.Uint16(whole[4:]); pl != 0 {
		t.Errorf("payload length %d, want 0 (wrapped)", pl)
	}
	if whole[40] != 17 || !bytes.Equal(whole[48:], orig) {
		t.Errorf("next header %d or payload wrong", whole[40])
	}
	if w.String() != "excessively_large_fragment,excessively_large_fragment" {
		t.Errorf("weirds %q", w.String())
	}
}

func TestV4V6Apart(t *testing.T) {
	r := New(DefaultConfig())
	h4 := v4dg{id: 1, proto: 17, ttl: 1, src: v4src, dst: v4dst}
	h6 := v6dg{src: netip.AddrFrom4(v4src).As16(), dst: netip.AddrFrom4(v4dst).As16(), id: 1, nh: 17}
	r.AddIPv4(0, h4.frag(pattern(800, 0), 0, true, false))
	if _, done := r.AddIPv6Frag(0, h6.frag(pattern(800, 0), 800, false), h6.locate()); done {
		t.Fatal("an IPv6 fragment completed an IPv4 datagram")
	}
	if r.Len() != 2 {
		t.Errorf("Len %d, want 2", r.Len())
	}
}

// ext is an extension header for chain; its first byte is set to the next
// header's type.
type ext struct {
	typ byte
	raw []byte
}

// chain builds an IPv6 packet: fixed header, exts, then a Fragment header
// and some payload (unless noFrag, when the last next header is 17).
func chain(noFrag bool, exts ...ext) []byte {
	p := make([]byte, 40)
	p[0] = 0x60
	copy(p[8:], v6src[:])
	copy(p[24:], v6dst[:])
	prev := 6
	for _, e := range exts {
		p[prev] = e.typ
		prev = len(p)
		p = append(p, e.raw...)
	}
	if noFrag {
		p[prev] = 17
		p = append(p, make([]byte, 8)...)
	} else {
		p[prev] = protoFragment
		p = append(p, 17, 0, 0, 0, 0, 0, 0, 1)
		p = append(p, make([]byte, 16)...)
	}
	binary.BigEndian.PutUint16(p[4:], uint16(len(p)-40))
	return p
}

func routing(typ, segLeft byte, addr byte, words int) ext {
	raw := make([]byte, 8+8*words)
	raw[1] = byte(words)
	raw[2] = typ
	raw[3] = segLeft
	if words >= 2 {
		raw[len(raw)-16] = 0x20
		raw[len(raw)-1] = addr
	}
	return ext{protoRouting, raw}
}

func TestLocateIPv6Frag(t *testing.T) {
	other := func(last byte) [16]byte { return [16]byte{0: 0x20, 15: last} }
	hbh := ext{protoHopOpts, []byte{0, 0, 1, 4, 0, 0, 0, 0}}
	home := ext{protoDstOpts, append([]byte{0, 2, 0, 1, 0, 201, 16, 0x20}, append(make([]byte, 13), 0x77, 1, 0)...)}
	badOpt := ext{protoDstOpts, []byte{0, 0, 201, 16, 0, 0, 0, 0}}
	ah := ext{protoAH, make([]byte, 16)}
	ah.raw[1] = 2 // (2+2)*4 = 16 bytes
	cases := []struct {
		name     string
		pkt      []byte
		ok       bool
		off, prv int
		src, dst [16]byte
	}{
		{"plain", chain(false), true, 40, 6, v6src, v6dst},
		{"hop-by-hop", chain(false, hbh), true, 48, 40, v6src, v6dst},
		{"routing 0", chain(false, hbh, routing(0, 1, 9, 2)), true, 72, 48, v6src, other(9)},
		{"routing 2", chain(false, routing(2, 1, 8, 2)), true, 64, 40, v6src, other(8)},
		{"routing 0 no segments left", chain(false, routing(0, 0, 9, 2)), true, 64, 40, v6src, v6dst},
		{"routing 0 odd length", chain(false, routing(0, 1, 9, 3)), true, 72, 40, v6src, v6dst},
		{"routing 2 bad length", chain(false, routing(2, 1, 9, 4)), true, 80, 40, v6src, v6dst},
		{"first routing header wins", chain(false, routing(0, 1, 9, 2), routing(0, 1, 10, 2)), true, 88, 64, v6src, other(9)},
		{"home address", chain(false, home), true, 64, 40, [16]byte{0: 0x20, 14: 0x77, 15: 1}, v6dst},
		{"bad option length", chain(false, badOpt), true, 48, 40, v6src, v6dst},
		{"AH", chain(false, ah), true, 56, 40, v6src, v6dst},
		{"no fragment header", chain(true, hbh), false, 0, 0, v6src, v6dst},
		{"ESP", chain(false, ext{50, make([]byte, 8)}), false, 0, 0, v6src, v6dst},
		{"mobility ends the chain", chain(false, ext{135, make([]byte, 8)}), false, 0, 0, v6src, v6dst},
		{"truncated extension", chain(false, hbh)[:44], false, 0, 0, v6src, v6dst},
		{"truncated fragment header", chain(false)[:47], false, 0, 0, v6src, v6dst},
		{"IPv4", v4dg{src: v4src, dst: v4dst}.frag(make([]byte, 40), 0, true, false), false, 0, 0, v6src, v6dst},
		{"too short", make([]byte, 39), false, 0, 0, v6src, v6dst},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "too short" {
				tc.pkt[0] = 0x60
			}
			f, ok := LocateIPv6Frag(tc.pkt)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			want := IPv6Frag{Offset: tc.off, PrevNext: tc.prv, Src: tc.src, Dst: tc.dst}
			if f != want {
				t.Errorf("got %+v\nwant %+v", f, want)
			}
			if tc.pkt[f.PrevNext] != protoFragment {
				t.Errorf("PrevNext %d does not hold 44", f.PrevNext)
			}
		})
	}
}
