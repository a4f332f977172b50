package afpacket

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Layout of a TPACKET_V3 ring (linux/if_packet.h). The ring is a sequence
// of equal blocks; each starts with a struct tpacket_block_desc and holds
// packets, each a struct tpacket3_hdr followed (at tp_mac) by the frame.
// All fields are in host byte order.
const (
	// struct tpacket_block_desc with its struct tpacket_hdr_v1.
	bdBlockStatus = 8  // block_status: TP_STATUS_KERNEL or TP_STATUS_USER
	bdNumPkts     = 12 // num_pkts
	bdFirstPkt    = 16 // offset_to_first_pkt
	bdHeaderLen   = 48 // sizeof(struct tpacket_block_desc)

	// struct tpacket3_hdr.
	phNextOffset = 0  // tp_next_offset, 0 for the block's last packet
	phSec        = 4  // tp_sec
	phNsec       = 8  // tp_nsec
	phSnaplen    = 12 // tp_snaplen
	phLen        = 16 // tp_len
	phStatus     = 20 // tp_status
	phMac        = 24 // tp_mac (u16)
	phVlanTCI    = 32 // hv1.tp_vlan_tci (u32, low 16 bits used)
	phVlanTPID   = 36 // hv1.tp_vlan_tpid (u16)
	phHeaderLen  = 48 // sizeof(struct tpacket3_hdr)
	// tpacket3HdrLen is the kernel's TPACKET3_HDRLEN: the header, aligned,
	// plus the struct sockaddr_ll that follows it.
	tpacket3HdrLen = 48 + 20
)

// tp_status bits.
const (
	statusKernel        = 0
	statusUser          = 1 << 0
	statusCsumNotReady  = 1 << 3
	statusVLANValid     = 1 << 4
	statusVLANTPIDValid = 1 << 6
	statusCsumValid     = 1 << 7
)

// vlanTagLen is the size of an 802.1Q tag; ethertype8021Q its default TPID.
const (
	vlanTagLen     = 4
	ethertype8021Q = 0x8100
	macAddrsLen    = 12 // destination and source MAC addresses
)

// ring walks a TPACKET_V3 ring in user space: it takes the blocks the
// kernel hands over, one after the other, returns their packets, and gives
// each block back when the caller asks for the packet after its last one.
// It does no system calls, so tests can run it over ordinary memory.
type ring struct {
	mem       []byte
	blockSize int
	nblocks   int
	linkType  uint32
	vlan      bool // restore VLAN tags (Ethernet)

	blk      int    // current block
	held     bool   // the current block belongs to user space and is being read
	left     uint32 // packets of the held block not yet returned
	pos      int    // offset in mem of the next packet's header
	blockEnd int    // offset in mem where the held block ends

	status  uint32 // tp_status of the frame returned last
	empty   uint64 // packets skipped because their length was 0
	scratch []byte // room to restore a VLAN tag when the ring has none
}

func newRing(mem []byte, blockSize, nblocks int, linkType uint32) *ring {
	return &ring{
		mem: mem, blockSize: blockSize, nblocks: nblocks, linkType: linkType,
		vlan:    linkType == DefaultLinkType,
		scratch: make([]byte, 0, blockSize+vlanTagLen),
	}
}

// statusWord returns the block_status word of block b for atomic access;
// the kernel and user space hand blocks over through it.
func (r *ring) statusWord(b int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[b*r.blockSize+bdBlockStatus]))
}

// ready reports whether the next block to read belongs to user space (or
// is being read).
func (r *ring) ready() bool {
	return r.held || r.left > 0 || atomic.LoadUint32(r.statusWord(r.blk))&statusUser != 0
}

// release gives the held block back to the kernel and moves to the next.
func (r *ring) release() {
	atomic.StoreUint32(r.statusWord(r.blk), statusKernel)
	r.held = false
	r.left = 0
	r.blk++
	if r.blk == r.nblocks {
		r.blk = 0
	}
}

// next fills f with the next packet and reports true, or reports false
// when the kernel has not handed over the next block yet. The frame's data
// lies in the ring (or in r.scratch) and stays valid until the next call.
func (r *ring) next(f *pktsrc.Frame) bool {
	ne := binary.NativeEndian
	for {
		if r.left == 0 {
			if r.held {
				r.release()
			}
			st := r.statusWord(r.blk)
			if atomic.LoadUint32(st)&statusUser == 0 {
				return false
			}
			base := r.blk * r.blockSize
			r.held = true
			r.blockEnd = base + r.blockSize
			r.left = ne.Uint32(r.mem[base+bdNumPkts:])
			r.pos = base + int(ne.Uint32(r.mem[base+bdFirstPkt:]))
			if r.pos < base+bdHeaderLen || r.pos > r.blockEnd {
				r.left = 0 // not a valid block: skip it
			}
			continue
		}

		p := r.pos
		if p+phHeaderLen > r.blockEnd {
			r.left = 0
			continue
		}
		h := r.mem[p : p+phHeaderLen]
		r.left--
		if r.left > 0 {
			next := int(ne.Uint32(h[phNextOffset:]))
			if next < phHeaderLen || next > r.blockEnd-p {
				r.left = 0 // a broken chain ends the block here
			}
			r.pos = p + next
		}

		snap := int(ne.Uint32(h[phSnaplen:]))
		wire := ne.Uint32(h[phLen:])
		status := ne.Uint32(h[phStatus:])
		start := p + int(ne.Uint16(h[phMac:]))
		if start < p+phHeaderLen || start > r.blockEnd {
			r.empty++
			continue
		}
		if snap > r.blockEnd-start {
			snap = r.blockEnd - start
		}
		if snap == 0 || wire == 0 {
			r.empty++
			continue
		}
		data := r.mem[start : start+snap]

		tci := ne.Uint32(h[phVlanTCI:]) & 0xffff
		if r.vlan && (status&statusVLANValid != 0 || tci != 0) && snap >= macAddrsLen {
			tpid := ne.Uint16(h[phVlanTPID:])
			if tpid == 0 && status&statusVLANTPIDValid == 0 {
				tpid = ethertype8021Q
			}
			data = r.insertTag(p, start, data, tpid, uint16(tci))
			wire += vlanTagLen
		}

		r.status = status
		f.TS = zeek.Time(int64(ne.Uint32(h[phSec:]))*1e9 + int64(ne.Uint32(h[phNsec:])))
		f.CapLen = uint32(len(data))
		f.WireLen = wire
		f.LinkType = r.linkType
		f.IfIndex = 0
		f.Data = data
		return true
	}
}

// insertTag puts back the 802.1Q tag the kernel took out of the frame at
// mem[start:] (whose packet header is at p), as libpcap does: the MAC
// addresses move 4 bytes towards the header, into the room PACKET_RESERVE
// keeps there, and the tag goes after them. Without that room the frame is
// copied to r.scratch.
func (r *ring) insertTag(p, start int, data []byte, tpid, tci uint16) []byte {
	var out []byte
	if start-vlanTagLen >= p+tpacket3HdrLen {
		out = r.mem[start-vlanTagLen : start+len(data)]
		copy(out, data[:macAddrsLen])
	} else {
		out = append(r.scratch[:0], data[:macAddrsLen]...)
		out = append(out, 0, 0, 0, 0)
		out = append(out, data[macAddrsLen:]...)
		r.scratch = out[:0]
	}
	binary.BigEndian.PutUint16(out[macAddrsLen:], tpid)
	binary.BigEndian.PutUint16(out[macAddrsLen+2:], tci)
	return out
}
