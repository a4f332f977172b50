package x509

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// ErrParse is returned by Decode for a certificate OpenSSL would not
// decode; Zeek reports it with the weird x509_cert_parse_error.
var ErrParse = errors.New("x509: certificate does not parse")

// WeirdParse is the weird Zeek raises for a certificate that does not
// decode.
const WeirdParse = "x509_cert_parse_error"

// Certificate is Zeek's X509::Certificate record: the basic fields of a
// certificate as Zeek's X509 analyzer formats them (through OpenSSL).
type Certificate struct {
	// Version is the certificate version (1 to 3).
	Version uint64 `zeek:"version"`
	// Serial is the serial number in uppercase hex ("-" prefix when
	// negative).
	Serial string `zeek:"serial"`
	// Subject is the subject name in OpenSSL's RFC 2253 form.
	Subject string `zeek:"subject"`
	// Issuer is the issuer name in the same form.
	Issuer string `zeek:"issuer"`
	// CN is the last common name of the subject (not logged).
	CN zeek.Opt[string] `zeek:"-"`
	// NotValidBefore is the start of the validity period.
	NotValidBefore zeek.Time `zeek:"not_valid_before"`
	// NotValidAfter is the end of the validity period.
	NotValidAfter zeek.Time `zeek:"not_valid_after"`
	// KeyAlg is the public key algorithm's name (OpenSSL's long name,
	// or the dotted OID).
	KeyAlg string `zeek:"key_alg"`
	// SigAlg is the signature algorithm's name ("" when OpenSSL does not
	// know it).
	SigAlg string `zeek:"sig_alg"`
	// KeyType is "rsa", "dsa", "ecdsa" or OpenSSL's name of another key
	// type; unset when the key does not decode.
	KeyType zeek.Opt[string] `zeek:"key_type"`
	// KeyLength is the key size in bits.
	KeyLength zeek.Opt[uint64] `zeek:"key_length"`
	// Exponent is the RSA public exponent in decimal.
	Exponent zeek.Opt[string] `zeek:"exponent"`
	// Curve is the EC key's curve (OpenSSL's name).
	Curve zeek.Opt[string] `zeek:"curve"`
}

// SubjectAlternativeName is Zeek's X509::SubjectAlternativeName: the
// names of the certificate's subjectAltName extension, by kind.
type SubjectAlternativeName struct {
	// DNS holds the dNSName entries.
	DNS zeek.Opt[[]string] `zeek:"dns"`
	// URI holds the uniformResourceIdentifier entries.
	URI zeek.Opt[[]string] `zeek:"uri"`
	// Email holds the rfc822Name entries.
	Email zeek.Opt[[]string] `zeek:"email"`
	// IP holds the iPAddress entries.
	IP zeek.Opt[[]zeek.Addr] `zeek:"ip"`
	// OtherFields is true when other kinds of names were present (not
	// logged).
	OtherFields bool `zeek:"-"`
}

// BasicConstraints is Zeek's X509::BasicConstraints.
type BasicConstraints struct {
	// CA is the cA flag.
	CA bool `zeek:"ca"`
	// PathLen is the pathLenConstraint.
	PathLen zeek.Opt[uint64] `zeek:"path_len"`
}

// Weird is a weird the decoder raises for the certificate's file.
type Weird struct {
	Name, Addl string
}

// Decoded is a decoded certificate: the fields of Zeek's X509::Info that
// come from the certificate, the names used for hostname checks, and the
// weirds decoding raised.
type Decoded struct {
	// Fingerprint is the SHA-256 of the certificate's DER encoding as
	// OpenSSL re-encodes it (Zeek's X509::hash_function over
	// x509_get_certificate_string), in lowercase hex.
	Fingerprint string
	// Cert holds the basic fields.
	Cert Certificate
	// SAN is the last subjectAltName extension that decoded.
	SAN zeek.Opt[SubjectAlternativeName]
	// BasicConstraints is the last basicConstraints extension that
	// decoded.
	BasicConstraints zeek.Opt[BasicConstraints]
	// Weirds are the file weirds decoding raised, in order.
	Weirds []Weird

	// der is the certificate as OpenSSL encodes it again (kept only with
	// LogCertsBase64).
	der []byte

	// hostnames for x509_check_cert_hostname: hasSAN says whether a
	// subjectAltName extension exists (first one), sanOK whether it
	// decoded, sanDNS its IA5 dNSNames.
	hasSAN, sanOK bool
	sanDNS        []string
}

