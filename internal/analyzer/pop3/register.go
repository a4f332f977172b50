package pop3

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/options"
)

// settings are Zeek's POP3 constants, settable as command-line redefs.
type settings struct {
	maxPendingCommands       uint64
	maxUnknownClientCommands uint64
}

var opts = settings{maxPendingCommands: 10, maxUnknownClientCommands: 10}

func init() {
	options.Count("POP3::max_pending_commands", &opts.maxPendingCommands,
		"POP3 client commands kept waiting for replies (0: no limit).")
	options.Count("POP3::max_unknown_client_commands", &opts.maxUnknownClientCommands,
		"Unknown POP3 client commands tolerated before a protocol violation (0: no limit).")
	analyzer.Register(analyzer.Info{
		Name:       "POP3",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/pop3",
		New:        newAnalyzer,
		Signatures: signatures,
	})
}

// signatures detect POP3 (Heron's equivalent of Zeek's
// base/protocols/pop3/dpd.sig; POP3 has no registered port): a server
// that starts with "+OK" to a client whose lines include USER, APOP,
// CAPA, AUTH or STLS.
const signatures = `
signature heron-pop3-server {
  ip-proto == tcp
  payload /^\+OK/
  requires-reverse-signature heron-pop3-client
  enable "pop3"
  tcp-state responder
}

signature heron-pop3-client {
  ip-proto == tcp
  payload /(.*[\r\n])?[[:space:]]*([uU][sS][eE][rR][[:space:]]|[aA][pP][oO][pP][[:space:]]|[cC][aA][pP][aA]|[aA][uU][tT][hH]|[sS][tT][lL][sS])/
  tcp-state originator
}
`
