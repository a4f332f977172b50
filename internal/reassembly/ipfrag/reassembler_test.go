package ipfrag

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// v4step is one IPv4 fragment of a test: payload [off, off+n) of the
// original datagram (or data), with the header fields given.
type v4step struct {
	off, n int
	more   bool
	df     bool
	data   []byte // replaces the original bytes when set
	proto  byte   // 0 means 17
	opts   []byte
	mangle func(p []byte)
}

func (s v4step) hdr(i int) v4dg {
	h := v4dg{id: 0x1234, proto: 17, ttl: byte(10 + i), opts: s.opts, src: v4src, dst: v4dst}
	if s.proto != 0 {
		h.proto = s.proto
	}
	return h
}

func (s v4step) packet(i int, orig []byte) []byte {
	data := s.data
	if data == nil {
		data = orig[s.off : s.off+s.n]
	}
	p := s.hdr(i).frag(data, s.off, s.more, s.df)
	if s.mangle != nil {
		s.mangle(p)
	}
	return p
}

func TestIPv4(t *testing.T) {
	ee := bytes.Repeat([]byte{0xee}, 1560)
	cases := []struct {
		name   string
		size   int // of the original payload
		steps  []v4step
		weirds string
		doneAt int // step that completes the datagram, -1 for none
		from   int // step whose header the result carries
		want   func(orig []byte) []byte
	}{
		{
			name: "in order", size: 3000, doneAt: 2,
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1480, n: 1480, more: true}, {off: 2960, n: 40}},
		},
		{
			name: "reversed", size: 3000, doneAt: 2,
			steps: []v4step{{off: 2960, n: 40}, {off: 1480, n: 1480, more: true}, {off: 0, n: 1480, more: true}},
		},
		{
			name: "shuffled", size: 3000, doneAt: 2,
			steps: []v4step{{off: 1480, n: 1480, more: true}, {off: 0, n: 1480, more: true}, {off: 2960, n: 40}},
		},
		{
			name: "duplicate", size: 3000, doneAt: 3, weirds: "fragment_overlap",
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 0, n: 1480, more: true}, {off: 1480, n: 1480, more: true}, {off: 2960, n: 40}},
		},
		{
			name: "duplicate after completion starts over", size: 3000, doneAt: 2,
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1480, n: 1480, more: true}, {off: 2960, n: 40}, {off: 2960, n: 40}},
		},
		{
			name: "agreeing overlap", size: 3000, doneAt: 2, weirds: "fragment_overlap",
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1400, n: 1560, more: true}, {off: 2960, n: 40}},
		},
		{
			name: "disagreeing overlap keeps first data", size: 3000, doneAt: 2, weirds: "fragment_inconsistency",
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1400, n: 1560, more: true, data: ee}, {off: 2960, n: 40}},
			want: func(o []byte) []byte {
				w := append([]byte(nil), o...)
				copy(w[1480:2960], ee)
				return w
			},
		},
		{
			name: "overlap spanning two blocks", size: 3000, doneAt: 3,
			weirds: "fragment_overlap,fragment_inconsistency",
			steps: []v4step{
				{off: 0, n: 800, more: true},
				{off: 1600, n: 800, more: true, data: ee[:800]},
				{off: 400, n: 1600, more: true},
				{off: 2400, n: 600},
			},
			want: func(o []byte) []byte {
				w := append([]byte(nil), o...)
				copy(w[1600:2400], ee)
				return w
			},
		},
		{
			name: "tiny fragments", size: 100, doneAt: 2,
			weirds: "excessively_small_fragment,excessively_small_fragment",
			steps:  []v4step{{off: 0, n: 8, more: true}, {off: 8, n: 8, more: true}, {off: 16, n: 84}},
		},
		{
			// 24-byte header + 40 = 64: not small. 20 + 40 = 60 is.
			name: "small is below 64 bytes total", size: 112, doneAt: 2,
			weirds: "excessively_small_fragment",
			steps: []v4step{
				{off: 0, n: 40, more: true, opts: []byte{1, 1, 1, 0}},
				{off: 40, n: 32, more: true, opts: []byte{1, 1, 1, 0}},
				{off: 72, n: 40, opts: []byte{1, 1, 1, 0}},
			},
		},
		{
			name: "ends past 64000", size: 65000, doneAt: 1, weirds: "excessively_large_fragment",
			steps: []v4step{{off: 0, n: 60000, more: true}, {off: 60000, n: 5000}},
		},
		{
			// 70020 bytes: the length field wraps as in Zeek.
			name: "beyond 65535", size: 70000, doneAt: 1,
			weirds: "excessively_large_fragment,excessively_large_fragment",
			steps:  []v4step{{off: 65000, n: 5000}, {off: 0, n: 65000, more: true}},
		},
		{
			name: "DF", size: 3000, doneAt: 2,
			weirds: "fragment_with_DF,fragment_with_DF,fragment_with_DF",
			steps:  []v4step{{off: 0, n: 1480, more: true, df: true}, {off: 1480, n: 1480, more: true, df: true}, {off: 2960, n: 40, df: true}},
		},
		{
			name: "protocol mismatch", size: 3000, doneAt: 2, weirds: "fragment_protocol_inconsistency",
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1480, n: 1480, more: true, proto: 6}, {off: 2960, n: 40}},
		},
		{
			name: "header length mismatch", size: 3000, doneAt: 2, weirds: "fragment_protocol_inconsistency",
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1480, n: 1480, more: true, opts: []byte{1, 1, 1, 0}}, {off: 2960, n: 40}},
		},
		{
			name: "header from first arrival", size: 3000, doneAt: 2, from: 0,
			weirds: "fragment_protocol_inconsistency,fragment_protocol_inconsistency",
			steps:  []v4step{{off: 2960, n: 40, opts: []byte{1, 1, 1, 0}}, {off: 1480, n: 1480, more: true}, {off: 0, n: 1480, more: true}},
		},
		{
			name: "last fragments disagree", size: 2000, doneAt: 2,
			weirds: "fragment_size_inconsistency,fragment_overlap",
			steps:  []v4step{{off: 1480, n: 40}, {off: 1480, n: 520}, {off: 0, n: 1480, more: true}},
		},
		{
			name: "more fragments past the end", size: 3480, doneAt: 2,
			weirds: "fragment_size_inconsistency,fragment_overlap",
			steps:  []v4step{{off: 0, n: 1480, more: true}, {off: 2960, n: 40}, {off: 1480, n: 2000, more: true}},
		},
		{
			name: "stray data beyond a hole", size: 1000, doneAt: 1, weirds: "fragment_size_inconsistency",
			steps: []v4step{{off: 2000, n: 400, more: true, data: ee[:400]}, {off: 0, n: 1000}},
		},
		{
			name: "empty last fragment waits for more data", size: 1480, doneAt: 2, weirds: "fragment_overlap",
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 1480, n: 0}, {off: 0, n: 1480, more: true}},
		},
		{
			name: "total length below header length", size: 3000, doneAt: 3, weirds: "fragment_protocol_inconsistency",
			steps: []v4step{
				{off: 0, n: 1480, more: true, mangle: func(p []byte) { binary.BigEndian.PutUint16(p[2:], 12) }},
				{off: 0, n: 1480, more: true},
				{off: 1480, n: 1480, more: true},
				{off: 2960, n: 40},
			},
		},
		{
			name: "missing fragment", size: 3000, doneAt: -1,
			steps: []v4step{{off: 0, n: 1480, more: true}, {off: 2960, n: 40}},
		},
		{
			name: "offset 0 without MF", size: 500, doneAt: 0,
			steps: []v4step{{off: 0, n: 500}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w weirdLog
			r := New(DefaultConfig())
			r.Weird = w.add
			orig := pattern(tc.size, 0x5a)
			doneAt := -1
			var got []byte
			for i, s := range tc.steps {
				whole, done := r.AddIPv4(zeek.Time(i)*zeek.Time(zeek.Millisecond), s.packet(i, orig))
				if done {
					if doneAt >= 0 {
						t.Fatalf("step %d completed again after step %d", i, doneAt)
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
				if r.Len() != 1 {
					t.Errorf("Len %d, want 1", r.Len())
				}
				return
			}
			want := orig
			if tc.want != nil {
				want = tc.want(orig)
			}
			h := tc.steps[tc.from].hdr(tc.from)
			exp := h.whole(want, tc.steps[tc.from].df)
			if !bytes.Equal(got, exp) {
				t.Errorf("result differs from the original: %s", hexdiff(got, exp))
			}
			if ipChecksum(got[:h.hdrLen()]) != 0 {
				t.Errorf("checksum of the result does not verify")
			}
			if tc.name != "duplicate after completion starts over" && r.Len() != 0 {
				t.Errorf("Len %d after completion, want 0", r.Len())
			}
		})
	}
}

