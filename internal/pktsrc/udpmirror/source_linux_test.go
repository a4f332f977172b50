//go:build linux && !386

package udpmirror

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

func ts(t time.Time) zeek.Time { return zeek.Time(t.UnixNano()) }

// TestReceiveVXLAN sends every frame of the sample trace, VXLAN-wrapped as
// AWS VPC Traffic Mirroring wraps them, from another host (namespace) and
// checks that the source returns each inner frame, byte for byte, in order,
// with the kernel's receive time, the VNI and the sender. Frames near the
// link's MTU make datagrams the sender's kernel fragments, as a mirror's
// do; the receiving kernel reassembles them.
func TestReceiveVXLAN(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, testConfig(PortVXLAN, VXLAN))
	frames := readTrace(t, samplePcap)
	var datagrams [][]byte
	for _, f := range frames {
		datagrams = append(datagrams, cat(pktbuild.VXLANHeader(0x123456), f))
	}
	c := e.sender(t, 50123)
	start := time.Now()
	sendAll(t, c, PortVXLAN, datagrams)
	out := drain(t, s)
	if len(out) != len(frames) {
		t.Fatalf("received %d frames, sent %d", len(out), len(frames))
	}
	var wireSum uint64
	for i, g := range out {
		if !bytes.Equal(g.data, frames[i]) {
			t.Fatalf("frame %d differs:\n got %x\nwant %x", i, g.data, frames[i])
		}
		if g.wire != uint32(len(frames[i])) || g.link != linkEthernet || g.vni != 0x123456 {
			t.Fatalf("frame %d: wire %d link %d vni %#x", i, g.wire, g.link, g.vni)
		}
		if g.peer != netip.AddrPortFrom(senderIP, 50123) {
			t.Fatalf("frame %d: peer %v", i, g.peer)
		}
		if g.ts < ts(start) || g.ts > ts(time.Now()) || (i > 0 && g.ts < out[i-1].ts) {
			t.Fatalf("frame %d: time %d is not the receive time", i, g.ts)
		}
		wireSum += uint64(g.wire)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	n := uint64(len(frames))
	if st.Received != n || st.Datagrams != n || st.BytesReceived != wireSum || st.Malformed != 0 || st.Dropped != 0 || st.Truncated != 0 {
		t.Fatalf("stats %+v", st)
	}
	if st.KernelTimestamps != n {
		t.Errorf("%d of %d frames carry the kernel's receive time", st.KernelTimestamps, n)
	}
	cs, err := s.CaptureStats()
	if err != nil || cs.Received != n || cs.Link != n || cs.Dropped != 0 || cs.BytesReceived != wireSum {
		t.Errorf("capture stats %+v, %v", cs, err)
	}
}

// TestReceiveGeneve sends Geneve datagrams with options carrying Ethernet
// frames and bare IP packets (as Google Cloud's mirroring sends them),
// mixed with control messages and datagrams that are not Geneve, to a
// socket bound to every address, and checks what comes out.
func TestReceiveGeneve(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig(PortGeneve, Geneve)
	cfg.Addr = netip.Addr{} // every address, IPv4 through an IPv6 socket
	s := e.open(t, cfg)
	opts := cat(pktbuild.GeneveOption(0x0132, 1, []byte{1, 2, 3, 4, 5, 6, 7, 8}), pktbuild.GeneveOption(0x0132, 3, []byte{0xaa}))
	frames := readTrace(t, samplePcap)[:40]
	type want struct {
		data []byte
		link uint32
	}
	var datagrams [][]byte
	var wants []want
	var control, malformed uint64
	for i, f := range frames {
		switch {
		case i%5 == 1 && len(f) > 14 && (f[12] == 0x08 && f[13] == 0x00 || f[12] == 0x86 && f[13] == 0xdd):
			proto := uint16(protoIPv4)
			if f[12] == 0x86 {
				proto = protoIPv6
			}
			datagrams = append(datagrams, cat(pktbuild.Geneve{Proto: proto, Options: opts}.Header(), f[14:]))
			wants = append(wants, want{f[14:], linkRaw})
		default:
			datagrams = append(datagrams, cat(pktbuild.Geneve{Proto: protoEthernet, VNI: 77, Options: opts}.Header(), f))
			wants = append(wants, want{f, linkEthernet})
		}
		switch i % 7 {
		case 3: // a control message
			datagrams = append(datagrams, cat([]byte{0, 0x80, 0x65, 0x58, 0, 0, 0, 0}, f))
			control++
		case 5: // not Geneve at all
			datagrams = append(datagrams, []byte("GET / HTTP/1.1\r\n\r\n"))
			malformed++
		}
	}
	raw := 0
	for _, w := range wants {
		if w.link == linkRaw {
			raw++
		}
	}
	if raw == 0 {
		t.Fatal("no IP payloads among the test datagrams")
	}
	sendAll(t, e.sender(t, 0), PortGeneve, datagrams)
	out := drain(t, s)
	if len(out) != len(wants) {
		t.Fatalf("received %d frames, sent %d", len(out), len(wants))
	}
	for i, g := range out {
		if !bytes.Equal(g.data, wants[i].data) || g.link != wants[i].link || g.wire != uint32(len(wants[i].data)) {
			t.Fatalf("frame %d: link %d wire %d\n got %x\nwant link %d %x", i, g.link, g.wire, g.data, wants[i].link, wants[i].data)
		}
		if g.peer.Addr() != senderIP {
			t.Fatalf("frame %d: peer %v, want %v (unmapped)", i, g.peer, senderIP)
		}
	}
	st, _ := s.Stats()
	if st.Control != control || st.Malformed != malformed || st.Received != uint64(len(wants)) || st.Datagrams != uint64(len(datagrams)) {
		t.Fatalf("stats %+v; want %d control, %d malformed, %d frames of %d datagrams", st, control, malformed, len(wants), len(datagrams))
	}
}

