//go:build libpcap && cgo && linux

package pcaplive

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/zeek"
)

// samplePcap is the project's recorded sample trace.
const samplePcap = "../../../testdata/sample.pcap"

// env is a namespace with a veth pair: tests capture on a and send into b.
type env struct {
	ns   *netnstest.NS
	a, b string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ns := netnstest.New(t)
	e := &env{ns: ns, a: "hpcapa", b: "hpcapb"}
	ns.Veth(e.a, e.b)
	return e
}

// testConfig is a quick configuration for tests.
func testConfig(dev string) Config {
	c := DefaultConfig(dev)
	c.BufferSize = 16 << 20
	c.IdleTimeout = 400 * time.Millisecond
	return c
}

// open opens a capture in the namespace, closed when the test ends.
func (e *env) open(t testing.TB, c Config) *Source {
	t.Helper()
	s, err := e.openErr(c)
	if err != nil {
		t.Fatalf("Open(%s): %v", c.Device, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (e *env) openErr(c Config) (*Source, error) {
	var s *Source
	err := e.ns.Do(func() (err error) {
		s, err = Open(c)
		return err
	})
	return s, err
}

// replay sends the trace at path into iface with tcpreplay at full speed.
func (e *env) replay(t testing.TB, iface, path string, extra ...string) {
	t.Helper()
	netnstest.Need(t, "tcpreplay")
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-q", "-t", "-i", iface}, extra...)
	e.ns.Exec("tcpreplay", append(args, abs)...)
}

// captured is a copy of one frame.
type captured struct {
	data []byte
	wire uint32
	link uint32
	ts   zeek.Time
}

// drain reads s until it goes idle and returns copies of the frames.
func drain(t testing.TB, s *Source) []captured {
	t.Helper()
	var out []captured
	var f pktsrc.Frame
	for {
		err := s.Next(&f)
		if errors.Is(err, ErrIdle) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if int(f.CapLen) != len(f.Data) || f.IfIndex != 0 {
			t.Fatalf("CapLen %d, len(Data) %d, IfIndex %d", f.CapLen, len(f.Data), f.IfIndex)
		}
		out = append(out, captured{data: bytes.Clone(f.Data), wire: f.WireLen, link: f.LinkType, ts: f.TS})
	}
}

// readTrace returns the frames of a trace file.
func readTrace(t testing.TB, path string) [][]byte {
	t.Helper()
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out [][]byte
	var f pktsrc.Frame
	for {
		err := r.Next(&f)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(f.Data))
	}
}

// checkAll checks that got holds want, in order, captured now.
func checkAll(t *testing.T, got []captured, want [][]byte, start time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("captured %d packets, sent %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if !bytes.Equal(g.data, want[i]) {
			t.Fatalf("packet %d differs:\n got %x\nwant %x", i, g.data, want[i])
		}
		if g.wire != uint32(len(want[i])) || g.link != 1 {
			t.Fatalf("packet %d: wire %d link %d", i, g.wire, g.link)
		}
		if int64(g.ts) < start.UnixNano() || int64(g.ts) > time.Now().UnixNano() || (i > 0 && g.ts < got[i-1].ts) {
			t.Fatalf("packet %d: timestamp %d is not the capture time", i, g.ts)
		}
	}
}

// TestCaptureReplay replays the sample trace into a veth with tcpreplay
// and checks that every packet arrives, byte for byte, in order, through
// the poller (libpcap's selectable descriptor) and through polling.
func TestCaptureReplay(t *testing.T) {
	want := readTrace(t, samplePcap)
	for _, poll := range []bool{false, true} {
		name := "selectable-fd"
		if poll {
			name = "polling"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			forcePoll = poll
			s := e.open(t, testConfig(e.a))
			forcePoll = false
			if (s.file == nil) != poll {
				t.Fatalf("waiting through the poller: %v, want %v", s.file != nil, !poll)
			}
			start := time.Now()
			e.replay(t, e.b, samplePcap)
			checkAll(t, drain(t, s), want, start)
			st, err := s.Stats()
			if err != nil {
				t.Fatal(err)
			}
			var bytesWant uint64
			for _, w := range want {
				bytesWant += uint64(len(w))
			}
			n := uint64(len(want))
			if st.Received != n || st.BytesReceived != bytesWant || st.Dropped != 0 || st.Link < n || st.Empty != 0 || st.NullData != 0 {
				t.Fatalf("stats %+v, want %d received (%d bytes), none dropped", st, n, bytesWant)
			}
			cs, err := s.CaptureStats()
			if err != nil || cs.Received != n || cs.Link != st.Link {
				t.Fatalf("capture stats %+v, %v", cs, err)
			}
			if !s.nano {
				t.Log("this libpcap gives microsecond timestamps")
			}
		})
	}
}

// TestFilter checks that a capture filter keeps only what it matches.
func TestFilter(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.Filter = "udp"
	s := e.open(t, c)
	var want [][]byte
	for _, f := range readTrace(t, samplePcap) {
		if len(f) > 23 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17 {
			want = append(want, f)
		}
	}
	if len(want) == 0 {
		t.Fatal("the sample has no UDP")
	}
	start := time.Now()
	e.replay(t, e.b, samplePcap)
	checkAll(t, drain(t, s), want, start)
}

