//go:build opensslgen

package x509

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/x509/internal/osslref"
)

// compareWithOpenSSL returns how Decode's view of der differs from what
// OpenSSL computes with Zeek's calls ("" when they agree).
func compareWithOpenSSL(der []byte) string {
	ref, refOK := osslref.Cert(der)
	d, err := Decode(der)
	if !refOK || err != nil {
		if refOK != (err == nil) {
			return fmt.Sprintf("decodes: openssl %v, heron %v", refOK, err == nil)
		}
		return ""
	}
	var diffs []string
	cmp := func(name, want, got string) {
		if want != got {
			diffs = append(diffs, fmt.Sprintf("%s: openssl %q, heron %q", name, want, got))
		}
	}
	c := d.Cert
	cmp("version", ref.Version, strconv.FormatUint(c.Version, 10))
	cmp("serial", ref.Serial, c.Serial)
	cmp("subject", ref.Subject, c.Subject)
	cmp("issuer", ref.Issuer, c.Issuer)
	cmp("cn", fmt.Sprint(ref.HasCN, ref.CN), fmt.Sprint(c.CN.Set, c.CN.V))
	cmp("key_alg", ref.KeyAlg, c.KeyAlg)
	cmp("sig_alg", ref.SigAlg, c.SigAlg)
	cmp("key_type", ref.KeyType, c.KeyType.V)
	kl := ""
	if c.KeyLength.Set {
		kl = strconv.FormatUint(c.KeyLength.V, 10)
	}
	cmp("key_length", ref.KeyLength, kl)
	cmp("exponent", ref.Exponent, c.Exponent.V)
	cmp("curve", ref.Curve, c.Curve.V)
	cmp("fingerprint", ref.Fingerprint, d.Fingerprint)
	// Extensions, in OpenSSL's terms.
	cmp("extensions", strings.Join(ref.Ext, " "), strings.Join(extTrace(der), " "))
	return strings.Join(diffs, "\n")
}

// extTrace renders the certificate's extensions as osslref does.
func extTrace(der []byte) []string {
	r := derReader{b: der}
	cert, _ := r.next()
	cr := derReader{b: cert.content}
	tbs, _ := cr.next()
	tr := derReader{b: tbs.content}
	var exts []extension
	for !tr.empty() {
		e, err := tr.next()
		if err != nil {
			return nil
		}
		if e.tag == 0xa3 {
			exts, _ = parseExtensions(e.content)
		}
	}
	var out []string
	for _, x := range exts {
		switch string(x.oid) {
		case oidBasicConstraints:
			bc, ok := parseBasicConstraints(x.value)
			switch {
			case !ok:
				out = append(out, "bc!")
			case bc.PathLen.Set:
				ca := 0
				if bc.CA {
					ca = 1
				}
				out = append(out, fmt.Sprintf("bc:%d:%d", ca, int32(bc.PathLen.V)))
			default:
				ca := 0
				if bc.CA {
					ca = 1
				}
				out = append(out, fmt.Sprintf("bc:%d:-", ca))
			}
		case oidSubjectAltName:
			var d Decoded
			r := derReader{b: x.value}
			seq, err := r.expectOf(tagSequence)
			if _, _, ok := d.parseSAN(x.value); err != nil || !ok {
				out = append(out, "san!")
				continue
			}
			out = append(out, "san")
			sr := derReader{b: seq.content}
			for !sr.empty() {
				e, _ := sr.next()
				switch e.tag {
				case 0x82:
					out = append(out, fmt.Sprintf("dns=%x", e.content))
				case 0x86:
					out = append(out, fmt.Sprintf("uri=%x", e.content))
				case 0x81:
					out = append(out, fmt.Sprintf("email=%x", e.content))
				case 0x87:
					switch len(e.content) {
					case 4:
						out = append(out, "ip="+netip.AddrFrom4([4]byte(e.content)).String())
					case 16:
						out = append(out, fmt.Sprintf("ip6=%x", e.content))
					default:
						out = append(out, fmt.Sprintf("iplen=%d", len(e.content)))
					}
				default:
					out = append(out, "other")
				}
			}
		}
	}
	return out
}

