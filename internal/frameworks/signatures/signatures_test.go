package signatures

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

type sent struct {
	now zeek.Time
	n   notice.Info
}

type recorder struct {
	recs    []Info
	notices []sent
}

func (r *recorder) log(i *Info) { r.recs = append(r.recs, *i) }

func (r *recorder) Notice(now zeek.Time, n notice.Info) { r.notices = append(r.notices, sent{now, n}) }

func (r *recorder) notes(t notice.Type) []sent {
	var out []sent
	for _, s := range r.notices {
		if s.n.Note == t {
			out = append(out, s)
		}
	}
	return out
}

func (r *recorder) records(t notice.Type) []Info {
	var out []Info
	for _, i := range r.recs {
		if i.Note == t {
			out = append(out, i)
		}
	}
	return out
}

func newRec(cfg Config) (*Framework, *recorder) {
	r := &recorder{}
	return New(cfg, r.log, r), r
}

const sec = zeek.Time(zeek.Second)

func host(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }

var (
	orig1 = host(1)
	resp1 = host(2)
	orig2 = host(3)
)

func match(at zeek.Time, o, r netip.Addr, sig string) Match {
	return Match{
		TS: at, UID: "C" + sig, SigID: sig, Msg: "evil " + sig, IsOrig: true, Data: []byte("GET /evil"),
		ID: zeek.ConnID{OrigH: o, OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
			RespH: r, RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP}},
	}
}

func withAction(sig string, a Action) Config {
	cfg := DefaultConfig()
	cfg.Actions[sig] = a
	return cfg
}

func TestActions(t *testing.T) {
	cases := []struct {
		action    Action
		records   int // Sensitive_Signature records
		sensitive int // Sensitive_Signature notices
		pending   int // scheduled summaries
		scans     bool
	}{
		{SigIgnore, 0, 0, 0, false},
		{SigQuiet, 0, 0, 0, true},
		{SigLog, 3, 0, 0, true},
		{SigFileButNoScan, 3, 0, 0, false},
		{SigAlarm, 3, 3, 0, true},
		{SigAlarmPerOrig, 3, 2, 0, true},
		{SigAlarmOnce, 3, 1, 0, true},
		{SigCountPerResp, 0, 0, 0, true},
		{SigSummary, 3, 0, 2, false},
	}
	for _, c := range cases {
		t.Run(c.action.String(), func(t *testing.T) {
			f, r := newRec(withAction("s1", c.action))
			f.Match(match(1*sec, orig1, resp1, "s1"))
			f.Match(match(2*sec, orig1, resp1, "s1"))
			f.Match(match(3*sec, orig2, resp1, "s1"))
			if got := len(r.records(SensitiveSignature)); got != c.records {
				t.Errorf("%d records, want %d", got, c.records)
			}
			if got := len(r.notes(SensitiveSignature)); got != c.sensitive {
				t.Errorf("%d notices, want %d", got, c.sensitive)
			}
			if got := f.Pending(); got != c.pending {
				t.Errorf("%d summaries pending, want %d", got, c.pending)
			}
			if got := f.horiz.len() > 0; got != c.scans {
				t.Errorf("scan state %v, want %v", got, c.scans)
			}
			if len(r.notices) != len(r.notes(SensitiveSignature)) {
				t.Errorf("unexpected notices %+v", r.notices)
			}
		})
	}
}

