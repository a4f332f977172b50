package x509

import "unicode/utf8"

// nameEntry is one attribute of a distinguished name: its RDN index, type
// and value (a primitive element; constructed string encodings are
// collected into one). Slices alias the certificate, except collected
// values.
type nameEntry struct {
	set   int
	oid   []byte
	value element
}

// nameValueTypes says which universal tags OpenSSL accepts as the value
// of a name attribute (its ASN1_PRINTABLE string mask: the string types
// PrintableString, T61String, IA5String, NumericString, UTF8String,
// BMPString, UniversalString, plus BIT STRING, SEQUENCE and the tags
// that map to "unknown").
var nameValueTypes = func() (ok [32]bool) {
	for _, t := range []int{3, 7, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 28, 29, 30, 31} {
		ok[t] = true
	}
	return
}()

// parseName decodes a Name (SEQUENCE OF SET OF AttributeTypeAndValue)
// into entries, checking what OpenSSL's decoder checks, including that
// every directory string converts to UTF-8.
func parseName(content []byte, dst []nameEntry) ([]nameEntry, error) {
	r := derReader{b: content}
	set := 0
	for !r.empty() {
		rdn, err := r.expectOf(tagSet)
		if err != nil {
			return nil, err
		}
		rr := derReader{b: rdn.content}
		for !rr.empty() {
			atv, err := rr.expect(tagSequence)
			if err != nil {
				return nil, err
			}
			ar := derReader{b: atv.content}
			oid, err := ar.expect(tagOID)
			if err != nil || !validOID(oid.content) {
				return nil, errDER
			}
			val, err := ar.next()
			if err != nil || !ar.empty() {
				return nil, errDER
			}
			if val, err = nameValue(val); err != nil {
				return nil, err
			}
			dst = append(dst, nameEntry{set: set, oid: oid.content, value: val})
		}
		set++
	}
	return dst, nil
}

// nameValue checks a name value as OpenSSL decodes and canonicalises
// it and returns it in primitive form: an accepted universal type, a
// SEQUENCE constructed (kept whole), a string primitive or constructed
// (collected), and for the directory string types content that converts
// to UTF-8.
func nameValue(e element) (element, error) {
	if e.tag&0xc0 != 0 || !nameValueTypes[e.tag&0x1f] {
		return e, errDER
	}
	if e.tag&0x1f == 16 {
		if e.tag&0x20 == 0 {
			return e, errDER
		}
		return e, nil
	}
	if e.tag&0x20 != 0 {
		c, ok := stringContent(e)
		if !ok {
			return e, errDER
		}
		e.tag &^= 0x20
		e.content = c
	}
	if !nameValueOK(e) {
		return e, errDER
	}
	return e, nil
}

// nameValueOK checks a primitive string value's content.
func nameValueOK(e element) bool {
	switch e.tag & 0x1f {
	case 3: // BIT STRING: the unused-bits octet
		return len(e.content) > 0 && e.content[0] <= 7
	case tagUTF8String:
		return validUTF8(e.content)
	case tagBMPString:
		if len(e.content)%2 != 0 {
			return false
		}
		for i := 0; i < len(e.content); i += 2 {
			if c := rune(e.content[i])<<8 | rune(e.content[i+1]); c >= 0xd800 && c <= 0xdfff {
				return false
			}
		}
	case tagUniversalString:
		if len(e.content)%4 != 0 {
			return false
		}
		for i := 0; i < len(e.content); i += 4 {
			c := uint32(e.content[i])<<24 | uint32(e.content[i+1])<<16 | uint32(e.content[i+2])<<8 | uint32(e.content[i+3])
			if c > 0x10ffff || c >= 0xd800 && c <= 0xdfff {
				return false
			}
		}
	}
	return true
}

// validUTF8 is OpenSSL's notion of valid UTF-8: one- to four-octet
// sequences, no overlong forms, no surrogates, nothing above U+10FFFF.
func validUTF8(b []byte) bool {
	for len(b) > 0 {
		if b[0] < 0x80 {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		b = b[n:]
	}
	return true
}

// Escape classes of ASCII characters under RFC 2253 printing.
const (
	escAlways = 1 << iota // , + " \ < > ;  → backslash escape
	escFirst              // # and space at the start
	escLast               // space at the end
	escCtrl               // control characters and DEL → \XX
)

var escClass = func() (c [128]uint8) {
	for i := 0; i < 0x20; i++ {
		c[i] = escCtrl
	}
	c[0x7f] = escCtrl
	for _, ch := range `,+"\<>;` {
		c[ch] = escAlways
	}
	c['#'] = escFirst
	c[' '] = escFirst | escLast
	return
}()

const hexUpper = "0123456789ABCDEF"

// appendName appends the name as OpenSSL's X509_NAME_print_ex prints it
// with XN_FLAG_RFC2253: entries in reverse order, short attribute names,
// "," between RDNs and "+" within one, values escaped per RFC 2253 with
// control and non-ASCII octets as \XX, values of unknown attributes and
// of non-string types as # and the hex of their DER encoding.
func appendName(dst []byte, entries []nameEntry) []byte {
	prev := -1
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if prev != -1 {
			if prev == e.set {
				dst = append(dst, '+')
			} else {
				dst = append(dst, ',')
			}
		}
		prev = e.set
		name, known := oidShort(e.oid)
		dst = append(dst, name...)
		dst = append(dst, '=')
		dst = appendNameValue(dst, e.value, !known)
	}
	return dst
}

