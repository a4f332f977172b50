package websocket

import (
	"strings"
	"testing"
)

type countingSink struct{ n int }

func (s *countingSink) DeliverStream(data []byte, _ bool) { s.n += len(data) }
func (s *countingSink) Undelivered(uint64, int, bool)     {}
func (s *countingSink) EndOfData(bool)                    {}
func (s *countingSink) Done()                             {}

// quietAnalyzer is an established analyzer passing payload to a counter,
// without tracing.
func quietAnalyzer() (*Analyzer, *countingSink) {
	h := newTestHost()
	h.noInner = true
	a := newWebSocket(h)
	sink := &countingSink{}
	a.inner = sink
	return a, sink
}

// TestFrameAllocs: parsing frames and passing their payload on allocates
// nothing once the chunk buffer has grown.
func TestFrameAllocs(t *testing.T) {
	a, sink := quietAnalyzer()
	masked := []byte(client(true, opBinary, strings.Repeat("m", 1400)))
	plain := []byte(server(true, opBinary, strings.Repeat("p", 1400)))
	a.DeliverStream(masked, true)
	for _, c := range []struct {
		name string
		data []byte
		orig bool
	}{{"masked", masked, true}, {"unmasked", plain, false}} {
		if n := testing.AllocsPerRun(1000, func() { a.DeliverStream(c.data, c.orig) }); n != 0 {
			t.Errorf("%s: %v allocations per frame", c.name, n)
		}
	}
	// A frame cut across deliveries.
	half := len(masked) / 2
	if n := testing.AllocsPerRun(1000, func() {
		a.DeliverStream(masked[:half], true)
		a.DeliverStream(masked[half:], true)
	}); n != 0 {
		t.Errorf("cut frame: %v allocations", n)
	}
	if sink.n == 0 {
		t.Error("no payload passed on")
	}
}

func benchmarkFrames(b *testing.B, frame string, orig bool) {
	a, _ := quietAnalyzer()
	data := []byte(frame)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		a.DeliverStream(data, orig)
	}
}

// BenchmarkMaskedFrames measures client frames (masked) of 1400 bytes.
func BenchmarkMaskedFrames(b *testing.B) {
	benchmarkFrames(b, client(true, opBinary, strings.Repeat("m", 1400)), true)
}

// BenchmarkUnmaskedFrames measures server frames of 1400 bytes.
func BenchmarkUnmaskedFrames(b *testing.B) {
	benchmarkFrames(b, server(true, opBinary, strings.Repeat("p", 1400)), false)
}

// BenchmarkSmallFrames measures a delivery of twenty 50-byte text frames.
func BenchmarkSmallFrames(b *testing.B) {
	benchmarkFrames(b, strings.Repeat(server(true, opText, strings.Repeat("t", 50)), 20), false)
}

// TestUnmask compares the wide unmasking with the byte-wise definition at
// every length and key offset.
func TestUnmask(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	for n := range 40 {
		for idx := range uint64(8) {
			b := []byte(strings.Repeat("abcdefghij", 4))[:n]
			want := append([]byte(nil), b...)
			for i := range want {
				want[i] ^= key[(idx+uint64(i))%4]
			}
			unmask(b, key, idx)
			if string(b) != string(want) {
				t.Fatalf("n=%d idx=%d: %x, want %x", n, idx, b, want)
			}
		}
	}
}
