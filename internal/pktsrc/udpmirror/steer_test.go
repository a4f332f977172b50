package udpmirror

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/heron-nsm/heron/internal/bpf"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// tcpFrame returns an Ethernet frame with a TCP segment from src to dst.
func tcpFrame(src, dst netip.Addr, sport, dport uint16) []byte {
	ip := pktbuild.IP{Src: src, Dst: dst}
	return pktbuild.EtherIP(pktbuild.TCPPacket(ip, pktbuild.TCP{SrcPort: sport, DstPort: dport, Flags: pktbuild.ACK}, []byte("x")))
}

// vlanTagged inserts 802.1Q/802.1ad tags (tpid, tci pairs) after the MACs.
func vlanTagged(frame []byte, tags ...uint16) []byte {
	out := append([]byte{}, frame[:12]...)
	for _, v := range tags {
		out = binary.BigEndian.AppendUint16(out, v)
	}
	return append(out, frame[12:]...)
}

// encap wraps a mirrored packet as enc carries it.
func encap(enc Encap, pkt []byte, link uint32) []byte {
	if enc == VXLAN {
		return cat(pktbuild.VXLANHeader(77), pkt)
	}
	proto := uint16(protoEthernet)
	if link == linkRaw {
		proto = protoIPv4
		if pkt[0]>>4 == 6 {
			proto = protoIPv6
		}
	}
	return cat(pktbuild.Geneve{Proto: proto, VNI: 3, Options: pktbuild.GeneveOption(0x0132, 1, []byte{9, 9, 9, 9})}.Header(), pkt)
}

func loadSteering(t *testing.T, enc Encap, n int) *bpf.Program {
	t.Helper()
	insns, err := steeringProgram(enc, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(insns) > bpf.MaxInstructions {
		t.Fatalf("%d instructions", len(insns))
	}
	p, err := bpf.LoadProgram(insns)
	if err != nil {
		t.Fatalf("the steering program does not validate: %v\n%s", err, bpf.Disassemble(insns))
	}
	return p
}

// TestSteeringSymmetric checks that both directions of every flow pick the
// same socket, that every socket gets flows, for both encapsulations,
// IPv4 and IPv6, tagged and untagged frames and raw IP payloads.
func TestSteeringSymmetric(t *testing.T) {
	for _, enc := range []Encap{VXLAN, Geneve} {
		for _, n := range []int{2, 3, 8} {
			p := loadSteering(t, enc, n)
			used := make([]int, n)
			for i := range 200 {
				var a, b netip.Addr
				if i%2 == 0 {
					a = netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})
					b = netip.AddrFrom4([4]byte{172, 16, byte(i * 7), 9})
				} else {
					a = netip.MustParseAddr(fmt.Sprintf("2001:db8:%x::1", i))
					b = netip.MustParseAddr(fmt.Sprintf("2001:db8:ffff::%x", i*13))
				}
				fwd, rev := tcpFrame(a, b, 40000+uint16(i), 443), tcpFrame(b, a, 443, 40000+uint16(i))
				variants := [][2][]byte{
					{encap(enc, fwd, linkEthernet), encap(enc, rev, linkEthernet)},
					{encap(enc, vlanTagged(fwd, 0x8100, 100), linkEthernet), encap(enc, vlanTagged(rev, 0x8100, 100), linkEthernet)},
					{encap(enc, vlanTagged(fwd, 0x88a8, 5, 0x8100, 6), linkEthernet), encap(enc, vlanTagged(rev, 0x88a8, 5, 0x8100, 6), linkEthernet)},
				}
				if enc == Geneve {
					variants = append(variants, [2][]byte{encap(enc, fwd[14:], linkRaw), encap(enc, rev[14:], linkRaw)})
				}
				var first uint32
				for j, v := range variants {
					x, y := p.Run(v[0], 0), p.Run(v[1], 0)
					if x != y {
						t.Fatalf("%v n=%d flow %d variant %d: directions go to %d and %d", enc, n, i, j, x, y)
					}
					if x >= uint32(n) {
						t.Fatalf("%v n=%d flow %d variant %d: socket %d", enc, n, i, j, x)
					}
					if j == 0 {
						first = x
					} else if x != first {
						t.Fatalf("%v n=%d flow %d: variant %d picks %d, untagged picks %d", enc, n, i, j, x, first)
					}
				}
				used[first]++
			}
			for k, c := range used {
				if c < 200/n/3 {
					t.Errorf("%v n=%d: socket %d got %d of 200 flows: %v", enc, n, k, c, used)
				}
			}
		}
	}
}

// TestSteeringOther checks the datagrams the program cannot place.
func TestSteeringOther(t *testing.T) {
	arp := pktbuild.Ether([6]byte{1}, [6]byte{2}, 0x0806, make([]byte, 28))
	for _, enc := range []Encap{VXLAN, Geneve} {
		p := loadSteering(t, enc, 4)
		if got := p.Run(encap(enc, arp, linkEthernet), 0); got != noSocket {
			t.Errorf("%v: ARP goes to %d, want the kernel's fallback", enc, got)
		}
		short := encap(enc, tcpFrame(pktbuild.V4("10.0.0.1"), pktbuild.V4("10.0.0.2"), 1, 2)[:20], linkEthernet)
		if got := p.Run(short, 0); got != 0 {
			t.Errorf("%v: a cut frame goes to %d, want 0", enc, got)
		}
	}
	p := loadSteering(t, Geneve, 4)
	mpls := cat(pktbuild.Geneve{Proto: 0x8847}.Header(), make([]byte, 40))
	if got := p.Run(mpls, 0); got != noSocket {
		t.Errorf("Geneve MPLS payload goes to %d, want the fallback", got)
	}
	if _, err := steeringProgram(VXLAN, 0); err == nil {
		t.Error("a group of 0 sockets was accepted")
	}
}
