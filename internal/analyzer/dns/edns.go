package dns

import (
	"net/netip"
	"strconv"
)

// The decoders of the transaction records: OPT (RFC 6891) with its
// options, TSIG (RFC 8945) and TKEY (RFC 2930).

// EDNS option codes the parser decodes.
const (
	ednsECS       = 8
	ednsCookie    = 10
	ednsKeepalive = 11
)

// rrOPT is ParseRR_EDNS: the OPT pseudo-record and its options.
func (p *parser) rrOPT(c *cursor, rdlength int) bool {
	m, a := &p.hdr, &p.ans
	if !m.skipEvent {
		e := &p.rd.edns
		e.payloadSize = a.qclass
		e.extRcode = (a.ttl>>24&0xff)<<4 | uint32(m.rcode)
		e.version = a.ttl >> 16 & 0xff
		e.z = a.ttl & 0xffff
		e.ttl = a.ttl
		p.emit(rdEDNS)
	}
	remaining := rdlength
	for remaining >= 4 {
		code := p.u16(c)
		olen := int(p.u16(c))
		remaining -= 4
		if olen > remaining {
			p.h.weird("EDNS_truncated_option", "")
			return false
		}
		opt := cursor{pos: c.pos, n: olen}
		switch code {
		case ednsECS:
			p.optECS(&opt, olen)
		case ednsKeepalive:
			if olen == 0 || olen == 2 {
				k := &p.rd.keepalive
				*k = keepaliveData{omitted: true}
				if olen == 2 {
					k.timeout = p.u16(&opt)
					k.omitted = false
				}
				if !p.h.tcp() {
					// RFC 7828: never over UDP.
					p.h.weird("EDNS_TCP_Keepalive_In_UDP", "")
				}
				p.ev.record(m, nil, p.kind(rdTCPKeepalive))
			}
		case ednsCookie:
			// An 8-byte client cookie, and 8 to 32 bytes of server cookie.
			if olen == 8 || olen >= 16 && olen <= 40 {
				p.rd.cookie.client = p.bytes(&opt, 8)
				p.rd.cookie.server = nil
				if olen-8 >= 8 {
					p.rd.cookie.server = p.bytes(&opt, olen-8)
				}
				p.ev.record(m, nil, p.kind(rdCookie))
			}
		}
		p.skip(c, olen)
		remaining -= olen
	}
	if remaining != 0 {
		p.h.weird("EDNS_truncated_option", "")
		return false
	}
	return true
}

// kind sets the kind of the decoded data and returns it.
func (p *parser) kind(k rdKind) *rdata {
	p.rd.kind = k
	return &p.rd
}

// optECS decodes an EDNS client subnet option (RFC 7871).
func (p *parser) optECS(opt *cursor, olen int) {
	if olen <= 4 {
		p.h.weird("EDNS_ECS_invalid_option_len", "")
		return
	}
	e := &p.rd.ecs
	family := p.u16(opt)
	sc := p.u16(opt)
	e.sourcePrefixLen, e.scopePrefixLen = uint8(sc>>8), uint8(sc)
	bits := int(e.sourcePrefixLen)
	var a [16]byte
	switch family {
	case 1:
		if bits > 32 {
			p.h.weird("EDNS_ECS_invalid_addr_v4_prefix", strconv.Itoa(bits)+" bits")
			return
		}
		if bits > opt.n*8 {
			p.h.weird("EDNS_ECS_invalid_addr_v4", "need "+strconv.Itoa(bits)+" bits, have "+strconv.Itoa(opt.n*8)+" bits")
			return
		}
		copy(a[:], p.bytes(opt, (bits+7)/8))
		e.family, e.address = "v4", netip.AddrFrom4([4]byte(a[:4]))
	case 2:
		if bits > 128 {
			p.h.weird("EDNS_ECS_invalid_addr_v6_prefix", strconv.Itoa(bits)+" bits")
			return
		}
		if bits > opt.n*8 {
			p.h.weird("EDNS_ECS_invalid_addr_v6", "need "+strconv.Itoa(bits)+" bits, have "+strconv.Itoa(opt.n*8)+" bits")
			return
		}
		copy(a[:], p.bytes(opt, (bits+7)/8))
		e.family, e.address = "v6", netip.AddrFrom16(a)
	default:
		return
	}
	p.ev.record(&p.hdr, nil, p.kind(rdECS))
}

func (p *parser) rrTSIG(c *cursor) bool {
	alg, ok := p.name(c, p.nameBuf[:tsigNameCap], true)
	if !ok {
		return false
	}
	t := &p.rd.tsig
	t.timeSec = p.u32(c)
	t.timeMsec = p.u16(c)
	t.fudge = p.u16(c)
	t.mac = p.octets(c)
	t.origID = p.u16(c)
	t.errorCode = p.u16(c)
	p.octets(c) // other data
	p.rd.name = alg
	if p.cfg.handled.has(rdTSIG) {
		p.emit(rdTSIG)
	}
	return true
}

func (p *parser) rrTKEY(c *cursor, rdlength int) bool {
	if !p.wants(rdTKEY) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 16 {
		return false
	}
	alg, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	t := &p.rd.tkey
	t.inception = p.u32(c)
	t.expiration = p.u32(c)
	t.mode = p.u16(c)
	t.errorCode = p.u16(c)
	t.key = p.octets(c)
	p.octets(c) // other data
	p.rd.name = alg
	p.emit(rdTKEY)
	return true
}
