package smtp

import (
	"math"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/support"
	"github.com/heron-nsm/heron/internal/files"
)

// state is the analyzer's idea of where the session is (Zeek's
// SMTP_State). It changes on commands and on replies; its purpose is to
// know when message data flows, not to judge the session.
type state uint8

const (
	stConnected    state = iota // before the greeting
	stInitiated                 // greeting seen, EHLO/HELO expected
	stNotAvailable              // the greeting refused service
	stReady                     // after EHLO/HELO
	stMailOK                    // after MAIL
	stRcptOK                    // after a RCPT
	stInData                    // after DATA: message lines
	stAfterData                 // after the final "." before its reply
	stInAuth                    // in an AUTH exchange
	stInTLS                     // after STARTTLS and its 220: TLS follows
	stQuit                      // after QUIT
	stAfterGap                  // a content gap was seen
	stGapRecovery               // the first reply after a gap
	stInBDAT                    // BDAT chunks flow
)

// maxPendingCmds bounds the commands waiting for replies (Zeek's
// max_pending_cmd_q_size); beyond it the queue is cleared with the weird
// smtp_excessive_pending_cmds.
const maxPendingCmds = 1000

// Analyzer is the SMTP analyzer of one TCP connection (Zeek's
// SMTP_Analyzer with its two ContentLine support analyzers).
type Analyzer struct {
	h       host
	sp      [2]support.LineSplitter // by direction: [1] originator
	flags   support.ConnFlags
	noLines bool // content lines are off: all data passes through (after STARTTLS)

	origIsSender bool
	state        state
	lastReplied  command
	firstCmd     command // the first command not yet replied to
	pendingReply int     // the code of a multi-line reply under way
	queue        []command
	qHead        int

	bdat      *bdatReader
	mail      *mail
	rfc822    *files.Transfer
	rfc822Off uint64
	inner     innerSession

	s         script
	files     *files.Manager
	fconn     files.Conn
	confirmed bool

	eof      [2]bool
	finished bool // ConnectionFinished ran
	stopped  bool // disabled: no more input
	disable  bool // the script asked for the analyzer to be disabled
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ analyzer.Flipper  = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newSMTP(newHandleHost(h)) }

// newSMTP makes an analyzer on a host.
func newSMTP(h host) *Analyzer {
	a := &Analyzer{h: h, files: h.Files(), origIsSender: true, lastReplied: cmdNone, firstCmd: cmdConnEstablishment}
	a.s.init(a)
	if a.files != nil {
		a.fconn = files.Conn{UID: h.UID(), ID: h.ConnID()}
	}
	for i := range a.sp {
		a.sp[i].Init(a, i == 1, support.DefaultMaxLineLength)
		a.sp[i].SetConnFlags(&a.flags)
		a.sp[i].SetNULSensitive(true, nil)
		a.sp[i].SetSkipPartial(h.Partial)
	}
	a.updateState(a.firstCmd, 0, true)
	return a
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// DeliverStream implements analyzer.Analyzer.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.stopped {
		return
	}
	a.sp[dir(orig)].Write(data)
	a.settle()
}

// Line implements support.LineHandler.
func (a *Analyzer) Line(line []byte, orig bool) { a.deliver(line, orig) }

// Plain implements support.LineHandler: BDAT chunks, and everything after
// the reply that starts TLS.
func (a *Analyzer) Plain(data []byte, orig bool) { a.deliver(data, orig) }

// Weird implements support.LineHandler.
func (a *Analyzer) Weird(name string, _ bool) {
	a.h.ScriptWeird(name, "", support.ContentLineSource)
}

// deliver is Zeek's SMTP_Analyzer::DeliverStream: one line (or a piece of
// a BDAT chunk, or raw data once TLS has started).
func (a *Analyzer) deliver(line []byte, orig bool) {
	if a.stopped {
		return
	}
	if a.state == stInTLS {
		if a.inner != nil {
			a.inner.DeliverStream(line, orig)
		}
		return
	}
	isSender := orig == a.origIsSender
	if len(line) > 0 && isSender && a.bdat != nil {
		n := len(line)
		if uint64(n) > a.bdat.remaining {
			n = int(a.bdat.remaining)
		}
		if n > 0 {
			a.bdat.next(line[:n])
			a.rfc822Data(line[:n])
		}
		if a.bdat != nil && a.bdat.last && a.bdat.remaining == 0 {
			a.updateState(cmdEndOfData, 0, orig)
		}
		if line = line[n:]; len(line) == 0 {
			return
		}
	}
	// Lines ending in several CRs (some clients end lines with CR CR LF)
	// lose them.
	a.processLine(trimTrailingCRs(line), orig)
}

