package mime

import (
	"strconv"
	"strings"
)

// Kind is an entity's top-level media type, as far as parsing cares.
type Kind uint8

// Kinds.
const (
	Multipart Kind = iota
	MessageKind
	Text
	Other // image, audio, video, application, anything else
)

// Encoding is an entity's Content-Transfer-Encoding.
type Encoding uint8

// Encodings; Other also stands for "none given".
const (
	Enc7Bit Encoding = iota
	Enc8Bit
	EncBinary
	EncQuotedPrintable
	EncBase64
	EncOther
)

// EventKind classifies the problems an entity reports (Zeek's
// MIME_EVENT_*).
type EventKind uint8

// Event kinds.
const (
	IllegalFormat EventKind = iota
	IllegalEncoding
	ContentGap
)

// String returns Zeek's category name ("illegal format", …).
func (k EventKind) String() string {
	switch k {
	case IllegalFormat:
		return "illegal format"
	case IllegalEncoding:
		return "illegal encoding"
	case ContentGap:
		return "content gap"
	}
	return "other"
}

// Default limits (Zeek's MIME::max_depth and MIME::max_header_bytes).
const (
	DefaultMaxDepth       = 100
	DefaultMaxHeaderBytes = 65536
)

// Message receives what the entities of one message produce (Zeek's
// MIME_Message). Data and header values are borrowed for the call.
type Message interface {
	// BeginEntity and EndEntity bracket every entity, the top one too.
	BeginEntity(e *Entity)
	EndEntity(e *Entity)
	// SubmitHeader gets each parsed header field.
	SubmitHeader(e *Entity, h *Header)
	// SubmitAllHeaders follows the entity's last header field.
	SubmitAllHeaders(e *Entity)
	// SubmitData gets decoded content, at most BufferSize bytes a call.
	SubmitData(e *Entity, data []byte)
	// Event reports a problem in the entity.
	Event(e *Entity, kind EventKind, detail string)
	// Weird raises a connection weird (limits, base64 errors).
	Weird(name, addl string)
	// BufferSize is the size of the chunks SubmitData gets (Zeek's
	// RequestBuffer).
	BufferSize() int
}

// Hooks lets a protocol change how its entities behave, as Zeek's
// subclasses of MIME_Entity do. Each method replaces the base behaviour,
// which the Entity's Base* methods provide for calling from the hook. A
// nil Hooks is the base behaviour throughout.
type Hooks interface {
	// Deliver handles one line (or, in plain delivery, a chunk) of the
	// entity.
	Deliver(e *Entity, line []byte, trailingCRLF bool)
	// EndOfData ends the entity.
	EndOfData(e *Entity)
	// SubmitHeader handles a parsed header field.
	SubmitHeader(e *Entity, h *Header)
	// SubmitAllHeaders handles the end of the header.
	SubmitAllHeaders(e *Entity)
	// SubmitData handles decoded content.
	SubmitData(e *Entity, data []byte)
	// NewChild makes a child entity (for multipart and message bodies).
	NewChild(parent *Entity) *Entity
}

// Limits bounds what entities hold.
type Limits struct {
	// MaxDepth is MIME::max_depth (0: no bound).
	MaxDepth int
	// MaxHeaderBytes is MIME::max_header_bytes (0: no bound).
	MaxHeaderBytes int
}

// Entity is one MIME entity: header fields and a body (Zeek's
// MIME_Entity).
type Entity struct {
	msg    Message
	hooks  Hooks
	limits Limits
	parent *Entity
	depth  int

	inHeader  bool
	endOfData bool

	hdr      []byte // the current header field, its lines joined
	hdrLines int    // lines in hdr (0: no field under way)
	field    fieldKind

	typeStr, subtypeStr string
	kind                Kind
	subtype             subtypeKind
	encoding            Encoding
	boundary            []byte
	needParams          bool

	child     *Entity
	b64       *Base64
	buf       []byte
	bufOn     bool
	delayCRLF bool

	// Ext holds the owner's per-entity state (the Hooks implementation's).
	Ext any
}

