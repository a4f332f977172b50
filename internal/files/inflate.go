package files

import (
	"encoding/binary"
	"hash"
	"hash/adler32"
	"hash/crc32"
)

// InflateStatus is the state of an Inflater, after zlib's return codes.
type InflateStatus uint8

// Inflater states.
const (
	// InflateOK: the stream goes on.
	InflateOK InflateStatus = iota
	// InflateEnd: the stream ended (zlib's Z_STREAM_END); later input is
	// ignored.
	InflateEnd
	// InflateDataError: the input is not a valid stream (Z_DATA_ERROR).
	InflateDataError
	// InflateNeedDict: a zlib stream asks for a preset dictionary
	// (Z_NEED_DICT), which HTTP never provides.
	InflateNeedDict
)

// Stream formats.
const (
	// FormatAuto reads a zlib or a gzip stream, whichever the first two
	// bytes say (zlib's windowBits+32).
	FormatAuto = iota
	// FormatRaw reads bare DEFLATE data (negative windowBits).
	FormatRaw
)

// InflateChunk is the size of the output pieces an Inflater hands out
// while input remains (zlib's 4096-byte output buffer in Zeek's ZIP
// analyzer); the last piece of a Write may be shorter.
const InflateChunk = 4096

// Inflater decompresses a zlib, gzip or raw DEFLATE stream that arrives
// in pieces, as zlib's inflate does with Z_SYNC_FLUSH: it can be cut at
// any byte, keeps at most a 32 KiB window and a few hundred bytes of
// unconsumed input, and reports errors where zlib would (bad headers,
// invalid codes, distances too far back, checksum mismatches).
type Inflater struct {
	format int
	state  int
	status InflateStatus

	// Bit input.
	src  []byte // the bytes being decoded: pending input, then new input
	pos  int
	bb   uint64
	nb   uint
	pend []byte // input left over from the last Write
	join []byte // pend and new input joined (reused)

	// Gzip or zlib container.
	gzip  bool
	check hash.Hash32
	size  uint32

	// Current block.
	final      bool
	storedLeft int
	lit, dist  huffman

	// Output.
	window [1 << 15]byte
	wpos   int
	whave  int
	out    []byte
	summed int // bytes of out already added to check
	emit   func([]byte)
	fulls  int // full pieces emitted in this Write
}

// Inflater decoding states.
const (
	stHeader = iota
	stBlock
	stStored
	stCodes
	stTrailer
	stDone
)

// NewInflater returns an Inflater for a stream of the given format.
func NewInflater(format int) *Inflater {
	z := &Inflater{format: format}
	z.Reset(format)
	return z
}

// Reset makes z a new Inflater of the given format (zlib's inflateInit2).
func (z *Inflater) Reset(format int) {
	out, pend, join := z.out[:0], z.pend[:0], z.join[:0]
	*z = Inflater{format: format, out: out, pend: pend, join: join}
	if format == FormatRaw {
		z.state = stBlock
	}
}

// Status returns the Inflater's state.
func (z *Inflater) Status() InflateStatus { return z.status }

// Write decompresses the next input bytes. Output goes to emit in pieces
// of InflateChunk bytes while input remains and one shorter piece when
// the input is used up (or the stream ends); on an error the output not
// yet handed out is dropped, as Zeek's ZIP analyzer drops zlib's. It
// returns the status and the number of full pieces emitted. data is
// borrowed; the pieces are valid during the callback only.
func (z *Inflater) Write(data []byte, emit func([]byte)) (InflateStatus, int) {
	z.fulls = 0
	if z.status != InflateOK || len(data) == 0 {
		return z.status, 0
	}
	if len(z.pend) > 0 {
		z.join = append(append(z.join[:0], z.pend...), data...)
		z.src = z.join
		z.pend = z.pend[:0]
	} else {
		z.src = data
	}
	z.pos = 0
	z.emit = emit
	if cap(z.out) < InflateChunk {
		z.out = make([]byte, 0, InflateChunk)
	}
	st := z.run()
	switch st {
	case InflateOK:
		// Keep what could not be used yet.
		if z.pos < len(z.src) {
			z.pend = append(z.pend[:0], z.src[z.pos:]...)
		}
		z.flushOut()
	case InflateEnd:
		z.flushOut()
	default:
		z.out = z.out[:0]
		z.summed = 0
	}
	z.src = nil
	z.emit = nil
	z.status = st
	return st, z.fulls
}

