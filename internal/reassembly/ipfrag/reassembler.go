package ipfrag

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Weird names raised by the Reassembler. The first seven are Zeek's; the
// last three are Heron's own, for limits Zeek does not have.
const (
	WeirdProtocolInconsistency = "fragment_protocol_inconsistency"
	WeirdWithDF                = "fragment_with_DF"
	WeirdSizeInconsistency     = "fragment_size_inconsistency"
	WeirdSmallFragment         = "excessively_small_fragment"
	WeirdLargeFragment         = "excessively_large_fragment"
	WeirdInconsistency         = "fragment_inconsistency"
	WeirdOverlap               = "fragment_overlap"

	// WeirdEvicted reports a pending datagram dropped to stay within
	// MaxDatagrams or MaxBytes (the key is the dropped datagram's).
	WeirdEvicted = "fragment_reassembly_evicted"
	// WeirdTooManyFragments reports a datagram dropped after more than
	// MaxFragmentsPerDatagram fragments.
	WeirdTooManyFragments = "excessively_many_fragments"
	// WeirdDatagramTooLarge reports a datagram dropped because it would
	// hold more than MaxBytesPerDatagram bytes.
	WeirdDatagramTooLarge = "excessively_large_datagram"
)

// Zeek's limits for the small/large fragment weirds (Frag.cc).
const (
	// MinFragmentSize is the total length (IP header included) below which
	// a fragment with MF set raises excessively_small_fragment.
	MinFragmentSize = 64
	// MaxFragmentEnd is the payload offset beyond which a fragment's end
	// raises excessively_large_fragment.
	MaxFragmentEnd = 64000
)

// Defaults used by DefaultConfig and for zero Config fields.
const (
	DefaultTimeout                 = 5 * zeek.Minute // Zeek's frag_timeout
	DefaultMaxDatagrams            = 65536
	DefaultMaxBytes                = 128 << 20
	DefaultMaxFragmentsPerDatagram = 16384
)

// Config bounds a Reassembler.
type Config struct {
	// Timeout drops a datagram this long after its first fragment arrived
	// (Zeek's frag_timeout). 0 (or negative) keeps incomplete datagrams
	// until the limits below push them out.
	Timeout zeek.Interval
	// MaxDatagrams bounds the datagrams pending at once; beyond it the
	// oldest is dropped with WeirdEvicted. 0 means DefaultMaxDatagrams.
	MaxDatagrams int
	// MaxBytes bounds the header and payload bytes stored for all pending
	// datagrams; beyond it the oldest are dropped with WeirdEvicted. Buffers
	// kept for reuse are bounded by the same amount again. 0 means
	// DefaultMaxBytes.
	MaxBytes int
	// MaxBytesPerDatagram bounds the bytes stored for one datagram; a
	// datagram that would exceed it is dropped with WeirdDatagramTooLarge.
	// 0 means no bound beyond the protocol's (fragment offsets end at
	// 65528, so a datagram never holds much more than 128 KiB of data).
	MaxBytesPerDatagram int
	// MaxFragmentsPerDatagram bounds the fragments accepted for one
	// datagram (duplicates included); the datagram is dropped with
	// WeirdTooManyFragments beyond it. 0 means
	// DefaultMaxFragmentsPerDatagram (twice what 8-byte fragments of a
	// 64 KiB datagram need).
	MaxFragmentsPerDatagram int
}

// DefaultConfig returns Zeek's timeout and Heron's default bounds.
func DefaultConfig() Config {
	return Config{
		Timeout:                 DefaultTimeout,
		MaxDatagrams:            DefaultMaxDatagrams,
		MaxBytes:                DefaultMaxBytes,
		MaxFragmentsPerDatagram: DefaultMaxFragmentsPerDatagram,
	}
}

// Stats counts what a Reassembler has done.
type Stats struct {
	Fragments     uint64 // fragments offered
	Reassembled   uint64 // datagrams completed
	Expired       uint64 // datagrams dropped after Timeout
	Evicted       uint64 // datagrams dropped for MaxDatagrams or MaxBytes
	Dropped       uint64 // datagrams dropped for per-datagram limits
	PeakDatagrams int    // most datagrams pending at once
}