func TestIPv4Lengths(t *testing.T) {
	// 70000 bytes of payload: Zeek writes the 16-bit wrapped length.
	r := New(DefaultConfig())
	orig := pattern(70000, 1)
	h := v4dg{id: 9, proto: 17, ttl: 1, src: v4src, dst: v4dst}
	r.AddIPv4(0, h.frag(orig[:65000], 0, true, false))
	whole, done := r.AddIPv4(0, h.frag(orig[65000:], 65000, false, false))
	if !done || len(whole) != 70020 {
		t.Fatalf("done %v len %d, want true 70020", done, len(whole))
	}
	if got := binary.BigEndian.Uint16(whole[2:]); got != 70020&0xffff {
		t.Errorf("total length %d, want %d", got, 70020&0xffff)
	}
	if got := binary.BigEndian.Uint16(whole[6:]); got != 0 {
		t.Errorf("flags/offset %#x, want 0", got)
	}
}

func TestIgnoredInput(t *testing.T) {
	r := New(DefaultConfig())
	var w weirdLog
	r.Weird = w.add
	h := v4dg{id: 1, proto: 17, ttl: 1, src: v4src, dst: v4dst}
	good := h.frag(pattern(100, 0), 0, true, false)
	short := good[:len(good)-1] // captured short of its total length
	badIHL := append([]byte(nil), good...)
	badIHL[0] = 0x44
	v6 := v6dg{src: v6src, dst: v6dst, id: 1, nh: 17}
	p6 := v6.frag(pattern(100, 0), 0, true)
	for name, p := range map[string][]byte{"nil": nil, "short": short, "ihl": badIHL, "v6 as v4": p6} {
		if _, done := r.AddIPv4(0, p); done || r.Len() != 0 {
			t.Errorf("%s: done %v Len %d, want ignored", name, done, r.Len())
		}
	}
	loc := v6.locate()
	for name, c := range map[string]struct {
		p []byte
		f IPv6Frag
	}{
		"short":       {p6[:len(p6)-1], loc},
		"bad offset":  {p6, IPv6Frag{Offset: len(p6) - 4, PrevNext: 6}},
		"bad prev":    {p6, IPv6Frag{Offset: 40, PrevNext: 7}},
		"prev beyond": {p6, IPv6Frag{Offset: 40, PrevNext: 40}},
		"v4 as v6":    {good, loc},
	} {
		if _, done := r.AddIPv6Frag(0, c.p, c.f); done || r.Len() != 0 {
			t.Errorf("%s: done %v Len %d, want ignored", name, done, r.Len())
		}
	}
	for _, off := range []int{-1, 0, 48, len(p6)} {
		if _, done := r.AddIPv6(0, p6, off); done || r.Len() != 0 {
			t.Errorf("AddIPv6 with Fragment header offset %d: done %v Len %d, want ignored", off, done, r.Len())
		}
	}
	if _, done := r.AddIPv6(0, p6, 40); done || r.Len() != 1 {
		t.Errorf("AddIPv6 with the right offset: done %v Len %d, want stored", done, r.Len())
	}
	if len(w.names) != 0 {
		t.Errorf("weirds %v for ignored input", w.names)
	}
}

