package signatures

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchSignatures builds n signatures of the usual shapes: DPD-style
// anchored payload patterns with tcp-state, searches for words on ports,
// and dependencies.
func benchSignatures(n int) string {
	r := rand.New(rand.NewPCG(3, 3))
	word := func() string {
		b := make([]byte, 6+r.IntN(5))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "signature s%d {\n ip-proto == tcp\n payload /^[[:space:]]*%s[[:space:]]/\n tcp-state originator\n enable \"a%d\"\n}\n", i, strings.ToUpper(word()), i)
		case 1:
			fmt.Fprintf(&b, "signature s%d {\n ip-proto == tcp\n dst-port == %d\n payload /.*%s/\n event \"found %d\"\n}\n", i, 80+i%3, word(), i)
		case 2:
			fmt.Fprintf(&b, "signature s%d {\n payload /.*%s/i\n requires-reverse-signature s%d\n event \"dep %d\"\n}\n", i, word(), i-1, i)
		default:
			fmt.Fprintf(&b, "signature s%d {\n ip-proto == udp\n payload /^\\x%02x[\\x00-\\x03]..%s/\n enable \"u%d\"\n}\n", i, 0x10+i%200, word(), i)
		}
	}
	return b.String()
}

// BenchmarkConnMatch feeds a TCP stream in 1460-byte chunks through 300
// signatures (the per-chunk hot path).
func BenchmarkConnMatch(b *testing.B) {
	sigs, err := ParseBytes([]byte(benchSignatures(300)), "bench.sig")
	if err != nil {
		b.Fatal(err)
	}
	set, err := Compile(sigs)
	if err != nil {
		b.Fatal(err)
	}
	m := set.NewMatcher()
	data := []byte(strings.Repeat("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n", 2000))
	const chunk = 1460
	cs := m.NewConnState(tcpConn)
	emit := func(Match) {}
	cs.InitEndpoint(true, nil, emit)
	for off := 0; off < len(data); off += chunk { // warm
		cs.Match(Payload, true, data[off:min(off+chunk, len(data))], 0, emit)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for off := 0; off < len(data); off += chunk {
			cs.Match(Payload, true, data[off:min(off+chunk, len(data))], 0, emit)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(set.NumGroups()), "groups")
}

// BenchmarkConnSetup measures a connection's lifetime with a reused
// ConnState: both endpoints started, a short exchange, the end.
func BenchmarkConnSetup(b *testing.B) {
	sigs, err := ParseBytes([]byte(benchSignatures(300)), "bench.sig")
	if err != nil {
		b.Fatal(err)
	}
	set, err := Compile(sigs)
	if err != nil {
		b.Fatal(err)
	}
	m := set.NewMatcher()
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	emit := func(Match) {}
	var cs ConnState
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cs.Init(m, tcpConn)
		cs.InitEndpoint(true, nil, emit)
		cs.InitEndpoint(false, nil, emit)
		cs.Match(Payload, true, req, 0, emit)
		cs.Match(Payload, false, resp, 0, emit)
		cs.Finish(emit)
	}
}
