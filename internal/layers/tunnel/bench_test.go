package tunnel

import (
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// vxlanTCP returns the frames of a TCP connection inside VXLAN over IPv4:
// the handshake, then data segments both ways (period of them, built
// once).
func vxlanTCP() (setup, data [][]byte) {
	wrap := func(toSrv bool, tcp []byte) []byte {
		if toSrv {
			return eth(udpTo(outerA, outerB, 40000, pktbuild.PortVXLAN, vx(eth(tcp))))
		}
		return eth(udpTo(outerB, outerA, pktbuild.PortVXLAN, 40000, vx(eth(tcp))))
	}
	seg := func(toSrv bool, flags uint8, seq, ack uint32, payload []byte) []byte {
		ip, t := v4(innerA, innerB), pktbuild.TCP{SrcPort: 40000, DstPort: 50000, Seq: seq, Ack: ack, Flags: flags}
		if !toSrv {
			ip.Src, ip.Dst = innerB, innerA
			t.SrcPort, t.DstPort = 50000, 40000
		}
		return wrap(toSrv, pktbuild.TCPPacket(ip, t, payload))
	}
	setup = [][]byte{
		seg(true, pktbuild.SYN, 1000, 0, nil),
		seg(false, pktbuild.SYN|pktbuild.ACK, 5000, 1001, nil),
		seg(true, pktbuild.ACK, 1001, 5001, nil),
	}
	payload := make([]byte, 512)
	for i := 0; i < 64; i++ {
		if i%2 == 0 {
			data = append(data, seg(true, pktbuild.ACK|pktbuild.PSH, 1001+uint32(i/2)*512, 5001, payload))
		} else {
			data = append(data, seg(false, pktbuild.ACK, 5001, 1001+uint32(i/2+1)*512, nil))
		}
	}
	return setup, data
}

// vxlanDecoder is a harness that has seen the handshake and a few
// hundred segments, and a function that decodes the next segment.
func vxlanDecoder(t testing.TB) (*harness, func()) {
	h := newHarness(t, DefaultTunnelConfig(), conn.DefaultConfig())
	setup, data := vxlanTCP()
	for _, f := range setup {
		h.feed(f)
	}
	n := 0
	var p packet.Packet
	next := func() {
		f := data[n%len(data)]
		n++
		h.now = h.now.Add(zeek.Microsecond)
		p.Reset()
		p.TS, p.Data, p.WireLen, p.LinkType = h.now, f, uint32(len(f)), packet.DLTEN10MB
		h.m.Advance(h.now)
		h.d.Decode(&p)
	}
	for i := 0; i < 256; i++ {
		next()
	}
	return h, next
}

// TestVXLANAllocations: a segment of an established TCP connection inside
// VXLAN decodes with no allocation, through the outer UDP flow, the VXLAN
// layer and the inner connection.
func TestVXLANAllocations(t *testing.T) {
	h, next := vxlanDecoder(t)
	if allocs := testing.AllocsPerRun(1000, next); allocs != 0 {
		t.Fatalf("%.2f allocations per packet, want 0", allocs)
	}
	if h.m.Len() != 2 || len(h.events) != 1 {
		t.Fatalf("%d connections, events %v; want the outer flow and the inner connection, one confirmation", h.m.Len(), h.events)
	}
}

// BenchmarkVXLANDecode measures decoding a segment of an established TCP
// connection inside VXLAN over IPv4, from the outer Ethernet frame to the
// inner connection's update (no pcap reading, no logging).
func BenchmarkVXLANDecode(b *testing.B) {
	_, next := vxlanDecoder(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next()
	}
}
