package sip

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// This file parses SIP messages the way Zeek's grammar
// (src/analyzer/protocol/sip/sip-protocol.pac) does through binpac: a
// request or status line, header lines up to an empty line, then a body
// of the length the last Content-Length header of the flow gave (the
// length is never reset, so a message without the header gets the
// previous message's). The parse is resumable at any point, as binpac's
// incremental parsing is, with the same states.

// events receives what the messages say, in Zeek's event order. Slices
// are borrowed for the call.
type events interface {
	// confirm is AnalyzerConfirmation (on a status line).
	confirm()
	// weird is the analyzer's Weird.
	weird(name, addl string)
	// request is sip_request.
	request(method, uri, version []byte)
	// reply is sip_reply.
	reply(version []byte, code int, reason []byte)
	// header is sip_header (the name upper-cased).
	header(isOrig bool, name, value []byte)
	// endEntity is sip_end_entity.
	endEntity(isOrig bool)
}

// flow is one direction of the grammar's SIP_Flow: requests (isOrig) or
// replies.
type flow struct {
	ev     events
	isOrig bool
	fb     flowBuffer

	// contentLength is the flow's content length, a C int.
	contentLength int

	// The message in progress, as binpac's parsing states.
	active       bool
	pduState     uint8 // 0: start, 1: first line requested, 2: message
	msgState     uint8 // 0: start, 1: headers, 2: body
	hdrBuffering bool  // a header line was requested
	bodyState    uint8 // 0: start, 1: reading
	bodyBuffer   uint8 // binpac's buffering state of the body: 0, 1, 2

	upper []byte // scratch for upper-cased header names
}

// deliver parses one datagram of the flow.
func (f *flow) deliver(data []byte) error {
	defer f.fb.endData()
	if err := f.fb.newData(data); err != nil {
		return f.fail(err)
	}
	for f.fb.dataAvailable() && (!f.fb.pending || f.fb.ready()) {
		if !f.active {
			f.active = true
			f.pduState, f.msgState, f.hdrBuffering, f.bodyState, f.bodyBuffer = 0, 0, false, 0, 0
		}
		done, err := f.pdu()
		if err != nil {
			return f.fail(err)
		}
		if !done {
			break
		}
		f.active = false
	}
	return nil
}

func (f *flow) fail(err error) error {
	f.active = false
	f.fb.discard()
	return err
}

// pdu advances the message in progress; done when it is complete.
func (f *flow) pdu() (bool, error) {
	switch f.pduState {
	case 0:
		if err := f.fb.newLine(); err != nil {
			return false, err
		}
		f.pduState = 1
		fallthrough
	case 1:
		done := false
		for !done && f.fb.ready() {
			line := f.fb.data()
			var err error
			if f.isOrig {
				err = f.requestLine(line)
			} else {
				err = f.statusLine(line)
			}
			if err != nil {
				return false, err
			}
			done = true
		}
		if !done {
			return false, nil
		}
		f.pduState = 2
		fallthrough
	case 2:
		if done, err := f.message(); !done || err != nil {
			return false, err
		}
	}
	f.ev.endEntity(f.isOrig)
	return true, nil
}

// message advances the headers and body.
func (f *flow) message() (bool, error) {
	switch f.msgState {
	case 0:
		f.msgState = 1
		fallthrough
	case 1:
		if done, err := f.headers(); !done || err != nil {
			return false, err
		}
		f.msgState = 2
		fallthrough
	case 2:
		return f.body()
	}
	return true, nil
}

// headers reads header lines up to an empty one.
func (f *flow) headers() (bool, error) {
	for {
		if !f.hdrBuffering {
			if err := f.fb.newLine(); err != nil {
				return false, err
			}
			f.hdrBuffering = true
		}
		done := false
		for !done && f.fb.ready() {
			line := f.fb.data()
			if len(line) == 0 {
				return true, nil
			}
			if err := f.header(line); err != nil {
				return false, err
			}
			done = true
			f.hdrBuffering = false
		}
		if !done {
			return false, nil
		}
	}
}

// body reads the body as a frame of the flow's content length.
func (f *flow) body() (bool, error) {
	if f.bodyState == 0 {
		if f.bodyBuffer == 0 {
			if err := f.fb.newFrame(0); err != nil {
				return false, err
			}
			f.bodyBuffer = 1
		}
		f.bodyState = 1
	}
	for f.fb.ready() {
		switch f.bodyBuffer {
		case 0:
			if err := f.fb.newFrame(0); err != nil {
				return false, err
			}
			f.bodyBuffer = 1
		case 1:
			f.bodyBuffer = 2
			if err := f.fb.growFrame(f.contentLength); err != nil {
				return false, err
			}
		default:
			if f.contentLength < 0 {
				return false, pacSource.InvalidLength(68, f.contentLength)
			}
			f.bodyBuffer = 0
			return true, nil
		}
	}
	return false, nil
}

// Character classes of the grammar's regular expressions.

// isToken is SIP_TOKEN's class.
func isToken(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '_', '.', '!', '%', '*', '+', '`', '\'', '~', '-':
		return true
	}
	return false
}

