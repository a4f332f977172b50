package node

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

var (
	benchCli = pktbuild.V4("10.1.0.1")
	benchSrv = pktbuild.V4("10.2.0.2")
)

func tcpFrame(toSrv bool, flags uint8, seq, ack uint32, payload []byte) []byte {
	ip := pktbuild.IP{Src: benchCli, Dst: benchSrv}
	t := pktbuild.TCP{SrcPort: 40000, DstPort: 80, Seq: seq, Ack: ack, Flags: flags}
	if !toSrv {
		ip.Src, ip.Dst = benchSrv, benchCli
		t.SrcPort, t.DstPort = 80, 40000
	}
	return pktbuild.EtherIP(pktbuild.TCPPacket(ip, t, payload))
}

func udpFrame(toSrv bool, payload []byte) []byte {
	ip := pktbuild.IP{Src: benchCli, Dst: benchSrv}
	u := pktbuild.UDP{SrcPort: 5353, DstPort: 53}
	if !toSrv {
		ip.Src, ip.Dst = benchSrv, benchCli
		u.SrcPort, u.DstPort = 53, 5353
	}
	return pktbuild.EtherIP(pktbuild.UDPPacket(ip, u, payload))
}

// established returns a TCP handshake, then a function giving the n-th data
// segment of that connection (client and server alternating) and the n-th
// UDP datagram of a flow that has seen both directions.
func established() (setup [][]byte, data func(n int) []byte) {
	setup = [][]byte{
		tcpFrame(true, pktbuild.SYN, 1000, 0, nil),
		tcpFrame(false, pktbuild.SYN|pktbuild.ACK, 5000, 1001, nil),
		tcpFrame(true, pktbuild.ACK, 1001, 5001, nil),
		udpFrame(true, []byte("query")),
		udpFrame(false, []byte("answer")),
	}
	payload := bytes.Repeat([]byte("x"), 512)
	// Segments are precomputed so that building them costs nothing inside
	// the measured loop.
	const period = 64
	frames := make([][]byte, period)
	for i := range frames {
		switch i % 4 {
		case 0:
			frames[i] = tcpFrame(true, pktbuild.ACK|pktbuild.PSH, 1001+uint32(i/4)*512, 5001, payload)
		case 1:
			frames[i] = tcpFrame(false, pktbuild.ACK, 5001, 1001+uint32(i/4+1)*512, nil)
		case 2:
			frames[i] = udpFrame(true, payload[:40])
		case 3:
			frames[i] = udpFrame(false, payload[:80])
		}
	}
	return setup, func(n int) []byte { return frames[n%period] }
}

func quietConfig(t testing.TB) Config {
	cfg := DefaultConfig()
	cfg.Loaded = Features{ConnLog: true, WeirdLog: true, Site: true}
	cfg.Log.LogDir = t.TempDir()
	cfg.IgnoreChecksums = false
	return cfg
}

// TestPacketPathAllocations guards the per-packet path: a TCP or UDP packet
// of an established connection allocates nothing from decode to
// connection update.
func TestPacketPathAllocations(t *testing.T) {
	p, err := newTestPipeline(quietConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	setup, data := established()
	ts := zeek.Time(1_700_000_000_000_000_000)
	var f pktsrc.Frame
	feed := func(b []byte) {
		ts += zeek.Time(zeek.Millisecond)
		f = pktsrc.Frame{TS: ts, Data: b, CapLen: uint32(len(b)), WireLen: uint32(len(b)), LinkType: 1}
		p.packet(&f)
	}
	for _, b := range setup {
		feed(b)
	}
	n := 0
	// Warm up: let the reassembler and tables reach their steady size.
	for ; n < 256; n++ {
		feed(data(n))
	}
	allocs := testing.AllocsPerRun(2000, func() {
		feed(data(n))
		n++
	})
	if allocs != 0 {
		t.Fatalf("%.2f allocations per packet, want 0", allocs)
	}
	if got := p.conns.Len(); got != 2 {
		t.Fatalf("%d live connections, want 2 (one TCP, one UDP)", got)
	}
}

// BenchmarkReadDecodeLookup measures the per-packet path from a pcap
// reader through decoding and connection tracking, on TCP and UDP packets
// of established connections.
func BenchmarkReadDecodeLookup(b *testing.B) {
	setup, data := established()
	const perTrace = 1 << 14
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, 1, pcapfile.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ts := zeek.Time(1_700_000_000_000_000_000)
	for _, f := range setup {
		ts += zeek.Time(zeek.Millisecond)
		if err := w.WritePacket(ts, f, uint32(len(f))); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < perTrace; i++ {
		ts += zeek.Time(zeek.Microsecond)
		f := data(i)
		if err := w.WritePacket(ts, f, uint32(len(f))); err != nil {
			b.Fatal(err)
		}
	}
	trace := buf.Bytes()

	p, err := newTestPipeline(quietConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	defer p.close()
	open := func() *pcapfile.Reader {
		r, err := pcapfile.NewReader(bytes.NewReader(trace), int64(len(trace)))
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	r := open()
	var f pktsrc.Frame
	b.ReportAllocs()
	b.SetBytes(int64(len(data(0))))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.Next(&f); err != nil {
			if !errors.Is(err, io.EOF) {
				b.Fatal(err)
			}
			// Start the trace again; its timestamps go back, which the
			// pipeline treats as packets of the same moment.
			r = open()
			continue
		}
		p.packet(&f)
	}
}

// TestPacketLoopRecovers checks that a panic while processing one packet is
// counted as a bug and the loop goes on with the next packet.
func TestPacketLoopRecovers(t *testing.T) {
	p, err := newTestPipeline(quietConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	p.dec.Set(packet.LayerUDP, packet.AnalyzerFunc(func(*packet.Packet, []byte) (packet.Key, []byte, error) {
		panic("boom")
	}))
	ts := zeek.Time(1_700_000_000_000_000_000)
	for _, b := range [][]byte{udpFrame(true, []byte("a")), tcpFrame(true, pktbuild.SYN, 1, 0, nil), udpFrame(false, []byte("b"))} {
		ts += zeek.Time(zeek.Millisecond)
		f := pktsrc.Frame{TS: ts, Data: b, WireLen: uint32(len(b)), LinkType: 1}
		p.packet(&f)
	}
	if p.bugs != 2 || !strings.Contains(p.firstBug, "boom") {
		t.Fatalf("bugs %d, first %q; want 2 and the panic value", p.bugs, p.firstBug)
	}
	if p.conns.Len() != 1 {
		t.Fatalf("%d connections, want the TCP one", p.conns.Len())
	}
}
