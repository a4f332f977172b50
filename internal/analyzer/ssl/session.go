package ssl

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/x509"
	"github.com/heron-nsm/heron/internal/zeek"
)

// maxHistory is SSL::max_ssl_history_length.
const maxHistory = 100

// helloRetryRandom is the ServerHello random that marks a TLS 1.3
// HelloRetryRequest (RFC 8446, 4.1.3).
const helloRetryRandom = "\xcf\x21\xad\x74\xe5\x9a\x61\x11\xbe\x1d\x8c\x02\x1e\x65\xb8\x91\xc2\xa2\x11\x16\x7a\xbb\x8c\x5e\x07\x9e\x09\xe2\xc8\xa8\x33\x9c"

// certRef is one certificate of a chain: its fingerprint ("" when it did
// not decode) and its decoding.
type certRef struct {
	fp  string
	dec *x509.Decoded
}

// session is what Zeek's SSL scripts keep in c$ssl: the ssl.log record
// being built and the bookkeeping base/protocols/ssl/main.zeek and
// files.zeek do around it. It exists from the first SSL event on (Zeek's
// set_session).
type session struct {
	rec Info

	versionNum                   uint32
	versionSet                   bool
	sessionID                    string // hex of the client's session id
	clientTicketEmptySessionSeen bool
	clientKeyExchangeSeen        bool
	clientPSKSeen                bool
	analyzerID                   bool // confirmed and not failed since
	logged                       bool
	hrrSeen                      bool
	history                      []byte

	chainInit   bool
	chain       []certRef
	clientChain []certRef

	// Fingerprint inputs (JA3/JA4), filled when enabled.
	fp *fingerprints
}

// sess returns the session, creating it (Zeek's set_session).
func (e *engine) sess() *session {
	if e.s == nil {
		s := &session{}
		s.rec.TS = e.host.Now()
		s.rec.UID = e.host.UID()
		s.rec.ID = e.host.ID()
		e.s = s
	}
	return e.s
}

// addHistory appends a history letter, uppercase for the client.
func (e *engine) addHistory(isClient bool, c byte) {
	s := e.sess()
	if len(s.history) == maxHistory {
		return
	}
	if isClient {
		c = c - 'a' + 'A'
	}
	s.history = append(s.history, c)
	if len(s.history) == maxHistory {
		// Reporter::limit_reached_weird: the limit as addl, the analyzer
		// as source (Zeek also marks conn.log's history with 'X').
		e.host.Weird("SSL_max_ssl_history_length_reached", strconv.Itoa(maxHistory))
	}
}

// historyLetter maps a handshake message type to its ssl_history letter.
func historyLetter(t uint8) byte {
	switch t {
	case hsHelloRequest:
		return 'h'
	case hsClientHello:
		return 'c'
	case hsServerHello:
		return 's'
	case hsHelloVerifyRequest:
		return 'v'
	case hsSessionTicket:
		return 't'
	case hsEndOfEarlyData:
		return 'e'
	case hsHelloRetryRequest:
		return 'j'
	case hsEncryptedExts:
		return 'o'
	case hsCertificate:
		return 'x'
	case hsServerKeyExchange:
		return 'k'
	case hsCertificateRequest:
		return 'r'
	case hsServerHelloDone:
		return 'n'
	case hsCertificateVerify:
		return 'y'
	case hsClientKeyExchange:
		return 'g'
	case hsFinished:
		return 'f'
	case hsCertificateURL:
		return 'w'
	case hsCertificateStatus:
		return 'u'
	case hsSupplementalData:
		return 'a'
	case hsKeyUpdate:
		return 'p'
	case hsMessageHash:
		return 'm'
	}
	return 'z'
}

// evHandshakeMessage is ssl_handshake_message.
func (e *engine) evHandshakeMessage(isClient bool, t uint8) {
	s := e.sess()
	if isClient && t == hsClientKeyExchange {
		s.clientKeyExchangeSeen = true
	}
	c := historyLetter(t)
	if t == hsServerHello && s.hrrSeen {
		c = 'j'
		s.hrrSeen = false
	}
	e.addHistory(isClient, c)
}

