package sip

import "github.com/heron-nsm/heron/internal/analyzer/binpac"

// flowBuffer behaves as binpac's FlowBuffer (binpac_buffer.cc) in the
// modes Zeek's SIP grammar uses: lines ended by CR, LF or CR LF, and
// frames of a given length. Zeek's SIP flow is a binpac flowunit, so
// this state lives across datagrams: a message that one datagram leaves
// unfinished continues with the next datagram of the same kind (request
// or reply), and the next message starts where the previous one ended.
//
// The buffer holds the current line or frame when it does not lie within
// one delivery; otherwise the current delivery is read in place. Its
// growth is tracked as binpac's is, so that a line or body too long for
// binpac's buffer fails as it does (past maxCapacity).
type flowBuffer struct {
	mode        uint8
	lineState   uint8
	buf         []byte
	orig        []byte // the unread part of the current delivery
	haveOrig    bool   // a delivery is being read (orig may be empty)
	frameLength int
	complete    bool // the line or frame is complete
	pending     bool // a line or frame was asked for
	capa        int  // the capacity binpac's buffer would have
}

// Buffer modes.
const (
	modeUnknown uint8 = iota
	modeLine
	modeFrame
)

// Line states: after a CR a following LF is skipped; a frame that follows
// a line is in its own state.
const (
	lineAfterNothing uint8 = iota
	lineAfterCR
	lineFrame
)

// Capacity rules of binpac's flow buffer.
const (
	minCapacity       = 512
	maxCapacity       = 10 * 1024 * 1024
	contractThreshold = 2 * 1024 * 1024
)

// ready reports whether the requested line or frame is complete.
func (f *flowBuffer) ready() bool { return f.complete || f.mode == modeUnknown }

// dataAvailable reports whether bytes are buffered or unread.
func (f *flowBuffer) dataAvailable() bool { return len(f.buf) > 0 || len(f.orig) > 0 }

// data returns the complete line (without its terminator) or frame. It
// is borrowed: valid until the buffer's next call.
func (f *flowBuffer) data() []byte {
	if len(f.buf) > 0 {
		return f.buf
	}
	return f.orig[:f.frameLength]
}

// newData starts reading a delivery.
func (f *flowBuffer) newData(d []byte) error {
	f.orig, f.haveOrig = d, true
	if !f.complete {
		switch f.mode {
		case modeLine:
			return f.markOrCopyLine()
		case modeFrame:
			return f.markOrCopyFrame()
		}
	}
	return nil
}

// endData ends the delivery: nothing of it may be kept.
func (f *flowBuffer) endData() { f.orig, f.haveOrig = nil, false }

// newMessage moves past the message just read.
func (f *flowBuffer) newMessage() {
	if len(f.buf) == 0 {
		advance := 0
		switch f.mode {
		case modeLine:
			advance = f.frameLength + 1
		case modeFrame:
			advance = f.frameLength
		}
		f.orig = f.orig[min(advance, len(f.orig)):]
	}
	f.buf = f.buf[:0]
	f.complete = false
	f.contract()
}

func (f *flowBuffer) contract() {
	if f.capa >= contractThreshold {
		f.capa = minCapacity
		f.buf = nil
	}
}

// newLine asks for the next line.
func (f *flowBuffer) newLine() error {
	f.newMessage()
	f.mode = modeLine
	f.frameLength = 0
	f.pending = true
	if f.lineState == lineFrame {
		f.lineState = lineAfterNothing
	}
	return f.markOrCopyLine()
}

// newFrame asks for a frame of n bytes.
func (f *flowBuffer) newFrame(n int) error {
	f.newMessage()
	f.mode = modeFrame
	f.frameLength = n
	f.pending = true
	return f.markOrCopyFrame()
}

// growFrame makes the requested frame n bytes long (it never shrinks).
func (f *flowBuffer) growFrame(n int) error {
	if n <= f.frameLength {
		return nil
	}
	f.mode = modeFrame
	f.frameLength = n
	return f.markOrCopyFrame()
}

// discard drops everything after a parse failure.
func (f *flowBuffer) discard() {
	f.mode = modeUnknown
	f.complete = false
	f.pending = false
	f.orig, f.haveOrig = nil, false
	f.buf = f.buf[:0]
	f.frameLength = 0
	f.contract()
}

// appendBuf copies n unread bytes into the buffer.
func (f *flowBuffer) appendBuf(n int) error {
	if n <= 0 {
		return nil
	}
	if need := len(f.buf) + n; need > f.capa {
		l := max(need, minCapacity, 2*f.capa)
		if l > maxCapacity {
			return binpac.ExpandPastMax(l, maxCapacity)
		}
		f.capa = l
	}
	f.buf = append(f.buf, f.orig[:n]...)
	f.orig = f.orig[n:]
	return nil
}

// markOrCopyLine looks for the end of the current line.
func (f *flowBuffer) markOrCopyLine() error {
	if !f.haveOrig {
		return nil
	}
	if f.lineState == lineAfterCR && len(f.orig) > 0 && f.orig[0] == '\n' {
		f.lineState = lineAfterNothing
		f.orig = f.orig[1:]
	}
	for i, c := range f.orig {
		if c != '\r' && c != '\n' {
			continue
		}
		if c == '\r' {
			f.lineState = lineAfterCR
		}
		if len(f.buf) == 0 {
			f.frameLength = i
		} else {
			if err := f.appendBuf(i + 1); err != nil {
				return err
			}
			f.buf = f.buf[:len(f.buf)-1]
		}
		f.complete = true
		return nil
	}
	return f.appendBuf(len(f.orig))
}

// markOrCopyFrame checks whether the requested frame is complete.
func (f *flowBuffer) markOrCopyFrame() error {
	if f.mode == modeFrame && f.lineState == lineAfterCR && len(f.orig) > 0 {
		if f.orig[0] == '\n' {
			f.orig = f.orig[1:]
		}
		f.lineState = lineFrame
	}
	if len(f.buf) == 0 {
		if f.frameLength >= 0 && len(f.orig) >= f.frameLength {
			f.complete = true
			return nil
		}
		f.complete = false
		return f.appendBuf(len(f.orig))
	}
	n := len(f.orig)
	f.complete = false
	if f.frameLength >= 0 && len(f.buf)+n >= f.frameLength {
		n = f.frameLength - len(f.buf)
		f.complete = true
	}
	return f.appendBuf(n)
}
