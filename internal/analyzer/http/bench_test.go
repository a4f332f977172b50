package http

import (
	"strings"
	"testing"
)

// BenchmarkBody streams a response body through the analyzer and the
// files framework in segment-sized deliveries.
func BenchmarkBody(b *testing.B) {
	h := newTestHostWith(false)
	r := &rig{Analyzer: newHTTP(h), h: h}
	r.DeliverStream([]byte("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"), true)
	r.DeliverStream([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"), false)
	seg := []byte(strings.Repeat("x", 1448))
	for i := 0; i < 100; i++ {
		r.DeliverStream(seg, false)
	}
	b.SetBytes(int64(len(seg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.DeliverStream(seg, false)
	}
}

// BenchmarkRequests parses small pipelined requests and replies.
func BenchmarkRequests(b *testing.B) {
	req := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n")
	rep := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n<html></html")
	h := newTestHostWith(false)
	r := &rig{Analyzer: newHTTP(h), h: h}
	b.SetBytes(int64(len(req) + len(rep)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.DeliverStream(req, true)
		r.DeliverStream(rep, false)
		if len(r.h.logs) > 1000 {
			r.h.logs = r.h.logs[:0]
			r.h.FileLogs = r.h.FileLogs[:0]
		}
	}
}

// TestBodyAllocs guards the body path: once a file is under way, a body
// segment allocates nothing.
func TestBodyAllocs(t *testing.T) {
	r := newRig()
	r.DeliverStream([]byte("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"), true)
	r.DeliverStream([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"), false)
	seg := []byte(strings.Repeat("x", 1448))
	for i := 0; i < 100; i++ {
		r.DeliverStream(seg, false)
	}
	if n := testing.AllocsPerRun(1000, func() { r.DeliverStream(seg, false) }); n != 0 {
		t.Errorf("a body segment allocates %v times", n)
	}
}
