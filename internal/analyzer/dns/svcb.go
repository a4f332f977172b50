package dns

import (
	"net/netip"
	"strconv"
)

// The decoder of SVCB and HTTPS records (RFC 9460).

// rrSVCB is ParseRR_SVCB (RFC 9460), for SVCB and HTTPS records.
func (p *parser) rrSVCB(c *cursor, rdlength int, k rdKind) bool {
	start := c.pos
	if rdlength < 3 {
		// Two bytes of priority and at least the root name.
		p.h.weird("DNS_SVCB_wrong_length", "")
		return false
	}
	s := &p.rd.svcb
	s.priority = p.u16(c)
	target, ok := p.name(c, p.nameBuf[:nameCap], false)
	if !ok {
		return false
	}
	if len(target) == 0 {
		// The root: the alternative endpoint is the owner name.
		target = p.nameBuf[:1:1]
		target[0] = '.'
	}
	p.rd.name = target
	if left := rdlength - (c.pos - start); left > 0 {
		if s.priority == 0 {
			p.h.weird("DNS_SVCB_aliasmode_with_params", "")
		}
		p.svcParams(c, left)
		s.hasParams = true
	}
	p.emit(k)
	return true
}

// SVCB parameter keys (RFC 9460 section 14.3.2).
const (
	svcKeyMandatory = iota
	svcKeyALPN
	svcKeyNoDefaultALPN
	svcKeyPort
	svcKeyIPv4Hint
	svcKeyECH
	svcKeyIPv6Hint
)

// nextParam returns a cleared parameter at the end of the list, reusing
// its buffers.
func (p *parser) nextParam() *svcParam {
	s := &p.rd.svcb
	if len(s.params) < cap(s.params) {
		s.params = s.params[:len(s.params)+1]
	} else {
		s.params = append(s.params, svcParam{})
	}
	sp := &s.params[len(s.params)-1]
	*sp = svcParam{mandatory: sp.mandatory[:0], alpn: sp.alpn[:0], hints: sp.hints[:0]}
	return sp
}

// svcParams is Parse_SvcParams over left bytes of parameters.
func (p *parser) svcParams(c *cursor, left int) {
	for left >= 4 {
		sp := p.nextParam()
		key := p.u16(c)
		vlen := int(p.u16(c))
		left -= 4
		if vlen > left {
			// Zeek leaves the key unset here.
			p.h.weird("DNS_SVCB_param_value_toobig", strconv.Itoa(vlen)+" capped to "+strconv.Itoa(left))
			vlen = left
			p.svcRaw(c, sp, vlen)
			left -= vlen
			continue
		}
		sp.key = key
		sp.has |= svcKey
		switch sp.key {
		case svcKeyMandatory:
			if vlen == 0 || vlen%2 != 0 {
				p.h.weird("DNS_SVCB_mandatory_length_invalid", "")
				p.svcRaw(c, sp, vlen)
				break
			}
			for i := 0; i+2 <= vlen; i += 2 {
				sp.mandatory = append(sp.mandatory, p.u16(c))
			}
			sp.has |= svcMandatory
		case svcKeyALPN:
			p.svcALPN(c, sp, vlen)
		case svcKeyNoDefaultALPN:
			if vlen > 0 {
				p.h.weird("DNS_SVCB_nodefaultalpn_value", "")
				p.svcRaw(c, sp, vlen)
			}
		case svcKeyPort:
			if vlen != 2 {
				p.h.weird("DNS_SVCB_port_length_invalid", "")
				p.svcRaw(c, sp, vlen)
				break
			}
			sp.port = p.u16(c)
			sp.has |= svcPort
		case svcKeyIPv4Hint, svcKeyIPv6Hint:
			size := 4
			if sp.key == svcKeyIPv6Hint {
				size = 16
			}
			if vlen%size != 0 {
				p.h.weird("DNS_SVCB_hint_length_invalid", "")
				p.svcRaw(c, sp, vlen)
				break
			}
			for i := 0; i+size <= vlen; i += size {
				b := p.bytes(c, size)
				if len(b) < size {
					break
				}
				if size == 4 {
					sp.hints = append(sp.hints, netip.AddrFrom4([4]byte(b)))
				} else {
					sp.hints = append(sp.hints, netip.AddrFrom16([16]byte(b)))
				}
			}
			if len(sp.hints) > 0 {
				sp.has |= svcHints
			}
		case svcKeyECH:
			sp.ech = p.bytes(c, vlen)
			sp.has |= svcECH
		default:
			p.h.weird("DNS_SVCB_key_reserved_or_invalid", "")
			p.svcRaw(c, sp, vlen)
		}
		left -= vlen
	}
}

// svcRaw keeps a malformed or unknown parameter's value as it is.
func (p *parser) svcRaw(c *cursor, sp *svcParam, vlen int) {
	sp.raw = p.bytes(c, vlen)
	sp.has |= svcRaw
}

// svcALPN decodes an alpn parameter: length-prefixed protocol ids. A
// malformed list is kept raw, whole.
func (p *parser) svcALPN(c *cursor, sp *svcParam, vlen int) {
	start := *c
	parsed := 0
	for parsed+2 <= vlen {
		l := int(p.u8(c))
		parsed++
		if l == 0 || l+parsed > vlen {
			p.h.weird("DNS_SVCB_alpn_length_invalid", "")
			*c = start
			sp.alpn = sp.alpn[:0]
			p.svcRaw(c, sp, vlen)
			return
		}
		sp.alpn = append(sp.alpn, p.bytes(c, l))
		parsed += l
	}
	if parsed != vlen {
		p.h.weird("DNS_SVCB_alpn_length_invalid", "")
		*c = start
		sp.alpn = sp.alpn[:0]
		p.svcRaw(c, sp, vlen)
		return
	}
	if len(sp.alpn) > 0 {
		sp.has |= svcALPN
	}
}
