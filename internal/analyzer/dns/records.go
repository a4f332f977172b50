package dns

import (
	"net/netip"
	"strconv"
)

// The decoders of the record types of RFC 1035 and its early successors:
// each is Zeek's ParseRR_<type>, reading the same bytes and giving up in
// the same places.

func (p *parser) rrA(c *cursor, rdlength int) bool {
	if rdlength != 4 {
		p.h.weird("DNS_RR_bad_length", "")
		return false
	}
	v := p.u32(c)
	p.rd.addr = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	if !p.hdr.skipEvent {
		p.emit(rdA)
	}
	return true
}

// rrAAAA reads 16 bytes whatever the record's length says, as Zeek does
// (short reads give zeros).
func (p *parser) rrAAAA(c *cursor) bool {
	var a [16]byte
	for i := 0; i < 16; i += 4 {
		v := p.u32(c)
		a[i], a[i+1], a[i+2], a[i+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	p.rd.addr = netip.AddrFrom16(a)
	if !p.hdr.skipEvent {
		if p.ans.qtype == typeAAAA {
			p.emit(rdAAAA)
		} else {
			p.emit(rdA6)
		}
	}
	return true
}

func (p *parser) lengthCheck(c *cursor, start, rdlength int) {
	if c.pos-start != rdlength {
		p.h.weird("DNS_RR_length_mismatch", "")
	}
}

func (p *parser) rrName(c *cursor, rdlength int) bool {
	start := c.pos
	name, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	p.lengthCheck(c, start, rdlength)
	p.rd.name = name
	if !p.hdr.skipEvent {
		switch p.ans.qtype {
		case typeNS:
			p.emit(rdNS)
		case typeCNAME:
			p.emit(rdCNAME)
		default:
			p.emit(rdPTR)
		}
	}
	return true
}

func (p *parser) rrSOA(c *cursor, rdlength int) bool {
	start := c.pos
	mname, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	rname, ok := p.name(c, p.name2Buf[:], true)
	if !ok {
		return false
	}
	if c.n < 20 {
		return false
	}
	s := &p.rd.soa
	s.serial, s.refresh, s.retry, s.expire, s.minimum = p.u32(c), p.u32(c), p.u32(c), p.u32(c), p.u32(c)
	p.lengthCheck(c, start, rdlength)
	p.rd.name, p.rd.name2 = mname, rname
	if !p.hdr.skipEvent {
		p.emit(rdSOA)
	}
	return true
}

func (p *parser) rrMX(c *cursor, rdlength int) bool {
	start := c.pos
	p.rd.preference = p.u16(c)
	name, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	p.lengthCheck(c, start, rdlength)
	p.rd.name = name
	if !p.hdr.skipEvent {
		p.emit(rdMX)
	}
	return true
}

func (p *parser) rrSRV(c *cursor, rdlength int) bool {
	start := c.pos
	s := &p.rd.srv
	s.priority, s.weight, s.port = p.u16(c), p.u16(c), p.u16(c)
	name, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	p.lengthCheck(c, start, rdlength)
	p.rd.name = name
	if !p.hdr.skipEvent {
		p.emit(rdSRV)
	}
	return true
}

// rrWKS raises its event without consuming the record's data when the
// event is handled, as Zeek does: the next record is read from there.
func (p *parser) rrWKS(c *cursor, rdlength int) bool {
	if !p.wants(rdWKS) {
		p.skip(c, rdlength)
		return true
	}
	p.emit(rdWKS)
	return true
}

func (p *parser) rrHINFO(c *cursor, rdlength int) bool {
	if !p.wants(rdHINFO) {
		p.skip(c, rdlength)
		return true
	}
	p.rd.hinfo.cpu = p.charString(c, &rdlength)
	p.rd.hinfo.os = p.charString(c, &rdlength)
	p.emit(rdHINFO)
	return rdlength == 0
}

func (p *parser) rrTXT(c *cursor, rdlength int, k rdKind) bool {
	if !p.wants(k) {
		p.skip(c, rdlength)
		return true
	}
	for {
		s := p.charString(c, &rdlength)
		if s == nil {
			break
		}
		p.rd.strs = append(p.rd.strs, s)
	}
	p.emit(k)
	return rdlength == 0
}

func (p *parser) rrCAA(c *cursor, rdlength int) bool {
	if !p.wants(rdCAA) {
		p.skip(c, rdlength)
		return true
	}
	flags := p.u16(c)
	tagLen := int(flags & 0xff)
	rdlength -= 2
	if tagLen >= rdlength {
		p.h.weird("DNS_CAA_char_str_past_rdlen", "")
		return false
	}
	p.rd.caa.flags = flags >> 8
	p.rd.caa.tag = p.bytes(c, tagLen)
	rdlength -= tagLen
	p.rd.caa.value = p.bytes(c, rdlength)
	rdlength -= len(p.rd.caa.value)
	p.emit(rdCAA)
	return rdlength == 0
}

func (p *parser) rrNAPTR(c *cursor, rdlength int) bool {
	n := &p.rd.naptr
	n.order, n.preference = p.u16(c), p.u16(c)
	rdlength -= 4
	if c.n <= 0 || rdlength <= 0 {
		p.h.violation("DNS_NAPTR_too_short")
		return false
	}
	n.flags = p.charString(c, &rdlength)
	n.service = p.charString(c, &rdlength)
	n.regexp = p.charString(c, &rdlength)
	// The replacement is a name; compression is not allowed there, but
	// Zeek follows pointers anyway.
	repl, ok := p.name(c, p.nameBuf[:nameCap], false)
	if n.flags == nil || n.service == nil || n.regexp == nil || !ok {
		p.h.violation("DNS_NAPTR_RR_too_short")
		return false
	}
	p.rd.name = repl
	if !p.hdr.skipEvent {
		p.emit(rdNAPTR)
	}
	return true
}

// rrBINDS reads BIND's private signing-state record: always five bytes,
// whatever its length says.
func (p *parser) rrBINDS(c *cursor, rdlength int) bool {
	if !p.wants(rdBINDS) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 5 {
		return false
	}
	v := p.u32(c)
	b := &p.rd.binds
	b.algorithm = uint8(v >> 24)
	b.keyID = uint16(v >> 8)
	b.removal = uint8(v)
	b.complete = p.u8(c)
	p.emit(rdBINDS)
	return true
}

func (p *parser) rrSSHFP(c *cursor, rdlength int) bool {
	if !p.wants(rdSSHFP) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 2 {
		return false
	}
	s := &p.rd.sshfp
	af := p.u16(c)
	s.algorithm, s.fpType = uint8(af>>8), uint8(af)
	s.fingerprint = p.bytes(c, rdlength-2)
	p.emit(rdSSHFP)
	return true
}

func (p *parser) rrLOC(c *cursor, rdlength int) bool {
	if rdlength != 16 {
		p.h.weird("dns_invalid_loc_length", "")
		return false
	}
	if !p.wants(rdLOC) {
		p.skip(c, rdlength)
		return true
	}
	l := &p.rd.loc
	vs := p.u16(c)
	l.version, l.size = uint8(vs>>8), uint8(vs)
	hv := p.u16(c)
	l.horizPre, l.vertPre = uint8(hv>>8), uint8(hv)
	l.latitude, l.longitude, l.altitude = p.u32(c), p.u32(c), p.u32(c)
	if l.version != 0 {
		p.h.weird("DNS_LOC_version_unrecognized", strconv.Itoa(int(l.version)))
	}
	p.emit(rdLOC)
	return true
}
