package site

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadNetworksCfg(t *testing.T) {
	type net struct {
		prefix string
		tag    string
		line   int
	}
	tests := []struct {
		name string
		in   string
		want []net
	}{
		{"empty file", "", nil},
		{"only comments and blanks", "# a\n\n   \n\t# b\n", nil},
		{
			// zeekctl's own test inputs (testing/Cfg/etc/networks.cfg__ipv4_ipv6).
			name: "zeekctl ipv4 and ipv6",
			in:   "# Mix of IPv4 and IPv6 networks.\n\n192.168.0.0/16  my network\n\nfe80::/64       another network\n",
			want: []net{{"192.168.0.0/16", "my network", 3}, {"fe80::/64", "another network", 5}},
		},
		{
			name: "no tag, no final newline",
			in:   "10.0.0.0/8",
			want: []net{{"10.0.0.0/8", "", 1}},
		},
		{
			name: "surrounding and inner whitespace",
			in:   "  \t10.0.0.0/8 \t  two  words \t \n",
			want: []net{{"10.0.0.0/8", "two  words", 1}},
		},
		{
			name: "hash after the prefix is part of the tag",
			in:   "10.0.0.0/8 # not a comment\n",
			want: []net{{"10.0.0.0/8", "# not a comment", 1}},
		},
		{
			name: "CRLF, CR and LF line ends count lines like Python",
			in:   "10.0.0.0/8 a\r\n\r172.16.0.0/12 b\r192.168.0.0/16 c\n",
			want: []net{{"10.0.0.0/8", "a", 1}, {"172.16.0.0/12", "b", 3}, {"192.168.0.0/16", "c", 4}},
		},
		{
			name: "host bits cleared",
			in:   "10.1.2.3/8\n2001:db8::1/32\n",
			want: []net{{"10.0.0.0/8", "", 1}, {"2001:db8::/32", "", 2}},
		},
		{
			name: "leading zeros as Zeek reads them",
			in:   "010.001.0.0/016\n",
			want: []net{{"10.1.0.0/16", "", 1}},
		},
		{
			name: "v4-mapped IPv6 prefix is the IPv4 prefix",
			in:   "::ffff:10.0.0.0/104\n::ffff:0:0/96\n",
			want: []net{{"10.0.0.0/8", "", 1}, {"0.0.0.0/0", "", 2}},
		},
		{
			name: "short v4-mapped prefix stays IPv6",
			in:   "::ffff:10.0.0.0/24\n",
			want: []net{{"::/24", "", 1}},
		},
		{
			name: "extremes",
			in:   "0.0.0.0/0\n::/0\n255.255.255.255/32\nffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128\n",
			want: []net{{"0.0.0.0/0", "", 1}, {"::/0", "", 2}, {"255.255.255.255/32", "", 3}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "", 4}},
		},
		{
			name: "unicode white space separates, as in Python",
			in:   "\u00a010.0.0.0/8\u2003tag\u3000\n",
			want: []net{{"10.0.0.0/8", "tag", 1}},
		},
		{
			name: "ASCII separators 0x1c-0x1f are white space to Python",
			in:   "\x1c10.0.0.0/8\x1ftag\n",
			want: []net{{"10.0.0.0/8", "tag", 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadNetworksCfg(strings.NewReader(tt.in), "networks.cfg")
			if err != nil {
				t.Fatal(err)
			}
			var want []Network
			for _, n := range tt.want {
				want = append(want, Network{netip.MustParsePrefix(n.prefix), n.tag, n.line})
			}
			if !slices.Equal(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
			ps, err := ParseNetworksCfg(strings.NewReader(tt.in), "networks.cfg")
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(want) {
				t.Fatalf("ParseNetworksCfg: %d prefixes, want %d", len(ps), len(want))
			}
			for i := range ps {
				if ps[i] != want[i].Prefix {
					t.Errorf("ParseNetworksCfg[%d] = %s, want %s", i, ps[i], want[i].Prefix)
				}
			}
		})
	}
}

func TestReadNetworksCfgErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"10.0.0/8\n", `site: n.cfg:1: "10.0.0/8" is not a CIDR prefix (bad IPv4 address)`},
		{"# c\n\n10.0.0.0\n", `site: n.cfg:3: "10.0.0.0" is not a CIDR prefix (missing "/length")`},
		{"fe80::\n", `site: n.cfg:1: "fe80::" is not a CIDR prefix (missing "/length")`},
		{"10.0.0.0/33\n", `site: n.cfg:1: "10.0.0.0/33" is not a CIDR prefix (IPv4 length is more than 32)`},
		{"::/129\n", `site: n.cfg:1: "::/129" is not a CIDR prefix (length is not a number from 0 to 128)`},
		{"10.0.0.0/\n", `site: n.cfg:1: "10.0.0.0/" is not a CIDR prefix (length is not a number from 0 to 128)`},
		{"10.0.0.0/8x\n", `site: n.cfg:1: "10.0.0.0/8x" is not a CIDR prefix (length is not a number from 0 to 128)`},
		{"10.0.0.0/-8\n", `site: n.cfg:1: "10.0.0.0/-8" is not a CIDR prefix (length is not a number from 0 to 128)`},
		{"10.0.0.0/8/9\n", `site: n.cfg:1: "10.0.0.0/8/9" is not a CIDR prefix (more than one "/")`},
		{"256.0.0.0/8\n", `site: n.cfg:1: "256.0.0.0/8" is not a CIDR prefix (bad IPv4 address)`},
		{"1.2.3.4.5/8\n", `site: n.cfg:1: "1.2.3.4.5/8" is not a CIDR prefix (bad IPv4 address)`},
		{"1..3.4/8\n", `site: n.cfg:1: "1..3.4/8" is not a CIDR prefix (bad IPv4 address)`},
		{"0x0a.0.0.0/8\n", `site: n.cfg:1: "0x0a.0.0.0/8" is not a CIDR prefix (bad IPv4 address)`},
		{"10.0.0.0/8#x\n", `site: n.cfg:1: "10.0.0.0/8#x" is not a CIDR prefix (length is not a number from 0 to 128)`},
		{"fe80::1%eth0/64\n", `site: n.cfg:1: "fe80::1%eth0/64" is not a CIDR prefix (IPv6 zones are not allowed)`},
		{"fe80:::1/64\n", `site: n.cfg:1: "fe80:::1/64" is not a CIDR prefix (bad IPv6 address)`},
		{"[fe80::]/64\n", `site: n.cfg:1: "[fe80::]/64" is not a CIDR prefix (bad IPv6 address)`},
		{"corp 10.0.0.0/8\n", `site: n.cfg:1: "corp" is not a CIDR prefix (missing "/length")`},
		{"\xff10.0.0.0/8\n", `site: n.cfg:1: "\xff10.0.0.0/8" is not a CIDR prefix (not valid UTF-8)`},
		{"\ufeff10.0.0.0/8\n", `site: n.cfg:1: "\ufeff10.0.0.0/8" is not a CIDR prefix (bad IPv4 address)`},
	}
	for _, tt := range tests {
		_, err := ParseNetworksCfg(strings.NewReader(tt.in), "n.cfg")
		if err == nil {
			t.Errorf("%q: no error", tt.in)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\n got  %s\n want %s", tt.in, err, tt.want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != "n.cfg" {
			t.Errorf("%q: not a *ParseError for n.cfg: %#v", tt.in, err)
		}
	}
}

