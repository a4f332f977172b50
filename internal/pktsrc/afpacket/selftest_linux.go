//go:build !386

package afpacket

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Self-test parameters: flows per address family and packets per direction.
const (
	selfTestFlows   = 24
	selfTestPackets = 3
	selfTestMarker  = "heron-fanout-selftest"
)

// FanoutSelfTest checks that the running kernel's PACKET_FANOUT hash sends
// both directions of a flow to the same member of a fanout group, which
// Heron's workers rely on (kernels 3.10 to 4.7 could hash them
// differently). In a private network namespace that it creates and
// discards, it opens two sockets in one FanoutHash group on one end of a
// veth pair, sends both directions of several TCP and UDP flows over IPv4
// and IPv6 into the other end, and checks that every flow arrived whole at
// one socket. It needs root (CAP_SYS_ADMIN for the namespace, CAP_NET_RAW
// and CAP_NET_ADMIN in it) and takes a fraction of a second.
//
// It returns nil when the hash is symmetric, an error wrapping
// ErrSelfTestUnavailable when the test could not run, and otherwise an
// error saying how many flows were split.
func FanoutSelfTest() error {
	errc := make(chan error, 1)
	go func() {
		// The thread joins a new namespace and is never unlocked, so it
		// ends with the goroutine and takes the namespace along.
		runtime.LockOSThread()
		errc <- fanoutSelfTest()
	}()
	return <-errc
}

