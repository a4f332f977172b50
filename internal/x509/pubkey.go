package x509

import (
	"crypto/elliptic"
	"math/big"
)

// Object identifiers (DER content) the decoder acts on.
const (
	oidCommonName        = "\x55\x04\x03"
	oidRSAEncryption     = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"
	oidMD5WithRSA        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x04"
	oidRSAPSS            = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a"
	oidDSA               = "\x2a\x86\x48\xce\x38\x04\x01"
	oidECPublicKey       = "\x2a\x86\x48\xce\x3d\x02\x01"
	oidDHKeyAgreement    = "\x2a\x86\x48\x86\xf7\x0d\x01\x03\x01"
	oidDHPublicNumber    = "\x2a\x86\x48\xce\x3e\x02\x01"
	oidX25519            = "\x2b\x65\x6e"
	oidX448              = "\x2b\x65\x6f"
	oidEd25519           = "\x2b\x65\x70"
	oidEd448             = "\x2b\x65\x71"
	oidSM2               = "\x2a\x81\x1c\xcf\x55\x01\x82\x2d"
	oidBasicConstraints  = "\x55\x1d\x13"
	oidSubjectAltName    = "\x55\x1d\x11"
	oidPrime256v1        = "\x2a\x86\x48\xce\x3d\x03\x01\x07"
	oidSecp224r1         = "\x2b\x81\x04\x00\x21"
	oidSecp384r1         = "\x2b\x81\x04\x00\x22"
	oidSecp521r1         = "\x2b\x81\x04\x00\x23"
	oidPrimeFieldCurveID = "\x2a\x86\x48\xce\x3d\x01\x01"
)

// keyInfo is what Zeek reports about a certificate's public key: the key
// type, its size in bits, the RSA exponent and the EC curve. Unset
// fields are empty or 0, as when OpenSSL cannot decode the key.
type keyInfo struct {
	typ      string
	bits     int
	exponent string
	curve    string
}

// decodeKey decodes a SubjectPublicKeyInfo's key as OpenSSL does for the
// key types Zeek tells apart (RSA, DSA, EC) and the others it names by
// OpenSSL's type name (RSA-PSS, Ed25519, X25519, DH, …). algParams is
// the AlgorithmIdentifier's parameters element (tag 0 when absent);
// bits is the BIT STRING content after the unused-bits octet.
func decodeKey(alg []byte, algParams element, key []byte, unused byte) keyInfo {
	switch string(alg) {
	case oidRSAEncryption, oidMD5WithRSA:
		return rsaKey(key, "rsa", true)
	case oidRSAPSS:
		if algParams.tag != 0 && !validPSSParams(algParams) {
			return keyInfo{}
		}
		return rsaKey(key, "RSA-PSS", false)
	case oidDSA:
		return dsaKey(algParams, key)
	case oidECPublicKey:
		return ecKey(algParams, key)
	case oidDHKeyAgreement:
		return dhKey(algParams, key, "DH")
	case oidDHPublicNumber:
		return dhKey(algParams, key, "X9.42 DH")
	case oidEd25519:
		return rawKey(algParams, key, unused, 32, "ED25519", 256)
	case oidEd448:
		return rawKey(algParams, key, unused, 57, "ED448", 456)
	case oidX25519:
		return rawKey(algParams, key, unused, 32, "X25519", 253)
	case oidX448:
		return rawKey(algParams, key, unused, 56, "X448", 448)
	}
	return keyInfo{}
}

// unsignedBits is OpenSSL's BN_num_bits of an INTEGER content read as
// unsigned (its BIGNUM decoder ignores the sign).
func unsignedBits(c []byte) int { return bitLen(c) }

// rsaKey decodes RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
func rsaKey(key []byte, typ string, withExponent bool) keyInfo {
	r := derReader{b: key}
	seq, err := r.expect(tagSequence)
	if err != nil {
		return keyInfo{}
	}
	sr := derReader{b: seq.content}
	n, err1 := sr.expect(tagInteger)
	e, err2 := sr.expect(tagInteger)
	if err1 != nil || err2 != nil || !sr.empty() {
		return keyInfo{}
	}
	k := keyInfo{typ: typ, bits: unsignedBits(n.content)}
	if withExponent {
		k.exponent = new(big.Int).SetBytes(e.content).String()
	}
	return k
}

// validPSSParams accepts an RSASSA-PSS-params SEQUENCE (its fields are
// not checked further).
func validPSSParams(p element) bool { return p.tag == tagSequence || p.tag == tagNull }

// dsaKey decodes a DSA key: parameters SEQUENCE { p, q, g } (optional),
// key INTEGER y.
func dsaKey(params element, key []byte) keyInfo {
	bits := 0
	switch params.tag {
	case 0, tagNull:
	case tagSequence:
		pr := derReader{b: params.content}
		p, err1 := pr.expect(tagInteger)
		_, err2 := pr.expect(tagInteger)
		_, err3 := pr.expect(tagInteger)
		if err1 != nil || err2 != nil || err3 != nil || !pr.empty() {
			return keyInfo{}
		}
		bits = unsignedBits(p.content)
	default:
		return keyInfo{}
	}
	r := derReader{b: key}
	if _, err := r.expect(tagInteger); err != nil {
		return keyInfo{}
	}
	return keyInfo{typ: "dsa", bits: bits}
}

