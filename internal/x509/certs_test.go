package x509

import (
	"crypto/ecdh"
	"strings"
	"testing"
)

// The test certificates are built here from scratch, deterministically:
// Zeek's decoder does not check signatures, so the signature is filler
// and keys need only be well formed (EC points on their curve).

// tlv encodes one DER element.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := encodeHeader(nil, tag, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func seq(parts ...[]byte) []byte { return tlv(tagSequence, parts...) }

// oidDER encodes a dotted OID.
func oidDER(dotted string) []byte {
	var arcs []uint64
	for _, p := range strings.Split(dotted, ".") {
		var v uint64
		for _, c := range p {
			v = v*10 + uint64(c-'0')
		}
		arcs = append(arcs, v)
	}
	var out []byte
	rest := append([]uint64{arcs[0]*40 + arcs[1]}, arcs[2:]...)
	for _, v := range rest {
		var tmp []byte
		tmp = append(tmp, byte(v&0x7f))
		for v >>= 7; v > 0; v >>= 7 {
			tmp = append(tmp, byte(v&0x7f)|0x80)
		}
		for i := len(tmp) - 1; i >= 0; i-- {
			out = append(out, tmp[i])
		}
	}
	return tlv(tagOID, out)
}

func str(tag byte, s string) []byte { return tlv(tag, []byte(s)) }

// atv is one attribute: OID and encoded value.
type atv struct {
	oid string
	val []byte
}

// name builds a Name; each inner slice is one RDN.
func name(rdns ...[]atv) []byte {
	var sets [][]byte
	for _, rdn := range rdns {
		var as [][]byte
		for _, a := range rdn {
			as = append(as, seq(oidDER(a.oid), a.val))
		}
		sets = append(sets, tlv(tagSet, as...))
	}
	return seq(sets...)
}

func rdn(oid string, val []byte) []atv { return []atv{{oid, val}} }

func cn(s string) []atv { return rdn("2.5.4.3", str(tagUTF8String, s)) }

func utc(s string) []byte { return str(tagUTCTime, s) }

func integer(b ...byte) []byte { return tlv(tagInteger, b) }

// rsaSPKI is an RSA key with a filler modulus of the given bits.
func rsaSPKI(bits int, exp ...byte) []byte {
	n := make([]byte, bits/8+1)
	for i := 1; i < len(n); i++ {
		n[i] = byte(0xa5 ^ i)
	}
	n[1] |= 0x80
	key := seq(tlv(tagInteger, n), tlv(tagInteger, exp))
	return seq(seq(oidDER("1.2.840.113549.1.1.1"), tlv(tagNull)), tlv(tagBitString, []byte{0}, key))
}

// ecSPKI is an EC key on a NIST curve (from a fixed private scalar).
func ecSPKI(curveOID string, c ecdh.Curve, size int, compressed bool) []byte {
	scalar := make([]byte, size)
	scalar[size-1] = 7
	k, err := c.NewPrivateKey(scalar)
	if err != nil {
		panic(err)
	}
	pt := k.PublicKey().Bytes()
	if compressed {
		x, y := pt[1:1+size], pt[1+size:]
		pt = append([]byte{2 | y[len(y)-1]&1}, x...)
	}
	return seq(seq(oidDER("1.2.840.10045.2.1"), oidDER(curveOID)), tlv(tagBitString, []byte{0}, pt))
}

func rawSPKI(oid string, n int) []byte {
	key := make([]byte, n)
	for i := range key {
		key[i] = byte(i * 7)
	}
	return seq(seq(oidDER(oid)), tlv(tagBitString, []byte{0}, key))
}

const sha256RSA = "1.2.840.113549.1.1.11"

// certSpec describes one test certificate.
type certSpec struct {
	version         []byte // nil: v1 (absent)
	serial          []byte
	sigAlg          string
	issuer, subject []byte
	notBefore       []byte
	notAfter        []byte
	spki            []byte
	exts            [][]byte
}

func (s certSpec) der() []byte {
	alg := seq(oidDER(s.sigAlg), tlv(tagNull))
	var parts [][]byte
	if s.version != nil {
		parts = append(parts, tlv(0xa0, s.version))
	}
	parts = append(parts, s.serial, alg, s.issuer, seq(s.notBefore, s.notAfter), s.subject, s.spki)
	if s.exts != nil {
		parts = append(parts, tlv(0xa3, seq(s.exts...)))
	}
	tbs := seq(parts...)
	sig := tlv(tagBitString, []byte{0}, []byte("not a real signature, Zeek does not check it"))
	return seq(tbs, alg, sig)
}

