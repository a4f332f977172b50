package packet

import "encoding/binary"

// Sum adds data to a running ones'-complement sum (RFC 1071), without
// folding. Combine partial sums with Fold.
func Sum(sum uint32, data []byte) uint32 {
	n := len(data)
	i := 0
	s := uint64(sum)
	for ; i+8 <= n; i += 8 {
		v := binary.BigEndian.Uint64(data[i:])
		s += v >> 48
		s += (v >> 32) & 0xffff
		s += (v >> 16) & 0xffff
		s += v & 0xffff
	}
	for ; i+2 <= n; i += 2 {
		s += uint64(data[i])<<8 | uint64(data[i+1])
	}
	if i < n {
		s += uint64(data[i]) << 8
	}
	for s>>32 != 0 {
		s = (s & 0xffffffff) + s>>32
	}
	return uint32(s)
}

// Fold folds a running sum to 16 bits.
func Fold(sum uint32) uint16 {
	for sum>>16 != 0 {
		sum = (sum & 0xffff) + sum>>16
	}
	return uint16(sum)
}

// InetChecksumOK reports whether data (with its checksum field in place)
// sums to 0xffff, as Zeek's in_cksum check does.
func InetChecksumOK(data []byte) bool { return Fold(Sum(0, data)) == 0xffff }

// PseudoHeaderSum returns the sum of the TCP/UDP/ICMPv6 pseudo header for
// the given addresses (v4-mapped when version is 4), protocol and length.
func PseudoHeaderSum(version uint8, src, dst *[16]byte, proto uint8, length int) uint32 {
	var s uint32
	if version == 4 {
		s = Sum(s, src[12:16])
		s = Sum(s, dst[12:16])
	} else {
		s = Sum(s, src[:])
		s = Sum(s, dst[:])
	}
	s += uint32(proto)
	s += uint32(length>>16) + uint32(length&0xffff)
	return s
}

// TransportChecksumOK reports whether a TCP/UDP/ICMPv6 segment (header and
// payload, checksum in place) is valid for the pseudo header.
func TransportChecksumOK(version uint8, src, dst *[16]byte, proto uint8, segment []byte) bool {
	s := PseudoHeaderSum(version, src, dst, proto, len(segment))
	return Fold(Sum(s, segment)) == 0xffff
}
