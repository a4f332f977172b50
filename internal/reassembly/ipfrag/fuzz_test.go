package ipfrag

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

var update = flag.Bool("update", false, "rewrite the committed fuzz seed corpus")

// The fuzz input: one mode byte, then 6-byte fragment tuples.
//
//	mode:  bit 0 IPv6, bit 1 hop-by-hop header (IPv6), bit 2 tight limits
//	tuple: offset/8 (2 bytes, 13 bits used), flags, length (2 bytes, 14
//	       bits used), fill byte
//	flags: bit 0 MF, bit 1 DF (IPv4), bit 2 payload is the fill byte
//	       instead of the original, bits 3-4 which of four datagrams,
//	       bit 5 other protocol, bit 6 two minutes pass, bit 7 Expire
const (
	fzV6 = 1 << iota
	fzHBH
	fzTight
)

const tupleLen = 6

type fuzzFrag struct {
	off, n      int
	more, df    bool
	fill        bool
	fillByte    byte
	dg          int
	otherProto  bool
	advance     bool
	expireFirst bool
}

func decodeFuzz(in []byte) (mode byte, frags []fuzzFrag) {
	if len(in) == 0 {
		return 0, nil
	}
	mode, in = in[0], in[1:]
	for len(in) >= tupleLen && len(frags) < 64 {
		fl := in[2]
		frags = append(frags, fuzzFrag{
			off:         int(binary.BigEndian.Uint16(in[0:])&0x1fff) * 8,
			more:        fl&1 != 0,
			df:          fl&2 != 0,
			fill:        fl&4 != 0,
			dg:          int(fl>>3) & 3,
			otherProto:  fl&32 != 0,
			advance:     fl&64 != 0,
			expireFirst: fl&128 != 0,
			n:           int(binary.BigEndian.Uint16(in[3:]) & 0x3fff),
			fillByte:    in[5],
		})
		in = in[tupleLen:]
	}
	return mode, frags
}

// original is the content every datagram of the fuzz test carries where
// the fragment does not say otherwise.
var original = func() []byte {
	b := make([]byte, 65528+0x3fff)
	for i := range b {
		b[i] = byte(i*131 + i>>8 + 7)
	}
	return b
}()

func encodeFuzz(mode byte, frags []fuzzFrag) []byte {
	b := []byte{mode}
	for _, f := range frags {
		var fl byte
		if f.more {
			fl |= 1
		}
		if f.df {
			fl |= 2
		}
		if f.fill {
			fl |= 4
		}
		fl |= byte(f.dg&3) << 3
		if f.otherProto {
			fl |= 32
		}
		if f.advance {
			fl |= 64
		}
		if f.expireFirst {
			fl |= 128
		}
		b = binary.BigEndian.AppendUint16(b, uint16(f.off/8))
		b = append(b, fl)
		b = binary.BigEndian.AppendUint16(b, uint16(f.n))
		b = append(b, f.fillByte)
	}
	return b
}