func (z *Inflater) flushOut() {
	z.sum()
	if len(z.out) > 0 && z.emit != nil {
		z.emit(z.out)
	}
	z.out = z.out[:0]
	z.summed = 0
}

// sum adds the output not yet checksummed to the container's check.
func (z *Inflater) sum() {
	if z.check != nil && z.summed < len(z.out) {
		z.check.Write(z.out[z.summed:])
	}
	z.summed = len(z.out)
}

// need makes n bits available; it reports false when the input runs out.
func (z *Inflater) need(n uint) bool {
	for z.nb < n {
		if z.pos >= len(z.src) {
			return false
		}
		z.bb |= uint64(z.src[z.pos]) << z.nb
		z.pos++
		z.nb += 8
	}
	return true
}

func (z *Inflater) take(n uint) uint32 {
	v := uint32(z.bb & (1<<n - 1))
	z.bb >>= n
	z.nb -= n
	return v
}

type mark struct {
	pos int
	bb  uint64
	nb  uint
}

func (z *Inflater) save() mark     { return mark{z.pos, z.bb, z.nb} }
func (z *Inflater) restore(m mark) { z.pos, z.bb, z.nb = m.pos, m.bb, m.nb }

// put appends one output byte.
func (z *Inflater) put(c byte) {
	z.window[z.wpos] = c
	z.wpos = (z.wpos + 1) & (len(z.window) - 1)
	if z.whave < len(z.window) {
		z.whave++
	}
	z.size++
	z.out = append(z.out, c)
	if len(z.out) == InflateChunk {
		z.sum()
		if z.emit != nil {
			z.emit(z.out)
		}
		z.out = z.out[:0]
		z.summed = 0
		z.fulls++
	}
}

// run decodes until the input runs out or the stream ends or fails.
func (z *Inflater) run() InflateStatus {
	for {
		switch z.state {
		case stHeader:
			m := z.save()
			ok, st := z.header()
			if st != InflateOK {
				return st
			}
			if !ok {
				z.restore(m)
				return InflateOK
			}
			z.state = stBlock
		case stBlock:
			m := z.save()
			if !z.need(3) {
				return InflateOK
			}
			z.final = z.take(1) == 1
			switch z.take(2) {
			case 0:
				z.take(z.nb % 8)
				if !z.need(32) {
					z.restore(m)
					return InflateOK
				}
				n, nn := z.take(16), z.take(16)
				if n != ^nn&0xffff {
					return InflateDataError
				}
				z.storedLeft = int(n)
				z.state = stStored
			case 1:
				z.lit.fixedLit()
				z.dist.fixedDist()
				z.state = stCodes
			case 2:
				ok, bad := z.dynamic()
				if bad {
					return InflateDataError
				}
				if !ok {
					z.restore(m)
					return InflateOK
				}
				z.state = stCodes
			default:
				return InflateDataError
			}
		case stStored:
			for z.storedLeft > 0 {
				// Whole bytes only: the bit buffer is byte aligned.
				if z.nb >= 8 {
					z.put(byte(z.take(8)))
					z.storedLeft--
					continue
				}
				if z.pos >= len(z.src) {
					return InflateOK
				}
				z.put(z.src[z.pos])
				z.pos++
				z.storedLeft--
			}
			z.endBlock()
		case stCodes:
			if st, more := z.codes(); !more {
				return st
			}
		case stTrailer:
			ok, st := z.trailer()
			if st != InflateOK {
				return st
			}
			if !ok {
				return InflateOK
			}
			z.state = stDone
			return InflateEnd
		case stDone:
			return InflateEnd
		}
	}
}

func (z *Inflater) endBlock() {
	if !z.final {
		z.state = stBlock
		return
	}
	if z.format == FormatRaw {
		z.state = stDone
		return
	}
	z.take(z.nb % 8)
	z.state = stTrailer
}

// header reads a zlib or gzip header; ok is false when more input is
// needed.
func (z *Inflater) header() (bool, InflateStatus) {
	if !z.need(16) {
		return false, InflateOK
	}
	b0, b1 := byte(z.bb), byte(z.bb>>8)
	if b0 == 0x1f && b1 == 0x8b {
		z.take(16)
		return z.gzipHeader()
	}
	if (uint(b0)<<8|uint(b1))%31 != 0 || b0&0x0f != 8 || b0>>4 > 7 {
		return false, InflateDataError
	}
	z.take(16)
	if b1&0x20 != 0 {
		return false, InflateNeedDict
	}
	z.check = adler32.New()
	return true, InflateOK
}

