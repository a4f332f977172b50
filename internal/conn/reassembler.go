package conn

// reassembler tracks one TCP direction's sequence space as Zeek's
// TCP_Reassembler does: which ranges are held (cover), which of them have
// not been delivered yet (pend), how far the stream has been delivered
// (lastReassem), what the peer acknowledged (trimSeq), and the content
// gaps that follow. Sequence numbers are relative (the first data byte is
// 1).
//
// cover is kept merged (adjacent ranges join), which gives the same
// coverage, and so the same gaps and the same first-data-wins overlap
// rule, as Zeek's list of separate blocks. pend holds the undelivered
// blocks in order, with their bytes when a session wants the stream; data
// that arrives in order is delivered straight from the packet and never
// copied.
type reassembler struct {
	cover       []seqRange
	coverBuf    [4]seqRange
	pend        []dataBlock
	pendBytes   int
	lastReassem uint64
	trimSeq     uint64
	// retained holds delivered bytes from retainedSeq on until they are
	// acknowledged, when overlaps are checked for consistency
	// (Config.CheckOverlaps). retainedCuts holds the start of each block
	// after the first: Zeek compares new data with each held block in
	// turn and frees a block only once it is acknowledged as a whole.
	retained     []byte
	retainedSeq  uint64
	retainedCuts []uint64

	hadGap         bool
	skipDeliveries bool
	didEOF         bool
}

type seqRange struct{ seq, upper uint64 }

// dataBlock is an undelivered block; data is nil when nobody wants the
// bytes (connection tracking only).
type dataBlock struct {
	seq, upper uint64
	data       []byte
}

// blockOverhead is what a held block costs beyond its bytes, for the
// memory bounds.
const blockOverhead = 64

func (r *reassembler) init() {
	*r = reassembler{lastReassem: 1, trimSeq: 1}
	r.cover = r.coverBuf[:0]
}

func (r *reassembler) hasBlocks() bool { return len(r.cover) > 0 }

func (r *reassembler) dataSize() uint64 {
	var n uint64
	for _, b := range r.cover {
		n += b.upper - b.seq
	}
	return n
}

func (r *reassembler) numUndelivered() uint64 {
	if len(r.cover) == 0 {
		return 0
	}
	return r.cover[len(r.cover)-1].upper - r.lastReassem
}