func fanoutSelfTest() error {
	if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
		return fmt.Errorf("afpacket: %w: cannot create a network namespace (needs root): %w", ErrSelfTestUnavailable, err)
	}
	const a, b = "hrnselfa", "hrnselfb"
	if err := createVeth(a, b); err != nil {
		return fmt.Errorf("afpacket: %w: cannot create a veth pair: %w", ErrSelfTestUnavailable, err)
	}
	for _, name := range []string{a, b} {
		if err := linkUp(name); err != nil {
			return fmt.Errorf("afpacket: %w: cannot bring up %s: %w", ErrSelfTestUnavailable, name, err)
		}
	}

	cfg := DefaultConfig(a)
	cfg.BufferSize = 1 << 20
	cfg.BlockSize = uint32(os.Getpagesize())
	cfg.BlockTimeout = time.Millisecond
	cfg.IdleTimeout = 200 * time.Millisecond
	cfg.FanoutID = 1
	var members [2]*Source
	for i := range members {
		s, err := Open(cfg)
		if err != nil {
			for _, m := range members[:i] {
				m.Close()
			}
			return fmt.Errorf("afpacket: %w: %w", ErrSelfTestUnavailable, err)
		}
		members[i] = s
	}
	defer members[0].Close()
	defer members[1].Close()

	frames := selfTestFrames()
	if err := sendFrames(b, frames); err != nil {
		return fmt.Errorf("afpacket: %w: cannot send test frames: %w", ErrSelfTestUnavailable, err)
	}

	// Which members saw each flow, as a bit set.
	seen := make([]uint8, 2*selfTestFlows*3)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var got int
	for i, s := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f pktsrc.Frame
			for s.Next(&f) == nil {
				if flow, ok := selfTestFlow(f.Data); ok && flow < len(seen) {
					mu.Lock()
					seen[flow] |= 1 << i
					got++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if got != len(frames) {
		return fmt.Errorf("afpacket: %w: %d of %d test frames arrived", ErrSelfTestUnavailable, got, len(frames))
	}
	return splitVerdict(seen)
}

// splitVerdict judges the members seen per flow: every flow must have
// reached exactly one member.
func splitVerdict(seen []uint8) error {
	split := 0
	for _, m := range seen {
		if m == 3 {
			split++
		}
	}
	if split == 0 {
		return nil
	}
	var uts syscall.Utsname
	release := "this kernel"
	if syscall.Uname(&uts) == nil {
		var sb strings.Builder
		for _, c := range uts.Release {
			if c == 0 {
				break
			}
			sb.WriteByte(byte(c))
		}
		release = "kernel " + sb.String()
	}
	return fmt.Errorf("afpacket: fanout self-test: %s sent the two directions of %d of %d flows to different fanout members, so workers would each see half of those connections; upgrade the kernel or capture with one process per interface (AF_Packet::enable_fanout=F)", release, split, len(seen))
}

// selfTestFrames builds both directions of the test flows: for each
// flow index, TCP over IPv4, UDP over IPv4 and TCP over IPv6.
func selfTestFrames() [][]byte {
	var frames [][]byte
	for i := 0; i < selfTestFlows; i++ {
		for kind := 0; kind < 3; kind++ {
			flow := i*3 + kind
			for n := 0; n < selfTestPackets; n++ {
				frames = append(frames, selfTestFrame(flow, kind, false), selfTestFrame(flow, kind, true))
			}
		}
	}
	return frames
}

// selfTestFrame builds one Ethernet frame of a test flow; reply swaps the
// addresses and ports. The payload carries the marker and the flow index.
func selfTestFrame(flow, kind int, reply bool) []byte {
	be := binary.BigEndian
	payload := append([]byte(selfTestMarker), 0, 0)
	be.PutUint16(payload[len(selfTestMarker):], uint16(flow))
	proto := byte(6)
	l4len := 20
	if kind == 1 {
		proto, l4len = 17, 8
	}
	l4 := make([]byte, l4len, l4len+len(payload))
	sport, dport := uint16(20000+flow), uint16(80+flow%7)
	if reply {
		sport, dport = dport, sport
	}
	be.PutUint16(l4[0:], sport)
	be.PutUint16(l4[2:], dport)
	if proto == 6 {
		l4[12] = 5 << 4
		l4[13] = 0x18 // PSH|ACK
		be.PutUint16(l4[14:], 65535)
	} else {
		be.PutUint16(l4[4:], uint16(8+len(payload)))
	}
	l4 = append(l4, payload...)

	frame := make([]byte, 14, 14+40+len(l4))
	copy(frame[0:6], []byte{0x02, 0x68, 0x72, 0x6e, 0x00, 0x02})
	copy(frame[6:12], []byte{0x02, 0x68, 0x72, 0x6e, 0x00, 0x01})
	if kind < 2 {
		be.PutUint16(frame[12:], 0x0800)
		ip := make([]byte, 20)
		ip[0] = 0x45
		be.PutUint16(ip[2:], uint16(20+len(l4)))
		ip[8], ip[9] = 64, proto
		src := [4]byte{10, 77, byte(flow >> 8), byte(flow)}
		dst := [4]byte{10, 78, byte(flow >> 8), byte(flow)}
		if reply {
			src, dst = dst, src
		}
		copy(ip[12:], src[:])
		copy(ip[16:], dst[:])
		be.PutUint16(ip[10:], ipChecksum(ip))
		frame = append(frame, ip...)
	} else {
		be.PutUint16(frame[12:], 0x86dd)
		ip := make([]byte, 40)
		ip[0] = 0x60
		be.PutUint16(ip[4:], uint16(len(l4)))
		ip[6], ip[7] = proto, 64
		src := [16]byte{0xfd, 0x00, 0x77, 14: byte(flow >> 8), 15: byte(flow)}
		dst := [16]byte{0xfd, 0x00, 0x78, 14: byte(flow >> 8), 15: byte(flow)}
		if reply {
			src, dst = dst, src
		}
		copy(ip[8:], src[:])
		copy(ip[24:], dst[:])
		frame = append(frame, ip...)
	}
	return append(frame, l4...)
}

// selfTestFlow finds the marker in a captured frame and returns its flow.
func selfTestFlow(data []byte) (int, bool) {
	n := len(selfTestMarker)
	if len(data) < n+2 || string(data[len(data)-n-2:len(data)-2]) != selfTestMarker {
		return 0, false
	}
	return int(binary.BigEndian.Uint16(data[len(data)-2:])), true
}

func ipChecksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// sendFrames sends frames out of iface through a packet socket.
func sendFrames(iface string, frames [][]byte) error {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	ifr := newIfreq(iface)
	if err := ioctl(fd, syscall.SIOCGIFINDEX, unsafe.Pointer(ifr)); err != nil {
		return err
	}
	to := &syscall.SockaddrLinklayer{Ifindex: int(int32(binary.NativeEndian.Uint32(ifr.data[:]))), Protocol: htons(ethPAll)}
	for _, f := range frames {
		if err := syscall.Sendto(fd, f, 0, to); err != nil {
			return err
		}
	}
	return nil
}

// linkUp sets IFF_UP on iface.
func linkUp(iface string) error {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	ifr := newIfreq(iface)
	if err := ioctl(fd, syscall.SIOCGIFFLAGS, unsafe.Pointer(ifr)); err != nil {
		return err
	}
	flags := binary.NativeEndian.Uint16(ifr.data[:]) | syscall.IFF_UP
	binary.NativeEndian.PutUint16(ifr.data[:], flags)
	return ioctl(fd, syscall.SIOCSIFFLAGS, unsafe.Pointer(ifr))
}

// createVeth creates the veth pair a–b with one RTM_NEWLINK request over
// rtnetlink.
func createVeth(a, b string) error {
	ne := binary.NativeEndian
	attr := func(typ uint16, data []byte) []byte {
		out := make([]byte, 4, 4+len(data)+3)
		ne.PutUint16(out[0:], uint16(4+len(data)))
		ne.PutUint16(out[2:], typ)
		out = append(out, data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		return out
	}
	ifinfo := make([]byte, syscall.SizeofIfInfomsg)
	const vethInfoPeer = 1 // VETH_INFO_PEER
	peer := append(append([]byte{}, ifinfo...), attr(syscall.IFLA_IFNAME, append([]byte(b), 0))...)
	linkinfo := append(attr(1 /* IFLA_INFO_KIND */, []byte("veth\x00")),
		attr(2 /* IFLA_INFO_DATA */, attr(vethInfoPeer, peer))...)
	body := append(append([]byte{}, ifinfo...), attr(syscall.IFLA_IFNAME, append([]byte(a), 0))...)
	body = append(body, attr(18 /* IFLA_LINKINFO */, linkinfo)...)

	msg := make([]byte, syscall.SizeofNlMsghdr, syscall.SizeofNlMsghdr+len(body))
	ne.PutUint32(msg[0:], uint32(syscall.SizeofNlMsghdr+len(body)))
	ne.PutUint16(msg[4:], syscall.RTM_NEWLINK)
	ne.PutUint16(msg[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_ACK|syscall.NLM_F_CREATE|syscall.NLM_F_EXCL)
	ne.PutUint32(msg[8:], 1)
	msg = append(msg, body...)

	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Header.Type != syscall.NLMSG_ERROR {
				continue
			}
			if len(m.Data) < 4 {
				return io.ErrUnexpectedEOF
			}
			if code := int32(ne.Uint32(m.Data)); code != 0 {
				return syscall.Errno(-code)
			}
			return nil
		}
	}
}
