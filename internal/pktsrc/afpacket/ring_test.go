package afpacket

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// fakePkt is one packet to lay out in a fake ring block.
type fakePkt struct {
	data          []byte
	wire          uint32 // 0: len(data)
	status        uint32
	tci           uint32
	tpid          uint16
	sec, nsec     uint32
	mac           uint16 // 0: 86, where the kernel puts an Ethernet frame with PACKET_RESERVE 4
	badNext, zero bool
}

// fillBlock lays pkts out in mem as the kernel does in one TPACKET_V3 block
// and hands the block to user space.
func fillBlock(mem []byte, pkts []fakePkt) {
	ne := binary.NativeEndian
	clear(mem)
	off := bdHeaderLen
	ne.PutUint32(mem[bdFirstPkt:], uint32(off))
	ne.PutUint32(mem[bdNumPkts:], uint32(len(pkts)))
	for i, p := range pkts {
		mac := int(p.mac)
		if mac == 0 {
			mac = 86
		}
		h := mem[off:]
		snap := len(p.data)
		wire := p.wire
		if wire == 0 {
			wire = uint32(snap)
		}
		if p.zero {
			snap, wire = 0, 0
		}
		ne.PutUint32(h[phSec:], p.sec)
		ne.PutUint32(h[phNsec:], p.nsec)
		ne.PutUint32(h[phSnaplen:], uint32(snap))
		ne.PutUint32(h[phLen:], wire)
		ne.PutUint32(h[phStatus:], p.status|statusUser)
		ne.PutUint16(h[phMac:], uint16(mac))
		ne.PutUint32(h[phVlanTCI:], p.tci)
		ne.PutUint16(h[phVlanTPID:], p.tpid)
		copy(h[mac:], p.data)
		next := (mac + len(p.data) + 15) &^ 15
		written := next
		if i == len(pkts)-1 {
			written = 0
		}
		if p.badNext {
			written = 1 << 30
		}
		ne.PutUint32(h[phNextOffset:], uint32(written))
		off += next
	}
	ne.PutUint32(mem[bdBlockStatus:], statusUser)
}

func blockStatus(r *ring, b int) uint32 {
	return binary.NativeEndian.Uint32(r.mem[b*r.blockSize+bdBlockStatus:])
}

func ether(n int, fill byte) []byte {
	f := make([]byte, n)
	for i := range f {
		f[i] = fill + byte(i)
	}
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	return f
}

func TestRingWalk(t *testing.T) {
	const bs = 4096
	r := newRing(make([]byte, 2*bs), bs, 2, 1)
	var f pktsrc.Frame
	if r.next(&f) || r.ready() {
		t.Fatal("an empty ring returned a frame")
	}
	a, b, c := ether(60, 1), ether(1514, 2), ether(100, 3)
	fillBlock(r.mem[:bs], []fakePkt{{data: a, sec: 10, nsec: 5}, {data: b, wire: 9000, sec: 11}})
	fillBlock(r.mem[bs:], []fakePkt{{data: c, sec: 12, nsec: 999999999}})
	if !r.ready() {
		t.Fatal("not ready with a block handed over")
	}

	want := []struct {
		data []byte
		wire uint32
		ts   zeek.Time
	}{{a, 60, 10*1e9 + 5}, {b, 9000, 11 * 1e9}, {c, 100, 12*1e9 + 999999999}}
	for i, w := range want {
		if !r.next(&f) {
			t.Fatalf("frame %d missing", i)
		}
		if !bytes.Equal(f.Data, w.data) || f.WireLen != w.wire || f.CapLen != uint32(len(w.data)) || f.TS != w.ts || f.LinkType != 1 {
			t.Fatalf("frame %d: %d bytes, wire %d, ts %d", i, len(f.Data), f.WireLen, f.TS)
		}
		// A block goes back to the kernel only when the frame after its
		// last one is asked for.
		if i == 1 && blockStatus(r, 0) != statusUser {
			t.Fatal("block 0 released while its last frame is in use")
		}
		if i == 2 && blockStatus(r, 0) != statusKernel {
			t.Fatal("block 0 not released")
		}
	}
	if r.next(&f) {
		t.Fatal("frame after the end")
	}
	if blockStatus(r, 1) != statusKernel || r.blk != 0 {
		t.Fatalf("block 1 status %d, current block %d", blockStatus(r, 1), r.blk)
	}
	// Wrap around to block 0.
	fillBlock(r.mem[:bs], []fakePkt{{data: c}})
	if !r.next(&f) || !bytes.Equal(f.Data, c) {
		t.Fatal("no frame after wrapping around")
	}
}

