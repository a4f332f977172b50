package bpf

import (
	"errors"
	"strings"
	"testing"
)

// TestErrors checks that invalid filters are refused with the right kind
// of error, at the right column, saying what is wrong.
func TestErrors(t *testing.T) {
	tests := []struct {
		expr     string
		linkType uint32
		kind     error
		col      int // 0: the whole expression
		msg      string
	}{
		{"tcp port 80 andd host x", LinkTypeEthernet, ErrSyntax, 13, `unexpected "andd"`},
		{"ip and", LinkTypeEthernet, ErrSyntax, 7, "unexpected end of expression"},
		{"(port 80", LinkTypeEthernet, ErrSyntax, 9, "unexpected end of expression"},
		{"()", LinkTypeEthernet, ErrSyntax, 2, `unexpected ")"`},
		{"1=1=1", LinkTypeEthernet, ErrSyntax, 4, `unexpected "="`},
		{"10.0.0.1", LinkTypeEthernet, ErrSyntax, 1, "needs a qualifier"},
		{"80", LinkTypeEthernet, ErrSyntax, 3, "expected a comparison"},
		{"ip and 1.2.3.4", LinkTypeEthernet, ErrSyntax, 8, "has no qualifier"},
		{"(port 80) and 90", LinkTypeEthernet, ErrSyntax, 15, "has no qualifier"},
		{"port 80 or (91 and host 1.2.3.4)", LinkTypeEthernet, ErrSyntax, 20, `unexpected "host"`},
		{"ip[0", LinkTypeEthernet, ErrSyntax, 5, "unexpected end of expression"},
		{"ether proto arp", LinkTypeEthernet, ErrSyntax, 13, `unexpected "arp"`},
		{"port 99999", LinkTypeEthernet, ErrInvalid, 6, "illegal port number 99999 > 65535"},
		{"portrange 10-70000", LinkTypeEthernet, ErrInvalid, 11, "illegal port number 70000 > 65535"},
		{"vlan 5000", LinkTypeEthernet, ErrInvalid, 6, "VLAN tag 5000 greater than maximum 4095"},
		{"mpls 1048576", LinkTypeEthernet, ErrInvalid, 6, "MPLS label 1048576"},
		{"pppoes 65536", LinkTypeEthernet, ErrInvalid, 8, "PPPoE session number 65536"},
		{"ip[0:3] = 1", LinkTypeEthernet, ErrInvalid, 6, "data size must be 1, 2, or 4"},
		{"ip[0] / 0 = 1", LinkTypeEthernet, ErrInvalid, 7, "division by zero"},
		{"ip[0] % 0 = 1", LinkTypeEthernet, ErrInvalid, 7, "modulus by zero"},
		{"ip[0] << 32 = 1", LinkTypeEthernet, ErrInvalid, 7, "shift by more than 31 bits"},
		{"tcp src 80", LinkTypeEthernet, ErrInvalid, 1, "'tcp' modifier applied to host"},
		{"udp net 10.0.0.0/8", LinkTypeEthernet, ErrInvalid, 1, "'udp' modifier applied to net"},
		{"ip6 net 10.0.0.0/8", LinkTypeEthernet, ErrInvalid, 1, "'ip6' modifier applied to ip net"},
		{"ip host fe80::1", LinkTypeEthernet, ErrInvalid, 1, "'ip' modifier applied to ip6 host"},
		{"ip port 80", LinkTypeEthernet, ErrInvalid, 9, "illegal qualifier of 'port'"},
		{"host 1.2.3.256", LinkTypeEthernet, ErrInvalid, 6, "invalid IPv4 address"},
		{"net 10.1.2.3/8", LinkTypeEthernet, ErrInvalid, 5, "non-network bits set"},
		{"net 10.0.0.0/33", LinkTypeEthernet, ErrInvalid, 14, "mask length must be <= 32"},
		{"host 10.0.0.0/8", LinkTypeEthernet, ErrInvalid, 6, "networks only"},
		{"net fe80::/129", LinkTypeEthernet, ErrInvalid, 12, "mask length must be <= 128"},
		{"host 1:2:3:4:5:6", LinkTypeEthernet, ErrInvalid, 6, "ethernet address used in non-ether expression"},
		{"port foo", LinkTypeEthernet, ErrInvalid, 6, "unknown port 'foo'"},
		{"ip proto foo", LinkTypeEthernet, ErrInvalid, 10, "unknown ip proto 'foo'"},
		{"ether proto \\foo", LinkTypeEthernet, ErrInvalid, 13, "unknown ether proto 'foo'"},
		{"udp port http", LinkTypeEthernet, ErrInvalid, 10, "port 'http' is tcp"},
		{"mpls and arp", LinkTypeEthernet, ErrInvalid, 10, "inside MPLS"},
		{"mpls and vlan", LinkTypeEthernet, ErrInvalid, 10, "no VLAN match after MPLS"},
		{"pppoes and vlan", LinkTypeEthernet, ErrInvalid, 12, "no VLAN support for PPP"},
		{"radio[0] = 1", LinkTypeEthernet, ErrInvalid, 1, "radio information not present"},
		{"ah[0] = 1", LinkTypeEthernet, ErrInvalid, 1, "unsupported index operation"},
		{"ip and ip6", LinkTypeEthernet, ErrRejectsAll, 0, "rejects all packets"},
		{"1 = 2", LinkTypeEthernet, ErrRejectsAll, 0, "rejects all packets"},
		// Refused for the link type, as tcpdump refuses them.
		{"vlan", LinkTypeRaw, ErrInvalid, 1, "no VLAN support for Raw IP"},
		{"mpls", LinkTypeLinuxSLL, ErrInvalid, 1, "no MPLS support for Linux cooked v1"},
		{"ether host 0:1:2:3:4:5", LinkTypeNull, ErrInvalid, 12, "ethernet addresses are supported only"},
		{"broadcast", LinkTypeLinuxSLL2, ErrInvalid, 1, "not a broadcast link"},
		{"multicast", LinkTypePPP, ErrInvalid, 1, "multicast filters are supported only"},
		{"arp", LinkTypeRaw, ErrRejectsAll, 0, "rejects all packets"},
		{"ip6", LinkTypeIPv4, ErrRejectsAll, 0, "rejects all packets"},
		{"ip", LinkTypeNFLOG, ErrInvalid, 1, "not implemented for Linux netfilter log messages"},
		{"llc", LinkTypeNull, ErrInvalid, 1, "'llc' not supported for BSD loopback"},
		{"ifindex 1", LinkTypeEthernet, ErrInvalid, 1, "ifindex not supported"},
		// Parts of the language Heron does not implement.
		{"host example.com", LinkTypeEthernet, ErrUnsupported, 6, "not resolved"},
		{"gateway snup", LinkTypeEthernet, ErrUnsupported, 9, "gateway"},
		{"ip6 protochain 6", LinkTypeEthernet, ErrUnsupported, 16, "protochain"},
		{"geneve", LinkTypeEthernet, ErrUnsupported, 1, "geneve"},
		{"tcp", 147, ErrUnsupported, 0, "link type 147"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.expr, tt.linkType, 0)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%q, %d): %v, want an *Error", tt.expr, tt.linkType, err)
			continue
		}
		if !errors.Is(err, tt.kind) || e.Column() != tt.col || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("Compile(%q, %d):\n got %v (kind %v, column %d)\nwant %v at column %d: ...%s...",
				tt.expr, tt.linkType, err, e.Err, e.Column(), tt.kind, tt.col, tt.msg)
		}
		if !strings.HasPrefix(err.Error(), "bpf: ") {
			t.Errorf("error %q lacks the component prefix", err)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Compile("tcp port 80 andd host x", LinkTypeEthernet, 0)
	const want = `bpf: "tcp port 80 andd host x": syntax error at column 13: unexpected "andd"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = Compile("ip and ip6", LinkTypeEthernet, 0)
	const want2 = `bpf: "ip and ip6": the expression rejects all packets`
	if err == nil || err.Error() != want2 {
		t.Errorf("got %v, want %s", err, want2)
	}
}

// TestAccepted checks expressions that must compile (the grammar's corners).
func TestAccepted(t *testing.T) {
	for _, expr := range []string{
		"", "  ", "port 80 or 443", "not port 80 and 90", "port 80 and not 90", "port 80 and (90 or 100)",
		"port 80 and (90)=90", "port 80 and (1=1)", "port 80 and not not 90", "port 80 and (not 90 or 91)",
		"host 1.2.3.4 and (5.6.7.8 or 9.9.9.9)", "host not 1.2.3.4", "(host 1.2.3.4)", "((tcp))",
		"src or dst host 1.2.3.4", "src and dst net 10", "ip src or dst host 1.2.3.4", "dst port 1 and src 2",
		"ether src or dst host 1:2:3:4:5:6", "ip proto 6 or 17", "ether proto 0x800 or 0x806",
		"vlan (10)", "tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "ip[1+1:2] = 1", "1 - -1 = 2", "len = len",
		"ip [0] = 1", "ip[0]=1&&ip[1]=1", "!ip", "not(ip)", "port 80 and (host 1.2.3.4) and 443",
		"portrange 20-ssh", "portrange 5-10-20", "portrange domain-http", "net 10.0.0.0 mask 255.0",
		"ether host 0011.2233.4455", "net 0.0.0.0/0", "host ::ffff:1.2.3.4", "ether proto \\ip6",
		"ip proto \\icmp", "ip6 proto \\udp", "ip proto ospf", "less 100", "greater 100", "length != 0",
	} {
		if _, err := Compile(expr, LinkTypeEthernet, 0); err != nil {
			t.Errorf("Compile(%q): %v", expr, err)
		}
	}
}
