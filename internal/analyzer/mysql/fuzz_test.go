package mysql

import (
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff 0xff, alternating responder (the server speaks first) and
// originator; a chunk that starts with 0xfe 0xfe is a gap.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff, 0xff}, GapMark: []byte{0xfe, 0xfe}, MaxChunks: 65}.Script

func encodeScript(script []at.Chunk) []byte {
	var b []byte
	orig := false
	for _, c := range script {
		if c.End || c.Gap > 0 {
			continue
		}
		if c.Orig != orig {
			b = append(b, 0xff, 0xff)
			orig = !orig
		}
		b = append(b, c.Data...)
		b = append(b, 0xff, 0xff)
		orig = !orig
	}
	return b
}

// FuzzAnalyzer feeds arbitrary conversations to the analyzer: it must
// not panic, and its memory stays within binpac's bounds.
func FuzzAnalyzer(f *testing.F) {
	f.Add(encodeScript(conversation()))
	f.Add(encodeScript([]at.Chunk{r(greeting(serverCaps)), o(login(loginCaps|clientSSL, "", "")), o([]byte("\x16\x03\x01"))}))
	f.Add(encodeScript([]at.Chunk{
		r(greeting(serverCaps | clientQueryAttributes)), o(login(loginCaps|clientQueryAttributes, "u", "d")), r(okPacket(2, 0)),
		o(pkt(0, []byte{comQuery, 2, 1, 0x03, 1, 0x08, 0, 1, 'a', 0x0b, 0, 1, 'b', 1, 2, 3, 4, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 's', 'e', 'l'})),
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		rg := newRig()
		at.Play(rg, fuzzScript(data))
		rg.Done()
		for _, fl := range rg.flows {
			if cap(fl.buf) > 2*maxCapacity {
				t.Fatalf("buffer capacity %d", cap(fl.buf))
			}
		}
	})
}

// FuzzPacket parses arbitrary packets in every phase and expectation.
func FuzzPacket(f *testing.F) {
	f.Add([]byte{0, 0}, greeting(serverCaps))
	f.Add([]byte{1, 1, 4}, row(1, "a", "b"))
	f.Add([]byte{0, 0, 0}, login(loginCaps, "u", "d"))
	f.Fuzz(func(t *testing.T, state, data []byte) {
		if len(data) < headerLen || len(state) < 3 {
			return
		}
		rg := newRig()
		p := &rg.p
		p.state, p.expected = int(state[0]%2), int(state[1]%8)
		p.version, p.colCount, p.remainingCols = 10, uint32(state[2]), uint32(state[2])
		p.deprecateEOF, p.clientQueryAttr, p.serverQueryAttr = state[1]&8 != 0, state[1]&16 != 0, state[1]&32 != 0
		p.clientCaps = uint32(state[0]) << 16
		_ = p.packet(data, state[0]&128 != 0)
	})
}
