package support

import (
	"errors"
	"fmt"
)

// DefaultMaxBody is the body size a Framer buffers when FramerConfig
// gives no MaxBody: enough for any DNS-over-TCP message (2-byte length)
// and any TLS record.
const DefaultMaxBody = 1 << 16

// MaxHeaderLen bounds FramerConfig.HeaderLen.
const MaxHeaderLen = 64

// Errors a Framer reports through FrameSink.FrameError. They are wrapped;
// test with errors.Is.
var (
	// ErrFramingLost: a gap hit a header, or went past the end of the
	// message it began in, so where the next message starts is unknown.
	ErrFramingLost = errors.New("support: framing lost after a content gap")
	// ErrBadLength: the length function rejected a header (its error is
	// wrapped too) or returned a negative length.
	ErrBadLength = errors.New("support: bad message length")
	// ErrTooLarge: a body is longer than MaxBody under OversizeError.
	ErrTooLarge = errors.New("support: message too large")
)

// OversizePolicy says what a Framer does with a body longer than MaxBody.
type OversizePolicy uint8

const (
	// OversizeStream delivers the body in pieces as it arrives
	// (FramePiece), without buffering it.
	OversizeStream OversizePolicy = iota
	// OversizeSkip skips the body and reports it once, when it has been
	// skipped, as a FrameSkipped.
	OversizeSkip
	// OversizeError reports ErrTooLarge and stops.
	OversizeError
)

// FrameGapPolicy says what a Framer does with a content gap.
type FrameGapPolicy uint8

const (
	// FrameGapResync skips a gap that lies inside one message's body: the
	// message is reported damaged and framing goes on at the next header,
	// whose position is known. A gap in a header, or one that runs past
	// the end of the current body, loses framing (ErrFramingLost).
	FrameGapResync FrameGapPolicy = iota
	// FrameGapStop loses framing at any gap.
	FrameGapStop
)

// FramerConfig describes a length-prefixed message format.
type FramerConfig struct {
	// HeaderLen is the fixed size of a header, 1 to MaxHeaderLen bytes.
	HeaderLen int
	// BodyLen returns how many body bytes follow a complete header (hdr
	// is borrowed). An error, or a negative length, loses framing with
	// ErrBadLength. Example, DNS over TCP: 2-byte big-endian length.
	BodyLen func(hdr []byte) (int, error)
	// MaxBody is the largest body that is buffered and delivered whole;
	// <= 0 means DefaultMaxBody. The body buffer grows to the largest
	// body seen, never past MaxBody.
	MaxBody int
	// Oversize says what happens to bodies longer than MaxBody.
	Oversize OversizePolicy
	// Stream delivers every body in pieces as it arrives (FramePiece),
	// never buffering: for analyzers that parse bodies incrementally.
	Stream bool
	// Gaps says what a content gap does.
	Gaps FrameGapPolicy
}

// FrameKind says what a Frame holds.
type FrameKind uint8

const (
	// FrameWhole: Body is the complete body.
	FrameWhole FrameKind = iota
	// FramePiece: Body is the part of a streamed body that starts at
	// Offset. Final marks the last piece.
	FramePiece
	// FrameGap: in a streamed body, Missing bytes at Offset were lost to
	// a gap (Body is nil).
	FrameGap
	// FrameDamaged: a buffered body was hit by gaps; reported once when
	// the message ends, with Missing the bytes lost and Body nil.
	FrameDamaged
	// FrameSkipped: an oversized body was skipped (OversizeSkip);
	// reported once it has been, with Missing = Length.
	FrameSkipped
	// FrameTruncated: the stream ended (End) inside the body. A buffered
	// body's received bytes are in Body (nil if gaps damaged it); for
	// streamed ones Body is nil and Offset says how far the body got.
	FrameTruncated
)

var frameKindNames = [...]string{"whole", "piece", "gap", "damaged", "skipped", "truncated"}

// String returns a short lowercase name of k.
func (k FrameKind) String() string {
	if int(k) < len(frameKindNames) {
		return frameKindNames[k]
	}
	return fmt.Sprintf("FrameKind(%d)", uint8(k))
}

// Frame is one delivery of a Framer. It is borrowed: the Frame and its
// slices are valid only during the FrameSink call.
type Frame struct {
	Kind FrameKind
	// Header is the message's complete header.
	Header []byte
	// Body holds the bytes this delivery carries (see FrameKind).
	Body []byte
	// Offset is where Body (or the missing bytes) starts in the body.
	Offset int
	// Length is the body length the header declared.
	Length int
	// Missing is the number of body bytes this delivery accounts for
	// without having them: lost to gaps (FrameGap, FrameDamaged,
	// FrameTruncated) or skipped (FrameSkipped, FrameTruncated of a
	// skipped body).
	Missing int
	// Final is true on the last delivery of a message: always for
	// FrameWhole, FrameDamaged, FrameSkipped and FrameTruncated.
	Final bool
}