// Decode decodes a DER certificate as Zeek's X509 file analyzer does.
// der is only read; the result does not alias it. A certificate OpenSSL
// would reject gives ErrParse.
func Decode(der []byte) (*Decoded, error) {
	var scratch [16]nameEntry
	r := derReader{b: der}
	certEl, err := r.expect(tagSequence) // trailing bytes are ignored
	if err != nil {
		return nil, ErrParse
	}
	cr := derReader{b: certEl.content}
	tbs, err1 := cr.expect(tagSequence)
	sigAlg, err2 := cr.expect(tagSequence)
	sig, err3 := cr.expectString(tagBitString)
	if err1 != nil || err2 != nil || err3 != nil || !cr.empty() {
		return nil, ErrParse
	}
	sigOID, _, ok := parseAlgorithm(sigAlg.content)
	if !ok || !validBitString(sig.content) {
		return nil, ErrParse
	}

	d := &Decoded{}
	c := &d.Cert
	tr := derReader{b: tbs.content}
	version := int64(0)
	if v, present, err := tr.optional(0xa0); err != nil {
		return nil, ErrParse
	} else if present {
		vr := derReader{b: v.content}
		vi, err := vr.expect(tagInteger)
		if err != nil || !vr.empty() {
			return nil, ErrParse
		}
		if _, _, err := integerMagnitude(vi.content); err != nil {
			return nil, ErrParse
		}
		n, ok := smallInt(vi.content)
		if !ok {
			n = -1 // ASN1_INTEGER_get's error value
		}
		version = n
	}
	c.Version = uint64(version + 1)

	serial, err := tr.expect(tagInteger)
	if err != nil {
		return nil, ErrParse
	}
	mag, neg, err := integerMagnitude(serial.content)
	if err != nil {
		return nil, ErrParse
	}
	c.Serial = truncate(formatSerial(mag, neg), 2048) // Zeek reads one 2048-byte buffer

	tbsSig, err := tr.expect(tagSequence)
	if err != nil {
		return nil, ErrParse
	}
	if _, _, ok := parseAlgorithm(tbsSig.content); !ok {
		return nil, ErrParse
	}
	issuerEl, err := tr.expectOf(tagSequence)
	if err != nil {
		return nil, ErrParse
	}
	issuer, err := parseName(issuerEl.content, scratch[:0])
	if err != nil {
		return nil, ErrParse
	}
	nameBuf := make([]byte, 0, 256)
	nameBuf = appendName(nameBuf, issuer)
	c.Issuer = bioLine(nameBuf)

	validity, err := tr.expect(tagSequence)
	if err != nil {
		return nil, ErrParse
	}
	vr := derReader{b: validity.content}
	nb, err1 := vr.time()
	na, err2 := vr.time()
	if err1 != nil || err2 != nil || !vr.empty() {
		return nil, ErrParse
	}

	subjectEl, err := tr.expectOf(tagSequence)
	if err != nil {
		return nil, ErrParse
	}
	subject, err := parseName(subjectEl.content, scratch[:0])
	if err != nil {
		return nil, ErrParse
	}
	c.Subject = bioLine(appendName(nameBuf[:0], subject))
	if cn, ok := lastCN(subject); ok {
		c.CN = zeek.Some(cn)
	}

	spki, err := tr.expect(tagSequence)
	if err != nil {
		return nil, ErrParse
	}
	sr := derReader{b: spki.content}
	keyAlgEl, err1 := sr.expect(tagSequence)
	keyBits, err2 := sr.expectString(tagBitString)
	if err1 != nil || err2 != nil || !sr.empty() || !validBitString(keyBits.content) {
		return nil, ErrParse
	}
	keyOID, keyParams, ok := parseAlgorithm(keyAlgEl.content)
	if !ok {
		return nil, ErrParse
	}
	for _, tag := range []byte{0x81, 0x82} { // issuer and subject unique ids
		if e, present, err := tr.optionalString(tag); err != nil || present && !validBitString(e.content) {
			return nil, ErrParse
		}
	}
	var exts []extension
	if e, present, err := tr.optional(0xa3); err != nil {
		return nil, ErrParse
	} else if present {
		if exts, err = parseExtensions(e.content); err != nil {
			return nil, ErrParse
		}
	}
	if !tr.empty() {
		return nil, ErrParse
	}

	// The certificate decodes; now the fields.
	var w string
	sec, w := asn1Time(nb.tag, nb.content)
	c.NotValidBefore = zeek.Time(sec * 1e9)
	d.weird(w, "")
	sec, w = asn1Time(na.tag, na.content)
	c.NotValidAfter = zeek.Time(sec * 1e9)
	d.weird(w, "")

	c.KeyAlg = truncate(oidText(keyOID), 254)
	if e := lookupOID(sigOID); e != nil {
		c.SigAlg = truncate(e.ln, 254)
	}
	k := decodeKey(keyOID, keyParams, keyBits.content[1:], keyBits.content[0])
	if k.typ != "" {
		c.KeyType = zeek.Some(k.typ)
		if k.bits > 0 {
			c.KeyLength = zeek.Some(uint64(k.bits))
		}
		if k.exponent != "" {
			c.Exponent = zeek.Some(k.exponent)
		}
		if k.curve != "" {
			c.Curve = zeek.Some(k.curve)
		}
	}

	for _, x := range exts {
		switch string(x.oid) {
		case oidBasicConstraints:
			if bc, ok := parseBasicConstraints(x.value); ok {
				d.BasicConstraints = zeek.Some(bc)
			} else {
				d.weird("x509_invalid_basic_constraint", "")
			}
		case oidSubjectAltName:
			first := !d.hasSAN
			d.hasSAN = true
			san, dns, ok := d.parseSAN(x.value)
			if !ok {
				d.weird("x509_san_parse_error", "")
				continue
			}
			d.SAN = zeek.Some(san)
			if first {
				d.sanOK, d.sanDNS = true, dns
			}
		}
	}

	enc := reencodeCert(tbs.raw, sigAlg, sig)
	sum := sha256.Sum256(enc)
	d.Fingerprint = hex.EncodeToString(sum[:])
	if LogCertsBase64 {
		d.der = enc
	}
	return d, nil
}

