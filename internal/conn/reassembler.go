package conn

// reassembler tracks one TCP direction's sequence space as Zeek's
// TCP_Reassembler does: which ranges were seen, how far the stream is
// contiguous (lastReassem), what the peer acknowledged (trimSeq), and the
// content gaps that follow. Sequence numbers are relative (the first data
// byte is 1).
//
// It keeps ranges, not bytes: conn.log needs only the gap accounting.
// Blocks are non-overlapping and never adjacent (adjacent ranges merge),
// which gives the same coverage, and so the same gaps, as Zeek's list of
// separate blocks.
type reassembler struct {
	blocks         []seqRange
	buf            [4]seqRange
	lastReassem    uint64
	trimSeq        uint64
	hadGap         bool
	skipDeliveries bool
	didEOF         bool
}

type seqRange struct{ seq, upper uint64 }

func (r *reassembler) init() {
	*r = reassembler{lastReassem: 1, trimSeq: 1}
	r.blocks = r.buf[:0]
}

func (r *reassembler) hasBlocks() bool { return len(r.blocks) > 0 }

func (r *reassembler) dataSize() uint64 {
	var n uint64
	for _, b := range r.blocks {
		n += b.upper - b.seq
	}
	return n
}

func (r *reassembler) numUndelivered() uint64 {
	if len(r.blocks) == 0 {
		return 0
	}
	return r.blocks[len(r.blocks)-1].upper - r.lastReassem
}

func (r *reassembler) clear() { r.blocks = r.blocks[:0] }

// insert adds [seq, upper) and returns the first part of it that was not
// covered before (ok false when all of it was).
func (r *reassembler) insert(seq, upper uint64) (first seqRange, ok bool) {
	// Find the first block that ends at or after seq.
	i := 0
	for i < len(r.blocks) && r.blocks[i].upper < seq {
		i++
	}
	// The new range's uncovered parts.
	cur := seq
	for j := i; j < len(r.blocks) && cur < upper; j++ {
		b := r.blocks[j]
		if b.seq > cur {
			if !ok {
				first, ok = seqRange{cur, min(upper, b.seq)}, true
			}
		}
		if b.upper > cur {
			cur = b.upper
		}
	}
	if cur < upper && !ok {
		first, ok = seqRange{cur, upper}, true
	}
	if !ok {
		return first, false
	}
	// Merge [seq, upper) with every block it touches.
	j := i
	lo, hi := seq, upper
	for j < len(r.blocks) && r.blocks[j].seq <= hi {
		lo = min(lo, r.blocks[j].seq)
		hi = max(hi, r.blocks[j].upper)
		j++
	}
	n := j - i // blocks replaced by the merged one
	switch {
	case n == 0:
		r.blocks = append(r.blocks, seqRange{})
		copy(r.blocks[i+1:], r.blocks[i:])
	case n > 1:
		r.blocks = append(r.blocks[:i+1], r.blocks[j:]...)
	}
	r.blocks[i] = seqRange{lo, hi}
	return first, true
}

// covering returns the index of the block containing seq, or -1.
func (r *reassembler) covering(seq uint64) int {
	for i, b := range r.blocks {
		if b.seq <= seq && seq < b.upper {
			return i
		}
		if b.seq > seq {
			break
		}
	}
	return -1
}

// deliverFrom advances lastReassem over contiguous data and reports
// whether any was delivered.
func (r *reassembler) deliverFrom() bool {
	i := r.covering(r.lastReassem)
	if i < 0 {
		return false
	}
	r.lastReassem = r.blocks[i].upper
	return true
}

// trimBelow drops the ranges wholly below seq (Zeek keeps a block that
// straddles seq).
func (r *reassembler) trimBelow(seq uint64) {
	k := 0
	for k < len(r.blocks) && r.blocks[k].upper <= seq {
		k++
	}
	if k > 0 {
		r.blocks = append(r.blocks[:0], r.blocks[k:]...)
	}
}

// firstAtOrAbove returns the first block starting at or above seq.
func (r *reassembler) firstAtOrAbove(seq uint64) int {
	for i, b := range r.blocks {
		if b.seq >= seq {
			return i
		}
	}
	return -1
}
