package sip

import (
	"math"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		in      string
		n       int
		vers    string
		wantErr string
	}{
		{in: "SIP/2.0", n: 7, vers: "2.0"},
		{in: "SIP/2.0 200 OK", n: 7, vers: "2.0"},
		{in: "SIP/10.25x", n: 9, vers: "10.25"},
		{in: "SIP", wantErr: "out_of_bound: SIP_Version:anonymous_field_010: 4 > 3"},
		{in: "", wantErr: "out_of_bound: SIP_Version:anonymous_field_010: 4 > 0"},
		{in: "sip/2.0", wantErr: `expected pattern: "SIP/"` + "\nactual data: \"sip/2.0\""},
		{in: "SIP/", wantErr: "\nactual data: \"\""},
		{in: "SIP/2", wantErr: "actual data: \"2\""},
		{in: "SIP/2.", wantErr: "actual data: \"2.\""},
		{in: "SIP/.0", wantErr: "actual data: \".0\""},
		{in: "SIP/2.0\x00", n: 7, vers: "2.0"},
		{in: "SIP/x\x00yz", wantErr: "actual data: \"x\""}, // shown as a C string
	}
	for _, tc := range tests {
		n, vers, err := version([]byte(tc.in))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("version(%q) = %v, want an error with %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || n != tc.n || string(vers) != tc.vers {
			t.Errorf("version(%q) = %d, %q, %v; want %d, %q", tc.in, n, vers, err, tc.n, tc.vers)
		}
	}
}

func TestCLong(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"0", 0},
		{"42", 42},
		{"  \t42", 42},
		{"\v\f\r\n7", 7},
		{"+5", 5},
		{"-5", -5},
		{"12abc", 12},
		{"abc", 0},
		{"", 0},
		{"- 5", 0},
		{"2147483647", math.MaxInt32},
		{"2147483648", math.MinInt32},   // low 32 bits of the long
		{"4294967296", 0},               // ditto
		{"4294967301", 5},               // ditto
		{"9223372036854775807", -1},     // LONG_MAX's low bits
		{"9223372036854775808", -1},     // saturates at LONG_MAX
		{"99999999999999999999999", -1}, // ditto
		{"-9223372036854775808", 0},     // LONG_MIN's low bits
		{"-99999999999999999999999", 0}, // saturates at LONG_MIN
		{"-2147483649", math.MaxInt32},  // wraps
		{"18446744073709551621", -1},    // no wrap of the long itself
		{"00000000000000000000000000042", 42},
	}
	for _, tc := range tests {
		if got := cLong([]byte(tc.in)); got != tc.want {
			t.Errorf("cLong(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestToCount(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"349", 349, true},
		{" 349", 349, true},
		{"349 \t\r\n", 349, true},
		{"+7", 7, true},
		{"-1", math.MaxUint64, true}, // strtoull negates
		{"-0", 0, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"18446744073709551616", math.MaxUint64, true}, // saturates
		{"-18446744073709551616", math.MaxUint64, true},
		{" ", 0, true}, // nothing converted, only white space left
		{"", 0, false},
		{"bad", 0, false},
		{"12x", 0, false},
		{"1 2", 0, false},
		{"+", 0, false},
		{"5\x00", 0, false}, // a NUL makes the string unconvertible
		{"0x10", 0, false},
	}
	for _, tc := range tests {
		got, ok := toCount([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("toCount(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBeforeParam(t *testing.T) {
	tests := []struct {
		in, tag, branch string
	}{
		{"<sip:a@b>;tag=123", "<sip:a@b>", "<sip:a@b>;tag=123"},
		{"<sip:a@b>; tag=123", "<sip:a@b>", "<sip:a@b>; tag=123"},
		{"<sip:a@b>;  tag=123", "<sip:a@b>;  tag=123", "<sip:a@b>;  tag=123"},
		{"<sip:a@b>;x=1;tag=2;tag=3", "<sip:a@b>;x=1", "<sip:a@b>;x=1;tag=2;tag=3"},
		{"<sip:a@b>;tag", "<sip:a@b>;tag", "<sip:a@b>;tag"},
		{"SIP/2.0/UDP h;branch=z9;rport", "SIP/2.0/UDP h;branch=z9;rport", "SIP/2.0/UDP h"},
		{"SIP/2.0/UDP h;rport; branchless", "SIP/2.0/UDP h;rport; branchless", "SIP/2.0/UDP h;rport"},
		{";branch", ";branch", ""},
		{"", "", ""},
		{";", ";", ";"},
	}
	for _, tc := range tests {
		if got := beforeTag([]byte(tc.in)); got != tc.tag {
			t.Errorf("beforeTag(%q) = %q, want %q", tc.in, got, tc.tag)
		}
		if got := beforeBranch([]byte(tc.in)); got != tc.branch {
			t.Errorf("beforeBranch(%q) = %q, want %q", tc.in, got, tc.branch)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc ~", "abc ~"},
		{"\x00\x00", `\x00\x00`},
		{"\t\r\n\x7f\xff", `\x09\x0d\x0a\x7f\xff`},
		{`a\b`, `a\b`},
	}
	for _, tc := range tests {
		if got := render([]byte(tc.in)); got != tc.want {
			t.Errorf("render(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMismatchMessage(t *testing.T) {
	long := strings.Repeat("x", 2000)
	err := pacSource.Mismatch(46, `[0-9]+\.[0-9]+`, []byte(long))
	if len(err.Error()) != binpac.MaxFormatted-1 {
		t.Errorf("a long message is %d bytes, want it cut to %d", len(err.Error()), binpac.MaxFormatted-1)
	}
	if got := binpac.Reason(binpac.OutOfBound("F", 3, 1)); got != "Binpac exception: binpac exception: out_of_bound: F: 3 > 1" {
		t.Errorf("violationReason = %q", got)
	}
}
