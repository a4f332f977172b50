//go:build !386

package afpacket

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// TestCaptureReplay replays the sample trace into a veth and checks that
// the source returns every packet, byte for byte, in order.
func TestCaptureReplay(t *testing.T) {
	e := newEnv(t)
	s := open(t, e.ns, testConfig(e.a))
	want := readTrace(t, samplePcap)
	replay(t, e.ns, e.b, samplePcap)
	got := drain(t, s)
	if len(got) != len(want) {
		t.Fatalf("captured %d packets, the trace has %d", len(got), len(want))
	}
	start := time.Now().Add(-time.Minute).UnixNano()
	for i := range want {
		g := got[i]
		if !bytes.Equal(g.data, want[i]) {
			t.Fatalf("packet %d differs:\n got %x\nwant %x", i, g.data, want[i])
		}
		if g.wire != uint32(len(want[i])) || g.link != 1 || g.ifidx != 0 {
			t.Fatalf("packet %d: wire %d link %d ifindex %d", i, g.wire, g.link, g.ifidx)
		}
		if int64(g.ts) < start || int64(g.ts) > time.Now().UnixNano() {
			t.Fatalf("packet %d: timestamp %d is not now", i, g.ts)
		}
		if i > 0 && g.ts < got[i-1].ts {
			t.Fatalf("packet %d: timestamp goes back", i)
		}
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Received != uint64(len(want)) || st.Dropped != 0 || st.Link != uint64(len(want)) {
		t.Fatalf("stats %+v, want %d received, none dropped", st, len(want))
	}
	var bytesWant uint64
	for _, w := range want {
		bytesWant += uint64(len(w))
	}
	if st.BytesReceived != bytesWant {
		t.Fatalf("BytesReceived %d, want %d", st.BytesReceived, bytesWant)
	}
}

// vlanFrame inserts 802.1Q/802.1ad tags (tpid, tci pairs) after the MACs.
func vlanFrame(frame []byte, tags ...uint16) []byte {
	out := append([]byte{}, frame[:12]...)
	for _, v := range tags {
		out = binary.BigEndian.AppendUint16(out, v)
	}
	return append(out, frame[12:]...)
}

// TestVLANRestored sends tagged frames (802.1Q, priority-tagged, QinQ
// with 802.1ad outside) and checks they come back with their tags, though
// the kernel strips the outer tag into the ring's metadata.
func TestVLANRestored(t *testing.T) {
	ip := pktbuild.IP{Src: pktbuild.V4("10.1.0.1"), Dst: pktbuild.V4("10.1.0.2")}
	udp := pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 1000, DstPort: 53}, []byte("vlan test")))
	frames := [][]byte{
		udp,
		vlanFrame(udp, 0x8100, 0x0064), // VLAN 100
		vlanFrame(udp, 0x8100, 0xb00a), // PCP 5, DEI, VLAN 10
		vlanFrame(udp, 0x8100, 0x0000), // priority tag, all zero
		vlanFrame(udp, 0x88a8, 0x00c8, 0x8100, 0x012c), // QinQ 200/300
		vlanFrame(udp, 0x8100, 0x0fff, 0x8100, 0x0001), // double 802.1Q
	}
	e := newEnv(t)
	s := open(t, e.ns, testConfig(e.a))
	replay(t, e.ns, e.b, writeTrace(t, frames))
	got := drain(t, s)
	if len(got) != len(frames) {
		t.Fatalf("captured %d frames, sent %d", len(got), len(frames))
	}
	sawMeta := false
	for i, g := range got {
		if !bytes.Equal(g.data, frames[i]) {
			t.Errorf("frame %d:\n got %x\nwant %x", i, g.data, frames[i])
		}
		if g.wire != uint32(len(frames[i])) {
			t.Errorf("frame %d: wire length %d, want %d", i, g.wire, len(frames[i]))
		}
		if g.raw&statusVLANValid != 0 {
			sawMeta = true
		}
	}
	if !sawMeta {
		t.Error("the kernel never reported a VLAN tag in the ring: the restore path went untested")
	}
}

