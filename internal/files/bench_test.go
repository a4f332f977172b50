package files

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

// BenchmarkSniff matches the beginning of an HTML page.
func BenchmarkSniff(b *testing.B) {
	data := []byte("<!DOCTYPE html><html><head><title>x</title></head><body>" + strings.Repeat("text ", 900))[:4096]
	s := NewSniffer()
	s.Detect(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Detect(data)
	}
}

// BenchmarkInflate decodes a gzip stream in segment-sized pieces.
func BenchmarkInflate(b *testing.B) {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(sample(1<<20, 9))
	w.Close()
	in := buf.Bytes()
	z := NewInflater(FormatAuto)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		z.Reset(FormatAuto)
		for off := 0; off < len(in); off += 1448 {
			z.Write(in[off:min(off+1448, len(in))], func([]byte) {})
		}
	}
}

// BenchmarkFileData feeds a file in segment-sized pieces, with hashes.
func BenchmarkFileData(b *testing.B) {
	m, _ := newTestManager(b, func(c *Config) { c.HashAll = true })
	tr := m.Open(Spec{Handle: "bench", Source: "HTTP", Conn: testConn})
	seg := []byte(strings.Repeat("y", 1448))
	for i := 0; i < 10; i++ {
		tr.Data(seg)
	}
	b.SetBytes(int64(len(seg)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tr.Data(seg)
	}
}
