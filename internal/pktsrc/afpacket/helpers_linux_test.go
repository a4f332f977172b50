//go:build !386

package afpacket

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
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

func newEnv(t *testing.T) *env {
	t.Helper()
	ns := netnstest.New(t)
	e := &env{ns: ns, a: "hcapa", b: "hcapb"}
	ns.Veth(e.a, e.b)
	return e
}

// testConfig is a small, quick configuration for tests.
func testConfig(iface string) Config {
	c := DefaultConfig(iface)
	c.BufferSize = 8 << 20
	c.BlockTimeout = 2 * time.Millisecond
	c.IdleTimeout = 400 * time.Millisecond
	return c
}

// open opens a source on iface in ns, closed when the test ends.
func open(t *testing.T, ns *netnstest.NS, c Config) *Source {
	t.Helper()
	s, err := openErr(ns, c)
	if err != nil {
		t.Fatalf("Open(%s): %v", c.Interface, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openErr(ns *netnstest.NS, c Config) (*Source, error) {
	var s *Source
	err := ns.Do(func() (err error) {
		s, err = Open(c)
		return err
	})
	return s, err
}

// replay sends the trace at path into iface with tcpreplay at full speed.
func replay(t *testing.T, ns *netnstest.NS, iface, path string, extra ...string) {
	t.Helper()
	netnstest.Need(t, "tcpreplay")
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-q", "-t", "-i", iface}, extra...)
	ns.Exec("tcpreplay", append(args, abs)...)
}

// captured is a copy of one frame a source returned.
type captured struct {
	data  []byte
	wire  uint32
	ts    zeek.Time
	csum  bool
	raw   uint32 // tp_status
	link  uint32
	ifidx uint32
}

// drain reads s until it goes idle and returns copies of the frames.
func drain(t *testing.T, s *Source) []captured {
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
		if int(f.CapLen) != len(f.Data) {
			t.Fatalf("CapLen %d, len(Data) %d", f.CapLen, len(f.Data))
		}
		out = append(out, captured{
			data: bytes.Clone(f.Data), wire: f.WireLen, ts: f.TS,
			csum: s.L4Checksummed(), raw: s.r.status, link: f.LinkType, ifidx: f.IfIndex,
		})
	}
}

// readTrace returns the frames of a trace file.
func readTrace(t *testing.T, path string) [][]byte {
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

// writeTrace writes frames to a new pcap file and returns its path.
func writeTrace(t *testing.T, frames [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gen.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapfile.NewWriter(f, 1, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000 * zeek.Second)
	for i, fr := range frames {
		if err := w.WritePacket(ts.Add(zeek.Interval(i)*zeek.Millisecond), fr, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
