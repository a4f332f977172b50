//go:build linux && !386

package udpmirror

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// ctrlSize is the control buffer of one datagram: room for the
// SCM_TIMESTAMPNS message (a timespec) with some to spare.
const ctrlSize = 64

// Source receives mirrored traffic on one UDP socket and returns the
// packets inside the encapsulation as frames. It implements pktsrc.Source
// and pktsrc.Live.
//
// Next, Stats, CaptureStats, VNI, Peer and Close belong to one goroutine
// (the packet loop); Stop may be called from any goroutine.
type Source struct {
	cfg    Config
	name   string
	fd     int
	file   *os.File
	rc     syscall.RawConn
	readFn func(uintptr) bool

	buf   []byte                     // Batch slots of SlotSize bytes
	ctrl  []byte                     // Batch control buffers of ctrlSize bytes
	names []syscall.RawSockaddrInet6 // the senders' addresses
	iovs  []syscall.Iovec            // one per slot
	msgs  []mmsghdr                  // one per slot
	n, i  int                        // datagrams in the batch, next to look at
	last  int                        // slot of the frame Next returned last
	now   zeek.Time                  // the clock when the batch was read
	rn    int                        // readFn's result
	rerr  syscall.Errno              // readFn's error
	vni   uint32                     // VNI of the last frame
	stats Stats                      // counters
	warns []string                   // Open's warnings

	stopped atomic.Bool
	closed  bool
}

// Open creates the socket c describes, binds it and, for a group, attaches
// the steering program. Errors are one line saying what failed and what to
// do about it.
func Open(c Config) (*Source, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	s := &Source{cfg: c, name: c.Spec(), fd: -1}
	if err := s.open(); err != nil {
		if s.fd >= 0 {
			syscall.Close(s.fd)
		}
		return nil, err
	}
	s.file = os.NewFile(uintptr(s.fd), s.name)
	rc, err := s.file.SyscallConn()
	if err == nil {
		// Fails unless the runtime's poller took the socket.
		err = s.file.SetReadDeadline(time.Time{})
	}
	if err != nil {
		s.file.Close()
		return nil, fmt.Errorf("udpmirror: %s: cannot wait for the socket: %w", s.name, err)
	}
	s.rc = rc
	s.readFn = func(fd uintptr) bool {
		if s.stopped.Load() {
			return true
		}
		s.rn, s.rerr = s.recv()
		return s.rerr != syscall.EAGAIN
	}
	s.alloc()
	return s, nil
}

// open creates, configures and binds the socket.
func (s *Source) open() error {
	c := &s.cfg
	addr := c.Addr
	if z := addr.Zone(); z != "" {
		if _, err := net.InterfaceByName(z); err != nil {
			return fmt.Errorf("udpmirror: %s: no interface %q for the address's zone (see ip link)", s.name, z)
		}
	}
	family := syscall.AF_INET
	if !addr.IsValid() || addr.Is6() {
		family = syscall.AF_INET6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err == syscall.EAFNOSUPPORT && !addr.IsValid() {
		// No IPv6 in this kernel: every IPv4 address will do.
		family = syscall.AF_INET
		fd, err = syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	}
	if err != nil {
		return fmt.Errorf("udpmirror: %s: cannot open a UDP socket: %w", s.name, err)
	}
	s.fd = fd
	if family == syscall.AF_INET6 && !addr.IsValid() {
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 0); err != nil {
			return fmt.Errorf("udpmirror: %s: cannot receive IPv4 on an IPv6 socket: %w", s.name, err)
		}
	}
	if c.ReusePort {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1); err != nil {
			return fmt.Errorf("udpmirror: %s: cannot set SO_REUSEPORT: %w", s.name, err)
		}
	}
	if c.RecvBuffer > 0 {
		s.setRecvBuffer(c.RecvBuffer)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
		s.warns = append(s.warns, fmt.Sprintf("udpmirror: %s: the kernel gives no receive timestamps (SO_TIMESTAMPNS: %v); frames carry the time they were read", s.name, err))
	}
	if err := syscall.Bind(fd, sockaddr(family, addr, c.Port)); err != nil {
		return s.bindError(err)
	}
	if c.Group > 1 {
		prog, err := steeringProgram(c.Encap, c.Group)
		if err != nil {
			return err
		}
		fp := sockFprog{len: uint16(len(prog)), filter: &prog[0]}
		err = setsockopt(fd, syscall.SOL_SOCKET, soAttachReuseportCBPF, unsafe.Pointer(&fp), unsafe.Sizeof(fp))
		runtime.KeepAlive(prog)
		if err != nil {
			return fmt.Errorf("udpmirror: %s: the kernel refused the steering program for a group of %d sockets (SO_ATTACH_REUSEPORT_CBPF needs Linux 4.5): %w", s.name, c.Group, err)
		}
	}
	return nil
}

