package http

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
	tunnels    int
	key        *int
}

func newTestHost() *testHost { return newTestHostWith(true) }

// newTestHostWith makes a test host, with the hash analyzers on every
// file or not.
func newTestHostWith(hashAll bool) *testHost {
	h := &testHost{t0: zeek.Time(1_700_000_000 * zeek.Second), key: new(int)}
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
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP},
	}
}
func (h *testHost) partial() bool           { return h.isPartial }
func (h *testHost) weird(name, addl string) { h.addWeird(name + "|" + addl + "|HTTP") }
func (h *testHost) scriptWeird(name, addl, source string) {
	h.addWeird(name + "|" + addl + "|" + source)
}
func (h *testHost) limitReached() { h.addWeird("history X") }

// addWeird records a weird; repeats in a row are recorded once (as the
// weird framework's sampling would thin them out).
func (h *testHost) addWeird(w string) {
	if n := len(h.weirds); n > 0 && (h.weirds[n-1] == w || n > 1 && h.weirds[n-2] == w) {
		return
	}
	h.weirds = append(h.weirds, w)
}
func (h *testHost) confirm() { h.confirms++ }
func (h *testHost) violation(reason string, data []byte) {
	h.violations = append(h.violations, fmt.Sprintf("%s %q", reason, data))
}
func (h *testHost) files() *files.Manager { return h.fm }
func (h *testHost) inner() innerSession {
	h.innerData = &innerRecorder{}
	return h.innerData
}
func (h *testHost) registerTunnel()    { h.tunnels++ }
func (h *testHost) logOn() bool        { return true }
func (h *testHost) writeLog(rec *Info) { h.logs = append(h.logs, *rec) }
func (h *testHost) conn() any          { return h.key }

// testSniffer is shared by the tests' file managers (its automaton warms
// up once).
var testSniffer = files.NewSniffer()

// innerRecorder stands for the protocol detection of a tunnel.
type innerRecorder struct {
	data [2][]byte
	gaps int
	ends int
	done bool
}

func (r *innerRecorder) DeliverStream(data []byte, orig bool) {
	r.data[dir(orig)] = append(r.data[dir(orig)], data...)
}
func (r *innerRecorder) Undelivered(_ uint64, n int, _ bool) { r.gaps += n }
func (r *innerRecorder) EndOfData(bool)                      { r.ends++ }
func (r *innerRecorder) Done()                               { r.done = true }

// rig is an analyzer with its test host, a StreamSink for analyzertest.
type rig struct {
	*Analyzer
	h *testHost
}

func newRig() *rig {
	h := newTestHost()
	return &rig{Analyzer: newHTTP(h), h: h}
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
		out = append(out, "http "+infoString(&l))
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
	if r.h.tunnels > 0 {
		out = append(out, fmt.Sprintf("tunnels %d", r.h.tunnels))
	}
	if in := r.h.innerData; in != nil {
		out = append(out, fmt.Sprintf("inner orig=%q resp=%q gaps=%d ends=%d done=%v", in.data[1], in.data[0], in.gaps, in.ends, in.done))
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
		fmt.Sprint(i.TransDepth), opt(i.Method), opt(i.Host), opt(i.URI), opt(i.Referrer), opt(i.Version),
		opt(i.UserAgent), opt(i.Origin), fmt.Sprint(i.RequestBodyLen), fmt.Sprint(i.ResponseBodyLen),
		opt(i.StatusCode), opt(i.StatusMsg), opt(i.InfoCode), opt(i.InfoMsg), opt(i.Username), opt(i.Password),
		opt(i.Proxied), fmt.Sprint(len(i.OrigFUIDs.V)), opt(i.OrigFilenames), opt(i.OrigMIMETypes),
		fmt.Sprint(len(i.RespFUIDs.V)), opt(i.RespFilenames), opt(i.RespMIMETypes),
	}, " ")
}

func fileString(f *files.Info) string {
	return strings.Join([]string{
		opt(f.Source), fmt.Sprint(f.Depth), strings.Join(f.Analyzers, ","), opt(f.MIMEType), opt(f.Filename),
		opt(f.IsOrig), fmt.Sprint(f.SeenBytes), opt(f.TotalBytes), fmt.Sprint(f.MissingBytes),
		fmt.Sprint(f.OverflowBytes), fmt.Sprint(f.TimedOut), opt(f.MD5),
	}, " ")
}
