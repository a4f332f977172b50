package ssl

import (
	"fmt"
	"strconv"
)

// hsBuffer holds the start of a handshake message that continues in a
// later record.
type hsBuffer struct {
	buf []byte
}

// sendHandshake is SSL_Analyzer::SendHandshake: the handshake bytes of
// one record (or one reassembled DTLS message) go to the handshake
// parser, which cuts them into messages across records.
func (e *engine) sendHandshake(raw uint16, data []byte, orig bool) {
	e.recordVersion = raw
	hb := &e.hs[dir(orig)]
	for len(data) > 0 {
		var msg []byte
		if len(hb.buf) == 0 && len(data) >= 4 {
			total := 4 + (int(data[1])<<16 | int(data[2])<<8 | int(data[3]))
			if len(data) >= total {
				msg, data = data[:total], data[total:]
			}
		}
		if msg == nil {
			// Buffer until the message is complete.
			if len(hb.buf) < 4 {
				n := min(4-len(hb.buf), len(data))
				hb.buf = append(hb.buf, data[:n]...)
				data = data[n:]
				if len(hb.buf) < 4 {
					return
				}
			}
			total := 4 + (int(hb.buf[1])<<16 | int(hb.buf[2])<<8 | int(hb.buf[3]))
			if total > maxHandshakeBuffer {
				hb.buf = hb.buf[:0]
				e.violation(binpacError(fmt.Sprintf("flowbuffer allocation failed: expand past max capacity %d/%d", total, maxHandshakeBuffer)))
				return
			}
			n := min(total-len(hb.buf), len(data))
			hb.buf = append(hb.buf, data[:n]...)
			data = data[n:]
			if len(hb.buf) < total {
				return
			}
			msg = hb.buf
		}
		err := e.handshakeMessage(orig, msg[0], msg[4:])
		if len(hb.buf) > 0 {
			if cap(hb.buf) > 1<<16 {
				hb.buf = nil // do not keep a large buffer
			} else {
				hb.buf = hb.buf[:0]
			}
		}
		if err != nil {
			// binpac drops the rest of the input it was given.
			e.violation(binpacError(err.Error()))
			return
		}
	}
}

// handshakeMessage parses one handshake message and raises its events.
func (e *engine) handshakeMessage(orig bool, typ uint8, body []byte) error {
	var err error
	switch typ {
	case hsHelloRequest:
		e.checkFlipped(false, orig)
	case hsClientHello:
		err = e.clientHello(orig, body)
	case hsServerHello:
		err = e.serverHello(orig, body)
	case hsHelloVerifyRequest:
		c := newCursor(body, "HelloVerifyRequest")
		if _, err = c.u16("version"); err == nil {
			var n uint8
			if n, err = c.u8("cookie_length"); err == nil {
				_, err = c.bytes(int(n), "cookie")
			}
		}
	case hsSessionTicket:
		c := newCursor(body, "SessionTicketHandshake")
		if _, err = c.u32("ticket_lifetime_hint"); err == nil {
			var n uint16
			if n, err = c.u16("length"); err == nil {
				_, err = c.bytes(int(n), "data")
			}
		}
	case hsCertificate:
		err = e.certificateMsg(orig, body)
	case hsServerKeyExchange:
		err = e.serverKeyExchange(body)
	case hsCertificateRequest:
		err = e.certificateRequest(orig, body)
	case hsServerHelloDone, hsCertificateVerify, hsClientKeyExchange, hsFinished, hsCertificateURL:
	case hsCertificateStatus:
		c := newCursor(body, "CertificateStatus")
		var st uint8
		if st, err = c.u8("status_type"); err == nil {
			if _, err = c.u24("length"); err == nil {
				resp := c.rest()
				switch {
				case st == 1 && len(resp) > 0:
					e.out.stapledOCSP(resp)
				case len(resp) == 0:
					e.host.Weird("SSL_zero_length_stapled_OCSP_message", "")
				}
			}
		}
	default:
		e.violation(fmt.Sprintf("unknown handshake message (%d) from %s", typ, origLabel(orig)))
	}
	if err != nil {
		return err
	}
	e.evHandshakeMessage(e.isClient(orig), typ)
	return nil
}

