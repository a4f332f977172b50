package conn

import (
	"encoding/binary"
	"math/bits"
)

// Key identifies a connection regardless of direction: the two endpoints
// in canonical order (lower address/port first, as Zeek's conn key does),
// the IP protocol number and, when the VLAN-aware key is in use, the VLAN
// tags. It is a plain value: no pointers, comparable with ==.
type Key struct {
	Addr1, Addr2 [16]byte
	Port1, Port2 uint16
	Proto        uint8
	// VLAN and InnerVLAN are part of the key only with Zeek's
	// policy/frameworks/conn_key/vlan_fivetuple; NoVLAN marks an absent tag.
	VLAN, InnerVLAN uint32
}

// NoVLAN marks an absent VLAN tag in a Key (Zeek's 0xFF000000).
const NoVLAN = 0xFF000000

// MakeKey builds the canonical key of a packet from src to dst. flipped
// reports whether src/sport became the second endpoint. oneWay keeps the
// packet's order (Zeek does this for ICMP messages without a counterpart).
func MakeKey(src, dst *[16]byte, sport, dport uint16, proto uint8, oneWay bool) (k Key, flipped bool) {
	if oneWay || lessAddrPort(src, sport, dst, dport) {
		return Key{Addr1: *src, Addr2: *dst, Port1: sport, Port2: dport, Proto: proto, VLAN: NoVLAN, InnerVLAN: NoVLAN}, false
	}
	return Key{Addr1: *dst, Addr2: *src, Port1: dport, Port2: sport, Proto: proto, VLAN: NoVLAN, InnerVLAN: NoVLAN}, true
}

// lessAddrPort orders endpoints as Zeek's addr_port_canon_lt: by address,
// then by port in network byte order.
func lessAddrPort(a *[16]byte, ap uint16, b *[16]byte, bp uint16) bool {
	a0, a1 := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	b0, b1 := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	if a0 != b0 {
		return a0 < b0
	}
	if a1 != b1 {
		return a1 < b1
	}
	// Zeek compares the ports as stored, in network byte order, on a
	// little-endian host: that is the byte-swapped value.
	return bits.ReverseBytes16(ap) < bits.ReverseBytes16(bp)
}

// hash returns a hash of the key. Keys are canonical, so both directions
// of a connection hash alike.
func (k *Key) hash() uint64 {
	const m = 0x9E3779B97F4A7C15
	h := binary.LittleEndian.Uint64(k.Addr1[:8]) * m
	h ^= binary.LittleEndian.Uint64(k.Addr1[8:])
	h = bits.RotateLeft64(h, 29) * m
	h ^= binary.LittleEndian.Uint64(k.Addr2[:8])
	h = bits.RotateLeft64(h, 31) * m
	h ^= binary.LittleEndian.Uint64(k.Addr2[8:])
	h = bits.RotateLeft64(h, 27) * m
	h ^= uint64(k.Port1)<<32 | uint64(k.Port2)<<16 | uint64(k.Proto)
	h = bits.RotateLeft64(h, 33) * m
	h ^= uint64(k.VLAN)<<32 | uint64(k.InnerVLAN)
	h ^= h >> 29
	h *= m
	h ^= h >> 32
	return h
}
