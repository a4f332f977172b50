package bpf

import (
	"math/rand/v2"
	"testing"
)

// benchPackets returns a mix of Ethernet frames (the synthetic generator's).
func benchPackets() [][]byte {
	s := synth{rand.New(rand.NewPCG(9, 9))}
	pkts := make([][]byte, 1024)
	for i := range pkts {
		pkts[i] = s.frame(LinkTypeEthernet)
	}
	return pkts
}

var benchFilters = []struct{ name, expr string }{
	{"tcp_port_80", "tcp port 80"},
	{"host", "host 10.0.0.1"},
	{"net_and_port", "net 10.0.0.0/8 and (port 53 or port 80 or port 443)"},
	{"tcp_flags", "tcp[tcpflags] & (tcp-syn|tcp-ack) != 0"},
	{"vlan_ip", "vlan and ip and udp"},
	{"accept_all", ""},
}

// BenchmarkMatch measures one Match call (one packet) for some filters on
// a mix of frames.
func BenchmarkMatch(b *testing.B) {
	pkts := benchPackets()
	for _, f := range benchFilters {
		p, err := Compile(f.expr, LinkTypeEthernet, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; b.Loop(); i++ {
				pkt := pkts[i&1023]
				if p.Match(pkt, len(pkt)) {
					n++
				}
			}
			_ = n
		})
	}
}

// BenchmarkCompile measures compiling a typical filter.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("tcp port 80 and (host 10.0.0.1 or net 192.168.0.0/16) and not vlan", LinkTypeEthernet, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMatchAllocs guards the per-packet path: Match allocates nothing.
func TestMatchAllocs(t *testing.T) {
	pkts := benchPackets()
	for _, f := range benchFilters {
		p, err := Compile(f.expr, LinkTypeEthernet, 0)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			pkt := pkts[i&1023]
			p.Match(pkt, len(pkt))
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: Match allocates %v times per packet", f.name, allocs)
		}
	}
}