func TestSensitiveRecordAndNotice(t *testing.T) {
	long := []byte(strings.Repeat("A", 139) + "\x00\xffBCD")
	cases := []struct {
		name    string
		isOrig  bool
		data    []byte
		wantSub string
	}{
		{"from the originator", true, []byte("GET /evil"), "GET /evil"},
		{"from the responder", false, []byte("HTTP/1.1 200"), "HTTP/1.1 200"},
		{"140 bytes kept whole", true, []byte(strings.Repeat("x", 140)), strings.Repeat("x", 140)},
		{"longer data cut at 140", true, long, strings.Repeat("A", 139) + "\x00..."},
		{"empty data", true, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, r := newRec(DefaultConfig()) // SIG_ALARM
			m := match(7*sec, orig1, resp1, "http-evil")
			m.IsOrig, m.Data, m.Msg = c.isOrig, c.data, "Evil HTTP"
			m.ID.OrigP.Num = 51234
			src, sp, dst, dp := orig1, uint16(51234), resp1, uint16(80)
			if !c.isOrig {
				src, sp, dst, dp = resp1, 80, orig1, 51234
			}
			f.Match(m)
			if len(r.recs) != 1 || len(r.notices) != 1 {
				t.Fatalf("%d records, %d notices", len(r.recs), len(r.notices))
			}
			rec := r.recs[0]
			want := Info{
				TS: 7 * sec, UID: zeek.Some("Chttp-evil"), Note: SensitiveSignature,
				SrcAddr: zeek.Some(src), SrcPort: zeek.Some(zeek.Port{Num: sp, Proto: zeek.ProtoTCP}),
				DstAddr: zeek.Some(dst), DstPort: zeek.Some(zeek.Port{Num: dp, Proto: zeek.ProtoTCP}),
				SigID: zeek.Some("http-evil"), EventMsg: zeek.Some(src.String() + ": Evil HTTP"), SubMsg: zeek.Some(c.wantSub),
			}
			if rec != want {
				t.Errorf("record\n got %+v\nwant %+v", rec, want)
			}
			n := r.notices[0]
			if n.now != 7*sec || n.n.Note != SensitiveSignature || n.n.Conn != zeek.Some(notice.Conn{UID: m.UID, ID: m.ID}) ||
				n.n.Src != zeek.Some(src) || n.n.Dst != zeek.Some(dst) || n.n.Msg != want.EventMsg || n.n.Sub != zeek.Some(c.wantSub) ||
				n.n.N.Set || n.n.Identifier.Set {
				t.Errorf("notice %+v", n)
			}
		})
	}
}

func TestIgnoredIDs(t *testing.T) {
	f, r := newRec(DefaultConfig())
	f.Match(match(1*sec, orig1, resp1, "x-NO_DEFAULT_MATCHES-y"))
	f.Match(match(1*sec, orig1, resp1, "unspecified"))
	if len(r.recs) != 0 || len(r.notices) != 0 || f.Stats().Ignored != 2 {
		t.Fatalf("ignored signatures acted on: %+v %+v", r.recs, r.notices)
	}
	cfg := DefaultConfig()
	cfg.IgnoredIDs = nil
	f, r = newRec(cfg)
	f.Match(match(1*sec, orig1, resp1, "x-NO_DEFAULT_MATCHES-y"))
	if len(r.recs) != 1 {
		t.Fatal("nil IgnoredIDs ignored a match")
	}
}

func TestCountPerResp(t *testing.T) {
	f, r := newRec(withAction("cnt", SigCountPerResp))
	for i := range 12 {
		f.Match(match(zeek.Time(i)*sec, host(100+i), resp1, "cnt")) // different originators
	}
	f.Match(match(20*sec, orig1, orig2, "cnt")) // another responder
	got := r.notes(CountSignature)
	if len(got) != 2 {
		t.Fatalf("%d Count_Signature notices, want 2 (at 5 and 10)", len(got))
	}
	for i, want := range []uint64{5, 10} {
		n := got[i].n
		m := match(zeek.Time(want-1)*sec, host(100+int(want)-1), resp1, "cnt")
		if n.N != zeek.Some(want) || n.Msg.V != "evil cnt" ||
			n.Sub.V != fmt.Sprintf("%d matches of signature cnt on host 10.0.0.2", want) ||
			n.Conn.V.ID != m.ID || n.Src.Set || got[i].now != m.TS {
			t.Errorf("notice %d: %+v", i, got[i])
		}
	}
	if len(r.recs) != 0 {
		t.Errorf("SIG_COUNT_PER_RESP logged %d records", len(r.recs))
	}
}

