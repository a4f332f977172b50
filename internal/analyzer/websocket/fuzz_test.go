package websocket

import (
	"slices"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// recorder is a sink that renders events.
type recorder struct{ out []string }

func (r *recorder) frame(isOrig, fin bool, rsv, opcode uint8, n uint64) {
	r.out = append(r.out, event{name: "websocket_frame", isOrig: isOrig, fin: fin, rsv: rsv, opcode: opcode, payloadLen: n}.String())
}
func (r *recorder) frameData(isOrig bool, data []byte) {
	r.out = append(r.out, event{name: "websocket_frame_data", isOrig: isOrig, data: data}.String())
}
func (r *recorder) payload(isOrig bool, data []byte) {
	r.out = append(r.out, "payload "+zeekString(data))
}
func (r *recorder) closeFrame(isOrig bool, status uint16, reason []byte) {
	r.out = append(r.out, event{name: "websocket_close", isOrig: isOrig, status: status, data: reason}.String())
}
func (r *recorder) message(isOrig bool, opcode uint8) {
	r.out = append(r.out, event{name: "websocket_message", isOrig: isOrig, opcode: opcode}.String())
}
func (r *recorder) weird(name, addl string) { r.out = append(r.out, "weird "+name+" "+addl) }

// parseAll runs a flow over data cut at the given offsets; it reports the
// events and whether the grammar threw anything out.
func parseAll(t *testing.T, cfg *flowConfig, data []byte, cuts ...int) ([]string, bool) {
	var f flow
	f.init(true, cfg)
	r := &recorder{}
	failed := false
	prev := 0
	for _, c := range append(cuts, len(data)) {
		if c < prev || c > len(data) {
			continue
		}
		if err := f.write(data[prev:c], r); err != nil {
			failed = true
		}
		prev = c
		if f.hdrLen > len(f.hdr) || uint64(len(f.chunk)) > cfg.chunkSize {
			t.Fatalf("flow holds %d header and %d chunk bytes", f.hdrLen, len(f.chunk))
		}
	}
	return r.out, failed
}

// FuzzFrames checks the frame parser on its own: bounded buffers, and the
// same events however the input is cut, as long as nothing is thrown out.
func FuzzFrames(f *testing.F) {
	for _, c := range conversations {
		for _, ch := range c.script {
			if len(ch.Data) < 4096 {
				f.Add(ch.Data, uint16(len(ch.Data)/2), uint16(1))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cut, chunk uint16) {
		cfg := &flowConfig{chunkSize: uint64(chunk%512) + 1, maxControl: 125}
		whole, failed := parseAll(t, cfg, data)
		split, failedSplit := parseAll(t, cfg, data, int(cut)%(len(data)+1))
		if !failed && !failedSplit && !slices.Equal(whole, split) {
			t.Fatalf("cut at %d changes the events:\n%q\n%q", int(cut)%(len(data)+1), whole, split)
		}
	})
}

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff 0xff, alternating originator and responder; a chunk that starts
// with 0xfe is a gap.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff, 0xff}, GapMark: []byte{0xfe}, FirstOrig: true, MaxChunks: 65}.Script

// FuzzAnalyzer feeds arbitrary conversations to the analyzer, on a small
// and on a large connection (where violations remove nothing): it must
// neither panic nor hang.
func FuzzAnalyzer(f *testing.F) {
	for _, c := range conversations {
		var b []byte
		orig := true
		for _, ch := range c.script {
			if ch.End || ch.Gap > 0 || len(ch.Data) > 4096 {
				continue
			}
			if ch.Orig != orig {
				b = append(b, 0xff, 0xff)
				orig = !orig
			}
			if len(b) > 0 {
				b = append(b, 0xff, 0xff)
			}
			b = append(b, ch.Data...)
			orig = !orig
		}
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, large bool) {
		h := newTestHost()
		h.large = large
		r := newRigOn(h)
		at.Play(r, fuzzScript(data))
		r.Done()
	})
}
