package ftp

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: it records what the
// analyzer reports, runs a real files framework, and shares its FTP
// thread state with other hosts of the same test (control and data
// connections).
type testHost struct {
	t0         zeek.Time
	id         zeek.ConnID
	uidStr     string
	weirds     []string
	confirms   int
	violations []string
	logs       []Info
	services   []string
	scheduled  []string
	children   map[string]*recorder
	state      *threadState
	fm         *files.Manager
	fileLogs   *[]files.Info
	closed     bool
}

func newTestHost() *testHost {
	h := &testHost{
		t0:     zeek.Time(1_700_000_000 * zeek.Second),
		uidStr: "CTEST",
		id: zeek.ConnID{
			OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
			RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 21, Proto: zeek.ProtoTCP},
		},
		state:    newThreadState(),
		children: map[string]*recorder{},
		fileLogs: new([]files.Info),
	}
	cfg := files.DefaultConfig()
	cfg.Key = files.NewKey(42)
	logs := h.fileLogs
	cfg.Log = func(r *files.Info) { *logs = append(*logs, *r) }
	h.fm = files.NewManager(cfg)
	h.fm.Advance(h.t0)
	return h
}

// dataHost returns a host for a data connection that shares h's FTP
// state and files framework.
func (h *testHost) dataHost(orig zeek.Addr, origPort uint16, resp zeek.Addr, respPort uint16) *testHost {
	d := &testHost{
		t0: h.t0, uidStr: "CDATA", state: h.state, fm: h.fm, fileLogs: h.fileLogs,
		children: map[string]*recorder{},
		id: zeek.ConnID{
			OrigH: orig, OrigP: zeek.Port{Num: origPort, Proto: zeek.ProtoTCP},
			RespH: resp, RespP: zeek.Port{Num: respPort, Proto: zeek.ProtoTCP},
		},
	}
	return d
}

func (h *testHost) Now() zeek.Time        { return h.t0 }
func (h *testHost) UID() string           { return h.uidStr }
func (h *testHost) ConnID() zeek.ConnID   { return h.id }
func (h *testHost) StartTime() zeek.Time  { return h.t0 }
func (h *testHost) Confirm()              { h.confirms++ }
func (h *testHost) thread() *threadState  { return h.state }
func (h *testHost) Files() *files.Manager { return h.fm }
func (h *testHost) addService(n string)   { h.services = append(h.services, n) }
func (h *testHost) origClosed() bool      { return h.closed }
func (h *testHost) logOn() bool           { return true }
func (h *testHost) writeLog(rec *Info)    { h.logs = append(h.logs, *rec) }

func (h *testHost) weird(name, addl, source string, limit bool) {
	w := name + "|" + addl + "|" + source
	if limit {
		w += "|X"
	}
	h.weirds = append(h.weirds, w)
}

func (h *testHost) Violation(reason string, data []byte) {
	h.violations = append(h.violations, reason+"|"+string(data))
}

func (h *testHost) child(name string) stream {
	r := &recorder{}
	h.children[name] = r
	return r
}

func (h *testHost) schedule(orig, resp zeek.Addr, port uint16, timeout zeek.Interval) {
	h.scheduled = append(h.scheduled, fmt.Sprintf("%s->%s:%d/%v", orig, resp, port, timeout))
}

// recorder is a child session that records what it gets.
type recorder struct {
	data [2]strings.Builder
	gaps int
	ends int
	done bool
}

func (r *recorder) DeliverStream(data []byte, orig bool) { r.data[dir(orig)].Write(data) }
func (r *recorder) Undelivered(uint64, int, bool)        { r.gaps++ }
func (r *recorder) EndOfData(bool)                       { r.ends++ }
func (r *recorder) Done()                                { r.done = true }

// result summarises a run for comparisons.
type result struct {
	Logs       []string
	Weirds     []string
	Violations []string
	Confirms   int
	Services   []string
	Scheduled  []string
	Children   map[string][2]string
	Files      []string
}

func (h *testHost) result() result {
	r := result{Weirds: h.weirds, Violations: h.violations, Confirms: h.confirms, Services: h.services, Scheduled: h.scheduled}
	for _, l := range h.logs {
		r.Logs = append(r.Logs, formatLog(&l))
	}
	for name, c := range h.children {
		if r.Children == nil {
			r.Children = map[string][2]string{}
		}
		r.Children[name] = [2]string{c.data[1].String(), c.data[0].String()}
	}
	for _, f := range *h.fileLogs {
		r.Files = append(r.Files, fmt.Sprintf("%s orig=%v seen=%d missing=%d mime=%s", f.Source.V, f.IsOrig.V, f.SeenBytes, f.MissingBytes, f.MIMEType.V))
	}
	return r
}

// formatLog renders the fields of an ftp.log record that tests check.
func formatLog(l *Info) string {
	opt := func(o zeek.Opt[string]) string {
		if !o.Set {
			return "-"
		}
		return o.V
	}
	optN := func(o zeek.Opt[uint64]) string {
		if !o.Set {
			return "-"
		}
		return fmt.Sprint(o.V)
	}
	dc := "-"
	if l.DataChannel.Set {
		d := l.DataChannel.V
		dc = fmt.Sprintf("%v,%s,%s,%d", d.Passive, d.OrigH, d.RespH, d.RespP.Num)
	}
	fuid := "-"
	if l.FUID.Set {
		fuid = "F"
	}
	return strings.Join([]string{l.User, opt(l.Password), opt(l.Command), opt(l.Arg), opt(l.MIMEType), optN(l.FileSize),
		optN(l.ReplyCode), opt(l.ReplyMsg), dc, fuid}, " ")
}
