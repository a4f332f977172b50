package ssl

import (
	"crypto/sha1"
	"encoding/hex"
)

// Established is the event the SSL and DTLS analyzers hand to the node
// (analyzer.Handle.Event) when a connection is established (Zeek's
// ssl_established), with what policy/protocols/ssl/known-certs reads of
// c$ssl: the first certificate of the server's chain. It is borrowed for
// the call.
type Established struct {
	// HasCert says the server sent a chain whose first certificate
	// decoded (c$ssl$cert_chain[0]$x509); the fields below are set only
	// then.
	HasCert bool
	// FUID is the first certificate's file id ("" without the files
	// framework).
	FUID string
	// SHA1 is the SHA-1 of the first certificate as sent, in lowercase
	// hex (the files framework's sha1, which base/files/x509 computes
	// for every certificate).
	SHA1 string
	// Subject, Issuer and Serial are the first certificate's fields as
	// x509.log writes them.
	Subject, Issuer, Serial string
}

// establishedNotifier is implemented by an output that passes
// ssl_established on to the node.
type establishedNotifier interface {
	established(s *session)
}

// firstCert remembers the file id and SHA-1 of the first certificate of
// the server's chain, for Established.
func (a *handleAdapter) firstCert(der []byte, fuid string) {
	if a.firstSHA1 != "" || !a.h.Events() {
		return
	}
	sum := sha1.Sum(der)
	a.firstSHA1 = hex.EncodeToString(sum[:])
	a.firstFUID = fuid
}

// established implements establishedNotifier.
func (a *handleAdapter) established(s *session) {
	if !a.h.Events() {
		return
	}
	ev := Established{}
	if len(s.chain) > 0 && s.chain[0].dec != nil && a.firstSHA1 != "" {
		c := &s.chain[0].dec.Cert
		ev = Established{HasCert: true, FUID: a.firstFUID, SHA1: a.firstSHA1,
			Subject: c.Subject, Issuer: c.Issuer, Serial: c.Serial}
	}
	a.h.Event(&ev)
}