type fieldKind uint8

const (
	fieldContentType fieldKind = iota
	fieldContentTransferEncoding
	fieldOther
)

type subtypeKind uint8

const (
	subMixed subtypeKind = iota
	subAlternative
	subDigest
	subRFC822
	subPartial
	subExternalBody
	subPlain
	subOther
)

var (
	kindNames    = []string{"MULTIPART", "MESSAGE", "TEXT"}
	subtypeNames = []string{"MIXED", "ALTERNATIVE", "DIGEST", "RFC822", "PARTIAL", "EXTERNAL-BODY", "PLAIN"}
	encNames     = []string{"7BIT", "8BIT", "BINARY", "QUOTED-PRINTABLE", "BASE64"}
)

// NewEntity returns a top-level entity (parent nil) or a child entity;
// a child inherits its parent's transfer encoding, depth+1 and limits.
func NewEntity(msg Message, hooks Hooks, parent *Entity, limits Limits) *Entity {
	e := &Entity{
		msg: msg, hooks: hooks, limits: limits, parent: parent,
		inHeader: true, field: fieldOther,
		typeStr: "TEXT", subtypeStr: "PLAIN", kind: Text, subtype: subPlain, encoding: EncOther,
	}
	if parent != nil {
		e.encoding = parent.encoding
		e.depth = parent.depth + 1
		e.limits = parent.limits
	}
	return e
}

// Parent returns the parent entity, nil for the top one.
func (e *Entity) Parent() *Entity { return e.parent }

// Depth returns the nesting depth (0 for the top entity).
func (e *Entity) Depth() int { return e.depth }

// Kind returns the entity's media kind.
func (e *Entity) Kind() Kind { return e.kind }

// ContentType returns the media type and subtype in upper case ("TEXT",
// "PLAIN" unless the header said otherwise).
func (e *Entity) ContentType() (string, string) { return e.typeStr, e.subtypeStr }

// Encoding returns the transfer encoding.
func (e *Entity) Encoding() Encoding { return e.encoding }

// InHeader reports whether the entity is still reading header fields.
func (e *Entity) InHeader() bool { return e.inHeader }

// SetInHeader puts the entity back into (or out of) header mode (HTTP
// reads chunked trailers that way).
func (e *Entity) SetInHeader(on bool) { e.inHeader = on }

// Ended reports whether EndOfData has run.
func (e *Entity) Ended() bool { return e.endOfData }

// Child returns the entity's current child, or nil.
func (e *Entity) Child() *Entity { return e.child }

// Deliver passes one line of the entity (without its CRLF; trailingCRLF
// says whether one followed) — through the hooks when there are any.
func (e *Entity) Deliver(line []byte, trailingCRLF bool) {
	if e.hooks != nil {
		e.hooks.Deliver(e, line, trailingCRLF)
		return
	}
	e.BaseDeliver(line, trailingCRLF)
}

// EndOfData ends the entity — through the hooks when there are any.
func (e *Entity) EndOfData() {
	if e.hooks != nil {
		e.hooks.EndOfData(e)
		return
	}
	e.BaseEndOfData()
}

func (e *Entity) submitHeader(h *Header) {
	if e.hooks != nil {
		e.hooks.SubmitHeader(e, h)
		return
	}
	e.BaseSubmitHeader(h)
}

func (e *Entity) submitAllHeaders() {
	if e.hooks != nil {
		e.hooks.SubmitAllHeaders(e)
		return
	}
	e.BaseSubmitAllHeaders()
}

func (e *Entity) submitData(data []byte) {
	if e.hooks != nil {
		e.hooks.SubmitData(e, data)
		return
	}
	e.BaseSubmitData(data)
}

func (e *Entity) newChild() *Entity {
	if e.hooks != nil {
		return e.hooks.NewChild(e)
	}
	return NewEntity(e.msg, nil, e, e.limits)
}