// block is a run of stored payload, [seq, upper) of the fragmentable part,
// kept at data[at:] of its datagram. Blocks are sorted and disjoint, and
// split exactly where Zeek's block list splits them (each hole a fragment
// fills becomes one block), because overlap weirds count blocks.
type block struct {
	seq, upper uint32
	at         uint32
}

// datagram is the state of one datagram being reassembled. Slots are reused
// with their buffers.
type datagram struct {
	key        Key
	hash       uint64
	first      zeek.Time // arrival of the first fragment
	prev, next int32     // age list, by first
	fragSize   uint32    // payload size implied by last fragments; 0 = unknown
	runEnd     uint32    // end of the hole-free run from offset 0; 0 = none
	nfrags     int
	bytes      int // len(hdr) + len(data), counted in Reassembler.bytes
	v6         bool
	ihl        uint8 // IPv4: first fragment's header length in words
	proto      uint8 // IPv4: first fragment's protocol; IPv6: next header for the result
	prevNext   int   // IPv6: offset in hdr of the Next Header byte to patch
	hdr        []byte
	data       []byte
	blocks     []block
	retained   int // buffer capacity counted in Reassembler.retained while free
}

// fragment is what AddIPv4 and AddIPv6 extract from a packet, in Zeek's
// terms (IP_Hdr's FragOffset, MF, DF, TotalLen, HdrLen, NextProto).
type fragment struct {
	offset   uint32
	totalLen uint32
	hdrLen   uint32
	more, df bool
	proto    uint8
	ihl      uint8
	pkt      []byte
}

// Reassembler puts fragmented IP datagrams back together. Create it with
// New; it is not safe for concurrent use.
type Reassembler struct {
	// Weird, if set, receives every weird as it is raised. The key and its
	// pointer are valid only during the call, and the function must not
	// call the Reassembler's methods. Set it once, before the first
	// fragment.
	Weird func(name string, key *Key)

	cfg      Config
	seed     maphash.Seed
	slots    []datagram
	free     []int32
	index    table
	head     int32 // oldest pending datagram, -1 if none
	tail     int32
	live     int
	bytes    int
	retained int
	pieces   []block
	out      []byte
	stats    Stats
}

// New returns a Reassembler bounded by cfg (zero fields take defaults as
// documented on Config).
func New(cfg Config) *Reassembler {
	if cfg.Timeout < 0 {
		cfg.Timeout = 0
	}
	if cfg.MaxDatagrams <= 0 {
		cfg.MaxDatagrams = DefaultMaxDatagrams
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxBytesPerDatagram < 0 {
		cfg.MaxBytesPerDatagram = 0
	}
	if cfg.MaxFragmentsPerDatagram <= 0 {
		cfg.MaxFragmentsPerDatagram = DefaultMaxFragmentsPerDatagram
	}
	return &Reassembler{cfg: cfg, seed: maphash.MakeSeed(), head: -1, tail: -1}
}

// Len returns the number of datagrams pending.
func (r *Reassembler) Len() int { return r.live }

// Bytes returns the header and payload bytes stored for pending datagrams.
func (r *Reassembler) Bytes() int { return r.bytes }

// Stats returns the counters.
func (r *Reassembler) Stats() Stats { return r.stats }

// Buffered returns the bytes of fragments held for reassembly.
func (r *Reassembler) Buffered() int { return r.bytes }

// Config returns the configuration in effect (defaults filled in).
func (r *Reassembler) Config() Config { return r.cfg }

// AddIPv4 adds one IPv4 fragment: pkt is the packet from the IPv4 header on,
// at least as long as its total length (bytes beyond it are ignored). The
// caller has validated the header and its checksum and passes only
// fragments (MF set or offset non-zero); a packet with neither is taken as a
// one-fragment datagram. Input that is not such a packet, including one
// captured short of its total length, is ignored.
//
// When pkt completes a datagram, AddIPv4 returns it (see the package
// documentation for its header) and true. The result is owned by the
// Reassembler and valid until the next call of one of its methods. pkt is
// not retained.
func (r *Reassembler) AddIPv4(now zeek.Time, pkt []byte) (whole []byte, done bool) {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return nil, false
	}
	ihl := pkt[0] & 0x0f
	hl := int(ihl) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:]))
	if hl < 20 || hl > len(pkt) || total > len(pkt) {
		return nil, false
	}
	var k Key
	v4Key(&k, pkt)
	k.ID = uint32(binary.BigEndian.Uint16(pkt[4:]))
	off := binary.BigEndian.Uint16(pkt[6:])
	f := fragment{
		offset:   uint32(off&0x1fff) * 8,
		more:     off&0x2000 != 0,
		df:       off&0x4000 != 0,
		totalLen: uint32(total),
		hdrLen:   uint32(hl),
		proto:    pkt[9],
		ihl:      ihl,
		pkt:      pkt,
	}
	return r.add(now, &k, &f, pkt[:hl], 0)
}