// helloExts collects what a hello's extensions carry for the
// fingerprints.
type helloExts struct {
	codes    []uint16
	curves   []uint16
	points   []uint8
	sigAlgs  []uint16
	alpn     []string
	sni      []string
	versions []uint16
	hasSNI   bool
}

// clientHello parses a ClientHello.
func (e *engine) clientHello(orig bool, body []byte) error {
	e.checkFlipped(true, orig)
	c := newCursor(body, "ClientHello")
	version, err := c.u16("client_version")
	if err != nil {
		return err
	}
	ts, err := c.u32("gmt_unix_time")
	if err != nil {
		return err
	}
	random, err := c.bytes(28, "random_bytes")
	if err != nil {
		return err
	}
	slen, err := c.u8("session_len")
	if err != nil {
		return err
	}
	sessionID, err := c.bytes(int(slen), "session_id")
	if err != nil {
		return err
	}
	if version == versionDTLS10 || version == versionDTLS12 {
		cc := cursor{b: c.b, off: c.off, typ: "ClientHelloCookie"}
		n, err := cc.u8("cookie_len")
		if err != nil {
			return err
		}
		if _, err := cc.bytes(int(n), "cookie"); err != nil {
			return err
		}
		c.off = cc.off
	}
	clen, err := c.u16("csuit_len")
	if err != nil {
		return err
	}
	var cbuf [64]uint16
	ciphers, err := c.u16s(int(clen)/2, "csuits", cbuf[:0])
	if err != nil {
		return err
	}
	mlen, err := c.u8("cmeth_len")
	if err != nil {
		return err
	}
	cmeths, err := c.bytes(int(mlen), "cmeths")
	if err != nil {
		return err
	}
	var hx *helloExts
	if e.s != nil && e.s.fp != nil || e.opts.JA3 || e.opts.JA4 {
		hx = &helloExts{}
	}
	if err := e.extensions(orig, &c, hsClientHello, hx); err != nil {
		return err
	}
	_ = ts
	e.clientHelloProc(version, e.recordVersion, random, sessionID, ciphers, nil, cmeths, hx)
	return nil
}

// clientHelloProc is proc_client_hello: confirmation (or a violation for
// an unknown version) and ssl_client_hello. ciphers24 holds SSLv2's
// three-byte suites.
func (e *engine) clientHelloProc(version, recordVersion uint16, random, sessionID []byte, ciphers []uint16, ciphers24, cmeths []byte, hx *helloExts) {
	if !versionOK(version) {
		e.skip = true
		e.violation(fmt.Sprintf("unsupported client SSL version 0x%04x", version))
	} else {
		e.confirm()
	}
	e.evClientHello(version, recordVersion, sessionID)
	if e.opts.JA3 || e.opts.JA4 {
		e.clientFingerprint(version, ciphers, ciphers24, hx)
	}
}

// serverHello parses a ServerHello (and a TLS 1.3 draft ServerHello).
func (e *engine) serverHello(orig bool, body []byte) error {
	e.checkFlipped(false, orig)
	c := newCursor(body, "ServerHelloChoice")
	v0, err := c.u8("server_version0")
	if err != nil {
		return err
	}
	v1, err := c.u8("server_version1")
	if err != nil {
		return err
	}
	version := uint16(v0)<<8 | uint16(v1)
	var hx *helloExts
	if e.opts.JA3 || e.opts.JA4 {
		hx = &helloExts{}
	}
	var random, sessionID []byte
	var cipher uint16
	if version == versionTLS13 || v0 == 0x7f {
		c.typ = "ServerHello13"
		if random, err = c.bytes(32, "random"); err != nil {
			return err
		}
		if cipher, err = c.u16("cipher_suite"); err != nil {
			return err
		}
	} else {
		c.typ = "ServerHello"
		if random, err = c.bytes(32, "random_bytes"); err != nil {
			return err
		}
		slen, err := c.u8("session_len")
		if err != nil {
			return err
		}
		if sessionID, err = c.bytes(int(slen), "session_id"); err != nil {
			return err
		}
		if cipher, err = c.u16("cipher_suite"); err != nil {
			return err
		}
		if _, err = c.u8("compression_method"); err != nil {
			return err
		}
	}
	if err := e.extensions(orig, &c, hsServerHello, hx); err != nil {
		return err
	}
	e.cipher = uint32(cipher)
	e.serverHelloProc(version, random, sessionID, uint32(cipher), hx)
	e.setVersion(version)
	return nil
}