func (d *Decoded) weird(name, addl string) {
	if name != "" {
		d.Weirds = append(d.Weirds, Weird{name, addl})
	}
}

// bioLine is what Zeek reads back with BIO_gets: up to the first line
// feed (included) and at most 2047 characters.
func bioLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			b = b[:i+1]
			break
		}
	}
	if len(b) > bioLineMax {
		b = b[:bioLineMax]
	}
	return string(b)
}

// truncate cuts s to at most n bytes (Zeek's 255-byte OpenSSL buffers).
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// time reads a Time (UTCTime or GeneralizedTime, either possibly in
// constructed form).
func (r *derReader) time() (element, error) {
	if t := r.peekTag() &^ 0x20; t == tagGeneralizedTime {
		return r.expectString(tagGeneralizedTime)
	}
	return r.expectString(tagUTCTime)
}

// validBitString checks a BIT STRING's unused-bits octet.
func validBitString(c []byte) bool { return len(c) > 0 && c[0] <= 7 && (len(c) > 1 || c[0] == 0) }

// parseAlgorithm reads AlgorithmIdentifier ::= SEQUENCE { algorithm OID,
// parameters ANY OPTIONAL }. params.tag is 0 when absent.
func parseAlgorithm(c []byte) (oid []byte, params element, ok bool) {
	r := derReader{b: c}
	o, err := r.expect(tagOID)
	if err != nil || !validOID(o.content) {
		return nil, element{}, false
	}
	if !r.empty() {
		if params, err = r.next(); err != nil || !r.empty() {
			return nil, element{}, false
		}
		if params.tag == tagNull && len(params.content) != 0 {
			return nil, element{}, false
		}
		if params.tag == tagBoolean && len(params.content) != 1 {
			return nil, element{}, false
		}
	}
	return o.content, params, true
}

// formatSerial is OpenSSL's i2a_ASN1_INTEGER: uppercase hex, two digits
// per octet, a backslash-newline every 35 octets, "00" for zero.
func formatSerial(mag []byte, neg bool) string {
	b := make([]byte, 0, 2*len(mag)+4)
	if neg {
		b = append(b, '-')
	}
	if len(mag) == 0 {
		b = append(b, '0', '0')
	}
	for i, x := range mag {
		if i != 0 && i%35 == 0 {
			b = append(b, '\\', '\n')
		}
		b = append(b, hexUpper[x>>4], hexUpper[x&15])
	}
	return string(b)
}

