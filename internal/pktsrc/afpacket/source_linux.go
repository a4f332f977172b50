//go:build !386

package afpacket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/ethtool"
)

// Source captures frames from one network interface through an AF_PACKET
// socket with a TPACKET_V3 ring. It implements pktsrc.Source.
//
// Next, Stats, SetBPF, L4Checksummed and Close belong to one goroutine
// (the packet loop); Stop may be called from any goroutine.
type Source struct {
	name     string
	ifindex  int
	fd       int
	file     *os.File
	rc       syscall.RawConn
	mem      []byte
	r        *ring
	csum     ChecksumMode
	idle     time.Duration
	readyFn  func(uintptr) bool
	stopped  atomic.Bool
	closed   bool
	warnings []string

	received, bytes        uint64
	link, drops, freezeCnt uint64
}

// Interface statically checks Source against pktsrc.Source.
var _ pktsrc.Source = (*Source)(nil)

// Open opens a capture socket on the interface c names, in promiscuous
// mode, with its ring, fanout group and filter set up as c says. Errors
// are one line saying what failed and what to do about it; a missing
// permission wraps os.ErrPermission and names the capability and the
// setcap command.
func Open(c Config) (*Source, error) {
	nblocks, err := c.validate()
	if err != nil {
		return nil, err
	}
	iface := c.Interface
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, permissionError(iface, "opening a packet socket", err)
		}
		return nil, fmt.Errorf("afpacket: %s: cannot open a packet socket: %w", iface, err)
	}
	s := &Source{name: iface, fd: fd, csum: c.ChecksumMode, idle: c.IdleTimeout}
	if err := s.setup(&c, nblocks); err != nil {
		s.closeFD()
		return nil, err
	}
	s.readyFn = func(uintptr) bool { return s.r.ready() || s.stopped.Load() }
	s.file = os.NewFile(uintptr(fd), "af_packet:"+iface)
	s.rc, err = s.file.SyscallConn()
	if err == nil {
		// Fails unless the runtime's poller took the socket.
		err = s.file.SetReadDeadline(time.Time{})
	}
	if err != nil {
		s.file.Close()
		syscall.Munmap(s.mem)
		return nil, fmt.Errorf("afpacket: %s: cannot wait for the socket: %w", iface, err)
	}
	return s, nil
}

