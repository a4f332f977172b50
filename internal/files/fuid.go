package files

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/conn"
)

// Key is the secret that file handles are hashed with into fuids (Zeek
// hashes them with its per-run digest key). Every Manager of a process
// must use the same Key, so that one handle gives one fuid on every
// analysis thread.
type Key [16]byte

// NewKey returns a random Key, or, for seed != 0, a Key derived from seed
// so that fuids are the same from run to run (heron --seed).
func NewKey(seed uint64) Key {
	var k Key
	if seed == 0 {
		_, _ = rand.Read(k[:])
		return k
	}
	binary.LittleEndian.PutUint64(k[:8], seed)
	binary.LittleEndian.PutUint64(k[8:], seed^0x9e3779b97f4a7c15)
	return k
}

// FUID returns the fuid of a file handle under key k: "F" and the base62
// digits of a 96-bit keyed hash of the handle, in Zeek's layout.
func FUID(k Key, handle string) string {
	h := sha256.New()
	h.Write(k[:])
	h.Write([]byte(handle))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return formatFUID(sum[:12])
}

func formatFUID(b []byte) string {
	// Zeek's 96-bit uids: one full 64-bit word and 32 bits of another.
	hi := uint64(binary.LittleEndian.Uint32(b[8:12]))
	lo := binary.LittleEndian.Uint64(b[:8])
	return conn.FormatUID('F', [2]uint64{hi, lo})
}
