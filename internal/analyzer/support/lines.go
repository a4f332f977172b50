package support

import (
	"errors"
	"fmt"

	"github.com/heron-nsm/heron/internal/analyzer"
)

// DefaultMaxLineLength is the line length limit Zeek's ContentLine analyzer
// uses unless an analyzer asks for another one: just under 16 MiB.
const DefaultMaxLineLength = 16*1024*1024 - 100

// minLineBuffer is the size of the first line buffer. It is also the
// smallest effective limit: a smaller maximum line length still lets lines
// of up to minLineBuffer-1 bytes through, as in Zeek.
const minLineBuffer = 128

// ContentLineSource is the value of weird.log's source field for the
// weirds a LineSplitter raises on behalf of an analyzer that uses it as
// Zeek's ContentLine support analyzer (Zeek's FTP and Telnet report "NVT"
// instead).
const ContentLineSource = "CONTENTLINE"

// Names of the weirds a LineSplitter raises, as Zeek spells them.
const (
	// WeirdSingleCR: a CR not followed by LF (raised on the byte after
	// the CR). Once per connection (ConnFlags), unless weirds are
	// suppressed.
	WeirdSingleCR = "line_terminated_with_single_CR"
	// WeirdSingleLF: an LF without a CR before it while LF alone does not
	// end a line. Once per connection, unless weirds are suppressed.
	WeirdSingleLF = "line_terminated_with_single_LF"
	// WeirdNULInLine: a NUL byte in a NUL-sensitive splitter. Once per
	// connection, unless weirds are suppressed.
	WeirdNULInLine = "NUL_in_line"
	// WeirdLineTooLong: a line reached the maximum line length and was
	// cut. Raised every time.
	WeirdLineTooLong = "contentline_size_exceeded"
	// WeirdNoCRLF: the data announced by SetDeliverySize ended inside a
	// line, which was then ended as if CRLF had followed. Raised every
	// time.
	WeirdNoCRLF = "line_terminated_without_CRLF"
)

// EOLMode says which single bytes end a line. CRLF always ends a line.
type EOLMode uint8

const (
	// CRAsEOL: a CR alone ends a line; an LF right after it is dropped.
	CRAsEOL EOLMode = 1
	// LFAsEOL: an LF alone ends a line.
	LFAsEOL EOLMode = 2
	// OnlyCRLF: neither CR nor LF alone ends a line (HTTP multipart
	// bodies); a lone LF stays in the line with a WeirdSingleLF.
	OnlyCRLF EOLMode = 0
	// DefaultEOL is Zeek's default: CR, LF and CRLF all end a line.
	DefaultEOL = CRAsEOL | LFAsEOL
)

// GapPolicy says what a LineSplitter does with a content gap (Gap).
type GapPolicy uint8

const (
	// GapContinue is Zeek's behaviour: the gap does not touch the
	// splitter. A partial line stays, and the bytes after the gap are
	// appended to it; plain-delivery and delivery-size counts are not
	// reduced (an analyzer that knows better adjusts them itself, as
	// Zeek's HTTP does with SetPlainDelivery).
	GapContinue GapPolicy = iota
	// GapDiscardLine drops a partial line (and any pending CR), so the
	// bytes after the gap start a new line.
	GapDiscardLine
	// GapStopDelivery stops all further delivery, as SetSkipDeliveries
	// (Zeek's HTTP does this for a gap outside a message body).
	GapStopDelivery
)

// LineHandler receives what a LineSplitter produces. Its methods run
// inside Write, Gap or End; they may call the splitter's Set methods (the
// change applies to the very next byte), but must not call Write, Gap or
// End.
//
// Buffer ownership: line and data are borrowed; they are valid only during
// the call and must not be modified. A handler that keeps bytes copies
// them.
type LineHandler interface {
	// Line receives one line without its terminator.
	Line(line []byte, orig bool)
	// Plain receives bytes passed through unsplit in plain-delivery mode
	// (SetPlainDelivery). How they are cut into calls depends on how the
	// input arrived.
	Plain(data []byte, orig bool)
	// Weird reports one of the Weird* names. Zeek logs these with
	// ContentLineSource as the source.
	Weird(name string, orig bool)
}

// ConnFlag names one of the "say it once per connection" flags of Zeek's
// connections.
type ConnFlag uint8