// AddIPv6 adds one IPv6 fragment: pkt is the packet from the IPv6 header
// on, at least 40 + Payload Length bytes long (bytes beyond are ignored),
// and fragHdrOffset is where its Fragment header starts (the length of the
// unfragmentable part). It walks the extension headers again with
// LocateIPv6Frag for Zeek's key addresses; a decoder that has them at hand
// can call AddIPv6Frag instead. Input whose first Fragment header is not at
// fragHdrOffset, or that is captured short of its length, is ignored.
// Results and ownership are as for AddIPv4.
func (r *Reassembler) AddIPv6(now zeek.Time, pkt []byte, fragHdrOffset int) (whole []byte, done bool) {
	fh, ok := LocateIPv6Frag(pkt)
	if !ok || fh.Offset != fragHdrOffset {
		return nil, false
	}
	return r.AddIPv6Frag(now, pkt, fh)
}

// AddIPv6Frag is AddIPv6 for a caller that knows the Fragment header's
// position and the key's addresses: fh describes pkt as LocateIPv6Frag
// would. Input that does not fit fh is ignored.
func (r *Reassembler) AddIPv6Frag(now zeek.Time, pkt []byte, fh IPv6Frag) (whole []byte, done bool) {
	off := fh.Offset
	if len(pkt) < 40 || pkt[0]>>4 != 6 || off < 40 || off > len(pkt)-8 ||
		fh.PrevNext < 0 || fh.PrevNext >= off || pkt[fh.PrevNext] != protoFragment {
		return nil, false
	}
	total := 40 + int(binary.BigEndian.Uint16(pkt[4:]))
	if total > len(pkt) {
		return nil, false
	}
	offlg := binary.BigEndian.Uint16(pkt[off+2:])
	k := Key{Src: fh.Src, Dst: fh.Dst, ID: binary.BigEndian.Uint32(pkt[off+4:]), V6: true}
	f := fragment{
		offset:   uint32(offlg & 0xfff8),
		more:     offlg&1 != 0,
		totalLen: uint32(total),
		hdrLen:   uint32(off + 8),
		proto:    pkt[off],
		pkt:      pkt,
	}
	return r.add(now, &k, &f, pkt[:off], fh.PrevNext)
}

// Expire drops the datagrams whose first fragment arrived Timeout or longer
// before now (Zeek's fragment timer fires when network time reaches it).
// It costs one comparison when nothing expires.
func (r *Reassembler) Expire(now zeek.Time) {
	if r.cfg.Timeout <= 0 {
		return
	}
	for r.head >= 0 && r.slots[r.head].first.Add(r.cfg.Timeout) <= now {
		r.release(r.head)
		r.stats.Expired++
	}
}

// Clear drops every pending datagram without weirds (Zeek's behaviour at
// the end of input).
func (r *Reassembler) Clear() {
	for r.head >= 0 {
		r.release(r.head)
	}
}

func (r *Reassembler) weird(name string, s int32) {
	if r.Weird != nil {
		r.Weird(name, &r.slots[s].key)
	}
}

