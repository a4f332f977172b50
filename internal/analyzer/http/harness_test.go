package http

import (
	"fmt"
	"net/netip"
	"strings"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: the shared fake (it
// records what the analyzer reports and runs a real files framework) with
// HTTP's weird sampling, tunnels and http.log.
type testHost struct {
	*at.ConnHost
	logs    []Info
	tunnels int
	key     *int
}

func newTestHost() *testHost { return newTestHostWith(true) }

// newTestHostWith makes a test host, with the hash analyzers on every
// file or not.
func newTestHostWith(hashAll bool) *testHost {
	id := zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP},
	}
	return &testHost{ConnHost: at.NewConnHost(id, "HTTP", hashAll), key: new(int)}
}

func (h *testHost) Weird(name, addl string) { h.addWeird(name + "|" + addl + "|HTTP") }
func (h *testHost) ScriptWeird(name, addl, source string) {
	h.addWeird(name + "|" + addl + "|" + source)
}
func (h *testHost) LimitReached() { h.addWeird("history X") }

// addWeird records a weird; repeats in a row are recorded once (as the
// weird framework's sampling would thin them out).
func (h *testHost) addWeird(w string) {
	if n := len(h.Weirds); n > 0 && (h.Weirds[n-1] == w || n > 1 && h.Weirds[n-2] == w) {
		return
	}
	h.Weirds = append(h.Weirds, w)
}
func (h *testHost) registerTunnel()    { h.tunnels++ }
func (h *testHost) logOn() bool        { return true }
func (h *testHost) writeLog(rec *Info) { h.logs = append(h.logs, *rec) }
func (h *testHost) conn() any          { return h.key }

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
	r.h.FM.Terminate()
}

// summary renders everything the rig saw, one line per item.
func (r *rig) summary() []string {
	var out []string
	for _, l := range r.h.logs {
		out = append(out, "http "+infoString(&l))
	}
	for _, f := range r.h.FileLogs {
		out = append(out, "file "+fileString(&f))
	}
	for _, w := range r.h.Weirds {
		out = append(out, "weird "+w)
	}
	for _, v := range r.h.Violations {
		out = append(out, "violation "+v)
	}
	if r.h.Confirms > 0 {
		out = append(out, "confirmed")
	}
	if r.h.tunnels > 0 {
		out = append(out, fmt.Sprintf("tunnels %d", r.h.tunnels))
	}
	if in := r.h.InnerData; in != nil {
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
