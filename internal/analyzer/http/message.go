package http

import (
	"math"

	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/analyzer/support"
	"github.com/heron-nsm/heron/internal/files"
)

// Body expectations of a message (Zeek's HTTP_BODY_*).
const (
	bodyNotExpected = iota
	bodyExpected
	bodyMaybe
)

// Chunked transfer states (Zeek's CHUNKED_TRANSFER_STATE).
const (
	nonChunked = iota
	beforeChunk
	expectChunkSize
	expectChunkData
	expectChunkDataCRLF
	expectChunkTrailer
	expectNothing
)

// Content codings the analyzer decodes.
const (
	encIdentity = iota
	encGzip
	encDeflate
)

// entityDeliverySize is http_entity_data_delivery_size: the chunk size in
// which decoded content reaches the files framework.
const entityDeliverySize = 1500

// entity is the HTTP part of an entity (Zeek's HTTP_Entity), kept in
// mime.Entity.Ext.
type entity struct {
	chunkState       int
	contentLength    int64
	rangeLength      int64
	expectDataLength int64
	expectBody       int
	bodyLength       int64
	headerLength     int64
	encoding         int
	zip              *inflater
	deliverBody      bool
	partial          bool
	offset           uint64
	instanceLength   int64
	sendSize         bool
	expect100        bool
	file             *files.Transfer
}

// message is one request or reply (Zeek's HTTP_Message); it is the
// mime.Message of its entities and their Hooks.
type message struct {
	a          *Analyzer
	sp         *support.LineSplitter
	isOrig     bool
	top        *mime.Entity
	current    *mime.Entity
	finished   bool
	bodyLength int64
	headerLen  int64
	gapLength  int64
}

func newMessage(a *Analyzer, sp *support.LineSplitter, isOrig bool, expectBody int, initHeaderLen int64) *message {
	m := &message{a: a, sp: sp, isOrig: isOrig, headerLen: initHeaderLen}
	m.top = m.newEntity(nil, expectBody)
	m.BeginEntity(m.top)
	return m
}

func (m *message) newEntity(parent *mime.Entity, expectBody int) *mime.Entity {
	e := mime.NewEntity(m, hooks{m}, parent, mime.Limits{MaxDepth: int(mimeMaxDepth), MaxHeaderBytes: int(mimeMaxHeaderBytes)})
	e.Ext = &entity{
		contentLength: -1, rangeLength: -1, instanceLength: -1,
		expectBody: expectBody, deliverBody: true, sendSize: true,
	}
	return e
}

func ent(e *mime.Entity) *entity { return e.Ext.(*entity) }

// deliver passes a line (or plain chunk) to the top entity.
func (m *message) deliver(line []byte, trailingCRLF bool) { m.top.Deliver(line, trailingCRLF) }

// done is HTTP_Message::Done.
func (m *message) done(interrupted bool) {
	if m.finished {
		return
	}
	m.finished = true
	m.top.EndOfData()
	if m.isOrig || m.a.replyCode != 206 {
		// Byte ranges may span connections: a 206 reply's file stays open.
		m.a.endFile(ent(m.top).file, m.isOrig)
	}
	m.a.s.messageDone(m.isOrig, uint64(m.bodyLength))
	m.a.messageDone(m.isOrig, interrupted)
}

// undelivered is HTTP_Message::Undelivered: whether a gap of n bytes fell
// inside a body and was skipped.
func (m *message) undelivered(n int64) bool {
	e := m.current
	if e == nil {
		e = m.top
	}
	if e != nil && m.entityUndelivered(e, n) {
		m.gapLength += n
		return true
	}
	return false
}

// --- mime.Message ---

// BeginEntity is http_begin_entity.
func (m *message) BeginEntity(e *mime.Entity) {
	m.current = e
	m.a.s.beginEntity(m.isOrig)
}

// EndEntity is HTTP_Message::EndEntity.
func (m *message) EndEntity(e *mime.Entity) {
	if e == m.top {
		m.bodyLength += ent(e).bodyLength
		m.headerLen += ent(e).headerLength
	}
	m.a.s.endEntity()
	m.current = e.Parent()
	if p := e.Parent(); p != nil && p.Kind() == mime.Multipart {
		m.sp.SetSuppressWeirds(false)
		m.sp.SetEOL(support.DefaultEOL)
	}
	if e == m.top {
		m.done(false)
		return
	}
	if m.isOrig || m.a.replyCode != 206 {
		m.a.endFile(ent(e).file, m.isOrig)
	}
}

