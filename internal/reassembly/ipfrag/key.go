package ipfrag

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
)

// Key identifies a datagram being reassembled, as Zeek keys it: source
// address, destination address and fragment identification. It holds no
// pointers and compares with ==.
type Key struct {
	// Src and Dst are the addresses in 16-byte form; IPv4 addresses are
	// IPv4-mapped (::ffff:a.b.c.d), as Zeek stores them.
	Src, Dst [16]byte
	// ID is the IPv4 Identification (16 bits) or the IPv6 Fragment header's
	// Identification (32 bits).
	ID uint32
	// V6 tells an IPv6 datagram from an IPv4 one. Zeek's key has no such
	// flag, so an IPv6 packet whose addresses are IPv4-mapped could share
	// state with an IPv4 datagram there; Heron keeps them apart.
	V6 bool
}

// SrcAddr returns the source address (a 4-byte address for IPv4).
func (k *Key) SrcAddr() netip.Addr { return k.addr(&k.Src) }

// DstAddr returns the destination address (a 4-byte address for IPv4).
func (k *Key) DstAddr() netip.Addr { return k.addr(&k.Dst) }

func (k *Key) addr(a *[16]byte) netip.Addr {
	ad := netip.AddrFrom16(*a)
	if !k.V6 {
		return ad.Unmap()
	}
	return ad
}

// v4Key fills the address part of k from an IPv4 header.
func v4Key(k *Key, hdr []byte) {
	k.Src[10], k.Src[11] = 0xff, 0xff
	copy(k.Src[12:], hdr[12:16])
	k.Dst[10], k.Dst[11] = 0xff, 0xff
	copy(k.Dst[12:], hdr[16:20])
}

// hashKey hashes k with the Reassembler's random seed, so that senders
// cannot choose keys that collide.
func hashKey(seed maphash.Seed, k *Key) uint64 {
	var b [37]byte
	copy(b[:16], k.Src[:])
	copy(b[16:32], k.Dst[:])
	binary.LittleEndian.PutUint32(b[32:], k.ID)
	if k.V6 {
		b[36] = 1
	}
	return maphash.Bytes(seed, b[:])
}

// table is an open-addressing index from Key to slot, with linear probing
// and backward-shift deletion (no tombstones, so churn never degrades it).
// Entries are slot+1; 0 marks an empty bucket. The keys and their hashes
// live in the slots.
type table struct {
	buckets []int32
	mask    uint64
}

const minBuckets = 64

// find returns the slot holding k, or -1.
func (r *Reassembler) find(k *Key, h uint64) int32 {
	t := &r.index
	if len(t.buckets) == 0 {
		return -1
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.buckets[i]
		if e == 0 {
			return -1
		}
		if d := &r.slots[e-1]; d.hash == h && d.key == *k {
			return e - 1
		}
	}
}

// insert adds slot s (whose key and hash are set) to the index. The caller
// has made sure the key is not there yet.
func (r *Reassembler) insert(s int32) {
	t := &r.index
	if (r.live+1)*2 > len(t.buckets) {
		r.grow()
	}
	for i := r.slots[s].hash & t.mask; ; i = (i + 1) & t.mask {
		if t.buckets[i] == 0 {
			t.buckets[i] = s + 1
			return
		}
	}
}

// grow doubles the bucket array and reinserts the live slots.
func (r *Reassembler) grow() {
	t := &r.index
	n := 2 * len(t.buckets)
	if n < minBuckets {
		n = minBuckets
	}
	old := t.buckets
	t.buckets = make([]int32, n)
	t.mask = uint64(n - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		for i := r.slots[e-1].hash & t.mask; ; i = (i + 1) & t.mask {
			if t.buckets[i] == 0 {
				t.buckets[i] = e
				break
			}
		}
	}
}

// remove takes slot s out of the index.
func (r *Reassembler) remove(s int32) {
	t := &r.index
	i := r.slots[s].hash & t.mask
	for t.buckets[i] != s+1 {
		i = (i + 1) & t.mask
	}
	// Shift later members of the probe run back into the hole as long as
	// that does not move them before their home bucket.
	for j := (i + 1) & t.mask; ; j = (j + 1) & t.mask {
		e := t.buckets[j]
		if e == 0 {
			break
		}
		home := r.slots[e-1].hash & t.mask
		// Move e to i unless its home lies cyclically in (i, j].
		if (j-home)&t.mask >= (j-i)&t.mask {
			t.buckets[i] = e
			i = j
		}
	}
	t.buckets[i] = 0
}
