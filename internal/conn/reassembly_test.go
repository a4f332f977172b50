package conn

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// streamRecorder is a Session that rebuilds each direction's stream,
// writing zeros for the gaps it is told about.
type streamRecorder struct {
	data  [2]bytes.Buffer
	gaps  [2]int
	eof   [2]bool
	done  bool
	flips int
	pkts  int
}

func dir(orig bool) int {
	if orig {
		return 0
	}
	return 1
}

func (s *streamRecorder) DeliverStream(data []byte, orig bool) { s.data[dir(orig)].Write(data) }
func (s *streamRecorder) Undelivered(seq uint64, n int, orig bool) {
	s.gaps[dir(orig)] += n
	if n <= 1<<20 { // huge gaps (the memory tests) are only counted
		s.data[dir(orig)].Write(make([]byte, n))
	}
}
func (s *streamRecorder) DeliverPacket(data []byte, orig bool) { s.pkts++ }
func (s *streamRecorder) EndOfData(orig bool)                  { s.eof[dir(orig)] = true }
func (s *streamRecorder) FlipRoles()                           { s.flips++ }
func (s *streamRecorder) FirstPacket(bool, []byte, []byte)     {}
func (s *streamRecorder) Done()                                { s.done = true }

type oneSession struct{ s *streamRecorder }

func (o *oneSession) NewSession(*Conn) Session {
	o.s = &streamRecorder{}
	return o.s
}

// segment is a piece of the client's stream to send.
type segment struct{ off, n int }

