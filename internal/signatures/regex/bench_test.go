package regex

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchPatterns returns n patterns of the shapes signatures use: searches
// for words (".*word"), anchored protocol greetings with classes and
// counted repetitions, and case-insensitive keywords.
func benchPatterns(n int) []string {
	r := rand.New(rand.NewPCG(7, 7))
	word := func() string {
		b := make([]byte, 5+r.IntN(6))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	out := make([]string, n)
	for i := range out {
		switch i % 4 {
		case 0:
			out[i] = ".*" + word()
		case 1:
			out[i] = fmt.Sprintf("^\\x%02x\\x03[\\x00-\\x03]..\\x01...%s", 0x10+i%16, word())
		case 2:
			out[i] = "(?i:.*" + word() + "[0-9]{2,4})"
		default:
			out[i] = "^[[:space:]]*" + word() + " +[^ ]+ HTTP\\/1\\.[01]"
		}
	}
	return out
}

// benchData is text that keeps the ".*" patterns alive to the end.
func benchData(n int) []byte {
	r := rand.New(rand.NewPCG(1, 1))
	b := make([]byte, n)
	const alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789\r\n/.:-"
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// BenchmarkFeed feeds 64 KiB chunks through 300 patterns compiled into
// groups of 50 (as the signature engine groups them), per stream.
func BenchmarkFeed(b *testing.B) {
	pats := benchPatterns(300)
	var ms []*Matcher
	for i := 0; i < len(pats); i += 50 {
		s, err := CompileSet(pats[i:min(i+50, len(pats))], CompileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, s.NewMatcher(MatcherOptions{MaxMemory: 32 << 20}))
	}
	data := benchData(64 << 10)
	streams := make([]Stream, len(ms))
	hits := make([]Hit, 0, 64)
	for i, m := range ms { // warm the caches
		hits, _ = m.Feed(&streams[i], data, true, false, false, hits[:0])
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, m := range ms {
			hits, _ = m.Feed(&streams[j], data, false, false, false, hits[:0])
		}
	}
	b.StopTimer()
	var st MatcherStats
	for _, m := range ms {
		s := m.Stats()
		st.States += s.States
		st.Flushes += s.Flushes
	}
	b.ReportMetric(float64(st.States), "dfa-states")
}

// BenchmarkFeedSmallPackets feeds 200-byte chunks, the per-call overhead
// that matters for packet-wise matching.
func BenchmarkFeedSmallPackets(b *testing.B) {
	s, err := CompileSet(benchPatterns(50), CompileOptions{})
	if err != nil {
		b.Fatal(err)
	}
	m := s.NewMatcher(MatcherOptions{})
	data := benchData(200)
	var st Stream
	hits := make([]Hit, 0, 64)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		st.Reset()
		hits, _ = m.Feed(&st, data, true, false, false, hits[:0])
	}
}

// BenchmarkCompile measures compiling a 50-pattern group.
func BenchmarkCompile(b *testing.B) {
	pats := benchPatterns(50)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := CompileSet(pats, CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
