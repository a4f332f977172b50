package http

import (
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff bytes, alternating originator and responder; a chunk that starts
// with 0xfe is a gap of as many bytes as its length.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff}, GapMark: []byte{0xfe}, FirstOrig: true, MaxChunks: 65}.Script

func encodeScript(script []at.Chunk) []byte {
	var b []byte
	for i, c := range script {
		if c.End {
			continue
		}
		if i > 0 {
			b = append(b, 0xff)
		}
		b = append(b, c.Data...)
	}
	return b
}

// FuzzAnalyzer feeds arbitrary conversations to the analyzer and its
// files; it must neither panic nor hang.
func FuzzAnalyzer(f *testing.F) {
	for _, c := range conversations {
		var two []at.Chunk
		orig := true
		for _, ch := range c.script {
			if ch.End || ch.Gap > 0 {
				continue
			}
			if ch.Orig != orig {
				two = append(two, at.Chunk{Orig: orig})
				orig = !orig
			}
			two = append(two, ch)
			orig = !orig
		}
		f.Add(encodeScript(two))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig()
		at.Play(r, fuzzScript(data))
		r.Done()
	})
}

// FuzzRequestLine checks the request line parser on its own.
func FuzzRequestLine(f *testing.F) {
	for _, s := range []string{"GET / HTTP/1.1", "GET /a b HTTP/1.0", "get http/1.1", "GET HTTP/1.1", "X /%u0041%%", "GET /\t  HTTP/9.9 crud"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r := parseRequestLine(line)
		if r.ok && (len(r.method) == 0 || len(r.method) > len(line) || len(r.uri) > len(line)) {
			t.Fatalf("bad parse of %q: %+v", line, r)
		}
		out := unescapeURI(nil, line, func(string) {})
		if len(out) > len(line) {
			t.Fatalf("unescaping %q grew it to %q", line, out)
		}
		parseReplyLine(line)
	})
}