// sendStream opens a connection, sends the client's stream as the given
// segments (in the given order), then has the server acknowledge it all
// and both sides close. It returns what the session received.
func sendStream(t testing.TB, cfg Config, stream []byte, segs []segment) (*streamRecorder, *harness) {
	an := &oneSession{}
	cfg.Analysis = an
	h := newHarness(t, cfg)
	const iss, rss = 1000, 5000
	h.feed(0, tcp(true, S, iss, 0, ""))
	h.feed(ms, tcp(false, SA, rss, iss+1, ""))
	h.feed(ms, tcp(true, A, iss+1, rss+1, ""))
	for _, s := range segs {
		h.feed(ms, tcp(true, PA, iss+1+uint32(s.off), rss+1, string(stream[s.off:s.off+s.n])))
	}
	end := iss + 1 + uint32(len(stream))
	h.feed(ms, tcp(false, A, rss+1, end, ""))
	h.feed(ms, tcp(true, FA, end, rss+1, ""))
	h.feed(ms, tcp(false, FA, rss+1, end+1, ""))
	h.feed(ms, tcp(true, A, end+1, rss+2, ""))
	h.finish()
	if an.s == nil {
		t.Fatal("no session was created")
	}
	return an.s, h
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func TestReassemblyDelivers(t *testing.T) {
	stream := pattern(3000)
	cases := []struct {
		name string
		segs []segment
	}{
		{"in order", []segment{{0, 1000}, {1000, 1000}, {2000, 1000}}},
		{"reversed", []segment{{2000, 1000}, {1000, 1000}, {0, 1000}}},
		{"duplicates", []segment{{0, 1000}, {0, 1000}, {1000, 2000}, {1000, 2000}}},
		{"overlaps", []segment{{500, 1000}, {0, 700}, {1200, 1800}, {100, 2900}}},
		{"one byte at a time, backwards", func() []segment {
			var s []segment
			for i := 2999; i >= 0; i-- {
				s = append(s, segment{i, 1})
			}
			return s
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MaxReassemblyBlocks = 0 // 3000 one-byte holes
			rec, _ := sendStream(t, cfg, stream, c.segs)
			if got := rec.data[0].Bytes(); !bytes.Equal(got, stream) || rec.gaps[0] != 0 {
				t.Fatalf("delivered %d bytes (gaps %d), want the %d-byte stream", len(got), rec.gaps[0], len(stream))
			}
			if !rec.eof[0] || !rec.eof[1] || !rec.done {
				t.Errorf("eof %v done %v", rec.eof, rec.done)
			}
		})
	}
}

// TestReassemblyGap: data the server acknowledges but that never arrived
// becomes an Undelivered gap, then the stream goes on.
func TestReassemblyGap(t *testing.T) {
	stream := pattern(3000)
	rec, h := sendStream(t, DefaultConfig(), stream, []segment{{0, 1000}, {2000, 1000}})
	want := append(append(append([]byte(nil), stream[:1000]...), make([]byte, 1000)...), stream[2000:]...)
	if !bytes.Equal(rec.data[0].Bytes(), want) || rec.gaps[0] != 1000 {
		t.Fatalf("delivered %d bytes with %d in gaps; want 3000 with a 1000-byte gap", rec.data[0].Len(), rec.gaps[0])
	}
	if r := h.done[0]; r.MissedBytes != 1000 || r.History.V != "ShADaGFf" {
		t.Errorf("missed_bytes %d history %q", r.MissedBytes, r.History.V)
	}
}

// FuzzReassembly sends a known stream as arbitrary segments (any order,
// duplicated, overlapping): when the segments cover the stream, the
// session gets exactly the stream; otherwise it gets the stream with the
// uncovered bytes reported as gaps (zeros in the recording).
func FuzzReassembly(f *testing.F) {
	f.Add(uint16(3000), []byte{0, 0, 0x10, 0, 0x03, 0xe8, 0x0b, 0xb8, 0x03, 0xe8})
	f.Add(uint16(100), []byte{0, 50, 0, 50, 0, 0, 0, 50})
	f.Add(uint16(1), []byte{})
	f.Fuzz(func(t *testing.T, size uint16, spec []byte) {
		n := int(size%8192) + 1
		stream := pattern(n)
		var segs []segment
		covered := make([]bool, n)
		for len(spec) >= 4 && len(segs) < 200 {
			off := int(binary.BigEndian.Uint16(spec)) % n
			l := int(binary.BigEndian.Uint16(spec[2:]))%1400 + 1
			l = min(l, n-off)
			segs = append(segs, segment{off, l})
			for i := off; i < off+l; i++ {
				covered[i] = true
			}
			spec = spec[4:]
		}
		rec, _ := sendStream(t, DefaultConfig(), stream, segs)
		want := make([]byte, n)
		holes := 0
		for i := range want {
			if covered[i] {
				want[i] = stream[i]
			} else {
				holes++
			}
		}
		got := rec.data[0].Bytes()
		if holes == 0 {
			if !bytes.Equal(got, stream) || rec.gaps[0] != 0 {
				t.Fatalf("covered stream of %d: delivered %d bytes, %d in gaps", n, len(got), rec.gaps[0])
			}
			return
		}
		// With holes, Zeek's rules may also drop covered data that arrives
		// in a hole already given up; what is delivered must still be the
		// stream's bytes at their places, and the total must match.
		if len(got) != n {
			t.Fatalf("delivered %d bytes for a %d-byte stream", len(got), n)
		}
		for i := range got {
			if got[i] != 0 && got[i] != stream[i] {
				t.Fatalf("byte %d is %q, want %q", i, got[i], stream[i])
			}
		}
	})
}

// TestReassemblyMemoryBounds: a huge sequence jump and a flood of tiny
// out-of-order segments stay within the configured bound.
func TestReassemblyMemoryBounds(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxReassemblyBytes = 1 << 20
	cfg.MaxReassemblyBlocks = 0           // exercise the memory bound
	cfg.TCPMaxAboveHoleWithoutAnyAcks = 0 // let data pile up above holes
	an := &oneSession{}
	cfg.Analysis = an
	h := newHarness(t, cfg)
	h.feed(0, tcp(true, S, 1000, 0, ""))
	h.feed(ms, tcp(false, SA, 5000, 1001, ""))
	h.feed(ms, tcp(true, A, 1001, 5001, ""))
	// The server acks the first byte so that the client has "acked data".
	h.feed(ms, tcp(true, PA, 1001, 5001, "x"))
	h.feed(ms, tcp(false, A, 5001, 1002, ""))

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rnd := rand.New(rand.NewPCG(1, 2))
	payload := pattern(64)
	maxSeen := 0
	// A 10 GB jump: far ahead of the stream (sequence numbers wrap; the
	// reassembler sees an offset of 10 GB mod 2^32 ahead).
	h.feed(ms, tcp(true, PA, 1002+uint32((10<<30)%(1<<32)), 5001, string(payload)))
	// 40k tiny segments, each in its own hole.
	for i := 0; i < 40000; i++ {
		off := 2 + uint32(rnd.IntN(1<<30))*4
		h.feed(zeek.Microsecond, tcp(true, PA, 1000+off, 5001, string(payload[:1+rnd.IntN(3)])))
		maxSeen = max(maxSeen, h.m.reasmBytes)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if maxSeen > cfg.MaxReassemblyBytes+blockOverhead+64 {
		t.Fatalf("buffered %d bytes, bound %d", maxSeen, cfg.MaxReassemblyBytes)
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// The accounted bytes plus the block bookkeeping; allow the slices'
	// spare capacity.
	if growth > 4*int64(cfg.MaxReassemblyBytes) {
		t.Fatalf("heap grew by %d bytes for a bound of %d", growth, cfg.MaxReassemblyBytes)
	}
	h.finish()
	if h.m.reasmBytes != 0 {
		t.Errorf("%d bytes still accounted after the connection ended", h.m.reasmBytes)
	}
	found := false
	for _, w := range h.weird {
		if w == "reassembly_limit_exceeded/TCP" {
			found = true
		}
	}
	if !found {
		t.Errorf("no reassembly_limit_exceeded weird: %v", h.weird[:min(len(h.weird), 5)])
	}
	t.Logf("max buffered %d bytes, heap growth %d bytes", maxSeen, growth)
}

// TestReassemblyBlockBound: one direction holding more out-of-order blocks
// than MaxReassemblyBlocks skips past them as a gap and goes on.
func TestReassemblyBlockBound(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxReassemblyBlocks = 10
	stream := pattern(100)
	var segs []segment
	for i := 98; i >= 70; i -= 2 { // 15 one-byte blocks above a hole
		segs = append(segs, segment{i, 1})
	}
	segs = append(segs, segment{0, 100}) // then everything
	rec, h := sendStream(t, cfg, stream, segs)
	if rec.gaps[0] == 0 || rec.data[0].Len() != 100 {
		t.Fatalf("gaps %d, %d bytes", rec.gaps[0], rec.data[0].Len())
	}
	found := false
	for _, w := range h.weird {
		found = found || w == "reassembly_limit_exceeded/TCP"
	}
	if !found {
		t.Fatalf("no reassembly_limit_exceeded weird: %v", h.weird)
	}
}

// overlapHarness is a harness that checks overlaps, with a session that
// records the streams and a completed handshake (client ISN 1000, server
// 5000).
func overlapHarness(t *testing.T) (*harness, *oneSession) {
	cfg := DefaultConfig()
	cfg.CheckOverlaps = true
	an := &oneSession{}
	cfg.Analysis = an
	h := newHarness(t, cfg)
	h.feed(0, tcp(true, S, 1000, 0, ""))
	h.feed(ms, tcp(false, SA, 5000, 1001, ""))
	h.feed(ms, tcp(true, A, 1001, 5001, ""))
	return h, an
}

// checkRexmits finishes the harness and compares its rexmit_inconsistency
// weirds ("old/new/flags") with want.
func checkRexmits(t *testing.T, h *harness, want ...string) {
	t.Helper()
	h.finish()
	var got []string
	for _, w := range h.weird {
		if s, ok := strings.CutPrefix(w, "rexmit_inconsistency/"); ok {
			got = append(got, s)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("inconsistencies %q, want %q", got, want)
	}
}

// TestOverlapInconsistency: with CheckOverlaps, retransmitted bytes that
// differ from the first copy are reported, the first copy stays in the
// stream, and identical retransmissions are not reported.
func TestOverlapInconsistency(t *testing.T) {
	h, an := overlapHarness(t)
	h.feed(ms, tcp(true, PA, 1001, 5001, "hello"))
	h.feed(ms, tcp(true, PA, 1001, 5001, "hello"))  // same bytes again
	h.feed(ms, tcp(true, PA, 1001, 5001, "jello"))  // a different first byte
	h.feed(ms, tcp(true, PA, 1011, 5001, "world"))  // out of order
	h.feed(ms, tcp(true, PA, 1011, 5001, "w0rld"))  // differs from the pending copy
	h.feed(ms, tcp(true, PA, 1006, 5001, ", the ")) // fills the hole, overlaps "w"
	h.feed(ms, tcp(false, A, 5001, 1016, ""))       // ack frees the data
	h.feed(ms, tcp(true, PA, 1001, 5001, "XXXXX"))  // acked already: not compared
	// Zeek reports the whole overlapping stretch of each held block.
	checkRexmits(t, h, "hello/jello/AP", "world/w0rld/AP", "w/ /AP")
	if s := an.s.data[0].String(); s != "hello, theworld" {
		t.Errorf("stream %q; the first copy wins", s)
	}
}

// TestOverlapPerBlock checks that a retransmission spanning two delivered
// segments is compared with each on its own and that the acknowledged part
// of a retransmission is not compared, as Zeek does.
func TestOverlapPerBlock(t *testing.T) {
	h, _ := overlapHarness(t)
	h.feed(ms, tcp(true, PA, 1001, 5001, "abc"))
	h.feed(ms, tcp(true, PA, 1004, 5001, "def"))
	h.feed(ms, tcp(true, PA, 1001, 5001, "XbcdeY")) // spans both segments
	h.feed(ms, tcp(false, A, 5001, 1003, ""))       // acks part of "abc"
	h.feed(ms, tcp(true, PA, 1001, 5001, "abZ"))    // the acked "ab" is not compared
	h.feed(ms, tcp(false, A, 5001, 1007, ""))       // acks everything
	h.feed(ms, tcp(true, PA, 1004, 5001, "QQQ"))    // nothing held: silent
	checkRexmits(t, h, "abc/Xbc/AP", "def/deY/AP", "c/Z/AP")
}
