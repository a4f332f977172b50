package smtp

import (
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// This file is the script layer of SMTP: what Zeek's
// base/protocols/smtp/{main,entities,files}.zeek (and, when loaded,
// policy/protocols/smtp/software.zeek) do with the analyzer's events —
// building smtp.log records transaction by transaction, picking header
// fields, following the Received path, naming files and listing their
// fuids. The analyzer calls these handlers in the order Zeek raises the
// events; handlers of one event run in Zeek's priority order.

// maxSetSize bounds the address sets and the path of one record when the
// scripts' own limits (SMTP::max_*_addresses, SMTP::max_path_length) are
// switched off with 0: Heron's bound, so that memory stays bounded.
const maxSetSize = 1 << 16

// maxFUIDs bounds the fuids one record lists (Heron's bound; Zeek lists
// every file of a message).
const maxFUIDs = 1 << 16

// txn is c$smtp: the record under way and the fields of SMTP::Info that
// are not logged.
type txn struct {
	info                Info
	processReceivedFrom bool
	hasClientActivity   bool
	processHeaders      bool
	entityCount         uint64
	hasEntity           bool   // c$smtp$entity is set
	filename            string // c$smtp$entity$filename
	hasFilename         bool
	rfc822FUID          string
	rcptSet, toSet      map[string]bool
	ccSet               map[string]bool
}

// script is c$smtp_state and c$smtp for one connection.
type script struct {
	a       *Analyzer
	started bool // c$smtp_state exists

	helo             zeek.Opt[string]
	messages         uint64 // messages_transferred
	mailFromSeen     bool
	rcptToSeen       bool
	invalid          uint64 // invalid_transactions
	bdatLastObserved bool
	haveAnalyzerID   bool
	mimeDepth        uint64

	cur *txn // c$smtp
}

var _ files.Observer = (*script)(nil)

func (s *script) init(a *Analyzer) { s.a = a }

func (s *script) h() host { return s.a.h }

// newTxn is new_smtp_log.
func (s *script) newTxn() *txn {
	id := s.h().ConnID()
	t := &txn{processReceivedFrom: true, processHeaders: true}
	t.info = Info{
		TS:         s.h().Now(),
		UID:        s.h().UID(),
		ID:         id,
		TransDepth: s.messages + 1,
		Helo:       s.helo,
		Path:       zeek.Some([]zeek.Addr{id.RespH, id.OrigH}),
		FUIDs:      []string{},
	}
	return t
}

// setSession is set_smtp_session.
func (s *script) setSession() {
	s.started = true
	if s.cur == nil {
		s.cur = s.newTxn()
	}
}

// message is smtp_message: a record with client activity is logged and
// a new one started.
func (s *script) message() {
	if s.cur != nil && s.cur.hasClientActivity {
		s.write(s.cur)
		s.cur = s.newTxn()
	}
}

// write logs a record; the logged copy owns its slices.
func (s *script) write(t *txn) {
	if !s.h().logOn() {
		return
	}
	rec := t.info
	rec.RcptTo.V = clone(rec.RcptTo.V)
	rec.To.V = clone(rec.To.V)
	rec.CC.V = clone(rec.CC.V)
	rec.Path.V = clone(rec.Path.V)
	rec.FUIDs = clone(rec.FUIDs)
	if rec.FUIDs == nil {
		rec.FUIDs = []string{}
	}
	s.h().writeLog(&rec)
}

func clone[T any](v []T) []T {
	if v == nil {
		return nil
	}
	return append([]T(nil), v...)
}

// confirmation is the analyzer_confirmation_info handler.
func (s *script) confirmation() {
	s.setSession()
	s.haveAnalyzerID = true
}

// invalidTransaction is mail_transaction_invalid: a weird, and past
// SMTP::max_invalid_mail_transactions the analyzer is disabled.
func (s *script) invalidTransaction(addl string) {
	s.h().ScriptWeird("smtp_mail_transaction_invalid", addl, analyzerName)
	s.invalid++
	if max := maxInvalidMailTransactions; max > 0 && s.invalid > max && s.haveAnalyzerID {
		s.h().ScriptWeird("smtp_excessive_invalid_mail_transactions",
			strconv.FormatUint(s.invalid, 10)+" > "+strconv.FormatUint(max, 10), analyzerName)
		s.h().LimitReached()
		s.a.disable = true
		s.haveAnalyzerID = false
	}
}

// addToSet adds v to a record set, within max (0: no limit but Heron's),
// raising weird when the set is full; it reports false then.
func (s *script) addToSet(set *zeek.Opt[[]string], seen *map[string]bool, v string, max uint64, weird string) bool {
	if max == 0 || max > maxSetSize {
		max = maxSetSize
	}
	if uint64(len(set.V)) >= max {
		s.h().ScriptWeird(weird, "", "")
		return false
	}
	if *seen == nil {
		*seen = map[string]bool{}
	}
	if !(*seen)[v] {
		(*seen)[v] = true
		set.V = append(set.V, v)
	}
	return true
}

// request is the smtp_request handler.
func (s *script) request(cmd string, arg []byte) {
	s.setSession()
	t := s.cur
	switch {
	case cmd == "HELO" || cmd == "EHLO":
		s.helo = zeek.Some(string(arg))
		t.info.Helo = s.helo
	case cmd == "RCPT" && hasPrefixFold(arg, "TO:"):
		if !t.info.RcptTo.Set {
			t.info.RcptTo = zeek.Some([]string{})
		}
		for _, addr := range uniq(emailAddrs(string(arg))) {
			if !s.addToSet(&t.info.RcptTo, &t.rcptSet, removeORCPT(addr), maxRcptToAddresses, "smtp_too_many_rcptto_addresses") {
				break
			}
		}
		t.hasClientActivity = true
		s.rcptToSeen = true
		if mailTransactionValidation && !s.mailFromSeen {
			s.invalidTransaction("rcpt to missing mail from")
		}
	case cmd == "MAIL" && hasPrefixFold(arg, "FROM:"):
		// A message whose acknowledgement went unseen is logged now.
		s.message()
		t = s.cur
		if from := firstEmailAddr(string(arg)); from != "" {
			t.info.MailFrom = zeek.Some(from)
		}
		t.hasClientActivity = true
		s.mailFromSeen = true
		s.rcptToSeen = false
	case cmd == "DATA" || cmd == "BDAT":
		if mailTransactionValidation && !s.rcptToSeen {
			s.invalidTransaction("data missing rcpt to")
		}
		if cmd == "BDAT" && strings.HasSuffix(string(arg), " LAST") {
			s.mailFromSeen, s.rcptToSeen = false, false
			s.bdatLastObserved = true
		}
	case cmd == ".":
		s.mailFromSeen, s.rcptToSeen = false, false
	}
}

// uniq drops repeated strings, keeping the first of each: the members
// of a Zeek set, in the order found.
func uniq(v []string) []string {
	if len(v) < 2 {
		return v
	}
	seen := make(map[string]bool, len(v))
	out := v[:0:0]
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// reply is the smtp_reply handlers (priorities 5 and -5).
func (s *script) reply(code int, cmd string, msg []byte, cont bool) {
	s.setSession()
	s.cur.info.LastReply = zeek.Some(strconv.Itoa(code) + " " + string(msg))
	if cmd == "." || (!cont && cmd == "BDAT" && s.bdatLastObserved) {
		s.messages++
		s.bdatLastObserved = false
		s.message()
		s.cur = s.newTxn()
	}
}

// startTLS is the smtp_starttls handler.
func (s *script) startTLS() {
	if t := s.cur; t != nil {
		t.info.TLS = true
		t.hasClientActivity = true
	}
}

// mimeBeginEntity is the mime_begin_entity handlers (entities.zeek at
// priority 10, main.zeek at 5).
func (s *script) mimeBeginEntity() {
	if t := s.cur; t != nil {
		t.hasEntity = true
		t.filename, t.hasFilename = "", false
	}
	if s.started {
		s.mimeDepth++
	}
	if t := s.cur; t != nil {
		t.entityCount++
		if t.entityCount > 1 {
			t.processHeaders = false
		}
	}
}

// mimeEndEntity is entities.zeek's mime_end_entity handler.
func (s *script) mimeEndEntity() {
	if t := s.cur; t != nil {
		t.hasEntity = false
		t.filename, t.hasFilename = "", false
	}
}

// mimeOneHeader is the mime_one_header handlers: main.zeek's header
// fields (priority 5), entities.zeek's file names (5), software.zeek's
// webmail check (4) and main.zeek's Received path (3).
func (s *script) mimeOneHeader(rawName, rawValue []byte) {
	t := s.cur
	if t == nil {
		return
	}
	name := upperASCII(rawName) // field names are printable ASCII
	value := string(rawValue)
	if t.processHeaders {
		s.headerField(t, name, value)
	}
	if !t.hasEntity {
		s.h().ScriptWeird("missing_SMTP_entity", "", analyzerName)
	} else if name == "CONTENT-DISPOSITION" && hasFilenameParam(value) ||
		name == "CONTENT-TYPE" && hasNameParam(value) {
		t.filename, t.hasFilename = filenameFromDisposition(value), true
	}
	if softwareLoaded && name == "USER-AGENT" && t.info.UserAgent.Set && isWebmail(t.info.UserAgent.V) {
		t.info.IsWebmail = true
	}
	if name == "RECEIVED" && t.processReceivedFrom && t.processHeaders {
		s.receivedPath(t, value)
	}
}

// headerField is main.zeek's mime_one_header handler at priority 5.
func (s *script) headerField(t *txn, name, value string) {
	switch name {
	case "MESSAGE-ID":
		t.info.MsgID = zeek.Some(value)
	case "RECEIVED":
		if t.info.FirstReceived.Set {
			t.info.SecondReceived = t.info.FirstReceived
		}
		t.info.FirstReceived = zeek.Some(value)
	case "IN-REPLY-TO":
		t.info.InReplyTo = zeek.Some(value)
	case "SUBJECT":
		t.info.Subject = zeek.Some(value)
	case "FROM":
		t.info.From = zeek.Some(value)
	case "REPLY-TO":
		t.info.ReplyTo = zeek.Some(value)
	case "DATE":
		t.info.Date = zeek.Some(value)
	case "TO":
		if !t.info.To.Set {
			t.info.To = zeek.Some([]string{})
		}
		for _, addr := range uniq(splitMIMEEmailAddrs(value)) {
			if !s.addToSet(&t.info.To, &t.toSet, addr, maxToAddresses, "smtp_too_many_to_addresses") {
				break
			}
		}
	case "CC":
		if !t.info.CC.Set {
			t.info.CC = zeek.Some([]string{})
		}
		for _, addr := range uniq(splitMIMEEmailAddrs(value)) {
			if !s.addToSet(&t.info.CC, &t.ccSet, addr, maxCCAddresses, "smtp_too_many_cc_addresses") {
				break
			}
		}
	case "X-ORIGINATING-IP":
		if a, ok := firstIPAddr(value); ok {
			t.info.XOriginatingIP = zeek.Some(a)
		}
	case "X-MAILER", "USER-AGENT", "X-USER-AGENT":
		t.info.UserAgent = zeek.Some(value)
	}
}

// receivedPath is main.zeek's mime_one_header handler at priority 3: the
// address of a Received header joins the path. (SMTP::mail_path_capture
// is ALL_HOSTS, so every address counts.)
func (s *script) receivedPath(t *txn, value string) {
	ip, ok := receivedAddr(value)
	if !ok {
		return
	}
	path := t.info.Path.V
	if len(path) > 0 && path[len(path)-1] == ip {
		return
	}
	max := maxPathLength
	if max == 0 || max > maxSetSize {
		max = maxSetSize
	}
	if uint64(len(path)) >= max {
		s.h().ScriptWeird("smtp_max_path_length_exceeded", "", "")
		return
	}
	t.info.Path = zeek.Some(append(path, ip))
}

// webmailPrefixes and webmailInfixes are SMTP::webmail_user_agents of
// policy/protocols/smtp/software.zeek.
var (
	webmailPrefixes = []string{"iPlanet Messenger", "Sun Java(tm) System Messenger Express", "SquirrelMail", "NeoMail"}
	webmailInfixes  = []string{"(IMP)", "ZimbraWebClient"}
)

func isWebmail(ua string) bool {
	for _, p := range webmailPrefixes {
		if strings.HasPrefix(ua, p) {
			return true
		}
	}
	for _, p := range webmailInfixes {
		if strings.Contains(ua, p) {
			return true
		}
	}
	return false
}

// finalize is the finalize_smtp removal hook.
func (s *script) finalize() {
	if s.cur != nil {
		s.message()
	}
}

// fileHandle is SMTP::get_file_handle: the transaction, the message file
// of SMTP::enable_rfc822_msg_file_analysis and the MIME depth ("" when
// there is no transaction).
func (s *script) fileHandle() string {
	t := s.cur
	if t == nil {
		return ""
	}
	return "Analyzer::ANALYZER_SMTP" + strconv.FormatInt(int64(s.h().StartTime()), 10) + strconv.FormatUint(t.info.TransDepth, 10) +
		t.rfc822FUID + strconv.FormatUint(s.mimeDepth, 10)
}

// FileOverConn is the file_over_new_connection handlers of entities.zeek
// and files.zeek.
func (s *script) FileOverConn(f *files.File) {
	t := s.cur
	if t == nil {
		return
	}
	if f.Source() == analyzerName {
		if t.hasEntity && t.hasFilename {
			f.SetFilename(t.filename)
		}
		f.SetDepth(s.mimeDepth)
	}
	if t.info.TLS {
		return
	}
	if len(t.info.FUIDs) < maxFUIDs {
		t.info.FUIDs = append(t.info.FUIDs, f.ID())
	}
	if enableRFC822 {
		if t.rfc822FUID == "" {
			t.rfc822FUID = f.ID()
		} else if !f.Info().ParentFUID.Set {
			f.SetParent(t.rfc822FUID)
		}
	}
}

// FileSniffed implements files.Observer (SMTP's scripts do not handle
// file_sniff).
func (s *script) FileSniffed(*files.File, string) {}
