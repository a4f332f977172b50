package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// nopSink drops weirds without allocating.
type nopSink struct{ n int }

func (s *nopSink) PacketWeird(*packet.Packet, string, string, string) { s.n++ }

type nopIP struct{ n int }

func (s *nopIP) Analyze(*packet.Packet, []byte) (packet.Key, []byte, error) {
	s.n++
	return packet.Stop, nil, nil
}

func newBenchDecoder(tb testing.TB) (*packet.Decoder, *nopIP, *nopSink) {
	s := &nopSink{}
	d := packet.NewDecoder(mustTable(tb), s)
	Install(d)
	ip := &nopIP{}
	d.Set(packet.LayerIP, ip)
	return d, ip, s
}

// TestNoAllocs decodes each sample frame, weirds included, and requires
// that nothing is allocated.
func TestNoAllocs(t *testing.T) {
	d, ip, _ := newBenchDecoder(t)
	for _, s := range samples() {
		var p packet.Packet
		allocs := testing.AllocsPerRun(100, func() {
			p.Reset()
			p.Data, p.LinkType = s.data, s.linkType
			d.Decode(&p)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per frame", s.name, allocs)
		}
	}
	if ip.n == 0 {
		t.Fatal("no sample reached IP")
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, s := range samples() {
		b.Run(s.name, func(b *testing.B) {
			d, _, _ := newBenchDecoder(b)
			var p packet.Packet
			b.ReportAllocs()
			b.SetBytes(int64(len(s.data)))
			for b.Loop() {
				p.Reset()
				p.Data, p.LinkType = s.data, s.linkType
				d.Decode(&p)
			}
		})
	}
}

// BenchmarkLayer measures single layers called directly, without the
// decoder's dispatch.
func BenchmarkLayer(b *testing.B) {
	d, _, _ := newBenchDecoder(b)
	link := newLink(d)
	cases := []struct {
		name string
		a    packet.Analyzer
		data []byte
	}{
		{"ethernet", packet.AnalyzerFunc(ethernet), cat(eth(macA, macB, 0x0800), ipv4(40))},
		{"ethernet 802.3", packet.AnalyzerFunc(ethernet), cat(eth(macA, macB, 48), llcSNAP(0x0800), ipv4(40))},
		{"vlan", &link.vlan, cat(tag(10, 0x0800), ipv4(40))},
		{"mpls", packet.AnalyzerFunc(mpls), cat(label(1, false), label(2, true), ipv4(40))},
		{"pppoe", &link.pppoe, cat(pppoeHdr(1, 42, 0x0021), ipv4(40))},
		{"sll", packet.AnalyzerFunc(linuxSLL), cat(sllHdr(macA, 0x0800), ipv4(40))},
		{"802.11", &link.wifi, cat(wifiHdr(fcQoSData, dsFromAP, macA, macC, macB, nil, []byte{0, 0}), llcSNAP(0x0800), ipv4(40))},
		{"radiotap", packet.AnalyzerFunc(radiotap), cat(rtHdr(18), fill(8, 40))},
		{"snap", packet.AnalyzerFunc(snap), cat(llcSNAP(0x0800), ipv4(40))},
		{"arp", &link.arp, arpPkt(1, macB, ip1, make([]byte, 6), ip2)},
		{"pbb", packet.AnalyzerFunc(pbb), cat(itag(9), eth(macA, macB, 0x0800), ipv4(40))},
		{"vntag", packet.AnalyzerFunc(vntag), cat(vnTag(0x8100), tag(11, 0x0800), ipv4(40))},
		{"nflog", &link.nflog, cat(nflogHdr(2, 0), nflogMeta(), nflogPayload(ipv4(40)))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var p packet.Packet
			p.L2Src = mac6(macB)
			b.ReportAllocs()
			for b.Loop() {
				p.HasVLAN, p.HasPPPoE = false, false
				if _, _, err := c.a.Analyze(&p, c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
