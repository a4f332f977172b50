package udpmirror

import (
	"bytes"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// innerFrame is a small Ethernet frame with a UDP packet in it.
func innerFrame() []byte {
	ip := pktbuild.IP{Src: pktbuild.V4("192.0.2.1"), Dst: pktbuild.V4("192.0.2.2")}
	return pktbuild.EtherIP(pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 1234, DstPort: 53}, []byte("inner")))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDecap(t *testing.T) {
	frame := innerFrame()
	ipPkt := frame[14:]
	opts := cat(pktbuild.GeneveOption(0x0132, 1, []byte{1, 2, 3, 4}), pktbuild.GeneveOption(0x0132, 2, []byte{5, 6}))
	tests := []struct {
		name  string
		enc   Encap
		b     []byte
		inner []byte
		link  uint32
		vni   uint32
		v     verdict
	}{
		{"vxlan", VXLAN, cat(pktbuild.VXLANHeader(0xabcdef), frame), frame, linkEthernet, 0xabcdef, vOK},
		{"vxlan no I flag", VXLAN, cat([]byte{0, 0, 0, 0, 0, 0, 1, 0}, frame), nil, 0, 0, vBadHeader},
		{"vxlan other flags ignored", VXLAN, cat([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 7, 0xff}, frame), frame, linkEthernet, 7, vOK},
		{"vxlan empty", VXLAN, pktbuild.VXLANHeader(1), nil, 0, 0, vShort},
		{"vxlan short", VXLAN, pktbuild.VXLANHeader(1)[:7], nil, 0, 0, vShort},
		{"vxlan nothing", VXLAN, nil, nil, 0, 0, vShort},
		{"geneve ethernet", Geneve, cat(pktbuild.Geneve{Proto: protoEthernet, VNI: 42}.Header(), frame), frame, linkEthernet, 42, vOK},
		{"geneve options", Geneve, cat(pktbuild.Geneve{Proto: protoEthernet, VNI: 9, Options: opts}.Header(), frame), frame, linkEthernet, 9, vOK},
		{"geneve ipv4", Geneve, cat(pktbuild.Geneve{Proto: protoIPv4, Options: opts}.Header(), ipPkt), ipPkt, linkRaw, 0, vOK},
		{"geneve ipv6", Geneve, cat(pktbuild.Geneve{Proto: protoIPv6}.Header(), ipPkt), ipPkt, linkRaw, 0, vOK},
		{"geneve version 1", Geneve, cat(pktbuild.Geneve{Version: 1, Proto: protoEthernet}.Header(), frame), nil, 0, 0, vBadHeader},
		{"geneve control", Geneve, cat([]byte{0, 0x80, 0x65, 0x58, 0, 0, 0, 0}, frame), nil, 0, 0, vControl},
		{"geneve critical bit kept", Geneve, cat([]byte{0, 0x40, 0x65, 0x58, 0, 0, 1, 0}, frame), frame, linkEthernet, 1, vOK},
		{"geneve mpls", Geneve, cat(pktbuild.Geneve{Proto: 0x8847}.Header(), frame), nil, 0, 0, vProto},
		{"geneve options cut", Geneve, cat(pktbuild.Geneve{Proto: protoEthernet, Options: opts}.Header())[:12], nil, 0, 0, vShort},
		{"geneve empty after options", Geneve, pktbuild.Geneve{Proto: protoEthernet, Options: opts}.Header(), nil, 0, 0, vShort},
	}
	for _, tt := range tests {
		inner, link, vni, v := decap(tt.enc, tt.b)
		if v != tt.v || !bytes.Equal(inner, tt.inner) || link != tt.link || vni != tt.vni {
			t.Errorf("%s: got %x link %d vni %d verdict %d; want %x link %d vni %d verdict %d",
				tt.name, inner, link, vni, v, tt.inner, tt.link, tt.vni, tt.v)
		}
	}
}

// FuzzDecap checks that decap never reads outside the datagram and that a
// packet it returns is the datagram's non-empty tail.
func FuzzDecap(f *testing.F) {
	f.Add(true, cat(pktbuild.VXLANHeader(5), innerFrame()))
	f.Add(false, cat(pktbuild.Geneve{Proto: protoEthernet, Options: pktbuild.GeneveOption(1, 2, []byte{3})}.Header(), innerFrame()))
	f.Add(false, cat(pktbuild.Geneve{Proto: protoIPv4}.Header(), innerFrame()[14:]))
	f.Add(false, []byte{0x3f, 0, 0x65, 0x58, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, vxlan bool, b []byte) {
		enc := Geneve
		if vxlan {
			enc = VXLAN
		}
		inner, link, _, v := decap(enc, b)
		if v != vOK {
			if inner != nil || link != 0 {
				t.Fatalf("verdict %d with a packet", v)
			}
			return
		}
		if len(inner) == 0 || len(inner) > len(b)-headerLen || !bytes.Equal(inner, b[len(b)-len(inner):]) {
			t.Fatalf("packet of %d bytes is not the tail of a %d-byte datagram", len(inner), len(b))
		}
		if link != linkEthernet && link != linkRaw {
			t.Fatalf("link type %d", link)
		}
	})
}

func BenchmarkDecap(b *testing.B) {
	d := cat(pktbuild.Geneve{Proto: protoEthernet, Options: pktbuild.GeneveOption(0x0132, 1, []byte{1, 2, 3, 4})}.Header(), innerFrame())
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		inner, _, _, _ := decap(Geneve, d)
		n += len(inner)
	}
	if n == 0 {
		b.Fatal("nothing decapsulated")
	}
}