// evClientHello is ssl_client_hello.
func (e *engine) evClientHello(version, recordVersion uint16, sessionID []byte) {
	s := e.sess()
	if id := padSessionID(sessionID); !allZero(id) {
		s.sessionID = hex.EncodeToString(id)
		s.clientTicketEmptySessionSeen = false
	}
	if recordVersion == 0 {
		e.addHistory(true, 'c')
	}
}

// evServerHello is ssl_server_hello.
func (e *engine) evServerHello(version uint16, random, sessionID []byte, cipher uint32) {
	s := e.sess()
	if !s.versionSet {
		s.versionNum, s.versionSet = uint32(version), true
		s.rec.Version = zeek.Some(versionName(uint32(version)))
	}
	s.rec.Cipher = zeek.Some(tableName(cipherNames, cipher))
	if string(random) == helloRetryRandom {
		s.hrrSeen = true
	}
	if s.sessionID != "" && s.sessionID == hex.EncodeToString(padSessionID(sessionID)) &&
		s.versionNum/0xff != 0x7f && s.versionNum != versionTLS13 {
		s.rec.Resumed = true
	}
	if version == versionSSLv2 {
		e.addHistory(false, 's')
	}
}

// padSessionID is Zeek's to_string_val: the id in a 32-byte string,
// zero-padded, or 32 zero bytes for an id longer than that.
func padSessionID(id []byte) []byte {
	var out [32]byte
	if len(id) <= 32 {
		copy(out[:], id)
	}
	return out[:]
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// evSupportedVersions is ssl_extension_supported_versions.
func (e *engine) evSupportedVersions(isClient bool, versions []uint16) {
	if isClient || len(versions) != 1 {
		return
	}
	s := e.sess()
	s.versionNum, s.versionSet = uint32(versions[0]), true
	s.rec.Version = zeek.Some(versionName(uint32(versions[0])))
}

// evCurve is ssl_ecdh_server_params and the server's key_share.
func (e *engine) evCurve(curve uint16) {
	e.sess().rec.Curve = zeek.Some(tableName(curveNames, uint32(curve)))
}

// evServerName is ssl_extension_server_name.
func (e *engine) evServerName(isClient bool, names []string) {
	s := e.sess()
	if isClient && len(names) > 0 {
		s.rec.ServerName = zeek.Some(names[0])
		if len(names) > 1 {
			e.host.ScriptWeird("SSL_many_server_names", "["+strings.Join(names, ", ")+"]")
		}
	}
}

// evALPN is ssl_extension_application_layer_protocol_negotiation.
func (e *engine) evALPN(isClient bool, protocols []string) {
	s := e.sess()
	if !isClient && len(protocols) > 0 {
		s.rec.NextProtocol = zeek.Some(protocols[0])
	}
}

// evExtension is the generic ssl_extension event.
func (e *engine) evExtension(isClient bool, code uint16, val []byte) {
	s := e.sess()
	switch {
	case isClient && code == extSessionTicket && len(val) > 0:
		s.clientTicketEmptySessionSeen = true
	case isClient && code == extPreSharedKey:
		s.clientPSKSeen = true
	case !isClient && code == extPreSharedKey && s.clientPSKSeen:
		s.rec.Resumed = true
	}
}

// evFlipped is ssl_connection_flipped.
func (e *engine) evFlipped() {
	s := e.sess()
	s.history = append(s.history, '^')
}

// evChangeCipherSpec is ssl_change_cipher_spec.
func (e *engine) evChangeCipherSpec(isClient bool) {
	s := e.sess()
	e.addHistory(isClient, 'i')
	if isClient && s.clientTicketEmptySessionSeen && !s.clientKeyExchangeSeen {
		s.rec.Resumed = true
	}
}

// evAlert is ssl_alert.
func (e *engine) evAlert(isClient bool, desc uint32) {
	s := e.sess()
	e.addHistory(isClient, 'l')
	s.rec.LastAlert = zeek.Some(tableName(alertNames, desc))
}

// evHeartbeat is ssl_heartbeat.
func (e *engine) evHeartbeat(isClient bool) {
	e.sess()
	e.addHistory(isClient, 'b')
}

// evPlaintext is ssl_plaintext_data.
func (e *engine) evPlaintext(contentType int) {
	s := e.sess()
	if !s.rec.Version.Set || s.rec.Established || contentType != ctApplicationData {
		return
	}
	e.host.ScriptWeird("ssl_early_application_data", "")
}

// evConfirmed is analyzer_confirmation_info for this analyzer.
func (e *engine) evConfirmed() {
	e.sess().analyzerID = true
}

// evEstablished is ssl_established with its three handlers.
func (e *engine) evEstablished() {
	s := e.sess()
	e.finishing()
	s.rec.Established = true
	e.finish(true)
	if n, ok := e.out.(establishedNotifier); ok {
		n.established(s)
	}
}

// evViolation is analyzer_violation_info for this analyzer.
func (e *engine) evViolation() {
	s := e.s
	if s == nil {
		return
	}
	if !s.logged {
		e.finishing()
	}
	s.analyzerID = false
	e.finish(false)
}

// evRemoval is the connection removal hook finalize_ssl.
func (e *engine) evRemoval() {
	s := e.s
	if s == nil {
		return
	}
	if !s.logged {
		e.finishing()
	}
	e.finish(false)
}

// finish writes the record (once) and, after establishment, stops
// analysing the connection (SSL::disable_analyzer_after_detection).
func (e *engine) finish(removeAnalyzer bool) {
	s := e.s
	if !s.logged {
		s.logged = true
		rec := s.rec
		rec.SSLHistory = string(s.history)
		e.out.writeSSL(&rec)
	}
	if removeAnalyzer && e.opts.DisableAfterDetection && s.analyzerID {
		s.analyzerID = false
		e.disabled = true
	}
}

// finishing is the SSL::ssl_finishing hook (files.zeek's part): the
// certificate fingerprints and whether the SNI matches the server
// certificate. It runs once per record, just before it is written.
func (e *engine) finishing() {
	s := e.s
	if s.chainInit {
		fps := make([]string, 0, len(s.chain))
		for _, c := range s.chain {
			if c.fp != "" {
				fps = append(fps, c.fp)
			}
		}
		s.rec.CertChainFps = zeek.Some(capList(fps))
		cfps := make([]string, 0, len(s.clientChain))
		for _, c := range s.clientChain {
			if c.fp != "" {
				cfps = append(cfps, c.fp)
			}
		}
		s.rec.ClientCertChainFps = zeek.Some(capList(cfps))
	}
	if len(s.chain) > 0 && s.chain[0].dec != nil && s.rec.ServerName.Set {
		s.rec.SNIMatchesCert = zeek.Some(s.chain[0].dec.MatchHostname(s.rec.ServerName.V) != "")
	}
	if s.fp != nil {
		e.fingerprintFields()
	}
}

// capList applies Log::default_max_field_container_elements.
func capList(l []string) []string {
	if len(l) > 100 {
		return l[:100]
	}
	return l
}

// evCertificate is what happens for one certificate of a Certificate
// message: the file analysis (x509.log) and files.zeek's file_sniff
// handler that adds it to the chain.
func (e *engine) evCertificate(der []byte, index int, isClient bool) {
	fp, dec := e.out.certificate(e.host.Now(), der, index, index == 0, isClient)
	s := e.s
	if s == nil {
		return // file_sniff needs c$ssl
	}
	s.chainInit = true
	if isClient {
		s.clientChain = append(s.clientChain, certRef{fp, dec})
	} else {
		s.chain = append(s.chain, certRef{fp, dec})
	}
}

// evCertificateRequest is ssl_certificate_request, which only
// policy/protocols/ssl/certificate-request-info handles.
func (e *engine) evCertificateRequest(isClient bool, cas [][]byte) {
	if !e.opts.CertificateRequestInfo || isClient {
		return
	}
	out := make([]string, 0, len(cas))
	for _, ca := range cas {
		out = append(out, x509.ParseDistinguishedName(ca))
	}
	e.sess().rec.RequestedClientCertificateAuthorities = zeek.Some(out)
}
