package layers

import (
	"encoding/binary"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/reassembly/ipfrag"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

var _ Fragments = (*ipfrag.Reassembler)(nil)

// transportStub ends decoding at the transport layers and records the
// protocol and payload length the IP layer handed on.
type transportStub struct {
	proto uint8
	n     int
	calls int
}

func (s *transportStub) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	s.calls++
	s.proto, s.n = p.IP.Proto, len(data)
	return packet.Stop, nil, nil
}

func ipHarness(t testing.TB, cfg IPConfig) (*packet.Decoder, *sink, *transportStub) {
	t.Helper()
	table, err := packet.Compile(packet.Wiring(), packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{}
	d := packet.NewDecoder(table, s)
	Install(d)
	st := &transportStub{}
	for _, l := range []packet.LayerID{packet.LayerTCP, packet.LayerUDP, packet.LayerICMP, packet.LayerUnknownIP} {
		d.Set(l, st)
	}
	fr := ipfrag.New(ipfrag.DefaultConfig())
	d.Set(packet.LayerIP, NewIP(d, cfg, fr))
	return d, s, st
}

// rawPkt is reused so that decoding in tests allocates no Packet.
var rawPkt packet.Packet

func decodeRaw(d *packet.Decoder, ip []byte, wire int) {
	p := &rawPkt
	p.Reset()
	p.TS = zeek.Time(1_000_000_000)
	p.Data = ip[:len(ip):len(ip)]
	p.LinkType = packet.DLTRaw
	p.WireLen = uint32(wire)
	if wire == 0 {
		p.WireLen = uint32(len(ip))
	}
	d.Decode(p)
}

var (
	a4 = pktbuild.V4("192.0.2.1")
	b4 = pktbuild.V4("198.51.100.2")
	a6 = pktbuild.V6("2001:db8::1")
	b6 = pktbuild.V6("2001:db8::2")
)

func udp4(ip pktbuild.IP, payload int) []byte {
	if !ip.Src.IsValid() {
		ip.Src, ip.Dst = a4, b4
	}
	return pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 1, DstPort: 2}, make([]byte, payload))
}

// routing0 returns a type-0 routing header with one address.
func routing0(segLeft uint8, addr [16]byte) []byte {
	h := make([]byte, 24)
	h[1], h[2], h[3] = 2, 0, segLeft
	copy(h[8:], addr[:])
	return h
}