// setRecvBuffer asks for a receive buffer of n bytes: beyond
// net.core.rmem_max as root, else up to it, with a warning when the kernel
// gave less. (The kernel doubles the value it is given for its own
// bookkeeping and reports the doubled value.)
func (s *Source) setRecvBuffer(n int) {
	if syscall.SetsockoptInt(s.fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) == nil {
		return
	}
	syscall.SetsockoptInt(s.fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	got, err := syscall.GetsockoptInt(s.fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	if err == nil && got/2 < n {
		s.warns = append(s.warns, fmt.Sprintf("udpmirror: %s: the receive buffer is %d bytes, less than the %d asked for, so bursts may be dropped; raise the limit with: sysctl -w net.core.rmem_max=%d (or run as root)", s.name, got/2, n, n))
	}
}

// sockaddr returns the address to bind to.
func sockaddr(family int, addr netip.Addr, port uint16) syscall.Sockaddr {
	if family == syscall.AF_INET {
		sa := &syscall.SockaddrInet4{Port: int(port)}
		if addr.IsValid() {
			sa.Addr = addr.As4()
		}
		return sa
	}
	sa := &syscall.SockaddrInet6{Port: int(port)}
	if addr.IsValid() {
		sa.Addr = addr.As16()
		if z := addr.Zone(); z != "" {
			if ifi, err := net.InterfaceByName(z); err == nil {
				sa.ZoneId = uint32(ifi.Index)
			}
		}
	}
	return sa
}

// bindError explains a failed bind.
func (s *Source) bindError(err error) error {
	c := &s.cfg
	switch {
	case err == syscall.EADDRINUSE && c.ReusePort:
		return fmt.Errorf("udpmirror: %s: UDP port %d is taken by a socket that does not share it (another program, or one run by another user); find it with: ss -ulpn 'sport = :%d': %w", s.name, c.Port, c.Port, err)
	case err == syscall.EADDRINUSE:
		return fmt.Errorf("udpmirror: %s: UDP port %d is already in use; find the owner with: ss -ulpn 'sport = :%d': %w", s.name, c.Port, c.Port, err)
	case err == syscall.EADDRNOTAVAIL:
		return fmt.Errorf("udpmirror: %s: %s is not an address of this host (see ip addr), or leave ADDR empty for every address: %w", s.name, c.Addr, err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("udpmirror: %s: permission denied binding UDP port %d: ports below 1024 need root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=eip $(which heron)): %w", s.name, c.Port, err)
	}
	return fmt.Errorf("udpmirror: %s: cannot bind: %w", s.name, err)
}

// alloc sets up the batch: one slot, iovec, name and control buffer per
// datagram, linked once so that receiving only resets lengths.
func (s *Source) alloc() {
	b, slot := s.cfg.Batch, s.cfg.SlotSize
	s.buf = make([]byte, b*slot)
	s.ctrl = make([]byte, b*ctrlSize)
	s.names = make([]syscall.RawSockaddrInet6, b)
	s.iovs = make([]syscall.Iovec, b)
	s.msgs = make([]mmsghdr, b)
	for i := range s.msgs {
		s.iovs[i].Base = &s.buf[i*slot]
		s.iovs[i].SetLen(slot)
		h := &s.msgs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&s.names[i]))
		h.Iov = &s.iovs[i]
		h.Iovlen = 1
		h.Control = &s.ctrl[i*ctrlSize]
	}
}

// recv reads the next batch without waiting. MSG_TRUNC makes the kernel
// report each datagram's full length even when its slot was too small.
func (s *Source) recv() (int, syscall.Errno) {
	for i := range s.msgs {
		m := &s.msgs[i]
		m.hdr.Namelen = syscall.SizeofSockaddrInet6
		m.hdr.SetControllen(ctrlSize)
		m.hdr.Flags = 0
		m.n = 0
	}
	for {
		n, e := recvmmsg(s.fd, s.msgs, syscall.MSG_DONTWAIT|syscall.MSG_TRUNC)
		if e != syscall.EINTR {
			return n, e
		}
	}
}

// Next fills f with the next mirrored packet, waiting for one if needed.
// f.Data lies in the source's receive buffer (borrowed): it is valid only
// until the next call to Next or Close, and must not be retained or
// modified. f.LinkType is Ethernet (1), or raw IP (101) for a Geneve
// payload that is an IP packet; f.TS is the kernel's receive time of the
// datagram (the clock when it was read if the kernel gave none);
// f.WireLen is the packet's length in the datagram and f.CapLen is less
// only when the datagram was longer than Config.SlotSize. Datagrams that
// hold no mirrored packet are counted in Stats and skipped.
//
// Next returns io.EOF once Stop was called, ErrIdle when
// Config.IdleTimeout passed without a frame, and an error wrapping
// os.ErrClosed after Close. It allocates nothing.
func (s *Source) Next(f *pktsrc.Frame) error {
	if s.closed {
		return s.errClosed()
	}
	for {
		if s.stopped.Load() {
			return io.EOF
		}
		for s.i < s.n {
			if s.frame(f) {
				return nil
			}
		}
		if err := s.fill(); err != nil {
			return err
		}
	}
}

// frame turns slot s.i into f, or counts why it cannot.
func (s *Source) frame(f *pktsrc.Frame) bool {
	i := s.i
	s.i++
	m := &s.msgs[i]
	s.stats.Datagrams++
	slot := s.cfg.SlotSize
	dlen := int(m.n)
	clen := min(dlen, slot)
	if dlen > slot {
		s.stats.Truncated++
	}
	inner, link, vni, v := decap(s.cfg.Encap, s.buf[i*slot:i*slot+clen])
	switch v {
	case vOK:
	case vControl:
		s.stats.Control++
		return false
	default:
		s.stats.Malformed++
		return false
	}
	ts, ok := s.kernelTime(i)
	if ok {
		s.stats.KernelTimestamps++
	} else {
		ts = s.now
	}
	wire := dlen - (clen - len(inner))
	*f = pktsrc.Frame{
		TS:       ts,
		CapLen:   uint32(len(inner)),
		WireLen:  uint32(wire),
		LinkType: link,
		Data:     inner,
	}
	s.last, s.vni = i, vni
	s.stats.Received++
	s.stats.BytesReceived += uint64(wire)
	return true
}

// kernelTime returns the SCM_TIMESTAMPNS time of slot i, if the kernel
// attached one.
func (s *Source) kernelTime(i int) (zeek.Time, bool) {
	ctrl := s.ctrl[i*ctrlSize : i*ctrlSize+min(int(s.msgs[i].hdr.Controllen), ctrlSize)]
	hdrLen := syscall.CmsgLen(0)
	for len(ctrl) >= hdrLen {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
		l := int(h.Len)
		if l < hdrLen || l > len(ctrl) {
			break
		}
		if h.Level == syscall.SOL_SOCKET && h.Type == syscall.SCM_TIMESTAMPNS {
			data := ctrl[hdrLen:l]
			var sec, nsec int64
			switch {
			case len(data) >= 16:
				sec, nsec = int64(binary.NativeEndian.Uint64(data)), int64(binary.NativeEndian.Uint64(data[8:]))
			case len(data) >= 8:
				sec, nsec = int64(int32(binary.NativeEndian.Uint32(data))), int64(int32(binary.NativeEndian.Uint32(data[4:])))
			default:
				return 0, false
			}
			return zeek.Time(sec*1e9 + nsec), true
		}
		next := syscall.CmsgSpace(l - hdrLen)
		if next >= len(ctrl) {
			break
		}
		ctrl = ctrl[next:]
	}
	return 0, false
}

// fill reads the next batch, waiting in the runtime's poller while the
// socket is empty, until Stop is called or the idle timeout passes.
func (s *Source) fill() error {
	s.n, s.i = 0, 0
	n, e := s.recv()
	if e == syscall.EAGAIN {
		if s.cfg.IdleTimeout > 0 {
			s.file.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		}
		if s.stopped.Load() {
			return io.EOF
		}
		err := s.rc.Read(s.readFn)
		switch {
		case s.stopped.Load():
			return io.EOF
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			return ErrIdle
		default:
			return fmt.Errorf("udpmirror: %s: waiting for datagrams: %w", s.name, err)
		}
		n, e = s.rn, s.rerr
	}
	if e != 0 {
		return fmt.Errorf("udpmirror: %s: receiving: %w", s.name, e)
	}
	s.n = n
	s.now = zeek.Time(time.Now().UnixNano())
	return nil
}

// Stop makes a waiting Next, and every Next after it, return io.EOF. It
// may be called from any goroutine (a signal handler, say); the source
// still has to be closed.
func (s *Source) Stop() {
	if s.stopped.Swap(true) {
		return
	}
	if s.file != nil {
		s.file.SetReadDeadline(time.Unix(1, 0))
	}
}

// LinkType returns 1 (Ethernet), the link type of most frames; see Next
// for the exception.
func (s *Source) LinkType() uint32 { return linkEthernet }

// Name returns the source's spec, e.g. "udp::0.0.0.0:4789:vxlan".
func (s *Source) Name() string { return s.name }

// Warnings returns the warnings Open produced (a receive buffer smaller
// than asked for, no kernel timestamps), one line each, for the caller
// to print.
func (s *Source) Warnings() []string { return s.warns }

// VNI returns the network identifier in the encapsulation header of the
// frame Next returned last (VXLAN's VNI; Geneve's VNI, which Google
// Cloud's mirroring leaves 0). AWS VPC Traffic Mirroring puts the mirror
// session's VNI there.
func (s *Source) VNI() uint32 { return s.vni }

// Peer returns the outer source address and port of the frame Next
// returned last: the mirror's sending host (for AWS, the mirrored network
// interface's primary address).
func (s *Source) Peer() netip.AddrPort {
	if s.n == 0 {
		return netip.AddrPort{}
	}
	raw := &s.names[s.last]
	port := func(p uint16) uint16 { return p<<8 | p>>8 }
	switch raw.Family {
	case syscall.AF_INET:
		sa := (*syscall.RawSockaddrInet4)(unsafe.Pointer(raw))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port(sa.Port))
	case syscall.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(raw.Addr).Unmap(), port(raw.Port))
	}
	return netip.AddrPort{}
}