func TestReadNetworksCfgLimits(t *testing.T) {
	long := "10.0.0.0/8 " + strings.Repeat("x", MaxNetworksCfgLine) + "\n"
	_, err := ParseNetworksCfg(strings.NewReader("# ok\n"+long), "n.cfg")
	if err == nil || !strings.Contains(err.Error(), "n.cfg:2: line longer than") {
		t.Errorf("long line: %v", err)
	}
	// A long error field is shortened in the message.
	_, err = ParseNetworksCfg(strings.NewReader(strings.Repeat("9", 500)+"\n"), "n.cfg")
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("long field: %v", err)
	}
	// A tag just under the limit is fine.
	ok := "10.0.0.0/8 " + strings.Repeat("y", MaxNetworksCfgLine-20)
	if ps, err := ParseNetworksCfg(strings.NewReader(ok), "n.cfg"); err != nil || len(ps) != 1 {
		t.Errorf("long tag: %v %v", ps, err)
	}
	// I/O errors are wrapped.
	boom := errors.New("boom")
	_, err = ParseNetworksCfg(io.MultiReader(strings.NewReader("10.0.0.0/8\n"), iotest.ErrReader(boom)), "n.cfg")
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "site: reading n.cfg: ") {
		t.Errorf("read error: %v", err)
	}
	// One byte at a time, with a CR at each buffer end.
	got, err := ParseNetworksCfg(iotest.OneByteReader(strings.NewReader("10.0.0.0/8\r\n\r\n::/0\r")), "n.cfg")
	if err != nil || len(got) != 2 {
		t.Errorf("one byte reader: %v %v", got, err)
	}
}