// add is Zeek's FragmentManager::NextFragment, FragReassembler::AddFragment
// and Reassembler::NewBlock in one. hdr is the packet's header part to keep
// if this fragment starts a datagram.
func (r *Reassembler) add(now zeek.Time, k *Key, f *fragment, hdr []byte, prevNext int) ([]byte, bool) {
	r.stats.Fragments++
	h := hashKey(r.seed, k)
	s := r.find(k, h)
	if s >= 0 && r.cfg.Timeout > 0 && r.slots[s].first.Add(r.cfg.Timeout) <= now {
		// Its timer would have fired before this packet.
		r.release(s)
		r.stats.Expired++
		s = -1
	}
	if s < 0 {
		if s = r.create(now, k, h, f, hdr, prevNext); s < 0 {
			return nil, false
		}
	}
	d := &r.slots[s]
	d.nfrags++
	if d.nfrags > r.cfg.MaxFragmentsPerDatagram {
		r.weird(WeirdTooManyFragments, s)
		r.release(s)
		r.stats.Dropped++
		return nil, false
	}

	if d.v6 {
		if f.proto != d.proto || int(f.hdrLen)-8 != len(d.hdr) {
			r.weird(WeirdProtocolInconsistency, s)
		}
	} else if f.proto != d.proto || f.ihl != d.ihl {
		r.weird(WeirdProtocolInconsistency, s)
	}
	if f.df {
		r.weird(WeirdWithDF, s)
	}
	if f.totalLen < f.hdrLen {
		r.weird(WeirdProtocolInconsistency, s)
		return nil, false
	}
	n := f.totalLen - f.hdrLen
	upper := f.offset + n
	if f.offset == 0 && d.v6 {
		// The offset-0 fragment names the protocol after the Fragment header.
		d.proto = f.proto
	}
	if !f.more {
		if d.fragSize == 0 {
			d.fragSize = upper
		} else if upper != d.fragSize {
			r.weird(WeirdSizeInconsistency, s)
			if upper > d.fragSize {
				d.fragSize = upper
			}
		}
	} else if f.totalLen < MinFragmentSize {
		r.weird(WeirdSmallFragment, s)
	}
	if upper > MaxFragmentEnd {
		r.weird(WeirdLargeFragment, s)
	}
	if d.fragSize != 0 && upper > d.fragSize {
		r.weird(WeirdSizeInconsistency, s)
		d.fragSize = upper
	}
	if n == 0 {
		return nil, false
	}
	payload := f.pkt[f.hdrLen:f.totalLen]
	r.checkOverlap(s, f.offset, payload)
	if !r.store(s, f.offset, payload) {
		return nil, false
	}
	return r.complete(s)
}

// create starts a datagram for k and returns its slot, or -1 if even an
// empty datagram does not fit the limits.
func (r *Reassembler) create(now zeek.Time, k *Key, h uint64, f *fragment, hdr []byte, prevNext int) int32 {
	for r.live >= r.cfg.MaxDatagrams {
		r.evictOldest()
	}
	var s int32
	if n := len(r.free); n > 0 {
		s = r.free[n-1]
		r.free = r.free[:n-1]
		r.retained -= r.slots[s].retained
		r.slots[s].retained = 0
	} else {
		r.slots = append(r.slots, datagram{})
		s = int32(len(r.slots) - 1)
	}
	d := &r.slots[s]
	d.key = *k
	d.hash = h
	d.first = now
	d.fragSize = 0
	d.runEnd = 0
	d.nfrags = 0
	d.v6 = k.V6
	d.ihl = f.ihl
	d.proto = f.proto
	d.prevNext = prevNext
	d.hdr = append(d.hdr[:0], hdr...)
	d.data = d.data[:0]
	d.blocks = d.blocks[:0]
	d.bytes = 0
	r.link(s)
	r.insert(s)
	r.live++
	if r.live > r.stats.PeakDatagrams {
		r.stats.PeakDatagrams = r.live
	}
	if !r.reserve(s, len(hdr)) {
		return -1
	}
	r.slots[s].bytes = len(hdr)
	r.bytes += len(hdr)
	return s
}