func TestRingVLAN(t *testing.T) {
	const bs = 8192
	frame := ether(80, 0x10)
	tagged := func(tpid, tci uint16) []byte {
		out := append([]byte{}, frame[:12]...)
		out = binary.BigEndian.AppendUint16(out, tpid)
		out = binary.BigEndian.AppendUint16(out, tci)
		return append(out, frame[12:]...)
	}
	for _, tc := range []struct {
		name     string
		p        fakePkt
		linkType uint32
		want     []byte
	}{
		{"none", fakePkt{}, 1, frame},
		{"802.1Q", fakePkt{status: statusVLANValid, tci: 0x0064}, 1, tagged(0x8100, 0x0064)},
		{"802.1ad", fakePkt{status: statusVLANValid | statusVLANTPIDValid, tci: 0xe0c8, tpid: 0x88a8}, 1, tagged(0x88a8, 0xe0c8)},
		{"zero tag", fakePkt{status: statusVLANValid}, 1, tagged(0x8100, 0)},
		{"tci without flag", fakePkt{tci: 7}, 1, tagged(0x8100, 7)},
		{"tpid without flag", fakePkt{status: statusVLANValid, tci: 5, tpid: 0x88a8}, 1, tagged(0x88a8, 5)},
		{"no headroom", fakePkt{status: statusVLANValid, tci: 9, mac: phHeaderLen}, 1, tagged(0x8100, 9)},
		{"not ethernet", fakePkt{status: statusVLANValid, tci: 9}, 12, frame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRing(make([]byte, bs), bs, 1, tc.linkType)
			p := tc.p
			p.data = frame
			fillBlock(r.mem, []fakePkt{p, {data: frame}})
			var f pktsrc.Frame
			if !r.next(&f) {
				t.Fatal("no frame")
			}
			if !bytes.Equal(f.Data, tc.want) || f.WireLen != uint32(len(tc.want)) || f.CapLen != uint32(len(tc.want)) {
				t.Fatalf("got %x (wire %d)\nwant %x", f.Data, f.WireLen, tc.want)
			}
			// The next frame is intact.
			if !r.next(&f) || !bytes.Equal(f.Data, frame) {
				t.Fatalf("second frame %x", f.Data)
			}
		})
	}
	// A frame shorter than the MAC addresses keeps no tag.
	r := newRing(make([]byte, bs), bs, 1, 1)
	fillBlock(r.mem, []fakePkt{{data: []byte{1, 2, 3}, status: statusVLANValid, tci: 1}})
	var f pktsrc.Frame
	if !r.next(&f) || !bytes.Equal(f.Data, []byte{1, 2, 3}) {
		t.Fatalf("short frame %x", f.Data)
	}
}

func TestRingDamaged(t *testing.T) {
	const bs = 4096
	a := ether(64, 1)
	r := newRing(make([]byte, 3*bs), bs, 3, 1)
	// Block 0: an empty packet (skipped and counted), a good one, then a
	// broken chain; block 1: a packet claiming more bytes than the block;
	// block 2: a header pointing outside the block.
	fillBlock(r.mem[:bs], []fakePkt{{data: a, zero: true}, {data: a, badNext: true}, {data: a}})
	fillBlock(r.mem[bs:2*bs], []fakePkt{{data: a}})
	binary.NativeEndian.PutUint32(r.mem[bs+bdHeaderLen+phSnaplen:], 1<<20)
	fillBlock(r.mem[2*bs:], []fakePkt{{data: a}})
	binary.NativeEndian.PutUint32(r.mem[2*bs+bdFirstPkt:], 1<<20)

	var f pktsrc.Frame
	if !r.next(&f) || !bytes.Equal(f.Data, a) {
		t.Fatal("good packet missing")
	}
	if !r.next(&f) || len(f.Data) != bs-bdHeaderLen-86 {
		t.Fatalf("oversized packet: %d bytes", len(f.Data))
	}
	if r.next(&f) {
		t.Fatal("frame from a block with a bad first offset")
	}
	if r.empty != 1 {
		t.Fatalf("empty count %d", r.empty)
	}
	for b := 0; b < 3; b++ {
		if blockStatus(r, b) != statusKernel {
			t.Fatalf("block %d not released", b)
		}
	}
}

func TestRingAllocs(t *testing.T) {
	const bs = 65536
	r := newRing(make([]byte, bs), bs, 1, 1)
	var pkts []fakePkt
	for i := 0; i < 200; i++ {
		p := fakePkt{data: ether(100, byte(i))}
		if i%2 == 0 {
			p.status, p.tci = statusVLANValid, uint32(i)
		}
		if i%5 == 0 {
			p.mac = phHeaderLen // tag restored through the scratch buffer
		}
		pkts = append(pkts, p)
	}
	fillBlock(r.mem, pkts)
	var f pktsrc.Frame
	allocs := testing.AllocsPerRun(150, func() {
		if !r.next(&f) {
			panic("ring ran dry")
		}
	})
	if allocs != 0 {
		t.Fatalf("next allocates %.1f times per frame", allocs)
	}
}

// BenchmarkRingNext measures the walk over blocks of 64-byte frames.
func BenchmarkRingNext(b *testing.B) {
	for _, vlan := range []bool{false, true} {
		name := "plain"
		if vlan {
			name = "vlan"
		}
		b.Run(name, func(b *testing.B) {
			const bs = 1 << 20
			r := newRing(make([]byte, bs), bs, 1, 1)
			var pkts []fakePkt
			for i := 0; i < (bs-bdHeaderLen)/160; i++ {
				p := fakePkt{data: ether(64, byte(i))}
				if vlan {
					p.status, p.tci = statusVLANValid, 10
				}
				pkts = append(pkts, p)
			}
			fillBlock(r.mem, pkts)
			var f pktsrc.Frame
			b.ReportAllocs()
			b.SetBytes(64)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !r.next(&f) {
					b.StopTimer()
					fillBlock(r.mem, pkts)
					b.StartTimer()
					r.next(&f)
				}
			}
		})
	}
}