const (
	// FlagNULInLine guards WeirdNULInLine.
	FlagNULInLine ConnFlag = 1 << iota
	// FlagSingularCR guards WeirdSingleCR.
	FlagSingularCR
	// FlagSingularLF guards WeirdSingleLF.
	FlagSingularLF
)

// ConnFlags is the per-connection record of which once-only weirds have
// been raised. Zeek keeps it on the connection, so both directions (and
// the Login/NVT analyzers, which use the same flags) share it: give the
// same *ConnFlags to every splitter of a connection. The zero value has no
// flag set.
type ConnFlags struct{ set ConnFlag }

// First sets f and reports whether it was not set before.
func (c *ConnFlags) First(f ConnFlag) bool {
	if c.set&f != 0 {
		return false
	}
	c.set |= f
	return true
}

// LineSplitter splits one direction of a TCP stream into lines exactly as
// Zeek's ContentLine support analyzer (src/analyzer/protocol/tcp/
// ContentLine.cc) does. Configure it once with Init or NewLineSplitter and
// the Set methods, then feed it with Write, Gap and End.
//
// Behaviour, all as in Zeek:
//
//   - CRLF ends a line; a CR or an LF alone ends one when the EOLMode
//     says so (DefaultEOL: both). A CR that ends a line is delivered at
//     once, and an LF that follows it, even in the next Write, is dropped.
//   - A CR not followed by LF raises WeirdSingleCR; in a mode without
//     LFAsEOL a lone LF stays in the line and raises WeirdSingleLF.
//   - NUL-sensitive splitters drop the first NUL and raise
//     WeirdNULInLine (later NULs are kept); see SetNULSensitive.
//   - Lines are limited: when the buffer holds the maximum line length L
//     (at least 128) and one more byte arrives, WeirdLineTooLong is
//     raised, the first L-1 bytes are delivered as a line, and the L-th
//     byte and the arriving byte are lost. The rest of the line follows as
//     a new line. So every delivered line is shorter than L.
//   - End delivers a partial line as if an LF had arrived.
//
// Zeek looks for the LF of a CRLF only within the packet at hand, so a few
// results depend on where the input was cut, and LineSplitter keeps them:
// given the same chunks it raises the same weirds. Both concern modes
// without CRAsEOL: a CR, CR, LF cut between the second CR and the LF
// raises WeirdSingleCR (uncut, it does not); and a line one byte short of
// the limit ending in CRLF cut between CR and LF raises WeirdLineTooLong
// (the line delivered is the same). SetDeliverySize depends on the cutting
// too (see there).
//
// Memory: the line buffer starts at 128 bytes, doubles as needed up to L,
// and is kept; once it has grown, nothing allocates. A LineSplitter must
// not be copied after Init.
type LineSplitter struct {
	h    LineHandler
	orig bool

	buf   []byte // line buffer; len(buf) is its current size
	off   int    // bytes of the current line in buf
	limit int    // largest size buf may grow to
	last  byte   // the last byte scanned (0 after plain delivery)

	eol          EOLMode
	nulSensitive bool
	suppress     bool
	skip         bool
	gapPolicy    GapPolicy
	partial      func() bool
	keepAlive    func() bool

	plainLen    int64 // bytes still to pass through plainly
	deliveryLen int64 // bytes until a forced end of line; -1 when unset
	remaining   int   // bytes of the current input after the last delivery

	flags *ConnFlags
	own   ConnFlags
	eof   [2]byte
}

// NewLineSplitter returns a splitter for one direction (orig: the
// originator's) that delivers to h. maxLineLength <= 0 means
// DefaultMaxLineLength.
func NewLineSplitter(h LineHandler, orig bool, maxLineLength int) *LineSplitter {
	s := new(LineSplitter)
	s.Init(h, orig, maxLineLength)
	return s
}

// Init (re)sets s to the state of a new splitter, for splitters embedded
// by value. maxLineLength <= 0 means DefaultMaxLineLength; values under
// 128 act as 128. An existing line buffer is kept if it is not larger than
// the new limit.
func (s *LineSplitter) Init(h LineHandler, orig bool, maxLineLength int) {
	if maxLineLength <= 0 {
		maxLineLength = DefaultMaxLineLength
	}
	buf := s.buf
	if len(buf) > max(maxLineLength, minLineBuffer) {
		buf = nil
	}
	*s = LineSplitter{
		h:           h,
		orig:        orig,
		buf:         buf,
		limit:       max(maxLineLength, minLineBuffer),
		eol:         DefaultEOL,
		deliveryLen: -1,
	}
}