// fuzzSeeds are the committed seed inputs: the shapes of the unit tests.
func fuzzSeeds() map[string][]byte {
	m := func(off, n int, more bool) fuzzFrag { return fuzzFrag{off: off, n: n, more: more} }
	seeds := map[string][]byte{
		"in-order":  encodeFuzz(0, []fuzzFrag{m(0, 1480, true), m(1480, 1480, true), m(2960, 40, false)}),
		"reversed":  encodeFuzz(0, []fuzzFrag{m(2960, 40, false), m(1480, 1480, true), m(0, 1480, true)}),
		"v6-hbh":    encodeFuzz(fzV6|fzHBH, []fuzzFrag{m(1448, 1448, true), m(0, 1448, true), m(2896, 100, false)}),
		"atomic-v6": encodeFuzz(fzV6, []fuzzFrag{m(0, 20, false)}),
		"tiny":      encodeFuzz(0, []fuzzFrag{m(0, 8, true), m(8, 8, true), m(16, 8, false)}),
		"large":     encodeFuzz(0, []fuzzFrag{m(65000, 5000, false), m(0, 16000, true), m(16000, 16000, true), m(32000, 16000, true), m(48000, 16000, true), m(64000, 1000, true)}),
		"overlaps": encodeFuzz(0, []fuzzFrag{m(0, 800, true), {off: 1600, n: 800, more: true, fill: true, fillByte: 0xee},
			m(400, 1600, true), m(2400, 600, false), m(1480, 40, false)}),
		"stray":   encodeFuzz(0, []fuzzFrag{{off: 2000, n: 400, more: true, fill: true}, m(0, 1000, false)}),
		"empty":   encodeFuzz(0, []fuzzFrag{m(0, 1480, true), m(1480, 0, false), m(0, 1480, true)}),
		"df-mix":  encodeFuzz(0, []fuzzFrag{{off: 0, n: 100, more: true, df: true}, {off: 96, n: 100, otherProto: true}}),
		"timeout": encodeFuzz(0, []fuzzFrag{m(0, 100, true), {off: 104, n: 8, advance: true}, {off: 104, n: 8, advance: true}, {off: 104, n: 8, advance: true, expireFirst: true}, m(96, 8, true)}),
		"tight": encodeFuzz(fzTight, []fuzzFrag{m(0, 3000, true), {off: 0, n: 3000, more: true, dg: 1}, {off: 0, n: 3000, more: true, dg: 2},
			{off: 3000, n: 3000, more: true, dg: 3}, m(3000, 16, false)}),
	}
	return seeds
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzReassembler in step with
// fuzzSeeds (go test -run TestFuzzSeedCorpus -update rewrites it).
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReassembler")
	for name, in := range fuzzSeeds() {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(in)))
		path := filepath.Join(dir, "seed-"+name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != body {
			t.Errorf("%s is missing or stale; run with -update", path)
		}
	}
}

func FuzzReassembler(f *testing.F) {
	for _, in := range fuzzSeeds() {
		f.Add(in)
	}
	f.Fuzz(fuzzBody)
}

// fuzzBody runs one fuzz input: against the model with generous limits,
// or against the bounds with tight ones.
func fuzzBody(t *testing.T, in []byte) {
	mode, frags := decodeFuzz(in)
	cfg := Config{Timeout: 5 * zeek.Minute, MaxDatagrams: 1 << 20, MaxBytes: 1 << 30, MaxFragmentsPerDatagram: 1 << 30}
	if mode&fzTight != 0 {
		cfg = Config{Timeout: 5 * zeek.Minute, MaxDatagrams: 3, MaxBytes: 8000, MaxBytesPerDatagram: 5000, MaxFragmentsPerDatagram: 5}
	}
	r := New(cfg)
	var got []string
	r.Weird = func(name string, k *Key) { got = append(got, name+"/"+strconv.Itoa(int(k.ID&0xff))) }
	mdl := newModel(cfg.Timeout)
	var now zeek.Time
	for i, fr := range frags {
		if fr.advance {
			now += zeek.Time(2 * zeek.Minute)
		}
		if fr.expireFirst {
			r.Expire(now)
			mdl.expire(now)
		}
		pkt, loc, hdr := buildFuzzFragment(mode, fr)
		var whole []byte
		var done bool
		if mode&fzV6 != 0 {
			whole, done = r.AddIPv6(now, pkt, loc.Offset)
		} else {
			whole, done = r.AddIPv4(now, pkt)
		}
		checkInvariants(t, r)
		if mode&fzTight != 0 {
			if r.Len() > cfg.MaxDatagrams || r.Bytes() > cfg.MaxBytes {
				t.Fatalf("step %d: Len %d Bytes %d beyond the bounds", i, r.Len(), r.Bytes())
			}
			got = got[:0]
			continue
		}
		want, wantDone, wantWhole, clean := mdl.add(now, mode, fr, hdr)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d %+v: weirds %v, model %v", i, fr, got, want)
		}
		got = got[:0]
		if done != wantDone {
			t.Fatalf("step %d %+v: done %v, model %v", i, fr, done, wantDone)
		}
		if done && !bytes.Equal(whole, wantWhole) {
			t.Fatalf("step %d: result differs from the model: %s", i, hexdiff(whole, wantWhole))
		}
		if done && clean && !bytes.Equal(stripHeader(mode, whole), original[:len(stripHeader(mode, whole))]) {
			t.Fatalf("step %d: fragments covered the datagram exactly once but the result is not the original", i)
		}
		if r.Len() != len(mdl.dgs) {
			t.Fatalf("step %d: Len %d, model %d", i, r.Len(), len(mdl.dgs))
		}
	}
}