// BaseDeliver is MIME_Entity::Deliver: header lines until the empty
// line, then body lines.
func (e *Entity) BaseDeliver(line []byte, trailingCRLF bool) {
	if e.inHeader {
		switch {
		case len(line) == 0 || line[0] == 0:
			e.finishHeader()
			e.inHeader = false
			e.submitAllHeaders()
			// In a chunked trailer the hooks may have ended the entity.
			if !e.endOfData {
				e.beginBody()
			}
		case isLWS(line[0]):
			e.contHeader(line)
		default:
			e.newHeader(line)
		}
		return
	}
	e.newDataLine(line, trailingCRLF)
}

func (e *Entity) beginBody() {
	if e.encoding == EncBase64 {
		e.b64 = &Base64{Illegal: func(msg string) { e.msg.Weird("base64_illegal_encoding", msg) }}
	}
	if e.kind == MessageKind {
		e.beginChild()
	}
}

// BaseEndOfData is MIME_Entity::EndOfData.
func (e *Entity) BaseEndOfData() {
	if e.endOfData {
		return
	}
	e.endOfData = true
	if e.inHeader {
		e.finishHeader()
		e.inHeader = false
		e.submitAllHeaders()
		e.msg.Event(e, IllegalFormat, "entity body missing")
	} else {
		if e.child != nil {
			if e.kind == Multipart {
				e.msg.Event(e, IllegalFormat, "multipart closing boundary delimiter missing")
			}
			e.endChild()
		}
		if e.encoding == EncBase64 {
			e.finishBase64()
		}
		e.FlushData()
	}
	e.msg.EndEntity(e)
}

func (e *Entity) newDataLine(line []byte, trailingCRLF bool) {
	if e.kind == Multipart {
		switch e.checkBoundary(line) {
		case boundaryOpen:
			if e.child != nil {
				e.endChild()
			}
			if !e.endOfData {
				e.beginChild()
			}
			return
		case boundaryClose:
			if e.child != nil {
				e.endChild()
			}
			e.EndOfData()
			return
		}
	}
	if e.kind == Multipart || e.kind == MessageKind {
		// Data before the first and after the last boundary is dropped.
		if e.child != nil {
			e.child.Deliver(line, trailingCRLF)
		}
		return
	}
	e.decodeDataLine(line, trailingCRLF)
}

func (e *Entity) newHeader(line []byte) {
	e.finishHeader()
	if len(line) == 0 {
		return
	}
	e.hdr = append(e.hdr[:0], line...)
	e.hdrLines = 1
}

func (e *Entity) contHeader(line []byte) {
	if e.hdrLines == 0 {
		e.msg.Event(e, IllegalFormat, "first header line starts with linear whitespace")
		ws := 0
		for ws < len(line) && isLWS(line[ws]) {
			ws++
		}
		e.newHeader(line[ws:])
		return
	}
	if max := e.limits.MaxHeaderBytes; max > 0 && len(e.hdr) >= max {
		e.msg.Weird("exceeded_mime_max_header_bytes", strconv.Itoa(len(e.hdr)))
		return
	}
	e.hdr = append(e.hdr, line...)
	e.hdrLines++
}

func (e *Entity) finishHeader() {
	if e.hdrLines == 0 {
		return
	}
	h := parseHeader(e.hdr, e.hdrLines)
	e.hdrLines = 0
	if h.Name != nil {
		e.parseMIMEHeader(&h)
		e.submitHeader(&h)
	}
	e.hdr = e.hdr[:0]
	if cap(e.hdr) > 4096 {
		e.hdr = nil // do not keep a huge folded header's buffer
	}
}

func (e *Entity) parseMIMEHeader(h *Header) {
	switch {
	case EqualFold(h.Name, "content-type"):
		e.field = fieldContentType
		e.parseContentType(h)
	case EqualFold(h.Name, "content-transfer-encoding"):
		e.field = fieldContentTransferEncoding
		e.parseContentEncoding(h)
	default:
		e.field = fieldOther
	}
}