// reserve makes room for need more bytes in datagram s, evicting older
// datagrams if the total would exceed MaxBytes. It drops s and returns false
// if s itself cannot grow that much.
func (r *Reassembler) reserve(s int32, need int) bool {
	d := &r.slots[s]
	if max := r.cfg.MaxBytesPerDatagram; max > 0 && d.bytes+need > max {
		r.weird(WeirdDatagramTooLarge, s)
		r.release(s)
		r.stats.Dropped++
		return false
	}
	for r.bytes+need > r.cfg.MaxBytes {
		if r.head == s && r.slots[s].next < 0 {
			// Nothing else left to evict.
			r.weird(WeirdEvicted, s)
			r.release(s)
			r.stats.Evicted++
			return false
		}
		if r.head == s {
			r.evict(r.slots[s].next)
		} else {
			r.evictOldest()
		}
	}
	return true
}

func (r *Reassembler) evictOldest() { r.evict(r.head) }

func (r *Reassembler) evict(s int32) {
	r.weird(WeirdEvicted, s)
	r.release(s)
	r.stats.Evicted++
}

// link puts slot s into the age list, ordered by first arrival. Packet
// times normally grow, so this appends; a packet from the past walks back.
func (r *Reassembler) link(s int32) {
	d := &r.slots[s]
	p := r.tail
	for p >= 0 && r.slots[p].first > d.first {
		p = r.slots[p].prev
	}
	d.prev = p
	if p < 0 {
		d.next = r.head
		r.head = s
	} else {
		d.next = r.slots[p].next
		r.slots[p].next = s
	}
	if d.next < 0 {
		r.tail = s
	} else {
		r.slots[d.next].prev = s
	}
}

// release drops datagram s and puts its slot on the free list, keeping its
// buffers while the kept total stays within MaxBytes.
func (r *Reassembler) release(s int32) {
	r.remove(s)
	d := &r.slots[s]
	if d.prev < 0 {
		r.head = d.next
	} else {
		r.slots[d.prev].next = d.next
	}
	if d.next < 0 {
		r.tail = d.prev
	} else {
		r.slots[d.next].prev = d.prev
	}
	r.live--
	r.bytes -= d.bytes
	d.bytes = 0
	c := cap(d.hdr) + cap(d.data) + cap(d.blocks)*12
	if r.retained+c > r.cfg.MaxBytes {
		d.hdr, d.data, d.blocks = nil, nil, nil
		c = 0
	}
	d.retained = c
	r.retained += c
	r.free = append(r.free, s)
}

