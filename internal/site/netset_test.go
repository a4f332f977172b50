package site

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func prefixes(t testing.TB, ss ...string) []netip.Prefix {
	t.Helper()
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

func TestNetSetContains(t *testing.T) {
	tests := []struct {
		name string
		set  []string
		in   []string
		out  []string
	}{
		{
			name: "empty",
			out:  []string{"0.0.0.0", "10.0.0.1", "::", "::1", "::ffff:10.0.0.1"},
		},
		{
			name: "ipv4 edges",
			set:  []string{"10.0.0.0/8", "192.168.1.0/24"},
			in:   []string{"10.0.0.0", "10.255.255.255", "10.1.2.3", "192.168.1.0", "192.168.1.255"},
			out:  []string{"9.255.255.255", "11.0.0.0", "192.168.0.255", "192.168.2.0", "0.0.0.0", "255.255.255.255"},
		},
		{
			name: "ipv4 prefix matches the mapped spelling",
			set:  []string{"10.0.0.0/8"},
			in:   []string{"::ffff:10.0.0.1", "::ffff:10.255.255.255"},
			out:  []string{"::ffff:11.0.0.1", "::a00:1", "10::1"},
		},
		{
			name: "mapped ipv6 prefix matches plain ipv4",
			set:  []string{"::ffff:10.0.0.0/104"},
			in:   []string{"10.1.2.3", "::ffff:10.1.2.3"},
			out:  []string{"11.0.0.0"},
		},
		{
			name: "ipv6 prefix covering the mapped space",
			set:  []string{"::ffff:0:0/96"},
			in:   []string{"0.0.0.0", "1.2.3.4", "255.255.255.255"},
			out:  []string{"::1", "::fffe:ffff:ffff", "::1:0:0:0"},
		},
		{
			name: "ipv6 default route holds everything",
			set:  []string{"::/0"},
			in:   []string{"0.0.0.0", "8.8.8.8", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1"},
		},
		{
			name: "ipv4 default route holds only ipv4",
			set:  []string{"0.0.0.0/0"},
			in:   []string{"0.0.0.0", "255.255.255.255", "::ffff:1.1.1.1"},
			out:  []string{"::", "::1", "2001:db8::1", "::fffe:ffff:ffff", "::1:0:0:0"},
		},
		{
			name: "ipv6 with host bits is masked",
			set:  []string{"2001:db8:1200::1/40"},
			in:   []string{"2001:db8:1200::", "2001:db8:12ff:ffff:ffff:ffff:ffff:ffff"},
			out:  []string{"2001:db8:1300::", "2001:db8:11ff:ffff:ffff:ffff:ffff:ffff"},
		},
		{
			name: "ipv4 with host bits is masked",
			set:  []string{"10.1.2.3/8"},
			in:   []string{"10.0.0.0", "10.200.0.1"},
			out:  []string{"11.0.0.0"},
		},
		{
			name: "adjacent and overlapping prefixes merge",
			set:  []string{"10.0.0.0/9", "10.128.0.0/9", "10.64.0.0/10", "11.0.0.0/8", "13.0.0.0/32"},
			in:   []string{"10.0.0.0", "10.127.255.255", "10.128.0.0", "11.255.255.255", "13.0.0.0"},
			out:  []string{"12.0.0.0", "13.0.0.1", "9.255.255.255"},
		},
		{
			name: "host routes at both ends of the space",
			set:  []string{"::/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "255.255.255.255/32", "0.0.0.0/32"},
			in:   []string{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "255.255.255.255", "0.0.0.0"},
			out:  []string{"::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "255.255.255.254", "0.0.0.1"},
		},
		{
			name: "zones are ignored",
			set:  []string{"fe80::/10"},
			in:   []string{"fe80::1%eth0"},
			out:  []string{"fec0::1%eth0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewNetSet(prefixes(t, tt.set...))
			if got, want := s.IsEmpty(), len(tt.set) == 0; got != want {
				t.Errorf("IsEmpty() = %v, want %v", got, want)
			}
			for _, a := range tt.in {
				if !s.Contains(netip.MustParseAddr(a)) {
					t.Errorf("Contains(%s) = false, want true", a)
				}
			}
			for _, a := range tt.out {
				if s.Contains(netip.MustParseAddr(a)) {
					t.Errorf("Contains(%s) = true, want false", a)
				}
			}
		})
	}
}

func TestNetSetZeroValuesAndInvalid(t *testing.T) {
	var zero NetSet
	if zero.Contains(netip.MustParseAddr("10.0.0.1")) || !zero.IsEmpty() {
		t.Error("zero NetSet is not empty")
	}
	s := NewNetSet([]netip.Prefix{{}, netip.MustParsePrefix("::/0")})
	if s.Contains(netip.Addr{}) {
		t.Error("the zero Addr is in ::/0")
	}
	if !s.Contains(netip.MustParseAddr("1.2.3.4")) {
		t.Error("invalid prefix spoiled the set")
	}
	if s := NewNetSet([]netip.Prefix{{}}); !s.IsEmpty() {
		t.Error("a set of only invalid prefixes is not empty")
	}
}

// naiveContains is Zeek's rule spelled out: compare the first bits of the
// 16-byte forms, with an IPv4 prefix length counted from bit 96.
func naiveContains(ps []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	x := a.As16()
	for _, p := range ps {
		bits := p.Bits()
		if p.Addr().Is4() {
			bits += 96
		}
		y := p.Addr().As16()
		match := true
		for i := 0; i < bits; i++ {
			if (x[i/8]>>(7-i%8))&1 != (y[i/8]>>(7-i%8))&1 {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// randomAddr returns addresses that cluster near a few prefixes so that
// both hits and near misses are common.
func randomAddr(r *rand.Rand, near []netip.Prefix) netip.Addr {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	switch r.UintN(4) {
	case 0:
		return netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]})
	case 1:
		copy(b[:12], []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
		return netip.AddrFrom16(b)
	case 2:
		if len(near) > 0 {
			p := near[r.IntN(len(near))]
			y := p.Addr().As16()
			keep := p.Bits()
			if p.Addr().Is4() {
				keep += 96
			}
			keep += r.IntN(3) - 1 // sometimes flip the last network bit
			for i := 0; i < keep && i < 128; i++ {
				m := byte(1) << (7 - i%8)
				b[i/8] = b[i/8]&^m | y[i/8]&m
			}
			a := netip.AddrFrom16(b)
			if p.Addr().Is4() && r.UintN(2) == 0 {
				a = a.Unmap()
			}
			return a
		}
	}
	return netip.AddrFrom16(b)
}

func randomPrefix(r *rand.Rand) netip.Prefix {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	switch r.UintN(4) {
	case 0:
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]}), r.IntN(33))
	case 1: // short IPv6 prefixes, some of which cover the mapped space
		return netip.PrefixFrom(netip.AddrFrom16([16]byte{}), r.IntN(129))
	case 2:
		copy(b[:12], []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
		return netip.PrefixFrom(netip.AddrFrom16(b), 80+r.IntN(49))
	}
	return netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129))
}

func TestNetSetAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		ps := make([]netip.Prefix, r.IntN(12))
		for i := range ps {
			ps[i] = randomPrefix(r)
		}
		s := NewNetSet(ps)
		for i := 0; i < 200; i++ {
			a := randomAddr(r, ps)
			if got, want := s.Contains(a), naiveContains(ps, a); got != want {
				t.Fatalf("set %v: Contains(%s) = %v, want %v", ps, a, got, want)
			}
		}
	}
}