// processLine is Zeek's ProcessLine.
func (a *Analyzer) processLine(line []byte, orig bool) {
	if orig != a.origIsSender {
		a.replyLine(line, orig)
		return
	}
	cmd := cmdNone
	var word, arg []byte
	switch {
	case a.state == stAfterGap:
		// Command or data? Nothing is done with the line.
	case a.state == stInData && len(line) == 1 && line[0] == '.':
		word, arg = line, line
		cmd = cmdEndOfData
		a.newCmd(cmd)
	case a.state == stInData:
		if len(line) > 0 && line[0] == '.' {
			line = line[1:]
		}
		if a.mail == nil {
			// Data after the mail was ended (a RST that did not stop
			// the client, say): a new one starts.
			a.beginData(orig, stInData)
		}
		a.processData(line)
		return
	case a.state == stInAuth:
		word, arg = authAnswerWord, line
		cmd = cmdAuthAnswer
		a.newCmd(cmd)
	default:
		word = firstWord(line)
		arg = skipBlanks(line[len(word):])
		if cmd = parseCommand(word); cmd == cmdNone {
			return
		}
		a.newCmd(cmd)
	}
	if cmd == cmdNone {
		return
	}
	if cmd == cmdEndOfData {
		a.updateState(cmd, 0, orig)
	}
	if len(word) > 0 || len(arg) > 0 {
		a.requestEvent(word, arg)
	}
	update := cmd != cmdEndOfData
	switch {
	case cmd == cmdBDAT:
		update = a.bdatArg(arg, orig)
	case a.bdat != nil:
		// Another command while BDAT chunks were under way and no LAST
		// one came: the transfer ends here.
		a.h.Weird("smtp_missing_bdat_last_chunk", "")
		a.endData()
	}
	if update {
		a.updateState(cmd, 0, orig)
	}
}

// replyLine handles a line from the server.
func (a *Analyzer) replyLine(line []byte, orig bool) {
	code := replyCode(line)
	if code < 0 {
		a.h.Violation("reply code -1 out of range", line)
		return
	}
	if a.pendingReply != 0 && code != a.pendingReply {
		a.pendingReply = 0 // a reply that does not continue the last one
	}
	if a.pendingReply == 0 {
		a.newReply(code, orig)
	}
	var msg []byte
	if len(line) > 3 && line[3] == '-' {
		a.pendingReply = code
		msg = skipBlanks(line[4:])
	} else {
		a.pendingReply = 0
		msg = skipBlanks(line[3:])
	}
	a.s.reply(code, a.lastReplied.replyName(), msg, a.pendingReply > 0)
	// EHLO replies announce extensions; PIPELINING is the one Zeek
	// looks at, and it assumes pipelining anyway.
}

// requestEvent is RequestEvent: the confirmation and smtp_request.
func (a *Analyzer) requestEvent(word, arg []byte) {
	a.h.Confirm()
	if !a.confirmed {
		a.confirmed = true
		a.s.confirmation()
	}
	a.s.request(upperASCII(word), arg)
}

