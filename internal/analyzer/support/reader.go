package support

import (
	"bytes"
	"errors"
)

// DefaultReaderLimit is the Reader limit used when none is given.
const DefaultReaderLimit = 1 << 16

// Errors returned by Reader methods; compare with errors.Is (Reader
// returns them unwrapped).
var (
	// ErrNeedMore: the bytes asked for have not all arrived yet. Keep
	// the parser's state, Save, and ask again after the next Feed.
	ErrNeedMore = errors.New("support: need more input")
	// ErrLimit: the request can never be met within the Reader's limit
	// (Next or Peek of more bytes than the limit, a delimiter not found
	// within the maximum) or Save had more unread bytes than the limit.
	ErrLimit = errors.New("support: reader limit exceeded")
)

// Reader lets an analyzer be written as a sequence of resumable steps.
// It reads from the bytes it kept from earlier writes followed by the
// chunk being delivered now, and hands out exactly the bytes a step asks
// for, contiguous, or ErrNeedMore. Bytes come straight from the chunk
// when they lie within it; only a request that straddles the kept bytes
// and the chunk is copied into the Reader's buffer. The buffer never
// grows past the limit, and once it has grown nothing allocates.
//
// The pattern, in an analyzer's DeliverStream:
//
//	r.Feed(data)
//	for {
//		hdr, err := r.Next(4)
//		if err != nil {
//			break // ErrNeedMore: wait; ErrLimit: a violation
//		}
//		... parse hdr, maybe r.Next(bodyLen) ...
//	}
//	if err := r.Save(); err != nil { ... }
//
// A step that fails with ErrNeedMore after consuming part of its input
// must remember where it got to (the usual state machine), since consumed
// bytes are gone. Peek does not consume.
//
// Buffer ownership: Feed's data is borrowed until Save, which copies the
// unread rest and must be called before DeliverStream returns. Every slice
// the Reader returns is valid only until the next call on the Reader.
type Reader struct {
	buf   []byte // kept bytes; buf[pos:] are unread
	pos   int
	data  []byte // the current chunk; data[dpos:] are unread
	dpos  int
	limit int

	// scanned leading unread bytes are known not to hold scanDelim.
	scanned   int
	scanDelim byte
}

// NewReader returns a Reader that buffers at most limit bytes (<= 0:
// DefaultReaderLimit).
func NewReader(limit int) *Reader {
	r := new(Reader)
	r.Init(limit)
	return r
}

// Init (re)sets r with a limit (<= 0: DefaultReaderLimit), keeping its
// buffer when it fits the limit.
func (r *Reader) Init(limit int) {
	if limit <= 0 {
		limit = DefaultReaderLimit
	}
	buf := r.buf[:0]
	if cap(buf) > limit {
		buf = nil
	}
	*r = Reader{buf: buf, limit: limit}
}

// Limit returns the most bytes a request (or Save) may involve.
func (r *Reader) Limit() int { return r.limit }

// Feed makes data (borrowed until Save) the current chunk. Unread bytes of
// a previous chunk that was not saved are dropped.
func (r *Reader) Feed(data []byte) {
	r.data = data
	r.dpos = 0
}

// Save copies the unread rest of the current chunk into the Reader's
// buffer and lets go of the chunk. If the unread bytes would exceed the
// limit, they are all dropped and ErrLimit is returned: a parser that
// stops asking (rather than running into ErrNeedMore) must consume or
// Discard what it does not want.
func (r *Reader) Save() error {
	rest := r.data[r.dpos:]
	r.data, r.dpos = nil, 0
	if len(rest) == 0 {
		if r.pos == len(r.buf) {
			r.buf, r.pos = r.buf[:0], 0
		}
		return nil
	}
	if r.buffered()+len(rest) > r.limit {
		r.Reset()
		return ErrLimit
	}
	r.appendFromData(rest)
	return nil
}

// Reset drops all unread bytes and the current chunk, keeping the buffer.
func (r *Reader) Reset() {
	r.buf, r.pos = r.buf[:0], 0
	r.data, r.dpos = nil, 0
	r.scanned = 0
}

// Len returns the number of unread bytes available now.
func (r *Reader) Len() int { return r.buffered() + len(r.data) - r.dpos }

// Buffered returns the number of unread bytes held in the Reader's own
// buffer (kept from earlier chunks).
func (r *Reader) Buffered() int { return r.buffered() }