// TestOpenErrors checks the one-line messages for a device that does not
// exist, a filter that does not compile and a bad configuration.
func TestOpenErrors(t *testing.T) {
	e := newEnv(t)
	_, err := e.openErr(testConfig("hnosuch0"))
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "pcaplive: hnosuch0: no such capture device (tcpdump -D lists them;") {
		t.Errorf("missing device: %v", err)
	}
	c := testConfig(e.a)
	c.Filter = "tcp port"
	_, err = e.openErr(c)
	if err == nil || !strings.HasPrefix(err.Error(), `pcaplive: hpcapa: cannot compile the capture filter "tcp port": `) {
		t.Errorf("bad filter: %v", err)
	}
	e.ns.Exec("ip", "link", "set", e.a, "down")
	_, err = e.openErr(testConfig(e.a))
	if err == nil || !strings.Contains(err.Error(), "interface is down; bring it up with: ip link set hpcapa up") {
		t.Errorf("down interface: %v", err)
	}
	for _, c := range []Config{{}, {Device: "x", SnapLen: 0}} {
		if _, err := Open(c); err == nil || !strings.HasPrefix(err.Error(), "pcaplive: ") {
			t.Errorf("Open(%+v): %v", c, err)
		}
	}
	if v := LibraryVersion(); !strings.Contains(v, "libpcap") {
		t.Errorf("LibraryVersion() = %q", v)
	}
}

// TestStopIdleClose checks ErrIdle, Stop from another goroutine while
// Next waits without an idle timeout (both ways of waiting), and Next
// after Close.
func TestStopIdleClose(t *testing.T) {
	e := newEnv(t)
	var f pktsrc.Frame
	for _, poll := range []bool{false, true} {
		c := testConfig(e.a)
		c.IdleTimeout = 50 * time.Millisecond
		forcePoll = poll
		s := e.open(t, c)
		start := time.Now()
		if err := s.Next(&f); !errors.Is(err, ErrIdle) || !errors.Is(err, pktsrc.ErrIdle) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("poll=%v: Next on a quiet link: %v", poll, err)
		}
		if d := time.Since(start); d < 40*time.Millisecond || d > 2*time.Second {
			t.Errorf("poll=%v: idle after %v", poll, d)
		}

		c.IdleTimeout = 0
		s = e.open(t, c)
		forcePoll = false
		done := make(chan error, 1)
		go func() { done <- s.Next(&pktsrc.Frame{}) }()
		time.Sleep(100 * time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("poll=%v: Next returned early: %v", poll, err)
		default:
		}
		s.Stop()
		select {
		case err := <-done:
			if err != io.EOF {
				t.Fatalf("poll=%v: Next after Stop: %v", poll, err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("poll=%v: Stop did not wake Next", poll)
		}
		if err := s.Next(&f); err != io.EOF {
			t.Fatalf("poll=%v: second Next after Stop: %v", poll, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s.Stop() // after Close: must not touch the freed capture
		if err := s.Next(&f); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Next after Close: %v", err)
		}
		if _, err := s.Stats(); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Stats after Close: %v", err)
		}
	}
}

// TestNextAllocs checks that Next allocates nothing per packet, live and
// from a file.
func TestNextAllocs(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, testConfig(e.a))
	e.replay(t, e.b, samplePcap)
	var f pktsrc.Frame
	allocs := testing.AllocsPerRun(400, func() {
		if err := s.Next(&f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("live Next allocates %.1f times per packet", allocs)
	}
	fs, err := openFile(samplePcap)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	allocs = testing.AllocsPerRun(400, func() {
		if err := fs.Next(&f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Next from a file allocates %.1f times per packet", allocs)
	}
}

// TestFileMatchesReader reads the sample through libpcap and through
// Heron's own reader and compares frames and timestamps.
func TestFileMatchesReader(t *testing.T) {
	s, err := openFile(samplePcap)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := pcapfile.Open(samplePcap)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var a, b pktsrc.Frame
	n := 0
	for {
		ea, eb := s.Next(&a), r.Next(&b)
		if ea == io.EOF && eb == io.EOF {
			break
		}
		if ea != nil || eb != nil {
			t.Fatalf("packet %d: %v, %v", n, ea, eb)
		}
		if !bytes.Equal(a.Data, b.Data) || a.TS != b.TS || a.WireLen != b.WireLen || a.LinkType != b.LinkType {
			t.Fatalf("packet %d: libpcap %d %d %d, reader %d %d %d", n, a.TS, a.WireLen, a.LinkType, b.TS, b.WireLen, b.LinkType)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no packets")
	}
}

// TestIdleWaitSleeps checks that a capture with a selectable descriptor
// sleeps in the poller while the link is quiet rather than spinning.
func TestIdleWaitSleeps(t *testing.T) {
	e := newEnv(t)
	c := testConfig(e.a)
	c.IdleTimeout = 300 * time.Millisecond
	s := e.open(t, c)
	if s.file == nil {
		t.Skip("this libpcap gives no selectable descriptor")
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	if err := s.Next(&pktsrc.Frame{}); !errors.Is(err, ErrIdle) {
		t.Fatalf("Next: %v", err)
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	used := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	if used > 100*time.Millisecond {
		t.Fatalf("waiting 300 ms for nothing used %v of CPU", used)
	}
	t.Logf("300 ms idle wait used %v of CPU", used)
}