func TestHorizontalScan(t *testing.T) {
	f, r := newRec(withAction("h", SigLog))
	for i := range 4 {
		f.Match(match(zeek.Time(i)*sec, orig1, host(50+i), "h"))
		f.Match(match(zeek.Time(i)*sec, orig1, host(50+i), "h")) // repeats do not count
	}
	if len(r.records(MultipleSigResponders)) != 0 {
		t.Fatal("early notice")
	}
	f.Match(match(10*sec, orig1, host(60), "h"))
	recs, notes := r.records(MultipleSigResponders), r.notes(MultipleSigResponders)
	if len(recs) != 1 || len(notes) != 1 {
		t.Fatalf("%d records, %d notices", len(recs), len(notes))
	}
	sub := "10.0.0.1 has triggered signature h on 5 hosts"
	want := Info{TS: 10 * sec, Note: MultipleSigResponders, SrcAddr: zeek.Some(orig1), SigID: zeek.Some("h"),
		EventMsg: zeek.Some("evil h"), HostCount: zeek.Some(uint64(5)), SubMsg: zeek.Some(sub)}
	if recs[0] != want {
		t.Errorf("record\n got %+v\nwant %+v", recs[0], want)
	}
	n := notes[0].n
	if n.Src != zeek.Some(orig1) || n.Msg.V != "evil h" || n.N.V != 5 || n.Sub.V != sub || n.Conn.Set || n.Dst.Set {
		t.Errorf("notice %+v", n)
	}
	// The last threshold is remembered per originator: another signature
	// on five hosts does not report 5 again.
	for i := range 5 {
		f.Match(match(20*sec, orig1, host(70+i), "h2"))
	}
	if len(r.notes(MultipleSigResponders)) != 1 {
		t.Fatal("threshold 5 reported twice for one originator")
	}
	// A second originator has its own.
	for i := range 5 {
		f.Match(match(30*sec, orig2, host(70+i), "h2"))
	}
	if len(r.notes(MultipleSigResponders)) != 2 {
		t.Fatal("second originator not reported")
	}
}

func TestVerticalScan(t *testing.T) {
	f, r := newRec(withAction("", SigLog))
	f.cfg.DefaultAction = SigQuiet // quiet signatures still count
	for i := range 5 {
		f.Match(match(zeek.Time(i)*sec, orig1, resp1, fmt.Sprintf("v%d", i)))
		f.Match(match(zeek.Time(i)*sec, orig1, resp1, fmt.Sprintf("v%d", i)))
	}
	recs, notes := r.records(MultipleSignatures), r.notes(MultipleSignatures)
	if len(recs) != 1 || len(notes) != 1 {
		t.Fatalf("%d records, %d notices", len(recs), len(notes))
	}
	sub := "10.0.0.1 has triggered 5 different signatures on host 10.0.0.2"
	want := Info{TS: 4 * sec, Note: MultipleSignatures, SrcAddr: zeek.Some(orig1), DstAddr: zeek.Some(resp1),
		SigID: zeek.Some("v4"), SigCount: zeek.Some(uint64(5)), EventMsg: zeek.Some("5 different signatures triggered"),
		SubMsg: zeek.Some(sub)}
	if recs[0] != want {
		t.Errorf("record\n got %+v\nwant %+v", recs[0], want)
	}
	n := notes[0].n
	if n.Src != zeek.Some(orig1) || n.Dst != zeek.Some(resp1) || n.Msg.V != "5 different signatures triggered" ||
		n.N.V != 5 || n.Sub.V != sub || n.Conn.Set {
		t.Errorf("notice %+v", n)
	}
	if len(r.records(SensitiveSignature)) != 0 {
		t.Error("quiet signatures logged")
	}
}

func TestNoScanActions(t *testing.T) {
	for _, a := range []Action{SigFileButNoScan, SigSummary} {
		f, r := newRec(withAction("", a))
		f.cfg.DefaultAction = a
		for i := range 20 {
			f.Match(match(1*sec, orig1, host(100+i), fmt.Sprintf("s%d", i%6)))
		}
		if len(r.records(MultipleSigResponders))+len(r.records(MultipleSignatures)) != 0 {
			t.Errorf("%v fed the scan detection", a)
		}
	}
}

