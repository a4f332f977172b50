package ftp

import (
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// This file is Zeek's script layer for FTP (base/protocols/ftp/main.zeek,
// info.zeek, utils.zeek, utils-commands.zeek and the AUTH tracking of
// gridftp.zeek): the session state of a control connection, the pairing
// of replies with pending commands, the working directory, the expected
// data channels, and ftp.log.

// cmdArg is one command waiting for its reply (Zeek's FTP::CmdArg).
type cmdArg struct {
	ts          zeek.Time
	cmd         string
	arg         string
	seq         uint64
	cwdConsumed bool
}

// session is the state of one FTP control connection (Zeek's c$ftp). The
// expected-data-channel table refers to it, so that the data connection's
// file fills in mime_type and fuid of the command being logged.
type session struct {
	ts   zeek.Time
	uid  string
	id   zeek.ConnID
	user string
	// Optional fields, with their "set" flags.
	password, command, arg, mimeType, replyMsg, fuid zeek.Opt[string]
	fileSize, replyCode                              zeek.Opt[uint64]
	dataChannel                                      zeek.Opt[DataChannel]

	cwd               string
	cmdarg            *cmdArg
	pending           []*cmdArg // by sequence number
	commandSeq        uint64
	passive           bool
	capturePassword   bool
	loggedCommandSeen bool
	lastAuthRequested zeek.Opt[string]
}

// script is the script layer of one control connection.
type script struct {
	h host
	s *session
}

// fileCmds take a file or directory name as argument.
var fileCmds = map[string]bool{
	"APPE": true, "CWD": true, "DELE": true, "MKD": true, "RETR": true, "RMD": true, "RNFR": true,
	"RNTO": true, "STOR": true, "STOU": true, "REST": true, "SIZE": true, "MDTM": true,
}

// cmdReplyCodes is FTP::cmd_reply_code: the replies each command may get.
var cmdReplyCodes = func() map[string]map[uint64]bool {
	list := map[string][]uint64{
		"<init>":    {120, 220, 421, 0},
		"USER":      {230, 331, 332, 421, 530, 500, 501},
		"PASS":      {230, 202, 332, 421, 530, 500, 501, 503},
		"ACCT":      {230, 202, 421, 530, 500, 501, 503},
		"CWD":       {250, 421, 500, 501, 502, 530, 550},
		"CDUP":      {200, 250, 421, 500, 501, 502, 530, 550},
		"SMNT":      {202, 250, 421, 500, 501, 502, 530, 550},
		"REIN":      {120, 220, 421, 500, 502},
		"QUIT":      {221, 500, 0},
		"PORT":      {200, 421, 500, 501, 530},
		"PASV":      {227, 421, 500, 501, 502, 530},
		"MODE":      {200, 421, 500, 501, 502, 504, 530},
		"TYPE":      {200, 421, 500, 501, 504, 530},
		"STRU":      {200, 421, 500, 501, 504, 530},
		"ALLO":      {200, 202, 421, 500, 501, 504, 530},
		"REST":      {200, 350, 421, 500, 501, 502, 530},
		"STOR":      {110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 530, 550},
		"STOU":      {110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501, 530, 550},
		"RETR":      {110, 125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 530, 550},
		"LIST":      {125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550},
		"NLST":      {125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550},
		"APPE":      {125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501, 502, 530},
		"RNFR":      {350, 421, 450, 550, 500, 501, 502, 530},
		"RNTO":      {250, 421, 532, 553, 500, 501, 502, 503, 530},
		"DELE":      {250, 421, 450, 550, 500, 501, 502, 530},
		"RMD":       {250, 421, 500, 501, 502, 530, 550},
		"MKD":       {257, 421, 500, 501, 502, 530, 550},
		"PWD":       {257, 421, 500, 501, 502, 550},
		"ABOR":      {225, 226, 421, 500, 501, 502},
		"SYST":      {215, 421, 500, 501, 502, 530},
		"STAT":      {211, 212, 213, 421, 450, 500, 501, 502, 530},
		"HELP":      {200, 211, 214, 421, 500, 501, 502},
		"SITE":      {200, 202, 214, 500, 501, 502, 530},
		"NOOP":      {200, 421, 500},
		"LPRT":      {500, 501, 521},
		"FEAT":      {211, 500, 502},
		"OPTS":      {200, 451, 501},
		"EPSV":      {229, 500, 501},
		"EPRT":      {200, 500, 501, 522},
		"SIZE":      {213, 500, 501, 550},
		"MDTM":      {213, 500, 501, 550},
		"MLST":      {150, 226, 250, 500, 501, 550},
		"MLSD":      {150, 226, 250, 500, 501, 550},
		"CLNT":      {200, 500},
		"MACB":      {200, 500, 550},
		"<missing>": {0},
	}
	m := make(map[string]map[uint64]bool, len(list))
	for cmd, codes := range list {
		m[cmd] = map[uint64]bool{}
		for _, c := range codes {
			m[cmd][c] = true
		}
	}
	return m
}()

// directoryCmd reports whether a command with this reply code shows or
// changes the working directory (FTP's directory_cmds).
func directoryCmd(cmd string, code uint64) bool {
	switch cmd {
	case "CWD":
		return code == 250
	case "CDUP":
		return code == 200 || code == 250
	case "PWD", "XPWD":
		return code == 257
	}
	return false
}

// session returns c$ftp, creating it with the "<init>" shim command that
// the server's greeting answers (set_ftp_session).
func (sc *script) session() *session {
	if sc.s != nil {
		return sc.s
	}
	s := &session{
		ts:              sc.h.Now(),
		uid:             sc.h.UID(),
		id:              sc.h.ConnID(),
		user:            "<unknown>",
		cwd:             ".",
		capturePassword: opts.capturePassword,
	}
	sc.s = s
	s.commandSeq++
	s.pending = append(s.pending, &cmdArg{ts: sc.h.Now(), cmd: "<init>", seq: s.commandSeq})
	return s
}

// removePending drops a command from the pending ones; it reports
// whether it was there.
func (s *session) removePending(ca *cmdArg) bool {
	for i, x := range s.pending {
		if x.seq == ca.seq {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return true
		}
	}
	return false
}

// bestPending picks the pending command a reply answers
// (get_pending_cmd): a command that may get this code scores 100 (any
// command for 500), one whose name is in the message 20, one whose
// argument is in it 10; ties go to the oldest. nil when none is pending.
func (s *session) bestPending(code uint64, msg string) *cmdArg {
	var best *cmdArg
	bestScore := -1
	for _, ca := range s.pending {
		score := 0
		if code == 500 || cmdReplyCodes[ca.cmd][code] {
			score += 100
		}
		if strings.Contains(msg, ca.cmd) {
			score += 20
		}
		if strings.Contains(msg, ca.arg) {
			score += 10
		}
		if score > bestScore || score == bestScore && best.seq > ca.seq {
			best, bestScore = ca, score
		}
	}
	return best
}

// hidePassword is should_hide_password.
func (s *session) hidePassword() bool {
	if s.capturePassword {
		return false
	}
	return !opts.guestIDs[strings.ToLower(s.user)]
}

// buildURL is FTP::build_url_ftp.
func (s *session) buildURL() string {
	if !s.arg.Set {
		return "ftp://"
	}
	p := buildPathCompressed(s.cwd, s.arg.V)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "ftp://" + uriHost(s.id.RespH) + p
}

// message is ftp_message: the session takes the command's values, is
// logged when the command is one of FTP::logged_commands, and loses its
// per-transfer fields.
func (sc *script) message() {
	s := sc.s
	if s == nil || s.cmdarg == nil {
		return
	}
	ca := s.cmdarg
	s.ts = ca.ts
	s.command = zeek.Some(ca.cmd)
	s.arg = zeek.Some(ca.arg)
	if fileCmds[ca.cmd] {
		s.arg = zeek.Some(s.buildURL())
	}
	if max := opts.maxArgLength; uint64(len(s.arg.V)) > max {
		sc.h.weird("FTP_arg_too_long", strconv.Itoa(len(s.arg.V)), "FTP", false)
		s.arg.V = s.arg.V[:max]
	}
	if max := opts.maxReplyMsgLength; s.replyMsg.Set && uint64(len(s.replyMsg.V)) > max {
		sc.h.weird("FTP_reply_msg_too_long", strconv.Itoa(len(s.replyMsg.V)), "FTP", false)
		s.replyMsg.V = s.replyMsg.V[:max]
	}
	if ca.cmd == "PASS" && s.hidePassword() {
		s.arg = zeek.Some("<hidden>")
	}
	if s.arg.V == "" {
		s.arg = zeek.Opt[string]{}
	}
	if s.password.Set && s.hidePassword() {
		s.password.V = "<hidden>"
	}
	if opts.loggedCommands[ca.cmd] {
		if sc.h.logOn() {
			sc.h.writeLog(s.record())
		}
		s.loggedCommandSeen = true
	}
	s.mimeType = zeek.Opt[string]{}
	s.fileSize = zeek.Opt[uint64]{}
	s.dataChannel = zeek.Opt[DataChannel]{}
	s.fuid = zeek.Opt[string]{}
}

// record is the session as an ftp.log record.
func (s *session) record() *Info {
	return &Info{
		TS: s.ts, UID: s.uid, ID: s.id, User: s.user, Password: s.password,
		Command: s.command, Arg: s.arg, MIMEType: s.mimeType, FileSize: s.fileSize,
		ReplyCode: s.replyCode, ReplyMsg: s.replyMsg, DataChannel: s.dataChannel, FUID: s.fuid,
	}
}

// request is the ftp_request handler (main.zeek and gridftp.zeek).
func (sc *script) request(command string, arg []byte) {
	if s := sc.s; s != nil && s.cmdarg != nil && s.replyCode.Set {
		if s.removePending(s.cmdarg) {
			sc.message()
		}
	}
	s := sc.session()
	argStr := string(arg)
	if uint64(len(s.pending)) < opts.maxPendingCommands {
		s.commandSeq++
		s.pending = append(s.pending, &cmdArg{ts: sc.h.Now(), cmd: command, arg: argStr, seq: s.commandSeq})
	} else {
		sc.h.weird("FTP_too_many_pending_commands", strconv.Itoa(len(s.pending)), "FTP", false)
	}
	switch command {
	case "USER":
		if max := opts.maxUserLength; uint64(len(argStr)) > max {
			sc.h.weird("FTP_user_too_long", strconv.Itoa(len(argStr)), "FTP", false)
			argStr = argStr[:max]
		}
		s.user = argStr
	case "PASS":
		if max := opts.maxPasswordLength; uint64(len(argStr)) > max {
			sc.h.weird("FTP_password_too_long", strconv.Itoa(len(argStr)), "FTP", false)
			argStr = argStr[:max]
		}
		s.password = zeek.Some(argStr)
	case "PORT", "EPRT":
		var d hostPort
		if command == "PORT" {
			d = parsePort(arg)
		} else {
			d = parseExtended(arg, true)
		}
		if d.valid {
			sc.addDataChannel(DataChannel{Passive: false, OrigH: s.id.RespH, RespH: d.h, RespP: zeek.Port{Num: d.p, Proto: zeek.ProtoTCP}})
		}
	}
	// gridftp.zeek (priority 4): the AUTH mechanism asked for.
	if command == "AUTH" {
		s.lastAuthRequested = zeek.Some(argStr)
	}
}

// reply is the ftp_reply handler.
func (sc *script) reply(code uint64, msgBytes []byte, cont bool) {
	s := sc.session()
	msg := string(msgBytes)
	if cont && code == 0 && s.replyCode.Set && !looksLikeReply(msg) {
		return
	}
	ca := s.bestPending(code, msg)
	if ca == nil {
		// Zeek's script fails on the unset result and stops here.
		return
	}
	s.cmdarg = ca
	s.replyCode = zeek.Some(code)
	s.replyMsg = zeek.Some(msg)
	if cont {
		return
	}
	switch {
	case code == 150 && ca.cmd == "RETR" || code == 213 && ca.cmd == "SIZE":
		n, ok := lastCount(msg)
		if !ok {
			return // the script errs converting the number
		}
		s.fileSize = zeek.Some(n)
	case (code == 227 || code == 229) && (ca.cmd == "PASV" || ca.cmd == "EPSV"):
		var d hostPort
		if code == 227 {
			d = parsePASV(msgBytes)
		} else {
			d = parseEPSV(msgBytes)
		}
		if d.valid {
			s.passive = true
			if code == 229 && d.h.Is6() && d.h.IsUnspecified() {
				d.h = s.id.RespH
			}
			sc.addDataChannel(DataChannel{Passive: true, OrigH: s.id.OrigH, RespH: d.h, RespP: zeek.Port{Num: d.p, Proto: zeek.ProtoTCP}})
		}
	}
	if directoryCmd(ca.cmd, code) && !ca.cwdConsumed {
		ca.cwdConsumed = true
		switch ca.cmd {
		case "CWD":
			s.cwd = buildPathCompressed(s.cwd, ca.arg)
		case "CDUP":
			s.cwd = buildPathCompressed(s.cwd, "/..")
		default:
			s.cwd = extractPath(msg)
		}
	}
	if len(s.pending) > 1 {
		s.removePending(ca)
		sc.message()
	}
}

// addDataChannel is add_expected_data_channel: the data connection is
// expected for five minutes, and the session is what its file reports to.
func (sc *script) addDataChannel(ch DataChannel) {
	s := sc.s
	t := sc.h.thread()
	now := sc.h.Now()
	if !t.expect(ch.RespH, ch.RespP.Num, s, now) {
		sc.h.weird("FTP_too_many_expected_data_channels", strconv.Itoa(t.size()), "FTP", false)
		return
	}
	s.passive = ch.Passive
	s.dataChannel = zeek.Some(ch)
	sc.h.schedule(ch.OrigH, ch.RespH, ch.RespP.Num, expectTimeout)
}

// finalize is the removal hook finalize_ftp: the pending commands are
// logged, and a session without a logged command gets one record.
func (sc *script) finalize() {
	s := sc.s
	if s == nil {
		return
	}
	for _, ca := range append([]*cmdArg(nil), s.pending...) {
		s.cmdarg = ca
		sc.message()
	}
	if !s.loggedCommandSeen && opts.logAtLeastOne && sc.h.logOn() {
		sc.h.writeLog(s.record())
	}
}