// TestTruncated checks that a datagram longer than a slot gives a frame
// cut to the slot, with the packet's real length on the wire.
func TestTruncated(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig(PortVXLAN, VXLAN)
	cfg.SlotSize = 128
	cfg.Batch = 4
	s := e.open(t, cfg)
	ip := pktbuild.IP{Src: pktbuild.V4("192.0.2.1"), Dst: pktbuild.V4("192.0.2.2")}
	long := pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 1, DstPort: 2}, bytes.Repeat([]byte("z"), 1000)))
	short := long[:100]
	sendAll(t, e.sender(t, 0), PortVXLAN, [][]byte{cat(pktbuild.VXLANHeader(1), long), cat(pktbuild.VXLANHeader(1), short)})
	out := drain(t, s)
	if len(out) != 2 {
		t.Fatalf("%d frames", len(out))
	}
	if !bytes.Equal(out[0].data, long[:120]) || out[0].wire != uint32(len(long)) {
		t.Errorf("cut frame: %d of %d bytes, want 120 of %d", len(out[0].data), out[0].wire, len(long))
	}
	if !bytes.Equal(out[1].data, short) || out[1].wire != 100 {
		t.Errorf("short frame: %d of %d bytes", len(out[1].data), out[1].wire)
	}
	if st, _ := s.Stats(); st.Truncated != 1 {
		t.Errorf("Truncated = %d", st.Truncated)
	}
}

// TestReusePortOuterHash opens two sockets sharing the port without
// steering and sends from sixteen source ports: the kernel spreads them by
// the outer addresses and ports, so both sockets get datagrams, and all of
// one source port's datagrams reach the same socket.
func TestReusePortOuterHash(t *testing.T) {
	e := newEnv(t)
	a := e.open(t, testConfig(PortVXLAN, VXLAN))
	b := e.open(t, testConfig(PortVXLAN, VXLAN))
	frame := innerFrame()
	for i := range 16 {
		c := e.sender(t, 40000+i)
		var ds [][]byte
		for range 5 {
			ds = append(ds, cat(pktbuild.VXLANHeader(uint32(i)), frame))
		}
		sendAll(t, c, PortVXLAN, ds)
	}
	out := drainAll(t, a, b)
	if len(out[0]) == 0 || len(out[1]) == 0 {
		t.Fatalf("one socket got nothing: %d and %d frames", len(out[0]), len(out[1]))
	}
	if len(out[0])+len(out[1]) != 80 {
		t.Fatalf("%d + %d frames, sent 80", len(out[0]), len(out[1]))
	}
	owner := map[uint16]int{}
	for k, frames := range out {
		for _, g := range frames {
			if o, ok := owner[g.peer.Port()]; ok && o != k {
				t.Fatalf("source port %d reached both sockets", g.peer.Port())
			}
			owner[g.peer.Port()] = k
		}
	}
	if len(owner) != 16 {
		t.Fatalf("%d source ports seen", len(owner))
	}
	t.Logf("socket 0: %d frames, socket 1: %d frames", len(out[0]), len(out[1]))
}