// reencodeCert is the certificate as OpenSSL's i2d_X509 writes it again:
// the to-be-signed part exactly as received (OpenSSL keeps its
// encoding), the signature algorithm and value re-encoded. Zeek's
// fingerprint is the SHA-256 of it.
func reencodeCert(tbs []byte, sigAlg, sig element) []byte {
	alg := reencode(sigAlg)
	var sigBody []byte
	if len(sig.content) > 1 {
		sigBody = sig.content
		if u := sig.content[0]; u != 0 && sigBody[len(sigBody)-1]&(1<<u-1) != 0 {
			sigBody = append([]byte(nil), sigBody...)
			sigBody[len(sigBody)-1] &= 0xff << u
		}
	} else {
		sigBody = []byte{0}
	}
	sigHdr := encodeHeader(nil, tagBitString, len(sigBody))
	total := len(tbs) + len(alg) + len(sigHdr) + len(sigBody)
	out := make([]byte, 0, total+6)
	out = encodeHeader(out, tagSequence, total)
	out = append(out, tbs...)
	out = append(out, alg...)
	out = append(out, sigHdr...)
	return append(out, sigBody...)
}

// reencode writes an AlgorithmIdentifier with minimal length octets.
func reencode(alg element) []byte {
	r := derReader{b: alg.content}
	var body []byte
	for !r.empty() {
		e, err := r.next()
		if err != nil {
			return alg.raw
		}
		body = encodeHeader(body, e.tag, len(e.content))
		body = append(body, e.content...)
	}
	out := encodeHeader(nil, tagSequence, len(body))
	return append(out, body...)
}

// extension is one certificate extension.
type extension struct {
	oid      []byte
	critical bool
	value    []byte
}

// parseExtensions reads [3] EXPLICIT SEQUENCE OF Extension.
func parseExtensions(c []byte) ([]extension, error) {
	r := derReader{b: c}
	seq, err := r.expectOf(tagSequence)
	if err != nil || !r.empty() {
		return nil, errDER
	}
	var out []extension
	sr := derReader{b: seq.content}
	for !sr.empty() {
		ext, err := sr.expect(tagSequence)
		if err != nil {
			return nil, err
		}
		er := derReader{b: ext.content}
		oid, err := er.expect(tagOID)
		if err != nil || !validOID(oid.content) {
			return nil, errDER
		}
		x := extension{oid: oid.content}
		if b, present, err := er.optional(tagBoolean); err != nil {
			return nil, err
		} else if present {
			if len(b.content) != 1 {
				return nil, errDER
			}
			x.critical = b.content[0] != 0
		}
		v, err := er.expectString(tagOctetString)
		if err != nil || !er.empty() {
			return nil, errDER
		}
		x.value = v.content
		out = append(out, x)
	}
	return out, nil
}

// parseBasicConstraints decodes BasicConstraints ::= SEQUENCE { cA
// BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }.
func parseBasicConstraints(v []byte) (BasicConstraints, bool) {
	var bc BasicConstraints
	r := derReader{b: v}
	seq, err := r.expect(tagSequence)
	if err != nil {
		return bc, false
	}
	sr := derReader{b: seq.content}
	if b, present, err := sr.optional(tagBoolean); err != nil {
		return bc, false
	} else if present {
		if len(b.content) != 1 {
			return bc, false
		}
		bc.CA = b.content[0] != 0
	}
	if p, present, err := sr.optional(tagInteger); err != nil {
		return bc, false
	} else if present {
		if _, _, err := integerMagnitude(p.content); err != nil {
			return bc, false
		}
		n, ok := smallInt(p.content)
		if !ok || n > 1<<31-1 || n < -1<<31 {
			n = -1
		}
		bc.PathLen = zeek.Some(uint64(int32(n)))
	}
	if !sr.empty() {
		return bc, false
	}
	return bc, true
}

