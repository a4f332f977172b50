package bpf

import (
	"errors"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"os"
	"strings"
	"testing"
)

// diffExprs are compared with libpcap's own programs (tcpdump -ddd) on
// every packet of the corpus, for every link type in it: both must refuse
// the expression, or both accept it and agree on every packet. This list
// is broader than the one TestTcpdumpParity runs through tcpdump -r.
var diffExprs = []string{
	"", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp", "pim", "ah", "esp", "vrrp",
	"ip or ip6", "not ip", "ip and not tcp", "tcp or udp", "!tcp && !udp",
	"host 10.0.0.1", "src host 192.168.1.1", "dst host 192.168.1.1", "host 10.1", "net 10.0.0.0/8",
	"net 192.168.0.0 mask 255.255.0.0", "src net 172.16", "dst net 10", "net 0.0.0.0/0",
	"ip host 10.0.0.1", "arp host 10.0.0.1", "host ::1", "host fe80::1", "net fe80::/10", "ip6 net 2001:db8::/32",
	"src or dst host 10.0.0.1", "src and dst net 10.0.0.0/8",
	"port 80", "port 53", "tcp port 80", "udp port 53", "src port 80", "dst port 443", "tcp dst port 80",
	"port http", "port domain", "udp port domain", "tcp port ssh or tcp port ftp",
	"portrange 1-1023", "tcp portrange 1024-65535", "src portrange 0-100", "dst portrange 53-53",
	"port 80 or 443", "port 80 and 443", "not port 22", "tcp and not port 80 and not port 443",
	"ip proto 6", "ip proto 17", "ip proto \\tcp", "ip proto \\udp", "ip proto \\icmp", "proto 17", "ip6 proto 58",
	"ip6 proto \\tcp", "ip proto ospf", "ip proto gre", "proto \\sctp",
	"ether host 00:00:00:00:00:00", "ether src 00:1a:2b:3c:4d:5e", "ether dst ff:ff:ff:ff:ff:ff",
	"ether proto 0x800", "ether proto \\ip6", "ether proto \\arp", "ether proto 0x88cc",
	"broadcast", "multicast", "ether broadcast", "ether multicast", "ip multicast", "ip broadcast", "ip6 multicast",
	"less 60", "greater 1000", "len > 100", "len <= 64", "len = 60", "len - 14 > 1000",
	"vlan", "vlan 1", "vlan and ip", "vlan and tcp port 80", "vlan 10 or vlan 20", "ip or vlan and ip",
	"vlan and vlan", "vlan and vlan and ip", "not vlan", "vlan and host 10.0.0.1",
	"mpls", "mpls 100", "mpls and ip", "mpls and mpls and ip", "mpls and ip6", "mpls and host 10.0.0.1",
	"pppoes", "pppoes and ip", "pppoes 1 and ip", "pppoes and ip6 and udp port 53", "pppoed", "vlan and pppoes and ip",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "tcp[tcpflags] & tcp-syn != 0", "tcp[13] & 2 != 0",
	"tcp[tcpflags] & (tcp-rst|tcp-ack) == (tcp-rst|tcp-ack)", "tcp[tcpflags] = tcp-fin|tcp-ack",
	"ip[2:2] > 576", "ip[0] & 0xf != 5", "ip[6:2] & 0x1fff = 0", "ip[8] < 64", "ip[9] = 6",
	"ether[0] & 1 != 0", "ether[0] & 1 = 0", "ether[12:2] = 0x800", "link[0] = 0", "ether[ether[0] & 0xf] > 3",
	"icmp[icmptype] = icmp-echo", "icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
	"icmp6[icmp6type] = icmp6-echo", "icmp6[0] = 135", "udp[8:2] = 0", "udp[0:2] = 53 or udp[2:2] = 53",
	"tcp[0:2] > 1023 and tcp[2:2] < 1024", "tcp[12] & 0xf0 > 0x50",
	"tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
	"ip[0] = ip[1]", "ip[ip[0] & 0xf] = 0", "tcp[tcp[12] >> 4] = 1", "udp[udp[4:2] - 8:1] = 0",
	"ip6[6] = 17", "ip6[0:4] & 0xfff00000 = 0x60000000", "arp[7] = 1", "arp[6:2] = 2",
	"1 = 1", "len != 0", "ip[0] * 0 = 0", "(ip[2:2] + ip[4:2]) % 7 = 3", "ip[0] ^ 0x45 = 0", "-ip[0] < 5",
	"ip[0] / 2 = 34", "ip[0] >> 4 = 4", "ip[1] << 2 > 0", "ip[0] | 1 = 0x45",
	"host 10.0.0.1 and (10.0.0.2 or 10.0.0.3)", "port 80 and (90 or 100)", "not host 10.0.0.1 and 10.0.0.2",
	"port 80 and (host 1.2.3.4) and 443", "src port 53 or dst 10.0.0.1",
	"ip and ip6", "tcp and udp", "ip and arp", "1 = 2", "not 1 = 1", "port 80 and (90 or 91) and 92",
	"vlan and arp", "mpls and arp", "tcp[0] = udp[0]", "ether proto 100", "ether proto 6", "iso", "stp",
	"ipx", "netbeui", "atalk", "aarp", "decnet", "lat", "llc", "inbound", "outbound", "ifindex 1",
	"ether[0:4] = 0xffffffff", "ether[1:4] = 0", "radio[0] = 0", "wlan[0] = 8", "ppp[2:2] = 0x21",
	"ip[-1] = 0", "ether[0x7fffffff] = 0", "tcp[0xfffffff0] = 1",
}

