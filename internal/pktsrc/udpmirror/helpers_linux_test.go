//go:build linux && !386

package udpmirror

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/zeek"
)

// samplePcap is the project's recorded sample trace.
const samplePcap = "../../../testdata/sample.pcap"

// Addresses of the two ends of the test link.
var (
	senderIP   = netip.MustParseAddr("10.77.0.1")
	receiverIP = netip.MustParseAddr("10.77.0.2")
)

// env is a mirror's sending host and Heron's receiving host: two network
// namespaces joined by a veth pair, 10.77.0.1 and 10.77.0.2.
type env struct {
	send, recv *netnstest.NS
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{send: netnstest.New(t), recv: netnstest.New(t)}
	e.send.Veth("hms", "hmr")
	e.send.Move("hmr", e.recv)
	e.send.Exec("ip", "addr", "add", senderIP.String()+"/24", "dev", "hms")
	e.recv.Exec("ip", "addr", "add", receiverIP.String()+"/24", "dev", "hmr")
	return e
}

// open opens a receiving socket in the receiver's namespace, closed when
// the test ends.
func (e *env) open(t *testing.T, c Config) *Source {
	t.Helper()
	var s *Source
	err := e.recv.Do(func() (err error) {
		s, err = Open(c)
		return err
	})
	if err != nil {
		t.Fatalf("Open(%s): %v", c.Spec(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sender opens a UDP socket in the sender's namespace bound to port (0 for
// any), closed when the test ends.
func (e *env) sender(t *testing.T, port int) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	err := e.send.Do(func() (err error) {
		c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: senderIP.AsSlice(), Port: port})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendAll sends each datagram to the receiver's port, pacing a little so
// that no receive buffer overflows.
func sendAll(t *testing.T, c *net.UDPConn, port int, datagrams [][]byte) {
	t.Helper()
	to := &net.UDPAddr{IP: receiverIP.AsSlice(), Port: port}
	for i, d := range datagrams {
		if _, err := c.WriteToUDP(d, to); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if i%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
}

// got is a copy of one frame a source returned.
type got struct {
	data []byte
	wire uint32
	link uint32
	ts   zeek.Time
	vni  uint32
	peer netip.AddrPort
}

// drain reads s until it goes idle and returns copies of the frames.
func drain(t *testing.T, s *Source) []got {
	t.Helper()
	out, err := drainErr(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func drainErr(s *Source) ([]got, error) {
	var out []got
	var f pktsrc.Frame
	for {
		err := s.Next(&f)
		if errors.Is(err, ErrIdle) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if int(f.CapLen) != len(f.Data) || f.IfIndex != 0 || f.L4Checksummed {
			return out, errors.New("malformed frame fields")
		}
		out = append(out, got{data: bytes.Clone(f.Data), wire: f.WireLen, link: f.LinkType, ts: f.TS, vni: s.VNI(), peer: s.Peer()})
	}
}

// drainAll drains several sources at once.
func drainAll(t *testing.T, srcs ...*Source) [][]got {
	t.Helper()
	out := make([][]got, len(srcs))
	errs := make([]error, len(srcs))
	var wg sync.WaitGroup
	for i, s := range srcs {
		wg.Go(func() { out[i], errs[i] = drainErr(s) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("socket %d: %v", i, err)
		}
	}
	return out
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

// testConfig is the configuration the tests use: quick to go idle.
func testConfig(port uint16, enc Encap) Config {
	c := DefaultConfig(port, enc)
	c.Addr = receiverIP
	c.RecvBuffer = 8 << 20
	c.IdleTimeout = 300 * time.Millisecond
	return c
}