// SubmitHeader is HTTP_Message::SubmitHeader.
func (m *message) SubmitHeader(_ *mime.Entity, h *mime.Header) { m.a.header(m.isOrig, h) }

// SubmitAllHeaders does nothing visible in logs (http_all_headers,
// http_content_type).
func (m *message) SubmitAllHeaders(*mime.Entity) {}

// SubmitData is http_entity_data (not used by the base scripts).
func (m *message) SubmitData(*mime.Entity, []byte) {}

// Event is http_event (not logged).
func (m *message) Event(*mime.Entity, mime.EventKind, string) {}

// Weird raises a weird for the entity machinery.
func (m *message) Weird(name, addl string) {
	if name == "exceeded_mime_max_depth" || name == "exceeded_mime_max_header_bytes" {
		m.a.limitWeird(name, addl)
		return
	}
	m.a.h.Weird(name, addl)
}

// BufferSize is http_entity_data_delivery_size.
func (m *message) BufferSize() int { return entityDeliverySize }

// --- mime.Hooks (HTTP_Entity) ---

// hooks makes a message's entities HTTP entities.
type hooks struct{ m *message }

// NewChild makes a child entity that expects a body.
func (k hooks) NewChild(parent *mime.Entity) *mime.Entity {
	return k.m.newEntity(parent, bodyExpected)
}

// EndOfData is HTTP_Entity::EndOfData.
func (k hooks) EndOfData(e *mime.Entity) {
	m := k.m
	x := ent(e)
	if x.zip != nil {
		x.zip = nil
		x.encoding = encIdentity
	}
	if x.bodyLength != 0 {
		m.a.forwardEndOfData(m.isOrig)
	}
	e.BaseEndOfData()
}

// Deliver is HTTP_Entity::Deliver.
func (k hooks) Deliver(e *mime.Entity, data []byte, trailingCRLF bool) {
	m := k.m
	x := ent(e)
	if e.Ended() {
		if e.Kind() != mime.Multipart {
			// IllegalFormat("data trailing the end of entity"): an event.
		}
		return
	}
	if e.InHeader() {
		if !trailingCRLF {
			m.a.h.Weird("http_no_crlf_in_header_list", "")
		}
		x.headerLength += int64(len(data))
		e.BaseDeliver(data, trailingCRLF)
		return
	}
	switch {
	case e.Kind() == mime.Multipart || e.Kind() == mime.MessageKind:
		m.deliverBody(e, data, trailingCRLF)
		if e.Depth() == 0 && x.contentLength > 0 {
			x.expectDataLength -= int64(len(data))
			if trailingCRLF {
				x.expectDataLength -= 2
			}
			if x.expectDataLength <= 0 {
				m.setPlainDelivery(0)
				e.EndOfData()
			}
		}
	case x.chunkState != nonChunked:
		switch x.chunkState {
		case expectChunkSize:
			n, ok := atoiN(data, 16, true)
			if !ok {
				m.a.h.Weird("HTTP_bad_chunk_size", string(data))
				n = 0
			}
			x.expectDataLength = n
			if n > 0 {
				x.chunkState = expectChunkData
				m.setPlainDelivery(n)
			} else {
				e.SetInHeader(true)
				x.chunkState = expectChunkTrailer
			}
		case expectChunkData:
			x.expectDataLength -= int64(len(data))
			if x.expectDataLength <= 0 {
				m.setPlainDelivery(0)
				x.chunkState = expectChunkDataCRLF
			}
			m.deliverBody(e, data, false)
		case expectChunkDataCRLF:
			// Data before the CRLF: "inaccurate chunk size" (an event).
			x.chunkState = expectChunkSize
		}
	case x.contentLength >= 0:
		m.deliverBody(e, data, false)
		x.expectDataLength -= int64(len(data))
		if x.expectDataLength <= 0 {
			m.setPlainDelivery(0)
			_ = m.sp.SetDeliverySize(-1)
			e.EndOfData()
		}
	default:
		m.deliverBody(e, data, trailingCRLF)
	}
}

// deliverBody is HTTP_Entity::DeliverBody: content codings first.
func (m *message) deliverBody(e *mime.Entity, data []byte, trailingCRLF bool) {
	x := ent(e)
	if x.encoding == encGzip || x.encoding == encDeflate {
		if x.zip == nil {
			x.zip = newInflater(func(name string) { m.a.h.ScriptWeird(name, "", "ZIP") })
		}
		x.zip.write(data, func(out []byte) { m.deliverBodyClear(e, out, false) })
		return
	}
	m.deliverBodyClear(e, data, trailingCRLF)
}