// buildFuzzFragment builds the packet for fr and returns the unfragmentable
// part (or IPv4 header) it carries.
func buildFuzzFragment(mode byte, fr fuzzFrag) (pkt []byte, loc IPv6Frag, hdr []byte) {
	payload := original[fr.off : fr.off+fr.n]
	if fr.fill {
		payload = bytes.Repeat([]byte{fr.fillByte}, fr.n)
	}
	proto := byte(17)
	if fr.otherProto {
		proto = 6
	}
	if mode&fzV6 != 0 {
		d := v6dg{src: v6src, dst: v6dst, hbh: mode&fzHBH != 0, id: 0x1000 + uint32(fr.dg), nh: proto}
		pkt = d.frag(payload, fr.off, fr.more)
		loc = d.locate()
		return pkt, loc, pkt[:loc.Offset]
	}
	h := v4dg{id: 0x100 + uint16(fr.dg), proto: proto, ttl: 64, src: v4src, dst: v4dst}
	pkt = h.frag(payload, fr.off, fr.more, fr.df)
	return pkt, loc, pkt[:20]
}

func stripHeader(mode byte, whole []byte) []byte {
	hl := 20
	if mode&fzV6 != 0 {
		hl = 40
		if mode&fzHBH != 0 {
			hl = 48
		}
	}
	return whole[hl:]
}

// model is a plain reference of Zeek's fragment reassembly, byte by byte:
// owner[i] names the block that holds byte i (0 = none), so the overlap
// and completion rules read straight from it.
type model struct {
	timeout zeek.Interval
	dgs     map[int]*modelDG
}

type modelDG struct {
	first    zeek.Time
	proto    byte // IPv4: first protocol; IPv6: offset-0 next header
	hdrLen   int
	fragSize int
	owner    []int32
	data     []byte
	nblocks  int32
	dirty    bool   // fill data, an overlap or a size disagreement was seen
	hdr      []byte // the first fragment's header part
}

func newModel(timeout zeek.Interval) *model {
	return &model{timeout: timeout, dgs: map[int]*modelDG{}}
}

func (m *model) expire(now zeek.Time) {
	for k, d := range m.dgs {
		if d.first.Add(m.timeout) <= now {
			delete(m.dgs, k)
		}
	}
}