// setup configures the socket: interface checks, ring, filter, bind,
// promiscuous mode, fanout and hardware timestamps, in the order the
// kernel needs them.
func (s *Source) setup(c *Config, nblocks uint32) error {
	iface := c.Interface
	ifr := newIfreq(iface)
	if err := ioctl(s.fd, syscall.SIOCGIFINDEX, unsafe.Pointer(ifr)); err != nil {
		if err == syscall.ENODEV {
			return fmt.Errorf("afpacket: %s: no such interface (see ip link)", iface)
		}
		return fmt.Errorf("afpacket: %s: cannot look up the interface: %w", iface, err)
	}
	s.ifindex = int(int32(binary.NativeEndian.Uint32(ifr.data[:])))
	ifr = newIfreq(iface)
	if err := ioctl(s.fd, syscall.SIOCGIFFLAGS, unsafe.Pointer(ifr)); err != nil {
		return fmt.Errorf("afpacket: %s: cannot read the interface flags: %w", iface, err)
	}
	flags := binary.NativeEndian.Uint16(ifr.data[:])
	if flags&syscall.IFF_UP == 0 {
		return fmt.Errorf("afpacket: %s: interface is down; bring it up with: ip link set %s up", iface, iface)
	}
	if flags&syscall.IFF_LOOPBACK != 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("afpacket: %s is a loopback interface: AF_PACKET sees every packet on it twice, so connections look retransmitted and counts double; capture loopback traffic from a trace file or with tcpdump instead", iface))
	}

	if err := syscall.SetsockoptInt(s.fd, solPacket, packetVersion, tpacketV3); err != nil {
		return fmt.Errorf("afpacket: %s: this kernel does not support TPACKET_V3 rings: %w", iface, err)
	}
	// Room in front of each frame to put back a VLAN tag in place.
	if err := syscall.SetsockoptInt(s.fd, solPacket, packetReserve, vlanTagLen); err != nil {
		return fmt.Errorf("afpacket: %s: cannot reserve frame headroom: %w", iface, err)
	}
	req := tpacketReq3{
		blockSize:    c.BlockSize,
		blockNr:      nblocks,
		frameSize:    frameSize,
		frameNr:      (c.BlockSize / frameSize) * nblocks,
		retireBlkTov: uint32(c.BlockTimeout.Milliseconds()),
	}
	if err := setsockopt(s.fd, solPacket, packetRxRing, unsafe.Pointer(&req), unsafe.Sizeof(req)); err != nil {
		if err == syscall.ENOMEM {
			return fmt.Errorf("afpacket: %s: not enough memory for a %s ring; lower AF_Packet::buffer_size: %w", iface, sizeString(uint64(nblocks)*uint64(c.BlockSize)), err)
		}
		return fmt.Errorf("afpacket: %s: cannot set up the ring (AF_Packet::buffer_size=%d, AF_Packet::block_size=%d): %w", iface, c.BufferSize, c.BlockSize, err)
	}
	size := int(nblocks) * int(c.BlockSize)
	mem, err := syscall.Mmap(s.fd, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("afpacket: %s: cannot map the %s ring; lower AF_Packet::buffer_size: %w", iface, sizeString(uint64(size)), err)
	}
	s.mem = mem
	s.r = newRing(mem, int(c.BlockSize), int(nblocks), c.LinkType)

	if len(c.Filter) > 0 {
		if err := s.attach(c.Filter); err != nil {
			return err
		}
	}
	// The socket was opened for no protocol, so nothing entered the ring
	// yet; binding for ETH_P_ALL starts the capture.
	sll := &syscall.SockaddrLinklayer{Protocol: htons(ethPAll), Ifindex: s.ifindex}
	if err := syscall.Bind(s.fd, sll); err != nil {
		return fmt.Errorf("afpacket: %s: cannot bind to the interface: %w", iface, err)
	}
	mreq := packetMreq{ifindex: int32(s.ifindex), typ: packetMRPromisc}
	if err := setsockopt(s.fd, solPacket, packetAddMembership, unsafe.Pointer(&mreq), unsafe.Sizeof(mreq)); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return permissionError(iface, "entering promiscuous mode", err)
		}
		return fmt.Errorf("afpacket: %s: cannot enter promiscuous mode: %w", iface, err)
	}
	if c.EnableFanout {
		// The option is a 32-bit word: id in the low half, mode and flags
		// in the high half.
		arg := uint32(c.FanoutID) | uint32(c.FanoutMode)<<16
		if c.EnableDefrag {
			arg |= fanoutFlagDefrag << 16
		}
		if err := syscall.SetsockoptInt(s.fd, solPacket, packetFanout, int(int32(arg))); err != nil {
			return fanoutError(c, err)
		}
	}
	if c.EnableHWTimestamping {
		if err := s.hwTimestamps(iface); err != nil {
			return err
		}
	}
	return nil
}

// hwTimestamps asks the NIC to timestamp every received packet and the
// socket to report those timestamps.
func (s *Source) hwTimestamps(iface string) error {
	cfg := hwtstampConfig{txType: hwtstampTxOff, rxFilter: hwtstampFilterAll}
	ifr := &ifreqPtr{ptr: unsafe.Pointer(&cfg)}
	copy(ifr.name[:ifNameSize-1], iface)
	err := ioctl(s.fd, siocSHWTSTAMP, unsafe.Pointer(ifr))
	runtime.KeepAlive(&cfg)
	if err == nil {
		err = syscall.SetsockoptInt(s.fd, solPacket, packetTimestamp, sofTSRawHardware|sofTSRxHardware)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrPermission):
		return permissionError(iface, "enabling hardware timestamps", err)
	case errors.Is(err, errors.ErrUnsupported) || err == syscall.EINVAL || err == syscall.ERANGE:
		return fmt.Errorf("afpacket: %s: the interface does not support hardware timestamps; set AF_Packet::enable_hw_timestamping=F: %w", iface, err)
	}
	return fmt.Errorf("afpacket: %s: cannot enable hardware timestamps: %w", iface, err)
}