// firstAfter returns the index of the first block of bs ending after seq.
func firstAfter(bs []block, seq uint32) int {
	lo, hi := 0, len(bs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bs[m].upper <= seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// checkOverlap raises one weird per stored block that payload (at seq)
// overlaps: fragment_inconsistency if the bytes differ, else
// fragment_overlap.
func (r *Reassembler) checkOverlap(s int32, seq uint32, payload []byte) {
	upper := seq + uint32(len(payload))
	for i := firstAfter(r.slots[s].blocks, seq); ; i++ {
		d := &r.slots[s]
		if i >= len(d.blocks) || d.blocks[i].seq >= upper {
			return
		}
		b := d.blocks[i]
		lo, hi := max(seq, b.seq), min(upper, b.upper)
		old := d.data[b.at+(lo-b.seq) : b.at+(hi-b.seq)]
		if bytes.Equal(old, payload[lo-seq:hi-seq]) {
			r.weird(WeirdOverlap, s)
		} else {
			r.weird(WeirdInconsistency, s)
		}
	}
}

// store keeps the parts of payload (at seq) that fill holes, one block per
// hole. It returns false if the datagram was dropped for the limits.
func (r *Reassembler) store(s int32, seq uint32, payload []byte) bool {
	upper := seq + uint32(len(payload))
	d := &r.slots[s]
	pieces := r.pieces[:0]
	need := 0
	cur := seq
	for i := firstAfter(d.blocks, seq); i < len(d.blocks) && d.blocks[i].seq < upper; i++ {
		b := d.blocks[i]
		if cur < b.seq {
			pieces = append(pieces, block{seq: cur, upper: b.seq})
			need += int(b.seq - cur)
		}
		cur = max(cur, b.upper)
	}
	if cur < upper {
		pieces = append(pieces, block{seq: cur, upper: upper})
		need += int(upper - cur)
	}
	r.pieces = pieces
	if need == 0 {
		return true
	}
	if !r.reserve(s, need) {
		return false
	}
	d = &r.slots[s]
	for i := range pieces {
		p := &pieces[i]
		p.at = uint32(len(d.data))
		d.data = append(d.data, payload[p.seq-seq:p.upper-seq]...)
	}
	d.bytes += need
	r.bytes += need

	// Merge the pieces into the sorted blocks, from the back.
	n := len(d.blocks)
	if n == 0 || pieces[0].seq >= d.blocks[n-1].upper {
		d.blocks = append(d.blocks, pieces...)
	} else {
		for range pieces {
			d.blocks = append(d.blocks, block{})
		}
		bs := d.blocks
		i, j := n-1, len(pieces)-1
		for w := len(bs) - 1; j >= 0; w-- {
			if i >= 0 && bs[i].seq > pieces[j].seq {
				bs[w] = bs[i]
				i--
			} else {
				bs[w] = pieces[j]
				j--
			}
		}
	}

	// Extend the hole-free run from offset 0 (blocks are never removed, so
	// it only grows).
	bs := d.blocks
	if bs[0].seq != 0 {
		return true
	}
	for i := firstAfter(bs, d.runEnd); i < len(bs) && bs[i].seq == d.runEnd; i++ {
		d.runEnd = bs[i].upper
	}
	return true
}

// complete is Zeek's FragReassembler::BlockInserted: if the datagram is
// whole, it builds the packet into r.out and drops the state.
func (r *Reassembler) complete(s int32) ([]byte, bool) {
	d := &r.slots[s]
	if d.runEnd == 0 || d.fragSize == 0 {
		return nil, false
	}
	last := d.blocks[len(d.blocks)-1].upper
	switch {
	case last > d.runEnd: // a hole after the run
		if d.runEnd < d.fragSize {
			return nil, false
		}
		// Whole up to the size and more, with stray data beyond a hole:
		// take the run.
		r.weird(WeirdSizeInconsistency, s)
		d = &r.slots[s]
		d.fragSize = d.runEnd
	case last > d.fragSize:
		r.weird(WeirdSizeInconsistency, s)
		d = &r.slots[s]
		d.fragSize = last
	case last < d.fragSize:
		return nil, false
	}

	hl := len(d.hdr)
	n := hl + int(d.fragSize)
	if cap(r.out) < n {
		r.out = make([]byte, n, max(n, 2*cap(r.out)))
	}
	out := r.out[:n]
	copy(out, d.hdr)
	body := out[hl:]
	for _, b := range d.blocks {
		if b.seq >= d.fragSize {
			break
		}
		copy(body[b.seq:b.upper], d.data[b.at:b.at+(b.upper-b.seq)])
	}
	if d.v6 {
		binary.BigEndian.PutUint16(out[4:], uint16(n-40))
		out[d.prevNext] = d.proto
	} else {
		binary.BigEndian.PutUint16(out[2:], uint16(n))
		off := binary.BigEndian.Uint16(out[6:])
		binary.BigEndian.PutUint16(out[6:], off&0xc000)
		out[10], out[11] = 0, 0
		binary.BigEndian.PutUint16(out[10:], ipChecksum(out[:hl]))
	}
	r.release(s)
	r.stats.Reassembled++
	return out, true
}

// ipChecksum returns the Internet checksum of hdr (whose checksum field is
// zero).
func ipChecksum(hdr []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(hdr); i += 2 {
		sum += uint32(hdr[i])<<8 | uint32(hdr[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
