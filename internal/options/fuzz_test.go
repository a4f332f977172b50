package options

import (
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// FuzzParseValue feeds one text to every literal parser. None may panic,
// and a value that parses must show as a literal that parses back to it
// (doubles and intervals show rounded, so only their showing is exercised).
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{
		"T", "F", "42", "0x2a", "-5", "1.5", ".5", "1e3", "5 min", "1.5hrs", "100 msec", "-2 days",
		`"a\x41\n\101"`, "80/tcp", "8/icmp", "192.168.0.1", "[2001:db8::1]", "10.1.2.3/8",
		"[::ffff:1.2.3.4]/120", "{ 10.0.0.0/8, 192.168.0.0/16 }", "set(1, 2,)", `{"a,b", "c"}`,
		"JSON::TS_MILLIS", "{[::1], 1.2.3.4}", "{", `"\`, "1e400 sec",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if x, err := parseBool(s); err == nil {
			if y, err := parseBool(formatBool(x)); err != nil || y != x {
				t.Fatalf("bool %q: round trip %v, %v", s, y, err)
			}
		}
		if x, err := parseCount(s); err == nil {
			if y, err := parseCount(formatCount(x)); err != nil || y != x {
				t.Fatalf("count %q: round trip %v, %v", s, y, err)
			}
		}
		if x, err := parseInt(s); err == nil {
			if y, err := parseInt(formatInt(x)); err != nil || y != x {
				t.Fatalf("int %q: round trip %v, %v", s, y, err)
			}
		}
		if x, err := parseDouble(s); err == nil {
			if out := formatDouble(x); out == "" || strings.Contains(out, " ") {
				t.Fatalf("double %q shows as %q", s, out)
			}
		}
		if x, err := parseInterval(s); err == nil {
			if out := formatInterval(x); out == "" {
				t.Fatalf("interval %q shows as nothing", s)
			}
		}
		if x, err := parseString(s); err == nil {
			if y, err := parseString(formatString(x)); err != nil || y != x {
				t.Fatalf("string %q: round trip %q, %v", s, y, err)
			}
		}
		if x, err := parsePort(s); err == nil {
			if y, err := parsePort(formatPort(x)); err != nil || y != x {
				t.Fatalf("port %q: round trip %v, %v", s, y, err)
			}
		}
		if x, err := parseAddr(s); err == nil {
			if y, err := parseAddr(formatAddr(x)); err != nil || y != x {
				t.Fatalf("addr %q: round trip %v, %v", s, y, err)
			}
		}
		if x, err := parseSubnet(s); err == nil {
			if y, err := parseSubnet(formatSubnet(x)); err != nil || y != x {
				t.Fatalf("subnet %q: round trip %v, %v", s, y, err)
			}
		}
		if x, err := parseEnum(s, []string{"JSON::TS_EPOCH", "JSON::TS_MILLIS"}); err == nil && x != strings.Trim(s, " \t") {
			t.Fatalf("enum %q parsed as %q", s, x)
		}
		for _, v := range []Value{SetSubnetValue(new([]zeek.Subnet)), SetStringValue(new([]string)), SetCountValue(new([]uint64)),
			SetAddrValue(new([]zeek.Addr)), SetPortValue(new([]zeek.Port))} {
			if v.Set(s) == nil {
				shown := v.String()
				if err := v.Set(shown); err != nil || v.String() != shown {
					t.Fatalf("%s %q: shows as %q, which reads back as %q, %v", v.Type(), s, shown, v.String(), err)
				}
			}
		}
	})
}

// FuzzApply feeds whole command-line arguments to a registry of test
// options: no panics, and every error is one prefixed line.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		"Test::flag=T", "Test::nets+={10.0.0.0/8}", "Test::nets-={10.0.0.0/8}", "Test::dir=/tmp/x",
		"Test::timeout=5 min", "Foo::bar=1", "=", "Test::count -= 3", `Test::strs={"a"}`, "Test::dir+=\\",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		r, _ := newTestRegistry()
		err := r.Apply(arg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "options: ") {
				t.Fatalf("Apply(%q) = %q: no component prefix", arg, err)
			}
			return
		}
		if !IsAssignment(arg) {
			t.Fatalf("Apply(%q) succeeded on a non-assignment", arg)
		}
		if arg == "Test::flag=T" && !slices.ContainsFunc(r.List(), func(i Info) bool { return i.Current != i.Default }) {
			t.Fatalf("Apply(%q) changed nothing", arg)
		}
	})
}
