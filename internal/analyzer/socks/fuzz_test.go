package socks

import (
	"errors"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff bytes, alternating originator and responder; a chunk that starts
// with 0xfe is a gap of as many bytes as its length.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff}, GapMark: []byte{0xfe}, FirstOrig: true, MaxChunks: 65}.Script

func encodeScript(script []at.Chunk) []byte {
	var b []byte
	orig := true
	for _, c := range script {
		if c.End || c.Gap > 0 {
			continue
		}
		if c.Orig != orig {
			// Keep the alternation: an empty chunk of the other side.
			b = append(b, 0xff)
			orig = !orig
		}
		if len(b) > 0 {
			b = append(b, 0xff)
		}
		b = append(b, c.Data...)
		orig = !orig
	}
	return b
}

// FuzzAnalyzer feeds arbitrary conversations to the analyzer: it must
// neither panic nor keep more than its bound.
func FuzzAnalyzer(f *testing.F) {
	for _, c := range conversations {
		f.Add(encodeScript(c.script))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig()
		at.Play(r, fuzzScript(data))
		for d := range r.pend {
			if len(r.pend[d]) > maxPending {
				t.Fatalf("%d bytes pending", len(r.pend[d]))
			}
		}
		r.Done()
	})
}

// FuzzParse checks the message parser on its own, in every state: a
// message never spans more than the buffer, an incomplete one stays
// incomplete until more bytes come, and at the end of the data there is
// no incomplete message.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		v4Request(1, 80, [4]byte{0, 0, 0, 1}, "u", "h"), v5Greeting(0, 2), v5Method(2),
		v5Message(1, 0, 3, "example.com", 80), v5Message(0, 0, 4, v6, 1), userPass("a", "b"), "\x01\x00",
	} {
		for st := range byte(8) {
			f.Add([]byte(s), st)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, flags byte) {
		st := parseState{inAuthSub: flags&1 != 0, pastAuth: flags&2 != 0, method: 255}
		if flags&4 != 0 {
			st.method = 2
		}
		isOrig := flags&8 != 0
		m, n, err := parser{}.parse(b, isOrig, st)
		if err == nil && (n > len(b) || n < 0 || len(m.user) > len(b) || len(m.pass) > len(b) || len(m.addr.name) > len(b)) {
			t.Fatalf("message spans %d of %d bytes: %+v", n, len(b), m)
		}
		if errors.Is(err, errIncomplete) {
			for i := range len(b) {
				if _, _, e := (parser{}).parse(b[:i], isOrig, st); !errors.Is(e, errIncomplete) {
					t.Fatalf("prefix of %d bytes of an incomplete message is not incomplete: %v", i, e)
				}
			}
		}
		if _, _, e := (parser{atEnd: true}).parse(b, isOrig, st); errors.Is(e, errIncomplete) {
			t.Fatalf("incomplete at the end of the data")
		}
	})
}