// appendNameValue prints one attribute value (OpenSSL's do_print_ex with
// the RFC 2253 string flags).
func appendNameValue(dst []byte, v element, dumpAll bool) []byte {
	width := -1 // octets per character; 0: UTF-8 taken octet by octet
	if !dumpAll {
		switch v.tag {
		case tagUTF8String:
			width = 0
		case tagNumericString, tagPrintableString, tagT61String, tagIA5String,
			tagUTCTime, tagGeneralizedTime, 0x1a:
			width = 1
		case tagUniversalString:
			width = 4
		case tagBMPString:
			width = 2
		}
	}
	if width < 0 {
		dst = append(dst, '#')
		return appendHexDER(dst, v)
	}
	s := v.content
	if width == 0 {
		// UTF-8 is printed octet by octet.
		for i, c := range s {
			dst = appendEscaped(dst, c, i == 0, i == len(s)-1)
		}
		return dst
	}
	if len(s)%width != 0 {
		return dst
	}
	n := len(s) / width
	var buf [4]byte
	for i := 0; i < n; i++ {
		var c rune
		for _, b := range s[i*width : (i+1)*width] {
			c = c<<8 | rune(b)
		}
		if c < 0x80 {
			dst = appendEscaped(dst, byte(c), i == 0, i == n-1)
			continue
		}
		// Converted to UTF-8; every octet is then above 0x7f and escaped.
		k := utf8.EncodeRune(buf[:], c)
		for _, b := range buf[:k] {
			dst = append(dst, '\\', hexUpper[b>>4], hexUpper[b&15])
		}
	}
	return dst
}

// appendEscaped prints one octet with RFC 2253 escaping. first and last
// say where it stands; as in OpenSSL, a one-character value counts only
// as last.
func appendEscaped(dst []byte, c byte, first, last bool) []byte {
	if c >= 0x80 {
		return append(dst, '\\', hexUpper[c>>4], hexUpper[c&15])
	}
	cl := escClass[c]
	if last {
		first = false
	}
	switch {
	case cl&escAlways != 0, first && cl&escFirst != 0, last && cl&escLast != 0:
		return append(dst, '\\', c)
	case cl&escCtrl != 0:
		return append(dst, '\\', hexUpper[c>>4], hexUpper[c&15])
	}
	return append(dst, c)
}

// bitStringData is a BIT STRING's value as OpenSSL keeps it: the octets
// after the unused-bits octet, with the unused bits cleared.
func bitStringData(c []byte) []byte {
	if len(c) < 2 {
		return nil
	}
	d := append([]byte(nil), c[1:]...)
	d[len(d)-1] &= 0xff << c[0]
	return d
}

// appendHexDER appends the uppercase hex of an element's DER encoding as
// OpenSSL writes it again (header in minimal form; a BIT STRING with its
// unused bits cleared).
func appendHexDER(dst []byte, v element) []byte {
	if v.tag == tagSequence { // kept as received
		for _, b := range v.raw {
			dst = append(dst, hexUpper[b>>4], hexUpper[b&15])
		}
		return dst
	}
	if v.tag == tagBitString {
		d := bitStringData(v.content)
		unused := byte(0)
		if len(d) > 0 {
			unused = v.content[0]
		}
		v.content = append([]byte{unused}, d...)
	}
	var hdr [6]byte
	h := encodeHeader(hdr[:0], v.tag, len(v.content))
	for _, b := range h {
		dst = append(dst, hexUpper[b>>4], hexUpper[b&15])
	}
	for _, b := range v.content {
		dst = append(dst, hexUpper[b>>4], hexUpper[b&15])
	}
	return dst
}

// encodeHeader appends a DER identifier and minimal length.
func encodeHeader(dst []byte, tag byte, n int) []byte {
	dst = append(dst, tag)
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n < 0x100:
		return append(dst, 0x81, byte(n))
	case n < 0x10000:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// lastCN returns the value of the last commonName attribute as OpenSSL's
// ASN1_STRING_print shows it (octets outside printable ASCII, except CR
// and LF, as '.'), cut at the first line feed as BIO_gets does.
func lastCN(entries []nameEntry) (string, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if string(entries[i].oid) == oidCommonName {
			v := entries[i].value
			s := v.content
			switch v.tag {
			case tagSequence:
				s = v.raw // OpenSSL keeps a SEQUENCE value whole
			case tagBitString:
				s = bitStringData(v.content)
			}
			b := make([]byte, 0, len(s))
			for _, c := range s {
				if c > '~' || c < ' ' && c != '\n' && c != '\r' {
					c = '.'
				}
				b = append(b, c)
				if c == '\n' || len(b) == bioLineMax {
					break
				}
			}
			return string(b), true
		}
	}
	return "", false
}

// bioLineMax is the most characters Zeek reads from an OpenSSL BIO line
// (a 2048-byte buffer, one byte for the terminator).
const bioLineMax = 2047

// ParseDistinguishedName is Zeek's parse_distinguished_name: a DER
// Name printed as X509_NAME_print_ex prints it with XN_FLAG_RFC2253, at
// most 255 characters, or "" when OpenSSL would not decode it. der is
// only read.
func ParseDistinguishedName(der []byte) string {
	r := derReader{b: der}
	n, err := r.expectOf(tagSequence)
	if err != nil {
		return ""
	}
	var scratch [16]nameEntry
	entries, err := parseName(n.content, scratch[:0])
	if err != nil {
		return ""
	}
	b := appendName(make([]byte, 0, 128), entries)
	s := bioLine(b)
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}
