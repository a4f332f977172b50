package ssl

import (
	"path/filepath"
	"testing"
)

type datagram struct {
	data []byte
	orig bool
}

func dtlsRec(ct byte, version int, epoch int, seq int, body []byte) []byte {
	return cat([]byte{ct}, u16b(version), u16b(epoch), []byte{0, 0}, u16b(seq>>16), u16b(seq), u16b(len(body)), body)
}

// dtlsHs frames a DTLS handshake fragment.
func dtlsHs(typ byte, msgSeq int, body []byte, off, n int) []byte {
	return cat([]byte{typ}, u24b(len(body)), u16b(msgSeq), u24b(off), u24b(n), body[off:off+n])
}

func dtlsClientHello() []byte {
	// client_version, random, session id, cookie, suites, methods, exts.
	random := make([]byte, 32)
	return cat(u16b(versionDTLS12), random, []byte{0}, []byte{0}, u16b(2), u16b(cipherECDHERSAAES128GCM), []byte{1, 0},
		u16b(len(groupsExt(groupSecp256r1))), groupsExt(groupSecp256r1))
}

// dtlsConversation is a DTLS 1.2 handshake with a HelloVerifyRequest, a
// certificate sent in three fragments out of order, and a STUN packet.
func dtlsConversation() []datagram {
	ch := dtlsClientHello()
	sh := serverHelloBody(versionDTLS12, nil, nil, cipherECDHERSAAES128GCM)
	cert := certificateBody(testCert("dtls.example.com", "dtls.example.com"))
	n := len(cert)
	a, b := n/3, 2*n/3
	stun := cat(u16b(1), u16b(0), []byte{0x21, 0x12, 0xa4, 0x42}, make([]byte, 12))
	return []datagram{
		{stun, true},
		{dtlsRec(ctHandshake, versionDTLS10, 0, 0, dtlsHs(hsClientHello, 0, ch, 0, len(ch))), true},
		{dtlsRec(ctHandshake, versionDTLS10, 0, 0, dtlsHs(hsHelloVerifyRequest, 0, cat(u16b(versionDTLS10), []byte{4, 1, 2, 3, 4}), 0, 7)), false},
		{dtlsRec(ctHandshake, versionDTLS10, 0, 1, dtlsHs(hsClientHello, 1, ch, 0, len(ch))), true},
		{cat(dtlsRec(ctHandshake, versionDTLS12, 0, 1, dtlsHs(hsServerHello, 1, sh, 0, len(sh))),
			dtlsRec(ctHandshake, versionDTLS12, 0, 4, dtlsHs(hsCertificate, 2, cert, b, n-b)),
			dtlsRec(ctHandshake, versionDTLS12, 0, 2, dtlsHs(hsCertificate, 2, cert, 0, a))), false},
		{cat(dtlsRec(ctHandshake, versionDTLS12, 0, 3, dtlsHs(hsCertificate, 2, cert, a, b-a)),
			dtlsRec(ctHandshake, versionDTLS12, 0, 5, dtlsHs(hsServerKeyExchange, 3, ecdheKeyExchange(groupSecp256r1), 0, len(ecdheKeyExchange(groupSecp256r1)))),
			dtlsRec(ctHandshake, versionDTLS12, 0, 6, dtlsHs(hsServerHelloDone, 4, nil, 0, 0))), false},
		{cat(dtlsRec(ctHandshake, versionDTLS12, 0, 2, dtlsHs(hsClientKeyExchange, 2, make([]byte, 66), 0, 66)),
			dtlsRec(ctChangeCipherSpec, versionDTLS12, 0, 3, []byte{1}),
			dtlsRec(ctHandshake, versionDTLS12, 1, 0, make([]byte, 61))), true},
		{cat(dtlsRec(ctChangeCipherSpec, versionDTLS12, 0, 7, []byte{1}),
			dtlsRec(ctHandshake, versionDTLS12, 1, 0, make([]byte, 61))), false},
		{dtlsRec(ctApplicationData, versionDTLS12, 1, 1, make([]byte, 40)), true},
	}
}

func TestDTLS(t *testing.T) {
	h := newHarness(DefaultOptions, true)
	for _, p := range dtlsConversation() {
		h.packet(p.data, p.orig)
	}
	h.Done()
	checkGolden(t, filepath.Join("testdata", "dtls12.golden"), h.summary())
}

func TestDTLSBadVersion(t *testing.T) {
	h := newHarness(DefaultOptions, true)
	conv := dtlsConversation()
	h.packet(conv[1].data, true)
	for i := 0; i < 12; i++ {
		h.packet(dtlsRec(ctHandshake, 0x0303, 0, i, []byte{1}), false)
	}
	h.Done()
	checkGolden(t, filepath.Join("testdata", "dtls-bad-version.golden"), h.summary())
}