// SetEOL sets which single bytes end a line (DefaultEOL initially).
func (s *LineSplitter) SetEOL(m EOLMode) { s.eol = m & DefaultEOL }

// EOL returns the current EOLMode.
func (s *LineSplitter) EOL() EOLMode { return s.eol }

// SetNULSensitive turns NUL checking on or off (off initially). When on,
// a NUL byte is dropped from the line and WeirdNULInLine is raised (once
// per connection); then checking turns itself off, so later NULs are
// kept. If keepAlive is not nil, it is asked first: when it returns true
// the NUL is dropped silently and checking stays on. Zeek exempts a NUL
// that is a TCP keep-alive probe on a partial connection: the endpoint's
// state is PARTIAL and it has sent at most two sequence numbers' worth.
// Zeek's FTP, SMTP, Ident and Finger analyzers turn this on.
func (s *LineSplitter) SetNULSensitive(on bool, keepAlive func() bool) {
	s.nulSensitive = on
	s.keepAlive = keepAlive
}

// SetSuppressWeirds stops (or resumes) WeirdSingleCR, WeirdSingleLF and
// WeirdNULInLine; a suppressed weird does not use up its ConnFlags flag.
// The other weirds are never suppressed. Zeek's HTTP suppresses them in
// multipart bodies.
func (s *LineSplitter) SetSuppressWeirds(on bool) { s.suppress = on }

// SetSkipPartial makes Write and End drop their input whenever partial
// returns true; nil turns this off (off initially). Zeek's SMTP and HTTP
// skip data on partial connections (no handshake seen); partial is asked
// on every Write because a connection stops being partial when it is
// re-established.
func (s *LineSplitter) SetSkipPartial(partial func() bool) { s.partial = partial }

// SkipPartial reports whether SetSkipPartial is in effect.
func (s *LineSplitter) SkipPartial() bool { return s.partial != nil }

// SetSkipDeliveries stops (true) or resumes all delivery. While stopped,
// Write and End drop their input, including the rest of the input being
// split when a handler calls this.
func (s *LineSplitter) SetSkipDeliveries(on bool) { s.skip = on }

// SkipDeliveries reports whether delivery is stopped.
func (s *LineSplitter) SkipDeliveries() bool { return s.skip }

// SetGapPolicy sets what Gap does (GapContinue, Zeek's behaviour,
// initially).
func (s *LineSplitter) SetGapPolicy(p GapPolicy) { s.gapPolicy = p }

// SetConnFlags makes s record its once-per-connection weirds in f, which
// should be shared by everything that raises them on the connection. By
// default each splitter has flags of its own.
func (s *LineSplitter) SetConnFlags(f *ConnFlags) { s.flags = f }

// errNegativeLength is returned by SetPlainDelivery and SetDeliverySize.
var errNegativeLength = errors.New("support: negative length")

// SetPlainDelivery passes the next n input bytes to Plain unsplit, then
// goes back to splitting lines; 0 ends plain delivery. Called from Line,
// it applies to the bytes right after the line's terminator (an LF after
// a line-ending CR is still dropped first). A negative n is refused with
// an error and changes nothing.
func (s *LineSplitter) SetPlainDelivery(n int64) error {
	if n < 0 {
		return fmt.Errorf("%w for plain delivery: %d", errNegativeLength, n)
	}
	s.plainLen = n
	return nil
}

// PlainDeliveryLength returns how many bytes plain delivery still covers.
func (s *LineSplitter) PlainDeliveryLength() int64 { return s.plainLen }

// SetDeliverySize announces that n more bytes belong to the current unit
// (-1 forgets it). When a Write brings the count to exactly zero and a
// partial line is left, WeirdNoCRLF is raised and the line is ended as if
// CRLF had followed. As in Zeek, the count is taken down by whole Write
// calls: a Write that crosses the announced end makes it negative, and
// nothing happens then; and bytes after the current line of a Write in
// progress are not counted. Values below -1 are refused with an error.
func (s *LineSplitter) SetDeliverySize(n int64) error {
	if n < -1 {
		return fmt.Errorf("%w for delivery size: %d", errNegativeLength, n)
	}
	s.deliveryLen = n
	return nil
}

