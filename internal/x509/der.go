package x509

import "errors"

// errDER is the error of every malformed DER element. The decoder does not
// say more: Zeek reports any certificate that OpenSSL cannot decode with
// one weird, x509_cert_parse_error.
var errDER = errors.New("x509: malformed DER")

// ASN.1 universal tags the decoder cares about.
const (
	tagBoolean         = 0x01
	tagInteger         = 0x02
	tagBitString       = 0x03
	tagOctetString     = 0x04
	tagNull            = 0x05
	tagOID             = 0x06
	tagUTF8String      = 0x0c
	tagSequence        = 0x30 // constructed
	tagSet             = 0x31 // constructed
	tagNumericString   = 0x12
	tagPrintableString = 0x13
	tagT61String       = 0x14
	tagIA5String       = 0x16
	tagUTCTime         = 0x17
	tagGeneralizedTime = 0x18
	tagUniversalString = 0x1c
	tagBMPString       = 0x1e
)

// element is one decoded DER element: its identifier octet, its content
// and the whole encoding (header and content). Both slices alias the
// input.
type element struct {
	tag     byte // identifier octet (class, constructed bit, tag number < 31)
	content []byte
	raw     []byte
}

// derReader walks a sequence of DER elements in a byte slice. It accepts
// what OpenSSL's decoder accepts for certificates: definite lengths in
// short or long form (long form may be longer than needed), single-octet
// identifiers, and BER indefinite lengths for constructed elements
// (the content excludes the end-of-contents octets). High tag numbers
// (>= 31) are rejected; real certificates use none.
type derReader struct {
	b     []byte
	depth int // nesting of indefinite-length elements being scanned
}

// maxNesting bounds nested indefinite-length elements (OpenSSL's
// ASN1_MAX_CONSTRUCTED_NEST).
const maxNesting = 30

// empty reports whether every element has been read.
func (r *derReader) empty() bool { return len(r.b) == 0 }

// peekTag returns the identifier octet of the next element, or 0 at the
// end.
func (r *derReader) peekTag() byte {
	if len(r.b) == 0 {
		return 0
	}
	return r.b[0]
}

// next reads the next element.
func (r *derReader) next() (element, error) {
	b := r.b
	if len(b) < 2 {
		return element{}, errDER
	}
	tag := b[0]
	if tag&0x1f == 0x1f {
		return element{}, errDER
	}
	n := int(b[1])
	hdr := 2
	if n == 0x80 {
		// BER indefinite length, which OpenSSL accepts for constructed
		// types: the content runs to the matching end-of-contents.
		if tag&0x20 == 0 || r.depth >= maxNesting {
			return element{}, errDER
		}
		in := derReader{b: b[2:], depth: r.depth + 1}
		for {
			if len(in.b) >= 2 && in.b[0] == 0 && in.b[1] == 0 {
				end := len(b) - len(in.b)
				e := element{tag: tag, content: b[2:end], raw: b[:end+2]}
				r.b = b[end+2:]
				return e, nil
			}
			if _, err := in.next(); err != nil {
				return element{}, errDER
			}
		}
	}
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return element{}, errDER // indefinite or absurd length
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		if n < 0 {
			return element{}, errDER
		}
		hdr += k
	}
	if n > len(b)-hdr {
		return element{}, errDER
	}
	e := element{tag: tag, content: b[hdr : hdr+n], raw: b[:hdr+n]}
	r.b = b[hdr+n:]
	return e, nil
}

// expect reads the next element and checks its identifier octet.
func (r *derReader) expect(tag byte) (element, error) {
	if r.peekTag() != tag {
		return element{}, errDER
	}
	return r.next()
}

// expectString reads a primitive string-like element (BIT STRING, OCTET
// STRING, a string or time type, or an implicitly tagged one) of the
// given tag, or its constructed BER form, which OpenSSL collects. The
// result is primitive.
func (r *derReader) expectString(tag byte) (element, error) {
	t := r.peekTag()
	if t != tag && t != tag|0x20 {
		return element{}, errDER
	}
	e, err := r.next()
	if err != nil {
		return e, err
	}
	if t == tag {
		return e, nil
	}
	c, ok := stringContent(e)
	if !ok {
		return e, errDER
	}
	e.tag, e.content = tag, c
	return e, nil
}