func TestOpenSSLGeneratedCerts(t *testing.T) {
	for _, c := range generatedCerts(t) {
		if diff := compareWithOpenSSL(c.der); diff != "" {
			t.Errorf("%s:\n%s", c.name, diff)
		}
	}
}

// TestOpenSSLFuzzCorpus compares every certificate of the fuzz corpus.
func TestOpenSSLFuzzCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/fuzz/FuzzDecode/*")
	for _, f := range files {
		der, err := readCorpusFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := compareWithOpenSSL(der); diff != "" {
			t.Errorf("%s:\n%s", f, diff)
		}
	}
}

// FuzzDecodeOpenSSL is the differential fuzz target: Decode and OpenSSL
// must agree on every input.
func FuzzDecodeOpenSSL(f *testing.F) {
	for _, c := range generatedCerts(f) {
		f.Add(c.der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		if diff := compareWithOpenSSL(der); diff != "" {
			os.WriteFile("/tmp/x509-diff.der", der, 0o644)
			t.Errorf("%s", diff)
		}
	})
}

// FuzzFieldsOpenSSL puts arbitrary bytes into one field of an otherwise
// valid certificate (kind picks the field) and compares with OpenSSL:
// the byte-level mutator rarely gets past the outer structure otherwise.
func FuzzFieldsOpenSSL(f *testing.F) {
	f.Add(byte(0), []byte("\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x0c\x02ab"))
	f.Add(byte(1), []byte("\x0c\x03a,b"))
	f.Add(byte(1), []byte("\x1e\x04\x00A\x00\xe9"))
	f.Add(byte(2), []byte("\x30\x06\x82\x04a.bc"))
	f.Add(byte(3), []byte("\x30\x06\x01\x01\xff\x02\x01\x05"))
	f.Add(byte(4), []byte("\x00\x80"))
	f.Add(byte(5), []byte("\x17\x0d140409120508Z"))
	f.Add(byte(6), rsaSPKI(1024, 1, 0, 1))
	f.Add(byte(7), []byte("\x02"))
	f.Fuzz(func(t *testing.T, kind byte, payload []byte) {
		s := base()
		switch kind % 8 {
		case 0:
			s.subject = tlv(tagSequence, payload)
		case 1:
			s.subject = seq(tlv(tagSet, seq(oidDER("2.5.4.3"), payload)))
		case 2:
			s.exts = [][]byte{ext("2.5.29.17", false, payload)}
		case 3:
			s.exts = [][]byte{ext("2.5.29.19", true, payload)}
		case 4:
			s.serial = tlv(tagInteger, payload)
		case 5:
			s.notBefore = payload
		case 6:
			s.spki = payload
		case 7:
			s.version = tlv(tagInteger, payload)
		}
		der := s.der()
		if diff := compareWithOpenSSL(der); diff != "" {
			t.Errorf("kind %d payload %x:\n%s", kind%8, payload, diff)
		}
	})
}

// readCorpusFile reads a fuzz corpus file written by go test (one []byte).
func readCorpusFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 2 {
		return nil, os.ErrInvalid
	}
	s := strings.TrimSpace(lines[1])
	s = strings.TrimPrefix(s, "[]byte(")
	s = strings.TrimSuffix(s, ")")
	return unquoteGo(s)
}

// unquoteGo decodes a Go double-quoted string literal.
func unquoteGo(s string) ([]byte, error) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return nil, os.ErrInvalid
	}
	s = s[1 : len(s)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch s[i] {
		case 'x':
			b, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil {
				return nil, err
			}
			out = append(out, b[0])
			i += 2
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case '\\', '"', '\'':
			out = append(out, s[i])
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, _ := new(big.Int).SetString(s[i:i+3], 8)
			out = append(out, byte(v.Int64()))
			i += 2
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'v':
			out = append(out, 11)
		default:
			return nil, os.ErrInvalid
		}
	}
	return out, nil
}
