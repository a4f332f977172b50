package socks

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
)

// Log is the socks.log stream, written while base/protocols/socks is
// loaded.
var Log = analyzer.DeclareLog[Info]("socks", "base/protocols/socks", logging.WithID("SOCKS::LOG"))

// capturePassword is SOCKS::default_capture_password.
var capturePassword = false

func init() {
	options.Bool("SOCKS::default_capture_password", &capturePassword,
		"Log the passwords of SOCKS5 user/password logins in socks.log's password field.")
	analyzer.Register(analyzer.Info{
		Name:       "SOCKS",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/socks",
		New:        newAnalyzer,
		Signatures: signatures,
	})
}

// signatures detect SOCKS on any port by a client's first message and
// the server's answer to it, in either direction (Heron's equivalent of
// Zeek's base/protocols/socks/dpd.sig):
//
//   - SOCKS4: a request (version 4, CONNECT or BIND, a user id of at
//     most 32 bytes before its NUL) answered by a reply byte 0 and a
//     status 0x5a-0x5d;
//   - SOCKS5: a greeting offering a common method answered by version 5
//     and a method choice (or 0xff, none acceptable).
//
// Only the server's signature enables the analyzer; it requires the
// client's on the other side.
const signatures = `
signature heron-socks4-request {
  ip-proto == tcp
  payload /^\x04[\x01\x02].{0,32}\x00/
  tcp-state originator
}
signature heron-socks4-reply {
  ip-proto == tcp
  requires-reverse-signature heron-socks4-request
  payload /^\x00[\x5a-\x5d]/
  tcp-state responder
  enable "socks"
}
signature heron-socks4-request-reversed {
  ip-proto == tcp
  payload /^\x04[\x01\x02].{0,32}\x00/
  tcp-state responder
}
signature heron-socks4-reply-reversed {
  ip-proto == tcp
  requires-reverse-signature heron-socks4-request-reversed
  payload /^\x00[\x5a-\x5d]/
  tcp-state originator
  enable "socks"
}
signature heron-socks5-greeting {
  ip-proto == tcp
  payload /^\x05.[\x00-\x03\x05-\x09]/
  tcp-state originator
}
signature heron-socks5-method {
  ip-proto == tcp
  requires-reverse-signature heron-socks5-greeting
  payload /^\x05[\x00-\x03\x05-\x09\xff]/
  tcp-state responder
  enable "socks"
}
`
