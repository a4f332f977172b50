package zeek

import (
	"net/netip"
	"strconv"
)

// Float returns t in seconds as the double Zeek holds for it. Zeek turns a
// packet's timeval into whole seconds plus microseconds divided by 1e6; for
// times with microsecond precision this gives exactly that double (the
// division is correctly rounded in both cases), which Seconds, dividing the
// full nanosecond count, does not always do.
func (t Time) Float() float64 {
	sec, rem := int64(t)/1e9, int64(t)%1e9
	if rem < 0 {
		sec--
		rem += 1e9
	}
	return float64(sec) + float64(rem)/1e9
}

// Float returns d in seconds as a double. Intervals shorter than 2^53
// nanoseconds (about 104 days) convert with a single rounding.
func (d Interval) Float() float64 {
	const exact = 1 << 53
	if d > -exact && d < exact {
		return float64(d) / 1e9
	}
	sec, rem := int64(d)/1e9, int64(d)%1e9
	return float64(sec) + float64(rem)/1e9
}

// AppendAddr appends a in the notation Zeek logs use: IPv4 (and IPv4-mapped
// IPv6, which Zeek treats as IPv4) as a dotted quad, IPv6 as BSD inet_ntop
// prints it (lowercase hex, the first longest run of two or more zero groups
// as "::", and the IPv4-compatible and IPv4-translated forms ::a.b.c.d and
// ::ffff:0:a.b.c.d). Zones are dropped. An invalid Addr appends nothing.
func AppendAddr(b []byte, a Addr) []byte {
	switch {
	case a.Is4() || a.Is4In6():
		return appendDotted(b, a.As4())
	case a.Is6():
		return appendIPv6(b, a.As16())
	}
	return b
}

func appendDotted(b []byte, q [4]byte) []byte {
	for i, v := range q {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}

func appendIPv6(b []byte, a [16]byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	// The first longest run of zero words, if at least two long.
	bestBase, bestLen := -1, 0
	curBase, curLen := -1, 0
	for i := 0; i <= len(w); i++ {
		if i < len(w) && w[i] == 0 {
			if curBase < 0 {
				curBase, curLen = i, 0
			}
			curLen++
			continue
		}
		if curBase >= 0 && curLen > bestLen {
			bestBase, bestLen = curBase, curLen
		}
		curBase = -1
	}
	if bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < len(w); i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				b = append(b, ':')
			}
			continue
		}
		if i != 0 {
			b = append(b, ':')
		}
		// Embedded IPv4: ::a.b.c.d and ::ffff:0:a.b.c.d (::ffff:a.b.c.d
		// never gets here, it is printed as IPv4 above).
		if i == 6 && bestBase == 0 && (bestLen == 6 ||
			(bestLen == 5 && w[5] == 0xffff) ||
			(bestLen == 4 && w[4] == 0xffff && w[5] == 0)) {
			return appendDotted(b, [4]byte{a[12], a[13], a[14], a[15]})
		}
		b = strconv.AppendUint(b, uint64(w[i]), 16)
	}
	if bestBase >= 0 && bestBase+bestLen == len(w) {
		b = append(b, ':')
	}
	return b
}

// AppendSubnet appends s as Zeek prints a subnet: the masked prefix address
// in AppendAddr's notation, a slash and the prefix length (counted in IPv4
// bits for IPv4 and IPv4-mapped prefixes). An invalid prefix appends nothing.
func AppendSubnet(b []byte, s Subnet) []byte {
	if !s.IsValid() {
		return b
	}
	s = s.Masked()
	addr, bits := s.Addr(), s.Bits()
	if addr.Is4In6() && bits >= 96 {
		addr, bits = addr.Unmap(), bits-96
	}
	b = AppendAddr(b, addr)
	b = append(b, '/')
	return strconv.AppendInt(b, int64(bits), 10)
}

// compile-time check that Addr and Subnet stay the netip types this file
// formats.
var (
	_ netip.Addr   = Addr{}
	_ netip.Prefix = Subnet{}
)