// knownDiffs are the filters on which Heron deliberately differs from
// libpcap 1.10, and why.
var knownDiffs = []struct {
	linkType uint32
	contains string
	why      string
}{
	{LinkTypeRadiotap, "pppoes", "libpcap keeps the payload offset in the register that holds the radiotap length and reads the frame control through a register it never set"},
}

func knownDiff(linkType uint32, expr string) string {
	for _, k := range knownDiffs {
		if k.linkType == linkType && strings.Contains(expr, k.contains) {
			return k.why
		}
	}
	return ""
}

// TestLibpcapPrograms compares Heron's programs with libpcap's (tcpdump
// -ddd, run by Heron's interpreter) on every packet of the corpus and on
// synthetic packets of every supported link type; tcpdump -r runs
// libpcap's program the same way, which TestTcpdumpParity checks.
func TestLibpcapPrograms(t *testing.T) {
	tcpdumpPath(t)
	groups := synthCorpus(t, 3000)
	if refdata.SharedDir() != "" {
		groups = append(loadCorpus(t), groups...)
	}
	exprs := diffExprs
	if e := os.Getenv("HERON_BPF_EXPR"); e != "" {
		exprs = strings.Split(e, ";")
	}
	if testing.Short() {
		var sample []string
		for i, e := range exprs {
			if i%4 == 0 {
				sample = append(sample, e)
			}
		}
		exprs = sample
	}
	compared, identical := 0, 0
	for _, g := range groups {
		for _, expr := range exprs {
			if why := knownDiff(g.linkType, expr); why != "" {
				t.Logf("%s: %q: not compared: %s", g.name(), expr, why)
				continue
			}
			if usesSystemNames(expr) {
				continue
			}
			lib, libErr := libpcapProgram(t, g.linkType, g.file, expr)
			mine, err := CompileOptions(expr, Options{LinkType: g.linkType, NullByteOrder: g.nullOrder()})
			if libErr != "" || err != nil {
				if libErr != "" && err != nil {
					continue
				}
				if err != nil && errors.Is(err, ErrUnsupported) {
					t.Logf("%s: %q: unsupported by heron (libpcap compiles it): %v", g.name(), expr, err)
					continue
				}
				t.Errorf("%s: %q: libpcap: %q; heron: %v", g.name(), expr, libErr, err)
				continue
			}
			lp, err := LoadProgram(lib)
			if err != nil {
				t.Fatalf("%s: %q: libpcap's program: %v", g.name(), expr, err)
			}
			if sameCode(mine.insns, lib) {
				identical++
			}
			bad := 0
			for _, p := range g.packets {
				want := lp.Match(p.data, int(p.wireLen))
				if got := mine.Match(p.data, int(p.wireLen)); got != want {
					if bad == 0 {
						t.Errorf("%s: %q: %s packet %d (len %d/%d): heron %v, libpcap %v\nheron:\n%s\nlibpcap:\n%s",
							g.name(), expr, p.trace, p.index, len(p.data), p.wireLen, got, want, mine, lp)
					}
					bad++
				}
			}
			if bad > 1 {
				t.Errorf("%s: %q: %d packets differ", g.name(), expr, bad)
			}
			compared++
		}
	}
	t.Logf("%d filter/link type pairs compared (%d programs instruction for instruction libpcap's)", compared, identical)
}

// sameCode reports whether two programs are the same but for the choice
// of scratch memory cells.
func sameCode(a, b []Instruction) bool {
	if len(a) != len(b) {
		return false
	}
	ma, mb := map[uint32]uint32{}, map[uint32]uint32{}
	for i := range a {
		x, y := a[i], b[i]
		if x.Code != y.Code || x.Jt != y.Jt || x.Jf != y.Jf {
			return false
		}
		switch class(x.Code) {
		case ClassST, ClassSTX:
			ma[x.K], mb[y.K] = y.K, x.K
			continue
		case ClassLD, ClassLDX:
			if x.Code&0xe0 == ModeMEM {
				if ma[x.K] != y.K || mb[y.K] != x.K {
					return false
				}
				continue
			}
		}
		if x.K != y.K {
			return false
		}
	}
	return true
}