// deliverBodyClear is HTTP_Entity::DeliverBodyClear.
func (m *message) deliverBodyClear(e *mime.Entity, data []byte, trailingCRLF bool) {
	x := ent(e)
	x.bodyLength += int64(len(data))
	if trailingCRLF {
		x.bodyLength += 2
	}
	if x.deliverBody {
		e.BaseDeliver(data, trailingCRLF)
	}
	m.a.forwardStream(data, m.isOrig)
}

// entityUndelivered is HTTP_Entity::Undelivered.
func (m *message) entityUndelivered(e *mime.Entity, n int64) bool {
	x := ent(e)
	if e.Ended() && e.InHeader() || x.bodyLength == 0 {
		return false
	}
	x.file = m.a.fileGap(x.file, m.isOrig, uint64(x.bodyLength), uint64(n))
	if x.partial {
		x.offset += uint64(n)
	}
	if x.chunkState != nonChunked {
		if x.chunkState == expectChunkData && x.expectDataLength >= n {
			x.bodyLength += n
			x.expectDataLength -= n
			m.setPlainDelivery(x.expectDataLength)
			if x.expectDataLength == 0 {
				x.chunkState = expectChunkDataCRLF
			}
			return true
		}
		return false
	}
	if x.contentLength >= 0 {
		if x.expectDataLength >= n {
			x.bodyLength += n
			x.expectDataLength -= n
			m.setPlainDelivery(x.expectDataLength)
			if x.expectDataLength <= 0 {
				e.EndOfData()
			}
			return true
		}
	}
	return false
}

// SubmitData is HTTP_Entity::SubmitData: content to the files framework.
func (k hooks) SubmitData(e *mime.Entity, data []byte) {
	m := k.m
	x := ent(e)
	if x.deliverBody {
		e.BaseSubmitData(data)
	}
	if x.sendSize && (x.encoding == encGzip || x.encoding == encDeflate) {
		x.sendSize = false
	}
	if x.partial {
		if x.sendSize && x.instanceLength > 0 {
			x.file = m.a.fileSize(x.file, m.isOrig, uint64(x.instanceLength))
		}
		x.file = m.a.fileData(x.file, m.isOrig, data, x.offset, true)
		x.offset += uint64(len(data))
	} else {
		if x.sendSize && x.contentLength > 0 {
			x.file = m.a.fileSize(x.file, m.isOrig, uint64(x.contentLength))
		}
		x.file = m.a.fileData(x.file, m.isOrig, data, 0, false)
	}
	x.sendSize = false
}

// setPlainDelivery is HTTP_Message::SetPlainDelivery.
func (m *message) setPlainDelivery(n int64) { _ = m.sp.SetPlainDelivery(max(n, 0)) }