func TestIPWeirds(t *testing.T) {
	final := pktbuild.V6("2001:db8::99").As16()
	cases := []struct {
		name  string
		pkt   func() []byte
		wire  int
		cfg   IPConfig
		want  string // the weird, "" for none
		flow  bool   // reported with addresses
		proto uint8  // when no weird: the protocol handed on
	}{
		{name: "valid IPv4", pkt: func() []byte { return udp4(pktbuild.IP{}, 10) }, proto: 17},
		{name: "valid IPv6", pkt: func() []byte {
			return pktbuild.UDPPacket(pktbuild.IP{Src: a6, Dst: b6}, pktbuild.UDP{SrcPort: 1, DstPort: 2}, nil)
		}, proto: 17},
		{name: "short", pkt: func() []byte { return make([]byte, 19) }, want: "truncated_IP@IP"},
		{name: "short IPv6", pkt: func() []byte { b := make([]byte, 30); b[0] = 0x60; return b }, want: "truncated_IP@IP"},
		{name: "version 5", pkt: func() []byte { b := udp4(pktbuild.IP{}, 4); b[0] = 0x55; return b }, want: "unknown_ip_version@IP"},
		{name: "zero length", pkt: func() []byte { return udp4(pktbuild.IP{ZeroLen: true}, 4) }, want: "ip_hdr_len_zero@IP"},
		{name: "zero length ignored checksums", cfg: IPConfig{IgnoreChecksums: true},
			pkt: func() []byte { return udp4(pktbuild.IP{ZeroLen: true}, 4) }, want: "ip_hdr_len_zero@IP"},
		{name: "length beyond wire", pkt: func() []byte { return udp4(pktbuild.IP{TotalLen: 200}, 4) }, want: "truncated_IP_len@IP"},
		{name: "header beyond total", pkt: func() []byte { return udp4(pktbuild.IP{TotalLen: 16}, 4) }, want: "invalid_IP_header_size@IP"},
		{name: "header beyond capture", wire: 200, pkt: func() []byte {
			b := udp4(pktbuild.IP{TotalLen: 100, Options: make([]byte, 40)}, 0)
			return b[:40]
		}, want: "internally_truncated_header@IP"},
		{name: "ihl below 5", pkt: func() []byte { b := udp4(pktbuild.IP{}, 4); b[0] = 0x44; return b }, want: "IPv4_min_header_size@IP"},
		{name: "bad checksum", pkt: func() []byte { return udp4(pktbuild.IP{BadChecksum: true}, 4) }, want: "bad_IP_checksum@IP", flow: true},
		{name: "bad checksum ignored", cfg: IPConfig{IgnoreChecksums: true},
			pkt: func() []byte { return udp4(pktbuild.IP{BadChecksum: true}, 4) }, proto: 17},
		{name: "incomplete fragment", wire: 2000, pkt: func() []byte {
			b := udp4(pktbuild.IP{MF: true, TotalLen: 1000}, 972)
			return b[:500]
		}, want: "incompletely_captured_fragment@IP", flow: true},
		{name: "ipv6 no next", pkt: func() []byte {
			return pktbuild.IP{Src: a6, Dst: b6, Proto: 59}.Build(nil)
		}, want: "ipv6_no_next@IP", flow: true},
		{name: "routing0", pkt: func() []byte {
			return pktbuild.IP{Src: a6, Dst: b6, Proto: 17, ExtHeaders: [][]byte{routing0(1, final)}, ExtTypes: []uint8{43}}.Build(make([]byte, 8))
		}, want: "routing0_hdr@", flow: true},
		{name: "unknown routing type", pkt: func() []byte {
			r := routing0(0, final)
			r[2] = 7
			return pktbuild.IP{Src: a6, Dst: b6, Proto: 17, ExtHeaders: [][]byte{r}, ExtTypes: []uint8{43}}.Build(make([]byte, 8))
		}, want: "unknown_routing_type@(7)", flow: true},
		{name: "bad dest option", pkt: func() []byte {
			opt := []byte{0, 0, 5, 9, 0, 0, 0, 0} // option 5 claims 9 bytes
			return pktbuild.IP{Src: a6, Dst: b6, Proto: 17, ExtHeaders: [][]byte{opt}, ExtTypes: []uint8{60}}.Build(make([]byte, 8))
		}, want: "bad_ipv6_dest_opt_len@", flow: true},
		{name: "bad home address length", pkt: func() []byte {
			opt := []byte{0, 0, 201, 4, 1, 2, 3, 4}
			return pktbuild.IP{Src: a6, Dst: b6, Proto: 17, ExtHeaders: [][]byte{opt}, ExtTypes: []uint8{60}}.Build(make([]byte, 8))
		}, want: "bad_home_addr_len@", flow: true},
		{name: "other protocol", pkt: func() []byte { return pktbuild.IP{Src: a4, Dst: b4, Proto: 89}.Build(make([]byte, 20)) }, proto: 89},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, s, st := ipHarness(t, c.cfg)
			decodeRaw(d, c.pkt(), c.wire)
			if c.want == "" {
				if len(s.weirds) != 0 || st.calls != 1 || st.proto != c.proto {
					t.Fatalf("weirds %v, transport calls %d proto %d; want none, 1, %d", s.names(), st.calls, st.proto, c.proto)
				}
				return
			}
			if len(s.weirds) == 0 || s.weirds[0].String() != c.want {
				t.Fatalf("weirds %v, want %s", s.names(), c.want)
			}
			if s.weirds[0].Flow != c.flow {
				t.Errorf("%s reported with addresses = %v, want %v", c.want, s.weirds[0].Flow, c.flow)
			}
		})
	}
}

