package node

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// vxlanFrame wraps a frame (from tcpFrame or udpFrame) in VXLAN over IPv4
// between two VTEPs; toSrv picks the direction of the outer datagram.
func vxlanFrame(toSrv bool, inner []byte) []byte {
	a, b := pktbuild.V4("10.9.0.1"), pktbuild.V4("10.9.0.2")
	u := pktbuild.UDP{SrcPort: 47000, DstPort: pktbuild.PortVXLAN}
	if !toSrv {
		a, b = b, a
		u.SrcPort, u.DstPort = pktbuild.PortVXLAN, 47000
	}
	return pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: a, Dst: b}, u, append(pktbuild.VXLANHeader(7), inner...)))
}

// vxlanEstablished is established() with every frame inside VXLAN: the
// TCP connection and the UDP flow run through one VXLAN tunnel whose
// outer datagrams go both ways.
func vxlanEstablished() (setup [][]byte, data func(n int) []byte) {
	s, d := established()
	for i, f := range s {
		s[i] = vxlanFrame(i%2 == 0, f)
	}
	const period = 64
	frames := make([][]byte, period)
	for i := range frames {
		frames[i] = vxlanFrame(i%2 == 0, d(i))
	}
	return s, func(n int) []byte { return frames[n%period] }
}

// tunnelConfig is quietConfig with the tunnel framework and the VXLAN
// port.
func tunnelConfig(t testing.TB) Config {
	cfg := quietConfig(t)
	cfg.Loaded.TunnelLog = true
	cfg.Loaded.TunnelPorts = map[string][]uint16{"VXLAN": {pktbuild.PortVXLAN}}
	return cfg
}

// TestVXLANPacketPathAllocations guards the per-packet path of tunnelled
// traffic: a TCP or UDP packet of an established connection inside VXLAN
// over IPv4 allocates nothing, from the outer decode through the outer
// UDP connection, the VXLAN layer and the inner connection's update.
func TestVXLANPacketPathAllocations(t *testing.T) {
	p, err := newTestPipeline(tunnelConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	setup, data := vxlanEstablished()
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
	// The outer VXLAN flow, and the TCP connection and UDP flow inside.
	if got := p.conns.Len(); got != 3 {
		t.Fatalf("%d live connections, want 3", got)
	}
	if got := p.tunnels.Active(); got != 1 {
		t.Fatalf("%d tunnels followed, want the VXLAN tunnel", got)
	}
}

// BenchmarkVXLANInnerPacket measures the per-packet path from a pcap reader
// through the outer packet, the VXLAN layer and the inner packet's
// connection, on TCP and UDP packets of established connections inside
// VXLAN over IPv4 (compare BenchmarkReadDecodeLookup, the same traffic
// without the tunnel).
func BenchmarkVXLANInnerPacket(b *testing.B) {
	setup, data := vxlanEstablished()
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
	p, err := newTestPipeline(tunnelConfig(b))
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
			r = open()
			continue
		}
		p.packet(&f)
	}
}
