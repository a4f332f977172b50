package options

import (
	"math"
	"net/netip"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"T": true, "F": false, " T ": true, "\tF": false} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "t", "true", "1", "TT", "T F"} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("parseBool(%q) accepted", in)
		}
	}
}

func TestParseCount(t *testing.T) {
	good := map[string]uint64{
		"0": 0, "42": 42, " 7 ": 7, "0x10": 16, "0xfF": 255, "007": 7,
		"18446744073709551615": math.MaxUint64, "0xffffffffffffffff": math.MaxUint64,
	}
	for in, want := range good {
		if got, err := parseCount(in); err != nil || got != want {
			t.Errorf("parseCount(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1.5", "0x", "0xg", "0X10", "1e3", "18446744073709551616", "0x1ffffffffffffffff", "1 2", "ten"} {
		if _, err := parseCount(in); err == nil {
			t.Errorf("parseCount(%q) accepted", in)
		}
	}
}

func TestParseInt(t *testing.T) {
	good := map[string]int64{
		"0": 0, "42": 42, "-5": -5, "+5": 5, "- 5": -5, "-0x10": -16,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64,
	}
	for in, want := range good {
		if got, err := parseInt(in); err != nil || got != want {
			t.Errorf("parseInt(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "1.0", "9223372036854775808", "-9223372036854775809", "--5", "5-", "x"} {
		if _, err := parseInt(in); err == nil {
			t.Errorf("parseInt(%q) accepted", in)
		}
	}
}

func TestParseDouble(t *testing.T) {
	good := map[string]float64{
		"1.5": 1.5, ".5": 0.5, "5.": 5, "1e3": 1000, "1E-2": 0.01, "2.5e+1": 25,
		"-1.5": -1.5, "+.25": 0.25, "42": 42, "0x10": 16, " 3 ": 3,
	}
	for in, want := range good {
		if got, err := parseDouble(in); err != nil || got != want {
			t.Errorf("parseDouble(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "e3", "1e", "1e+", "inf", "NaN", "1_000", "0x1p3", "1.5.2", "1e400", "--1", "1,5"} {
		if _, err := parseDouble(in); err == nil {
			t.Errorf("parseDouble(%q) accepted", in)
		}
	}
}

func TestParseInterval(t *testing.T) {
	good := map[string]zeek.Interval{
		"5 min":    5 * zeek.Minute,
		"5mins":    5 * zeek.Minute,
		"5  min":   5 * zeek.Minute,
		"1.5 hrs":  90 * zeek.Minute,
		"1hr":      zeek.Hour,
		"30 sec":   30 * zeek.Second,
		"30secs":   30 * zeek.Second,
		"100 msec": 100 * zeek.Millisecond,
		"10 usec":  10 * zeek.Microsecond,
		"10usecs":  10 * zeek.Microsecond,
		"2 days":   2 * zeek.Day,
		"1 day":    zeek.Day,
		".5 sec":   500 * zeek.Millisecond,
		"1e3 msec": zeek.Second,
		"-5 min":   -5 * zeek.Minute,
		"0 secs":   0,
		"\t3\tsec": 3 * zeek.Second,
	}
	for in, want := range good {
		if got, err := parseInterval(in); err != nil || got != want {
			t.Errorf("parseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "5", "min", "5 minutes", "5 m", "5 s", "5 secss", "5 Min", "0x5 min",
		"5 min 30 sec", "1e min", "1e400 sec", "300000 days", "5 hour", "5 sec ago", "- min"} {
		if _, err := parseInterval(in); err == nil {
			t.Errorf("parseInterval(%q) accepted", in)
		}
	}
	if _, err := parseInterval("300"); err == nil || !strings.Contains(err.Error(), "unit") {
		t.Errorf("parseInterval(300) error %v does not mention the unit", err)
	}
}

func TestParseString(t *testing.T) {
	good := map[string]string{
		`""`:            "",
		`"abc"`:         "abc",
		` "a b" `:       "a b",
		`"/tmp/x"`:      "/tmp/x",
		`"a\"b"`:        `a"b`,
		`"a\\b"`:        `a\b`,
		`"\n\t\r\b\f"`:  "\n\t\r\b\f",
		`"\a\v"`:        "\a\v",
		`"\x41\x4a"`:    "AJ",
		`"\x414"`:       "A4", // at most two hex digits
		`"\x4"`:         "\x04",
		`"\101"`:        "A",
		`"\1012"`:       "A2", // at most three octal digits
		`"\0"`:          "\x00",
		`"\777"`:        "\xff", // the low byte
		`"\q\'"`:        "q'",
		`"caf\xc3\xa9"`: "café",
	}
	for in, want := range good {
		if got, err := parseString(in); err != nil || got != want {
			t.Errorf("parseString(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{``, `"`, `abc`, `"abc`, `abc"`, `"a"b"`, `"a\"`, `"\x"`, `"\xg"`, "\"a\nb\"", "\"a\\\nb\""} {
		if _, err := parseString(in); err == nil {
			t.Errorf("parseString(%q) accepted", in)
		}
	}
}

func TestParseEnum(t *testing.T) {
	allowed := []string{"JSON::TS_EPOCH", "JSON::TS_MILLIS", "JSON::TS_ISO8601"}
	if got, err := parseEnum(" JSON::TS_MILLIS ", allowed); err != nil || got != "JSON::TS_MILLIS" {
		t.Errorf("parseEnum = %q, %v", got, err)
	}
	if _, err := parseEnum("TS_MILLIS", allowed); err == nil || !strings.Contains(err.Error(), "JSON::TS_MILLIS") {
		t.Errorf("parseEnum(short) error %v does not give the full name", err)
	}
	if _, err := parseEnum("JSON::TS_NANOS", allowed); err == nil || !strings.Contains(err.Error(), "JSON::TS_EPOCH, JSON::TS_MILLIS") {
		t.Errorf("parseEnum(bad) error %v does not list the values", err)
	}
	if _, err := parseEnum("", allowed); err == nil {
		t.Error("parseEnum(empty) accepted")
	}
}

func TestParsePort(t *testing.T) {
	good := map[string]zeek.Port{
		"80/tcp":    {Num: 80, Proto: zeek.ProtoTCP},
		"53/udp":    {Num: 53, Proto: zeek.ProtoUDP},
		"8/icmp":    {Num: 8, Proto: zeek.ProtoICMP},
		"0/unknown": {Num: 0, Proto: zeek.ProtoUnknown},
		"65535/tcp": {Num: 65535, Proto: zeek.ProtoTCP},
		" 22/tcp ":  {Num: 22, Proto: zeek.ProtoTCP},
	}
	for in, want := range good {
		if got, err := parsePort(in); err != nil || got != want {
			t.Errorf("parsePort(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "80", "80/", "/tcp", "80/TCP", "80 /tcp", "80/ tcp", "65536/tcp", "256/icmp", "-1/tcp", "80/sctp", "99999999999999999999/udp"} {
		if _, err := parsePort(in); err == nil {
			t.Errorf("parsePort(%q) accepted", in)
		}
	}
}

func TestParseAddr(t *testing.T) {
	good := map[string]string{
		"192.168.0.1":       "192.168.0.1",
		" 10.0.0.1 ":        "10.0.0.1",
		"[2001:db8::1]":     "2001:db8::1",
		"[::]":              "::",
		"[::ffff:1.2.3.4]":  "1.2.3.4",
		"[1:2:3:4:5:6:7:8]": "1:2:3:4:5:6:7:8",
	}
	for in, want := range good {
		if got, err := parseAddr(in); err != nil || got.String() != want {
			t.Errorf("parseAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/8", "2001:db8::1", "[2001:db8::1", "[1.2.3.4]", "[fe80::1%eth0]", "localhost", "[]"} {
		if _, err := parseAddr(in); err == nil {
			t.Errorf("parseAddr(%q) accepted", in)
		}
	}
	if _, err := parseAddr("2001:db8::1"); err == nil || !strings.Contains(err.Error(), "[2001:db8::1]") {
		t.Errorf("bare IPv6 error %v does not show the bracketed form", err)
	}
}

func TestParseSubnet(t *testing.T) {
	good := map[string]string{
		"10.0.0.0/8":            "10.0.0.0/8",
		"10.1.2.3/8":            "10.0.0.0/8", // host bits cleared
		"10.0.0.0 / 8":          "10.0.0.0/8",
		"192.168.1.1/32":        "192.168.1.1/32",
		"0.0.0.0/0":             "0.0.0.0/0",
		"[2001:db8::]/32":       "2001:db8::/32",
		"[2001:db8::1]/32":      "2001:db8::/32",
		"[::]/0":                "::/0",
		"[::ffff:1.2.3.4]/120":  "1.2.3.0/24",
		"[2001:db8::] / 128":    "2001:db8::/128",
		" [fe80::]/10 ":         "fe80::/10",
		"[::ffff:1.2.3.4]/64":   "::/64",
		"[::ffff:10.0.0.0]/104": "10.0.0.0/8",
	}
	for in, want := range good {
		if got, err := parseSubnet(in); err != nil || got.String() != want {
			t.Errorf("parseSubnet(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10.0.0.0", "10.0.0/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "[2001:db8::]/129", "2001:db8::/32", "/8", "10.0.0.0/8/8", "10.0.0.0/99999999999999999999"} {
		if _, err := parseSubnet(in); err == nil {
			t.Errorf("parseSubnet(%q) accepted", in)
		}
	}
}

func TestSplitSet(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"{}", nil},
		{"{ }", nil},
		{"set()", nil},
		{"set ( )", nil},
		{"{10.0.0.0/8}", []string{"10.0.0.0/8"}},
		{"{ 10.0.0.0/8, 192.168.0.0/16 }", []string{"10.0.0.0/8", "192.168.0.0/16"}},
		{"{a,b,}", []string{"a", "b"}},
		{"set(1, 2)", []string{"1", "2"}},
		{`{"a,b", "c\"}d"}`, []string{`"a,b"`, `"c\"}d"`}},
		{"{[2001:db8::]/32, [::1]}", []string{"[2001:db8::]/32", "[::1]"}},
	}
	for _, tt := range tests {
		got, err := splitSet(tt.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitSet(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "10.0.0.0/8", "{", "}", "{a", "{,}", "{a,,b}", "{,a}", `{"a}`, "{[a}", "{a]}", "set(", "set(a", "sets(a)", "(a)", "{a}}"} {
		if got, err := splitSet(in); err == nil {
			t.Errorf("splitSet(%q) = %q, accepted", in, got)
		}
	}
}

func TestFormat(t *testing.T) {
	doubles := map[float64]string{
		0: "0.0", 1: "1.0", 1.5: "1.5", -2.25: "-2.25", 0.1: "0.1", 1.0 / 3: "0.333333",
		1e-7: "1e-07", 3e9: "3e+09", 2147483647: "2147483647.0", 100: "100.0", 1234.5678901: "1234.56789",
		math.Inf(1): "inf", math.NaN(): "nan",
	}
	for in, want := range doubles {
		if got := formatDouble(in); got != want {
			t.Errorf("formatDouble(%v) = %q; want %q", in, got, want)
		}
	}
	intervals := map[zeek.Interval]string{
		0:                                   "0 secs",
		5 * zeek.Minute:                     "5.0 mins",
		zeek.Hour:                           "1.0 hr",
		90 * zeek.Minute:                    "1.0 hr 30.0 mins",
		-30 * zeek.Second:                   "-30.0 secs",
		1500 * zeek.Millisecond:             "1.0 sec 500.0 msecs",
		2*zeek.Day + 3*zeek.Second:          "2.0 days 3.0 secs",
		10 * zeek.Microsecond:               "10.0 usecs",
		zeek.Second + 1500*zeek.Microsecond: "1.0 sec 1.0 msec 500.0 usecs",
	}
	for in, want := range intervals {
		if got := formatInterval(in); got != want {
			t.Errorf("formatInterval(%v) = %q; want %q", in, got, want)
		}
	}
	strs := map[string]string{"": `""`, "abc": `"abc"`, `a"b\c`: `"a\"b\\c"`, "\n\x00\xff": `"\x0a\x00\xff"`}
	for in, want := range strs {
		if got := formatString(in); got != want {
			t.Errorf("formatString(%q) = %s; want %s", in, got, want)
		}
		if back, err := parseString(formatString(in)); err != nil || back != in {
			t.Errorf("parseString(formatString(%q)) = %q, %v", in, back, err)
		}
	}
	if got := formatPort(zeek.Port{Num: 0, Proto: zeek.ProtoUnknown}); got != "0/unknown" {
		t.Errorf("formatPort = %q", got)
	}
	if got := formatSubnet(netip.MustParsePrefix("2001:db8::/32")); got != "[2001:db8::]/32" {
		t.Errorf("formatSubnet = %q", got)
	}
	if got := formatAddr(zeek.Addr{}); got != "[::]" {
		t.Errorf("formatAddr(zero) = %q", got)
	}
}
