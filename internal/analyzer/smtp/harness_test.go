package smtp

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: it records what the
// analyzer reports and runs a real files framework.
type testHost struct {
	t0         zeek.Time
	isPartial  bool
	weirds     []string
	confirms   int
	violations []string
	logs       []Info
	fm         *files.Manager
	fileLogs   []files.Info
	innerData  *innerRecorder
	limits     int
}

func newTestHost() *testHost { return newTestHostWith(true) }

// newTestHostWith makes a test host, with the hash analyzers on every
// file or not.
func newTestHostWith(hashAll bool) *testHost {
	h := &testHost{t0: zeek.Time(1_700_000_000 * zeek.Second)}
	cfg := files.DefaultConfig()
	cfg.Key = files.NewKey(42)
	cfg.HashAll = hashAll
	cfg.Log = func(r *files.Info) { h.fileLogs = append(h.fileLogs, *r) }
	cfg.Sniffer = testSniffer
	h.fm = files.NewManager(cfg)
	h.fm.Advance(h.t0)
	return h
}

func (h *testHost) now() zeek.Time       { return h.t0 }
func (h *testHost) uid() string          { return "CTEST" }
func (h *testHost) startTime() zeek.Time { return h.t0 }
func (h *testHost) connID() zeek.ConnID {
	return zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 25, Proto: zeek.ProtoTCP},
	}
}
func (h *testHost) partial() bool           { return h.isPartial }
func (h *testHost) weird(name, addl string) { h.weirds = append(h.weirds, name+"|"+addl+"|SMTP") }
func (h *testHost) scriptWeird(name, addl, source string) {
	h.weirds = append(h.weirds, name+"|"+addl+"|"+source)
}
func (h *testHost) limitReached() { h.limits++ }
func (h *testHost) confirm()      { h.confirms++ }
func (h *testHost) violation(reason string, data []byte) {
	h.violations = append(h.violations, fmt.Sprintf("%s %q", reason, data))
}
func (h *testHost) files() *files.Manager { return h.fm }
func (h *testHost) inner() innerSession {
	h.innerData = &innerRecorder{}
	return h.innerData
}
func (h *testHost) logOn() bool        { return true }
func (h *testHost) writeLog(rec *Info) { h.logs = append(h.logs, *rec) }

// testSniffer is shared by the tests' file managers (its automaton warms
// up once).
var testSniffer = files.NewSniffer()

// innerRecorder stands for the protocol detection after STARTTLS.
type innerRecorder struct {
	data [2][]byte
	gaps int
	done bool
}

func (r *innerRecorder) DeliverStream(data []byte, orig bool) {
	r.data[dir(orig)] = append(r.data[dir(orig)], data...)
}
func (r *innerRecorder) Undelivered(_ uint64, n int, _ bool) { r.gaps += n }
func (r *innerRecorder) EndOfData(bool)                      {}
func (r *innerRecorder) Done()                               { r.done = true }

// rig is an analyzer with its test host, a StreamSink for analyzertest.
type rig struct {
	*Analyzer
	h *testHost
}

func newRig() *rig {
	h := newTestHost()
	return &rig{Analyzer: newSMTP(h), h: h}
}

// Done ends the analyzer and the files framework.
func (r *rig) Done() {
	r.Analyzer.Done()
	r.h.fm.Terminate()
}

// summary renders everything the rig saw, one line per item.
func (r *rig) summary() []string {
	var out []string
	for _, l := range r.h.logs {
		out = append(out, "smtp "+infoString(&l))
	}
	for _, f := range r.h.fileLogs {
		out = append(out, "file "+fileString(&f))
	}
	for _, w := range r.h.weirds {
		out = append(out, "weird "+w)
	}
	for _, v := range r.h.violations {
		out = append(out, "violation "+v)
	}
	if r.h.confirms > 0 {
		out = append(out, "confirmed")
	}
	if r.h.limits > 0 {
		out = append(out, fmt.Sprintf("history X (%d)", r.h.limits))
	}
	if in := r.h.innerData; in != nil {
		out = append(out, fmt.Sprintf("inner orig=%q resp=%q gaps=%d done=%v", in.data[1], in.data[0], in.gaps, in.done))
	}
	return out
}

func opt[T any](o zeek.Opt[T]) string {
	if !o.Set {
		return "-"
	}
	return fmt.Sprint(o.V)
}

func infoString(i *Info) string {
	return strings.Join([]string{
		fmt.Sprint(i.TransDepth), opt(i.Helo), opt(i.MailFrom), opt(i.RcptTo), opt(i.Date), opt(i.From),
		opt(i.To), opt(i.CC), opt(i.ReplyTo), opt(i.MsgID), opt(i.InReplyTo), opt(i.Subject),
		opt(i.XOriginatingIP), opt(i.FirstReceived), opt(i.SecondReceived), opt(i.LastReply), opt(i.Path),
		opt(i.UserAgent), fmt.Sprint(i.TLS), fmt.Sprint(len(i.FUIDs)), fmt.Sprint(i.IsWebmail),
	}, " | ")
}

func fileString(f *files.Info) string {
	parent := "-"
	if f.ParentFUID.Set {
		parent = "parent"
	}
	return strings.Join([]string{
		opt(f.Source), fmt.Sprint(f.Depth), opt(f.MIMEType), opt(f.Filename),
		opt(f.IsOrig), fmt.Sprint(f.SeenBytes), fmt.Sprint(f.MissingBytes), parent, opt(f.MD5),
	}, " ")
}