func FuzzNetSet(f *testing.F) {
	f.Add([]byte{10, 0, 0, 0, 8, 10, 1, 2, 3}, uint64(1))
	f.Add([]byte{0xff, 0xff, 0, 0, 96}, uint64(7))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		// Each 5 bytes of data is an IPv4 prefix (4 bytes, length), each
		// following 17 bytes after a 0xff marker an IPv6 one; the addresses
		// come from seed.
		var ps []netip.Prefix
		for len(data) >= 5 {
			if data[0] == 0xff && len(data) >= 18 {
				var b [16]byte
				copy(b[:], data[1:17])
				ps = append(ps, netip.PrefixFrom(netip.AddrFrom16(b), int(data[17])%129))
				data = data[18:]
				continue
			}
			ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte(data[:4])), int(data[4])%33))
			data = data[5:]
		}
		s := NewNetSet(ps)
		r := rand.New(rand.NewPCG(seed, 0))
		for i := 0; i < 50; i++ {
			a := randomAddr(r, ps)
			if got, want := s.Contains(a), naiveContains(ps, a); got != want {
				t.Fatalf("set %v: Contains(%s) = %v, want %v", ps, a, got, want)
			}
		}
	})
}

func TestContainsDoesNotAllocate(t *testing.T) {
	s := New(DefaultConfig())
	addrs := []netip.Addr{
		netip.MustParseAddr("10.1.2.3"),
		netip.MustParseAddr("8.8.8.8"),
		netip.MustParseAddr("::ffff:192.168.0.1"),
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("2607:f8b0::1"),
		netip.MustParseAddr("fe80::1%eth0"),
	}
	var sink bool
	n := testing.AllocsPerRun(1000, func() {
		for _, a := range addrs {
			sink = sink != s.IsLocal(a)
		}
	})
	if n != 0 {
		t.Errorf("IsLocal allocates %v times per run", n)
	}
}

func BenchmarkContains(b *testing.B) {
	s := New(DefaultConfig())
	cases := []struct {
		name string
		addr netip.Addr
	}{
		{"v4-local", netip.MustParseAddr("192.168.1.10")},
		{"v4-remote", netip.MustParseAddr("93.184.216.34")},
		{"v4-mapped", netip.MustParseAddr("::ffff:172.16.0.1")},
		{"v6-local", netip.MustParseAddr("fe80::1")},
		{"v6-remote", netip.MustParseAddr("2606:4700::1111")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				if s.IsLocal(c.addr) {
					n++
				}
			}
			_ = n
		})
	}
	// A large set: 10000 random IPv4 /24s and IPv6 /48s.
	r := rand.New(rand.NewPCG(3, 4))
	var ps []netip.Prefix
	for i := 0; i < 10000; i++ {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256)), 0}), 24))
		var a [16]byte
		a[0], a[1], a[2], a[3], a[4], a[5] = 0x20, 0x01, byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256))
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom16(a), 48))
	}
	big := NewNetSet(ps)
	probe4 := netip.MustParseAddr("93.184.216.34")
	probe6 := netip.MustParseAddr("2001:4860::8888")
	b.Run("large-v4", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			big.Contains(probe4)
		}
	})
	b.Run("large-v6", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			big.Contains(probe6)
		}
	})
}
