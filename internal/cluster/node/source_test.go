package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// flowTrace returns a trace of n TCP handshakes (3 frames each), client
// i at 10.0.x.y talking to 192.168.0.1, one flow after the other.
func flowTrace(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	srv := pktbuild.V4("192.168.0.1")
	for i := range n {
		cl := pktbuild.V4(fmt.Sprintf("10.0.%d.%d", i/200, 1+i%200))
		c2s, s2c := pktbuild.IP{Src: cl, Dst: srv}, pktbuild.IP{Src: srv, Dst: cl}
		for _, f := range [][]byte{
			pktbuild.EtherIP(pktbuild.TCPPacket(c2s, pktbuild.TCP{SrcPort: 4000, DstPort: 80, Seq: 1, Flags: pktbuild.SYN}, nil)),
			pktbuild.EtherIP(pktbuild.TCPPacket(s2c, pktbuild.TCP{SrcPort: 80, DstPort: 4000, Seq: 9, Ack: 2, Flags: pktbuild.SYN | pktbuild.ACK}, nil)),
			pktbuild.EtherIP(pktbuild.TCPPacket(c2s, pktbuild.TCP{SrcPort: 4000, DstPort: 80, Seq: 2, Ack: 10, Flags: pktbuild.ACK}, nil)),
		} {
			ts += zeek.Time(zeek.Millisecond)
			if err := w.WritePacket(ts, f, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

func openTrace(t testing.TB, b []byte) pktsrc.Source {
	t.Helper()
	r, err := pcapfile.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// clientOf returns the client address of a flowTrace frame (the 10.x end).
func clientOf(d []byte) netip.Addr {
	src, _ := netip.AddrFromSlice(d[14+12 : 14+16])
	dst, _ := netip.AddrFromSlice(d[14+16 : 14+20])
	if src.As4()[0] == 10 {
		return src
	}
	return dst
}

// TestShard: the shares of a trace together deliver each frame once, in
// trace order within a share, every flow whole in one share, and no share
// is empty.
func TestShard(t *testing.T) {
	const flows = 400
	trace := flowTrace(t, flows)
	for _, count := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			owner := map[netip.Addr]int{}
			frames := 0
			for index := range count {
				src := Shard(openTrace(t, trace), index, count)
				var f pktsrc.Frame
				n := 0
				last := zeek.Time(0)
				for {
					err := src.Next(&f)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if f.TS <= last {
						t.Fatalf("share %d: frame at %v after %v", index, f.TS, last)
					}
					last = f.TS
					c := clientOf(f.Data)
					if o, ok := owner[c]; ok && o != index {
						t.Fatalf("flow of %v in shares %d and %d", c, o, index)
					}
					owner[c] = index
					n++
				}
				if err := src.Close(); err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					t.Errorf("share %d of %d is empty", index, count)
				}
				frames += n
			}
			if frames != 3*flows || len(owner) != flows {
				t.Errorf("the shares hold %d frames of %d flows, want %d of %d", frames, len(owner), 3*flows, flows)
			}
		})
	}
}

// TestShardCloseEarly: closing a share before the end returns, also when
// the split's reader waits for room in the share's queue.
func TestShardCloseEarly(t *testing.T) {
	trace := flowTrace(t, 2000)
	src := Shard(openTrace(t, trace), 1, 2)
	var f pktsrc.Frame
	if err := src.Next(&f); err != nil {
		t.Fatal(err)
	}
	// Let the split's reader fill this share's queue and wait on it.
	time.Sleep(200 * time.Millisecond)
	done := make(chan error)
	go func() { done <- src.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
}

// fakeLive is a source that waits for frames until stopped.
type fakeLive struct {
	stop    chan struct{}
	stopped atomic.Bool
	closed  bool
}

func (f *fakeLive) Next(*pktsrc.Frame) error {
	<-f.stop
	return io.EOF
}
func (f *fakeLive) LinkType() uint32 { return 1 }
func (f *fakeLive) Close() error     { f.closed = true; return nil }
func (f *fakeLive) Stop() {
	if f.stopped.CompareAndSwap(false, true) {
		close(f.stop)
	}
}
func (f *fakeLive) CaptureStats() (pktsrc.Stats, error) {
	return pktsrc.Stats{Received: 7, Dropped: 3, Link: 10}, nil
}

func TestStoppable(t *testing.T) {
	t.Run("trace", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		src := Stoppable(ctx, openTrace(t, flowTrace(t, 10)))
		var f pktsrc.Frame
		if err := src.Next(&f); err != nil {
			t.Fatalf("Next before the end: %v", err)
		}
		cancel()
		time.Sleep(10 * time.Millisecond) // AfterFunc runs on its own goroutine
		if err := src.Next(&f); !errors.Is(err, io.EOF) {
			t.Fatalf("Next after the end of ctx = %v, want io.EOF", err)
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("live", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		live := &fakeLive{stop: make(chan struct{})}
		src := Stoppable(ctx, live)
		res := make(chan error)
		go func() {
			var f pktsrc.Frame
			res <- src.Next(&f)
		}()
		cancel()
		select {
		case err := <-res:
			if !errors.Is(err, io.EOF) {
				t.Fatalf("Next = %v, want io.EOF", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiting Next did not return when ctx ended")
		}
		src.Close()
		if !live.closed {
			t.Error("Close did not close the source")
		}
	})
	t.Run("live-counters", func(t *testing.T) {
		// The packet loop reads a live source's drops through the wrapper.
		live := &fakeLive{stop: make(chan struct{})}
		src := Stoppable(context.Background(), live)
		l, ok := src.(pktsrc.Live)
		if !ok {
			t.Fatal("Stoppable of a live source is not pktsrc.Live: its capture counters are lost")
		}
		if cs, err := l.CaptureStats(); err != nil || cs.Dropped != 3 || cs.Link != 10 {
			t.Errorf("CaptureStats = %+v, %v; want the source's (3 dropped, 10 on the link)", cs, err)
		}
		l.Stop()
		if !live.stopped.Load() {
			t.Error("Stop did not stop the source")
		}
		var f pktsrc.Frame
		if err := src.Next(&f); !errors.Is(err, io.EOF) {
			t.Errorf("Next after Stop = %v, want io.EOF", err)
		}
		src.Close()
	})
	t.Run("trace-not-live", func(t *testing.T) {
		src := Stoppable(context.Background(), openTrace(t, flowTrace(t, 2)))
		if _, ok := src.(pktsrc.Live); ok {
			t.Error("Stoppable of a trace claims to be live")
		}
		src.Close()
	})
}

func TestPaced(t *testing.T) {
	const n, delay = 20, 2 * time.Millisecond
	src := Paced(openTrace(t, flowTrace(t, n)), delay)
	start := time.Now()
	var f pktsrc.Frame
	for range n {
		if err := src.Next(&f); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < n*delay {
		t.Errorf("%d frames took %v, want at least %v", n, el, n*delay)
	}
	if p := Paced(src, 0); p != src {
		t.Error("Paced with no delay wraps the source")
	}
}

// BenchmarkShard measures reading one share of two of a trace (the other
// share is read and dropped).
func BenchmarkShard(b *testing.B) {
	trace := flowTrace(b, 40000)
	b.ReportAllocs()
	b.SetBytes(int64(len(trace)))
	for b.Loop() {
		src := Shard(openTrace(b, trace), 0, 2)
		var f pktsrc.Frame
		for src.Next(&f) == nil {
		}
		src.Close()
	}
}

// TestStoppableAllocs: the wrapper on the packet path allocates nothing.
func TestStoppableAllocs(t *testing.T) {
	src := Stoppable(context.Background(), openTrace(t, flowTrace(t, 400)))
	defer src.Close()
	var f pktsrc.Frame
	if err := src.Next(&f); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(500, func() {
		if err := src.Next(&f); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Stoppable.Next allocates %v times a frame", n)
	}
}

// BenchmarkStoppable measures the wrapper's cost over a trace reader.
func BenchmarkStoppable(b *testing.B) {
	trace := flowTrace(b, 2000)
	b.ReportAllocs()
	b.SetBytes(int64(len(trace)))
	for b.Loop() {
		src := Stoppable(context.Background(), openTrace(b, trace))
		var f pktsrc.Frame
		for src.Next(&f) == nil {
		}
		src.Close()
	}
}

// blockingTrace is a trace source whose Next waits until it is
// interrupted, then fails, as a read from a pipe with a deadline does.
type blockingTrace struct {
	pktsrc.Source
	interrupted chan struct{}
	once        atomic.Bool
}

func (b *blockingTrace) Next(*pktsrc.Frame) error {
	<-b.interrupted
	return errors.New("read: i/o timeout")
}

func (b *blockingTrace) Interrupt() {
	if b.once.CompareAndSwap(false, true) {
		close(b.interrupted)
	}
}

// TestStoppableInterrupts: a trace source that is an Interrupter (a pipe)
// is interrupted when ctx ends, through the wrappers a worker puts around
// it, and its read error becomes the end of input.
func TestStoppableInterrupts(t *testing.T) {
	base := &blockingTrace{Source: openTrace(t, flowTrace(t, 1)), interrupted: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	src := stoppableWith(ctx, Paced(Shard(base, 0, 2), time.Microsecond), base)
	res := make(chan error)
	go func() {
		var f pktsrc.Frame
		res <- src.Next(&f)
	}()
	select {
	case err := <-res:
		t.Fatalf("Next returned %v before the end of ctx", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-res:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("Next = %v, want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting Next did not return when ctx ended")
	}
	src.Close()
}