// dhKey decodes a Diffie-Hellman key: parameters SEQUENCE { p, g, … },
// key INTEGER.
func dhKey(params element, key []byte, typ string) keyInfo {
	if params.tag != tagSequence {
		return keyInfo{}
	}
	pr := derReader{b: params.content}
	p, err := pr.expect(tagInteger)
	if err != nil {
		return keyInfo{}
	}
	r := derReader{b: key}
	if _, err := r.expect(tagInteger); err != nil {
		return keyInfo{}
	}
	return keyInfo{typ: typ, bits: unsignedBits(p.content)}
}

// rawKey accepts the fixed-size keys of the Edwards and Montgomery
// curves (no parameters, whole octets, the exact size).
func rawKey(params element, key []byte, unused byte, size int, typ string, bits int) keyInfo {
	if params.tag != 0 || unused != 0 || len(key) != size {
		return keyInfo{}
	}
	return keyInfo{typ: typ, bits: bits}
}

// nistCurves are the curves whose points are checked for lying on the
// curve, as OpenSSL does when it decodes a key (y² = x³ - 3x + b mod p).
var nistCurves = map[string]*elliptic.CurveParams{
	oidSecp224r1:  elliptic.P224().Params(),
	oidPrime256v1: elliptic.P256().Params(),
	oidSecp384r1:  elliptic.P384().Params(),
	oidSecp521r1:  elliptic.P521().Params(),
}

// ecKey decodes an EC key: parameters a named curve OID (or explicit
// parameters), key an encoded point.
func ecKey(params element, key []byte) keyInfo {
	switch params.tag {
	case tagOID:
		e := lookupOID(params.content)
		if e == nil || e.orderBits == 0 {
			return keyInfo{}
		}
		if c, ok := nistCurves[string(params.content)]; ok {
			if !pointOnCurve(c, key) {
				return keyInfo{}
			}
		} else if !pointShapeOK(key, (e.orderBits+7)/8, false) {
			return keyInfo{}
		}
		typ := "ecdsa"
		if string(params.content) == oidSM2 {
			typ = "SM2"
		}
		k := keyInfo{typ: typ, bits: e.orderBits}
		if typ == "ecdsa" {
			k.curve = e.sn
		}
		return k
	case tagSequence:
		order, fieldBytes, ok := explicitCurve(params.content)
		if !ok || !pointShapeOK(key, fieldBytes, true) {
			return keyInfo{}
		}
		return keyInfo{typ: "ecdsa", bits: bitLen(order)}
	}
	return keyInfo{}
}

// pointOnCurve checks an uncompressed or compressed point on a NIST
// curve.
func pointOnCurve(c *elliptic.CurveParams, key []byte) bool {
	size := (c.BitSize + 7) / 8
	rhs := func(x *big.Int) *big.Int { // x³ - 3x + b mod p
		x3 := new(big.Int).Mul(x, x)
		x3.Mul(x3, x)
		three := new(big.Int).Lsh(x, 1)
		three.Add(three, x)
		x3.Sub(x3, three)
		x3.Add(x3, c.B)
		return x3.Mod(x3, c.P)
	}
	switch {
	case len(key) == 1+2*size && key[0] == 4:
		x := new(big.Int).SetBytes(key[1 : 1+size])
		y := new(big.Int).SetBytes(key[1+size:])
		if x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
			return false
		}
		y2 := new(big.Int).Mul(y, y)
		return y2.Mod(y2, c.P).Cmp(rhs(x)) == 0
	case len(key) == 1+size && (key[0] == 2 || key[0] == 3):
		x := new(big.Int).SetBytes(key[1:])
		if x.Cmp(c.P) >= 0 {
			return false
		}
		return new(big.Int).ModSqrt(rhs(x), c.P) != nil
	}
	return false
}

// pointShapeOK checks only the size of an encoded point.
func pointShapeOK(key []byte, size int, lenient bool) bool {
	if len(key) == 0 {
		return false
	}
	switch key[0] {
	case 4, 6, 7:
		return len(key) == 1+2*size || lenient && len(key)%2 == 1
	case 2, 3:
		return len(key) == 1+size || lenient
	}
	return false
}

// explicitCurve reads explicit ECParameters ::= SEQUENCE { version,
// fieldID, curve, base, order, cofactor OPTIONAL } and returns the order
// and the field size in octets.
func explicitCurve(c []byte) (order []byte, fieldBytes int, ok bool) {
	r := derReader{b: c}
	if _, err := r.expect(tagInteger); err != nil {
		return nil, 0, false
	}
	field, err := r.expect(tagSequence)
	if err != nil {
		return nil, 0, false
	}
	fr := derReader{b: field.content}
	ft, err := fr.expect(tagOID)
	if err != nil {
		return nil, 0, false
	}
	if string(ft.content) == oidPrimeFieldCurveID {
		p, err := fr.expect(tagInteger)
		if err != nil {
			return nil, 0, false
		}
		fieldBytes = (bitLen(p.content) + 7) / 8
	}
	if _, err := r.expect(tagSequence); err != nil {
		return nil, 0, false
	}
	if _, err := r.expect(tagOctetString); err != nil {
		return nil, 0, false
	}
	o, err := r.expect(tagInteger)
	if err != nil {
		return nil, 0, false
	}
	if fieldBytes == 0 {
		fieldBytes = (bitLen(o.content) + 7) / 8
	}
	return o.content, fieldBytes, true
}
