package ssl

import "strconv"

// Record content types.
const (
	ctChangeCipherSpec = 20
	ctAlert            = 21
	ctHandshake        = 22
	ctApplicationData  = 23
	ctHeartbeat        = 24
	// SSLv2 messages, numbered as Zeek numbers them (300 + message type).
	ctV2Error           = 300
	ctV2ClientHello     = 301
	ctV2ClientMasterKey = 302
	ctV2ServerHello     = 304
)

// Protocol versions.
const (
	versionUnknown = 0x0000
	versionSSLv2   = 0x0002
	versionSSLv3   = 0x0300
	versionTLS10   = 0x0301
	versionTLS11   = 0x0302
	versionTLS12   = 0x0303
	versionTLS13   = 0x0304
	versionDTLS10  = 0xfeff
	versionDTLS12  = 0xfefd
	versionDTLS13  = 0xfefc
)

// Handshake message types.
const (
	hsHelloRequest       = 0
	hsClientHello        = 1
	hsServerHello        = 2
	hsHelloVerifyRequest = 3
	hsSessionTicket      = 4
	hsEndOfEarlyData     = 5
	hsHelloRetryRequest  = 6
	hsEncryptedExts      = 8
	hsCertificate        = 11
	hsServerKeyExchange  = 12
	hsCertificateRequest = 13
	hsServerHelloDone    = 14
	hsCertificateVerify  = 15
	hsClientKeyExchange  = 16
	hsFinished           = 20
	hsCertificateURL     = 21
	hsCertificateStatus  = 22
	hsSupplementalData   = 23
	hsKeyUpdate          = 24
	hsMessageHash        = 254
)

// Extension types Zeek parses.
const (
	extServerName           = 0
	extStatusRequest        = 5
	extEllipticCurves       = 10
	extECPointFormats       = 11
	extSignatureAlgorithms  = 13
	extALPN                 = 16
	extSCT                  = 18
	extSessionTicket        = 35
	extKeyShareOld          = 40
	extPreSharedKey         = 41
	extSupportedVersions    = 43
	extPSKKeyExchangeModes  = 45
	extSignatureAlgsCert    = 50
	extKeyShare             = 51
	extConnectionID         = 54
	extEncryptedClientHello = 65037
)

// kexKind is how a cipher suite's ServerKeyExchange is laid out.
type kexKind uint8

const (
	kexNone kexKind = iota
	kexECDHE
	kexECDHAnon
	kexDHE
	kexDHAnon
)

// noCipher is the chosen cipher before a server hello.
const noCipher = 0xffffff

// versionName is Zeek's SSL::version_strings, with its default for
// unknown versions (note Zeek's arithmetic for TLS 1.3 drafts).
func versionName(v uint32) string {
	switch v {
	case versionSSLv2:
		return "SSLv2"
	case versionSSLv3:
		return "SSLv3"
	case versionTLS10:
		return "TLSv10"
	case versionTLS11:
		return "TLSv11"
	case versionTLS12:
		return "TLSv12"
	case versionTLS13:
		return "TLSv13"
	case versionDTLS10:
		return "DTLSv10"
	case versionDTLS12:
		return "DTLSv12"
	case versionDTLS13:
		return "DTLSv13"
	}
	if v/0xff == 0x7f {
		return "TLSv13-draft" + strconv.FormatUint(uint64(v%0x7f), 10)
	}
	return "unknown-" + strconv.FormatUint(uint64(v), 10)
}

// tableName looks a code up in one of Zeek's tables, with the tables'
// default for unknown codes.
func tableName(m map[uint32]string, v uint32) string {
	if s, ok := m[v]; ok {
		return s
	}
	return "unknown-" + strconv.FormatUint(uint64(v), 10)
}

// versionOK is Zeek's version_ok: the versions a hello may carry.
func versionOK(v uint16) bool {
	if v>>8 == 0x7f {
		return true
	}
	switch v {
	case versionSSLv2, versionSSLv3, versionTLS10, versionTLS11, versionTLS12, versionTLS13,
		versionDTLS10, versionDTLS12, versionDTLS13:
		return true
	}
	return false
}

// isTLS13 is Zeek's determine_tls13 test on the negotiated version.
func isTLS13(v uint16) bool { return v == versionTLS13 || v/0xff == 0x7f }
