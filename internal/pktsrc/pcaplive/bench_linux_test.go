//go:build libpcap && cgo && linux

package pcaplive

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// BenchmarkNextFile measures Next's own cost per packet (the cgo call into
// pcap_next_ex and the frame) on the sample trace, without a kernel.
func BenchmarkNextFile(b *testing.B) {
	s, err := openFile(samplePcap)
	if err != nil {
		b.Fatal(err)
	}
	var f pktsrc.Frame
	b.ReportAllocs()
	for b.Loop() {
		err := s.Next(&f)
		if err == io.EOF {
			b.StopTimer()
			s.Close()
			if s, err = openFile(samplePcap); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
}

// BenchmarkNextLive measures live capture on a veth: with the timer
// stopped tcpreplay sends the sample trace twenty times into the peer and
// the ring fills; then Next reads those packets.
func BenchmarkNextLive(b *testing.B) {
	e := newEnv(b)
	c := testConfig(e.a)
	c.BufferSize = 128 << 20
	c.IdleTimeout = 50 * time.Millisecond
	s := e.open(b, c)
	perReplay := 20 * len(readTrace(b, samplePcap))
	queued := 0
	var f pktsrc.Frame
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		if queued == 0 {
			b.StopTimer()
			e.replay(b, e.b, samplePcap, "--loop=20")
			queued = perReplay
			b.StartTimer()
		}
		err := s.Next(&f)
		if errors.Is(err, ErrIdle) {
			b.Logf("%d packets missing", queued)
			queued = 0
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		queued--
		i++
	}
	b.StopTimer()
	if st, _ := s.Stats(); st.Dropped > 0 {
		b.Logf("%d packets dropped", st.Dropped)
	}
}