func TestTimeout(t *testing.T) {
	cases := []struct {
		name    string
		timeout zeek.Interval
		expire  bool // call Expire before the late fragment
		late    zeek.Interval
		done    bool
	}{
		{"before timeout", 5 * zeek.Minute, true, 5*zeek.Minute - 1, true},
		{"at timeout", 5 * zeek.Minute, true, 5 * zeek.Minute, false},
		{"at timeout without Expire", 5 * zeek.Minute, false, 5 * zeek.Minute, false},
		{"never", 0, true, 1000 * zeek.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := New(Config{Timeout: tc.timeout})
			orig := pattern(3000, 2)
			h := v4dg{id: 7, proto: 17, ttl: 9, src: v4src, dst: v4dst}
			t0 := zeek.Time(1_700_000_000 * zeek.Second)
			r.AddIPv4(t0, h.frag(orig[:1480], 0, true, false))
			r.AddIPv4(t0.Add(zeek.Second), h.frag(orig[1480:2960], 1480, true, false))
			now := t0.Add(tc.late)
			if tc.expire {
				r.Expire(now)
			}
			_, done := r.AddIPv4(now, h.frag(orig[2960:], 2960, false, false))
			if done != tc.done {
				t.Fatalf("done %v, want %v", done, tc.done)
			}
			if !done {
				if r.Len() != 1 || r.Stats().Expired != 1 {
					t.Errorf("Len %d Expired %d, want 1 and 1 (the late fragment starts anew)", r.Len(), r.Stats().Expired)
				}
				r.Expire(now.Add(tc.timeout))
				if r.Len() != 0 || r.Bytes() != 0 {
					t.Errorf("after expiry Len %d Bytes %d, want 0", r.Len(), r.Bytes())
				}
			}
		})
	}
}