// TestReusePortSteering opens a group of two sockets with the steering
// program and sends many connections, both directions, from one mirror
// (one source address and port, where the kernel's own hash would pick one
// socket for everything): each connection must reach exactly one socket,
// both directions together, and both sockets must get connections.
func TestReusePortSteering(t *testing.T) {
	for _, enc := range []Encap{VXLAN, Geneve} {
		t.Run(enc.String(), func(t *testing.T) {
			e := newEnv(t)
			port := uint16(PortVXLAN)
			if enc == Geneve {
				port = PortGeneve
			}
			cfg := testConfig(port, enc)
			cfg.Group = 2
			a := e.open(t, cfg)
			b := e.open(t, cfg)
			var ds [][]byte
			for i := range 64 {
				x := netip.AddrFrom4([4]byte{10, 1, byte(i), 5})
				y := netip.AddrFrom4([4]byte{10, 2, 3, byte(i * 3)})
				if i%4 == 3 {
					x = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 8: byte(i), 15: 1})
					y = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)})
				}
				ds = append(ds,
					encap(enc, tcpFrame(x, y, uint16(1000+i), 80), linkEthernet),
					encap(enc, tcpFrame(y, x, 80, uint16(1000+i)), linkEthernet))
			}
			sendAll(t, e.sender(t, 45678), int(port), ds)
			out := drainAll(t, a, b)
			if len(out[0])+len(out[1]) != len(ds) {
				t.Fatalf("%d + %d frames, sent %d", len(out[0]), len(out[1]), len(ds))
			}
			if len(out[0]) == 0 || len(out[1]) == 0 {
				t.Fatalf("one socket got nothing: %d and %d frames", len(out[0]), len(out[1]))
			}
			owner := map[string]int{}
			for k, frames := range out {
				for _, g := range frames {
					key := connKey(g.data)
					if o, ok := owner[key]; ok && o != k {
						t.Fatalf("connection %s reached both sockets", key)
					}
					owner[key] = k
				}
			}
			if len(owner) != 64 {
				t.Fatalf("%d connections seen, sent 64", len(owner))
			}
			t.Logf("socket 0: %d frames, socket 1: %d frames", len(out[0]), len(out[1]))
		})
	}
}

// connKey names the connection of a TCP frame regardless of direction.
func connKey(f []byte) string {
	var a, b netip.Addr
	var l4 []byte
	if f[12] == 0x08 {
		a, b = netip.AddrFrom4([4]byte(f[26:30])), netip.AddrFrom4([4]byte(f[30:34]))
		l4 = f[34:]
	} else {
		a, b = netip.AddrFrom16([16]byte(f[22:38])), netip.AddrFrom16([16]byte(f[38:54]))
		l4 = f[54:]
	}
	pa, pb := uint16(l4[0])<<8|uint16(l4[1]), uint16(l4[2])<<8|uint16(l4[3])
	x, y := netip.AddrPortFrom(a, pa), netip.AddrPortFrom(b, pb)
	if y.Compare(x) < 0 {
		x, y = y, x
	}
	return x.String() + "-" + y.String()
}

