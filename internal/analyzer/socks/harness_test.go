package socks

import (
	"fmt"
	"net/netip"
	"strings"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: it records what the
// analyzer reports. Confirmation adds SOCKS to its services and a
// violation removes it, as the framework does.
type testHost struct {
	isPartial  bool
	weirds     []string
	confirms   int
	violations []string
	service    bool
	removed    bool
	tunnels    int
	innerRec   *at.Recorder
	logs       []Info
	clock      zeek.Time
}

func newTestHost() *testHost { return &testHost{clock: zeek.Time(1_700_000_000 * zeek.Second)} }

func (h *testHost) now() zeek.Time { return h.clock }
func (h *testHost) uid() string    { return "CTEST" }
func (h *testHost) connID() zeek.ConnID {
	return zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 1080, Proto: zeek.ProtoTCP},
	}
}
func (h *testHost) partial() bool           { return h.isPartial }
func (h *testHost) weird(name, addl string) { h.weirds = append(h.weirds, name+"|"+addl) }
func (h *testHost) confirm() {
	h.confirms++
	h.service = true
}

// violation records the violation and, as DPD does on a small
// connection, removes the analyzer (and SOCKS from the services).
func (h *testHost) violation(reason string) {
	h.violations = append(h.violations, reason)
	h.service = false
	h.removed = true
}
func (h *testHost) registerTunnel() { h.tunnels++ }
func (h *testHost) inner() innerSession {
	if h.innerRec == nil {
		h.innerRec = &at.Recorder{}
	}
	return h.innerRec
}
func (h *testHost) hasService() bool   { return h.service }
func (h *testHost) logOn() bool        { return true }
func (h *testHost) writeLog(rec *Info) { h.logs = append(h.logs, *rec) }

// rig is an analyzer with its test host, a StreamSink for analyzertest.
type rig struct {
	*Analyzer
	h *testHost
}

func newRig() *rig {
	h := newTestHost()
	return &rig{Analyzer: newSOCKS(h), h: h}
}

// DeliverStream advances the clock a second per delivery, so that tests
// that play whole chunks can tell which one set a record's time. A
// removed analyzer gets nothing more, as in the framework.
func (r *rig) DeliverStream(data []byte, orig bool) {
	r.h.clock += zeek.Time(zeek.Second)
	if !r.h.removed {
		r.Analyzer.DeliverStream(data, orig)
	}
}

// Undelivered and EndOfData reach only an analyzer still attached.
func (r *rig) Undelivered(seq uint64, n int, orig bool) {
	if !r.h.removed {
		r.Analyzer.Undelivered(seq, n, orig)
	}
}

func (r *rig) EndOfData(orig bool) {
	if !r.h.removed {
		r.Analyzer.EndOfData(orig)
	}
}

// summary renders everything the rig saw, one line per item.
func (r *rig) summary() []string {
	var out []string
	for _, l := range r.h.logs {
		out = append(out, "socks "+infoString(&l))
	}
	for _, w := range r.h.weirds {
		out = append(out, "weird "+w)
	}
	for _, v := range r.h.violations {
		out = append(out, "violation "+v)
	}
	if r.h.confirms > 0 {
		out = append(out, fmt.Sprintf("confirmed %d", r.h.confirms))
	}
	if r.h.tunnels > 0 {
		out = append(out, fmt.Sprintf("tunnels %d", r.h.tunnels))
	}
	if in := r.h.innerRec; in != nil {
		out = append(out, fmt.Sprintf("inner orig=%q resp=%q gaps=%d ends=%d done=%v", in.Data[1], in.Data[0], in.Gaps, in.Ends, in.IsDone))
	}
	return out
}

func opt[T any](o zeek.Opt[T]) string {
	if !o.Set {
		return "-"
	}
	return fmt.Sprint(o.V)
}

func addrString(o zeek.Opt[Address]) string {
	if !o.Set {
		return "-/-"
	}
	return opt(o.V.Host) + "/" + opt(o.V.Name)
}

func infoString(i *Info) string {
	return strings.Join([]string{
		i.UID,
		fmt.Sprint(i.Version), opt(i.User), opt(i.Password), opt(i.Status),
		addrString(i.Request), opt(i.RequestP), addrString(i.Bound), opt(i.BoundP),
	}, " ")
}