func TestExpireOrder(t *testing.T) {
	r := New(Config{Timeout: 10 * zeek.Second})
	h := v4dg{proto: 17, ttl: 1, src: v4src, dst: v4dst}
	// Arrival times out of order: 5, 1, 3 seconds.
	for i, at := range []int{5, 1, 3} {
		h.id = uint16(i)
		r.AddIPv4(zeek.Time(at)*zeek.Time(zeek.Second), h.frag(pattern(80, 0), 0, true, false))
	}
	for _, c := range []struct{ at, left int }{{10, 3}, {11, 2}, {13, 1}, {14, 1}, {15, 0}} {
		r.Expire(zeek.Time(c.at) * zeek.Time(zeek.Second))
		if r.Len() != c.left {
			t.Errorf("at %ds: Len %d, want %d", c.at, r.Len(), c.left)
		}
	}
}

func TestKeys(t *testing.T) {
	// Fragments with different source, destination or ID do not mix; a
	// different protocol does (Zeek's key has none).
	r := New(DefaultConfig())
	var w weirdLog
	var keys []Key
	r.Weird = func(name string, k *Key) { w.add(name, k); keys = append(keys, *k) }
	orig := pattern(2000, 3)
	base := v4dg{id: 1, proto: 17, ttl: 1, src: v4src, dst: v4dst}
	r.AddIPv4(0, base.frag(orig[:1000], 0, true, false))
	other := []v4dg{base, base, base}
	other[0].id = 2
	other[1].src[3]++
	other[2].dst[3]++
	for _, h := range other {
		if _, done := r.AddIPv4(0, h.frag(orig[1000:], 1000, false, false)); done {
			t.Fatalf("fragment with key %v completed another key's datagram", h)
		}
	}
	if r.Len() != 4 {
		t.Fatalf("Len %d, want 4", r.Len())
	}
	tcp := base
	tcp.proto = 6
	if _, done := r.AddIPv4(0, tcp.frag(orig[1000:], 1000, false, false)); !done {
		t.Fatalf("protocol is not part of the key in Zeek")
	}
	if w.String() != WeirdProtocolInconsistency || len(keys) != 1 {
		t.Fatalf("weirds %q", w.String())
	}
	k := keys[0]
	if k.SrcAddr().String() != "192.0.2.1" || k.DstAddr().String() != "198.51.100.7" || k.ID != 1 || k.V6 {
		t.Errorf("weird key %v %v %d %v", k.SrcAddr(), k.DstAddr(), k.ID, k.V6)
	}
}