// TestStopIdleClose checks ErrIdle, Stop from another goroutine while
// Next waits without an idle timeout, and Next after Close.
func TestStopIdleClose(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig(PortVXLAN, VXLAN)
	cfg.IdleTimeout = 50 * time.Millisecond
	s := e.open(t, cfg)
	var f pktsrc.Frame
	start := time.Now()
	if err := s.Next(&f); !errors.Is(err, ErrIdle) || !errors.Is(err, pktsrc.ErrIdle) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Next on a quiet socket: %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > 2*time.Second {
		t.Errorf("idle after %v", d)
	}
	// The source still works after going idle.
	sendAll(t, e.sender(t, 0), PortVXLAN, [][]byte{cat(pktbuild.VXLANHeader(1), innerFrame())})
	if err := s.Next(&f); err != nil || !bytes.Equal(f.Data, innerFrame()) {
		t.Fatalf("Next after idle: %v", err)
	}

	cfg.IdleTimeout = 0
	cfg.Port = 4790
	s2 := e.open(t, cfg)
	done := make(chan error, 1)
	go func() { done <- s2.Next(&pktsrc.Frame{}) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Next returned early: %v", err)
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
	s2.Stop()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Next(&f); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	if _, err := s2.Stats(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Stats after Close: %v", err)
	}
}

// TestNextAllocs checks that Next allocates nothing per frame.
func TestNextAllocs(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig(PortVXLAN, VXLAN)
	cfg.Batch = 8
	s := e.open(t, cfg)
	var ds [][]byte
	for range 300 {
		ds = append(ds, cat(pktbuild.VXLANHeader(1), innerFrame()))
	}
	sendAll(t, e.sender(t, 0), PortVXLAN, ds)
	time.Sleep(50 * time.Millisecond)
	var f pktsrc.Frame
	allocs := testing.AllocsPerRun(250, func() {
		if err := s.Next(&f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Next allocates %.1f times per frame", allocs)
	}
}

// TestOpenErrors checks the one-line messages for a port held by a socket
// that does not share it and for an address the host does not have.
func TestOpenErrors(t *testing.T) {
	e := newEnv(t)
	err := e.recv.Do(func() error {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: receiverIP.AsSlice(), Port: 4800})
		if err != nil {
			return err
		}
		defer c.Close()
		cfg := testConfig(4800, VXLAN)
		s, err := Open(cfg)
		if err == nil {
			s.Close()
			t.Error("Open on a taken port succeeded")
			return nil
		}
		want := "udpmirror: udp::10.77.0.2:4800:vxlan: UDP port 4800 is taken by a socket that does not share it (another program, or one run by another user); find it with: ss -ulpn 'sport = :4800': address already in use"
		if err.Error() != want {
			t.Errorf("taken port:\n got %v\nwant %s", err, want)
		}
		cfg = testConfig(4801, VXLAN)
		cfg.Addr = netip.MustParseAddr("10.99.0.1")
		if s, err = Open(cfg); err == nil {
			s.Close()
			t.Error("Open on a foreign address succeeded")
			return nil
		}
		if !strings.Contains(err.Error(), "10.99.0.1 is not an address of this host (see ip addr)") {
			t.Errorf("foreign address: %v", err)
		}
		cfg.Addr = netip.MustParseAddr("fe80::1%hnosuch")
		if s, err = Open(cfg); err == nil {
			s.Close()
			t.Error("Open with an unknown zone succeeded")
			return nil
		}
		if !strings.Contains(err.Error(), `no interface "hnosuch" for the address's zone (see ip link)`) {
			t.Errorf("unknown zone: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReceiveIPv6 sends VXLAN over IPv6 to a socket bound to the
// receiver's IPv6 address and to one bound to every address.
func TestReceiveIPv6(t *testing.T) {
	e := newEnv(t)
	e.send.Exec("sysctl", "-qw", "net.ipv6.conf.hms.disable_ipv6=0")
	e.recv.Exec("sysctl", "-qw", "net.ipv6.conf.hmr.disable_ipv6=0")
	e.send.Exec("ip", "addr", "add", "fd77::1/64", "dev", "hms", "nodad")
	e.recv.Exec("ip", "addr", "add", "fd77::2/64", "dev", "hmr", "nodad")
	for _, spec := range []string{"udp::[fd77::2]:4789", "udp:::4790:vxlan"} {
		cfg, err := ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		cfg.IdleTimeout = 300 * time.Millisecond
		s := e.open(t, cfg)
		var c *net.UDPConn
		if err := e.send.Do(func() (err error) {
			c, err = net.ListenUDP("udp6", &net.UDPAddr{IP: net.ParseIP("fd77::1"), Port: 40001})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		frame := innerFrame()
		if _, err := c.WriteToUDP(cat(pktbuild.VXLANHeader(9), frame), &net.UDPAddr{IP: net.ParseIP("fd77::2"), Port: int(cfg.Port)}); err != nil {
			t.Fatal(err)
		}
		c.Close()
		out := drain(t, s)
		if len(out) != 1 || !bytes.Equal(out[0].data, frame) || out[0].peer != netip.MustParseAddrPort("[fd77::1]:40001") {
			t.Fatalf("%s: got %d frames (%+v)", spec, len(out), out)
		}
	}
}

// TestSocketsOnPort counts the sockets bound to a port in the receiver's
// namespace: none, then the two of a group.
func TestSocketsOnPort(t *testing.T) {
	e := newEnv(t)
	count := func() int {
		var n int
		if err := e.recv.Do(func() (err error) {
			n, err = SocketsOnPort(PortVXLAN)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d sockets on a fresh namespace's port", n)
	}
	e.open(t, testConfig(PortVXLAN, VXLAN))
	e.open(t, testConfig(PortVXLAN, VXLAN))
	if n := count(); n != 2 {
		t.Fatalf("%d sockets on the port, want 2", n)
	}
}