func (e *Entity) parseContentType(h *Header) {
	ty, sub, off := getSlashTokenPair(h.Value)
	if off < 0 {
		e.msg.Event(e, IllegalFormat, "media type/subtype not found in content type")
		return
	}
	e.typeStr = strings.ToUpper(string(ty))
	e.subtypeStr = strings.ToUpper(string(sub))
	e.kind = Other
	for i, n := range kindNames {
		if EqualFold(ty, n) {
			e.kind = Kind(i)
			break
		}
	}
	e.subtype = subOther
	for i, n := range subtypeNames {
		if EqualFold(sub, n) {
			e.subtype = subtypeKind(i)
			break
		}
	}
	e.needParams = e.kind == Multipart || e.kind == MessageKind
	if e.needParams {
		e.parseParameters(h.Value[off:])
	}
	if e.kind == Multipart && e.boundary == nil {
		e.msg.Event(e, IllegalFormat, "boundary delimiter is not specified for a multipart entity -- content is treated as type application/octet-stream")
		e.kind = Other
		e.subtype = subOther
	}
}

func (e *Entity) parseContentEncoding(h *Header) {
	enc := h.ValueToken()
	if enc == nil {
		e.msg.Event(e, IllegalFormat, "encoding type not found in content encoding")
		return
	}
	e.encoding = EncOther
	for i, n := range encNames {
		if EqualFold(enc, n) {
			e.encoding = Encoding(i)
			break
		}
	}
	if e.needParams {
		if rest := h.ValueAfterToken(); rest != nil {
			e.parseParameters(rest)
		}
	}
}

// parseParameters reads "; name=value" parameters, keeping a multipart
// boundary.
func (e *Entity) parseParameters(data []byte) {
	for {
		off := skipLWSComments(data)
		if off >= len(data) || data[off] != ';' {
			return
		}
		data = data[off+1:]
		attr, o := getToken(data, false)
		if o < 0 {
			e.msg.Event(e, IllegalFormat, "attribute name not found in parameter specification")
			return
		}
		data = data[o:]
		o = skipLWSComments(data)
		if o >= len(data) || data[o] != '=' {
			e.msg.Event(e, IllegalFormat, "= not found in parameter specification")
			continue
		}
		data = data[o+1:]
		var val []byte
		if e.field == fieldContentType && e.kind == Multipart && EqualFold(attr, "boundary") {
			val, o = getValue(data, true)
			if val == nil {
				e.msg.Event(e, IllegalFormat, "Could not parse multipart boundary")
				continue
			}
			e.boundary = val
		} else {
			_, o = getValue(data, false)
		}
		if o < 0 {
			e.msg.Event(e, IllegalFormat, "value not found in parameter specification")
			continue
		}
		data = data[o:]
	}
}

type boundaryMatch uint8

const (
	notBoundary boundaryMatch = iota
	boundaryOpen
	boundaryClose
)

func (e *Entity) checkBoundary(line []byte) boundaryMatch {
	if e.boundary == nil {
		return notBoundary
	}
	if len(line) < 2 || line[0] != '-' || line[1] != '-' {
		return notBoundary
	}
	line = line[2:]
	b := e.boundary
	if len(line) < len(b) {
		return notBoundary
	}
	for i := range b {
		if line[i] != b[i] {
			return notBoundary
		}
	}
	line = line[len(b):]
	if len(line) >= 2 && line[0] == '-' && line[1] == '-' {
		return boundaryClose
	}
	return boundaryOpen
}

func (e *Entity) decodeDataLine(line []byte, trailingCRLF bool) {
	switch e.encoding {
	case EncQuotedPrintable:
		e.decodeQP(line)
	case EncBase64:
		e.decodeBase64(line)
	default:
		e.decodeBinary(line, trailingCRLF)
	}
	e.FlushData()
}

