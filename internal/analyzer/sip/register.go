package sip

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
)

// Log is the sip.log stream, written while base/protocols/sip is loaded.
var Log = analyzer.DeclareLog[Info]("sip", "base/protocols/sip", logging.WithID("SIP::LOG"))

// Zeek's options for SIP, settable as command-line redefs.
var (
	sipMethods                   = []string{"REGISTER", "INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "NOTIFY", "SUBSCRIBE"}
	maxRequestPathLength  uint64 = 100
	maxResponsePathLength uint64 = 100
)

// Detection signatures: Heron's own equivalent of Zeek's
// base/protocols/sip/dpd.sig. A datagram with a request line (a SIP
// version at the end of its first line) or starting with a status line
// enables SIP.
const signatures = `
signature dpd_sip_udp_req {
  ip-proto == udp
  payload /.* SIP\/[0-9]\.[0-9]\x0d\x0a/
  enable "sip"
}

signature dpd_sip_udp_resp {
  ip-proto == udp
  payload /^ ?SIP\/[0-9]\.[0-9](\x0d\x0a| [0-9][0-9][0-9] )/
  enable "sip"
}
`

func init() {
	options.SetString("SIP::sip_methods", &sipMethods, "SIP request methods that raise no unknown_SIP_method weird.")
	options.Count("SIP::max_request_path_length", &maxRequestPathLength,
		"Via headers kept in a request's path before sip_max_request_path_length_exceeded (0: no limit).")
	options.Count("SIP::max_response_path_length", &maxResponsePathLength,
		"Via headers kept in a response's path before sip_max_response_path_length_exceeded (0: no limit).")
	analyzer.Register(analyzer.Info{
		Name:       "SIP",
		Transport:  analyzer.UDP,
		Script:     "base/protocols/sip",
		New:        newAnalyzer,
		Signatures: signatures,
	})
}
