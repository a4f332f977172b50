package ssl

import "github.com/heron-nsm/heron/internal/zeek"

// Info is an ssl.log record (Zeek's SSL::Info with the fields
// base/protocols/ssl/files.zeek adds, and the fields of the JA3 and JA4
// packages as extensions).
type Info struct {
	// TS is when the SSL session was first detected.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID is the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// Version is the protocol version the server chose.
	Version zeek.Opt[string] `zeek:"version"`
	// Cipher is the cipher suite the server chose.
	Cipher zeek.Opt[string] `zeek:"cipher"`
	// Curve is the elliptic curve (group) the server chose.
	Curve zeek.Opt[string] `zeek:"curve"`
	// ServerName is the first name of the client's SNI extension.
	ServerName zeek.Opt[string] `zeek:"server_name"`
	// Resumed says whether the session was resumed.
	Resumed bool `zeek:"resumed"`
	// LastAlert is the last alert seen.
	LastAlert zeek.Opt[string] `zeek:"last_alert"`
	// NextProtocol is the protocol the server chose with ALPN.
	NextProtocol zeek.Opt[string] `zeek:"next_protocol"`
	// Established says whether the handshake completed.
	Established bool `zeek:"established"`
	// SSLHistory lists the messages seen, as letters (uppercase: client).
	SSLHistory string `zeek:"ssl_history"`
	// CertChainFps are the fingerprints of the server's certificates.
	CertChainFps zeek.Opt[[]string] `zeek:"cert_chain_fps"`
	// ClientCertChainFps are the fingerprints of the client's certificates.
	ClientCertChainFps zeek.Opt[[]string] `zeek:"client_cert_chain_fps"`
	// SNIMatchesCert says whether the SNI name matches the server's
	// certificate (unset without SNI or certificate).
	SNIMatchesCert zeek.Opt[bool] `zeek:"sni_matches_cert"`

	// RequestedClientCertificateAuthorities are the distinguished names
	// of a CertificateRequest (policy/protocols/ssl/certificate-request-info).
	RequestedClientCertificateAuthorities zeek.Opt[[]string] `zeek:"requested_client_certificate_authorities,ext=certificate-request-info"`

	// JA3 is the client's JA3 fingerprint (the ja3 package).
	JA3 zeek.Opt[string] `zeek:"ja3,ext=ja3"`
	// JA3S is the server's JA3S fingerprint (the ja3 package).
	JA3S zeek.Opt[string] `zeek:"ja3s,ext=ja3"`
	// JA4 is the client's JA4 fingerprint (the ja4 package).
	JA4 zeek.Opt[string] `zeek:"ja4,ext=ja4"`
	// JA4S is the server's JA4S fingerprint (the ja4 package).
	JA4S zeek.Opt[string] `zeek:"ja4s,ext=ja4"`
}
