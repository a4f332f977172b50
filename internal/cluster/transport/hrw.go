package transport

// HRW returns the member that owns key by rendezvous (highest random
// weight) hashing: the member with the highest Score(key, member), the
// smaller name on a tie. Every node that sees the same members picks the
// same owner, and when a member leaves only its keys move. HRW returns ""
// for no members.
func HRW(key string, members []string) string {
	best, bestScore := "", uint64(0)
	for i, m := range members {
		s := Score(key, m)
		if i == 0 || s > bestScore || s == bestScore && m < best {
			best, bestScore = m, s
		}
	}
	return best
}

// Score is the rendezvous weight of member for key: FNV-1a (64 bits) over
// the bytes of key, one zero byte and the bytes of member, then the
// splitmix64 finalizer. docs/format/transport.md gives the constants so
// that other implementations agree.
func Score(key, member string) uint64 {
	const (
		offset = 0xcbf29ce484222325
		prime  = 0x100000001b3
	)
	h := uint64(offset)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= prime
	}
	h *= prime // the zero separator: h ^= 0 is a no-op
	for i := 0; i < len(member); i++ {
		h ^= uint64(member[i])
		h *= prime
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
