package ssl

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"time"
)

// Builders for TLS messages in tests. They produce wire bytes from
// scratch, so every test scenario is made by the project.

func u16b(v int) []byte { return []byte{byte(v >> 8), byte(v)} }
func u24b(v int) []byte { return []byte{byte(v >> 16), byte(v >> 8), byte(v)} }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// tlsRecord frames a record.
func tlsRecord(ct byte, version int, body []byte) []byte {
	return cat([]byte{ct}, u16b(version), u16b(len(body)), body)
}

// hsMsg frames a handshake message.
func hsMsg(typ byte, body []byte) []byte { return cat([]byte{typ}, u24b(len(body)), body) }

// ext frames an extension.
func ext(code int, data []byte) []byte { return cat(u16b(code), u16b(len(data)), data) }

func sniExt(names ...string) []byte {
	var list []byte
	for _, n := range names {
		list = cat(list, []byte{0}, u16b(len(n)), []byte(n))
	}
	return ext(extServerName, cat(u16b(len(list)), list))
}

func alpnExt(protos ...string) []byte {
	var list []byte
	for _, p := range protos {
		list = cat(list, []byte{byte(len(p))}, []byte(p))
	}
	return ext(extALPN, cat(u16b(len(list)), list))
}

func clientVersionsExt(vs ...int) []byte {
	var list []byte
	for _, v := range vs {
		list = cat(list, u16b(v))
	}
	return ext(extSupportedVersions, cat([]byte{byte(len(list))}, list))
}

func groupsExt(gs ...int) []byte {
	var list []byte
	for _, g := range gs {
		list = cat(list, u16b(g))
	}
	return ext(extEllipticCurves, cat(u16b(len(list)), list))
}

func clientKeyShareExt(groups ...int) []byte {
	var list []byte
	for _, g := range groups {
		list = cat(list, u16b(g), u16b(32), make([]byte, 32))
	}
	return ext(extKeyShare, cat(u16b(len(list)), list))
}

func sigAlgsExt(algs ...int) []byte {
	var list []byte
	for _, a := range algs {
		list = cat(list, u16b(a))
	}
	return ext(extSignatureAlgorithms, cat(u16b(len(list)), list))
}

// clientHelloBody builds a ClientHello body.
func clientHelloBody(version int, sessionID []byte, ciphers []int, exts ...[]byte) []byte {
	var cs []byte
	for _, c := range ciphers {
		cs = cat(cs, u16b(c))
	}
	random := make([]byte, 32)
	for i := range random {
		random[i] = byte(i)
	}
	e := cat(exts...)
	body := cat(u16b(version), random, []byte{byte(len(sessionID))}, sessionID, u16b(len(cs)), cs, []byte{1, 0})
	if len(exts) > 0 {
		body = cat(body, u16b(len(e)), e)
	}
	return body
}

// serverHelloBody builds a ServerHello body.
func serverHelloBody(version int, random, sessionID []byte, cipher int, exts ...[]byte) []byte {
	if random == nil {
		random = make([]byte, 32)
		for i := range random {
			random[i] = byte(0x80 + i)
		}
	}
	e := cat(exts...)
	body := cat(u16b(version), random, []byte{byte(len(sessionID))}, sessionID, u16b(cipher), []byte{0})
	if len(exts) > 0 {
		body = cat(body, u16b(len(e)), e)
	}
	return body
}

// certificateBody builds a Certificate message body.
func certificateBody(certs ...[]byte) []byte {
	var list []byte
	for _, c := range certs {
		list = cat(list, u24b(len(c)), c)
	}
	return cat(u24b(len(list)), list)
}

// ecdheKeyExchange builds a ServerKeyExchange for an ECDHE suite.
func ecdheKeyExchange(curve int) []byte {
	point := make([]byte, 65)
	point[0] = 4
	sig := make([]byte, 64)
	return cat([]byte{3}, u16b(curve), []byte{byte(len(point))}, point, []byte{4, 1}, u16b(len(sig)), sig)
}

// testCert returns a deterministic Ed25519 certificate for a host name.
func testCert(cn string, dns ...string) []byte {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(0x1234abcd),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Heron, Test"}},
		Issuer:                pkix.Name{CommonName: cn},
		NotBefore:             time.Unix(1700000000, 0).UTC(),
		NotAfter:              time.Unix(1800000000, 0).UTC(),
		DNSNames:              dns,
		IPAddresses:           []net.IP{net.ParseIP("192.0.2.7")},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return der
}

const (
	cipherECDHERSAAES128GCM = 0xc02f
	cipherRSAAES128CBC      = 0x002f
	cipherTLSAES128GCM      = 0x1301
	groupX25519             = 29
	groupSecp256r1          = 23
)
