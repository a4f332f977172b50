package node

import (
	"bytes"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TestLivePacketPathAllocations guards the packet path with Config.Live
// set: counting for the live snapshot, and the batch update itself,
// allocate nothing.
func TestLivePacketPathAllocations(t *testing.T) {
	cfg := quietConfig(t)
	cfg.Live = &Live{}
	p, err := newTestPipeline(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	setup, data := established()
	ts := zeek.Time(1_700_000_000_000_000_000)
	var f pktsrc.Frame
	n := uint64(0)
	feed := func(b []byte) {
		ts += zeek.Time(zeek.Millisecond)
		f = pktsrc.Frame{TS: ts, Data: b, CapLen: uint32(len(b)), WireLen: uint32(len(b)), LinkType: 1}
		p.packet(&f)
		n++
		if liveDue(n) {
			p.publishLive()
		}
	}
	for _, b := range setup {
		feed(b)
	}
	for i := 0; i < 256; i++ {
		feed(data(i))
	}
	i := 256
	allocs := testing.AllocsPerRun(4*liveEvery, func() {
		feed(data(i))
		i++
	})
	if allocs != 0 {
		t.Fatalf("%.2f allocations per packet with Config.Live, want 0", allocs)
	}
	if a := testing.AllocsPerRun(100, p.publishLive); a != 0 {
		t.Fatalf("publishLive: %.2f allocations, want 0", a)
	}
	p.publishLive()
	if got := cfg.Live.Packets.Load(); got != n {
		t.Errorf("Live.Packets = %d, want %d", got, n)
	}
	if got := cfg.Live.Active(); got != 2 {
		t.Errorf("Live.Active() = %d, want 2 (one TCP, one UDP)", got)
	}
	if got := cfg.Live.NetworkTime.Load(); got != int64(ts) {
		t.Errorf("Live.NetworkTime = %d, want %d", got, ts)
	}
}

// TestLiveRun checks the counts a whole run leaves in Config.Live, over
// several threads: every packet and byte, and no connection left active.
func TestLiveRun(t *testing.T) {
	setup, data := established()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	var bytesIn uint64
	frames := append([][]byte(nil), setup...)
	for i := 0; i < 3000; i++ {
		frames = append(frames, data(i))
	}
	for _, fr := range frames {
		ts += zeek.Time(zeek.Millisecond)
		bytesIn += uint64(len(fr))
		if err := w.WritePacket(ts, fr, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, threads := range []int{1, 2} {
		src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		cfg := quietConfig(t)
		cfg.Threads = threads
		cfg.Live = &Live{}
		if _, err := RunSources(cfg, SplitSource(src, threads)); err != nil {
			t.Fatal(err)
		}
		l := cfg.Live
		if got := l.Packets.Load(); got != uint64(len(frames)) {
			t.Errorf("threads %d: Live.Packets = %d, want %d", threads, got, len(frames))
		}
		if got := l.Bytes.Load(); got != bytesIn {
			t.Errorf("threads %d: Live.Bytes = %d, want %d", threads, got, bytesIn)
		}
		if got := l.NetworkTime.Load(); got != int64(ts) {
			t.Errorf("threads %d: Live.NetworkTime = %d, want %d", threads, got, ts)
		}
	}
}

// BenchmarkPublishLive measures one batch update of Config.Live (made
// every liveEvery packets by each thread).
func BenchmarkPublishLive(b *testing.B) {
	cfg := quietConfig(b)
	cfg.Live = &Live{}
	p, err := newTestPipeline(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.close()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.stats.pkts++
		p.now++
		p.publishLive()
	}
}