// serverHelloProc is proc_server_hello.
func (e *engine) serverHelloProc(version uint16, random, sessionID []byte, cipher uint32, hx *helloExts) {
	if !versionOK(version) {
		e.skip = true
		e.violation(fmt.Sprintf("unsupported server SSL version 0x%04x", version))
	}
	e.evServerHello(version, random, sessionID, cipher)
	if e.opts.JA3 || e.opts.JA4 {
		e.serverFingerprint(version, cipher, hx)
	}
}

// extensions parses a hello's extensions: first the odd two-byte field
// Zeek reads (the extensions length, if present), then extensions until
// the message ends. Each raises its specific event, then ssl_extension.
func (e *engine) extensions(orig bool, c *cursor, msgType uint8, hx *helloExts) error {
	if c.left() >= 1 {
		if _, err := c.u16("ext_len"); err != nil {
			return err
		}
	}
	isClient := e.isClient(orig)
	for c.left() > 0 {
		start := c.off
		c.typ = "SSLExtension"
		code, err := c.u16("type")
		if err != nil {
			return err
		}
		n, err := c.u16("data_len")
		if err != nil {
			return err
		}
		if int(n) > c.left() {
			return &oob{where: "SSLExtension", needed: int(n) + 4, avail: len(c.b) - start}
		}
		data := c.b[c.off : c.off+int(n)]
		c.off += int(n)
		if hx != nil && !isGrease(code) {
			hx.codes = append(hx.codes, code)
		}
		if len(data) > 0 {
			if err := e.extension(orig, isClient, code, data, msgType, hx); err != nil {
				return err
			}
		}
		e.evExtension(isClient, code, data)
	}
	return nil
}

