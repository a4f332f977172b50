package smtp

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
)

// analyzerName is the analyzer's name, weird.log's source for its weirds
// and files.log's source for its files.
const analyzerName = "SMTP"

// Scripts the analyzer follows.
const (
	scriptSMTP     = "base/protocols/smtp"
	scriptSoftware = "policy/protocols/smtp/software"
)

// Log is the smtp.log stream, written while base/protocols/smtp is
// loaded.
var Log = analyzer.DeclareLog[Info]("smtp", scriptSMTP, logging.WithID("SMTP::LOG"))

// Zeek's options for SMTP, settable as command-line redefs.
var (
	mailTransactionValidation         = true
	maxInvalidMailTransactions uint64 = 25
	maxRcptToAddresses         uint64 = 1000
	maxToAddresses             uint64 = 1000
	maxCCAddresses             uint64 = 1000
	maxPathLength              uint64 = 1000
	bdatMaxLineLength          uint64 = 4096
	enableRFC822                      = false
)

// Set when a run starts: policy/protocols/smtp/software is loaded, and
// the MIME limits (MIME::max_depth, MIME::max_header_bytes).
var (
	softwareLoaded bool
	limits         = mime.Limits{MaxDepth: mime.DefaultMaxDepth, MaxHeaderBytes: mime.DefaultMaxHeaderBytes}
)

func mimeLimits() mime.Limits { return limits }

// signatures are Heron's own equivalent of Zeek's
// base/protocols/smtp/dpd.sig: a server greeting with code 220, and a
// client that says HELO or EHLO at the start of a line of its stream.
const signatures = `
signature heron_smtp_server {
  ip-proto == tcp
  payload /^[ \t\n\x0b\x0c\r]*220[- \t\n\x0b\x0c\r]/
  tcp-state responder
}

signature heron_smtp_client {
  ip-proto == tcp
  payload /^(.*[\n\r])?[ \t\n\x0b\x0c\r]*([Hh][Ee]|[Ee][Hh])[Ll][Oo]/
  requires-reverse-signature heron_smtp_server
  tcp-state originator
  enable "smtp"
}
`

func init() {
	options.Bool("SMTP::mail_transaction_validation", &mailTransactionValidation,
		"Report RCPT TO without MAIL FROM and DATA without RCPT TO as smtp_mail_transaction_invalid.")
	options.Count("SMTP::max_invalid_mail_transactions", &maxInvalidMailTransactions,
		"Invalid mail transactions after which the SMTP analyzer is disabled (0: never).")
	options.Count("SMTP::max_rcptto_addresses", &maxRcptToAddresses, "RCPT TO addresses kept per transaction (0: no limit).")
	options.Count("SMTP::max_to_addresses", &maxToAddresses, "To addresses kept per transaction (0: no limit).")
	options.Count("SMTP::max_cc_addresses", &maxCCAddresses, "Cc addresses kept per transaction (0: no limit).")
	options.Count("SMTP::max_path_length", &maxPathLength, "Addresses kept in a transaction's path (0: no limit).")
	options.Count("SMTP::bdat_max_line_length", &bdatMaxLineLength, "Longest line of a BDAT transfer before it is cut.")
	options.Bool("SMTP::enable_rfc822_msg_file_analysis", &enableRFC822,
		"Pass every whole message to the files framework as a message/rfc822 file.")

	analyzer.Register(analyzer.Info{
		Name:       analyzerName,
		Transport:  analyzer.TCP,
		Script:     scriptSMTP,
		New:        newAnalyzer,
		Signatures: signatures,
	})
	analyzer.ExtendLog("smtp", scriptSoftware, "smtp-software")
	analyzer.OnStart(func(loaded func(string) bool) {
		softwareLoaded = loaded(scriptSoftware)
		limits = mime.Limits{
			MaxDepth:       countOption("MIME::max_depth", mime.DefaultMaxDepth),
			MaxHeaderBytes: countOption("MIME::max_header_bytes", mime.DefaultMaxHeaderBytes),
		}
	})
}

// countOption reads a count option that another package registers (the
// MIME options live with the HTTP analyzer), or def when none does.
func countOption(name string, def int) int {
	v := options.Default.Lookup(name)
	if v == nil {
		return def
	}
	n, err := strconv.ParseUint(v.String(), 10, 31)
	if err != nil {
		return def
	}
	return int(n)
}