// firstEndingAfter returns the index of the first range whose upper end
// is at or beyond seq (ranges are sorted and disjoint).
func (r *reassembler) firstEndingAfter(seq uint64) int {
	lo, hi := 0, len(r.cover)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.cover[m].upper < seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// uncovered appends to out the parts of [seq, upper) not held yet, in
// order.
func (r *reassembler) uncovered(seq, upper uint64, out []seqRange) []seqRange {
	cur := seq
	for _, b := range r.cover[r.firstEndingAfter(seq):] {
		if b.upper <= cur {
			continue
		}
		if b.seq >= upper {
			break
		}
		if b.seq > cur {
			out = append(out, seqRange{cur, b.seq})
		}
		cur = max(cur, b.upper)
		if cur >= upper {
			return out
		}
	}
	if cur < upper {
		out = append(out, seqRange{cur, upper})
	}
	return out
}

// addCover merges [seq, upper) into the coverage.
func (r *reassembler) addCover(seq, upper uint64) {
	i := r.firstEndingAfter(seq)
	j := i
	lo, hi := seq, upper
	for j < len(r.cover) && r.cover[j].seq <= hi {
		lo = min(lo, r.cover[j].seq)
		hi = max(hi, r.cover[j].upper)
		j++
	}
	switch n := j - i; {
	case n == 0:
		r.cover = append(r.cover, seqRange{})
		copy(r.cover[i+1:], r.cover[i:])
	case n > 1:
		r.cover = append(r.cover[:i+1], r.cover[j:]...)
	}
	r.cover[i] = seqRange{lo, hi}
}

// trimBelow forgets the coverage wholly below seq (a range straddling seq
// is kept, as Zeek keeps such a block).
func (r *reassembler) trimBelow(seq uint64) {
	k := 0
	for k < len(r.cover) && r.cover[k].upper <= seq {
		k++
	}
	if k > 0 {
		r.cover = append(r.cover[:0], r.cover[k:]...)
	}
}

// addPending inserts an undelivered block, keeping pend in order.
func (r *reassembler) addPending(b dataBlock) {
	lo, hi := 0, len(r.pend)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.pend[m].seq < b.seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo
	r.pend = append(r.pend, dataBlock{})
	copy(r.pend[i+1:], r.pend[i:])
	r.pend[i] = b
	r.pendBytes += len(b.data) + blockOverhead
}

// popPending removes the first pending block.
func (r *reassembler) popPending() dataBlock {
	b := r.pend[0]
	r.pendBytes -= len(b.data) + blockOverhead
	copy(r.pend, r.pend[1:])
	r.pend[len(r.pend)-1] = dataBlock{}
	r.pend = r.pend[:len(r.pend)-1]
	return b
}

// retain keeps delivered bytes at seq, as one block, for overlap checks.
func (r *reassembler) retain(seq uint64, data []byte) {
	switch {
	case len(r.retained) == 0 || r.retainedSeq+uint64(len(r.retained)) != seq:
		r.retained = r.retained[:0]
		r.retainedCuts = r.retainedCuts[:0]
		r.retainedSeq = seq
	default:
		r.retainedCuts = append(r.retainedCuts, seq)
	}
	r.retained = append(r.retained, data...)
	if over := len(r.retained) - maxRetained; over > 0 {
		// Heron's bound: a peer that never acknowledges cannot make us
		// hold its stream; the oldest bytes go unchecked.
		r.releaseRetained(r.retainedSeq + uint64(over))
		if over := len(r.retained) - maxRetained; over > 0 {
			n := copy(r.retained, r.retained[over:])
			r.retained = r.retained[:n]
			r.retainedSeq += uint64(over)
		}
	}
}

// maxRetained bounds the delivered, unacknowledged bytes one direction
// keeps for overlap checks. Zeek keeps them until acknowledged, however
// many; 16 MiB is more than any window we expect on a tapped link.
const maxRetained = 16 << 20

// releaseRetained forgets the retained blocks that end at or below seq.
func (r *reassembler) releaseRetained(seq uint64) {
	end := r.retainedSeq + uint64(len(r.retained))
	if len(r.retained) == 0 || seq <= r.retainedSeq {
		return
	}
	if seq >= end {
		r.retained = r.retained[:0]
		r.retainedCuts = r.retainedCuts[:0]
		r.retainedSeq = end
		return
	}
	// The first block still held is the last one starting at or
	// below seq that does not end at or below it.
	k := 0
	for k < len(r.retainedCuts) && r.retainedCuts[k] <= seq {
		k++
	}
	if k == 0 {
		return
	}
	start := r.retainedCuts[k-1]
	n := copy(r.retained, r.retained[start-r.retainedSeq:])
	r.retained = r.retained[:n]
	r.retainedSeq = start
	m := copy(r.retainedCuts, r.retainedCuts[k:])
	r.retainedCuts = r.retainedCuts[:m]
}

// held returns the bytes held for [seq, upper) up to the end of the block
// that holds seq: retained delivered data or a pending block; nil when
// none holds seq.
func (r *reassembler) held(seq, upper uint64) (uint64, []byte) {
	if n := uint64(len(r.retained)); n > 0 && seq >= r.retainedSeq && seq < r.retainedSeq+n {
		end := min(upper, r.retainedSeq+n)
		for _, cut := range r.retainedCuts {
			if cut > seq {
				end = min(end, cut)
				break
			}
		}
		return seq, r.retained[seq-r.retainedSeq : end-r.retainedSeq]
	}
	for _, b := range r.pend {
		if b.data != nil && seq >= b.seq && seq < b.upper {
			end := min(upper, b.upper)
			return seq, b.data[seq-b.seq : end-b.seq]
		}
	}
	return 0, nil
}

// clear drops every held block (Zeek's ClearBlocks).
func (r *reassembler) clear() (freed int) {
	r.retained = r.retained[:0]
	r.retainedCuts = r.retainedCuts[:0]
	freed = r.pendBytes
	r.cover = r.cover[:0]
	for i := range r.pend {
		r.pend[i] = dataBlock{}
	}
	r.pend = r.pend[:0]
	r.pendBytes = 0
	return freed
}