// FrameSink receives a Framer's output. Its methods run inside Write, Gap
// and End and must not call them.
type FrameSink interface {
	// Frame receives one message, or one part of one (see FrameKind).
	// f and its slices are borrowed for the call.
	Frame(f *Frame)
	// FrameError reports that framing was lost; the Framer then drops
	// all input until Reset.
	FrameError(err error)
}

type framerState uint8

const (
	stHeader  framerState = iota
	stBody                // buffering a body
	stStream              // streaming a body in pieces
	stSkip                // skipping an oversized body
	stStopped             // framing lost
)

// Framer cuts one direction of a stream into length-prefixed messages:
// a HeaderLen-byte header, then the body whose length BodyLen reads from
// it, across any chunk boundaries. Bodies up to MaxBody are delivered
// whole (straight from the input when they arrive in one piece, from its
// buffer otherwise); longer ones follow the OversizePolicy. A zero-length
// body is delivered as an empty FrameWhole. Nothing allocates once the
// buffer has grown to the largest body seen. Zeek's own length-prefixed
// support analyzers (DNS's Contents_DNS, for one) ignore gaps and lose
// framing silently; an analyzer that must reproduce that simply does not
// call Gap.
type Framer struct {
	cfg   FramerConfig
	sink  FrameSink
	state framerState

	hdr  [MaxHeaderLen]byte
	hdrN int

	body    []byte // buffer for bodies that straddle writes
	length  int    // declared body length
	got     int    // body bytes consumed so far (gaps included)
	missing int    // body bytes lost to gaps

	frame Frame
}

// NewFramer returns a Framer for cfg that delivers to sink, or an error if
// cfg is unusable.
func NewFramer(cfg FramerConfig, sink FrameSink) (*Framer, error) {
	f := new(Framer)
	if err := f.Init(cfg, sink); err != nil {
		return nil, err
	}
	return f, nil
}

// Init (re)sets f for cfg and sink, for Framers embedded by value, keeping
// its buffer. It returns an error (and leaves f stopped) if cfg is
// unusable.
func (f *Framer) Init(cfg FramerConfig, sink FrameSink) error {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	body := f.body
	if cap(body) > cfg.MaxBody {
		body = nil
	}
	*f = Framer{cfg: cfg, sink: sink, body: body[:0]}
	switch {
	case cfg.HeaderLen < 1 || cfg.HeaderLen > MaxHeaderLen:
		f.state = stStopped
		return fmt.Errorf("support: framer header length %d not in 1..%d", cfg.HeaderLen, MaxHeaderLen)
	case cfg.BodyLen == nil:
		f.state = stStopped
		return errors.New("support: framer needs a BodyLen function")
	case sink == nil:
		f.state = stStopped
		return errors.New("support: framer needs a sink")
	}
	return nil
}

// Reset forgets the message in progress and any lost framing: the next
// byte written starts a header. The buffer is kept.
func (f *Framer) Reset() {
	if f.sink == nil || f.cfg.BodyLen == nil || f.cfg.HeaderLen < 1 {
		return
	}
	f.state = stHeader
	f.hdrN = 0
	f.body = f.body[:0]
	f.length, f.got, f.missing = 0, 0, 0
}

// Stopped reports whether framing was lost (or the Framer never had a
// usable configuration); Write then drops its input until Reset.
func (f *Framer) Stopped() bool { return f.state == stStopped }

// InMessage reports whether a header has been started and its message not
// finished.
func (f *Framer) InMessage() bool {
	return f.state != stStopped && (f.state != stHeader || f.hdrN > 0)
}

// Write takes the next bytes of the stream; data is borrowed for the call.
func (f *Framer) Write(data []byte) {
	for len(data) > 0 {
		switch f.state {
		case stStopped:
			return
		case stHeader:
			n := copy(f.hdr[f.hdrN:f.cfg.HeaderLen], data)
			f.hdrN += n
			data = data[n:]
			if f.hdrN == f.cfg.HeaderLen {
				f.startBody()
			}
		case stBody:
			need := f.length - f.got
			if len(f.body) == 0 && f.missing == 0 && len(data) >= need {
				// The whole body is in this write: no copy.
				f.got = f.length
				f.finishBody(data[:need])
				data = data[need:]
				continue
			}
			n := min(need, len(data))
			if f.missing == 0 {
				f.reserve()
				f.body = append(f.body, data[:n]...)
			}
			f.got += n
			data = data[n:]
			if f.got == f.length {
				f.finishBody(f.body)
			}
		case stStream:
			n := min(f.length-f.got, len(data))
			off := f.got
			f.got += n
			f.deliver(FramePiece, data[:n], off, 0, f.got == f.length)
			data = data[n:]
			if f.got == f.length {
				f.nextHeader()
			}
		case stSkip:
			n := min(f.length-f.got, len(data))
			f.got += n
			data = data[n:]
			if f.got == f.length {
				f.deliver(FrameSkipped, nil, 0, f.length, true)
				f.nextHeader()
			}
		}
	}
}