// flowKey returns a direction-free key for an Ethernet frame's flow as the
// kernel's fanout hash sees it: addresses, protocol and ports, without
// ports for fragments. ok is false for non-IP frames.
func flowKey(f []byte) (key string, ok bool) {
	if len(f) < 14 {
		return "", false
	}
	et, p := binary.BigEndian.Uint16(f[12:]), f[14:]
	for (et == 0x8100 || et == 0x88a8) && len(p) >= 4 {
		et, p = binary.BigEndian.Uint16(p[2:]), p[4:]
	}
	var a, b netip.Addr
	var proto uint8
	var l4 []byte
	frag := false
	switch {
	case et == 0x0800 && len(p) >= 20:
		hl := int(p[0]&15) * 4
		if hl < 20 || len(p) < hl {
			return "", false
		}
		a, b = netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20]))
		proto, l4 = p[9], p[hl:]
		frag = binary.BigEndian.Uint16(p[6:])&0x3fff != 0
	case et == 0x86dd && len(p) >= 40:
		a, b = netip.AddrFrom16([16]byte(p[8:24])), netip.AddrFrom16([16]byte(p[24:40]))
		proto, l4 = p[6], p[40:]
		frag = proto == 44
	default:
		return "", false
	}
	var pa, pb uint16
	if !frag && (proto == 6 || proto == 17) && len(l4) >= 4 {
		pa, pb = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	}
	if b.Less(a) || (a == b && pb < pa) {
		a, b, pa, pb = b, a, pb, pa
	}
	return fmt.Sprintf("%d %s:%d %s:%d frag=%v", proto, a, pa, b, pb, frag), true
}

// captureGroup drains the sources concurrently and returns what each saw.
func captureGroup(t *testing.T, srcs []*Source, send func()) [][]captured {
	t.Helper()
	out := make([][]captured, len(srcs))
	var wg sync.WaitGroup
	var sent atomic.Bool
	for i, s := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f pktsrc.Frame
			for {
				err := s.Next(&f)
				if errors.Is(err, ErrIdle) && !sent.Load() {
					continue // the sender is slow to start
				}
				if err != nil {
					if !errors.Is(err, ErrIdle) {
						t.Errorf("socket %d: %v", i, err)
					}
					return
				}
				out[i] = append(out[i], captured{data: bytes.Clone(f.Data)})
			}
		}()
	}
	send()
	sent.Store(true)
	wg.Wait()
	return out
}

// checkSplit checks that the members together saw want, each flow (both
// directions) at exactly one member, and every member something.
func checkSplit(t *testing.T, got [][]captured, want [][]byte) {
	t.Helper()
	total := 0
	owner := map[string]int{}
	for i, frames := range got {
		total += len(frames)
		if len(frames) == 0 {
			t.Errorf("fanout member %d got nothing", i)
		}
		for _, f := range frames {
			k, ok := flowKey(f.data)
			if !ok {
				continue
			}
			if o, seen := owner[k]; seen && o != i {
				t.Errorf("flow %s reached members %d and %d", k, o, i)
			}
			owner[k] = i
		}
	}
	if total != len(want) {
		t.Errorf("members got %d packets together, sent %d", total, len(want))
	}
	t.Logf("%d flows over %d members: %v packets each", len(owner), len(got), func() []int {
		var n []int
		for _, g := range got {
			n = append(n, len(g))
		}
		return n
	}())
}

// TestFanoutSplit opens two sockets in one fanout group, replays the sample
// trace, and checks they split it with every flow on one socket.
func TestFanoutSplit(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	srcs := []*Source{open(t, e.ns, c), open(t, e.ns, c)}
	got := captureGroup(t, srcs, func() { replay(t, e.ns, e.b, samplePcap) })
	checkSplit(t, got, readTrace(t, samplePcap))
}

// manyFlows builds both directions of n TCP and UDP flows.
func manyFlows(n int) [][]byte {
	var frames [][]byte
	for i := 0; i < n; i++ {
		cli := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)})
		srv := netip.AddrFrom4([4]byte{10, 3, 0, byte(i % 5)})
		port := uint16(30000 + i)
		for k := 0; k < 2; k++ {
			frames = append(frames,
				pktbuild.EtherIP(pktbuild.TCPPacket(pktbuild.IP{Src: cli, Dst: srv}, pktbuild.TCP{SrcPort: port, DstPort: 443, Flags: pktbuild.ACK}, []byte("c"))),
				pktbuild.EtherIP(pktbuild.TCPPacket(pktbuild.IP{Src: srv, Dst: cli}, pktbuild.TCP{SrcPort: 443, DstPort: port, Flags: pktbuild.ACK}, []byte("s"))),
				pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: cli, Dst: srv}, pktbuild.UDP{SrcPort: port, DstPort: 53}, []byte("q"))),
				pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: srv, Dst: cli}, pktbuild.UDP{SrcPort: 53, DstPort: port}, []byte("r"))),
			)
		}
	}
	return frames
}

