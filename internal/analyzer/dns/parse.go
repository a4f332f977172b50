package dns

import (
	"net/netip"
	"strconv"
)

// handler receives what the parser finds in a message, in the order of
// Zeek's events: message, one question event per question, one record
// event per record, end. Everything passed is borrowed for the call.
type handler interface {
	// message is dns_message: a message with a header Zeek tracks.
	message(m *msgHeader)
	// question is dns_request (a query), dns_rejected (a reply without
	// records) or dns_query_reply (a reply with records), one per
	// question. name is lower case.
	question(m *msgHeader, name []byte, qtype, qclass uint16)
	// record is one of the record events (dns_A_reply, dns_SOA_reply,
	// dns_EDNS_ecs, dns_dynamic_update_pre, …); a is the record's header
	// (nil for the EDNS option events, which have none).
	record(m *msgHeader, a *answer, rd *rdata)
	// end is dns_end.
	end(m *msgHeader)
}

// parseConfig holds the options that change how messages are parsed.
type parseConfig struct {
	maxQueries  int          // dns_max_queries (0: no limit)
	maxDepth    int          // dns_max_compression_chain_depth
	skipAllAuth bool         // dns_skip_all_auth
	skipAllAddl bool         // dns_skip_all_addl
	skipAuth    []netip.Addr // dns_skip_auth
	skipAddl    []netip.Addr // dns_skip_addl
	handled     kindSet      // record events that have a handler
}

// cursor is a read position in a message: Zeek's data pointer and len
// (the bytes the current step may read), as offsets.
type cursor struct{ pos, n int }

type labelState uint8

const (
	labelMore labelState = iota
	labelEnd
	labelError
)

// Name buffer sizes: Zeek extracts names into 513-byte buffers (TSIG's
// algorithm name into 1024 bytes), with one byte kept back.
const (
	nameCap     = 513
	tsigNameCap = 1024
)

// parser is Zeek's DNS_Interpreter: it parses one message at a time and
// raises events into a handler. It keeps its buffers between messages;
// nothing it hands out survives the event it is passed to.
type parser struct {
	cfg     *parseConfig
	h       host
	ev      handler
	netbios bool // either port is 137
	first   bool // no message parsed yet

	msg []byte // the message being parsed (borrowed)
	hdr msgHeader
	ans answer
	rd  rdata

	ownerBuf [nameCap]byte // record owner names
	nameBuf  [tsigNameCap]byte
	name2Buf [nameCap]byte
}

func (p *parser) init(cfg *parseConfig, h host, ev handler, netbios bool) {
	p.cfg, p.h, p.ev, p.netbios, p.first = cfg, h, ev, netbios, true
}

// Query direction arguments of parseMessage (Zeek's is_query).
const (
	fromResponder  = 0
	fromOriginator = 1
	fromUnknown    = 2 // a partial message flushed at the end of a TCP connection
)

// parseMessage is DNS_Interpreter::ParseMessage. msg is borrowed.
func (p *parser) parseMessage(msg []byte, isQuery int) {
	p.msg = msg
	p.parse(isQuery)
	p.msg = nil
}

