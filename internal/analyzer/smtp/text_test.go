package smtp

import (
	"math/rand/v2"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEmailAddrs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"FROM:<alice@example.org>", []string{"alice@example.org"}},
		{"FROM:<alice@example.org> SIZE=100", []string{"alice@example.org"}},
		{"TO:<a@x.org>,<b@y.org>", []string{"a@x.org", "b@y.org"}},
		{"TO: \"Bob\" <bob@x.org>", []string{"bob@x.org"}},
		{"TO:<carol@x.org> ORCPT=rfc822;carol@x.org", []string{"carol@x.org", "ORCPT=rfc822carol@x.org"}},
		{"FROM:<>", nil},
		{"no address here", nil},
		{"a@b", []string{"a@b"}},
		{"@b", nil},
		{"a@", nil},
		{"x a@b,c@d;e", []string{"a@b", "c@d"}},
		{strings.Repeat("a", maxFindAllLength) + "@b", nil},
	} {
		if got := emailAddrs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("emailAddrs(%q) = %q, want %q", c.in, got, c.want)
		}
		first := ""
		if len(c.want) > 0 {
			first = c.want[0]
		}
		if got := firstEmailAddr(c.in); got != first {
			t.Errorf("firstEmailAddr(%q) = %q, want %q", c.in, got, first)
		}
	}
}

