package site

import (
	"net/netip"
	"slices"
)

// u128 is an address in Zeek's 128-bit address space, big-endian halves.
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

// inc returns a+1 and whether it overflowed.
func (a u128) inc() (u128, bool) {
	lo := a.lo + 1
	hi := a.hi
	if lo == 0 {
		hi++
		if hi == 0 {
			return u128{}, true
		}
	}
	return u128{hi, lo}, false
}

func u128From16(b [16]byte) u128 {
	var r u128
	for i := 0; i < 8; i++ {
		r.hi = r.hi<<8 | uint64(b[i])
		r.lo = r.lo<<8 | uint64(b[8+i])
	}
	return r
}

// mask128 returns the network mask for a prefix of bits bits (0..128).
func mask128(bits int) u128 {
	switch {
	case bits <= 0:
		return u128{}
	case bits < 64:
		return u128{^uint64(0) << (64 - bits), 0}
	case bits == 64:
		return u128{^uint64(0), 0}
	case bits < 128:
		return u128{^uint64(0), ^uint64(0) << (128 - bits)}
	default:
		return u128{^uint64(0), ^uint64(0)}
	}
}

// v4 space inside the 128-bit space: ::ffff:0.0.0.0 .. ::ffff:255.255.255.255.
var (
	v4First = u128{0, 0x0000_ffff_0000_0000}
	v4Last  = u128{0, 0x0000_ffff_ffff_ffff}
)

type range4 struct{ first, last uint32 }
type range6 struct{ first, last u128 }

// NetSet is an immutable set of IP prefixes with an allocation-free
// membership test. It follows Zeek's address model: IPv4 prefixes and
// addresses live inside ::ffff:0:0/96, so an IPv4 prefix matches the
// IPv4-mapped IPv6 spelling of its addresses and an IPv6 prefix that covers
// part of ::ffff:0:0/96 matches IPv4 addresses. The zero NetSet is empty and
// ready to use. A NetSet is safe for concurrent use.
type NetSet struct {
	// all holds the sorted, disjoint, non-adjacent ranges of the whole set in
	// the 128-bit space; v4 holds its intersection with the IPv4-mapped
	// range, as plain IPv4 numbers, for the common IPv4 lookup.
	all []range6
	v4  []range4
}

// prefixRange returns the first and last 128-bit address of p, masked as
// Zeek masks subnet literals. ok is false for an invalid prefix.
func prefixRange(p netip.Prefix) (first, last u128, ok bool) {
	if !p.IsValid() {
		return u128{}, u128{}, false
	}
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	m := mask128(bits)
	a := u128From16(p.Addr().As16())
	first = u128{a.hi & m.hi, a.lo & m.lo}
	last = u128{first.hi | ^m.hi, first.lo | ^m.lo}
	return first, last, true
}

// NewNetSet builds a NetSet from prefixes. Host bits are ignored (10.1.2.3/8
// is 10.0.0.0/8, as in Zeek); invalid (zero) prefixes are skipped. The slice
// is not retained.
func NewNetSet(prefixes []netip.Prefix) NetSet {
	rs := make([]range6, 0, len(prefixes))
	for _, p := range prefixes {
		if f, l, ok := prefixRange(p); ok {
			rs = append(rs, range6{f, l})
		}
	}
	if len(rs) == 0 {
		return NetSet{}
	}
	slices.SortFunc(rs, func(a, b range6) int {
		switch {
		case a.first.less(b.first):
			return -1
		case b.first.less(a.first):
			return 1
		}
		return 0
	})
	merged := rs[:1]
	for _, r := range rs[1:] {
		cur := &merged[len(merged)-1]
		next, overflow := cur.last.inc()
		if overflow || !next.less(r.first) { // overlaps or touches
			if cur.last.less(r.last) {
				cur.last = r.last
			}
			continue
		}
		merged = append(merged, r)
	}
	s := NetSet{all: slices.Clip(merged)}
	for _, r := range s.all {
		if r.last.less(v4First) || v4Last.less(r.first) {
			continue
		}
		f, l := r.first, r.last
		if f.less(v4First) {
			f = v4First
		}
		if v4Last.less(l) {
			l = v4Last
		}
		s.v4 = append(s.v4, range4{uint32(f.lo), uint32(l.lo)})
	}
	return s
}

// Contains reports whether a lies in one of the set's prefixes. An IPv4
// address and its IPv4-mapped IPv6 form give the same answer; an IPv6 zone
// is ignored; the zero Addr is in no set. Contains does not allocate.
func (s *NetSet) Contains(a netip.Addr) bool {
	if a.Is4() || a.Is4In6() {
		b := a.As16()
		x := uint32(b[12])<<24 | uint32(b[13])<<16 | uint32(b[14])<<8 | uint32(b[15])
		return s.contains4(x)
	}
	if !a.IsValid() {
		return false
	}
	return s.contains6(u128From16(a.As16()))
}

func (s *NetSet) contains4(x uint32) bool {
	rs := s.v4
	lo, hi := 0, len(rs)
	for lo < hi { // first range whose last >= x
		m := int(uint(lo+hi) >> 1)
		if rs[m].last < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(rs) && rs[lo].first <= x
}

func (s *NetSet) contains6(x u128) bool {
	rs := s.all
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].last.less(x) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(rs) && !x.less(rs[lo].first)
}

// IsEmpty reports whether the set contains no address at all.
func (s *NetSet) IsEmpty() bool { return len(s.all) == 0 }

// canonical returns p masked, in Zeek's notion of its family: a prefix of an
// IPv4-mapped address with at least 96 bits becomes the IPv4 prefix Zeek
// prints. ok is false for an invalid prefix.
func canonical(p netip.Prefix) (netip.Prefix, bool) {
	if !p.IsValid() {
		return netip.Prefix{}, false
	}
	p = p.Masked()
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96), true
	}
	return p, true
}