// upperASCII returns b in upper case (ASCII letters only, as C's
// toupper in Zeek's locale).
func upperASCII(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// newCmd queues a command for the replies to come (Zeek's NewCmd with
// pipelining, which Zeek always assumes).
func (a *Analyzer) newCmd(cmd command) {
	if a.firstCmd < 0 {
		a.firstCmd = cmd
		return
	}
	if len(a.queue)-a.qHead >= maxPendingCmds {
		a.h.Weird("smtp_excessive_pending_cmds", "")
		a.clearQueue()
	}
	if a.qHead > 0 && len(a.queue) == cap(a.queue) {
		// Reuse the room of the commands already answered.
		n := copy(a.queue, a.queue[a.qHead:])
		a.queue, a.qHead = a.queue[:n], 0
	}
	a.queue = append(a.queue, cmd)
}

func (a *Analyzer) clearQueue() {
	a.queue = a.queue[:0]
	a.qHead = 0
}

// newReply is NewReply: the reply answers the first pending command.
func (a *Analyzer) newReply(code int, orig bool) {
	if a.state == stAfterGap && code > 0 {
		a.state = stGapRecovery
		a.requestEvent([]byte(unknownCommand), nil)
	}
	cmd := a.firstCmd
	a.lastReplied = a.firstCmd
	a.firstCmd = cmdNone
	if a.qHead < len(a.queue) {
		a.firstCmd = a.queue[a.qHead]
		a.qHead++
		if a.qHead == len(a.queue) {
			a.clearQueue()
		}
	}
	a.updateState(cmd, code, orig)
}

// updateState is UpdateState: reply 0 means "the command was sent", so
// that pipelined commands move the state before their replies come.
func (a *Analyzer) updateState(cmd command, reply int, orig bool) {
	st := a.state
	switch cmd {
	case cmdConnEstablishment:
		switch reply {
		case 0:
			a.state = stInitiated
		case 220:
		case 421, 554:
			a.state = stNotAvailable
		}
	case cmdEHLO, cmdHELO:
		switch reply {
		case 0:
			a.state = stReady
		case 421, 500, 501, 504, 550:
			a.state = stInitiated
		}
	case cmdMAIL, cmdSEND, cmdSOML, cmdSAML:
		switch reply {
		case 0:
			a.state = stMailOK
		case 421, 451, 452, 500, 501, 503, 550, 552, 553:
			if a.state != stInData {
				a.state = stReady
			}
		}
	case cmdRCPT:
		if reply == 0 {
			a.state = stRcptOK
		}
	case cmdDATA:
		switch reply {
		case 0:
			a.beginData(orig, stInData)
		case 354:
		case 421:
			if a.state == stInData {
				a.endData()
			}
			a.state = stQuit
		default:
			if a.state == stInData {
				a.endData()
			}
			a.state = stReady
		}
	case cmdBDAT:
		if reply == 0 {
			a.state = stInBDAT
		}
		// Whatever the server answers, the client finishes the chunk
		// under way.
	case cmdEndOfData:
		if reply == 0 {
			a.endData()
			a.state = stAfterData
		}
		if reply > 0 {
			a.state = stReady
		}
	case cmdRSET:
		if reply == 0 {
			a.state = stReady
		}
	case cmdQUIT:
		if reply == 0 {
			a.state = stQuit
		}
	case cmdAUTH, cmdAuthAnswer:
		switch reply {
		case 0:
		case 334:
			a.state = stInAuth
		default:
			a.state = stInitiated
		}
	case cmdTURN:
		if reply == 250 {
			a.origIsSender = !a.origIsSender
			a.state = stConnected
		}
	case cmdSTARTTLS, cmdXAnonymousTLS:
		if reply == 220 {
			a.startTLS()
		}
	default:
		if st == stGapRecovery && reply == 354 {
			a.beginData(orig, stInData)
		}
	}
}

// startTLS is StartTLS: the lines stop, and the rest of the connection
// goes to protocol detection, where SSL finds the handshake. Zeek removes
// its content-line analyzers; here they pass everything through from now
// on (an LF that completes the CR ending the 220 line is still dropped,
// wherever the stream was cut), and a partial line left in one is lost as
// in Zeek.
func (a *Analyzer) startTLS() {
	a.state = stInTLS
	if !a.noLines {
		a.noLines = true
		_ = a.sp[0].SetPlainDelivery(math.MaxInt64)
		_ = a.sp[1].SetPlainDelivery(math.MaxInt64)
	}
	if a.inner == nil {
		a.inner = a.h.Inner()
	}
	a.s.startTLS()
}

// processData passes a message line to the MIME parser and to the
// RFC 822 message file.
func (a *Analyzer) processData(line []byte) {
	a.mail.deliver(line, true)
	if a.rfc822 != nil {
		a.rfc822Data(line)
		a.rfc822Data(crlf)
	}
}

var (
	crlf = []byte("\r\n")
	// authAnswerWord is the command an AUTH answer is reported as: Zeek
	// names it with two bytes of "***".
	authAnswerWord = []byte("**")
)

// bdatArg is ProcessBdatArg: a valid BDAT command switches the sender's
// lines to plain delivery for the chunk; it reports whether it was valid.
func (a *Analyzer) bdatArg(arg []byte, orig bool) bool {
	size, last, err := parseBDATArg(arg)
	if err != nil {
		a.h.Weird("smtp_invalid_bdat_command", err.Error())
		return false
	}
	if size > math.MaxInt64 {
		a.h.Weird("smtp_huge_bdat_chunk", strconv.FormatUint(size, 10))
		return false
	}
	if !a.noLines {
		_ = a.sp[dir(orig)].SetPlainDelivery(int64(size))
	}
	if a.bdat == nil {
		a.beginData(orig, stInBDAT)
		a.bdat = newBDATReader(a, a.bdatLine, int(bdatMaxLineLength))
	}
	a.bdat.nextChunk(last, size)
	return true
}

// bdatLine passes a line of a BDAT transfer to the message.
func (a *Analyzer) bdatLine(line []byte, crlf bool) {
	if a.mail != nil {
		a.mail.deliver(line, crlf)
	}
}

// beginData is BeginData: a new message starts.
func (a *Analyzer) beginData(orig bool, st state) {
	a.state = st
	if a.mail != nil {
		a.h.Weird("smtp_nested_mail_transaction", "")
		a.mail.done()
	}
	a.mail = newMail(a, orig)
	if enableRFC822 {
		a.rfc822Off = 0
		a.rfc822 = a.openRFC822()
	}
}

// endData is EndData: the message ends.
func (a *Analyzer) endData() {
	if b := a.bdat; b != nil {
		if b.remaining > 0 {
			a.h.Weird("smtp_bdat_remaining_at_end_data", "")
			if !a.noLines {
				_ = a.sp[0].SetPlainDelivery(0)
				_ = a.sp[1].SetPlainDelivery(0)
			}
		}
		b.done()
		a.bdat = nil
	}
	if m := a.mail; m == nil {
		a.h.Weird("smtp_unmatched_end_of_data", "")
	} else {
		a.mail = nil
		m.done()
	}
	if a.rfc822 != nil {
		a.rfc822.End()
		a.rfc822 = nil
		a.rfc822Off = 0
	}
}

// Undelivered implements analyzer.Analyzer: a gap ends the message under
// way, and the analyzer waits for a reply to find its footing again.
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) {
	if a.stopped {
		return
	}
	if a.inner != nil {
		a.inner.Undelivered(seq, n, orig)
	}
	if n <= 0 {
		return
	}
	if a.state == stInData || a.state == stInBDAT {
		if a.mail != nil {
			a.mail.undelivered(n)
		}
		if a.rfc822 != nil {
			a.rfc822.Gap(a.rfc822Off, uint64(n))
			a.rfc822Off += uint64(n)
		}
		a.endData()
	}
	a.clearQueue()
	a.firstCmd, a.lastReplied = cmdNone, cmdNone
	a.state = stAfterGap
	a.settle()
}

