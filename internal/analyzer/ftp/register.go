package ftp

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
)

// Log is the ftp.log stream, written while base/protocols/ftp is loaded.
var Log = analyzer.DeclareLog[Info]("ftp", "base/protocols/ftp", logging.WithID("FTP::LOG"))

// settings are Zeek's options for FTP (FTP:: in base/protocols/ftp and
// the FTP::max_command_length constant), as command-line redefs set them.
type settings struct {
	capturePassword         bool
	loggedCommands          map[string]bool
	guestIDs                map[string]bool
	maxPendingCommands      uint64
	maxUserLength           uint64
	maxPasswordLength       uint64
	maxArgLength            uint64
	maxReplyMsgLength       uint64
	maxExpectedDataChannels uint64
	logAtLeastOne           bool
	maxCommandLength        uint64
}

var (
	opts = settings{
		maxPendingCommands:      20,
		maxUserLength:           128,
		maxPasswordLength:       128,
		maxArgLength:            4096,
		maxReplyMsgLength:       4096,
		maxExpectedDataChannels: 100000,
		logAtLeastOne:           true,
		maxCommandLength:        100,
	}
	loggedCommandList = []string{"APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV"}
	guestIDList       = []string{"anonymous", "ftp", "ftpuser", "guest"}
)

func init() {
	options.Bool("FTP::default_capture_password", &opts.capturePassword,
		"Log FTP passwords of non-guest users in ftp.log instead of <hidden>.")
	options.SetString("FTP::logged_commands", &loggedCommandList, "FTP commands whose command/reply pairs ftp.log records.")
	options.SetString("FTP::guest_ids", &guestIDList, "FTP user names whose passwords are not hidden.")
	options.Count("FTP::max_pending_commands", &opts.maxPendingCommands, "FTP commands kept waiting for a reply.")
	options.Count("FTP::max_user_length", &opts.maxUserLength, "Longest FTP user name kept.")
	options.Count("FTP::max_password_length", &opts.maxPasswordLength, "Longest FTP password kept.")
	options.Count("FTP::max_arg_length", &opts.maxArgLength, "Longest FTP argument logged.")
	options.Count("FTP::max_reply_msg_length", &opts.maxReplyMsgLength, "Longest FTP reply message logged.")
	options.Count("FTP::max_expected_data_channels", &opts.maxExpectedDataChannels,
		"FTP data channels expected at once per analysis thread (0: no limit).")
	options.Bool("FTP::log_at_least_one_command", &opts.logAtLeastOne,
		"Log one ftp.log record for a session with a user but no logged command.")
	options.Count("FTP::max_command_length", &opts.maxCommandLength, "Longest FTP command word analysed (0: no limit).")

	analyzer.Register(analyzer.Info{
		Name:       "FTP",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/ftp",
		New:        newAnalyzer,
		Signatures: signatures,
	})
	analyzer.Register(analyzer.Info{
		Name:      "FTP_DATA",
		Transport: analyzer.TCP,
		Script:    "base/protocols/ftp",
		New:       newDataAnalyzer,
	})
	applySets()
	analyzer.OnStart(func(func(string) bool) { applySets() })
}

// applySets builds the lookup sets from the option lists (options are
// applied before a run starts).
func applySets() {
	opts.loggedCommands = toSet(loggedCommandList)
	opts.guestIDs = toSet(guestIDList)
}

func toSet(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

// signatures detect FTP on any port (Heron's equivalent of Zeek's
// base/protocols/ftp/dpd.sig): a client that sends USER in its first
// lines, and a server that greets (120 or 220) and then asks for a
// password or lets the user in (331 or 230).
const signatures = `
signature heron-ftp-client {
  ip-proto == tcp
  payload /(.*[\n\r])? *[uU][sS][eE][rR] /
  tcp-state originator
}

signature heron-ftp-server {
  ip-proto == tcp
  payload /[\n\r ]*(120|220)[^0-9].*[\n\r] *(230|331)[^0-9]/
  tcp-state responder
  requires-reverse-signature heron-ftp-client
  enable "ftp"
}
`
