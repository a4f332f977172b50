package rdp

import (
	"bytes"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff 0xff, alternating originator and responder; a chunk that starts
// with 0xfe is a gap of as many bytes as its length.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff, 0xff}, GapMark: []byte{0xfe}, FirstOrig: true, MaxChunks: 65}.Script

func encodeScript(script []at.Chunk) []byte {
	var b []byte
	orig := true
	for _, c := range script {
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
// not panic, and what it logs must be well-formed.
func FuzzAnalyzer(f *testing.F) {
	f.Add(encodeScript(nativeConversation()))
	f.Add(encodeScript(tlsConversation()))
	f.Add(encodeScript([]at.Chunk{orig(mcsConnectInitial(clientCoreBlock(0x409, 2600, "X", 2), clientNetworkBlock("a")))}))
	f.Add(encodeScript([]at.Chunk{orig(connectRequest("c", -1)), resp(mcsConnectResponse(0, serverSecurityBlock(1, 1, true, []byte("c1"))))}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig()
		at.Play(r, fuzzScript(data))
		r.h.advance(t0.Add(1000 * 1e9))
		r.Done()
		if len(r.h.logs) > 1 {
			t.Fatalf("%d records for one connection", len(r.h.logs))
		}
		for _, v := range r.h.violations {
			if len(v) > 2048 {
				t.Fatalf("violation reason of %d bytes", len(v))
			}
		}
	})
}

// FuzzFrame parses arbitrary frames directly.
func FuzzFrame(f *testing.F) {
	for _, b := range [][]byte{
		connectRequest("alice", 3), connectConfirm(2, 1), connectConfirm(3, 5),
		mcsConnectInitial(clientCoreBlock(0x409, 2600, "X", 2)),
		mcsConnectResponse(0, serverSecurityBlock(2, 3, false)),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < tpktHeader {
			return
		}
		r := newRig()
		_ = r.p.frame(data)
	})
}

// FuzzEUDP feeds datagrams, alternating directions, to the RDPEUDP
// analyzer.
func FuzzEUDP(f *testing.F) {
	f.Add(cat(eudpSyn(eudpFlagSYN|eudpFlagSynEx, 0xffffffff, eudpVersion3), []byte{0xff, 0xff},
		eudpSyn(eudpFlagSYN|eudpFlagACK|eudpFlagSynEx, 0, eudpVersion3), []byte{0xff, 0xff}, []byte{0x20, 0, 0}))
	f.Add(cat(eudpSyn(eudpFlagSYN|eudpFlagSynEx, 0xffffffff, 1), []byte{0xff, 0xff}, eudpSyn(eudpFlagSYN|eudpFlagACK|eudpFlagSynEx, 0, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := newEUDP(&eudpHostRec{})
		for i, p := range bytes.Split(data, []byte{0xff, 0xff}) {
			a.DeliverPacket(p, i%2 == 0)
		}
	})
}