// isURIChar is SIP_URI's class: ASCII letters, digits and punctuation.
func isURIChar(c byte) bool { return c > ' ' && c < 0x7f }

func isWS(c byte) bool { return c == ' ' || c == '\t' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// span returns how many leading bytes of b are in class.
func span(b []byte, class func(byte) bool) int {
	for i, c := range b {
		if !class(c) {
			return i
		}
	}
	return len(b)
}

// version parses SIP_Version: "SIP/" and a dotted number; it returns the
// size and the number.
func version(b []byte) (int, []byte, error) {
	if len(b) < 4 {
		return 0, nil, binpac.OutOfBound("SIP_Version:anonymous_field_010", 4, len(b))
	}
	if string(b[:4]) != "SIP/" {
		return 0, nil, pacSource.Mismatch(45, "SIP/", b)
	}
	v := b[4:]
	n := span(v, isDigit)
	if n == 0 || n == len(v) || v[n] != '.' || n+1 == len(v) || !isDigit(v[n+1]) {
		return 0, nil, pacSource.Mismatch(46, `[0-9]+\.[0-9]+`, v)
	}
	n++
	n += span(v[n:], isDigit)
	return 4 + n, v[:n], nil
}

// requestLine parses SIP_RequestLine.
func (f *flow) requestLine(b []byte) error {
	junk := span(b, func(c byte) bool { return !isToken(c) })
	off := junk
	m := span(b[off:], isToken)
	if m == 0 {
		return pacSource.Mismatch(23, "[a-zA-Z0-9_.!%*+`'~-]+", b[off:])
	}
	method := b[off : off+m]
	off += m
	off += span(b[off:], isWS)
	u := span(b[off:], isURIChar)
	if u == 0 {
		return pacSource.Mismatch(25, "[[:alnum:]@[:punct:]]+", b[off:])
	}
	uri := b[off : off+u]
	off += u
	off += span(b[off:], isWS)
	_, vers, err := version(b[off:])
	if err != nil {
		return err
	}
	if junk > 0 {
		f.ev.weird("sip_junk_before_request", render(b[:junk]))
	}
	f.ev.request(method, uri, vers)
	return nil
}

// statusLine parses SIP_ReplyLine.
func (f *flow) statusLine(b []byte) error {
	off, vers, err := version(b)
	if err != nil {
		return err
	}
	off += span(b[off:], isWS)
	s := b[off:]
	if len(s) < 3 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) {
		return pacSource.Mismatch(39, "[0-9]{3}", s)
	}
	code := int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	off += 3
	off += span(b[off:], isWS)
	f.ev.confirm()
	f.ev.reply(vers, code, b[off:])
	return nil
}

// header parses SIP_Header: name, colon, value.
func (f *flow) header(b []byte) error {
	n := span(b, func(c byte) bool { return c != ':' && c != ' ' && c != '\t' })
	if n == 0 {
		return pacSource.Mismatch(60, `[^: \t]+`, b)
	}
	name := b[:n]
	off := n + span(b[n:], isWS)
	if off+1 > len(b) {
		return binpac.OutOfBound("SIP_Header:anonymous_field_014", off+1, len(b))
	}
	if b[off] != ':' {
		return pacSource.Mismatch(62, ":", b[off:])
	}
	off++
	off += span(b[off:], isWS)
	value := b[off:]
	// The grammar compares the name as a C string.
	if n := cString(name); string(n) == "Content-Length" || string(n) == "L" {
		f.contentLength = cLong(value)
	}
	f.upper = append(f.upper[:0], name...)
	for i, c := range f.upper {
		if 'a' <= c && c <= 'z' {
			f.upper[i] = c - 'a' + 'A'
		}
	}
	f.ev.header(f.isOrig, f.upper, value)
	return nil
}

// cLong is strtol(s, 10) stored in a C int, as the grammar's
// bytestring_to_int converts: leading white space, a sign, digits up to
// the first other byte; overflow saturates the long, which then keeps its
// low 32 bits.
func cLong(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	const limit = uint64(1) << 63 // the magnitude of the smallest long
	var v uint64
	over := false
	for ; i < len(b) && isDigit(b[i]); i++ {
		d := uint64(b[i] - '0')
		if over || v > (limit-d)/10 {
			over = true
			continue
		}
		v = v*10 + d
	}
	var l int64
	switch {
	case neg && over:
		l = -1 << 63
	case neg:
		l = -int64(v) // v = 2^63 wraps to the smallest long, as wanted
	case over || v >= limit:
		l = 1<<63 - 1
	default:
		l = int64(v)
	}
	return int(int32(l))
}

const hexDigits = "0123456789abcdef"

// render is Zeek's String::Render with its default escaping: bytes
// outside the printable ASCII range as \xhh.
func render(b []byte) string {
	out := make([]byte, 0, len(b)*4)
	for _, c := range b {
		if c < ' ' || c > 126 {
			out = append(out, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// cString is b up to its first NUL (a subslice of b).
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b
}
