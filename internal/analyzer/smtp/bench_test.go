package smtp

import (
	"strings"
	"testing"
)

// startData brings a rig into a message's body.
func startData(r *rig) {
	r.DeliverStream([]byte(greeting), false)
	r.DeliverStream([]byte("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"), true)
	r.DeliverStream([]byte("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"), false)
	r.DeliverStream([]byte("Subject: big\r\nContent-Transfer-Encoding: base64\r\n\r\n"), true)
}

// bodySegment is a segment of base64 body lines.
var bodySegment = []byte(strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 18))

// BenchmarkBody streams a base64 message body through the analyzer, the
// MIME decoder and the files framework in segment-sized deliveries.
func BenchmarkBody(b *testing.B) {
	h := newTestHostWith(false)
	r := &rig{Analyzer: newSMTP(h), h: h}
	startData(r)
	for i := 0; i < 100; i++ {
		r.DeliverStream(bodySegment, true)
	}
	b.SetBytes(int64(len(bodySegment)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.DeliverStream(bodySegment, true)
	}
}

// BenchmarkSession runs whole sessions of one small message each.
func BenchmarkSession(b *testing.B) {
	script := [][2]string{
		{"", greeting},
		{"EHLO client.example.org\r\n", ehloReply},
		{"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n", "250 ok\r\n250 ok\r\n354 go\r\n"},
		{headers + "\r\nHello Bob,\r\nbye\r\n.\r\n", "250 2.0.0 Ok: queued as 1234\r\n"},
		{"QUIT\r\n", "221 bye\r\n"},
	}
	n := 0
	for _, s := range script {
		n += len(s[0]) + len(s[1])
	}
	h := newTestHostWith(false)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.logs, h.FileLogs = h.logs[:0], h.FileLogs[:0]
		r := &rig{Analyzer: newSMTP(h), h: h}
		for _, s := range script {
			if s[0] != "" {
				r.DeliverStream([]byte(s[0]), true)
			}
			r.DeliverStream([]byte(s[1]), false)
		}
		r.Analyzer.Done()
	}
}

// TestBodyAllocs guards the body path: once a file is under way, a
// segment of message lines allocates nothing.
func TestBodyAllocs(t *testing.T) {
	r := newRig()
	startData(r)
	for i := 0; i < 100; i++ {
		r.DeliverStream(bodySegment, true)
	}
	if n := testing.AllocsPerRun(1000, func() { r.DeliverStream(bodySegment, true) }); n != 0 {
		t.Errorf("a body segment allocates %v times", n)
	}
}