func (r *Reader) buffered() int { return len(r.buf) - r.pos }

// Peek returns the next n unread bytes without consuming them, ErrNeedMore
// if fewer are available, or ErrLimit if n exceeds the limit.
func (r *Reader) Peek(n int) ([]byte, error) {
	switch {
	case n < 0 || n > r.limit:
		return nil, ErrLimit
	case n > r.Len():
		return nil, ErrNeedMore
	}
	nb := r.buffered()
	if nb == 0 {
		return r.data[r.dpos : r.dpos+n], nil
	}
	if nb < n {
		// Straddles the kept bytes and the chunk: move the missing part
		// over (this changes where bytes live, not what is unread).
		k := n - nb
		r.appendFromData(r.data[r.dpos : r.dpos+k])
		r.dpos += k
	}
	return r.buf[r.pos : r.pos+n], nil
}

// Next returns and consumes the next n unread bytes, or returns
// ErrNeedMore (nothing consumed) or ErrLimit as Peek does.
func (r *Reader) Next(n int) ([]byte, error) {
	b, err := r.Peek(n)
	if err != nil {
		return nil, err
	}
	r.consume(n)
	return b, nil
}

// Until returns and consumes the unread bytes up to and including the
// first delim. If delim is not among the first maxLen bytes (maxLen <= 0
// or above the limit: the limit), it returns ErrLimit once maxLen bytes
// are available without it, and ErrNeedMore before that. Repeated calls do not
// rescan bytes already searched.
func (r *Reader) Until(delim byte, maxLen int) ([]byte, error) {
	if maxLen <= 0 || maxLen > r.limit {
		maxLen = r.limit
	}
	if r.scanDelim != delim {
		r.scanned, r.scanDelim = 0, delim
	}
	nb := r.buffered()
	n := -1 // length of the result, delimiter included
	if r.scanned < nb {
		if i := bytes.IndexByte(r.buf[r.pos+r.scanned:], delim); i >= 0 {
			n = r.scanned + i + 1
		}
	}
	if n < 0 {
		from := max(r.scanned, nb) - nb
		if i := bytes.IndexByte(r.data[r.dpos+from:], delim); i >= 0 {
			n = nb + from + i + 1
		}
	}
	if n < 0 {
		r.scanned = r.Len()
		if r.scanned >= maxLen {
			return nil, ErrLimit
		}
		return nil, ErrNeedMore
	}
	if n > maxLen {
		r.scanned = n - 1
		return nil, ErrLimit
	}
	return r.Next(n)
}

// Take returns and consumes up to maxLen unread bytes (maxLen <= 0: all) that
// are contiguous already, without copying: the kept bytes first, then the
// chunk's. It returns nil when nothing is unread. Use it to stream a body
// through.
func (r *Reader) Take(maxLen int) []byte {
	var b []byte
	if nb := r.buffered(); nb > 0 {
		b = r.buf[r.pos:]
	} else {
		b = r.data[r.dpos:]
	}
	if maxLen > 0 && len(b) > maxLen {
		b = b[:maxLen]
	}
	if len(b) == 0 {
		return nil
	}
	r.consume(len(b))
	return b
}

// Discard consumes up to n unread bytes and returns how many it consumed.
func (r *Reader) Discard(n int) int {
	if n <= 0 {
		return 0
	}
	n = min(n, r.Len())
	r.consume(n)
	return n
}

// consume marks n available bytes as read.
func (r *Reader) consume(n int) {
	r.scanned = max(r.scanned-n, 0)
	nb := r.buffered()
	if n <= nb {
		r.pos += n
		return
	}
	r.pos = len(r.buf)
	r.dpos += n - nb
}

// appendFromData appends b (from the current chunk) to the unread kept
// bytes, compacting and growing the buffer as needed (never past the
// limit: callers check).
func (r *Reader) appendFromData(b []byte) {
	nb := r.buffered()
	need := nb + len(b)
	if need > cap(r.buf) {
		nc := max(min(max(2*cap(r.buf), 64), r.limit), need)
		nbuf := make([]byte, nb, nc)
		copy(nbuf, r.buf[r.pos:])
		r.buf, r.pos = nbuf, 0
	} else if r.pos > 0 {
		copy(r.buf, r.buf[r.pos:])
		r.buf, r.pos = r.buf[:nb], 0
	}
	r.buf = append(r.buf, b...)
}