func (z *Inflater) byteIn() (byte, bool) {
	if !z.need(8) {
		return 0, false
	}
	return byte(z.take(8)), true
}

func (z *Inflater) gzipHeader() (bool, InflateStatus) {
	var h [8]byte
	for i := range h {
		c, ok := z.byteIn()
		if !ok {
			return false, InflateOK
		}
		h[i] = c
	}
	if h[0] != 8 {
		return false, InflateDataError
	}
	flags := h[1]
	if flags&0xe0 != 0 {
		return false, InflateDataError
	}
	crc := crc32.NewIEEE()
	crc.Write([]byte{0x1f, 0x8b})
	crc.Write(h[:])
	if flags&4 != 0 {
		lo, ok1 := z.byteIn()
		hi, ok2 := z.byteIn()
		if !ok1 || !ok2 {
			return false, InflateOK
		}
		crc.Write([]byte{lo, hi})
		for n := int(lo) | int(hi)<<8; n > 0; n-- {
			c, ok := z.byteIn()
			if !ok {
				return false, InflateOK
			}
			crc.Write([]byte{c})
		}
	}
	for _, f := range []byte{8, 16} {
		if flags&f == 0 {
			continue
		}
		for {
			c, ok := z.byteIn()
			if !ok {
				return false, InflateOK
			}
			crc.Write([]byte{c})
			if c == 0 {
				break
			}
		}
	}
	if flags&2 != 0 {
		lo, ok1 := z.byteIn()
		hi, ok2 := z.byteIn()
		if !ok1 || !ok2 {
			return false, InflateOK
		}
		if uint16(lo)|uint16(hi)<<8 != uint16(crc.Sum32()) {
			return false, InflateDataError
		}
	}
	z.gzip = true
	z.check = crc32.NewIEEE()
	return true, InflateOK
}

// trailer checks the zlib or gzip trailer.
func (z *Inflater) trailer() (bool, InflateStatus) {
	n := 4
	if z.gzip {
		n = 8
	}
	z.sum()
	m := z.save()
	var t [8]byte
	for i := 0; i < n; i++ {
		c, ok := z.byteIn()
		if !ok {
			z.restore(m)
			return false, InflateOK
		}
		t[i] = c
	}
	if z.gzip {
		if binary.LittleEndian.Uint32(t[:4]) != z.check.Sum32() || binary.LittleEndian.Uint32(t[4:]) != z.size {
			return false, InflateDataError
		}
		return true, InflateOK
	}
	if binary.BigEndian.Uint32(t[:4]) != z.check.Sum32() {
		return false, InflateDataError
	}
	return true, InflateOK
}

// codes decodes symbols of a Huffman block. more is false when run must
// return st.
func (z *Inflater) codes() (st InflateStatus, more bool) {
	for {
		m := z.save()
		sym, ok, bad := z.lit.decode(z)
		if bad {
			return InflateDataError, false
		}
		if !ok {
			z.restore(m)
			return InflateOK, false
		}
		switch {
		case sym < 256:
			z.put(byte(sym))
			continue
		case sym == 256:
			z.endBlock()
			return InflateOK, true
		case sym > 285:
			return InflateDataError, false
		}
		i := sym - 257
		if !z.need(uint(lenExtra[i])) {
			z.restore(m)
			return InflateOK, false
		}
		length := int(lenBase[i]) + int(z.take(uint(lenExtra[i])))
		dsym, ok, bad := z.dist.decode(z)
		if bad || ok && dsym > 29 {
			return InflateDataError, false
		}
		if !ok || !z.need(uint(distExtra[dsym])) {
			z.restore(m)
			return InflateOK, false
		}
		d := int(distBase[dsym]) + int(z.take(uint(distExtra[dsym])))
		if d > z.whave {
			return InflateDataError, false
		}
		for ; length > 0; length-- {
			z.put(z.window[(z.wpos-d)&(len(z.window)-1)])
		}
	}
}