// HasPartialLine reports whether bytes of an unfinished line are buffered.
func (s *LineSplitter) HasPartialLine() bool { return s.off > 0 }

// Remaining returns, during a Line or Plain call, how many bytes of the
// input being split follow the bytes just delivered (Zeek's
// GetDeliverStreamRemainingLength; HTTP uses it to pass the rest of a
// packet after a protocol upgrade through SetPlainDelivery).
func (s *LineSplitter) Remaining() int { return s.remaining }

// Write splits the next bytes of the stream. data is borrowed for the call.
func (s *LineSplitter) Write(data []byte) {
	if len(data) == 0 || s.skip {
		return
	}
	if s.partial != nil && s.partial() {
		return
	}
	if s.deliveryLen > 0 {
		s.deliveryLen -= int64(len(data))
	}
	s.deliver(data)
	if s.deliveryLen == 0 {
		if s.off > 0 {
			s.h.Weird(WeirdNoCRLF, s.orig)
			s.eof[0], s.eof[1] = '\r', '\n'
			s.deliver(s.eof[:2])
		}
		s.deliveryLen = -1
	}
}

// Gap reports that n bytes of the stream will never arrive; what happens
// depends on the GapPolicy. Analyzers call it from their Undelivered.
func (s *LineSplitter) Gap(n int) {
	if n <= 0 {
		return
	}
	switch s.gapPolicy {
	case GapDiscardLine:
		s.off = 0
		s.last = 0
	case GapStopDelivery:
		s.skip = true
	}
}

// End reports the end of the stream: a partial line is delivered as if an
// LF had arrived (in a mode without LFAsEOL that LF just joins the line
// with WeirdSingleLF, and nothing is delivered, as in Zeek).
func (s *LineSplitter) End() {
	if s.off > 0 {
		s.eof[0] = '\n'
		s.Write(s.eof[:1])
	}
}

// DiscardLine drops a partial line and any pending CR.
func (s *LineSplitter) DiscardLine() {
	s.off = 0
	s.last = 0
}

// deliver is Zeek's DoDeliver: it alternates between plain delivery and
// line splitting until data is used up, re-reading the settings after every
// callback.
func (s *LineSplitter) deliver(data []byte) {
	for len(data) > 0 && !s.skip {
		if s.eol&CRAsEOL != 0 && s.last == '\r' && data[0] == '\n' {
			// The CR before this LF already ended a line.
			s.last = '\n'
			data = data[1:]
		}
		if s.plainLen > 0 && len(data) > 0 {
			n := len(data)
			if int64(n) > s.plainLen {
				n = int(s.plainLen)
			}
			s.last = 0
			s.plainLen -= int64(n)
			s.remaining = len(data) - n
			s.h.Plain(data[:n], s.orig)
			data = data[n:]
			if len(data) == 0 {
				return
			}
		}
		if len(data) == 0 {
			return
		}
		data = data[s.split(data):]
	}
}

