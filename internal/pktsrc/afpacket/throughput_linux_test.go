//go:build !386

package afpacket

import (
	"errors"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// throughputEnv enables TestThroughput, which loads the machine for a few
// seconds.
const throughputEnv = "HERON_AFPACKET_THROUGHPUT"

// TestThroughput measures capture rates on a veth with 1 and 2 sockets in
// a fanout group, replaying small UDP packets with tcpreplay at full speed:
//
//   - live: the sockets read while tcpreplay sends; the rate is the packets
//     received over the span of their kernel timestamps, with the kernel's
//     drop count;
//   - drain: the ring is filled first, then read; the rate is how fast Next
//     empties it (the user-space cost per packet).
//
// Run with HERON_AFPACKET_THROUGHPUT=1 (and -v to see the numbers).
func TestThroughput(t *testing.T) {
	if os.Getenv(throughputEnv) == "" {
		t.Skipf("set %s=1 to measure capture throughput", throughputEnv)
	}
	const flows, loops = 5000, 40
	var frames [][]byte
	for i := 0; i < flows; i++ {
		ip := pktbuild.IP{Src: netip.AddrFrom4([4]byte{10, 5, byte(i >> 8), byte(i)}), Dst: pktbuild.V4("10.6.0.1")}
		frames = append(frames, pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: uint16(1024 + i), DstPort: 53}, make([]byte, 18))))
	}
	path := writeTrace(t, frames)
	total := flows * loops
	e := newEnv(t)
	send := func() {
		replay(t, e.ns, e.b, path, "-K", "--loop="+strconv.Itoa(loops))
	}

	for _, members := range []int{1, 2} {
		for _, mode := range []string{"live", "drain"} {
			c := DefaultConfig(e.a)
			c.FanoutID = uint16(100 + members)
			c.IdleTimeout = 500 * time.Millisecond
			srcs := make([]*Source, members)
			for i := range srcs {
				srcs[i] = open(t, e.ns, c)
			}
			if mode == "drain" {
				t0 := time.Now()
				send()
				t.Logf("tcpreplay sent %d packets in %v (%.0f packets/s)", total, time.Since(t0), float64(total)/time.Since(t0).Seconds())
				time.Sleep(50 * time.Millisecond)
			}
			var wg sync.WaitGroup
			var sent atomic.Bool
			counts := make([]int, members)
			var first, last zeek.Time
			var spans []time.Duration
			var mu sync.Mutex
			for i, s := range srcs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var f pktsrc.Frame
					var start, end time.Time
					var lo, hi zeek.Time
					for {
						err := s.Next(&f)
						if errors.Is(err, ErrIdle) {
							if !sent.Load() {
								continue
							}
							break
						}
						if err != nil {
							t.Error(err)
							return
						}
						if counts[i] == 0 {
							start, lo = time.Now(), f.TS
						}
						counts[i]++
						end, hi = time.Now(), f.TS
					}
					mu.Lock()
					defer mu.Unlock()
					if first == 0 || lo < first {
						first = lo
					}
					if hi > last {
						last = hi
					}
					spans = append(spans, end.Sub(start))
				}()
			}
			if mode == "live" {
				send()
			}
			sent.Store(true)
			wg.Wait()
			got, drops := 0, uint64(0)
			for i, s := range srcs {
				st, err := s.Stats()
				if err != nil {
					t.Fatal(err)
				}
				got += counts[i]
				drops += st.Dropped
				s.Close()
			}
			var rate float64
			if mode == "live" {
				rate = float64(got) / last.Sub(first).Seconds()
			} else {
				var longest time.Duration
				for _, d := range spans {
					longest = max(longest, d)
				}
				rate = float64(got) / longest.Seconds()
			}
			t.Logf("%s, %d socket(s): %d of %d packets, %d dropped, %.0f packets/s (per socket %v)",
				mode, members, got, total, drops, rate, counts)
			if uint64(got)+drops != uint64(total) {
				t.Errorf("%d received + %d dropped != %d sent", got, drops, total)
			}
		}
	}
}