// parseSAN decodes GeneralNames. It returns the record Zeek builds, the
// IA5 dNSNames for hostname checks, and false when the extension does
// not decode.
func (d *Decoded) parseSAN(v []byte) (SubjectAlternativeName, []string, bool) {
	var san SubjectAlternativeName
	r := derReader{b: v}
	seq, err := r.expectOf(tagSequence)
	if err != nil {
		return san, nil, false
	}
	type gn struct {
		tag byte
		c   []byte
	}
	var names []gn
	sr := derReader{b: seq.content}
	for !sr.empty() {
		var e element
		var err error
		switch t := sr.peekTag(); t {
		case 0x81, 0x82, 0x86, 0x87, 0xa1, 0xa2, 0xa6, 0xa7: // IA5 strings, the IP octets
			e, err = sr.expectString(t &^ 0x20)
		default:
			e, err = sr.next()
		}
		if err != nil || !validGeneralName(e) {
			return san, nil, false
		}
		names = append(names, gn{e.tag, e.content})
	}
	var dns, uri, email []string
	var ips []zeek.Addr
	for _, n := range names {
		switch n.tag {
		case 0x82:
			dns = append(dns, string(n.c))
		case 0x86:
			uri = append(uri, string(n.c))
		case 0x81:
			email = append(email, string(n.c))
		case 0x87:
			switch len(n.c) {
			case 4:
				ips = append(ips, netip.AddrFrom4([4]byte(n.c)))
			case 16:
				ips = append(ips, netip.AddrFrom16([16]byte(n.c)))
			default:
				d.weird("x509_san_ip_length", strconv.Itoa(len(n.c)))
			}
		default:
			san.OtherFields = true
		}
	}
	if dns != nil {
		san.DNS = zeek.Some(dns)
	}
	if uri != nil {
		san.URI = zeek.Some(uri)
	}
	if email != nil {
		san.Email = zeek.Some(email)
	}
	if ips != nil {
		san.IP = zeek.Some(ips)
	}
	return san, dns, true
}

// validGeneralName checks one GeneralName as OpenSSL decodes it.
func validGeneralName(e element) bool {
	switch e.tag {
	case 0x81, 0x82, 0x86, 0x87: // IA5 strings and the IP octets
		return true
	case 0x88: // registeredID
		return validOID(e.content)
	case 0xa0: // otherName: type-id, [0] EXPLICIT value
		r := derReader{b: e.content}
		o, err := r.expect(tagOID)
		if err != nil || !validOID(o.content) {
			return false
		}
		v, err := r.expect(0xa0)
		if err != nil || !r.empty() {
			return false
		}
		vr := derReader{b: v.content}
		if _, err := vr.next(); err != nil || !vr.empty() {
			return false
		}
		return true
	case 0xa3: // x400Address
		return true
	case 0xa4: // directoryName: [4] EXPLICIT Name
		r := derReader{b: e.content}
		n, err := r.expectOf(tagSequence)
		if err != nil || !r.empty() {
			return false
		}
		_, err = parseName(n.content, nil)
		return err == nil
	case 0xa5: // ediPartyName
		r := derReader{b: e.content}
		if a, present, err := r.optional(0xa0); err != nil || present && !validDirectoryString(a.content) {
			return false
		}
		p, err := r.expect(0xa1)
		if err != nil || !r.empty() {
			return false
		}
		return validDirectoryString(p.content)
	}
	return false
}

// validDirectoryString checks an explicitly tagged DirectoryString.
func validDirectoryString(c []byte) bool {
	r := derReader{b: c}
	e, err := r.next()
	if err != nil || !r.empty() {
		return false
	}
	switch e.tag &^ 0x20 {
	case tagPrintableString, tagT61String, tagUTF8String, tagBMPString, tagUniversalString:
		_, err := nameValue(e)
		return err == nil
	}
	return false
}

// MatchHostname is Zeek's x509_check_cert_hostname: it returns the
// certificate name that hostname matches ("" for none), checking the
// dNSNames of the first subjectAltName extension when there is one and
// the subject's last common name otherwise.
func (d *Decoded) MatchHostname(hostname string) string {
	if d.hasSAN {
		if !d.sanOK {
			return ""
		}
		for _, n := range d.sanDNS {
			if CheckHostname(hostname, n) {
				return n
			}
		}
		return ""
	}
	if cn := d.Cert.CN; cn.Set && CheckHostname(hostname, cn.V) {
		return cn.V
	}
	return ""
}

// CheckHostname is Zeek's x509_check_hostname: an exact match, or a
// wildcard certificate name ("*.example.com", "a*.example.com") whose
// wildcard ends the leftmost of at least three labels and matches the
// hostname's leftmost label.
func CheckHostname(hostname, certname string) bool {
	if hostname == certname {
		return true
	}
	wild := indexByte(certname, '*')
	if wild < 0 {
		return false
	}
	first := indexByte(certname, '.')
	if first < 0 || indexByte(certname[first+1:], '.') < 0 {
		return false
	}
	if wild+1 != first {
		return false
	}
	hfirst := indexByte(hostname, '.')
	if hfirst < 0 || hostname[hfirst:] != certname[first:] {
		return false
	}
	if wild > 0 && (len(hostname) < wild || hostname[:wild] != certname[:wild]) {
		return false
	}
	return true
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