// permissionError is the one line a user without the capabilities sees.
func permissionError(iface, what string, err error) error {
	return fmt.Errorf("afpacket: %s: permission denied %s: capturing needs root or the CAP_NET_RAW capability (CAP_NET_ADMIN too for hardware timestamps); grant them with: setcap cap_net_raw,cap_net_admin=eip $(which heron): %w", iface, what, err)
}

// fanoutError explains a refused PACKET_FANOUT join. The kernel refuses
// (EINVAL) a group id that already exists on another interface or with
// another mode or flags.
func fanoutError(c *Config, err error) error {
	if err == syscall.EINVAL {
		return fmt.Errorf("afpacket: %s: cannot join fanout group %d: the id is already in use on another interface (or with another AF_Packet::fanout_mode or AF_Packet::enable_defrag); give each interface its own id, e.g. AF_Packet::fanout_id=%d for %s: %w",
			c.Interface, c.FanoutID, uint16(c.FanoutID+1), c.Interface, err)
	}
	if errors.Is(err, os.ErrPermission) {
		return permissionError(c.Interface, "joining a fanout group", err)
	}
	return fmt.Errorf("afpacket: %s: cannot join fanout group %d (%v): %w", c.Interface, c.FanoutID, c.FanoutMode, err)
}

// attach attaches prog to the socket with SO_ATTACH_FILTER.
func (s *Source) attach(prog []RawInstruction) error {
	if len(prog) > maxBPFInstructions {
		return fmt.Errorf("afpacket: %s: capture filter has %d instructions, more than the kernel's limit of %d", s.name, len(prog), maxBPFInstructions)
	}
	fp := sockFprog{len: uint16(len(prog)), filter: &prog[0]}
	err := setsockopt(s.fd, syscall.SOL_SOCKET, soAttachFilter, unsafe.Pointer(&fp), unsafe.Sizeof(fp))
	runtime.KeepAlive(prog)
	if err != nil {
		return fmt.Errorf("afpacket: %s: the kernel refused the capture filter: %w", s.name, err)
	}
	return nil
}

// SetBPF replaces the socket's capture filter with the classic BPF program
// prog (SO_ATTACH_FILTER); an empty prog removes the filter. Frames already
// in the ring when it is called were not filtered: to filter from the first
// packet, pass the program in Config.Filter instead.
func (s *Source) SetBPF(prog []RawInstruction) error {
	if s.closed {
		return errClosed(s.name)
	}
	if len(prog) == 0 {
		err := syscall.SetsockoptInt(s.fd, syscall.SOL_SOCKET, soDetachFilter, 0)
		if err != nil && err != syscall.ENOENT {
			return fmt.Errorf("afpacket: %s: cannot remove the capture filter: %w", s.name, err)
		}
		return nil
	}
	return s.attach(prog)
}

// Next fills f with the next captured frame, waiting for one if needed.
// f.Data lies in the ring (borrowed): it is valid only until the next call
// to Next or Close, and must not be retained; the block holding it goes
// back to the kernel on the next call. f.TS has the kernel's nanosecond
// resolution (Zeek reads AF_PACKET timestamps at microsecond resolution;
// callers that need Zeek's view truncate it), f.LinkType is
// Config.LinkType and f.IfIndex is 0.
//
// Next returns io.EOF once Stop was called, ErrIdle when
// Config.IdleTimeout passed without a packet, and an error wrapping
// os.ErrClosed after Close. It allocates nothing.
func (s *Source) Next(f *pktsrc.Frame) error {
	if s.closed {
		return errClosed(s.name)
	}
	for {
		if s.stopped.Load() {
			return io.EOF
		}
		if s.r.next(f) {
			s.received++
			s.bytes += uint64(f.WireLen)
			f.L4Checksummed = s.L4Checksummed()
			return nil
		}
		if err := s.wait(); err != nil {
			return err
		}
	}
}

