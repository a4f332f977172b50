package ssl

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// fingerprints holds the JA3/JA4 values of a connection until its record
// is written.
type fingerprints struct {
	ja3, ja3s, ja4, ja4s string
	haveJA3, haveJA3S    bool
}

// isGrease reports whether a value is one of RFC 8701's GREASE values.
func isGrease(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

func (e *engine) fps() *fingerprints {
	s := e.sess()
	if s.fp == nil {
		s.fp = &fingerprints{}
	}
	return s.fp
}

// clientFingerprint computes JA3 and JA4 of a client hello.
func (e *engine) clientFingerprint(version uint16, ciphers []uint16, ciphers24 []byte, hx *helloExts) {
	if hx == nil {
		hx = &helloExts{}
	}
	var cs []uint32
	for _, c := range ciphers {
		if !isGrease(c) {
			cs = append(cs, uint32(c))
		}
	}
	for i := 0; i+3 <= len(ciphers24); i += 3 {
		cs = append(cs, uint32(ciphers24[i])<<16|uint32(ciphers24[i+1])<<8|uint32(ciphers24[i+2]))
	}
	f := e.fps()
	if e.opts.JA3 {
		var b strings.Builder
		b.WriteString(strconv.Itoa(int(version)))
		b.WriteByte(',')
		joinDec(&b, cs)
		b.WriteByte(',')
		joinDec16(&b, hx.codes)
		b.WriteByte(',')
		var curves []uint16
		for _, c := range hx.curves {
			if !isGrease(c) {
				curves = append(curves, c)
			}
		}
		joinDec16(&b, curves)
		b.WriteByte(',')
		for i, p := range hx.points {
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteString(strconv.Itoa(int(p)))
		}
		sum := md5.Sum([]byte(b.String()))
		f.ja3, f.haveJA3 = hex.EncodeToString(sum[:]), true
	}
	if e.opts.JA4 {
		f.ja4 = e.ja4(version, cs, hx)
	}
}

// ja4 is the JA4 client fingerprint (FoxIO's specification).
func (e *engine) ja4(version uint16, ciphers []uint32, hx *helloExts) string {
	var b strings.Builder
	b.WriteByte(e.ja4Proto())
	v := version
	for _, x := range hx.versions {
		if !isGrease(x) && ja4VersionRank(x) > ja4VersionRank(v) {
			v = x
		}
	}
	b.WriteString(ja4Version(v))
	if hx.hasSNI {
		b.WriteByte('d')
	} else {
		b.WriteByte('i')
	}
	b.WriteString(count2(len(ciphers)))
	b.WriteString(count2(len(hx.codes)))
	b.WriteString(ja4ALPN(hx.alpn))
	b.WriteByte('_')
	sorted := append([]uint32(nil), ciphers...)
	sortU32(sorted)
	b.WriteString(hash12(hexList32(sorted), len(sorted) == 0))
	b.WriteByte('_')
	var exts []uint32
	for _, c := range hx.codes {
		if c != extServerName && c != extALPN {
			exts = append(exts, uint32(c))
		}
	}
	sortU32(exts)
	in := hexList32(exts)
	if len(hx.sigAlgs) > 0 {
		var algs []uint32
		for _, a := range hx.sigAlgs {
			algs = append(algs, uint32(a))
		}
		in += "_" + hexList32(algs)
	}
	b.WriteString(hash12(in, len(exts) == 0))
	return b.String()
}

// serverFingerprint computes JA3S and JA4S of a server hello.
func (e *engine) serverFingerprint(version uint16, cipher uint32, hx *helloExts) {
	if hx == nil {
		hx = &helloExts{}
	}
	f := e.fps()
	if e.opts.JA3 {
		var b strings.Builder
		b.WriteString(strconv.Itoa(int(version)))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(int(cipher)))
		b.WriteByte(',')
		joinDec16(&b, hx.codes)
		sum := md5.Sum([]byte(b.String()))
		f.ja3s, f.haveJA3S = hex.EncodeToString(sum[:]), true
	}
	if e.opts.JA4 {
		var b strings.Builder
		b.WriteByte(e.ja4Proto())
		v := version
		if len(hx.versions) == 1 {
			v = hx.versions[0]
		}
		b.WriteString(ja4Version(v))
		b.WriteString(count2(len(hx.codes)))
		b.WriteString(ja4ALPN(hx.alpn))
		b.WriteByte('_')
		b.WriteString(hex4(cipher))
		b.WriteByte('_')
		var exts []uint32
		for _, c := range hx.codes {
			exts = append(exts, uint32(c))
		}
		b.WriteString(hash12(hexList32(exts), len(exts) == 0))
		f.ja4s = b.String()
	}
}

// fingerprintFields copies the fingerprints into the record.
func (e *engine) fingerprintFields() {
	s := e.s
	f := s.fp
	if e.opts.JA3 {
		if f.haveJA3 {
			s.rec.JA3 = zeek.Some(f.ja3)
		}
		if f.haveJA3S {
			s.rec.JA3S = zeek.Some(f.ja3s)
		}
	}
	if e.opts.JA4 {
		s.rec.JA4 = zeek.Some(f.ja4)
		s.rec.JA4S = zeek.Some(f.ja4s)
	}
}

func (e *engine) ja4Proto() byte {
	if e.dtls {
		return 'd'
	}
	return 't'
}

func ja4VersionRank(v uint16) int {
	switch v {
	case versionSSLv2:
		return 1
	case versionSSLv3:
		return 2
	case versionTLS10:
		return 3
	case versionTLS11:
		return 4
	case versionTLS12:
		return 5
	case versionTLS13:
		return 6
	case versionDTLS10:
		return 3
	case versionDTLS12:
		return 5
	case versionDTLS13:
		return 6
	}
	return 0
}

func ja4Version(v uint16) string {
	switch v {
	case versionTLS13:
		return "13"
	case versionTLS12:
		return "12"
	case versionTLS11:
		return "11"
	case versionTLS10:
		return "10"
	case versionSSLv3:
		return "s3"
	case versionSSLv2:
		return "s2"
	case versionDTLS10:
		return "d1"
	case versionDTLS12:
		return "d2"
	case versionDTLS13:
		return "d3"
	}
	return "00"
}

func count2(n int) string {
	if n > 99 {
		n = 99
	}
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func ja4ALPN(alpn []string) string {
	if len(alpn) == 0 || alpn[0] == "" {
		return "00"
	}
	a := alpn[0]
	first, last := a[0], a[len(a)-1]
	if !alnum(first) || !alnum(last) {
		h := hex.EncodeToString([]byte(a))
		return string([]byte{h[0], h[len(h)-1]})
	}
	return string([]byte{first, last})
}

func hex4(v uint32) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12&15], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

func hexList32(vs []uint32) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(hex4(v))
	}
	return b.String()
}

func hash12(s string, empty bool) string {
	if empty {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

func sortU32(v []uint32) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func joinDec(b *strings.Builder, vs []uint32) {
	for i, v := range vs {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
}

func joinDec16(b *strings.Builder, vs []uint16) {
	for i, v := range vs {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
}