func TestLimits(t *testing.T) {
	h := v4dg{proto: 17, ttl: 1, src: v4src, dst: v4dst}
	payload := pattern(1000, 4)

	t.Run("MaxDatagrams", func(t *testing.T) {
		r := New(Config{Timeout: DefaultTimeout, MaxDatagrams: 100})
		var w weirdLog
		r.Weird = w.add
		for i := range 10000 {
			h.id = uint16(i)
			h.src[2] = byte(i >> 16)
			r.AddIPv4(zeek.Time(i), h.frag(payload, 0, true, false))
			if r.Len() > 100 {
				t.Fatalf("Len %d after %d datagrams", r.Len(), i+1)
			}
		}
		if st := r.Stats(); st.Evicted != 9900 || len(w.names) != 9900 || w.names[0] != WeirdEvicted {
			t.Errorf("evicted %d, weirds %d (%v...), want 9900", st.Evicted, len(w.names), w.names[:1])
		}
		// The newest survive.
		h.id = 9999
		if _, done := r.AddIPv4(10000, h.frag(pattern(1000, 5), 1000, false, false)); !done {
			t.Errorf("newest datagram was evicted")
		}
	})

	t.Run("MaxBytes", func(t *testing.T) {
		r := New(Config{MaxBytes: 10_000})
		var w weirdLog
		r.Weird = w.add
		for i := range 1000 {
			h.id = uint16(i)
			r.AddIPv4(zeek.Time(i), h.frag(payload, 0, true, false))
			if r.Bytes() > 10_000 {
				t.Fatalf("Bytes %d after %d datagrams", r.Bytes(), i+1)
			}
		}
		if r.Len() != 9 || r.Bytes() != 9*1020 {
			t.Errorf("Len %d Bytes %d, want 9 and %d", r.Len(), r.Bytes(), 9*1020)
		}
		// One datagram alone larger than MaxBytes is dropped.
		h.id = 60000
		w.reset()
		r.AddIPv4(0, h.frag(pattern(8000, 0), 0, true, false))
		r.AddIPv4(0, h.frag(pattern(8000, 0), 8000, true, false))
		if r.Bytes() > 10_000 || w.names[len(w.names)-1] != WeirdEvicted {
			t.Errorf("Bytes %d, weirds %v", r.Bytes(), w.names)
		}
	})

	t.Run("MaxBytesPerDatagram", func(t *testing.T) {
		r := New(Config{MaxBytesPerDatagram: 2500})
		var w weirdLog
		r.Weird = w.add
		h.id = 1
		r.AddIPv4(0, h.frag(payload, 0, true, false))
		r.AddIPv4(0, h.frag(payload, 1000, true, false))
		if r.Len() != 1 {
			t.Fatalf("Len %d, want 1", r.Len())
		}
		// A duplicate costs nothing.
		r.AddIPv4(0, h.frag(payload, 1000, true, false))
		r.AddIPv4(0, h.frag(payload, 2000, false, false))
		if r.Len() != 0 || r.Bytes() != 0 || w.String() != "fragment_overlap,excessively_large_datagram" {
			t.Errorf("Len %d Bytes %d weirds %q", r.Len(), r.Bytes(), w.String())
		}
	})

	t.Run("MaxFragmentsPerDatagram", func(t *testing.T) {
		r := New(Config{MaxFragmentsPerDatagram: 4})
		var w weirdLog
		r.Weird = w.add
		h.id = 2
		for i := range 5 {
			r.AddIPv4(0, h.frag(payload[:80], 80*i, true, false))
		}
		if r.Len() != 0 || w.String() != WeirdTooManyFragments || r.Stats().Dropped != 1 {
			t.Errorf("Len %d weirds %q", r.Len(), w.String())
		}
	})

	t.Run("retained buffers", func(t *testing.T) {
		r := New(Config{MaxBytes: 100_000})
		big := pattern(60000, 0)
		for i := range 20 {
			h.id = uint16(i)
			r.AddIPv4(0, h.frag(big, 0, true, false))
			r.AddIPv4(0, h.frag(big[:8], 60000, false, false))
			if r.Len() != 0 {
				t.Fatalf("Len %d", r.Len())
			}
			if r.retained > 100_000 {
				t.Fatalf("retained %d bytes of free buffers", r.retained)
			}
		}
	})
}

func TestTableChurn(t *testing.T) {
	// Many keys in and out, in varying order: the index must stay exact.
	r := New(Config{MaxDatagrams: 2000})
	h := v4dg{proto: 17, ttl: 1, src: v4src, dst: v4dst}
	payload := pattern(16, 0)
	open := map[uint16]bool{}
	for i := range 20000 {
		id := uint16((i * 7919) % 1500)
		h.id = id
		if open[id] {
			if _, done := r.AddIPv4(0, h.frag(payload, 16, false, false)); !done {
				t.Fatalf("step %d: id %d did not complete", i, id)
			}
			delete(open, id)
		} else {
			if _, done := r.AddIPv4(0, h.frag(payload, 0, true, false)); done {
				t.Fatalf("step %d: id %d completed early", i, id)
			}
			open[id] = true
		}
		if r.Len() != len(open) {
			t.Fatalf("step %d: Len %d, want %d", i, r.Len(), len(open))
		}
	}
}