func (p *parser) parse(isQuery int) {
	msg := p.msg
	if len(msg) < headerLen {
		p.h.weird("DNS_truncated_len_lt_hdr_len", "")
		return
	}
	flags := be16(msg[2:])
	opcode := uint8(flags>>11) & 0xf
	if opcode != opQuery && opcode != opDynamicUpdate && !p.netbios && opcode != opNotify {
		p.h.weird("DNS_unknown_opcode", strconv.Itoa(int(opcode)))
		p.h.unknownOpcode()
		return
	}
	m := &p.hdr
	*m = msgHeader{
		id:        be16(msg[0:]),
		opcode:    opcode,
		rcode:     flags & 0xf,
		qr:        flags&0x8000 != 0,
		aa:        flags&0x0400 != 0,
		tc:        flags&0x0200 != 0,
		rd:        flags&0x0100 != 0,
		ra:        flags&0x0080 != 0,
		z:         uint8(flags>>4) & 0x7,
		ad:        flags&0x0020 != 0,
		cd:        flags&0x0010 != 0,
		qdcount:   be16(msg[4:]),
		ancount:   be16(msg[6:]),
		nscount:   be16(msg[8:]),
		arcount:   be16(msg[10:]),
		netbios:   p.netbios,
		dynUpdate: opcode == opDynamicUpdate && !p.netbios,
	}
	if p.first && m.qr && isQuery == fromOriginator {
		// The first message is a reply from the originator: the roles
		// were guessed wrong (unless replies go to a multicast group).
		isQuery = fromResponder
		if !p.h.respAddr().IsMulticast() {
			p.h.flipRoles()
		}
	}
	m.isQuery = isQuery
	p.first = false
	p.ev.message(m)

	// Much non-DNS traffic on port 53 has absurd question counts.
	if p.cfg.maxQueries > 0 && int(m.qdcount) > p.cfg.maxQueries {
		p.h.violation("DNS_Conn_count_too_large")
		p.h.limitReached("DNS_Conn_count_too_large", strconv.Itoa(int(m.qdcount))+" > "+strconv.Itoa(p.cfg.maxQueries))
		p.ev.end(m)
		return
	}

	c := cursor{pos: headerLen, n: len(msg) - headerLen}
	if m.dynUpdate {
		if m.qdcount != 1 {
			// An update names exactly one zone.
			p.h.weird("DNS_DU_invalid_zone_count", strconv.Itoa(int(m.qdcount)))
			p.ev.end(m)
			return
		}
		// The zone section holds one SOA question.
		if !p.answerHeader(&c) {
			p.ev.end(m)
			return
		}
		if p.ans.qtype != typeSOA {
			p.h.weird("DNS_DU_incorrect_zone_type", "")
			return // Zeek ends here without dns_end
		}
		zclass := p.ans.qclass
		if !p.records(&c, int(m.ancount), secPrereq, zclass) || !p.records(&c, int(m.nscount), secUpdate, zclass) {
			p.ev.end(m)
			return
		}
	} else {
		for range m.qdcount {
			if !p.question(&c) {
				p.ev.end(m)
				return
			}
		}
		if !p.records(&c, int(m.ancount), secAnswer, 0) {
			p.ev.end(m)
			return
		}
	}
	p.h.confirm()

	skipAuth, skipAddl := p.cfg.skipAllAuth, p.cfg.skipAllAddl
	if m.ancount > 0 {
		server := p.h.respAddr()
		skipAuth = skipAuth || m.nscount == 0 || containsAddr(p.cfg.skipAuth, server)
		skipAddl = skipAddl || m.arcount == 0 || containsAddr(p.cfg.skipAddl, server)
	}
	if skipAuth && skipAddl {
		p.ev.end(m)
		return
	}
	if !m.dynUpdate {
		m.skipEvent = skipAuth
		if !p.records(&c, int(m.nscount), secAuthority, 0) {
			p.ev.end(m)
			return
		}
	}
	if !skipAddl {
		m.skipEvent = false
		p.records(&c, int(m.arcount), secAdditional, 0)
	}
	p.ev.end(m)
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

// Zeek's Extract* helpers: a read past the end returns zero and consumes
// nothing.

func (p *parser) u8(c *cursor) uint8 {
	if c.n < 1 {
		return 0
	}
	v := p.msg[c.pos]
	c.pos++
	c.n--
	return v
}

func (p *parser) u16(c *cursor) uint16 {
	if c.n < 2 {
		return 0
	}
	v := be16(p.msg[c.pos:])
	c.pos += 2
	c.n -= 2
	return v
}

func (p *parser) u32(c *cursor) uint32 {
	if c.n < 4 {
		return 0
	}
	b := p.msg[c.pos:]
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	c.pos += 4
	c.n -= 4
	return v
}

// bytes is ExtractStream: up to l bytes (fewer at the end).
func (p *parser) bytes(c *cursor, l int) []byte {
	l = min(max(l, 0), c.n)
	b := p.msg[c.pos : c.pos+l : c.pos+l]
	c.pos += l
	c.n -= l
	return b
}

// octets is ExtractOctets: a 16-bit length, then that many bytes.
func (p *parser) octets(c *cursor) []byte {
	return p.bytes(c, int(p.u16(c)))
}

func (p *parser) skip(c *cursor, n int) {
	n = min(n, c.n)
	c.pos += n
	c.n -= n
}

// charString reads a <character-string> (a length byte and that many
// bytes) from rdata with rdlen bytes left; nil when none is left or it
// runs past them (with Zeek's weird).
func (p *parser) charString(c *cursor, rdlen *int) []byte {
	if *rdlen <= 0 || c.n <= 0 {
		return nil
	}
	size := int(p.msg[c.pos])
	c.pos++
	c.n--
	*rdlen--
	if size > *rdlen || size > c.n {
		p.h.weird("DNS_TXT_char_str_past_rdlen", "")
		return nil
	}
	b := p.msg[c.pos : c.pos+size : c.pos+size]
	*rdlen -= size
	c.pos += size
	c.n -= size
	return b
}

// name is ExtractName into buf (capacity len(buf)-1 bytes): the name
// without its trailing dot, or ok false on a parse error (after a
// weird).
func (p *parser) name(c *cursor, buf []byte, downcase bool) ([]byte, bool) {
	end := p.extractName(c, buf, 0, len(buf)-1, downcase, 0)
	if end < 0 {
		return nil, false
	}
	return buf[:end:end], true
}

// extractName reads labels into buf from at, with room bytes of room,
// following compression pointers; it returns where the name ends in buf,
// or -1 on an error.
func (p *parser) extractName(c *cursor, buf []byte, at, room int, downcase bool, depth int) int {
	if depth > p.cfg.maxDepth {
		p.h.limitReached("DNS_max_compression_chain_depth_exceeded", strconv.Itoa(depth))
		return at
	}
	start := at
	for {
		st := p.extractLabel(c, buf, &at, &room, depth)
		if st == labelError {
			return -1
		}
		if st == labelEnd {
			break
		}
	}
	if at-start >= 255 {
		p.h.weird("DNS_NAME_too_long", "")
	}
	if at-start >= 2 && buf[at-1] == '.' {
		at--
	}
	if downcase {
		lower(buf[start:at])
	}
	return at
}

func lower(b []byte) {
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
}

// extractLabel is ExtractLabel: one label, or a compression pointer and
// the name it points to.
func (p *parser) extractLabel(c *cursor, buf []byte, at, room *int, depth int) labelState {
	if c.n <= 0 {
		p.h.weird("dns_invalid_name", "")
		return labelError
	}
	labelPos := c.pos
	l := int(p.msg[c.pos])
	c.pos++
	c.n--
	if l == 0 {
		return labelEnd
	}
	if l&0xc0 == 0xc0 {
		if c.n <= 0 {
			p.h.weird("dns_invalid_name", "")
			return labelError
		}
		off := (l&0x3f)<<8 | int(p.msg[c.pos])
		c.pos++
		c.n--
		if off >= labelPos {
			// Pointers must point backwards, which also rules out loops.
			p.h.weird("DNS_label_forward_compress_offset", "")
			return labelError
		}
		rc := cursor{pos: off, n: labelPos - off}
		end := p.extractName(&rc, buf, *at, *room, true, depth+1)
		if end < 0 {
			return labelError
		}
		*room -= end - *at
		*at = end
		return labelEnd
	}
	if l > c.n {
		p.h.weird("DNS_label_len_gt_pkt", "")
		c.pos += c.n
		c.n = 0
		return labelError
	}
	if l > 63 && p.h.respPort() != netbiosPort {
		// NetBIOS name service uses longer labels.
		p.h.weird("DNS_label_too_long", "")
		return labelError
	}
	if l >= *room {
		p.h.weird("DNS_label_len_gt_name_len", "")
		return labelError
	}
	copy(buf[*at:], p.msg[c.pos:c.pos+l])
	buf[*at+l] = '.'
	*at += l + 1
	*room -= l + 1
	c.pos += l
	c.n -= l
	return labelMore
}

// question is ParseQuestion.
func (p *parser) question(c *cursor) bool {
	name, ok := p.name(c, p.nameBuf[:nameCap], false)
	if !ok {
		return false
	}
	if c.n < 4 {
		p.h.weird("DNS_truncated_quest_too_short", "")
		return false
	}
	qtype := p.u16(c)
	qclass := p.u16(c)
	if !p.hdr.skipEvent {
		lower(name)
		p.ev.question(&p.hdr, name, qtype, qclass)
	}
	return true
}

// answerHeader is ParseAnswerHeader: owner name, type and class.
func (p *parser) answerHeader(c *cursor) bool {
	name, ok := p.name(c, p.ownerBuf[:], true)
	if !ok {
		return false
	}
	if c.n < 4 {
		p.h.weird("DNS_truncated_ans_too_short", "")
		return false
	}
	p.ans.name = name
	p.ans.qtype = p.u16(c)
	p.ans.qclass = p.u16(c)
	return true
}

// records is ParseAnswers: n records of one section.
func (p *parser) records(c *cursor, n int, sec section, zclass uint16) bool {
	p.ans.section = sec
	for ; n > 0; n-- {
		if !p.record(c, zclass) {
			return false
		}
	}
	return true
}

// wants reports whether the parser decodes a record of kind k: Zeek skips
// the data of records whose event has no handler, and of every record in
// a section whose events are skipped.
func (p *parser) wants(k rdKind) bool { return p.cfg.handled.has(k) && !p.hdr.skipEvent }

// emit raises a record event with the current record header.
func (p *parser) emit(k rdKind) {
	p.rd.kind = k
	p.ev.record(&p.hdr, &p.ans, &p.rd)
}

// resetRdata readies the decoded data for the next record, keeping its
// buffers. Each decoder sets every field of its kind, so only the shared
// fields are cleared here.
func (p *parser) resetRdata() {
	rd := &p.rd
	rd.kind = rdNone
	rd.name, rd.name2 = nil, nil
	rd.strs = rd.strs[:0]
	rd.svcb.params = rd.svcb.params[:0]
	rd.svcb.hasParams = false
}

// record is ParseAnswer.
func (p *parser) record(c *cursor, zclass uint16) bool {
	if !p.answerHeader(c) {
		return false
	}
	m, a := &p.hdr, &p.ans
	a.ttl = p.u32(c)
	rdlength := int(p.u16(c))
	if rdlength > c.n {
		p.h.weird("DNS_truncated_RR_rdlength_lt_len", "")
		return false
	}
	p.resetRdata()

	if m.dynUpdate {
		switch a.section {
		case secUpdate:
			if a.qclass == classAny && a.ttl == 0 && rdlength == 0 {
				// Delete an RRset, or all of a name's RRsets.
				if !m.skipEvent {
					p.emit(rdUpdateDelete)
				}
				return true
			}
			if !(a.qclass == classNone && a.ttl == 0 || a.qclass == zclass) {
				p.h.weird("DNS_dynamic_update_invalid_update", "")
				return true
			}
		case secPrereq:
			switch {
			case a.ttl != 0:
				p.h.weird("DNS_dynamic_update_prereq_nonzero_ttl", strconv.Itoa(int(int32(a.ttl))))
			case (a.qclass == classAny || a.qclass == classNone) && rdlength == 0 || a.qclass == zclass:
				if !m.skipEvent {
					p.emit(rdUpdatePrereq)
				}
			default:
				p.h.weird("DNS_dynamic_update_invalid_prereq", "")
			}
			// Prerequisites' data is not parsed (nor skipped).
			return true
		}
	}

	if rdlength == 0 && c.n > 0 {
		if m.dynUpdate {
			return true
		}
		p.h.weird("DNS_zero_rdlength", "")
		return false
	}

	switch a.qtype {
	case typeA:
		return p.rrA(c, rdlength)
	case typeA6, typeAAAA:
		return p.rrAAAA(c)
	case typeNS, typeCNAME, typePTR:
		return p.rrName(c, rdlength)
	case typeSOA:
		return p.rrSOA(c, rdlength)
	case typeWKS:
		return p.rrWKS(c, rdlength)
	case typeHINFO:
		return p.rrHINFO(c, rdlength)
	case typeMX:
		return p.rrMX(c, rdlength)
	case typeTXT:
		return p.rrTXT(c, rdlength, rdTXT)
	case typeSPF:
		return p.rrTXT(c, rdlength, rdSPF)
	case typeCAA:
		return p.rrCAA(c, rdlength)
	case typeNBS:
		p.skip(c, rdlength)
		return true
	case typeSRV:
		if p.h.respPort() == netbiosPort {
			// NetBIOS node status (NBSTAT) reuses SRV's number; Zeek
			// does not parse it, nor skip it.
			return true
		}
		return p.rrSRV(c, rdlength)
	case typeNAPTR:
		return p.rrNAPTR(c, rdlength)
	case typeOPT:
		return p.rrOPT(c, rdlength)
	case typeTKEY:
		return p.rrTKEY(c, rdlength)
	case typeTSIG:
		return p.rrTSIG(c)
	case typeRRSIG:
		return p.rrRRSIG(c, rdlength)
	case typeDNSKEY:
		return p.rrDNSKEY(c, rdlength)
	case typeNSEC:
		return p.rrNSEC(c, rdlength)
	case typeNSEC3:
		return p.rrNSEC3(c, rdlength)
	case typeNSEC3PARAM:
		return p.rrNSEC3PARAM(c, rdlength)
	case typeDS:
		return p.rrDS(c, rdlength)
	case typeBINDS:
		return p.rrBINDS(c, rdlength)
	case typeSSHFP:
		return p.rrSSHFP(c, rdlength)
	case typeLOC:
		return p.rrLOC(c, rdlength)
	case typeSVCB:
		return p.rrSVCB(c, rdlength, rdSVCB)
	case typeHTTPS:
		return p.rrSVCB(c, rdlength, rdHTTPS)
	}
	if !m.skipEvent {
		p.emit(rdUnknown)
	}
	p.h.weird("DNS_RR_unknown_type", strconv.Itoa(int(a.qtype)))
	p.skip(c, rdlength)
	return true
}
