package bpf

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/programs.golden")

// goldenCases are programs whose code is kept in testdata/programs.golden,
// to review how constructs compile and to notice when that changes.
var goldenCases = []struct {
	linkType uint32
	expr     string
}{
	{LinkTypeEthernet, ""},
	{LinkTypeEthernet, "ip"},
	{LinkTypeEthernet, "tcp"},
	{LinkTypeEthernet, "host 10.0.0.1"},
	{LinkTypeEthernet, "net fe80::/10"},
	{LinkTypeEthernet, "tcp port 80"},
	{LinkTypeEthernet, "portrange 1-1023"},
	{LinkTypeEthernet, "ether src 00:1a:2b:3c:4d:5e"},
	{LinkTypeEthernet, "broadcast or multicast"},
	{LinkTypeEthernet, "less 64"},
	{LinkTypeEthernet, "vlan 10 and ip"},
	{LinkTypeEthernet, "mpls 100 and mpls and ip"},
	{LinkTypeEthernet, "pppoes 0x27 and ip6"},
	{LinkTypeEthernet, "tcp[tcpflags] & (tcp-syn|tcp-ack) != 0"},
	{LinkTypeEthernet, "ip[2:2] - ((ip[0] & 0xf) << 2) > 1000"},
	{LinkTypeEthernet, "ether[ether[0] & 0xf] = 1"},
	{LinkTypeEthernet, "ipx"},
	{LinkTypeEthernet, "llc"},
	{LinkTypeRaw, "ip6 and udp port 53"},
	{LinkTypeIPv4, "tcp port 80"},
	{LinkTypeNull, "ip6"},
	{LinkTypeLoop, "ip"},
	{LinkTypeLinuxSLL, "outbound and arp"},
	{LinkTypeLinuxSLL2, "ifindex 2 and ip"},
	{LinkTypePPP, "mpls and ip"},
	{LinkTypeFDDI, "ip and ether host 00:1a:2b:3c:4d:5e"},
	{LinkTypeIEEE80211, "ip"},
	{LinkTypeIEEE80211, "ether src 00:1a:2b:3c:4d:5e"},
	{LinkTypeRadiotap, "tcp port 80"},
	{LinkTypeRadiotap, "radio[0] = 0 and wlan[0] = 8"},
	{LinkTypeNFLOG, "len > 100"},
}

func TestGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range goldenCases {
		fmt.Fprintf(&b, "### %s %q\n", dltNames[c.linkType], c.expr)
		p, err := Compile(c.expr, c.linkType, 0)
		if err != nil {
			fmt.Fprintf(&b, "%v\n", err)
			continue
		}
		b.WriteString(p.String())
	}
	path := filepath.Join("testdata", "programs.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("programs differ from %s at line %d:\n got %s\nwant %s\n(run with -update if the change is intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("programs differ from %s in length (run with -update if intended)", path)
	}
}
