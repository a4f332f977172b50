package smtp

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff bytes, alternating responder and originator (SMTP servers speak
// first); a chunk that starts with 0xfe is a gap of as many bytes as its
// length.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff}, GapMark: []byte{0xfe}, MaxChunks: 65}.Script

// encodeScript is the inverse of fuzzScript for scripts without gaps.
func encodeScript(script []at.Chunk) []byte {
	var b []byte
	orig := false
	first := true
	for _, c := range script {
		if c.End || c.Gap > 0 {
			continue
		}
		if c.Orig != orig {
			// An empty chunk keeps the turns.
			if !first {
				b = append(b, 0xff)
			}
			first = false
			orig = !orig
		}
		if !first {
			b = append(b, 0xff)
		}
		first = false
		b = append(b, c.Data...)
		orig = !orig
	}
	return b
}

// FuzzAnalyzer feeds arbitrary conversations to the analyzer and its
// files; it must neither panic nor hang.
func FuzzAnalyzer(f *testing.F) {
	for _, c := range conversations {
		f.Add(encodeScript(c.script))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig()
		at.Play(r, fuzzScript(data))
		r.Done()
	})
}

// FuzzText checks the script layer's string functions: no panics, no
// output longer than the input, and the address matcher agrees with the
// pattern it implements.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"TO:<carol@x.org> ORCPT=rfc822;carol@x.org", "Bob <bob@x.org>, \"Carol, C\" <carol@x.org>",
		"from a ([192.0.2.1]) by b (10.1.2.3)", "[::ffff:192.0.2.9]", "1:2:3:4:5:6:7::",
		`attachment; filename*=UTF-8''na%C3%AFve.txt`, `x; name="a%u0041%%"`, "86 LAST", "18446744073709551615 LAST",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range emailAddrs(s) {
			if len(a) > len(s) || !strings.Contains(a, "@") {
				t.Fatalf("emailAddrs(%q) gave %q", s, a)
			}
		}
		for _, a := range splitMIMEEmailAddrs(s) {
			if len(a) > len(s) {
				t.Fatalf("splitMIMEEmailAddrs(%q) gave %q", s, a)
			}
		}
		if n := len(filenameFromDisposition(s)); n > len(s) {
			t.Fatalf("filenameFromDisposition(%q) is longer than its input", s)
		}
		ipAddrs(s, true, func(netip.Addr) bool { return true })
		if len(s) <= 64 {
			if got, want := longestIP(s), refLongestIP(s); got != want {
				t.Fatalf("longestIP(%q) = %d, the pattern matches %d", s, got, want)
			}
		}
		size, last, err := parseBDATArg([]byte(s))
		if err == nil && (len(s) == 0 || size == 0 && s[0] != '0' || last && !strings.HasSuffix(strings.ToUpper(s), " LAST")) {
			t.Fatalf("parseBDATArg(%q) = %d %v", s, size, last)
		}
	})
}

// FuzzBDATReader cuts arbitrary chunks into pieces: whatever the input,
// the lines give back every byte (CRLF where the reader says so).
func FuzzBDATReader(f *testing.F) {
	f.Add([]byte("Subject: a\r\nX: b\n\r\nbody\r"), uint8(3), uint16(16))
	f.Add([]byte("\r\r\n\n\r"), uint8(1), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, step uint8, maxLine uint16) {
		var out []byte
		a := newSMTP(newTestHost())
		b := newBDATReader(a, func(line []byte, crlf bool) {
			out = append(out, line...)
			if crlf {
				out = append(out, '\r', '\n')
			}
		}, int(maxLine))
		b.nextChunk(true, uint64(len(data)))
		n := int(step) + 1
		for i := 0; i < len(data); i += n {
			b.next(data[i:min(i+n, len(data))])
			if len(b.pend) > int(maxLine)+1 {
				t.Fatalf("the reader holds %d bytes", len(b.pend))
			}
		}
		b.done()
		if !bytes.Equal(out, data) {
			t.Fatalf("lines give %q, want %q", out, data)
		}
	})
}
