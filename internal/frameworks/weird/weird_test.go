package weird

import (
	"net/netip"
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/zeek"
)

type recorder struct{ recs []Info }

func (r *recorder) write(w *Info) { r.recs = append(r.recs, *w) }

func newRec(cfg Config) (*Reporter, *recorder) {
	r := &recorder{}
	return New(cfg, r.write, nil), r
}

var (
	h1 = netip.MustParseAddr("10.0.0.1")
	h2 = netip.MustParseAddr("10.0.0.2")
	h3 = netip.MustParseAddr("10.0.0.3")
)

func id(o, r netip.Addr, op uint16) conn.ConnID {
	return conn.ConnID{OrigH: o, OrigP: zeek.Port{Num: op, Proto: zeek.ProtoTCP}, RespH: r, RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP}}
}

const sec = zeek.Time(zeek.Second)

func TestConnWeirdRepeatsAndActions(t *testing.T) {
	r, out := newRec(DefaultConfig())
	// ACTION_LOG: once per connection and name within 10 minutes.
	r.Conn(1*sec, "C1", id(h1, h2, 1000), "data_before_established", "", "TCP")
	r.Conn(2*sec, "C1", id(h1, h2, 1000), "data_before_established", "", "TCP")
	r.Conn(3*sec, "C2", id(h1, h2, 1001), "data_before_established", "", "TCP")
	r.Conn(700*sec, "C1", id(h1, h2, 1000), "data_before_established", "", "TCP") // after the 10 min expiry
	if len(out.recs) != 3 {
		t.Fatalf("%d records, want 3: %+v", len(out.recs), out.recs)
	}
	w := out.recs[0]
	if w.UID.V != "C1" || w.Source.V != "TCP" || w.Peer != "zeek" || w.Notice || w.Addl.Set {
		t.Errorf("record %+v", w)
	}

	// ACTION_LOG_PER_ORIG: once per originator, across connections.
	out.recs = nil
	r.Conn(1000*sec, "C3", id(h1, h2, 2000), "SYN_with_data", "", "TCP")
	r.Conn(1001*sec, "C4", id(h1, h3, 2001), "SYN_with_data", "", "TCP")
	r.Conn(1002*sec, "C5", id(h2, h3, 2002), "SYN_with_data", "", "TCP")
	if len(out.recs) != 2 {
		t.Fatalf("per-orig: %d records, want 2", len(out.recs))
	}

	// ACTION_IGNORE.
	out.recs = nil
	r.Conn(1100*sec, "C6", id(h1, h2, 3000), "spontaneous_FIN", "", "TCP")
	if len(out.recs) != 0 {
		t.Fatalf("ignored weird logged: %+v", out.recs)
	}

	// ACTION_NOTICE_PER_ORIG sets notice.
	var notices int
	r.notice = func(*Info) { notices++ }
	r.Conn(1200*sec, "C7", id(h1, h2, 4000), "SYN_after_partial", "", "TCP")
	if len(out.recs) != 1 || !out.recs[0].Notice || notices != 1 {
		t.Fatalf("notice weird: %+v, %d notices", out.recs, notices)
	}

	// Checksum weirds are never deduplicated by weird_ignore, but they are
	// LOG_PER_ORIG.
	out.recs = nil
	r.Conn(1300*sec, "C8", id(h3, h2, 5000), "bad_TCP_checksum", "", "TCP")
	r.Conn(1301*sec, "C8", id(h3, h2, 5000), "bad_TCP_checksum", "", "TCP")
	if len(out.recs) != 1 {
		t.Fatalf("bad_TCP_checksum: %d records, want 1", len(out.recs))
	}
}

func TestFlowAndNetWeirds(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SamplingThreshold = 2
	cfg.SamplingRate = 3
	r, out := newRec(cfg)
	// Flow weirds: ports 0, no uid, identifier "src -> dst".
	r.Flow(1*sec, h1, h2, "routing0_hdr", "", "")
	if len(out.recs) != 1 {
		t.Fatalf("%d records", len(out.recs))
	}
	w := out.recs[0]
	if w.UID.Set || !w.ID.Set || w.ID.V.OrigP.Num != 0 || w.ID.V.RespH != h2 || w.Source.Set {
		t.Errorf("flow weird %+v", w)
	}
	// Net weirds: no id; the same one is logged once per 10 minutes.
	out.recs = nil
	for i := 0; i < 5; i++ {
		r.Net(zeek.Time(10+i)*sec, "truncated_IP", "", "IP")
	}
	if len(out.recs) != 1 || out.recs[0].ID.Set {
		t.Fatalf("net weirds: %+v", out.recs)
	}
	// Sampling: beyond the threshold only every rate-th is let through
	// (checked on distinct flows so that weird_ignore does not hide them).
	out.recs = nil
	for i := 0; i < 8; i++ {
		a := netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})
		r.Flow(100*sec, a, h2, "fragment_with_DF", "", "")
	}
	if len(out.recs) != 8 {
		t.Fatalf("distinct flows: %d records, want 8 (sampling is per flow)", len(out.recs))
	}
	if r.Counts["fragment_with_DF"] != 8 {
		t.Errorf("count %d", r.Counts["fragment_with_DF"])
	}
	// The same net weird past the threshold: counted, sampled.
	cfg.SamplingThreshold = 1
	cfg.SamplingRate = 0
	cfg.IgnoreInterval = 0
	r, out = newRec(cfg)
	for i := 0; i < 4; i++ {
		r.Net(zeek.Time(i)*sec, "truncated_IP", "", "IP")
	}
	if len(out.recs) != 1 {
		t.Fatalf("threshold 1, rate 0: %d records, want 1", len(out.recs))
	}
}

func TestGlobalLists(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SamplingWhitelist = map[string]bool{"always": true}
	cfg.SamplingGlobalList = map[string]bool{"global": true}
	cfg.SamplingThreshold = 1
	cfg.SamplingRate = 0
	r, _ := newRec(cfg)
	if r.GlobalVerdict(0, "always") != conn.WeirdAllow || r.GlobalVerdict(0, "other") != conn.WeirdUnknown {
		t.Fatal("white list")
	}
	if r.GlobalVerdict(0, "global") != conn.WeirdAllow || r.GlobalVerdict(0, "global") != conn.WeirdDeny {
		t.Fatal("global list: first allowed, second over the threshold denied")
	}
	// The global list's state resets after sampling_duration.
	if r.GlobalVerdict(zeek.Time(cfg.SamplingDuration)+1, "global") != conn.WeirdAllow {
		t.Fatal("global list did not reset after the sampling duration")
	}
}

func TestParseAction(t *testing.T) {
	for in, want := range map[string]Action{"Weird::ACTION_LOG": ActionLog, "ACTION_NOTICE_ONCE": ActionNoticeOnce} {
		if got, ok := ParseAction(in); !ok || got != want {
			t.Errorf("ParseAction(%q) = %v %v", in, got, ok)
		}
	}
	if _, ok := ParseAction("LOG"); ok {
		t.Error("ParseAction accepted a bad name")
	}
}