// DeliverPacket implements analyzer.Analyzer (SMTP is TCP only).
func (a *Analyzer) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer: a partial last line is
// delivered; once both directions have ended, so does the message
// (Zeek's ConnectionFinished). The analysis after STARTTLS is not told,
// as in Zeek, where only the connection's direct analyzers hear of it.
func (a *Analyzer) EndOfData(orig bool) {
	if a.stopped {
		return
	}
	if !a.noLines {
		a.sp[dir(orig)].End()
	}
	a.eof[dir(orig)] = true
	if a.eof[0] && a.eof[1] && !a.finished {
		a.finished = true
		if a.mail != nil {
			a.endData()
		}
	}
	a.settle()
}

// FlipRoles implements analyzer.Flipper. As in Zeek, the session's state
// stays as it is (connections flip before their payload, as a rule); the
// files of later entities carry the new endpoints.
func (a *Analyzer) FlipRoles() { a.fconn.ID = a.h.ConnID() }

// Done implements analyzer.Analyzer.
func (a *Analyzer) Done() {
	a.stop()
	a.s.finalize()
}

// stop ends the analysis (Zeek's Done): a message under way ends, and so
// does the analysis of the TLS that followed STARTTLS.
func (a *Analyzer) stop() {
	if a.stopped {
		return
	}
	a.stopped = true
	if a.mail != nil {
		a.endData()
	}
	if a.inner != nil {
		a.inner.Done()
		a.inner = nil
	}
}

// settle acts, after a delivery, on what the script layer asked for
// during it: Zeek's scripts run between packets, so the analyzer is
// disabled only once the delivery is over.
func (a *Analyzer) settle() {
	if a.disable && !a.stopped {
		a.stop()
	}
}

// --- files ---

// openEntityFile opens the file of the current MIME entity under SMTP's
// file handle; nil when files are not analysed or no handle is known.
func (a *Analyzer) openEntityFile(isOrig bool) *files.Transfer {
	if a.files == nil {
		return nil
	}
	handle := a.s.fileHandle()
	if handle == "" {
		return nil
	}
	return a.files.Open(files.Spec{Handle: handle, Source: analyzerName, Conn: &a.fconn, IsOrig: isOrig, Observer: &a.s})
}

// endFileByHandle ends the file the current file handle names, if one is
// open (Zeek's EndOfFile by analyzer and connection).
func (a *Analyzer) endFileByHandle() {
	if a.files == nil {
		return
	}
	if h := a.s.fileHandle(); h != "" {
		a.files.EndByID(a.files.FUID(h))
	}
}

// openRFC822 opens the file of the whole message
// (SMTP::enable_rfc822_msg_file_analysis).
func (a *Analyzer) openRFC822() *files.Transfer {
	if a.files == nil {
		return nil
	}
	handle := a.s.fileHandle()
	if handle == "" {
		return nil
	}
	return a.files.Open(files.Spec{Handle: handle, Source: analyzerName, Conn: &a.fconn, IsOrig: true,
		MIME: "message/rfc822", Observer: &a.s})
}

// rfc822Data adds message bytes to the RFC 822 message file.
func (a *Analyzer) rfc822Data(data []byte) {
	if a.rfc822 == nil {
		return
	}
	a.rfc822Off += uint64(len(data))
	a.rfc822.Data(data)
}