var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase  = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder   = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// dynamic reads the code tables of a dynamic block. ok is false when more
// input is needed; bad reports an invalid table.
func (z *Inflater) dynamic() (ok, bad bool) {
	if !z.need(14) {
		return false, false
	}
	nlen := int(z.take(5)) + 257
	ndist := int(z.take(5)) + 1
	ncode := int(z.take(4)) + 4
	if nlen > 286 || ndist > 30 {
		return false, true
	}
	var lens [320]uint8
	for i := 0; i < ncode; i++ {
		if !z.need(3) {
			return false, false
		}
		lens[clOrder[i]] = uint8(z.take(3))
	}
	var cl huffman
	if !cl.build(lens[:19], true) {
		return false, true
	}
	for i := range lens[:19] {
		lens[i] = 0
	}
	for i := 0; i < nlen+ndist; {
		sym, ok, bad := cl.decode(z)
		if bad {
			return false, true
		}
		if !ok {
			return false, false
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return false, true
			}
			if !z.need(2) {
				return false, false
			}
			val, rep = lens[i-1], 3+int(z.take(2))
		case 17:
			if !z.need(3) {
				return false, false
			}
			rep = 3 + int(z.take(3))
		default:
			if !z.need(7) {
				return false, false
			}
			rep = 11 + int(z.take(7))
		}
		if i+rep > nlen+ndist {
			return false, true
		}
		for ; rep > 0; rep-- {
			lens[i] = val
			i++
		}
	}
	if lens[256] == 0 {
		return false, true
	}
	if !z.lit.build(lens[:nlen], false) || !z.dist.build(lens[nlen:nlen+ndist], false) {
		return false, true
	}
	return true, false
}

// huffman is a canonical Huffman code: a 9-bit lookup table for short
// codes and counts and symbols for the rest (after zlib's puff).
type huffman struct {
	count  [16]uint16
	symbol [288]uint16
	fast   [1 << fastBits]uint16 // symbol<<4 | length, 0: not in table
	empty  bool                  // no codes at all: every decode fails
}

const fastBits = 9

// build makes the code from code lengths. strict (code length codes)
// rejects incomplete codes; otherwise an incomplete code is allowed only
// when it is a single code of length 1 (zlib's rule).
func (h *huffman) build(lens []uint8, strict bool) bool {
	*h = huffman{}
	for _, l := range lens {
		h.count[l]++
	}
	if int(h.count[0]) == len(lens) {
		h.empty = true
		return !strict
	}
	left := 1
	maxLen := 0
	for l := 1; l < 16; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return false
		}
		if h.count[l] > 0 {
			maxLen = l
		}
	}
	if left > 0 && (strict || maxLen != 1) {
		return false
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	for s, l := range lens {
		if l != 0 {
			h.symbol[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	// Fast table: assign canonical codes and fill reversed entries.
	code := 0
	idx := 0
	for l := 1; l <= fastBits; l++ {
		for k := 0; k < int(h.count[l]); k++ {
			sym := h.symbol[idx]
			idx++
			rev := reverse(code, l)
			for r := rev; r < 1<<fastBits; r += 1 << l {
				h.fast[r] = sym<<4 | uint16(l)
			}
			code++
		}
		code <<= 1
	}
	return true
}

func reverse(code, n int) int {
	r := 0
	for i := 0; i < n; i++ {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}

// fixedLit and fixedDist make the fixed codes of block type 1.
func (h *huffman) fixedLit() {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	h.build(lens[:], false)
}

func (h *huffman) fixedDist() {
	// 32 codes of five bits; 30 and 31 are invalid when used.
	var lens [32]uint8
	for i := range lens {
		lens[i] = 5
	}
	h.build(lens[:], false)
}

// decode reads one symbol; ok is false when more input is needed, bad
// for a code that is not in the table.
func (h *huffman) decode(z *Inflater) (sym int, ok, bad bool) {
	if h.empty {
		return 0, false, true
	}
	z.need(fastBits)
	if z.nb >= fastBits || z.nb > 0 {
		if e := h.fast[z.bb&(1<<fastBits-1)]; e != 0 {
			l := uint(e & 15)
			if l <= z.nb {
				z.take(l)
				return int(e >> 4), true, false
			}
			if z.pos >= len(z.src) {
				return 0, false, false
			}
		}
	}
	// Bit by bit (puff's decode).
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		if !z.need(uint(l)) {
			return 0, false, false
		}
		code |= int(z.bb>>(uint(l)-1)) & 1
		count := int(h.count[l])
		if code-count < first {
			z.take(uint(l))
			return int(h.symbol[index+(code-first)]), true, false
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, false, true
}
