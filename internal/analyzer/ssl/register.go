package ssl

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/x509"
)

// Scripts that add to ssl.log and x509.log.
const (
	scriptCertRequestInfo = "policy/protocols/ssl/certificate-request-info"
	scriptLogCertsBase64  = "policy/protocols/ssl/log-certs-base64"
	// The JA3 and JA4 Zeek packages, as zkg installs them ("packages/ja3"
	// or all of "packages").
	scriptJA3 = "site/packages/ja3"
	scriptJA4 = "site/packages/ja4"
)

// sslLog is ssl.log.
var sslLog = analyzer.DeclareLog[Info]("ssl", "base/protocols/ssl", logging.WithID("SSL::LOG"))

// Detection signatures: Heron's own equivalent of Zeek's
// base/protocols/ssl/dpd.sig. A TLS server's first flight (a ServerHello,
// perhaps after an alert record) or a client's ClientHello enables SSL
// over TCP; a DTLS ClientHello enables DTLS over UDP.
const tlsSignatures = `
signature dpd_tls_server {
  ip-proto == tcp
  payload /^(\x15\x03[\x00-\x03]....)?\x16\x03[\x00-\x03]..\x02...(\x03[\x00-\x04]|\x7f[\x00-\x50]).*/
  tcp-state responder
  enable "ssl"
}

signature dpd_tls_client {
  ip-proto == tcp
  payload /^\x16\x03[\x00-\x03]..\x01...\x03[\x00-\x03].*/
  tcp-state originator
  enable "ssl"
}
`

const dtlsSignatures = `
signature dpd_dtls_client {
  ip-proto == udp
  payload /^\x16\xfe[\xfd\xff]\x00\x00\x00\x00\x00\x00\x00...\x01...........\xfe[\xfd\xff].*/
  enable "dtls"
}
`

func init() {
	analyzer.Register(analyzer.Info{
		Name:       "SSL",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/ssl",
		New:        newTCP,
		Signatures: tlsSignatures,
	})
	analyzer.Register(analyzer.Info{
		Name:       "DTLS",
		Transport:  analyzer.UDP,
		Script:     "base/protocols/ssl",
		New:        newUDP,
		Signatures: dtlsSignatures,
	})
	analyzer.ExtendLog("ssl", scriptCertRequestInfo, "certificate-request-info")
	analyzer.ExtendLog("x509", scriptLogCertsBase64, "log-certs-base64")
	analyzer.ExtendLog("ssl", scriptJA3, "ja3")
	analyzer.ExtendLog("ssl", scriptJA4, "ja4")
	analyzer.OnStart(func(loaded func(string) bool) {
		// The certificate cache and the once-a-day table are the
		// process's; a new run starts them afresh.
		x509.ResetShared()
		DefaultOptions.CertificateRequestInfo = loaded(scriptCertRequestInfo)
		x509.LogCertsBase64 = loaded(scriptLogCertsBase64)
		DefaultOptions.JA3 = loaded(scriptJA3)
		DefaultOptions.JA4 = loaded(scriptJA4)
	})
}
