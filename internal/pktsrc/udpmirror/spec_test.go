package udpmirror

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		spec string
		addr string // "" for every address
		port uint16
		enc  Encap
		norm string // Spec() of the result
	}{
		{"udp::0.0.0.0:4789", "0.0.0.0", 4789, VXLAN, "udp::0.0.0.0:4789:vxlan"},
		{"udp::10.1.2.3:4789:vxlan", "10.1.2.3", 4789, VXLAN, "udp::10.1.2.3:4789:vxlan"},
		{"udp:::4789", "", 4789, VXLAN, "udp:::4789:vxlan"},
		{"udp::*:6081", "", 6081, Geneve, "udp:::6081:geneve"},
		{"udp::[::]:6081", "::", 6081, Geneve, "udp::[::]:6081:geneve"},
		{"udp::[2001:db8::1]:9999:geneve", "2001:db8::1", 9999, Geneve, "udp::[2001:db8::1]:9999:geneve"},
		{"udp::10.0.0.1:9999", "10.0.0.1", 9999, VXLAN, "udp::10.0.0.1:9999:vxlan"},
		{"udp::[::1]:9999", "::1", 9999, VXLAN, "udp::[::1]:9999:vxlan"},
		{"udp::[::1]:6081", "::1", 6081, Geneve, "udp::[::1]:6081:geneve"},
		{"udp::[fe80::1%eth0]:4789", "fe80::1%eth0", 4789, VXLAN, "udp::[fe80::1%eth0]:4789:vxlan"},
		{"udp::[::ffff:10.0.0.1]:4789", "10.0.0.1", 4789, VXLAN, "udp::10.0.0.1:4789:vxlan"},
		{"127.0.0.1:5000:VXLAN", "127.0.0.1", 5000, VXLAN, "udp::127.0.0.1:5000:vxlan"},
		{":6081:geneve", "", 6081, Geneve, "udp:::6081:geneve"},
	}
	for _, tt := range tests {
		c, err := ParseSpec(tt.spec)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tt.spec, err)
			continue
		}
		var want netip.Addr
		if tt.addr != "" {
			want = netip.MustParseAddr(tt.addr)
		}
		if c.Addr != want || c.Port != tt.port || c.Encap != tt.enc {
			t.Errorf("ParseSpec(%q) = %v %d %v, want %v %d %v", tt.spec, c.Addr, c.Port, c.Encap, want, tt.port, tt.enc)
		}
		if got := c.Spec(); got != tt.norm {
			t.Errorf("ParseSpec(%q).Spec() = %q, want %q", tt.spec, got, tt.norm)
		}
		if !c.ReusePort || c.Batch != DefaultBatch || c.SlotSize != DefaultSlotSize || c.RecvBuffer != DefaultRecvBuffer {
			t.Errorf("ParseSpec(%q) lost the defaults: %+v", tt.spec, c)
		}
		if err := c.validate(); err != nil {
			t.Errorf("ParseSpec(%q) result does not validate: %v", tt.spec, err)
		}
	}
}

// zeekForms ends the unknown-encapsulation error.
const zeekForms = " (Heron does not take the geneve+vxlan, raw, skip= or dlt= forms of Zeek's UDP packet source: read AWS Gateway Load Balancer traffic with :geneve, and Heron's tunnel decoding unwraps the VXLAN inside)"