func TestSplitMIMEEmailAddrs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Bob <bob@x.org>", []string{"Bob <bob@x.org>"}},
		{"Bob <bob@x.org>, \"Carol, C\" <carol@x.org>", []string{"Bob <bob@x.org>", "\"Carol, C\" <carol@x.org>"}},
		{" a@b ,  c@d ", []string{"a@b", "c@d"}},
		{"undisclosed-recipients:;", nil},
		{"\"unterminated <a@b>", []string{"\"unterminated <a@b>"}},
		{"x,@y,z@", nil},
	} {
		if got := splitMIMEEmailAddrs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("splitMIMEEmailAddrs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRemoveORCPT(t *testing.T) {
	for in, want := range map[string]string{
		"ORCPT=rfc822carol@x.org":  "carol@x.org",
		"aORCPT=rfc822;b":          "ab",
		"plain@x.org":              "plain@x.org",
		"ORCPT=rfc822ORCPT=rfc822": "",
	} {
		if got := removeORCPT(in); got != want {
			t.Errorf("removeORCPT(%q) = %q, want %q", in, got, want)
		}
	}
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestIPAddrs(t *testing.T) {
	collect := func(s string, wrapped bool) []netip.Addr {
		var out []netip.Addr
		ipAddrs(s, wrapped, func(a netip.Addr) bool { out = append(out, a); return true })
		return out
	}
	for _, c := range []struct {
		in      string
		wrapped bool
		want    []netip.Addr
	}{
		{"[203.0.113.5]", false, addrs("203.0.113.5")},
		{"203.0.113.5", true, addrs("203.0.113.5")},
		{"from a ([192.0.2.1]) by b (10.1.2.3)", true, addrs("192.0.2.1", "10.1.2.3")},
		{"x 192.0.2.1 y", true, addrs("192.0.2.1")},
		{"x192.0.2.1 y", true, nil},
		{"x192.0.2.1 y", false, addrs("192.0.2.1")},
		// The longest match of the pattern stops at two digits.
		{"1.2.3.456", false, addrs("1.2.3.45")},
		{"010.001.000.009", false, addrs("10.1.0.9")},
		{"[2001:db8::1]", true, addrs("2001:db8::1")},
		{"[::ffff:192.0.2.9]", true, addrs("::ffff:192.0.2.9")},
		{"(fe80::1%eth0)", true, nil},
		{"no address", false, nil},
	} {
		got := collect(c.in, c.wrapped)
		for i := range got {
			got[i] = got[i].Unmap()
		}
		want := slices.Clone(c.want)
		for i := range want {
			want[i] = want[i].Unmap()
		}
		if !slices.Equal(got, want) {
			t.Errorf("ipAddrs(%q, %v) = %v, want %v", c.in, c.wrapped, got, want)
		}
	}
	if a, ok := receivedAddr("from x ([192.0.2.1]) by y ([192.0.2.2]) z ([192.0.2.3])"); !ok || a != netip.MustParseAddr("192.0.2.2") {
		t.Errorf("receivedAddr takes the second address: %v %v", a, ok)
	}
	if a, ok := receivedAddr("from x ([192.0.2.1])"); !ok || a != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("receivedAddr of one address: %v %v", a, ok)
	}
	if _, ok := receivedAddr("from x"); ok {
		t.Error("receivedAddr found an address in none")
	}
}

func TestFilenames(t *testing.T) {
	for _, c := range []struct {
		value string
		want  string
	}{
		{`attachment; filename="report.pdf"`, "report.pdf"},
		{`attachment; filename=report.pdf`, "report.pdf"},
		{`attachment; FileName = "a b.txt"; size=3`, "a b.txt"},
		{`attachment; filename*=UTF-8''na%C3%AFve.txt`, "na\xc3\xafve.txt"},
		{`application/octet-stream; name="data.bin"`, "data.bin"},
		{`attachment; filename="unterminated`, "unterminated"},
		{`attachment; filename="%41%u0042%%43%4"`, "ABC%4"}, // a doubled % loses one
	} {
		if got := filenameFromDisposition(c.value); got != c.want {
			t.Errorf("filenameFromDisposition(%q) = %q, want %q", c.value, got, c.want)
		}
	}
	if !hasFilenameParam("attachment; filename *= x") || hasFilenameParam("attachment; name=x") {
		t.Error("hasFilenameParam")
	}
	if !hasNameParam("text/plain; NAME =x") || hasNameParam("text/plain; name*=x") {
		t.Error("hasNameParam")
	}
}

func TestWebmail(t *testing.T) {
	for ua, want := range map[string]bool{
		"SquirrelMail/1.4.22":                 true,
		"Internet Messaging Program (IMP) H3": true,
		"Zimbra 8 (ZimbraWebClient - FF3.0)":  true,
		"Mozilla Thunderbird":                 false,
		"my SquirrelMail":                     false,
	} {
		if got := isWebmail(ua); got != want {
			t.Errorf("isWebmail(%q) = %v", ua, got)
		}
	}
}

// ipPattern is ip_addr_regex of base/utils/addrs.zeek written as a Go
// regular expression and matched leftmost-longest: the reference that
// longestIP is checked against.
var ipPattern = func() *regexp.Regexp {
	dec := `(?:[0-9]{1}|[0-9]{2}|0[0-9]{2}|1[0-9]{2}|2[0-4][0-9]|25[0-5])`
	v4 := `(?:` + dec + `\.` + dec + `\.` + dec + `\.` + dec + `)`
	h := `[0-9A-Fa-f]{1,4}`
	rep := func(lo, hi int) string { return `(?::` + h + `){` + strconv.Itoa(lo) + `,` + strconv.Itoa(hi) + `}` }
	alts := []string{
		`(?:` + h + `:){7}` + h,
		`(?:` + h + `:){6}` + v4,
		`::(?:` + h + rep(0, 6) + `)?`,
	}
	for k := 1; k <= 6; k++ {
		alts = append(alts, h+rep(k-1, k-1)+`::(?:`+h+rep(0, 6-k)+`)?`)
	}
	alts = append(alts, h+rep(6, 6)+`::`)
	alts = append(alts, `::(?:`+h+rep(0, 4)+`)?`+v4)
	for k := 1; k <= 4; k++ {
		alts = append(alts, h+rep(k-1, k-1)+`::(?:`+h+rep(0, 4-k)+`)?`+v4)
	}
	alts = append(alts, h+rep(4, 4)+`::`+v4)
	re := regexp.MustCompile(`^(?:` + v4 + `|` + strings.Join(alts, `|`) + `)`)
	re.Longest()
	return re
}()

func refLongestIP(s string) int {
	if loc := ipPattern.FindStringIndex(s); loc != nil {
		return loc[1]
	}
	return -1
}

// TestLongestIP checks the hand-written matcher against the pattern on
// hand-picked and random strings.
func TestLongestIP(t *testing.T) {
	cases := []string{
		"1.2.3.4", "1.2.3.456", "256.1.1.1", "25.5.1.255x", "1.2.3", "::", ":::", "::1", "1::", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:1.2.3.4", "::ffff:192.0.2.9", "::ffff1.2.3.4", "1::2:3:4:5:6:7",
		"1:2:3:4:5:6:7::", "1:2:3:4:5::1.2.3.4", "12345::1", "fe80::1%eth0", "2001:db8::192.0.2.1",
		"1:2::3:4::5", "::12345", "a:b:c:d:e:f:1.2.3.4", "0:0:0:0:0:0:0:0:0", "1.2.3.4.5", "::1.2.3.4",
	}
	r := rand.New(rand.NewPCG(7, 7))
	const alphabet = "0123456789abcdefABCDEF:.:.::1.9"
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.IntN(32))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := longestIP(s), refLongestIP(s); got != want {
			t.Errorf("longestIP(%q) = %d, the pattern matches %d", s, got, want)
		}
	}
}
