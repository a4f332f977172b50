package node_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TestStatsAndCaptureLoss runs a seven-minute trace with one TCP
// connection whose receiver acknowledges data the capture missed, with
// policy/misc/stats and policy/misc/capture-loss loaded: stats.log has a
// record at the first packet (its first report is due 5 min after time
// 0), one 5 min later and one at the end; capture_loss.log starts
// measuring at the first packet and reports every watch interval and at
// the end, counting acks and the acks over missing data.
func TestStatsAndCaptureLoss(t *testing.T) {
	cfg := heronConfigScripts(t, []string{"policy/misc/stats", "policy/misc/capture-loss"},
		"CaptureLoss::watch_interval=2min")
	const (
		A = pktbuild.ACK
		P = pktbuild.PSH
	)
	frames := handshake()
	seq := uint32(1001)
	for i := range 40 {
		payload := []byte("0123456789")
		f := tcpAB(A|P, seq, 5001, payload)
		f.gap = 10 * zeek.Second
		if i%10 != 5 { // every tenth segment is missing from the capture
			frames = append(frames, f)
		}
		seq += uint32(len(payload))
		frames = append(frames, tcpBA(A, 5001, seq, nil))
	}
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := traceStart
	var times []zeek.Time
	for i, f := range frames {
		if i > 0 {
			gap := f.gap
			if gap == 0 {
				gap = zeek.Millisecond
			}
			ts = ts.Add(gap)
		}
		times = append(times, ts)
		if err := w.WritePacket(ts, f.data, f.wire); err != nil {
			t.Fatal(err)
		}
	}
	src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.RunSource(cfg, src); err != nil {
		t.Fatal(err)
	}
	stats := readLog(t, filepath.Join(cfg.Log.LogDir, "stats.log"))
	if len(stats.Records) != 3 {
		t.Fatalf("stats.log has %d records, want 3: %v", len(stats.Records), stats.Records)
	}
	first, last := times[0], times[len(times)-1]
	wantTS := []zeek.Time{first, first.Add(5 * zeek.Minute), last}
	var pkts uint64
	for i, r := range stats.Records {
		if got := r["ts"]; got != tsString(wantTS[i]) && !(i == 1 && got > tsString(wantTS[1])) {
			t.Errorf("stats.log record %d at %s, want %s", i, got, tsString(wantTS[i]))
		}
		if r["peer"] != "zeek" || r["pkts_dropped"] != "-" {
			t.Errorf("record %d: peer %q, pkts_dropped %q", i, r["peer"], r["pkts_dropped"])
		}
		pkts += atou(t, r["pkts_proc"])
	}
	if pkts != uint64(len(frames)) {
		t.Errorf("pkts_proc sums to %d, the trace has %d packets", pkts, len(frames))
	}
	if stats.Records[0]["pkts_proc"] != "1" || stats.Records[0]["active_tcp_conns"] != "1" || stats.Records[0]["tcp_conns"] != "1" {
		t.Errorf("first record: %v", stats.Records[0])
	}
	loss := readLog(t, filepath.Join(cfg.Log.LogDir, "capture_loss.log"))
	var acks, gaps uint64
	for _, r := range loss.Records {
		acks += atou(t, r["acks"])
		gaps += atou(t, r["gaps"])
	}
	if len(loss.Records) < 3 || gaps != 4 || acks < 40 {
		t.Errorf("capture_loss.log: %d records, %d gaps over %d acks; want ≥ 3 records, 4 gaps, ≥ 40 acks: %v", len(loss.Records), gaps, acks, loss.Records)
	}
	if r := loss.Records[0]; r["ts_delta"] != "60.000000" && r["ts"] < tsString(first.Add(zeek.Minute)) {
		t.Errorf("the first measurement ends %s after %s; want a minute after the first packet", r["ts_delta"], r["ts"])
	}
}

func tsString(t zeek.Time) string { return fmt.Sprintf("%d.%06d", int64(t)/1e9, int64(t)%1e9/1e3) }

func atou(t *testing.T, s string) uint64 {
	t.Helper()
	var n uint64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			t.Fatalf("%q is not a count", s)
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}