// split is Zeek's DoDeliverOnce: it scans data until a line is delivered
// and returns how many bytes it consumed.
func (s *LineSplitter) split(data []byte) int {
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c != '\r' && c != '\n' && c != 0 && s.last != '\r' {
			// A run of ordinary bytes: copy it in bulk. Byte by byte
			// it would take the default case below and change nothing
			// but the buffer and last.
			j := i + 1
			for j < len(data) && data[j] != '\r' && data[j] != '\n' && data[j] != 0 {
				j++
			}
			for i < j {
				if s.off >= len(s.buf) && !s.grow() {
					s.h.Weird(WeirdLineTooLong, s.orig)
					s.off = len(s.buf) - 1
					return s.emit(data, i, data[i])
				}
				n := copy(s.buf[s.off:], data[i:j])
				s.off += n
				i += n
			}
			s.last = data[j-1]
			i = j - 1
			continue
		}
		if s.off >= len(s.buf) && !s.grow() {
			s.h.Weird(WeirdLineTooLong, s.orig)
			s.off = len(s.buf) - 1
			return s.emit(data, i, c)
		}
		switch c {
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				return s.emit(data, i+1, '\n')
			}
			if s.eol&CRAsEOL != 0 {
				return s.emit(data, i, c)
			}
			s.buf[s.off] = c
			s.off++
		case '\n':
			if s.last == '\r' {
				if s.off == 0 {
					// The CR went with a line delivered before (cut at
					// the length limit, or in another EOL mode).
					s.last = c
					continue
				}
				s.off-- // the CR
				return s.emit(data, i, c)
			}
			if s.eol&LFAsEOL != 0 {
				return s.emit(data, i, c)
			}
			if !s.suppress && s.flagFirst(FlagSingularLF) {
				s.h.Weird(WeirdSingleLF, s.orig)
			}
			s.buf[s.off] = c
			s.off++
		case 0:
			if s.nulSensitive {
				s.checkNUL()
			} else {
				s.buf[s.off] = c
				s.off++
			}
		default:
			s.buf[s.off] = c
			s.off++
		}
		if s.last == '\r' && !s.suppress && s.flagFirst(FlagSingularCR) {
			s.h.Weird(WeirdSingleCR, s.orig)
		}
		s.last = c
	}
	return len(data)
}

// emit delivers the buffered line after data[i] (its last byte, c) and
// returns the number of bytes of data consumed.
func (s *LineSplitter) emit(data []byte, i int, c byte) int {
	s.last = c
	s.remaining = len(data) - i - 1
	line := s.buf[:s.off]
	s.off = 0
	s.h.Line(line, s.orig)
	return i + 1
}

// grow doubles the line buffer up to the limit; it reports false when the
// buffer is already at the limit.
func (s *LineSplitter) grow() bool {
	if len(s.buf) >= s.limit {
		return false
	}
	n := min(max(2*len(s.buf), minLineBuffer), s.limit)
	b := make([]byte, n)
	copy(b, s.buf[:s.off])
	s.buf = b
	return true
}

// checkNUL handles a NUL in NUL-sensitive mode; the NUL itself is dropped.
func (s *LineSplitter) checkNUL() {
	if s.keepAlive != nil && s.keepAlive() {
		return
	}
	if !s.suppress && s.flagFirst(FlagNULInLine) {
		s.h.Weird(WeirdNULInLine, s.orig)
	}
	s.nulSensitive = false
}

func (s *LineSplitter) flagFirst(f ConnFlag) bool {
	if s.flags != nil {
		return s.flags.First(f)
	}
	return s.own.First(f)
}

// LinePair is the usual way to use line splitting: one LineSplitter per
// direction sharing one ConnFlags, with the StreamSink methods an
// analyzer forwards its stream calls to. A LinePair must not be copied
// after Init.
type LinePair struct {
	// Orig splits the originator's stream, Resp the responder's. Configure
	// them after Init.
	Orig, Resp LineSplitter
	flags      ConnFlags
}

// Init sets both splitters up to deliver to h with the given maximum line
// length (<= 0: DefaultMaxLineLength) and shared once-only weird flags.
func (p *LinePair) Init(h LineHandler, maxLineLength int) {
	p.Orig.Init(h, true, maxLineLength)
	p.Resp.Init(h, false, maxLineLength)
	p.flags = ConnFlags{}
	p.Orig.SetConnFlags(&p.flags)
	p.Resp.SetConnFlags(&p.flags)
}

// Flags returns the shared once-only weird flags, for other parts of the
// analyzer that raise the same weirds.
func (p *LinePair) Flags() *ConnFlags { return &p.flags }

// Dir returns the splitter of one direction.
func (p *LinePair) Dir(orig bool) *LineSplitter {
	if orig {
		return &p.Orig
	}
	return &p.Resp
}

// DeliverStream writes data (borrowed) to the direction's splitter.
func (p *LinePair) DeliverStream(data []byte, orig bool) { p.Dir(orig).Write(data) }

// Undelivered passes a content gap to the direction's splitter.
func (p *LinePair) Undelivered(_ uint64, n int, orig bool) { p.Dir(orig).Gap(n) }

// EndOfData ends the direction's stream.
func (p *LinePair) EndOfData(orig bool) { p.Dir(orig).End() }

var _ analyzer.StreamSink = (*LinePair)(nil)
