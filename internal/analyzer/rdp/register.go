package rdp

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Log is the rdp.log stream, written while base/protocols/rdp is loaded.
var Log = analyzer.DeclareLog[Info]("rdp", "base/protocols/rdp", logging.WithID("RDP::LOG"))

// rdpCheckInterval is RDP::rdp_check_interval: how long after its start
// a connection's record is logged at the latest.
var rdpCheckInterval = 10 * zeek.Second

func checkInterval() zeek.Interval { return rdpCheckInterval }

// Detection signatures: Heron's own equivalent of Zeek's
// base/protocols/rdp/dpd.sig. A client's connection request (with its
// routing cookie) or MCS connect initial (with its channel names) enables
// RDP once the server answered with a connection confirm or an MCS
// connect response; an RDP-UDP SYN datagram of the size the protocol
// pads it to enables RDPEUDP.
const signatures = `
signature dpd_rdp_client {
  ip-proto == tcp
  payload /.*(Cookie: mstshash\=|Duca.*(rdpdr|rdpsnd|drdynvc|cliprdr))/
  requires-reverse-signature dpd_rdp_server
  enable "rdp"
}

signature dpd_rdp_server {
  ip-proto == tcp
  payload /(.{5}\xd0|.*McDn)/
}

signature dpd_rdpeudp_syn {
  ip-proto == udp
  payload-size <= 1232
  payload-size >= 1132
  payload /^\xff{4}.{2}.{1}\x01/
  enable "rdpeudp"
}
`

func init() {
	options.Interval("RDP::rdp_check_interval", &rdpCheckInterval,
		"Time after the start of an RDP session when its rdp.log record is written at the latest.")
	analyzer.Register(analyzer.Info{
		Name:       "RDP",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/rdp",
		New:        newAnalyzer,
		Signatures: signatures,
	})
	analyzer.Register(analyzer.Info{
		Name:      "RDPEUDP",
		Transport: analyzer.UDP,
		Script:    "base/protocols/rdp",
		New:       newEUDPAnalyzer,
	})
}