// TestSharedExample reads the networks.cfg example heronctl must accept.
func TestSharedExample(t *testing.T) {
	path := filepath.Join(sharedDir, "zeekctl-examples", "networks.cfg")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("example not available: %v", err)
	}
	defer f.Close()
	nets, err := ReadNetworksCfg(f, path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Network{
		{netip.MustParsePrefix("10.0.0.0/8"), "Corporate", 2},
		{netip.MustParsePrefix("192.168.0.0/16"), "Labs and test", 3},
		{netip.MustParsePrefix("172.16.5.0/24"), "DMZ", 4},
		{netip.MustParsePrefix("2001:db8:1200::/40"), "IPv6 campus", 5},
	}
	if !slices.Equal(nets, want) {
		t.Errorf("got  %v\nwant %v", nets, want)
	}
	s := New(Config{LocalNets: []netip.Prefix{nets[0].Prefix, nets[1].Prefix, nets[2].Prefix, nets[3].Prefix}, PrivateAddressSpace: DefaultPrivateAddressSpace()})
	if !s.IsLocal(netip.MustParseAddr("172.16.5.9")) || s.IsLocal(netip.MustParseAddr("172.16.6.9")) {
		t.Error("DMZ membership wrong without private address space")
	}
}

func FuzzParseNetworksCfg(f *testing.F) {
	for _, s := range []string{
		"# CIDR, whitespace, optional tag\n10.0.0.0/8          Corporate\n192.168.0.0/16      Labs and test\n",
		"fe80::/64       another network\n",
		"10.0.0/8\n",
		"::ffff:10.0.0.0/104\r\n\r0.0.0.0/0\r",
		"010.1.2.3/08 x # y\n",
		"1:2:3:4:5:6:1.2.3.4/128\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nets, err := ReadNetworksCfg(strings.NewReader(string(data)), "fuzz.cfg")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "site: fuzz.cfg:") {
				t.Fatalf("error without location: %v", err)
			}
			return
		}
		last := 0
		for _, n := range nets {
			p := n.Prefix
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("bad prefix %v", p)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				t.Fatalf("non-canonical mapped prefix %v", p)
			}
			if n.Line <= last {
				t.Fatalf("line numbers not increasing: %d after %d", n.Line, last)
			}
			last = n.Line
			// The canonical form reads back as itself.
			again, err := ParseNetworksCfg(strings.NewReader(p.String()), "again")
			if err != nil || len(again) != 1 || again[0] != p {
				t.Fatalf("%v does not round-trip: %v %v", p, again, err)
			}
		}
	})
}
