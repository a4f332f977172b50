package ssl

import (
	"fmt"

	"github.com/heron-nsm/heron/internal/x509"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the TLS engine needs from the analyzer framework (an
// analyzer.Handle in production, a recorder in tests).
type host interface {
	Confirm()
	Violation(reason string, data []byte)
	// Weird raises a weird with the analyzer as its source.
	Weird(name, addl string)
	// ScriptWeird raises a weird the way Zeek's scripts do
	// (Reporter::conn_weird, no source).
	ScriptWeird(name, addl string)
	Now() zeek.Time
	UID() string
	ID() zeek.ConnID
}

// output receives what the engine produces: ssl.log records and the
// certificates it extracts (for the files framework and x509.log).
type output interface {
	// writeSSL writes an ssl.log record; rec is the callee's.
	writeSSL(rec *Info)
	// certificate hands over the index-th certificate of a chain (der is
	// borrowed) seen at now; it returns the certificate's fingerprint
	// and decoding, or "" and nil when it does not decode.
	certificate(now zeek.Time, der []byte, index int, hostCert, client bool) (string, *x509.Decoded)
	// stapledOCSP hands over a stapled OCSP response (borrowed).
	stapledOCSP(resp []byte)
}

// Options are the SSL scripts' options Heron honours.
type Options struct {
	// DisableAfterDetection is SSL::disable_analyzer_after_detection.
	DisableAfterDetection bool
	// MaxAlertsPerRecord is SSL::max_alerts_per_record.
	MaxAlertsPerRecord int
	// JA3 and JA4 add the JA3/JA3S and JA4/JA4S fingerprints to ssl.log.
	JA3, JA4 bool
	// CertificateRequestInfo adds the CAs of a CertificateRequest to
	// ssl.log (policy/protocols/ssl/certificate-request-info).
	CertificateRequestInfo bool
}

// DefaultOptions are Zeek's defaults.
var DefaultOptions = Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10}

// maxHandshakeBuffer is binpac's BinPAC::flowbuffer_capacity_max: the
// largest handshake message that is buffered.
const maxHandshakeBuffer = 10 * 1024 * 1024

// engine is the state of one TLS (or DTLS) connection: Zeek's SSL_Conn
// (record layer), Handshake_Conn (handshake messages) and the script
// state. Direction index 1 is the originator.
type engine struct {
	host host
	out  output
	opts *Options
	dtls bool

	// Record layer.
	rec       [2]recordReader
	rlv       uint16 // record_layer_version_
	encrypted [2]bool
	pacEstab  bool // SSL_Conn's established_
	skip      bool // SetSkip: no more input
	disabled  bool // removed after detection
	hadGap    bool
	partial   int8 // 0 unknown, 1 partial TCP connection, -1 not
	dtlsState dtlsState
	confirmed bool

	// Handshake layer.
	hs            [2]hsBuffer
	cipher        uint32
	version       uint16 // chosen_version_
	recordVersion uint16
	flipped       bool
	alerted       bool

	s *session
}

func newEngine(h host, out output, opts *Options, dtls bool) *engine {
	return &engine{host: h, out: out, opts: opts, dtls: dtls, cipher: noCipher}
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// violation reports a protocol violation and Zeek's script reaction to
// it (ssl.log is written now).
func (e *engine) violation(reason string) {
	e.host.Violation(reason, nil)
	e.evViolation()
}

// binpacError formats a parse failure the way Zeek reports binpac
// exceptions.
func binpacError(msg string) string { return "Binpac exception: binpac exception: " + msg }

// oob is a binpac out-of-bound exception.
type oob struct {
	where         string
	needed, avail int
}

func (o *oob) Error() string {
	return fmt.Sprintf("out_of_bound: %s: %d > %d", o.where, o.needed, o.avail)
}

// done ends the connection: Zeek's connection removal hook.
func (e *engine) done() {
	e.evRemoval()
}

// startEncryption marks one direction encrypted.
func (e *engine) startEncryption(orig bool) { e.encrypted[dir(orig)] = true }

// isClient is Zeek's is_orig ^ flipped.
func (e *engine) isClient(orig bool) bool { return orig != e.flipped }

// checkFlipped is Zeek's DirectionCheck: a message that should come from
// the client (desired true) or the server arrives from the originator or
// not.
func (e *engine) checkFlipped(desired, orig bool) {
	if e.flipped {
		if desired == orig {
			e.flipped = false
			e.evFlipped()
			if !e.alerted {
				e.alerted = true
				e.host.Weird("SSL_unclear_connection_direction", "")
			}
		}
	} else if desired != orig {
		e.flipped = true
		e.evFlipped()
	}
}

// setVersion is Handshake_Conn::set_version: the first version wins.
func (e *engine) setVersion(v uint16) {
	if e.version == versionUnknown {
		e.version = v
	}
}

// confirm is AnalyzerConfirmation with Zeek's script reaction.
func (e *engine) confirm() {
	e.confirmed = true
	e.host.Confirm()
	e.evConfirmed()
}

// established raises ssl_established.
func (e *engine) established() { e.evEstablished() }

// ciphertext is proc_ciphertext_record.
func (e *engine) ciphertext(orig bool) {
	if e.encrypted[0] && e.encrypted[1] && !e.pacEstab {
		e.pacEstab = true
		e.established()
	}
}
