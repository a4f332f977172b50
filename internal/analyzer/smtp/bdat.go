package smtp

import "strconv"

// bdatReader cuts the chunks of a BDAT transfer (RFC 3030) into the lines
// the message's MIME parser takes, as Zeek's SMTP_BDAT analyzer does: CRLF
// ends a line; a lone LF ends one too and stays in it, with the weird
// smtp_bdat_line_lf_only; a CR at the end of a chunk that the next chunk
// does not continue with an LF is delivered with its line
// (smtp_bdat_line_cr_only); a line reaching SMTP::bdat_max_line_length is
// cut (smtp_bdat_line_too_long); and what is left when the last chunk
// ends is delivered as a line of its own.
//
// Zeek appends every chunk to its line buffer before scanning it; this
// reader keeps only the unfinished line (less than the maximum line length
// plus one byte) and scans each chunk where it lies, with the same lines,
// weirds and weird details.
type bdatReader struct {
	a         *Analyzer
	sink      func(line []byte, crlf bool)
	maxLine   int
	last      bool   // the current chunk is the LAST one
	remaining uint64 // bytes of the current chunk still to come
	pend      []byte // the unfinished line
	scratch   []byte
}

func newBDATReader(a *Analyzer, sink func(line []byte, crlf bool), maxLine int) *bdatReader {
	return &bdatReader{a: a, sink: sink, maxLine: maxLine}
}

// nextChunk starts a chunk of size bytes.
func (b *bdatReader) nextChunk(last bool, size uint64) {
	b.last = last
	b.remaining = size
}

func (b *bdatReader) weird(name, addl string) { b.a.h.ScriptWeird(name, addl, "SMTP_BDAT") }

// span delivers the line from virtual offset from to upTo, where the
// pending bytes come first and data follows them.
func (b *bdatReader) span(from int, data []byte, upTo int, crlf bool) {
	p := len(b.pend)
	switch {
	case upTo <= p:
		b.sink(b.pend[from:upTo], crlf)
	case from >= p:
		b.sink(data[from-p:upTo-p], crlf)
	default:
		b.scratch = append(append(b.scratch[:0], b.pend[from:]...), data[:upTo-p]...)
		b.sink(b.scratch, crlf)
	}
}

// next takes the next bytes of the current chunk (data is borrowed).
func (b *bdatReader) next(data []byte) {
	if uint64(len(data)) > b.remaining {
		b.weird("smtp_bdat_chunk_overflow", "")
		data = data[:b.remaining]
	}
	if n := len(b.pend); n > 0 && b.pend[n-1] == '\r' && (len(data) == 0 || data[0] != '\n') {
		b.weird("smtp_bdat_line_cr_only", "")
		b.sink(b.pend, false)
		b.pend = b.pend[:0]
	}
	p := len(b.pend)
	size := p + len(data) // Zeek's buffer size, for the too-long weird
	start := 0
	i := 0
	if p > 0 {
		i = p - 1 // a CR left at the end of the last chunk may pair with an LF
	}
	for ; i < size; i++ {
		var c, next byte
		if i < p {
			c = b.pend[i]
		} else {
			c = data[i-p]
		}
		if c == '\r' && i+1 < size {
			if i+1 < p {
				next = b.pend[i+1]
			} else {
				next = data[i+1-p]
			}
		}
		switch {
		case c == '\r' && next == '\n':
			b.span(start, data, i, true)
			start = i + 2
			i++
		case c == '\n':
			b.weird("smtp_bdat_line_lf_only", "")
			b.span(start, data, i+1, false)
			start = i + 1
		case i-start >= b.maxLine:
			b.weird("smtp_bdat_line_too_long", strconv.Itoa(size))
			b.span(start, data, i, false)
			start = i
		}
	}
	// Keep the unfinished line.
	if start < p {
		b.pend = append(b.pend[:copy(b.pend, b.pend[start:])], data...)
	} else {
		b.pend = append(b.pend[:0], data[start-p:]...)
	}
	b.remaining -= uint64(len(data))
	if b.last && b.remaining == 0 && len(b.pend) > 0 {
		b.sink(b.pend, false)
		b.pend = b.pend[:0]
	}
}

// done ends the transfer: an unfinished line is delivered.
func (b *bdatReader) done() {
	if len(b.pend) > 0 {
		b.weird("smtp_bdat_undelivered_at_done", "")
		b.sink(b.pend, false)
		b.pend = b.pend[:0]
	}
}