func (e *Entity) decodeBinary(line []byte, trailingCRLF bool) {
	if e.delayCRLF {
		e.delayCRLF = false
		e.DataOctets(crlf)
	}
	e.DataOctets(line)
	if trailingCRLF {
		if e.parent != nil && e.parent.kind == Multipart {
			// The last CRLF before a boundary belongs to the boundary:
			// add each one only when more content follows.
			e.delayCRLF = true
		} else {
			e.DataOctets(crlf)
		}
	}
}

var crlf = []byte("\r\n")

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (e *Entity) decodeQP(line []byte) {
	end := len(line) - 1
	for end >= 0 && (line[end] == '\t' || line[end] == ' ') {
		end--
	}
	soft := false
	for i := 0; i <= end; i++ {
		c := line[i]
		switch {
		case c == '=':
			if i == end {
				soft = true
				continue
			}
			if i+2 < len(line) {
				a, b := unhex(line[i+1]), unhex(line[i+2])
				if a >= 0 && b >= 0 {
					e.dataOctet(byte(a<<4 + b))
					i += 2
					continue
				}
			}
			e.msg.Event(e, IllegalEncoding, "= is not followed by two hexadecimal digits in quoted-printable encoding")
			e.dataOctet(c)
		case c >= 33 && c <= 60, c >= 62 && c <= 126, c == '\t', c == ' ':
			e.dataOctet(c)
		default:
			e.msg.Event(e, IllegalEncoding, "control characters in quoted-printable encoding: "+strconv.Itoa(int(int8(c))))
			e.dataOctet(c)
		}
	}
	if !soft {
		e.DataOctets(crlf)
	}
}

func (e *Entity) decodeBase64(line []byte) {
	if e.b64 == nil {
		return
	}
	var tmp [128]byte
	for len(line) > 0 {
		n := min(len(line), 96)
		out := e.b64.Decode(tmp[:0], line[:n])
		e.DataOctets(out)
		line = line[n:]
	}
}

func (e *Entity) finishBase64() {
	if e.b64 == nil {
		return
	}
	var tmp [8]byte
	e.DataOctets(e.b64.Done(tmp[:0]))
	e.b64 = nil
}

func (e *Entity) dataOctet(c byte) { e.DataOctets([]byte{c}) }

// DataOctets adds decoded content to the entity's buffer, submitting it
// whenever it fills.
func (e *Entity) DataOctets(data []byte) {
	for len(data) > 0 {
		if !e.bufOn {
			size := e.msg.BufferSize()
			if size <= 0 {
				return
			}
			if cap(e.buf) < size {
				e.buf = make([]byte, 0, size)
			}
			e.buf = e.buf[:0]
			e.bufOn = true
		}
		n := min(cap(e.buf)-len(e.buf), len(data))
		e.buf = append(e.buf, data[:n]...)
		data = data[n:]
		if len(e.buf) == cap(e.buf) {
			e.bufOn = false
			e.submitData(e.buf)
		}
	}
}

// FlushData submits what the buffer holds.
func (e *Entity) FlushData() {
	if e.bufOn && len(e.buf) > 0 {
		e.bufOn = false
		e.submitData(e.buf)
	}
}

// BaseSubmitData passes content to the Message.
func (e *Entity) BaseSubmitData(data []byte) { e.msg.SubmitData(e, data) }

// BaseSubmitHeader passes a header field to the Message.
func (e *Entity) BaseSubmitHeader(h *Header) { e.msg.SubmitHeader(e, h) }

// BaseSubmitAllHeaders tells the Message that the header ended.
func (e *Entity) BaseSubmitAllHeaders() { e.msg.SubmitAllHeaders(e) }

func (e *Entity) beginChild() {
	if max := e.limits.MaxDepth; max > 0 && e.depth >= max {
		e.msg.Weird("exceeded_mime_max_depth", strconv.Itoa(e.depth))
		return
	}
	e.child = e.newChild()
	e.msg.BeginEntity(e.child)
}

func (e *Entity) endChild() {
	c := e.child
	c.EndOfData()
	e.child = nil
}
