package node_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/reporter"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// reporterTrace writes a trace of three UDP packets a second apart, cut
// by cut bytes at its end, and returns its path and the packets' times.
func reporterTrace(t *testing.T, cut int) (string, []zeek.Time) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ip := pktbuild.IP{Src: pktbuild.V4("10.0.0.1"), Dst: pktbuild.V4("10.0.0.2")}
	var times []zeek.Time
	for i := range 3 {
		ts := zeek.Time(1300000000*zeek.Second) + zeek.Time(i)*zeek.Time(zeek.Second) + 250*zeek.Time(zeek.Millisecond)
		frame := pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 4000, DstPort: 9999}, []byte("hello")))
		if err := w.WritePacket(ts, frame, uint32(len(frame))); err != nil {
			t.Fatal(err)
		}
		times = append(times, ts)
	}
	path := filepath.Join(t.TempDir(), "t.pcap")
	if err := os.WriteFile(path, buf.Bytes()[:buf.Len()-cut], 0o644); err != nil {
		t.Fatal(err)
	}
	return path, times
}

// TestReporterLogTruncated: a trace that ends inside a packet yields one
// Reporter::ERROR record at the time of the last whole packet, when
// base/frameworks/reporter is loaded (the default; not with -b unless
// named), and nothing for a whole trace.
func TestReporterLogTruncated(t *testing.T) {
	tests := []struct {
		name    string
		bare    bool
		scripts []string
		cut     int
		want    bool
	}{
		{"default truncated", false, nil, 7, true},
		{"bare truncated", true, []string{"base/protocols/conn"}, 7, false},
		{"bare with reporter", true, []string{"base/protocols/conn", "base/frameworks/reporter"}, 7, true},
		{"default whole", false, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loaded, err := scripts.Load(tt.bare, tt.scripts)
			if err != nil {
				t.Fatal(err)
			}
			cfg := node.DefaultConfig()
			cfg.Loaded = node.FeaturesOf(loaded)
			cfg.Log.LogDir = t.TempDir()
			var printed []string
			cfg.Reporter = reporter.New(&reporter.Options{Print: func(l reporter.Level, m string) { printed = append(printed, m) }})
			path, times := reporterTrace(t, tt.cut)
			cfg.Trace = path
			res, err := node.Run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if (res.Truncated != nil) != (tt.cut > 0) {
				t.Fatalf("truncated %v", res.Truncated)
			}
			if len(printed) != 0 {
				t.Errorf("printed %q: the caller prints the truncation", printed)
			}
			lp := filepath.Join(cfg.Log.LogDir, "reporter.log")
			if !tt.want {
				if _, err := os.Stat(lp); err == nil {
					t.Fatalf("reporter.log written")
				}
				return
			}
			lg := readLog(t, lp)
			if len(lg.Records) != 1 {
				t.Fatalf("%d records: %v", len(lg.Records), lg.Records)
			}
			r := lg.Records[0]
			if r["ts"] != tsString(times[1]) || r["level"] != "Reporter::ERROR" || r["location"] != "(empty)" {
				t.Errorf("record %v, want ts %s, Reporter::ERROR, location (empty)", r, tsString(times[1]))
			}
			if !strings.Contains(r["message"], "truncated") || !strings.HasSuffix(r["message"], "; analysed the 2 packets before it") {
				t.Errorf("message %q", r["message"])
			}
		})
	}
}

// fakeLive is a trace that poses as a live capture with fixed counters.
type fakeLive struct {
	*pcapfile.Reader
	stats pktsrc.Stats
}

func (f *fakeLive) Stop()                               {}
func (f *fakeLive) CaptureStats() (pktsrc.Stats, error) { return f.stats, nil }

// TestReporterLogLiveEnd: at the end of a live capture reporter.log has
// Zeek's two Reporter::INFO messages, the reason (after a signal) and the
// capture statistics, at the last packet's time.
func TestReporterLogLiveEnd(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		stats  pktsrc.Stats
		want   []string
	}{
		{"signal", "received termination signal", pktsrc.Stats{Received: 3, Dropped: 1},
			[]string{"received termination signal", "3 packets received on interface eth7, 1 (25.00%) dropped, 1 (33.33%) not processed"}},
		{"ended", "", pktsrc.Stats{Received: 3},
			[]string{"3 packets received on interface eth7, 0 (0.00%) dropped, 1 (33.33%) not processed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loaded, err := scripts.Load(false, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg := node.DefaultConfig()
			cfg.Loaded = node.FeaturesOf(loaded)
			cfg.Log.LogDir = t.TempDir()
			cfg.Interface = "eth7"
			cfg.StopReason = func() string { return tt.reason }
			var buf bytes.Buffer
			w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ip := pktbuild.IP{Src: pktbuild.V4("10.0.0.1"), Dst: pktbuild.V4("10.0.0.2")}
			udp := pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 4000, DstPort: 9999}, []byte("x")))
			// An unknown ethertype: no layer takes it.
			odd := pktbuild.Ether([6]byte{2}, [6]byte{4}, 0x88b5, []byte("not a protocol"))
			base := zeek.Time(1300000000 * zeek.Second)
			for i, fr := range [][]byte{udp, odd, udp} {
				if err := w.WritePacket(base+zeek.Time(i)*zeek.Time(zeek.Second), fr, uint32(len(fr))); err != nil {
					t.Fatal(err)
				}
			}
			rd, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := node.RunSources(cfg, []pktsrc.Source{&fakeLive{Reader: rd, stats: tt.stats}}); err != nil {
				t.Fatal(err)
			}
			lg := readLog(t, filepath.Join(cfg.Log.LogDir, "reporter.log"))
			var got []string
			for _, r := range lg.Records {
				if r["level"] != "Reporter::INFO" || r["ts"] != tsString(base+2*zeek.Time(zeek.Second)) || r["location"] != "(empty)" {
					t.Errorf("record %v", r)
				}
				got = append(got, r["message"])
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("messages\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