func ext(oid string, critical bool, value []byte) []byte {
	if critical {
		return seq(oidDER(oid), tlv(tagBoolean, []byte{0xff}), tlv(tagOctetString, value))
	}
	return seq(oidDER(oid), tlv(tagOctetString, value))
}

func base() certSpec {
	return certSpec{
		version:   integer(2),
		serial:    integer(0x1e, 0x58, 0xfd, 0xc1, 0x2d, 0xe4, 0xc7, 0x03),
		sigAlg:    sha256RSA,
		issuer:    name(rdn("2.5.4.6", str(tagPrintableString, "US")), rdn("2.5.4.10", str(tagPrintableString, "Heron Test CA")), cn("Heron Test Root")),
		subject:   name(rdn("2.5.4.6", str(tagPrintableString, "US")), rdn("2.5.4.7", str(tagPrintableString, "Mountain View")), cn("*.example.com")),
		notBefore: utc("140409120508Z"),
		notAfter:  utc("140708000000Z"),
		spki:      rsaSPKI(2048, 1, 0, 1),
	}
}

type namedCert struct {
	name string
	der  []byte
}

// generatedCerts returns the test certificates: one base certificate and
// variations of every field Zeek formats.
func generatedCerts(tb testing.TB) []namedCert {
	var out []namedCert
	add := func(name string, f func(*certSpec)) {
		s := base()
		if f != nil {
			f(&s)
		}
		out = append(out, namedCert{name, s.der()})
	}
	add("base", nil)
	add("v1", func(s *certSpec) { s.version = nil })
	add("v2", func(s *certSpec) { s.version = integer(1) })
	add("v5", func(s *certSpec) { s.version = integer(4) })
	add("serial-zero", func(s *certSpec) { s.serial = integer(0) })
	add("serial-negative", func(s *certSpec) { s.serial = integer(0xff, 0x01) })
	add("serial-minus-one", func(s *certSpec) { s.serial = integer(0xff) })
	add("serial-padded", func(s *certSpec) { s.serial = integer(0x00, 0x80, 0x01) })
	add("serial-bad-padding", func(s *certSpec) { s.serial = integer(0x00, 0x01) })
	add("serial-long", func(s *certSpec) {
		b := make([]byte, 40)
		for i := range b {
			b[i] = byte(i + 1)
		}
		s.serial = integer(b...)
	})
	add("name-escapes", func(s *certSpec) {
		s.subject = name(cn(`a,b+c"d\e<f>g;h`), rdn("2.5.4.10", str(tagUTF8String, "#lead and trail ")), rdn("2.5.4.11", str(tagUTF8String, " x#")))
	})
	add("name-single-chars", func(s *certSpec) {
		s.subject = name(cn("#"), rdn("2.5.4.10", str(tagUTF8String, " ")), rdn("2.5.4.11", str(tagUTF8String, "")))
	})
	add("name-control", func(s *certSpec) { s.subject = name(cn("a\x00b\x01c\x7fd\ne")) })
	add("name-utf8", func(s *certSpec) {
		s.subject = name(cn("Müller Straße €"), rdn("2.5.4.7", str(tagUTF8String, "日本")))
	})
	add("name-latin1-t61", func(s *certSpec) { s.subject = name(rdn("2.5.4.3", str(tagT61String, "caf\xe9"))) })
	add("name-bmp", func(s *certSpec) {
		s.subject = name(rdn("2.5.4.3", tlv(tagBMPString, []byte{0, 'A', 0x00, 0xe9, 0x20, 0xac})))
	})
	add("name-universal", func(s *certSpec) {
		s.subject = name(rdn("2.5.4.3", tlv(tagUniversalString, []byte{0, 0, 0, 'Z', 0, 1, 0xf6, 0x00})))
	})
	add("name-ia5-numeric", func(s *certSpec) {
		s.subject = name(rdn("1.2.840.113549.1.9.1", str(tagIA5String, "a@b.example")), rdn("2.5.4.5", str(tagNumericString, "0123 45")))
	})
	add("name-unknown-oid", func(s *certSpec) { s.subject = name(rdn("1.2.3.4.5", str(tagUTF8String, "secret")), cn("x")) })
	add("name-multivalued", func(s *certSpec) {
		s.subject = name([]atv{{"2.5.4.3", str(tagUTF8String, "one")}, {"2.5.4.11", str(tagUTF8String, "two")}}, cn("three"))
	})
	add("name-several-cn", func(s *certSpec) { s.subject = name(cn("first"), cn("last\x80\xffcn")) })
	add("name-ev-attributes", func(s *certSpec) {
		s.subject = name(rdn("1.3.6.1.4.1.311.60.2.1.3", str(tagPrintableString, "US")),
			rdn("1.3.6.1.4.1.311.60.2.1.2", str(tagUTF8String, "Delaware")),
			rdn("2.5.4.15", str(tagPrintableString, "Private Organization")),
			rdn("2.5.4.9", str(tagUTF8String, "1 Main St")), rdn("2.5.4.17", str(tagUTF8String, "94568")),
			rdn("0.9.2342.19200300.100.1.25", str(tagIA5String, "com")), rdn("0.9.2342.19200300.100.1.1", str(tagUTF8String, "uid1")))
	})
	add("name-empty", func(s *certSpec) { s.subject = seq() })
	add("name-bitstring-value", func(s *certSpec) { s.subject = name(rdn("2.5.4.45", tlv(3, []byte{0, 0xab}))) })
	add("name-sequence-value", func(s *certSpec) { s.subject = name(rdn("2.5.4.3", seq(integer(5)))) })
	add("name-integer-value", func(s *certSpec) { s.subject = name(rdn("2.5.4.3", integer(5))) })
	add("name-visible-value", func(s *certSpec) { s.subject = name(rdn("2.5.4.3", str(0x1a, "visible"))) })
	add("name-bad-utf8", func(s *certSpec) { s.subject = name(rdn("2.5.4.3", str(tagUTF8String, "a\xc3"))) })
	add("name-odd-bmp", func(s *certSpec) { s.subject = name(rdn("2.5.4.3", tlv(tagBMPString, []byte{0, 'A', 0}))) })
	add("time-generalized", func(s *certSpec) {
		s.notBefore = str(tagGeneralizedTime, "20150903123000Z")
		s.notAfter = str(tagGeneralizedTime, "20501231235959.123Z")
	})
	add("time-y2k-window", func(s *certSpec) { s.notBefore = utc("491231235959Z"); s.notAfter = utc("500101000000Z") })
	add("time-no-seconds", func(s *certSpec) { s.notBefore = utc("1404091205Z") })
	add("time-offset", func(s *certSpec) { s.notBefore = str(tagGeneralizedTime, "20140409120508+0130") })
	add("time-bad-utc", func(s *certSpec) { s.notBefore = utc("140409120508") })
	add("time-short", func(s *certSpec) { s.notAfter = utc("1404Z") })
	add("key-rsa-1024", func(s *certSpec) { s.spki = rsaSPKI(1024, 3) })
	add("key-rsa-4096-big-exponent", func(s *certSpec) { s.spki = rsaSPKI(4096, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01) })
	add("key-p256", func(s *certSpec) { s.spki = ecSPKI("1.2.840.10045.3.1.7", ecdh.P256(), 32, false) })
	add("key-p384-compressed", func(s *certSpec) { s.spki = ecSPKI("1.3.132.0.34", ecdh.P384(), 48, true) })
	add("key-p521", func(s *certSpec) { s.spki = ecSPKI("1.3.132.0.35", ecdh.P521(), 66, false) })
	add("key-p256-off-curve", func(s *certSpec) {
		k := ecSPKI("1.2.840.10045.3.1.7", ecdh.P256(), 32, false)
		k[len(k)-1] ^= 1
		s.spki = k
	})
	add("key-ed25519", func(s *certSpec) { s.spki = rawSPKI("1.3.101.112", 32) })
	add("key-ed448", func(s *certSpec) { s.spki = rawSPKI("1.3.101.113", 57) })
	add("key-x25519", func(s *certSpec) { s.spki = rawSPKI("1.3.101.110", 32) })
	add("key-ed25519-short", func(s *certSpec) { s.spki = rawSPKI("1.3.101.112", 31) })
	add("key-unknown", func(s *certSpec) { s.spki = rawSPKI("1.2.3.4", 20) })
	add("key-rsa-garbage", func(s *certSpec) {
		s.spki = seq(seq(oidDER("1.2.840.113549.1.1.1"), tlv(tagNull)), tlv(tagBitString, []byte{0, 1, 2, 3}))
	})
	add("key-md5rsa-alg", func(s *certSpec) {
		k := rsaSPKI(2048, 1, 0, 1)
		s.spki = append(seq(seq(oidDER("1.2.840.113549.1.1.4"), tlv(tagNull))), k[len(seq(seq(oidDER("1.2.840.113549.1.1.1"), tlv(tagNull)))):]...)
		s.spki = seq(seq(oidDER("1.2.840.113549.1.1.4"), tlv(tagNull)), tlv(tagBitString, []byte{0}, seq(tlv(tagInteger, []byte{0, 0xc1, 0x02}), integer(3))))
	})
	add("key-dsa", func(s *certSpec) {
		p := make([]byte, 129)
		p[1] = 0x80
		params := seq(tlv(tagInteger, p), integer(5), integer(2))
		s.spki = seq(seq(oidDER("1.2.840.10040.4.1"), params), tlv(tagBitString, []byte{0}, integer(0x42)))
	})
	add("sig-ecdsa", func(s *certSpec) { s.sigAlg = "1.2.840.10045.4.3.2" })
	add("sig-unknown", func(s *certSpec) { s.sigAlg = "2.16.840.1.101.3.4.3.17" })
	add("sig-pss", func(s *certSpec) { s.sigAlg = "1.2.840.113549.1.1.10" })
	sanExt := func(names ...[]byte) []byte { return ext("2.5.29.17", false, seq(names...)) }
	add("san-mixed", func(s *certSpec) {
		s.exts = [][]byte{sanExt(
			str(0x82, "www.example.com"), str(0x82, "*.example.com"), str(0x81, "admin@example.com"),
			str(0x86, "https://example.com/"), tlv(0x87, []byte{192, 0, 2, 1}),
			tlv(0x87, []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
			tlv(0xa4, name(cn("dir"))), tlv(0x88, oidDER("1.2.3")[2:]),
		)}
	})
	add("san-bad-ip-length", func(s *certSpec) {
		s.exts = [][]byte{sanExt(tlv(0x87, []byte{1, 2, 3}), str(0x82, "a.example"))}
	})
	add("san-garbage", func(s *certSpec) { s.exts = [][]byte{ext("2.5.29.17", false, []byte{0x30, 0x03, 0x82, 0x05})} })
	add("san-two", func(s *certSpec) {
		s.exts = [][]byte{sanExt(str(0x82, "first.example")), sanExt(str(0x82, "second.example"))}
	})
	add("san-empty", func(s *certSpec) { s.exts = [][]byte{sanExt()} })
	add("bc-ca-pathlen", func(s *certSpec) {
		s.exts = [][]byte{ext("2.5.29.19", true, seq(tlv(tagBoolean, []byte{0xff}), integer(0)))}
	})
	add("bc-empty", func(s *certSpec) { s.exts = [][]byte{ext("2.5.29.19", false, seq())} })
	add("bc-pathlen-only", func(s *certSpec) { s.exts = [][]byte{ext("2.5.29.19", false, seq(integer(3)))} })
	add("bc-garbage", func(s *certSpec) { s.exts = [][]byte{ext("2.5.29.19", false, []byte{1, 2, 3})} })
	add("ext-unknown-critical", func(s *certSpec) {
		s.exts = [][]byte{ext("1.2.3.4.5.6", true, []byte{0x04, 0x00}), ext("2.5.29.19", false, seq(tlv(tagBoolean, []byte{0x01})))}
	})
	add("ext-bad-boolean", func(s *certSpec) {
		s.exts = [][]byte{seq(oidDER("2.5.29.19"), tlv(tagBoolean, []byte{0xff, 0xff}), tlv(tagOctetString, seq()))}
	})
	out = append(out, namedCert{"trailing-garbage", append(base().der(), 1, 2, 3)})
	out = append(out, namedCert{"truncated", base().der()[:100]})
	return out
}
