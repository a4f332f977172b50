package ftp

import (
	"fmt"
	"testing"
)

func (hp hostPort) String() string {
	v := "F"
	if hp.valid {
		v = "T"
	}
	return fmt.Sprintf("[h=%s, p=%d/tcp, valid=%s]", hp.h, hp.p, v)
}

// TestAddressParsers: Zeek's own expectations (testing/btest/bifs/
// parse_ftp.zeek) and the leniencies of its C parsing.
func TestAddressParsers(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  hostPort
		want string
	}{
		{"port", parsePort([]byte("192,168,0,2,1,1")), "[h=192.168.0.2, p=257/tcp, valid=T]"},
		{"eprt4", parseExtended([]byte("|1|192.168.0.2|257|"), true), "[h=192.168.0.2, p=257/tcp, valid=T]"},
		{"eprt6", parseExtended([]byte("|2|fe80::12|1234|"), true), "[h=fe80::12, p=1234/tcp, valid=T]"},
		{"eprt bad v4", parseExtended([]byte("|1|192.168.0.313|257|"), true), "[h=::, p=257/tcp, valid=F]"},
		{"eprt bad v6", parseExtended([]byte("|2|fe80::gg|1234|"), true), "[h=::, p=1234/tcp, valid=F]"},
		{"eprt negative port", parseExtended([]byte("|1|192.168.0.2|-1|"), true), "[h=192.168.0.2, p=0/tcp, valid=F]"},
		{"eprt big port", parseExtended([]byte("|2|192.168.0.2|131072|"), true), "[h=192.168.0.2, p=0/tcp, valid=F]"},
		{"pasv", parsePASV([]byte("227 Entering Passive Mode (192,168,0,2,1,1)")), "[h=192.168.0.2, p=257/tcp, valid=T]"},
		{"epsv", parseEPSV([]byte("229 Entering Extended Passive Mode (|||1234|)")), "[h=::, p=1234/tcp, valid=T]"},
		// Leniencies: blanks before numbers, text after them.
		{"port blanks", parsePort([]byte(" 10, 0, 0, 1, 4, 31 trailing")), "[h=10.0.0.1, p=1055/tcp, valid=T]"},
		{"port short", parsePort([]byte("1,2,3,4,5")), "[h=0.0.0.0, p=0/tcp, valid=F]"},
		{"port range", parsePort([]byte("10,0,0,256,4,31")), "[h=0.0.0.0, p=0/tcp, valid=F]"},
		{"pasv PORT", parsePASV([]byte("Entering PORT 10,1,2,3,0,21 ok")), "[h=10.1.2.3, p=21/tcp, valid=T]"},
		{"pasv bare", parsePASV([]byte("Entering mode 10,1,2,3,0,21")), "[h=10.1.2.3, p=21/tcp, valid=T]"},
		{"pasv none", parsePASV([]byte("no address")), "[h=0.0.0.0, p=0/tcp, valid=F]"},
		{"pasv empty", parsePASV(nil), "[h=0.0.0.0, p=0/tcp, valid=F]"},
		{"epsv none", parseEPSV([]byte("229 no paren")), "[h=::, p=0/tcp, valid=F]"},
		{"eprt no final delimiter", parseExtended([]byte("|1|10.0.0.1"), true), "[h=10.0.0.1, p=0/tcp, valid=T]"},
		{"eprt mapped", parseExtended([]byte("!2!::ffff:10.0.0.1!80!"), true), "[h=10.0.0.1, p=80/tcp, valid=T]"},
		{"eprt empty", parseExtended([]byte("   "), true), "[h=::, p=0/tcp, valid=F]"},
	} {
		if got := tc.got.String(); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestPaths: Zeek's expectations (testing/btest/bifs/compress_path.zeek
// and scripts/base/utils/paths.test).
func TestPaths(t *testing.T) {
	for in, want := range map[string]string{
		"./../foo": "../foo", "././../foo": "../foo", "foo/bar/../baz": "foo/baz", "./foo/./bar": "./foo/bar",
		"a/b/c/../../d": "a/d", "foo//bar": "foo/bar", "foo//bar/..": "foo", "foo/bar/../..": "",
		"foo//bar/../..": "", "/foo/../bar": "/bar", "/foo/../bar/..": "/", "/foo/baz/../..": "/",
		"../..": "../..", "foo/../../..": "../..", "/a/": "/a", "/": "/", "": "",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`"/this/is/a/dir" is current directory`:   "/this/is/a/dir",
		"/this/is/a/dir is current directory":     "/this/is/a/dir",
		`/this/is/a/dir\ is\ current\ directory`:  `/this/is/a/dir\ is\ current\ directory`,
		"hey, /foo/bar/baz.zeek is a cool script": "/foo/bar/baz.zeek",
		"here's two dirs: /foo/bar and /foo/baz":  "/foo/bar",
		`"C:\Users\x" is current`:                 `C:\Users\x`,
		"no path here":                            "",
	} {
		if got := extractPath(in); got != want {
			t.Errorf("extractPath(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range [][3]string{
		{"/home/zeek/", "policy/somefile.zeek", "/home/zeek/policy/somefile.zeek"},
		{"/home/zeek/", "/usr/local/zeek/share/zeek/somefile.zeek", "/usr/local/zeek/share/zeek/somefile.zeek"},
		{"/home/zeek/", "/usr/local/zeek/share/../../zeek/somefile.zeek", "/usr/local/zeek/somefile.zeek"},
		{".", "pub", "./pub"},
		{"./pub", "../x", "./x"},
		{"/a", `C:\x`, `C:\x`},
	} {
		if got := buildPathCompressed(tc[0], tc[1]); got != tc[2] {
			t.Errorf("buildPathCompressed(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestLineHelpers(t *testing.T) {
	for in, want := range map[string]int{"220 x": 220, "22": 0, "abc": 0, "099": 99, "1234": 123} {
		if got := replyCode([]byte(in)); got != want {
			t.Errorf("replyCode(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]bool{"USER": true, "US": false, "U\x01ER": false, "NOOP": true, "é€": false} {
		if got := isCommand([]byte(in)); got != want {
			t.Errorf("isCommand(%q) = %v", in, got)
		}
	}
	for in, want := range map[string]bool{"AUT": true, "AUTH": true, "AUTHX": false, "AU": true, "ADAT": false} {
		if got := prefixOf([]byte(in), "AUTH"); got != want {
			t.Errorf("prefixOf(%q, AUTH) = %v", in, got)
		}
	}
	for in, want := range map[string]bool{
		"226 Transfer complete.": true, "226 short": false, "026 Transfer complete.": false, "226-Transfer complete": false,
	} {
		if got := looksLikeReply(in); got != want {
			t.Errorf("looksLikeReply(%q) = %v", in, got)
		}
	}
	for in, want := range map[string]uint64{"Opening (1234 bytes)": 1234, "test1.bin (131080 bytes).": 131080, "none": 0, "a1b22": 22} {
		if got, ok := lastCount(in); !ok || got != want {
			t.Errorf("lastCount(%q) = %d, %v", in, got, ok)
		}
	}
	if _, ok := lastCount("99999999999999999999999"); ok {
		t.Error("a count beyond 64 bits must fail")
	}
	if got := string(getWord([]byte("RETR\x00x y"))); got != "RETR" {
		t.Errorf("getWord stops at NUL: %q", got)
	}
}
