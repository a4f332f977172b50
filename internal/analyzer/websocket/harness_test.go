package websocket

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"strings"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: it records what the
// analyzer reports. A violation removes the analyzer unless large is
// set (DPD's ignore_violations_after).
type testHost struct {
	weirds     []string
	confirms   int
	violations []string
	large      bool
	innerRec   *at.Recorder
	noInner    bool
	logs       []Info
	clock      zeek.Time
}

func newTestHost() *testHost { return &testHost{clock: zeek.Time(1_700_000_000 * zeek.Second)} }

func (h *testHost) now() zeek.Time { return h.clock }
func (h *testHost) uid() string    { return "CTEST" }
func (h *testHost) connID() zeek.ConnID {
	return zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP},
	}
}
func (h *testHost) weird(name, addl string) { h.weirds = append(h.weirds, name+"|"+addl+"|WEBSOCKET") }
func (h *testHost) scriptWeird(name, addl string) {
	h.weirds = append(h.weirds, name+"|"+addl+"|WebSocket")
}
func (h *testHost) confirm() { h.confirms++ }
func (h *testHost) violation(reason string, data []byte, confirmed bool) bool {
	h.violations = append(h.violations, fmt.Sprintf("%s (confirmed %v)", reason, confirmed))
	return !h.large
}
func (h *testHost) inner() innerSession {
	if h.noInner {
		return nil
	}
	h.innerRec = &at.Recorder{}
	return h.innerRec
}
func (h *testHost) logOn() bool        { return true }
func (h *testHost) writeLog(rec *Info) { h.logs = append(h.logs, *rec) }

// rig is an established analyzer with its test host, recording events.
type rig struct {
	*Analyzer
	h      *testHost
	events []string
}

func newRigOn(h *testHost) *rig {
	r := &rig{h: h}
	r.Analyzer = newWebSocket(h)
	r.inner = h.inner()
	r.trace = func(e event) { r.events = append(r.events, e.String()) }
	return r
}

func boolStr(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

// String renders an event as Zeek's WebSocket tests print it (without
// the uid).
func (e event) String() string {
	switch e.name {
	case "websocket_frame":
		return fmt.Sprintf("websocket_frame, %s, fin, %s, rsv, %d, opcode, %s, payload_len, %d",
			boolStr(e.isOrig), boolStr(e.fin), e.rsv, opcodeName(e.opcode), e.payloadLen)
	case "websocket_frame_data":
		return fmt.Sprintf("websocket_frame_data, %s, len, %d, data, %s", boolStr(e.isOrig), len(e.data), zeekString(e.data[:min(len(e.data), 120)]))
	case "websocket_close":
		return fmt.Sprintf("websocket_close, %s, status, %d, reason, %s", boolStr(e.isOrig), e.status, zeekString(e.data))
	case "websocket_message":
		return fmt.Sprintf("websocket_message, %s, opcode, %s", boolStr(e.isOrig), opcodeName(e.opcode))
	}
	return e.name
}

// zeekString renders bytes as Zeek's print does: printable ASCII as it
// is, anything else as \xNN.
func zeekString(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, "\\x%02x", c)
		}
	}
	return s.String()
}

// summary renders everything the rig saw, one line per item.
func (r *rig) summary() []string {
	out := append([]string(nil), r.events...)
	for _, w := range r.h.weirds {
		out = append(out, "weird "+w)
	}
	for _, v := range r.h.violations {
		out = append(out, "violation "+v)
	}
	if r.h.confirms > 0 {
		out = append(out, fmt.Sprintf("confirmed %d", r.h.confirms))
	}
	if in := r.h.innerRec; in != nil {
		out = append(out, fmt.Sprintf("inner orig=%s resp=%s gaps=%d ends=%d done=%v", brief(in.Data[1]), brief(in.Data[0]), in.Gaps, in.Ends, in.IsDone))
	}
	return out
}

// brief quotes data, or for long data its length and digest.
func brief(b []byte) string {
	if len(b) <= 200 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes sha256 %x", len(b), sha256.Sum256(b))
}
