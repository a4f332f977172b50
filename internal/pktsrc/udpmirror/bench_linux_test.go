//go:build linux && !386

package udpmirror

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// rusageThread is RUSAGE_THREAD: the calling thread's resource usage.
const rusageThread = 1

// BenchmarkReceive measures the receiving side alone: with the timer
// stopped a sender in another namespace fills the socket's queue with
// chunk VXLAN datagrams (a 64-byte inner frame, or a 1500-byte one), then
// Next reads them. The sub-benchmarks vary the recvmmsg batch.
func BenchmarkReceive(b *testing.B) {
	for _, size := range []int{64, 1500} {
		for _, batch := range []int{1, 8, 32, 64} {
			b.Run(fmt.Sprintf("frame=%d/batch=%d", size, batch), func(b *testing.B) {
				benchReceive(b, size, batch)
			})
		}
	}
}

func benchReceive(b *testing.B, size, batch int) {
	e := newEnv(b)
	cfg := testConfig(PortVXLAN, VXLAN)
	cfg.Batch = batch
	cfg.RecvBuffer = 64 << 20
	cfg.IdleTimeout = 20 * time.Millisecond
	var s *Source
	if err := e.recv.Do(func() (err error) { s, err = Open(cfg); return err }); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var c *net.UDPConn
	if err := e.send.Do(func() (err error) {
		c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: senderIP.AsSlice()})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ip := pktbuild.IP{Src: pktbuild.V4("192.0.2.1"), Dst: pktbuild.V4("192.0.2.2")}
	frame := pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 1, DstPort: 2}, make([]byte, size-42)))
	d := append(pktbuild.VXLANHeader(1), frame...)
	to := &net.UDPAddr{IP: receiverIP.AsSlice(), Port: PortVXLAN}
	// The reading thread's CPU time (user and system) is summed over the
	// timed stretches only, as a measure less disturbed by other load on
	// the machine than the wall clock.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	var ru syscall.Rusage
	threadCPU := func() time.Duration {
		syscall.Getrusage(rusageThread, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	const chunk = 4000
	queued := 0
	started := false
	var mark time.Duration
	refill := func() {
		b.StopTimer()
		if started {
			cpu += threadCPU() - mark
		}
		for range chunk {
			if _, err := c.WriteToUDP(d, to); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(5 * time.Millisecond)
		queued = chunk
		started = true
		mark = threadCPU()
		b.StartTimer()
	}
	var f pktsrc.Frame
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	for i := 0; i < b.N; {
		if queued == 0 {
			refill()
		}
		err := s.Next(&f)
		if errors.Is(err, ErrIdle) {
			queued = 0 // some were lost; send more
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		queued--
		i++
	}
	b.StopTimer()
	cpu += threadCPU() - mark
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/frame")
	if st, _ := s.Stats(); st.Dropped > 0 {
		b.Logf("%d datagrams dropped", st.Dropped)
	}
}
