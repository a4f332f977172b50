package files

// reassembler puts out-of-order file content back in order, as Zeek's
// FileReassembler (over its generic Reassembler) does: blocks are kept
// sorted and without overlaps (the first data for an offset wins), a block
// that starts at the next offset to deliver is delivered at once together
// with the blocks that follow it without a hole, and delivered data is
// dropped. Flushing delivers what is held, declaring the holes as gaps.
type reassembler struct {
	f        *File
	blocks   []rblock // sorted by seq, not overlapping, all at or above trim
	next     uint64   // Zeek's last_reassem_seq: the next offset to deliver
	trim     uint64   // data below this offset is old and ignored
	size     uint64   // bytes held
	flushing bool
}

type rblock struct {
	seq  uint64
	data []byte
}

func (b *rblock) upper() uint64 { return b.seq + uint64(len(b.data)) }

func newReassembler(f *File, start uint64) *reassembler {
	return &reassembler{f: f, next: start, trim: start}
}

// newBlock adds data at offset seq (Reassembler::NewBlock).
func (r *reassembler) newBlock(seq uint64, data []byte) {
	if max := ^uint64(0) - seq; uint64(len(data)) > max {
		data = data[:max]
	}
	if len(data) == 0 {
		return
	}
	upper := seq + uint64(len(data))
	if upper <= r.trim {
		return
	}
	if seq < r.trim {
		data = data[r.trim-seq:]
		seq = r.trim
	}
	first := r.insert(seq, data)
	r.blockInserted(first)
}

// insert adds the parts of [seq, seq+len(data)) that no block covers yet
// and returns the index of the first block at or after seq.
func (r *reassembler) insert(seq uint64, data []byte) int {
	upper := seq + uint64(len(data))
	// The first block that ends after seq.
	i := 0
	for i < len(r.blocks) && r.blocks[i].upper() <= seq {
		i++
	}
	first := -1
	for len(data) > 0 {
		if i == len(r.blocks) || upper <= r.blocks[i].seq {
			r.put(i, seq, data)
			if first < 0 {
				first = i
			}
			break
		}
		b := &r.blocks[i]
		if seq < b.seq {
			n := b.seq - seq
			r.put(i, seq, data[:n])
			if first < 0 {
				first = i
			}
			i++
			data = data[n:]
			seq += n
			continue
		}
		// seq lies inside b: the old data wins.
		if first < 0 {
			first = i
		}
		skip := b.upper() - seq
		if skip >= uint64(len(data)) {
			break
		}
		data = data[skip:]
		seq += skip
		i++
	}
	if first < 0 {
		first = i
	}
	return first
}

func (r *reassembler) put(i int, seq uint64, data []byte) {
	r.blocks = append(r.blocks, rblock{})
	copy(r.blocks[i+1:], r.blocks[i:])
	r.blocks[i] = rblock{seq: seq, data: append([]byte(nil), data...)}
	r.size += uint64(len(data))
}

// blockInserted delivers the run of blocks that starts at r.next, if the
// block at index i begins it (FileReassembler::BlockInserted).
func (r *reassembler) blockInserted(i int) {
	if i >= len(r.blocks) {
		return
	}
	if b := &r.blocks[i]; b.seq > r.next || b.upper() <= r.next {
		return
	}
	for ; i < len(r.blocks); i++ {
		b := &r.blocks[i]
		if b.seq > r.next {
			break
		}
		if b.seq == r.next {
			r.next += uint64(len(b.data))
			r.f.deliverStream(b.data)
		}
	}
	r.trimTo(r.next)
}

// flush delivers everything held, with gaps for the holes, and returns
// the size of the hole before the first block (FileReassembler::Flush).
func (r *reassembler) flush() uint64 {
	if r.flushing || len(r.blocks) == 0 {
		return 0
	}
	r.flushing = true
	n := r.trimTo(r.blocks[len(r.blocks)-1].upper())
	r.flushing = false
	return n
}

// flushTo delivers what is held below seq, with gaps for the holes, and
// moves the next offset to seq (FileReassembler::FlushTo).
func (r *reassembler) flushTo(seq uint64) uint64 {
	if r.flushing {
		return 0
	}
	r.flushing = true
	n := r.trimTo(seq)
	r.flushing = false
	r.next = seq
	return n
}

// trimTo drops data below seq, delivering first what has not been
// delivered, and returns the bytes that were never there
// (DataBlockList::Trim).
func (r *reassembler) trimTo(seq uint64) uint64 {
	var missing uint64
	if len(r.blocks) > 0 {
		if r.blocks[0].seq > r.next {
			missing += r.blocks[0].seq - r.next
		}
	} else if seq > r.next {
		missing += seq - r.next
	}
	if seq > r.next {
		r.undelivered(seq)
	}
	k := 0
	for k < len(r.blocks) && r.blocks[k].upper() <= seq {
		b := &r.blocks[k]
		if k+1 < len(r.blocks) && r.blocks[k+1].seq <= seq {
			if b.upper() != r.blocks[k+1].seq {
				missing += r.blocks[k+1].seq - b.upper()
			}
		} else if b.upper() != seq && b.upper() != seq-1 {
			missing += seq - b.upper()
		}
		r.size -= uint64(len(b.data))
		k++
	}
	if k > 0 {
		n := copy(r.blocks, r.blocks[k:])
		for j := n; j < len(r.blocks); j++ {
			r.blocks[j] = rblock{}
		}
		r.blocks = r.blocks[:n]
	}
	if len(r.blocks) > 0 && r.blocks[0].seq == r.next {
		r.blockInserted(0)
	}
	if seq > r.trim {
		r.trim = seq
	}
	return missing
}

// undelivered delivers the blocks below upTo with gaps for the holes
// before them, and a final gap up to upTo (FileReassembler::Undelivered).
func (r *reassembler) undelivered(upTo uint64) {
	for {
		i := 0
		for i < len(r.blocks) && r.blocks[i].seq < r.next {
			i++
		}
		if i == len(r.blocks) || r.blocks[i].seq >= upTo {
			break
		}
		gapAt, gapLen := r.next, r.blocks[i].seq-r.next
		r.f.gap(gapAt, gapLen)
		r.next += gapLen
		r.blockInserted(i)
	}
	if upTo > r.next {
		r.f.gap(r.next, upTo-r.next)
		r.next = upTo
	}
}