// SubmitHeader is HTTP_Entity::SubmitHeader.
func (k hooks) SubmitHeader(e *mime.Entity, h *mime.Header) {
	m := k.m
	x := ent(e)
	a := m.a
	if e.Depth() == 0 && h.FoldLines > 1 {
		a.h.Weird("HTTP_obsolete_line_folding", string(h.Name))
	}
	switch {
	case mime.EqualFold(h.Name, "content-length"):
		if x.chunkState != nonChunked {
			a.h.Weird("HTTP_content_length_and_chunked", "")
		}
		vt := h.ValueToken()
		if vt == nil {
			break
		}
		n, ok := atoiN(vt, 10, true)
		if !ok || n < 0 {
			a.h.Weird("HTTP_bad_content_length", string(vt))
			x.contentLength = 0
			break
		}
		if n > 0 && len(vt) > 0 && vt[0] == '0' {
			a.h.Weird("HTTP_content_length_leading_zeros", string(vt))
		}
		x.contentLength = n
		if x.partial && x.rangeLength != x.contentLength {
			a.h.Weird("HTTP_range_not_matching_len", "")
			if x.rangeLength > x.contentLength {
				x.contentLength = x.rangeLength
			}
		}
		if x.contentLength == 0 && x.expect100 {
			a.h.Weird("HTTP_content_length_0_and_expect_100_cont", "")
		}
	case mime.EqualFold(h.Name, "content-range") && a.replyCode == 206:
		if x.chunkState != nonChunked {
			a.h.Weird("HTTP_content_range_and_chunked", "")
		}
		unit := h.ValueToken()
		byteRange := removeSpaces(h.ValueAfterToken())
		r := parseContentRange(unit, byteRange)
		if r.weird != "" {
			addl := ""
			if r.addl {
				addl = string(byteRange)
			}
			a.h.Weird(r.weird, addl)
			break
		}
		n := r.last - r.first + 1
		if n > 0 {
			if r.instance != "*" {
				v, ok := atoiN([]byte(r.instance), 10, true)
				if !ok {
					a.h.Weird("HTTP_content_range_invalid_instance", string(byteRange))
					v = 0
				}
				x.instanceLength = v
			}
			x.partial = true
			x.offset = uint64(r.first)
			x.rangeLength = n
			if x.contentLength > 0 {
				if x.contentLength != x.rangeLength {
					a.h.Weird("HTTP_range_not_matching_len", "")
					if x.rangeLength > x.contentLength {
						x.contentLength = x.rangeLength
					}
				}
			} else {
				x.contentLength = x.rangeLength
			}
		}
	case mime.EqualFold(h.Name, "transfer-encoding"):
		if e.Depth() != 0 {
			a.h.Weird("HTTP_nested_transfer_encoding_header", "")
			break
		}
		v := a.repVersion
		if a.reqOngoing {
			v = a.reqVersion
		}
		if vt := h.ValueToken(); mime.EqualFold(vt, "chunked") && v == v11 {
			x.chunkState = beforeChunk
			if rest := h.ValueAfterToken(); len(rest) > 0 {
				a.h.Weird("HTTP_chunked_multi", string(rest))
			}
			if x.contentLength >= 0 {
				a.h.Weird("HTTP_content_length_and_chunked", "")
			}
		}
	case mime.EqualFold(h.Name, "content-encoding"):
		vt := h.ValueToken()
		if mime.EqualFold(vt, "gzip") || mime.EqualFold(vt, "x-gzip") {
			x.encoding = encGzip
		}
		if mime.EqualFold(vt, "deflate") {
			x.encoding = encDeflate
		}
	case mime.EqualFold(h.Name, "expect"):
		vt := h.ValueToken()
		if !mime.EqualFold(vt, "100-continue") {
			a.h.Weird("HTTP_expect_not_100_continue", string(vt))
		}
		x.expect100 = true
		if x.contentLength == 0 && x.expect100 {
			a.h.Weird("HTTP_content_length_0_and_expect_100_cont", "")
		}
	}
	e.BaseSubmitHeader(h)
}

// SubmitAllHeaders is HTTP_Entity::SubmitAllHeaders.
func (k hooks) SubmitAllHeaders(e *mime.Entity) {
	m := k.m
	x := ent(e)
	if p := e.Parent(); p != nil && p.Kind() == mime.Multipart {
		// Lone CRs and LFs inside multipart content are content: MIME
		// adds back a CRLF for every line it gets.
		m.sp.SetSuppressWeirds(true)
		m.sp.SetEOL(support.OnlyCRLF)
	}
	if x.contentLength >= 0 {
		_ = m.sp.SetDeliverySize(x.contentLength)
	}
	if x.chunkState == expectChunkTrailer {
		x.chunkState = expectNothing
		e.EndOfData()
		return
	}
	e.BaseSubmitAllHeaders()
	if x.expectBody == bodyNotExpected {
		e.EndOfData()
		return
	}
	switch {
	case e.Kind() == mime.Multipart || e.Kind() == mime.MessageKind:
		if x.chunkState != nonChunked {
			m.a.h.Weird("HTTP_chunked_transfer_for_multipart_message", "")
		}
		if e.Depth() == 0 && x.contentLength >= 0 {
			if x.contentLength > 0 {
				x.expectDataLength = x.contentLength
				_ = m.sp.SetDeliverySize(x.contentLength)
			} else {
				e.EndOfData()
			}
		}
	case x.chunkState != nonChunked:
		x.chunkState = expectChunkSize
	case x.contentLength >= 0:
		if x.contentLength > 0 {
			x.expectDataLength = x.contentLength
			m.setPlainDelivery(x.contentLength)
		} else {
			e.EndOfData()
		}
	case m.a.connClose || x.encoding == encGzip || x.encoding == encDeflate:
		// Zeek's INT_MAX: the body runs to the end of the connection.
		x.expectDataLength = math.MaxInt32
		m.setPlainDelivery(math.MaxInt32)
	default:
		if x.expectBody != bodyExpected {
			e.EndOfData()
		}
	}
}