// wait blocks in the runtime's poller until the kernel hands over the next
// block, Stop is called, or the idle timeout passes.
func (s *Source) wait() error {
	if s.idle > 0 {
		s.file.SetReadDeadline(time.Now().Add(s.idle))
	}
	if s.stopped.Load() {
		return io.EOF
	}
	err := s.rc.Read(s.readyFn)
	switch {
	case err == nil:
		return nil
	case s.stopped.Load():
		return io.EOF
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ErrIdle
	}
	return fmt.Errorf("afpacket: %s: waiting for packets: %w", s.name, err)
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

// L4Checksummed reports whether the transport checksum of the frame Next
// returned last counts as verified, as Zeek's AF_Packet::
// checksum_validation_mode decides (Zeek's Packet::l4_checksummed):
// always with ChecksumOff, never with ChecksumOn, and with ChecksumKernel
// when the kernel marked the packet TP_STATUS_CSUM_VALID or
// TP_STATUS_CSUMNOTREADY. Like Zeek, the source never vouches for IP
// header checksums (l3_checksummed stays false).
func (s *Source) L4Checksummed() bool {
	switch s.csum {
	case ChecksumOff:
		return true
	case ChecksumKernel:
		return s.r.status&(statusCsumValid|statusCsumNotReady) != 0
	}
	return false
}

// LinkType returns Config.LinkType.
func (s *Source) LinkType() uint32 { return s.r.linkType }

// Interface returns the name of the interface the source captures on.
func (s *Source) Interface() string { return s.name }

// Warnings returns the warnings Open produced (a loopback interface), one
// line each, for the caller to print.
func (s *Source) Warnings() []string { return s.warnings }

// OffloadWarning checks the interface's offloads (GRO, LRO, TSO, GSO, rx
// checksumming) with the ethtool ioctls and returns the one warning line,
// with the ethtool -K command that turns them off, or "" when none is on.
func (s *Source) OffloadWarning() (string, error) {
	if s.closed {
		return "", errClosed(s.name)
	}
	rep, err := ethtool.QueryFD(s.fd, s.name)
	if err != nil {
		return "", err
	}
	return rep.Warning(), nil
}

// CaptureStats implements pktsrc.Live with Stats.
func (s *Source) CaptureStats() (pktsrc.Stats, error) {
	st, err := s.Stats()
	return pktsrc.Stats{Received: st.Received, BytesReceived: st.BytesReceived, Link: st.Link, Dropped: st.Dropped}, err
}

// Stats reads the kernel's counters (which it resets on each read) and
// returns the totals since Open.
func (s *Source) Stats() (Stats, error) {
	if s.closed {
		return Stats{}, errClosed(s.name)
	}
	var st tpacketStatsV3
	n := uint32(unsafe.Sizeof(st))
	if err := getsockopt(s.fd, solPacket, packetStatistics, unsafe.Pointer(&st), &n); err != nil {
		return Stats{}, fmt.Errorf("afpacket: %s: cannot read statistics: %w", s.name, err)
	}
	s.link += uint64(st.packets)
	s.drops += uint64(st.drops)
	s.freezeCnt += uint64(st.freezeQCnt)
	return Stats{
		Received: s.received, BytesReceived: s.bytes,
		Link: s.link, Dropped: s.drops, FreezeQueue: s.freezeCnt,
		Empty: s.r.empty,
	}, nil
}

// Close releases the socket and its ring. Frames returned earlier become
// invalid. It must not run concurrently with Next (call Stop first).
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.stopped.Store(true)
	err := s.file.Close()
	if uerr := syscall.Munmap(s.mem); uerr != nil && err == nil {
		err = uerr
	}
	s.mem = nil
	if err != nil {
		return fmt.Errorf("afpacket: %s: %w", s.name, err)
	}
	return nil
}

// closeFD releases what a failed Open set up.
func (s *Source) closeFD() {
	if s.mem != nil {
		syscall.Munmap(s.mem)
		s.mem = nil
	}
	syscall.Close(s.fd)
}

func errClosed(name string) error {
	return fmt.Errorf("afpacket: %s: %w", name, os.ErrClosed)
}

// sizeString formats a byte count for messages ("128 MiB").
func sizeString(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