// TestIPv6ChainAddresses checks that the home address option and a
// routing header's final destination become the packet's addresses.
func TestIPv6ChainAddresses(t *testing.T) {
	final := pktbuild.V6("2001:db8::99")
	home := pktbuild.V6("2001:db8::77")
	h16 := home.As16()
	opt := append([]byte{0, 2, 201, 16}, h16[:]...)
	opt = append(opt, 1, 2, 0, 0) // PadN to 24 bytes
	pkt := pktbuild.IP{Src: a6, Dst: b6, Proto: 17,
		ExtHeaders: [][]byte{opt, routing0(1, final.As16())}, ExtTypes: []uint8{60, 43}}.Build(make([]byte, 8))
	d, _, _ := ipHarness(t, IPConfig{})
	var seen packet.IPHeader
	d.Set(packet.LayerUDP, packet.AnalyzerFunc(func(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
		seen = p.IP
		return packet.Stop, nil, nil
	}))
	decodeRaw(d, pkt, 0)
	if seen.SrcAddr() != home || seen.DstAddr() != final {
		t.Fatalf("addresses %v -> %v, want %v -> %v", seen.SrcAddr(), seen.DstAddr(), home, final)
	}
	if seen.HdrLen != 40+24+24 || seen.Proto != 17 {
		t.Fatalf("header length %d proto %d", seen.HdrLen, seen.Proto)
	}
}

// TestIPFragmentsReassemble runs a fragmented datagram through the layer.
func TestIPFragmentsReassemble(t *testing.T) {
	d, s, st := ipHarness(t, IPConfig{})
	whole := udp4(pktbuild.IP{ID: 9}, 3000)
	payload := whole[20:]
	for off := 0; off < len(payload); off += 1480 {
		end := min(off+1480, len(payload))
		frag := pktbuild.IP{Src: a4, Dst: b4, Proto: 17, ID: 9, FragOff: off, MF: end < len(payload)}.Build(payload[off:end])
		decodeRaw(d, frag, 0)
	}
	if st.calls != 1 || st.n != 3008 || len(s.weirds) != 0 {
		t.Fatalf("transport saw %d packets of %d bytes, weirds %v; want 1 of 3008", st.calls, st.n, s.names())
	}
}

// TestIPNoAllocs guards the IP layer's per-packet cost.
func TestIPNoAllocs(t *testing.T) {
	d, _, _ := ipHarness(t, IPConfig{})
	v4 := udp4(pktbuild.IP{}, 100)
	v6 := pktbuild.UDPPacket(pktbuild.IP{Src: a6, Dst: b6}, pktbuild.UDP{SrcPort: 1, DstPort: 2}, make([]byte, 100))
	allocs := testing.AllocsPerRun(1000, func() {
		decodeRaw(d, v4, 0)
		decodeRaw(d, v6, 0)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per packet pair", allocs)
	}
}

// FuzzIP decodes arbitrary bytes as a raw IP packet: no panics, and the
// payload handed on lies inside the input.
func FuzzIP(f *testing.F) {
	f.Add(udp4(pktbuild.IP{}, 10))
	f.Add(pktbuild.UDPPacket(pktbuild.IP{Src: a6, Dst: b6}, pktbuild.UDP{SrcPort: 1, DstPort: 2}, []byte("x")))
	f.Add(pktbuild.IP{Src: a6, Dst: b6, Proto: 17, ExtHeaders: [][]byte{routing0(1, a6.As16())}, ExtTypes: []uint8{43}}.Build(make([]byte, 8)))
	f.Add(pktbuild.IP{Src: a4, Dst: b4, Proto: 17, ID: 3, MF: true}.Build(make([]byte, 16)))
	frag := make([]byte, 8)
	binary.BigEndian.PutUint16(frag[2:], 1) // offset 0, M=1
	f.Add(pktbuild.IP{Src: a6, Dst: b6, Proto: 17, ExtHeaders: [][]byte{frag}, ExtTypes: []uint8{44}}.Build(make([]byte, 16)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, _, _ := ipHarness(t, IPConfig{IgnoreChecksums: len(data)%2 == 0})
		d.Set(packet.LayerUDP, packet.AnalyzerFunc(func(p *packet.Packet, rest []byte) (packet.Key, []byte, error) {
			if len(rest) > len(data) {
				t.Fatalf("payload of %d bytes from %d-byte input", len(rest), len(data))
			}
			return packet.Stop, nil, nil
		}))
		decodeRaw(d, data, 0)
		decodeRaw(d, data, len(data)+100)
	})
}