// optionalString is expectString for an optional element.
func (r *derReader) optionalString(tag byte) (element, bool, error) {
	if t := r.peekTag(); t != tag && t != tag|0x20 {
		return element{}, false, nil
	}
	e, err := r.expectString(tag)
	return e, err == nil, err
}

// expectOf reads a SEQUENCE OF or SET OF: OpenSSL's decoder checks the
// tag number and class but not the constructed bit there.
func (r *derReader) expectOf(tag byte) (element, error) {
	if t := r.peekTag(); t != tag && t != tag&^0x20 {
		return element{}, errDER
	}
	return r.next()
}

// optional reads the next element if it has the given identifier octet.
func (r *derReader) optional(tag byte) (element, bool, error) {
	if len(r.b) == 0 || r.b[0] != tag {
		return element{}, false, nil
	}
	e, err := r.next()
	return e, err == nil, err
}

// stringContent returns the octets of a string element: its content, or
// for a constructed (BER) encoding the concatenated contents of its
// pieces (of any tag, as OpenSSL collects them).
func stringContent(e element) ([]byte, bool) {
	if e.tag&0x20 == 0 {
		return e.content, true
	}
	var out []byte
	var collect func(b []byte, depth int) bool
	collect = func(b []byte, depth int) bool {
		if depth > 5 {
			return false
		}
		r := derReader{b: b}
		for !r.empty() {
			if len(r.b) >= 2 && r.b[0] == 0 && r.b[1] == 0 {
				return false // end-of-contents where none may be
			}
			p, err := r.next()
			if err != nil {
				return false
			}
			if p.tag&0x20 != 0 {
				if !collect(p.content, depth+1) {
					return false
				}
				continue
			}
			out = append(out, p.content...)
		}
		return true
	}
	if !collect(e.content, 0) {
		return nil, false
	}
	if out == nil {
		out = []byte{}
	}
	return out, true
}

// integerMagnitude checks an INTEGER's content as OpenSSL does (no empty
// content, no superfluous leading octets) and returns its magnitude
// without sign octet and whether it is negative. The magnitude aliases
// the content for non-negative values; for negative ones it is a new
// slice.
func integerMagnitude(c []byte) (mag []byte, neg bool, err error) {
	if len(c) == 0 {
		return nil, false, errDER
	}
	neg = c[0]&0x80 != 0
	if len(c) == 1 {
		if neg {
			return []byte{^c[0] + 1}, true, nil
		}
		return c, false, nil
	}
	pad := false
	switch c[0] {
	case 0x00:
		pad = true
	case 0xff:
		for _, x := range c[1:] {
			if x != 0 {
				pad = true
				break
			}
		}
	}
	if pad && neg == (c[1]&0x80 != 0) {
		return nil, false, errDER // illegal padding
	}
	if pad {
		c = c[1:]
	}
	if !neg {
		return c, false, nil
	}
	// Two's complement of the (unpadded) content.
	out := make([]byte, len(c))
	carry := 1
	for i := len(c) - 1; i >= 0; i-- {
		v := int(^c[i]&0xff) + carry
		out[i] = byte(v)
		carry = v >> 8
	}
	return out, true, nil
}

// smallInt decodes an INTEGER content as a signed 64-bit value (ok false
// when it does not fit or is malformed).
func smallInt(c []byte) (int64, bool) {
	mag, neg, err := integerMagnitude(c)
	if err != nil || len(mag) > 8 {
		return 0, false
	}
	var v uint64
	for _, x := range mag {
		v = v<<8 | uint64(x)
	}
	if v > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// bitLen returns the number of significant bits of a big-endian magnitude.
func bitLen(mag []byte) int {
	for i, x := range mag {
		if x != 0 {
			n := 0
			for ; x != 0; x >>= 1 {
				n++
			}
			return (len(mag)-i-1)*8 + n
		}
	}
	return 0
}