// TestFanoutSplitManyFlows checks the split with three members and many
// generated flows.
func TestFanoutSplitManyFlows(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.FanoutID = 4242
	srcs := []*Source{open(t, e.ns, c), open(t, e.ns, c), open(t, e.ns, c)}
	frames := manyFlows(100)
	path := writeTrace(t, frames)
	got := captureGroup(t, srcs, func() { replay(t, e.ns, e.b, path) })
	checkSplit(t, got, frames)
}

// TestFanoutLB checks that a non-default mode reaches the kernel: with
// round-robin two members get equal shares.
func TestFanoutLB(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.FanoutMode = FanoutLB
	srcs := []*Source{open(t, e.ns, c), open(t, e.ns, c)}
	frames := manyFlows(25)
	path := writeTrace(t, frames)
	got := captureGroup(t, srcs, func() { replay(t, e.ns, e.b, path) })
	if len(got[0])+len(got[1]) != len(frames) || len(got[0]) != len(got[1]) {
		t.Fatalf("round robin gave %d and %d of %d packets", len(got[0]), len(got[1]), len(frames))
	}
}

// TestTwoInterfaces captures on two interfaces with distinct fanout ids at
// the same time, and checks that the same id on both is refused with a
// message saying what to do.
func TestTwoInterfaces(t *testing.T) {
	ns := netnstest.New(t)
	ns.Veth("hcapa", "hcapb")
	ns.Veth("hcapc", "hcapd")
	c1 := testConfig("hcapa")
	s1 := open(t, ns, c1)

	dup := testConfig("hcapc")
	_, err := openErr(ns, dup)
	if err == nil {
		t.Fatal("the same fanout id on a second interface was accepted")
	}
	msg := err.Error()
	for _, want := range []string{"hcapc", "fanout group 23", "another interface", "AF_Packet::fanout_id=24"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || !errors.Is(err, syscall.EINVAL) {
		t.Errorf("error %q: want one line wrapping EINVAL", msg)
	}

	c2 := testConfig("hcapc")
	c2.FanoutID = 24
	s2 := open(t, ns, c2)
	want := readTrace(t, samplePcap)
	var wg sync.WaitGroup
	for _, iface := range []string{"hcapb", "hcapd"} {
		wg.Add(1)
		go func() { defer wg.Done(); replay(t, ns, iface, samplePcap) }()
	}
	wg.Wait()
	for _, s := range []*Source{s1, s2} {
		if got := drain(t, s); len(got) != len(want) {
			t.Errorf("%s: captured %d packets, want %d", s.Interface(), len(got), len(want))
		}
	}
}

// TestNoFanout checks that with fanout off two sockets each see
// everything.
func TestNoFanout(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.EnableFanout = false
	srcs := []*Source{open(t, e.ns, c), open(t, e.ns, c)}
	got := captureGroup(t, srcs, func() { replay(t, e.ns, e.b, samplePcap) })
	n := len(readTrace(t, samplePcap))
	if len(got[0]) != n || len(got[1]) != n {
		t.Fatalf("without fanout the sockets got %d and %d packets, want %d each", len(got[0]), len(got[1]), n)
	}
}

// udpFilter is a classic BPF program accepting IPv4 UDP over Ethernet:
// ldh [12]; jeq #0x800; ldb [23]; jeq #17; ret #262144; ret #0.
var udpFilter = []RawInstruction{
	{Code: 0x28, K: 12},
	{Code: 0x15, Jt: 0, Jf: 3, K: 0x0800},
	{Code: 0x30, K: 23},
	{Code: 0x15, Jt: 0, Jf: 1, K: 17},
	{Code: 0x06, K: 262144},
	{Code: 0x06, K: 0},
}

func isIPv4UDP(f []byte) bool {
	return len(f) > 23 && binary.BigEndian.Uint16(f[12:]) == 0x0800 && f[23] == 17
}

// TestFilter checks a capture filter given at Open and one set later.
func TestFilter(t *testing.T) {
	want := 0
	for _, f := range readTrace(t, samplePcap) {
		if isIPv4UDP(f) {
			want++
		}
	}
	e := newEnv(t)
	c := testConfig(e.a)
	c.Filter = udpFilter
	s := open(t, e.ns, c)
	replay(t, e.ns, e.b, samplePcap)
	got := drain(t, s)
	if len(got) != want {
		t.Fatalf("filter passed %d packets, want %d", len(got), want)
	}
	for _, g := range got {
		if !isIPv4UDP(g.data) {
			t.Fatalf("filter passed %x", g.data)
		}
	}

	// Remove the filter, then put it back.
	if err := s.SetBPF(nil); err != nil {
		t.Fatal(err)
	}
	replay(t, e.ns, e.b, samplePcap)
	if got := drain(t, s); len(got) != len(readTrace(t, samplePcap)) {
		t.Fatalf("without filter got %d packets", len(got))
	}
	if err := s.SetBPF(udpFilter); err != nil {
		t.Fatal(err)
	}
	replay(t, e.ns, e.b, samplePcap)
	if got := drain(t, s); len(got) != want {
		t.Fatalf("with the filter set again got %d packets, want %d", len(got), want)
	}
	if err := s.SetBPF([]RawInstruction{{Code: 0xffff}}); err == nil {
		t.Fatal("the kernel accepted an invalid program")
	}
}

// TestChecksumModes sends UDP from a second namespace, whose veth leaves
// the checksum to "hardware" (TP_STATUS_CSUMNOTREADY on capture), and
// replayed frames that carry a checksum, and checks L4Checksummed per mode.
func TestChecksumModes(t *testing.T) {
	capNS, peerNS := netnstest.New(t), netnstest.New(t)
	capNS.Veth("hcapa", "hcapb")
	capNS.Move("hcapb", peerNS)
	capNS.Exec("ip", "addr", "add", "10.99.0.1/24", "dev", "hcapa")
	peerNS.Exec("ip", "addr", "add", "10.99.0.2/24", "dev", "hcapb")

	for _, mode := range []ChecksumMode{ChecksumOn, ChecksumOff, ChecksumKernel} {
		t.Run(mode.String(), func(t *testing.T) {
			c := testConfig("hcapa")
			c.ChecksumMode = mode
			c.EnableFanout = false
			s := open(t, capNS, c)
			err := peerNS.Do(func() error {
				conn, err := net.Dial("udp4", "10.99.0.1:9")
				if err != nil {
					return err
				}
				defer conn.Close()
				_, err = conn.Write([]byte("checksum offload"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var udp []captured
			for _, g := range drain(t, s) {
				if isIPv4UDP(g.data) {
					udp = append(udp, g)
				}
			}
			if len(udp) != 1 {
				t.Fatalf("captured %d UDP packets, want 1", len(udp))
			}
			g := udp[0]
			kernel := g.raw&(statusCsumValid|statusCsumNotReady) != 0
			want := map[ChecksumMode]bool{ChecksumOn: false, ChecksumOff: true, ChecksumKernel: kernel}[mode]
			if g.csum != want {
				t.Errorf("L4Checksummed %v, want %v (tp_status %#x)", g.csum, want, g.raw)
			}
			if mode == ChecksumKernel && !kernel {
				t.Errorf("tp_status %#x: the kernel did not mark the offloaded checksum", g.raw)
			}
		})
	}
}

// TestNextAllocs checks that Next allocates nothing per packet.
func TestNextAllocs(t *testing.T) {
	e := newEnv(t)
	s := open(t, e.ns, testConfig(e.a))
	replay(t, e.ns, e.b, samplePcap)
	time.Sleep(50 * time.Millisecond) // let the last block time out
	var f pktsrc.Frame
	var err error
	allocs := testing.AllocsPerRun(400, func() {
		if err == nil {
			err = s.Next(&f)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Fatalf("Next allocates %.1f times per packet", allocs)
	}
	// Waiting for a block (with a deadline) allocates nothing either.
	replay(t, e.ns, e.b, samplePcap)
	time.Sleep(50 * time.Millisecond)
	allocs = testing.AllocsPerRun(100, func() {
		if err == nil {
			err = s.wait()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Fatalf("wait allocates %.1f times", allocs)
	}
}

// TestStopAndIdle checks ErrIdle, Stop from another goroutine, and the
// errors after Close.
func TestStopAndIdle(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.IdleTimeout = 50 * time.Millisecond
	s := open(t, e.ns, c)
	var f pktsrc.Frame
	t0 := time.Now()
	if err := s.Next(&f); !errors.Is(err, ErrIdle) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle Next: %v", err)
	}
	if d := time.Since(t0); d < 40*time.Millisecond || d > 2*time.Second {
		t.Fatalf("idle after %v", d)
	}

	c.IdleTimeout = 0
	s2 := open(t, e.ns, c)
	done := make(chan error, 1)
	go func() { done <- s2.Next(&f) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Next returned %v with no traffic", err)
	default:
	}
	s2.Stop()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("Next after Stop: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Stop did not wake Next")
	}
	if err := s2.Next(&f); err != io.EOF {
		t.Fatalf("second Next after Stop: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Next(&f); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	if _, err := s2.Stats(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Stats after Close: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestOpenErrors checks the one-line errors and warnings of Open.
func TestOpenErrors(t *testing.T) {
	e := newEnv(t)
	e.ns.Exec("ip", "link", "add", "hdown", "type", "veth", "peer", "name", "hdown2")
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		want string
	}{
		{"missing", func(c *Config) { c.Interface = "nosuch0" }, "afpacket: nosuch0: no such interface"},
		{"down", func(c *Config) { c.Interface = "hdown" }, "afpacket: hdown: interface is down; bring it up with: ip link set hdown up"},
		{"block size", func(c *Config) { c.BlockSize = 1000 }, "AF_Packet::block_size=1000 must be a positive multiple of the page size"},
		{"buffer size", func(c *Config) { c.BufferSize = 100 }, "AF_Packet::buffer_size=100 must be at least AF_Packet::block_size"},
		{"long name", func(c *Config) { c.Interface = "abcdefghijklmnopq" }, "longer than 15 bytes"},
		{"hw timestamps", func(c *Config) { c.EnableHWTimestamping = true }, "AF_Packet::enable_hw_timestamping=F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(e.a)
			tc.cfg(&c)
			_, err := openErr(e.ns, c)
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}

	c := testConfig("lo")
	c.EnableFanout = false
	s := open(t, e.ns, c)
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], "lo is a loopback interface") {
		t.Fatalf("loopback warnings %q", w)
	}
	if w := open(t, e.ns, testConfig(e.a)).Warnings(); len(w) != 0 {
		t.Fatalf("veth warnings %q", w)
	}
}

// TestOffloadWarning switches offloads on with ethtool and checks the
// source's warning and that its fix command clears it.
func TestOffloadWarning(t *testing.T) {
	netnstest.Need(t, "ethtool")
	e := newEnv(t)
	e.ns.Exec("ethtool", "-K", e.a, "gro", "on", "tso", "on", "gso", "on", "rx", "on")
	s := open(t, e.ns, testConfig(e.a))
	w, err := s.OffloadWarning()
	if err != nil {
		t.Fatal(err)
	}
	fix := "ethtool -K hcapa gro off tso off gso off rx off"
	if !strings.HasSuffix(w, "; turn them off with: "+fix) || !strings.Contains(w, "(GRO, TSO, GSO, rx checksumming)") {
		t.Fatalf("warning %q", w)
	}
	e.ns.Exec("sh", "-c", fix)
	if w, err := s.OffloadWarning(); err != nil || w != "" {
		t.Fatalf("after the fix: warning %q, %v", w, err)
	}
}

// TestDropsCounted overflows a tiny ring and checks that the kernel's drop
// count and the received frames add up to what was sent.
func TestDropsCounted(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.BlockSize = uint32(os.Getpagesize())
	c.BufferSize = 4 * uint64(c.BlockSize)
	s := open(t, e.ns, c)
	want := len(readTrace(t, samplePcap))
	replay(t, e.ns, e.b, samplePcap)
	got := drain(t, s)
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("received %d, dropped %d, freeze %d of %d", len(got), st.Dropped, st.FreezeQueue, want)
	if st.Dropped == 0 || uint64(len(got))+st.Dropped != uint64(want) || st.Link != uint64(want) || st.Received != uint64(len(got)) {
		t.Fatalf("stats %+v, received %d, sent %d", st, len(got), want)
	}
}

// TestDefrag checks AF_Packet::enable_defrag: the kernel reassembles the
// sample's fragmented UDP datagram before fanout, so it arrives as one
// packet, and a socket with different flags cannot join the group.
func TestDefrag(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.EnableDefrag = true
	s := open(t, e.ns, c)
	plain := testConfig(e.a)
	if _, err := openErr(e.ns, plain); err == nil || !strings.Contains(err.Error(), "AF_Packet::enable_defrag") {
		t.Fatalf("joining with other flags: %v", err)
	}
	trace := readTrace(t, samplePcap)
	frags := 0
	for _, f := range trace {
		if k, ok := flowKey(f); ok && strings.HasSuffix(k, "frag=true") {
			frags++
		}
	}
	if frags < 2 {
		t.Fatalf("the sample has %d fragments", frags)
	}
	replay(t, e.ns, e.b, samplePcap)
	got := drain(t, s)
	if len(got) != len(trace)-frags+1 {
		t.Fatalf("captured %d packets; want %d with the %d fragments as one", len(got), len(trace)-frags+1, frags)
	}
	big := 0
	for _, g := range got {
		if len(g.data) > 1514 && isIPv4UDP(g.data) {
			big++
		}
	}
	if big != 1 {
		t.Fatalf("%d reassembled datagrams", big)
	}
}