func (m *model) add(now zeek.Time, mode byte, fr fuzzFrag, hdr []byte) (weirds []string, done bool, whole []byte, clean bool) {
	id := strconv.Itoa(fr.dg) // the low byte of the ID
	w := func(name string) { weirds = append(weirds, name+"/"+id) }
	d := m.dgs[fr.dg]
	if d != nil && d.first.Add(m.timeout) <= now {
		d = nil
	}
	proto := byte(17)
	if fr.otherProto {
		proto = 6
	}
	if d == nil {
		d = &modelDG{first: now, proto: proto, hdrLen: len(hdr), hdr: slices.Clone(hdr)}
		m.dgs[fr.dg] = d
	}
	if proto != d.proto {
		w(WeirdProtocolInconsistency)
	}
	if fr.df && mode&fzV6 == 0 {
		w(WeirdWithDF)
	}
	upper := fr.off + fr.n
	if fr.off == 0 && mode&fzV6 != 0 {
		d.proto = proto
	}
	total := len(hdr) + fr.n
	if mode&fzV6 != 0 {
		total += 8
	}
	if !fr.more {
		if d.fragSize == 0 {
			d.fragSize = upper
		} else if upper != d.fragSize {
			w(WeirdSizeInconsistency)
			d.dirty = true
			d.fragSize = max(d.fragSize, upper)
		}
	} else if total < MinFragmentSize {
		w(WeirdSmallFragment)
	}
	if upper > MaxFragmentEnd {
		w(WeirdLargeFragment)
	}
	if d.fragSize != 0 && upper > d.fragSize {
		w(WeirdSizeInconsistency)
		d.dirty = true
		d.fragSize = upper
	}
	if fr.n == 0 {
		return weirds, false, nil, false
	}
	payload := original[fr.off:upper]
	if fr.fill {
		payload = bytes.Repeat([]byte{fr.fillByte}, fr.n)
		d.dirty = true
	}
	if grow := upper - len(d.owner); grow > 0 {
		d.owner = append(d.owner, make([]int32, grow)...)
		d.data = append(d.data, make([]byte, grow)...)
	}
	// One weird per stored block the fragment overlaps.
	for i := fr.off; i < upper; {
		b := d.owner[i]
		if b == 0 {
			i++
			continue
		}
		j := i
		for j < upper && d.owner[j] == b {
			j++
		}
		d.dirty = true
		if bytes.Equal(d.data[i:j], payload[i-fr.off:j-fr.off]) {
			w(WeirdOverlap)
		} else {
			w(WeirdInconsistency)
		}
		i = j
	}
	// Each hole it covers becomes a block.
	for i := fr.off; i < upper; {
		if d.owner[i] != 0 {
			i++
			continue
		}
		d.nblocks++
		for ; i < upper && d.owner[i] == 0; i++ {
			d.owner[i] = d.nblocks
			d.data[i] = payload[i-fr.off]
		}
	}
	// Complete?
	if d.fragSize == 0 || d.owner[0] == 0 {
		return weirds, false, nil, false
	}
	run := 0
	for run < len(d.owner) && d.owner[run] != 0 {
		run++
	}
	last := len(d.owner)
	for d.owner[last-1] == 0 {
		last--
	}
	switch {
	case last > run:
		if run < d.fragSize {
			return weirds, false, nil, false
		}
		w(WeirdSizeInconsistency)
		d.fragSize = run
	case last > d.fragSize:
		w(WeirdSizeInconsistency)
		d.fragSize = last
	case last < d.fragSize:
		return weirds, false, nil, false
	}
	delete(m.dgs, fr.dg)
	// The first fragment's header, lengths set, fragment fields cleared.
	whole = append(slices.Clone(d.hdr), d.data[:d.fragSize]...)
	if mode&fzV6 != 0 {
		binary.BigEndian.PutUint16(whole[4:], uint16(len(whole)-40))
		prev := 6
		if mode&fzHBH != 0 {
			prev = 40
		}
		whole[prev] = d.proto
	} else {
		binary.BigEndian.PutUint16(whole[2:], uint16(len(whole)))
		whole[6] &= 0xc0
		whole[7] = 0
		whole[10], whole[11] = 0, 0
		binary.BigEndian.PutUint16(whole[10:], ipChecksum(whole[:20]))
	}
	return weirds, true, whole, !d.dirty
}

// checkInvariants checks the Reassembler's internal bookkeeping.
func checkInvariants(t *testing.T, r *Reassembler) {
	t.Helper()
	n, total := 0, 0
	var prev zeek.Time
	for s := r.head; s >= 0; s = r.slots[s].next {
		d := &r.slots[s]
		if n > 0 && d.first < prev {
			t.Fatalf("age list out of order")
		}
		prev = d.first
		n++
		total += d.bytes
		if d.bytes != len(d.hdr)+len(d.data) {
			t.Fatalf("slot %d counts %d bytes, holds %d", s, d.bytes, len(d.hdr)+len(d.data))
		}
		if got := r.find(&d.key, d.hash); got != s {
			t.Fatalf("slot %d found at %d", s, got)
		}
		run := uint32(0)
		for i, b := range d.blocks {
			if b.seq >= b.upper || (i > 0 && d.blocks[i-1].upper > b.seq) || int(b.at+b.upper-b.seq) > len(d.data) {
				t.Fatalf("slot %d: bad block %d %+v", s, i, b)
			}
			if b.seq == run {
				run = b.upper
			}
		}
		if run != d.runEnd {
			t.Fatalf("slot %d: runEnd %d, blocks say %d", s, d.runEnd, run)
		}
	}
	if n != r.live || total != r.bytes {
		t.Fatalf("list has %d datagrams and %d bytes, counters say %d and %d", n, total, r.live, r.bytes)
	}
	used := 0
	for _, e := range r.index.buckets {
		if e != 0 {
			used++
		}
	}
	if used != r.live {
		t.Fatalf("index holds %d entries, %d live", used, r.live)
	}
}
