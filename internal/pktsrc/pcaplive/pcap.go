//go:build libpcap && cgo && unix

package pcaplive

/*
#cgo LDFLAGS: -lpcap
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <pcap/pcap.h>

// Functions newer libpcaps have that an older one swapped in at run time
// (LD_LIBRARY_PATH) may lack: referenced weakly, they are NULL then, and
// the calls below are skipped instead of the program failing to start.
#pragma weak pcap_set_immediate_mode
#pragma weak pcap_get_tstamp_precision
#pragma weak pcap_get_required_select_timeout
#pragma weak pcap_open_offline_with_tstamp_precision

// heron_pkt is where heron_next leaves the packet it read.
struct heron_pkt {
	const u_char *data;
	int64_t sec;
	int64_t frac;
	uint32_t caplen;
	uint32_t len;
};

// heron_next reads the next packet into out and returns pcap_next_ex's
// result.
static int heron_next(pcap_t *p, struct heron_pkt *out) {
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(p, &h, &d);
	if (rc == 1) {
		out->data = d;
		out->sec = h->ts.tv_sec;
		out->frac = h->ts.tv_usec;
		out->caplen = h->caplen;
		out->len = h->len;
		// Some libpcaps (Myricom's) hand the previous header back when
		// no new packet came; cleared, a repeat is an empty record.
		h->caplen = 0;
		h->len = 0;
	}
	return rc;
}

// heron_filter compiles expr and installs it: 0, or -1 when it does not
// compile, -2 when the capture refuses it (pcap_geterr says why).
static int heron_filter(pcap_t *p, const char *expr, bpf_u_int32 mask) {
	struct bpf_program prog;
	if (pcap_compile(p, &prog, expr, 1, mask) < 0)
		return -1;
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	return rc < 0 ? -2 : 0;
}

static int heron_set_immediate(pcap_t *p) {
	return pcap_set_immediate_mode ? pcap_set_immediate_mode(p, 1) : -1;
}

static int heron_is_nano(pcap_t *p) {
	return pcap_get_tstamp_precision && pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
}

// heron_select_unreliable reports that the selectable descriptor alone
// may not wake the caller (libpcap asks for a select timeout).
static int heron_select_unreliable(pcap_t *p) {
	return pcap_get_required_select_timeout && pcap_get_required_select_timeout(p) != NULL;
}

static pcap_t *heron_open_file(const char *path, char *errbuf) {
	if (pcap_open_offline_with_tstamp_precision)
		return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	return pcap_open_offline(path, errbuf);
}

// heron_linktype turns a DLT_ value into its LINKTYPE_ number, where the
// two differ by platform.
static uint32_t heron_linktype(int dlt) {
	switch (dlt) {
	case DLT_RAW: return 101;
	case DLT_ATM_RFC1483: return 100;
#ifdef DLT_LOOP
	case DLT_LOOP: return 108;
#endif
	}
	return (uint32_t)dlt;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// validate checks the fields Open relies on.
func (c *Config) validate() error {
	switch {
	case c.Device == "":
		return fmt.Errorf("pcaplive: no capture device given (write -i pcap::DEVICE)")
	case c.SnapLen < 1 || c.SnapLen > 1<<18:
		return fmt.Errorf("pcaplive: %s: snap length %d is out of range (1 to 262144)", c.Device, c.SnapLen)
	case c.BufferSize < 0 || c.BufferSize > 1<<31-1:
		return fmt.Errorf("pcaplive: %s: buffer size %d is out of range (0 to 2 GiB)", c.Device, c.BufferSize)
	case c.Timeout < 0 || c.Timeout > time.Hour:
		return fmt.Errorf("pcaplive: %s: read timeout %v is out of range", c.Device, c.Timeout)
	case c.IdleTimeout < 0 || c.PollInterval < 0:
		return fmt.Errorf("pcaplive: %s: negative idle timeout or poll interval", c.Device)
	}
	return nil
}

// forcePoll makes captures opened while it is set poll even when they
// have a selectable descriptor (tests of the polling path).
var forcePoll bool

// Source captures packets through libpcap. It implements pktsrc.Source
// and pktsrc.Live.
//
// Next, Stats, CaptureStats and Close belong to one goroutine (the packet
// loop); Stop may be called from any goroutine.
type Source struct {
	cfg   Config
	p     *C.pcap_t
	pkt   *C.struct_heron_pkt // in C memory: written by heron_next
	nano  bool                // timestamps in nanoseconds
	link  uint32
	live  bool
	warns []string

	// Waiting: through the runtime's poller on a duplicate of libpcap's
	// selectable descriptor, or by polling.
	file    *os.File
	rc      syscall.RawConn
	readFn  func(uintptr) bool
	res     C.int     // readFn's pcap_next_ex result
	idleSet bool      // the idle clock runs: no packet since idleAt-IdleTimeout
	idleAt  time.Time // when Next returns ErrIdle

	mu      sync.Mutex // guards p against Stop racing Close
	stopped atomic.Bool
	closed  bool

	prev  C.struct_pcap_stat
	stats Stats
}

// LibraryVersion returns the version string of the libpcap the program
// runs with (pcap_lib_version), which tells a PF_RING or vendor build from
// the system's.
func LibraryVersion() string { return C.GoString(C.pcap_lib_version()) }

// Open opens and activates a live capture on c.Device, installs c.Filter
// and prepares to wait for packets. Errors are one line saying what failed
// and what to do about it; a missing permission wraps os.ErrPermission.
func Open(c Config) (*Source, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	dev := C.CString(c.Device)
	defer C.free(unsafe.Pointer(dev))
	errbuf := (*C.char)(C.calloc(C.PCAP_ERRBUF_SIZE, 1))
	defer C.free(unsafe.Pointer(errbuf))

	p := C.pcap_create(dev, errbuf)
	if p == nil {
		return nil, fmt.Errorf("pcaplive: %s: cannot create a capture: %s", c.Device, C.GoString(errbuf))
	}
	s := &Source{cfg: c, p: p, live: true}
	if err := s.activate(); err != nil {
		C.pcap_close(p)
		return nil, err
	}
	if c.Filter != "" {
		if err := s.setFilter(dev, errbuf); err != nil {
			C.pcap_close(p)
			return nil, err
		}
	}
	if err := s.prepareWait(errbuf); err != nil {
		C.pcap_close(p)
		return nil, err
	}
	s.pkt = (*C.struct_heron_pkt)(C.calloc(1, C.sizeof_struct_heron_pkt))
	return s, nil
}

// activate applies the settings and starts the capture.
func (s *Source) activate() error {
	c, p := &s.cfg, s.p
	set := func(what string, rc C.int) error {
		if rc != 0 {
			return fmt.Errorf("pcaplive: %s: cannot set the %s: %s", c.Device, what, C.GoString(C.pcap_statustostr(rc)))
		}
		return nil
	}
	promisc := C.int(0)
	if c.Promisc {
		promisc = 1
	}
	if err := set("snap length", C.pcap_set_snaplen(p, C.int(c.SnapLen))); err != nil {
		return err
	}
	if err := set("promiscuous mode", C.pcap_set_promisc(p, promisc)); err != nil {
		return err
	}
	if err := set("read timeout", C.pcap_set_timeout(p, C.int(max(c.Timeout.Milliseconds(), 1)))); err != nil {
		return err
	}
	if c.BufferSize > 0 {
		if err := set("buffer size", C.pcap_set_buffer_size(p, C.int(c.BufferSize))); err != nil {
			return err
		}
	}
	if c.Immediate && C.heron_set_immediate(p) != 0 {
		s.warns = append(s.warns, fmt.Sprintf("pcaplive: %s: this libpcap cannot deliver packets immediately; they come in batches after the read timeout", c.Device))
	}
	// Live captures keep libpcap's default microsecond timestamps, as
	// Zeek's: Heron works in microseconds, and PF_RING's libpcap turns a
	// request for nanoseconds into a request for hardware timestamps.

	rc := C.pcap_activate(p)
	if rc < 0 {
		return s.activateError(rc)
	}
	switch rc {
	case 0:
	case C.PCAP_WARNING_PROMISC_NOTSUP:
		s.warns = append(s.warns, fmt.Sprintf("pcaplive: %s: the device does not support promiscuous mode: only traffic to and from this host is seen (%s)", c.Device, C.GoString(C.pcap_geterr(p))))
	default:
		s.warns = append(s.warns, fmt.Sprintf("pcaplive: %s: %s: %s", c.Device, C.GoString(C.pcap_statustostr(rc)), C.GoString(C.pcap_geterr(p))))
	}
	s.nano = C.heron_is_nano(p) != 0
	s.link = uint32(C.heron_linktype(C.pcap_datalink(p)))
	return nil
}

// activateError explains a failed pcap_activate.
func (s *Source) activateError(rc C.int) error {
	dev := s.cfg.Device
	msg := C.GoString(C.pcap_geterr(s.p))
	if msg == "" {
		msg = C.GoString(C.pcap_statustostr(rc))
	}
	switch rc {
	case C.PCAP_ERROR_NO_SUCH_DEVICE:
		return fmt.Errorf("pcaplive: %s: no such capture device (tcpdump -D lists them; PF_RING, netmap and Myricom names need that vendor's libpcap, see LD_LIBRARY_PATH; this is %s): %s: %w", dev, LibraryVersion(), msg, os.ErrNotExist)
	case C.PCAP_ERROR_PERM_DENIED, C.PCAP_ERROR_PROMISC_PERM_DENIED:
		return fmt.Errorf("pcaplive: %s: permission denied: capturing needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities; grant them with: setcap cap_net_raw,cap_net_admin=eip $(which heron): %s: %w", dev, msg, os.ErrPermission)
	case C.PCAP_ERROR_IFACE_NOT_UP:
		return fmt.Errorf("pcaplive: %s: interface is down; bring it up with: ip link set %s up (%s)", dev, dev, msg)
	}
	return fmt.Errorf("pcaplive: %s: cannot start capturing: %s", dev, msg)
}

// setFilter compiles and installs the capture filter. The netmask (for
// "ip broadcast") comes from the device's address as Zeek takes it, with
// Zeek's fallback of 255.255.255.0 when the device has none.
func (s *Source) setFilter(dev, errbuf *C.char) error {
	var netw, mask C.bpf_u_int32
	if C.pcap_lookupnet(dev, &netw, &mask, errbuf) < 0 {
		mask = 0xffffff00
	}
	expr := C.CString(s.cfg.Filter)
	defer C.free(unsafe.Pointer(expr))
	if s.link == 239 { // LINKTYPE_NFLOG takes no filters; Zeek skips them too
		s.warns = append(s.warns, fmt.Sprintf("pcaplive: %s: NFLOG captures take no capture filter; %q is ignored", s.cfg.Device, s.cfg.Filter))
		return nil
	}
	switch C.heron_filter(s.p, expr, mask) {
	case -1:
		return fmt.Errorf("pcaplive: %s: cannot compile the capture filter %q: %s", s.cfg.Device, s.cfg.Filter, C.GoString(C.pcap_geterr(s.p)))
	case -2:
		return fmt.Errorf("pcaplive: %s: the capture refused the filter %q: %s", s.cfg.Device, s.cfg.Filter, C.GoString(C.pcap_geterr(s.p)))
	}
	return nil
}

// prepareWait switches the capture to non-blocking reads and, when libpcap
// offers a selectable descriptor, registers a duplicate of it with the
// runtime's poller; otherwise Next polls every Config.PollInterval.
func (s *Source) prepareWait(errbuf *C.char) error {
	if C.pcap_setnonblock(s.p, 1, errbuf) < 0 {
		return fmt.Errorf("pcaplive: %s: cannot switch to non-blocking reads: %s", s.cfg.Device, C.GoString(errbuf))
	}
	fd := int(C.pcap_get_selectable_fd(s.p))
	if fd < 0 || forcePoll || C.heron_select_unreliable(s.p) != 0 {
		return nil
	}
	dup, err := syscall.Dup(fd)
	if err != nil {
		return fmt.Errorf("pcaplive: %s: cannot duplicate the capture descriptor: %w", s.cfg.Device, err)
	}
	syscall.CloseOnExec(dup)
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return fmt.Errorf("pcaplive: %s: cannot make the capture descriptor non-blocking: %w", s.cfg.Device, err)
	}
	f := os.NewFile(uintptr(dup), "pcap:"+s.cfg.Device)
	rc, err := f.SyscallConn()
	if err == nil {
		err = f.SetReadDeadline(time.Time{})
	}
	if err != nil {
		// The poller does not take this kind of descriptor: poll instead.
		f.Close()
		return nil
	}
	s.file, s.rc = f, rc
	s.readFn = func(uintptr) bool {
		if s.stopped.Load() {
			return true
		}
		s.res = C.heron_next(s.p, s.pkt)
		return s.res != 0
	}
	return nil
}

// Next fills f with the next captured packet, waiting for one if needed.
// f.Data lies in libpcap's buffer (borrowed): it is valid only until the
// next call to Next or Close, and must not be retained or modified.
// f.TS has libpcap's microsecond precision,
// f.LinkType is the device's link type as LINKTYPE number, and f.IfIndex
// is 0. A record with a zero length is returned as it is (the packet
// loop reports it as Zeek's empty_pcap_header weird).
//
// Next returns io.EOF once Stop was called, ErrIdle when
// Config.IdleTimeout passed without a packet, an error wrapping
// os.ErrClosed after Close, and libpcap's message when reading fails (the
// device went away, say). It allocates nothing.
func (s *Source) Next(f *pktsrc.Frame) error {
	if s.closed {
		return s.errClosed()
	}
	for {
		if s.stopped.Load() {
			return io.EOF
		}
		res := C.heron_next(s.p, s.pkt)
		if res == 0 {
			var err error
			if res, err = s.wait(); err != nil {
				return err
			}
		}
		switch res {
		case 1:
			s.idleSet = false
			if s.frame(f) {
				return nil
			}
		case 0:
		case C.PCAP_ERROR_BREAK:
			return io.EOF
		default:
			return fmt.Errorf("pcaplive: %s: reading packets: %s", s.cfg.Device, C.GoString(C.pcap_geterr(s.p)))
		}
	}
}

// frame fills f from the packet heron_next read; false for a record
// without data.
func (s *Source) frame(f *pktsrc.Frame) bool {
	pk := s.pkt
	if pk.data == nil {
		s.stats.NullData++
		return false
	}
	caplen, wire := uint32(pk.caplen), uint32(pk.len)
	ts := int64(pk.sec)*1e9 + int64(pk.frac)
	if !s.nano {
		ts = int64(pk.sec)*1e9 + int64(pk.frac)*1e3
	}
	*f = pktsrc.Frame{
		TS:       zeek.Time(ts),
		CapLen:   caplen,
		WireLen:  wire,
		LinkType: s.link,
		Data:     unsafe.Slice((*byte)(unsafe.Pointer(pk.data)), caplen),
	}
	if caplen == 0 || wire == 0 {
		s.stats.Empty++
		return true
	}
	s.stats.Received++
	s.stats.BytesReceived += uint64(wire)
	return true
}

// maxWait bounds one wait on the selectable descriptor. Vendor libpcaps
// do not all make their descriptor readable for every packet; a wait that
// ends without a sign from the descriptor just reads again, so at worst a
// packet waits this long.
const maxWait = 10 * time.Millisecond

// wait blocks until a packet may be there and returns pcap_next_ex's
// result for the next attempt (0: try again).
func (s *Source) wait() (C.int, error) {
	if !s.live {
		return 0, nil
	}
	if s.file == nil {
		return s.poll()
	}
	until, err := s.idleDeadline(time.Now().Add(maxWait))
	if err != nil {
		return 0, err
	}
	s.file.SetReadDeadline(until)
	if s.stopped.Load() {
		return 0, io.EOF
	}
	s.res = 0
	err = s.rc.Read(s.readFn)
	switch {
	case s.stopped.Load():
		return 0, io.EOF
	case err == nil:
		return s.res, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, nil
	}
	return 0, fmt.Errorf("pcaplive: %s: waiting for packets: %w", s.cfg.Device, err)
}

// idleDeadline starts the idle clock on the first empty read since the
// last packet and returns ErrIdle once Config.IdleTimeout has passed on
// it; otherwise it returns until, or the idle deadline if that is sooner.
func (s *Source) idleDeadline(until time.Time) (time.Time, error) {
	idle := s.cfg.IdleTimeout
	if idle <= 0 {
		return until, nil
	}
	now := time.Now()
	if !s.idleSet {
		s.idleSet, s.idleAt = true, now.Add(idle)
	} else if !now.Before(s.idleAt) {
		s.idleSet = false
		return until, ErrIdle
	}
	if s.idleAt.Before(until) {
		return s.idleAt, nil
	}
	return until, nil
}

// poll sleeps for the poll interval, or reports the idle timeout.
func (s *Source) poll() (C.int, error) {
	if _, err := s.idleDeadline(time.Time{}); err != nil {
		return 0, err
	}
	if s.stopped.Load() {
		return 0, io.EOF
	}
	time.Sleep(s.cfg.PollInterval)
	return 0, nil
}

// Stop makes a waiting Next, and every Next after it, return io.EOF. It
// may be called from any goroutine (a signal handler, say); the source
// still has to be closed. It calls pcap_breakloop, which wakes a read
// blocked inside libpcap.
func (s *Source) Stop() {
	if s.stopped.Swap(true) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	C.pcap_breakloop(s.p)
	if s.file != nil {
		s.file.SetReadDeadline(time.Unix(1, 0))
	}
}

// LinkType returns the device's link type (pcap_datalink) as LINKTYPE
// number.
func (s *Source) LinkType() uint32 { return s.link }

// Device returns the name of the device the source captures on.
func (s *Source) Device() string { return s.cfg.Device }

// Warnings returns the warnings Open produced (no promiscuous mode, no
// immediate mode, an ignored filter), one line each, for the caller to
// print.
func (s *Source) Warnings() []string { return s.warns }

// CaptureStats implements pktsrc.Live with Stats.
func (s *Source) CaptureStats() (pktsrc.Stats, error) {
	st, err := s.Stats()
	return pktsrc.Stats{Received: st.Received, BytesReceived: st.BytesReceived, Link: st.Link, Dropped: st.Dropped}, err
}

// Stats reads libpcap's counters (pcap_stats) and returns the totals since
// Open. libpcap's counters are 32 bits wide; as Zeek does, the increase
// since the last call is added modulo 2^32, so totals survive a wrap as
// long as Stats is called more often than the counters wrap.
func (s *Source) Stats() (Stats, error) {
	if s.closed {
		return Stats{}, s.errClosed()
	}
	if !s.live {
		return s.stats, nil
	}
	var now C.struct_pcap_stat
	if C.pcap_stats(s.p, &now) < 0 {
		return s.stats, fmt.Errorf("pcaplive: %s: cannot read statistics: %s", s.cfg.Device, C.GoString(C.pcap_geterr(s.p)))
	}
	s.stats.Link += uint64(uint32(now.ps_recv) - uint32(s.prev.ps_recv))
	s.stats.Dropped += uint64(uint32(now.ps_drop) - uint32(s.prev.ps_drop))
	s.stats.IfDropped += uint64(uint32(now.ps_ifdrop) - uint32(s.prev.ps_ifdrop))
	s.prev = now
	return s.stats, nil
}

// Close ends the capture. Packets returned earlier become invalid. It must
// not run concurrently with Next (call Stop first).
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.stopped.Store(true)
	var err error
	if s.file != nil {
		err = s.file.Close()
	}
	C.pcap_close(s.p)
	C.free(unsafe.Pointer(s.pkt))
	s.p, s.pkt = nil, nil
	if err != nil {
		return fmt.Errorf("pcaplive: %s: %w", s.cfg.Device, err)
	}
	return nil
}

func (s *Source) errClosed() error {
	return fmt.Errorf("pcaplive: %s: %w", s.cfg.Device, os.ErrClosed)
}

// openFile opens a trace file through the same reading path, for tests
// and benchmarks of what Next costs without a kernel in the way.
func openFile(path string) (*Source, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	errbuf := (*C.char)(C.calloc(C.PCAP_ERRBUF_SIZE, 1))
	defer C.free(unsafe.Pointer(errbuf))
	p := C.heron_open_file(cpath, errbuf)
	if p == nil {
		return nil, fmt.Errorf("pcaplive: %s: %s", path, C.GoString(errbuf))
	}
	s := &Source{cfg: Config{Device: path}, p: p}
	s.nano = C.heron_is_nano(p) != 0
	s.link = uint32(C.heron_linktype(C.pcap_datalink(p)))
	s.pkt = (*C.struct_heron_pkt)(C.calloc(1, C.sizeof_struct_heron_pkt))
	return s, nil
}
