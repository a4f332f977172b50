package dns

import "strconv"

// The decoders of the DNSSEC records (RFC 4034, RFC 5155).

// DNSSEC algorithm numbers with weirds of their own.
const (
	algRSAMD5     = 1
	algIndirect   = 252
	algPrivateDNS = 253
	algPrivateOID = 254
)

// algWeird raises Zeek's weird for a DNSSEC algorithm that is not
// recommended or not known; prefix is "DNSSEC_RRSIG" or "DNSSEC_DNSKEY".
func (p *parser) algWeird(prefix string, alg uint8) {
	var what string
	switch alg {
	case algRSAMD5:
		what = "_NotRecommended_ZoneSignAlgo"
	case 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16:
		return
	case algIndirect:
		what = "_Indirect_ZoneSignAlgo"
	case algPrivateDNS:
		what = "_PrivateDNS_ZoneSignAlgo"
	case algPrivateOID:
		what = "_PrivateOID_ZoneSignAlgo"
	default:
		what = "_unknown_ZoneSignAlgo"
	}
	p.h.weird(prefix+what, strconv.Itoa(int(alg)))
}

func (p *parser) rrRRSIG(c *cursor, rdlength int) bool {
	if !p.wants(rdRRSIG) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 18 {
		return false
	}
	r := &p.rd.rrsig
	r.typeCovered = p.u16(c)
	al := p.u16(c)
	r.algorithm, r.labels = uint8(al>>8), uint8(al)
	r.origTTL = p.u32(c)
	r.expiration = p.u32(c)
	r.inception = p.u32(c)
	r.keyTag = p.u16(c)
	start := c.pos
	signer, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	r.signature = p.bytes(c, rdlength-(c.pos-start+18))
	p.algWeird("DNSSEC_RRSIG", r.algorithm)
	p.rd.name = signer
	p.emit(rdRRSIG)
	return true
}

func (p *parser) rrDNSKEY(c *cursor, rdlength int) bool {
	if !p.wants(rdDNSKEY) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 4 {
		return false
	}
	k := &p.rd.dnskey
	k.flags = p.u16(c)
	pa := p.u16(c)
	k.protocol, k.algorithm = uint8(pa>>8), uint8(pa)
	k.key = p.bytes(c, rdlength-4)
	// Flag bits 7 (zone key), 8 (revoked) and 15 (secure entry point)
	// are the defined ones.
	if k.flags&0xfe7e != 0 {
		p.h.weird("DNSSEC_DNSKEY_Invalid_Flag", strconv.Itoa(int(k.flags)))
	}
	if k.flags&0x0181 == 0x0181 {
		p.h.weird("DNSSEC_DNSKEY_Revoked_KSK", strconv.Itoa(int(k.flags)))
	}
	if k.protocol != 3 {
		p.h.weird("DNSSEC_DNSKEY_Invalid_Protocol", strconv.Itoa(int(k.protocol)))
	}
	p.algWeird("DNSSEC_DNSKEY", k.algorithm)
	p.emit(rdDNSKEY)
	return true
}

// bitmaps reads NSEC/NSEC3 type bitmap blocks (a window number, a
// length, the bitmap) from left bytes of the record.
func (p *parser) bitmaps(c *cursor, left int, weird string) {
	for left > 0 && c.n > 0 {
		wl := p.u16(c)
		window, l := wl>>8, int(wl&0xff)
		if l == 0 {
			p.h.weird(weird, strconv.Itoa(int(window)))
			break
		}
		p.rd.strs = append(p.rd.strs, p.bytes(c, l))
		left -= 2 + l
	}
}

func (p *parser) rrNSEC(c *cursor, rdlength int) bool {
	if !p.wants(rdNSEC) {
		p.skip(c, rdlength)
		return true
	}
	start := c.pos
	next, ok := p.name(c, p.nameBuf[:nameCap], true)
	if !ok {
		return false
	}
	p.bitmaps(c, rdlength-(c.pos-start), "DNSSEC_NSEC_bitmapLen0")
	p.rd.name = next
	p.emit(rdNSEC)
	return true
}

// saltOrHash reads a length byte (if any is left) and up to that many
// bytes.
func (p *parser) saltOrHash(c *cursor) (uint8, []byte) {
	var l uint8
	if c.n > 0 {
		l = p.u8(c)
	}
	return l, p.bytes(c, int(l))
}

func (p *parser) rrNSEC3(c *cursor, rdlength int) bool {
	if !p.wants(rdNSEC3) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 6 {
		return false
	}
	start := c.pos
	n := &p.rd.nsec3
	af := p.u16(c)
	n.hashAlgo, n.flags = uint8(af>>8), uint8(af)
	n.iterations = p.u16(c)
	n.saltLen, n.salt = p.saltOrHash(c)
	n.hashLen, n.hash = p.saltOrHash(c)
	p.bitmaps(c, rdlength-(c.pos-start), "DNSSEC_NSEC3_bitmapLen0")
	p.emit(rdNSEC3)
	return true
}

func (p *parser) rrNSEC3PARAM(c *cursor, rdlength int) bool {
	if !p.wants(rdNSEC3PARAM) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 5 {
		return false
	}
	n := &p.rd.nsec3
	af := p.u16(c)
	n.hashAlgo, n.flags = uint8(af>>8), uint8(af)
	n.iterations = p.u16(c)
	n.saltLen, n.salt = p.saltOrHash(c)
	n.hashLen, n.hash = 0, nil
	p.emit(rdNSEC3PARAM)
	return true
}

func (p *parser) rrDS(c *cursor, rdlength int) bool {
	if !p.wants(rdDS) {
		p.skip(c, rdlength)
		return true
	}
	if c.n < 4 {
		return false
	}
	d := &p.rd.ds
	d.keyTag = p.u16(c)
	ad := p.u16(c)
	d.algorithm, d.digestType = uint8(ad>>8), uint8(ad)
	d.digest = p.bytes(c, rdlength-4)
	switch d.digestType {
	case 1, 2, 3, 4:
	case 0:
		p.h.weird("DNSSEC_DS_ReservedDigestType", strconv.Itoa(int(d.digestType)))
	default:
		p.h.weird("DNSSEC_DS_unknown_DigestType", strconv.Itoa(int(d.digestType)))
	}
	p.emit(rdDS)
	return true
}