// CaptureStats implements pktsrc.Live with Stats: Link is every datagram
// that reached the socket (read or dropped).
func (s *Source) CaptureStats() (pktsrc.Stats, error) {
	st, err := s.Stats()
	return pktsrc.Stats{
		Received:      st.Received,
		BytesReceived: st.BytesReceived,
		Link:          st.Datagrams + st.Dropped,
		Dropped:       st.Dropped,
	}, err
}

// Stats returns the counters since Open, reading the kernel's drop count.
func (s *Source) Stats() (Stats, error) {
	if s.closed {
		return Stats{}, s.errClosed()
	}
	var mem [skMeminfoVars]uint32
	n := uint32(unsafe.Sizeof(mem))
	if err := getsockopt(s.fd, syscall.SOL_SOCKET, soMeminfo, unsafe.Pointer(&mem), &n); err != nil {
		return s.stats, fmt.Errorf("udpmirror: %s: cannot read the socket's drop count: %w", s.name, err)
	}
	if n > skMeminfoDrops*4 {
		s.stats.Dropped = uint64(mem[skMeminfoDrops])
	}
	return s.stats, nil
}

// Close releases the socket. Frames returned earlier become invalid. It
// must not run concurrently with Next (call Stop first).
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.stopped.Store(true)
	err := s.file.Close()
	s.buf, s.ctrl, s.n, s.i = nil, nil, 0, 0
	if err != nil {
		return fmt.Errorf("udpmirror: %s: %w", s.name, err)
	}
	return nil
}

func (s *Source) errClosed() error {
	return fmt.Errorf("udpmirror: %s: %w", s.name, os.ErrClosed)
}

// SocketsOnPort counts the UDP sockets (IPv4 and IPv6) in the calling
// thread's network namespace that are bound to port, from
// /proc/thread-self/net/udp and udp6. A caller about to form a steered
// group uses it to notice sockets that would share the group without
// being counted in it.
func SocketsOnPort(port uint16) (int, error) {
	suffix := fmt.Sprintf(":%04X", port)
	dir := "/proc/thread-self/net/"
	if _, err := os.Stat(dir); err != nil {
		dir = "/proc/net/" // before Linux 3.17
	}
	n := 0
	for _, name := range []string{"udp", "udp6"} {
		b, err := os.ReadFile(dir + name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // no IPv6
			}
			return 0, fmt.Errorf("udpmirror: counting the sockets on port %d: %w", port, err)
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			// sl local_address rem_address st …
			if f := strings.Fields(line); len(f) > 2 && strings.HasSuffix(f[1], suffix) {
				n++
			}
		}
	}
	return n, nil
}