func TestClear(t *testing.T) {
	r := New(DefaultConfig())
	h := v4dg{proto: 17, ttl: 1, src: v4src, dst: v4dst}
	for i := range 10 {
		h.id = uint16(i)
		r.AddIPv4(0, h.frag(pattern(100, 0), 0, true, false))
	}
	r.Clear()
	if r.Len() != 0 || r.Bytes() != 0 {
		t.Errorf("Len %d Bytes %d after Clear", r.Len(), r.Bytes())
	}
}

// The IP layer (internal/layers/ip.go, Fragments) declares this interface for the
// reassembler; keep the methods in step with it.
var _ interface {
	AddIPv4(now zeek.Time, pkt []byte) (whole []byte, done bool)
	AddIPv6(now zeek.Time, pkt []byte, fragHdrOffset int) (whole []byte, done bool)
} = (*Reassembler)(nil)

// threeFragments returns the fragments of a 3000-byte UDP datagram.
func threeFragments() [][]byte {
	orig := pattern(3000, 6)
	h := v4dg{id: 77, proto: 17, ttl: 64, src: v4src, dst: v4dst}
	return [][]byte{
		h.frag(orig[:1480], 0, true, false),
		h.frag(orig[1480:2960], 1480, true, false),
		h.frag(orig[2960:], 2960, false, false),
	}
}

func TestNoAllocs(t *testing.T) {
	r := New(DefaultConfig())
	fr := threeFragments()
	v6 := v6dg{src: v6src, dst: v6dst, hbh: true, id: 5, nh: 17}
	orig := pattern(3000, 7)
	fr6 := [][]byte{v6.frag(orig[:1448], 0, true), v6.frag(orig[1448:2896], 1448, true), v6.frag(orig[2896:], 2896, false)}
	loc := v6.locate()
	var now zeek.Time
	run := func() {
		now += zeek.Time(zeek.Millisecond)
		r.Expire(now)
		for _, p := range fr[1:] {
			r.AddIPv4(now, p)
		}
		if _, done := r.AddIPv4(now, fr[0]); !done {
			t.Fatal("IPv4 datagram did not complete")
		}
		for _, p := range fr6 {
			r.AddIPv6(now, p, loc.Offset)
		}
	}
	run()
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Errorf("%v allocations per reassembly, want 0", n)
	}
}

func BenchmarkReassemble3(b *testing.B) {
	r := New(DefaultConfig())
	fr := threeFragments()
	b.ReportAllocs()
	b.SetBytes(3000)
	var now zeek.Time
	for b.Loop() {
		now++
		r.AddIPv4(now, fr[0])
		r.AddIPv4(now, fr[1])
		if _, done := r.AddIPv4(now, fr[2]); !done {
			b.Fatal("not done")
		}
	}
}

func BenchmarkPendingFlood(b *testing.B) {
	// Distinct datagrams that never complete, at the MaxDatagrams bound.
	r := New(Config{Timeout: DefaultTimeout, MaxDatagrams: 4096})
	h := v4dg{proto: 17, ttl: 1, src: v4src, dst: v4dst}
	p := h.frag(pattern(512, 0), 0, true, false)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		binary.BigEndian.PutUint16(p[4:], uint16(i))
		p[14] = byte(i >> 16)
		r.AddIPv4(zeek.Time(i), p)
	}
}

func BenchmarkReassemble3IPv6(b *testing.B) {
	r := New(DefaultConfig())
	d := v6dg{src: v6src, dst: v6dst, hbh: true, id: 5, nh: 17}
	orig := pattern(3000, 8)
	fr := [][]byte{d.frag(orig[:1448], 0, true), d.frag(orig[1448:2896], 1448, true), d.frag(orig[2896:], 2896, false)}
	off := d.locate().Offset
	b.ReportAllocs()
	b.SetBytes(3000)
	var now zeek.Time
	for b.Loop() {
		now++
		r.AddIPv6(now, fr[0], off)
		r.AddIPv6(now, fr[1], off)
		if _, done := r.AddIPv6(now, fr[2], off); !done {
			b.Fatal("not done")
		}
	}
}