func TestThresholdsLadder(t *testing.T) {
	f, r := newRec(withAction("h", SigQuiet))
	for i := range 2000 {
		f.Match(match(zeek.Time(i)*sec/100, orig1, host(1000+i), "h"))
	}
	var counts []uint64
	for _, rec := range r.records(MultipleSigResponders) {
		counts = append(counts, rec.HostCount.V)
	}
	if fmt.Sprint(counts) != "[5 10 50 100 500 1000]" {
		t.Errorf("reported at %v", counts)
	}
	// The scan set stops growing past the largest threshold.
	for _, s := range f.horiz.m {
		if len(s.v) > 1001 {
			t.Errorf("scan set of %d elements", len(s.v))
		}
	}
}

func TestStateExpiry(t *testing.T) {
	h := zeek.Time(zeek.Hour)
	// SIG_ALARM_ONCE alarms again once did_sig_log forgot the signature.
	f, r := newRec(withAction("once", SigAlarmOnce))
	f.Match(match(0, orig1, resp1, "once"))
	f.Match(match(h, orig1, resp1, "once"))         // renews the entry
	f.Match(match(2*h, orig1, resp1, "once"))       // exactly an hour later: still there
	f.Match(match(3*h+sec, orig1, resp1, "once"))   // more than an hour: gone
	f.Match(match(3*h+2*sec, orig1, resp1, "once")) // and back
	if got := len(r.notes(SensitiveSignature)); got != 2 {
		t.Errorf("%d alarms, want 2", got)
	}
	// Counts restart after an hour without matches.
	f, r = newRec(withAction("cnt", SigCountPerResp))
	for i := range 4 {
		f.Match(match(zeek.Time(i)*sec, orig1, resp1, "cnt"))
	}
	f.Match(match(2*h, orig1, resp1, "cnt"))
	if len(r.notes(CountSignature)) != 0 {
		t.Error("count survived its expiry")
	}
	// Scan sets too.
	f, r = newRec(withAction("h", SigQuiet))
	for i := range 4 {
		f.Match(match(zeek.Time(i)*sec, orig1, host(10+i), "h"))
	}
	f.Match(match(2*h, orig1, host(20), "h"))
	if len(r.notes(MultipleSigResponders)) != 0 {
		t.Error("scan set survived its expiry")
	}
}

func TestSummary(t *testing.T) {
	day, h := zeek.Time(zeek.Day), zeek.Time(zeek.Hour)
	f, r := newRec(withAction("sum", SigSummary))
	// Matches every 30 minutes keep the count alive until the summary.
	var at zeek.Time
	for at = 0; at <= day; at += h / 2 {
		f.Match(match(at, orig1, resp1, "sum"))
	}
	notes := r.notes(SignatureSummary)
	if len(notes) != 1 {
		t.Fatalf("%d summaries", len(notes))
	}
	n := notes[0]
	if n.now != day || n.n.Src != zeek.Some(orig1) || n.n.Msg.V != "10.0.0.1: evil sum" || n.n.N.V != 48 || n.n.Conn.Set {
		t.Errorf("summary %+v (count then: 48 matches before the one at %v)", n, day)
	}

	// A quiet originator's count has expired when the summary fires: n=0,
	// and its next match schedules another summary.
	f, r = newRec(withAction("sum", SigSummary))
	f.Match(match(0, orig2, resp1, "sum"))
	f.Match(match(sec, orig2, resp1, "sum"))
	f.Advance(day + 5*sec)
	notes = r.notes(SignatureSummary)
	if len(notes) != 1 || notes[0].now != day+5*sec || notes[0].n.N != zeek.Some(uint64(0)) {
		t.Fatalf("summaries %+v", notes)
	}
	f.Match(match(day+6*sec, orig2, resp1, "sum"))
	if f.Pending() != 1 {
		t.Fatalf("%d pending", f.Pending())
	}
	// Done fires the rest at the network time reached.
	f.Match(match(day+7*sec, orig2, resp1, "sum"))
	f.Done()
	notes = r.notes(SignatureSummary)
	if len(notes) != 2 || notes[1].now != day+7*sec || notes[1].n.N.V != 2 || f.Pending() != 0 {
		t.Fatalf("summaries %+v", notes)
	}
}