// Gap reports that n bytes of the stream will never arrive; see
// FrameGapPolicy.
func (f *Framer) Gap(n int) {
	if n <= 0 || f.state == stStopped {
		return
	}
	if f.cfg.Gaps == FrameGapStop || f.state == stHeader || n > f.length-f.got {
		f.lose(ErrFramingLost)
		return
	}
	off := f.got
	f.got += n
	done := f.got == f.length
	switch f.state {
	case stBody:
		f.missing += n
		f.body = f.body[:0]
		if done {
			f.deliver(FrameDamaged, nil, 0, f.missing, true)
			f.nextHeader()
		}
	case stStream:
		f.missing += n
		f.deliver(FrameGap, nil, off, n, done)
		if done {
			f.nextHeader()
		}
	case stSkip:
		if done {
			f.deliver(FrameSkipped, nil, 0, f.length, true)
			f.nextHeader()
		}
	}
}

// End reports the end of the stream. A message whose header is complete
// but whose body is not is delivered as FrameTruncated; a partial header
// is dropped. The Framer is then ready for a new header.
func (f *Framer) End() {
	switch f.state {
	case stBody:
		var body []byte
		if f.missing == 0 {
			body = f.body
		}
		f.deliver(FrameTruncated, body, 0, f.missing, true)
	case stStream:
		f.deliver(FrameTruncated, nil, f.got, f.missing, true)
	case stSkip:
		f.deliver(FrameTruncated, nil, f.got, f.got, true)
	case stStopped:
		return
	}
	f.nextHeader()
}

// startBody reads the length from the complete header and picks the body
// state.
func (f *Framer) startBody() {
	n, err := f.cfg.BodyLen(f.hdr[:f.cfg.HeaderLen])
	switch {
	case err != nil:
		f.lose(fmt.Errorf("%w: %w", ErrBadLength, err))
		return
	case n < 0:
		f.lose(fmt.Errorf("%w: %d", ErrBadLength, n))
		return
	}
	f.length, f.got, f.missing = n, 0, 0
	f.body = f.body[:0]
	switch {
	case f.cfg.Stream:
		f.state = stStream
	case n <= f.cfg.MaxBody:
		f.state = stBody
	case f.cfg.Oversize == OversizeStream:
		f.state = stStream
	case f.cfg.Oversize == OversizeSkip:
		f.state = stSkip
	default:
		f.lose(fmt.Errorf("%w: body of %d bytes, limit %d", ErrTooLarge, n, f.cfg.MaxBody))
		return
	}
	if n == 0 {
		if f.state == stStream {
			f.deliver(FramePiece, nil, 0, 0, true)
		} else {
			f.deliver(FrameWhole, nil, 0, 0, true)
		}
		f.nextHeader()
	}
}

// finishBody delivers a complete buffered body (or reports it damaged).
func (f *Framer) finishBody(body []byte) {
	if f.missing > 0 {
		f.deliver(FrameDamaged, nil, 0, f.missing, true)
	} else {
		f.deliver(FrameWhole, body, 0, 0, true)
	}
	f.nextHeader()
}

// reserve makes room in the body buffer for the whole current body, growing
// it at least twofold (and never past MaxBody) so that it settles quickly.
func (f *Framer) reserve() {
	if cap(f.body) >= f.length {
		return
	}
	b := make([]byte, len(f.body), min(max(f.length, 2*cap(f.body)), f.cfg.MaxBody))
	copy(b, f.body)
	f.body = b
}

func (f *Framer) nextHeader() {
	if f.state == stStopped {
		return
	}
	f.state = stHeader
	f.hdrN = 0
	f.body = f.body[:0]
}

func (f *Framer) lose(err error) {
	f.state = stStopped
	f.hdrN = 0
	f.body = f.body[:0]
	f.sink.FrameError(err)
}

func (f *Framer) deliver(k FrameKind, body []byte, off, missing int, final bool) {
	f.frame = Frame{
		Kind:    k,
		Header:  f.hdr[:f.cfg.HeaderLen],
		Body:    body,
		Offset:  off,
		Length:  f.length,
		Missing: missing,
		Final:   final,
	}
	f.sink.Frame(&f.frame)
}