// extension parses the contents of one extension Zeek understands.
func (e *engine) extension(orig, isClient bool, code uint16, data []byte, msgType uint8, hx *helloExts) error {
	c := newCursor(data, "")
	switch code {
	case extServerName:
		c.typ = "ServerNameExt"
		n, err := c.u16("length")
		if err != nil {
			return err
		}
		sc, err := c.sub(int(n), "ServerNameExt")
		if err != nil {
			return &oob{where: "ServerNameExt", needed: int(n) + 2, avail: len(data)}
		}
		var names []string
		for sc.left() > 0 {
			sc.typ = "ServerName"
			t, err := sc.u8("name_type")
			if err != nil {
				return err
			}
			if t != 0 {
				sc.rest()
				e.host.Weird("ssl_ext_unknown_server_name_type", strconv.Itoa(int(t)))
				continue
			}
			sc.typ = "ServerNameHostName"
			l, err := sc.u16("length")
			if err != nil {
				return err
			}
			name, err := sc.bytes(int(l), "host_name")
			if err != nil {
				return err
			}
			names = append(names, string(name))
		}
		if hx != nil {
			hx.hasSNI = true
			hx.sni = names
		}
		e.evServerName(isClient, names)
	case extALPN:
		c.typ = "ApplicationLayerProtocolNegotiationExtension"
		n, err := c.u16("length")
		if err != nil {
			return err
		}
		pc, err := c.sub(int(n), "ApplicationLayerProtocolNegotiationExtension")
		if err != nil {
			return &oob{where: "ApplicationLayerProtocolNegotiationExtension", needed: int(n) + 2, avail: len(data)}
		}
		var protos []string
		for pc.left() > 0 {
			pc.typ = "ProtocolName"
			l, err := pc.u8("length")
			if err != nil {
				return err
			}
			name, err := pc.bytes(int(l), "name")
			if err != nil {
				return err
			}
			protos = append(protos, string(name))
		}
		if hx != nil {
			hx.alpn = protos
		}
		e.evALPN(isClient, protos)
	case extSupportedVersions:
		if isClient {
			c.typ = "SupportedVersions"
			n, err := c.u8("length")
			if err != nil {
				return err
			}
			vc, err := c.sub(int(n), "SupportedVersions")
			if err != nil {
				return &oob{where: "SupportedVersions", needed: int(n) + 1, avail: len(data)}
			}
			var vs []uint16
			for vc.left() > 0 {
				v, err := vc.u16("versions")
				if err != nil {
					return err
				}
				vs = append(vs, v)
			}
			if hx != nil {
				hx.versions = vs
			}
			e.evSupportedVersions(true, vs)
		} else {
			c.typ = "OneSupportedVersion"
			v, err := c.u16("version")
			if err != nil {
				return err
			}
			e.setVersion(v)
			if hx != nil {
				hx.versions = []uint16{v}
			}
			e.evSupportedVersions(false, []uint16{v})
		}
	case extKeyShare, extKeyShareOld:
		switch msgType {
		case hsClientHello:
			c.typ = "ClientHelloKeyShare"
			n, err := c.u16("length")
			if err != nil {
				return err
			}
			kc, err := c.sub(int(n), "ClientHelloKeyShare")
			if err != nil {
				return &oob{where: "ClientHelloKeyShare", needed: int(n) + 2, avail: len(data)}
			}
			for kc.left() > 0 {
				kc.typ = "KeyShareEntry"
				if _, err := kc.u16("namedgroup"); err != nil {
					return err
				}
				l, err := kc.u16("key_exchange_length")
				if err != nil {
					return err
				}
				if _, err := kc.bytes(int(l), "key_exchange"); err != nil {
					return err
				}
			}
		case hsServerHello:
			if len(data) == 2 {
				c.typ = "HelloRetryRequestKeyShare"
				g, _ := c.u16("namedgroup")
				if !isClient {
					e.evCurve(g)
				}
				break
			}
			c.typ = "KeyShareEntry"
			g, err := c.u16("namedgroup")
			if err != nil {
				return err
			}
			l, err := c.u16("key_exchange_length")
			if err != nil {
				return err
			}
			if _, err := c.bytes(int(l), "key_exchange"); err != nil {
				return err
			}
			if !isClient {
				e.evCurve(g)
			}
		}
	case extEllipticCurves:
		c.typ = "EllipticCurves"
		n, err := c.u16("length")
		if err != nil {
			return err
		}
		var buf [32]uint16
		curves, err := c.u16s(int(n)/2, "elliptic_curve_list", buf[:0])
		if err != nil {
			return err
		}
		if hx != nil {
			hx.curves = append(hx.curves[:0], curves...)
		}
	case extECPointFormats:
		c.typ = "EcPointFormats"
		n, err := c.u8("length")
		if err != nil {
			return err
		}
		pf, err := c.bytes(int(n), "point_format_list")
		if err != nil {
			return err
		}
		if hx != nil {
			hx.points = append(hx.points[:0], pf...)
		}
	case extSignatureAlgorithms, extSignatureAlgsCert:
		c.typ = "SignatureAlgorithm"
		n, err := c.u16("length")
		if err != nil {
			return err
		}
		sc, err := c.sub(int(n), "SignatureAlgorithm")
		if err != nil {
			return &oob{where: "SignatureAlgorithm", needed: int(n) + 2, avail: len(data)}
		}
		var algs []uint16
		for sc.left() > 0 {
			a, err := sc.u16("supported_signature_algorithms")
			if err != nil {
				return err
			}
			algs = append(algs, a)
		}
		if hx != nil && code == extSignatureAlgorithms {
			hx.sigAlgs = algs
		}
	case extSCT:
		c.typ = "SignedCertificateTimestampList"
		n, err := c.u16("length")
		if err != nil {
			return err
		}
		lc, err := c.sub(int(n), "SignedCertificateTimestampList")
		if err != nil {
			return &oob{where: "SignedCertificateTimestampList", needed: int(n) + 2, avail: len(data)}
		}
		for lc.left() > 0 {
			lc.typ = "SignedCertificateTimestamp"
			l, err := lc.u16("length")
			if err != nil {
				return err
			}
			sct, err := lc.sub(int(l), "SignedCertificateTimestamp")
			if err != nil {
				return &oob{where: "SignedCertificateTimestamp", needed: int(l) + 2, avail: lc.left() + 2}
			}
			if err := parseSCT(&sct); err != nil {
				return err
			}
		}
	case extPSKKeyExchangeModes:
		c.typ = "PSKKeyExchangeModes"
		n, err := c.u8("length")
		if err != nil {
			return err
		}
		if _, err := c.sub(int(n), "PSKKeyExchangeModes"); err != nil {
			return &oob{where: "PSKKeyExchangeModes", needed: int(n) + 1, avail: len(data)}
		}
	case extPreSharedKey:
		switch msgType {
		case hsClientHello:
			for _, list := range [2]struct{ typ, item string }{{"PSKIdentitiesList", "PSKIdentity"}, {"PSKBindersList", "PSKBinder"}} {
				c.typ = list.typ
				n, err := c.u16("length")
				if err != nil {
					return err
				}
				lc, err := c.sub(int(n), list.typ)
				if err != nil {
					return &oob{where: list.typ, needed: int(n) + 2, avail: c.left() + 2}
				}
				for lc.left() > 0 {
					lc.typ = list.item
					if list.item == "PSKIdentity" {
						l, err := lc.u16("length")
						if err != nil {
							return err
						}
						if _, err := lc.bytes(int(l), "identity"); err != nil {
							return err
						}
						if _, err := lc.u32("obfuscated_ticket_age"); err != nil {
							return err
						}
					} else {
						l, err := lc.u8("length")
						if err != nil {
							return err
						}
						if _, err := lc.bytes(int(l), "binder"); err != nil {
							return err
						}
					}
				}
			}
		case hsServerHello:
			c.typ = "SelectedPreSharedKeyIdentity"
			if _, err := c.u16("selected_identity"); err != nil {
				return err
			}
		}
	case extConnectionID:
		c.typ = "ConnectionId"
		n, err := c.u8("length")
		if err != nil {
			return err
		}
		if _, err := c.bytes(int(n), "cid"); err != nil {
			return err
		}
	case extEncryptedClientHello:
		c.typ = "EncryptedClientHelloSwitch"
		t, _ := c.u8("tpe")
		if t != 0 {
			e.host.Weird("ssl_unexpected_inner_encrypted_client_hello", "")
			break
		}
		c.typ = "EncryptedClientHello"
		for _, f := range []string{"kdf_id", "aead_id"} {
			if _, err := c.u16(f); err != nil {
				return err
			}
		}
		if _, err := c.u8("config_id"); err != nil {
			return err
		}
		for _, f := range [2][2]string{{"enc_length", "enc"}, {"payload_length", "payload"}} {
			n, err := c.u16(f[0])
			if err != nil {
				return err
			}
			if _, err := c.bytes(int(n), f[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseSCT checks one SignedCertificateTimestamp.
func parseSCT(c *cursor) error {
	if _, err := c.u8("version"); err != nil {
		return err
	}
	if _, err := c.bytes(32, "logid"); err != nil {
		return err
	}
	if _, err := c.bytes(8, "timestamp"); err != nil {
		return err
	}
	n, err := c.u16("extensions_length")
	if err != nil {
		return err
	}
	if _, err := c.bytes(int(n), "extensions"); err != nil {
		return err
	}
	if _, err := c.bytes(2, "digitally_signed_algorithms"); err != nil {
		return err
	}
	n, err = c.u16("digitally_signed_signature_length")
	if err != nil {
		return err
	}
	_, err = c.bytes(int(n), "digitally_signed_signature")
	return err
}

// certificateMsg parses a Certificate message and hands its certificates
// to file analysis.
func (e *engine) certificateMsg(orig bool, body []byte) error {
	c := newCursor(body, "Certificate")
	n, err := c.u24("length")
	if err != nil {
		return err
	}
	if int(n)+3 > len(body) {
		return &oob{where: "Certificate", needed: int(n) + 3, avail: len(body)}
	}
	lc := cursor{b: body[:3+int(n)], off: 3}
	var certs [][]byte
	for lc.left() > 0 {
		lc.typ = "X509Certificate"
		l, err := lc.u24("length")
		if err != nil {
			return err
		}
		cert, err := lc.bytes(int(l), "certificate")
		if err != nil {
			return err
		}
		certs = append(certs, cert)
	}
	e.certificates(orig, certs)
	return nil
}

// certificates is proc_certificate: every certificate becomes a file,
// the first of a chain the host certificate.
func (e *engine) certificates(orig bool, certs [][]byte) {
	isClient := e.isClient(orig)
	for i, cert := range certs {
		if len(cert) == 0 {
			e.host.Weird("zero_length_certificate", "")
			continue
		}
		e.evCertificate(cert, i, isClient)
	}
}

// usesSigAlg is Zeek's uses_signature_and_hashalgorithm.
func (e *engine) usesSigAlg() bool { return e.version > versionTLS11 && e.version != versionDTLS10 }

// serverKeyExchange parses a ServerKeyExchange as the chosen cipher
// suite lays it out.
func (e *engine) serverKeyExchange(body []byte) error {
	kind := serverKexKind[e.cipher]
	switch kind {
	case kexECDHE, kexECDHAnon:
		typ := "EcdheServerKeyExchange"
		if kind == kexECDHAnon {
			typ = "EcdhAnonServerKeyExchange"
		}
		c := newCursor(body, typ)
		ct, err := c.u8("curve_type")
		if err != nil {
			return err
		}
		if ct != 3 {
			return nil
		}
		c.typ = "ServerECDHParamsAndSignature"
		curve, err := c.u16("curve")
		if err != nil {
			return err
		}
		pl, err := c.u8("point_length")
		if err != nil {
			return err
		}
		if _, err := c.bytes(int(pl), "point"); err != nil {
			return err
		}
		if kind == kexECDHE {
			if err := e.signedParams(&c); err != nil {
				return err
			}
		}
		e.evCurve(curve)
	case kexDHE, kexDHAnon:
		typ := "DheServerKeyExchange"
		if kind == kexDHAnon {
			typ = "DhAnonServerKeyExchange"
		}
		c := newCursor(body, typ)
		for _, f := range [3][2]string{{"dh_p_length", "dh_p"}, {"dh_g_length", "dh_g"}, {"dh_Ys_length", "dh_Ys"}} {
			n, err := c.u16(f[0])
			if err != nil {
				return err
			}
			if _, err := c.bytes(int(n), f[1]); err != nil {
				return err
			}
		}
		if kind == kexDHE {
			return e.signedParams(&c)
		}
	}
	return nil
}

// signedParams parses ServerKeyExchangeSignature.
func (e *engine) signedParams(c *cursor) error {
	c.typ = "ServerKeyExchangeSignature"
	if e.usesSigAlg() {
		if _, err := c.bytes(2, "algorithm"); err != nil {
			return err
		}
	}
	n, err := c.u16("signature_length")
	if err != nil {
		return err
	}
	_, err = c.bytes(int(n), "signature")
	return err
}

// certificateRequest parses a CertificateRequest.
func (e *engine) certificateRequest(orig bool, body []byte) error {
	c := newCursor(body, "CertificateRequest")
	n, err := c.u8("certificate_types_len")
	if err != nil {
		return err
	}
	if _, err := c.bytes(int(n), "certificate_types"); err != nil {
		return err
	}
	if e.usesSigAlg() {
		c.typ = "SignatureAlgorithm"
		l, err := c.u16("length")
		if err != nil {
			return err
		}
		sc, err := c.sub(int(l), "SignatureAlgorithm")
		if err != nil {
			return &oob{where: "SignatureAlgorithm", needed: int(l) + 2, avail: c.left() + 2}
		}
		for sc.left() > 0 {
			if _, err := sc.u16("supported_signature_algorithms"); err != nil {
				return err
			}
		}
		c.typ = "CertificateRequest"
	}
	l, err := c.u16("certificate_authorities_len")
	if err != nil {
		return err
	}
	ac, err := c.sub(int(l), "CertificateAuthoritiesContainer")
	if err != nil {
		return err
	}
	var cas [][]byte
	for ac.left() > 0 {
		ac.typ = "CertificateAuthorities"
		n, err := ac.u16("certificate_authority_len")
		if err != nil {
			return err
		}
		ca, err := ac.bytes(int(n), "certificate_authority")
		if err != nil {
			return err
		}
		cas = append(cas, ca)
	}
	e.evCertificateRequest(e.isClient(orig), cas)
	return nil
}
