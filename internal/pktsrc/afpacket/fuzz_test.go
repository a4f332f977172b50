package afpacket

import (
	"encoding/binary"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// FuzzRing walks two ring blocks of arbitrary content (both handed to user
// space): the walker must stay inside the ring, return well-formed frames
// and give both blocks back.
func FuzzRing(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		const bs = 4096
		mem := make([]byte, 2*bs)
		copy(mem, data)
		for b := 0; b < 2; b++ {
			binary.NativeEndian.PutUint32(mem[b*bs+bdBlockStatus:], statusUser)
		}
		r := newRing(mem, bs, 2, 1)
		var fr pktsrc.Frame
		n := 0
		for r.next(&fr) {
			if len(fr.Data) == 0 || len(fr.Data) > bs+vlanTagLen || fr.CapLen != uint32(len(fr.Data)) || fr.WireLen == 0 {
				t.Fatalf("frame %d: %d bytes, caplen %d, wire %d", n, len(fr.Data), fr.CapLen, fr.WireLen)
			}
			if n++; n > 2*bs/phHeaderLen {
				t.Fatal("the walk does not end")
			}
		}
		for b := 0; b < 2; b++ {
			if binary.NativeEndian.Uint32(mem[b*bs+bdBlockStatus:]) != statusKernel {
				t.Fatalf("block %d not given back", b)
			}
		}
	})
}
