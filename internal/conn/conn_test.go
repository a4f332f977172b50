package conn

import (
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

type seg struct {
	dt      zeek.Interval
	toSrv   bool
	flags   uint8
	seq     uint32
	ack     uint32
	payload string
}

const (
	S  = pktbuild.SYN
	A  = pktbuild.ACK
	F  = pktbuild.FIN
	R  = pktbuild.RST
	PA = pktbuild.PSH | pktbuild.ACK
	SA = pktbuild.SYN | pktbuild.ACK
	FA = pktbuild.FIN | pktbuild.ACK
)

// TestTCPConnections checks conn_state, history and byte counts for the
// classic TCP shapes, as Zeek's conn.log shows them.
func TestTCPConnections(t *testing.T) {
	const c, s = true, false
	cases := []struct {
		name      string
		segs      []seg
		likely80  bool
		state     string
		history   string
		origBytes uint64
		respBytes uint64
		origPkts  uint64
		respPkts  uint64
	}{
		{
			name: "full", state: "SF", history: "ShADadFf", origBytes: 5, respBytes: 7, origPkts: 6, respPkts: 4,
			segs: []seg{
				{0, c, S, 100, 0, ""}, {ms, s, SA, 500, 101, ""}, {ms, c, A, 101, 501, ""},
				{ms, c, PA, 101, 501, "hello"}, {ms, s, A, 501, 106, ""}, {ms, s, PA, 501, 106, "goodbye"},
				{ms, c, A, 106, 508, ""}, {ms, c, FA, 106, 508, ""}, {ms, s, FA, 508, 107, ""}, {ms, c, A, 107, 509, ""},
			},
		},
		{
			name: "attempt", state: "S0", history: "S", origPkts: 1,
			segs: []seg{{0, c, S, 100, 0, ""}},
		},
		{
			name: "rejected", state: "REJ", history: "Sr", origBytes: 0, respBytes: 0, origPkts: 1, respPkts: 1,
			segs: []seg{{0, c, S, 100, 0, ""}, {ms, s, R | A, 0, 101, ""}},
		},
		{
			name: "orig reset", state: "RSTO", history: "ShAR", origPkts: 3, respPkts: 1,
			segs: []seg{{0, c, S, 100, 0, ""}, {ms, s, SA, 500, 101, ""}, {ms, c, A, 101, 501, ""}, {ms, c, R, 101, 0, ""}},
		},
		{
			name: "established only", state: "S1", history: "ShA", origPkts: 2, respPkts: 1,
			segs: []seg{{0, c, S, 100, 0, ""}, {ms, s, SA, 500, 101, ""}, {ms, c, A, 101, 501, ""}},
		},
		{
			name: "syn then fin", state: "SH", history: "SF", origPkts: 2,
			segs: []seg{{0, c, S, 100, 0, ""}, {ms, c, F, 101, 0, ""}},
		},
		{
			name: "midstream", state: "OTH", history: "Dd", origBytes: 3, respBytes: 3, origPkts: 1, respPkts: 1,
			segs: []seg{{0, c, PA, 1000, 5000, "abc"}, {ms, s, PA, 5000, 1003, "xyz"}},
		},
		{
			name: "syn-ack first then ack flips", state: "OTH", history: "^hA", origPkts: 1, respPkts: 1,
			segs: []seg{{0, s, SA, 500, 101, ""}, {ms, c, A, 101, 501, ""}},
		},
		{
			name: "syn-ack from likely server port flips at once", likely80: true, state: "OTH", history: "^h", respPkts: 1,
			segs: []seg{{0, s, SA, 500, 101, ""}},
		},
		{
			name: "retransmissions", state: "S1", history: "ShADT", origBytes: 3, origPkts: 4, respPkts: 1,
			segs: []seg{
				{0, c, S, 100, 0, ""}, {ms, s, SA, 500, 101, ""}, {ms, c, A, 101, 501, ""},
				{ms, c, PA, 101, 501, "abc"}, {ms, c, PA, 101, 501, "abc"},
			},
		},
		{
			name: "content gap", state: "S1", history: "ShADaGd", origBytes: 10, respBytes: 2, origPkts: 3, respPkts: 3,
			segs: []seg{
				{0, c, S, 100, 0, ""}, {ms, s, SA, 500, 101, ""}, {ms, c, A, 101, 501, ""},
				{ms, c, PA, 101, 501, "abc"}, {ms, s, A, 501, 111, ""}, {ms, s, PA, 501, 111, "ok"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.likely80 {
				cfg.LikelyServerPort = func(p uint16, _ zeek.Proto) bool { return p == 80 }
			}
			h := newHarness(t, cfg)
			for _, sg := range tc.segs {
				h.feed(sg.dt, tcp(sg.toSrv, sg.flags, sg.seq, sg.ack, sg.payload))
			}
			recs := h.finish()
			if len(recs) != 1 {
				t.Fatalf("%d connections, want 1", len(recs))
			}
			r := recs[0]
			if r.ConnState.V != tc.state || r.History.V != tc.history {
				t.Errorf("state %q history %q, want %q %q", r.ConnState.V, r.History.V, tc.state, tc.history)
			}
			if r.Duration.Set && (r.OrigBytes.V != tc.origBytes || r.RespBytes.V != tc.respBytes) {
				t.Errorf("bytes %d/%d, want %d/%d", r.OrigBytes.V, r.RespBytes.V, tc.origBytes, tc.respBytes)
			}
			if r.OrigPkts.V != tc.origPkts || r.RespPkts.V != tc.respPkts {
				t.Errorf("pkts %d/%d, want %d/%d", r.OrigPkts.V, r.RespPkts.V, tc.origPkts, tc.respPkts)
			}
			if r.ID.OrigH != cli || r.ID.RespP.Num != 80 {
				t.Errorf("id %v:%d -> %v:%d, want the client as originator", r.ID.OrigH, r.ID.OrigP.Num, r.ID.RespH, r.ID.RespP.Num)
			}
		})
	}
}

// TestTimeouts checks that connections end on Zeek's timers, so that a
// later packet of the same 5-tuple starts a new connection.
func TestTimeouts(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	udp := func() []byte {
		return pktbuild.UDPPacket(pktbuild.IP{Src: cli, Dst: srv}, pktbuild.UDP{SrcPort: 5000, DstPort: 53}, []byte("q"))
	}
	h.feed(0, udp())
	h.feed(59*zeek.Second, udp()) // within udp_inactivity_timeout
	h.feed(61*zeek.Second, udp()) // past it: a new connection
	recs := h.finish()
	if len(recs) != 2 {
		t.Fatalf("%d connections, want 2", len(recs))
	}
	if recs[0].OrigPkts.V != 2 || recs[1].OrigPkts.V != 1 {
		t.Errorf("packets %d and %d, want 2 and 1", recs[0].OrigPkts.V, recs[1].OrigPkts.V)
	}

	// An unanswered SYN is given up after tcp_attempt_delay.
	h = newHarness(t, DefaultConfig())
	h.feed(0, tcp(true, S, 100, 0, ""))
	h.feed(6*zeek.Second, tcp(true, S, 100, 0, ""))
	if recs := h.finish(); len(recs) != 2 {
		t.Fatalf("%d connections after a SYN retry past the attempt delay, want 2", len(recs))
	}
}

// TestUIDFormat checks the uid shape: 'C' and base62 digits.
func TestUIDFormat(t *testing.T) {
	got := FormatUID('C', [2]uint64{0, 0})
	if got != "C00" {
		t.Errorf("FormatUID(0,0) = %q, want C00", got)
	}
	got = FormatUID('C', [2]uint64{61, 62})
	if got != "CZ01" {
		t.Errorf("FormatUID(61,62) = %q, want CZ01", got)
	}
}