func TestBounds(t *testing.T) {
	cfg := withAction("cnt", SigCountPerResp)
	cfg.MaxEntries = 10
	f, _ := newRec(cfg)
	for i := range 1000 {
		f.Match(match(sec, host(i), host(5000+i), "cnt"))
	}
	for name, n := range map[string]int{"countResp": f.countResp.len(), "horiz": f.horiz.len(), "vert": f.vert.len()} {
		if n > 10 {
			t.Errorf("%s holds %d entries", name, n)
		}
	}
	if f.Stats().Dropped == 0 {
		t.Error("nothing dropped")
	}
	// Expired entries make room again.
	f.Match(match(sec+zeek.Time(2*zeek.Hour), host(1), host(2), "cnt"))
	if f.countResp.len() != 1 {
		t.Errorf("%d entries after expiry", f.countResp.len())
	}

	cfg = withAction("sum", SigSummary)
	cfg.MaxPendingSummaries = 3
	f, _ = newRec(cfg)
	for i := range 10 {
		f.Match(match(sec, host(i), resp1, "sum"))
	}
	if f.Pending() != 3 {
		t.Errorf("%d summaries pending", f.Pending())
	}
}

func TestParseAction(t *testing.T) {
	for a := SigIgnore; a <= SigSummary; a++ {
		for _, name := range []string{a.String(), strings.TrimPrefix(a.String(), "Signatures::")} {
			if got, ok := ParseAction(name); !ok || got != a {
				t.Errorf("ParseAction(%q) = %v %v", name, got, ok)
			}
		}
	}
	if _, ok := ParseAction("SIG_NOPE"); ok {
		t.Error("bad name accepted")
	}
	if Action(200).String() != "Signatures::SIG_UNKNOWN(200)" {
		t.Error(Action(200).String())
	}
}

func TestMatchEndpoints(t *testing.T) {
	m := match(0, orig1, resp1, "x")
	if a, p := m.Src(); a != orig1 || p.Num != 40000 {
		t.Error("Src of an originator's match")
	}
	m.IsOrig = false
	if a, p := m.Src(); a != resp1 || p.Num != 80 {
		t.Error("Src of a responder's match")
	}
	if a, p := m.Dst(); a != orig1 || p.Num != 40000 {
		t.Error("Dst of a responder's match")
	}
}

func TestConcurrentMatches(t *testing.T) {
	f, r := newRec(withAction("", SigQuiet))
	f.cfg.DefaultAction = SigQuiet
	var mu sync.Mutex
	f.notices = noticeFunc(func(now zeek.Time, n notice.Info) {
		mu.Lock()
		r.notices = append(r.notices, sent{now, n})
		mu.Unlock()
	})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				f.Match(match(zeek.Time(i)*sec, orig1, host(100+g*50+i), "h"))
				f.Advance(zeek.Time(i) * sec)
			}
		})
	}
	wg.Wait()
	// 200 responders: thresholds 5, 10, 50 and 100 reported once each.
	if got := len(r.notes(MultipleSigResponders)); got != 4 {
		t.Fatalf("%d notices", got)
	}
}

type noticeFunc func(now zeek.Time, n notice.Info)

func (f noticeFunc) Notice(now zeek.Time, n notice.Info) { f(now, n) }

// TestNoticeIdentifier checks Heron::signature_notice_identifier: no
// identifier by default (Zeek's), else the chosen parts of the match.
func TestNoticeIdentifier(t *testing.T) {
	for _, c := range []struct {
		setting, want string
	}{
		{"", ""},
		{"sig_id", "http-evil"},
		{"sig_id,src", "http-evil,10.0.0.1"},
		{"sig_id,src,dst", "http-evil,10.0.0.1,10.0.0.2"},
	} {
		t.Run(c.setting, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.NoticeIdentifier = c.setting
			f, r := newRec(cfg)
			f.Match(match(7*sec, orig1, resp1, "http-evil"))
			if len(r.notices) != 1 {
				t.Fatalf("%d notices", len(r.notices))
			}
			id := r.notices[0].n.Identifier
			if id.Set != (c.want != "") || id.V != c.want {
				t.Errorf("identifier %+v, want %q", id, c.want)
			}
		})
	}
}
