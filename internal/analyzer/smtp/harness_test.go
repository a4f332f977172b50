package smtp

import (
	"fmt"
	"net/netip"
	"strings"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: the shared fake (it
// records what the analyzer reports and runs a real files framework) and
// smtp.log.
type testHost struct {
	*at.ConnHost
	logs []Info
}

func newTestHost() *testHost { return newTestHostWith(true) }

// newTestHostWith makes a test host, with the hash analyzers on every
// file or not.
func newTestHostWith(hashAll bool) *testHost {
	id := zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 25, Proto: zeek.ProtoTCP},
	}
	return &testHost{ConnHost: at.NewConnHost(id, "SMTP", hashAll)}
}

func (h *testHost) logOn() bool        { return true }
func (h *testHost) writeLog(rec *Info) { h.logs = append(h.logs, *rec) }

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
	r.h.FM.Terminate()
}

// summary renders everything the rig saw, one line per item.
func (r *rig) summary() []string {
	var out []string
	for _, l := range r.h.logs {
		out = append(out, "smtp "+infoString(&l))
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
	if r.h.Limits > 0 {
		out = append(out, fmt.Sprintf("history X (%d)", r.h.Limits))
	}
	if in := r.h.InnerData; in != nil {
		out = append(out, fmt.Sprintf("inner orig=%q resp=%q gaps=%d done=%v", in.Data[1], in.Data[0], in.Gaps, in.IsDone))
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