func TestParseSpecErrors(t *testing.T) {
	tests := []struct {
		spec string
		want string // the part between the quoted spec and the reminder
	}{
		{"udp::", "no address and port after udp::"},
		{"udp::10.0.0.1", `no :PORT after "10.0.0.1"`},
		{"udp::10.0.0.1:", "the port is missing"},
		{"udp::10.0.0.1:47x9", `port "47x9" is not a number from 1 to 65535`},
		{"udp::10.0.0.1:0", `port "0" is not a number from 1 to 65535`},
		{"udp::10.0.0.1:70000", `port "70000" is not a number from 1 to 65535`},
		{"udp::10.0.0.1:4789:gre", `unknown encapsulation "gre"; use vxlan or geneve` + zeekForms},
		{"udp::0.0.0.0:6081:geneve+vxlan", `unknown encapsulation "geneve+vxlan"; use vxlan or geneve` + zeekForms},
		{"udp::10.0.0.1:4789:", "nothing after the colon that follows the port; name the encapsulation (vxlan or geneve) or drop the colon"},
		{"udp::2001:db8::1:4789", "too many colons; an IPv6 address goes in brackets, e.g. udp::[2001:db8::1]:4789"},
		{"udp::[2001:db8::1:4789", "the IPv6 address has no closing ]"},
		{"udp::[]:4789", "empty brackets: put an IPv6 address in them, or leave ADDR empty for every address"},
		{"udp::[::1]4789", `expected :PORT after ], found "4789"`},
		{"udp::[::1]", "no :PORT after [::1]"},
		{"udp::mirror.example.com:4789", `ADDR "mirror.example.com" is not an IP address (host names are not looked up); give the receiving interface's address, or leave ADDR empty for every address`},
		{"udp::10.0.0.300:4789", `ADDR "10.0.0.300" is not a valid IPv4 address`},
		{"udp::239.1.1.1:4789", "ADDR 239.1.1.1 is a multicast address; mirrors send unicast, give the receiving interface's address"},
	}
	for _, tt := range tests {
		_, err := ParseSpec(tt.spec)
		if err == nil {
			t.Errorf("ParseSpec(%q) succeeded", tt.spec)
			continue
		}
		if !errors.Is(err, ErrSpec) {
			t.Errorf("ParseSpec(%q): error does not wrap ErrSpec: %v", tt.spec, err)
		}
		msg := err.Error()
		want := `udpmirror: bad udp mirror source "` + tt.spec + `": ` + tt.want + "; " + specForm
		if msg != want {
			t.Errorf("ParseSpec(%q):\n got %s\nwant %s", tt.spec, msg, want)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("ParseSpec(%q): error spans lines", tt.spec)
		}
	}
}

func TestValidate(t *testing.T) {
	base := DefaultConfig(4789, VXLAN)
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"encap", func(c *Config) { c.Encap = 0 }, "unknown encapsulation"},
		{"port", func(c *Config) { c.Port = 0 }, "no port given"},
		{"batch", func(c *Config) { c.Batch = 0 }, "batch of 0 datagrams is out of range"},
		{"slot", func(c *Config) { c.SlotSize = 70000 }, "slot size 70000 is out of range"},
		{"group without reuse", func(c *Config) { c.Group, c.ReusePort = 2, false }, "needs ReusePort"},
		{"rcvbuf", func(c *Config) { c.RecvBuffer = -1 }, "negative receive buffer"},
		{"idle", func(c *Config) { c.IdleTimeout = -1 }, "negative idle timeout"},
	}
	if err := base.validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tt := range tests {
		c := base
		tt.mod(&c)
		err := c.validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "udpmirror: udp:::") {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// FuzzParseSpec checks that ParseSpec never panics, that its errors are
// one line wrapping ErrSpec, and that an accepted spec survives a round
// trip through Spec.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"udp::0.0.0.0:4789", "udp::[2001:db8::1]:9999:geneve", "udp:::6081", "udp::[fe80::1%eth0]:4789", "udp::a:b:c:d", "udp::[::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := ParseSpec(spec)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("%q: error does not wrap ErrSpec: %v", spec, err)
			}
			return
		}
		again, err := ParseSpec(c.Spec())
		if err != nil {
			t.Fatalf("%q: Spec() = %q does not parse: %v", spec, c.Spec(), err)
		}
		if again != c {
			t.Fatalf("%q: round trip through %q gives %+v, want %+v", spec, c.Spec(), again, c)
		}
		if err := c.validate(); err != nil {
			t.Fatalf("%q: accepted but invalid: %v", spec, err)
		}
	})
}
