package pop3

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// Session states (Zeek's POP3_MasterState).
const (
	masterStart = iota
	masterAuthorization
	masterTransaction
	masterUpdate
	masterFinished
)

// Command states (Zeek's POP3_State).
const (
	stStart = iota
	stUser
	stPass
	stAPOP
	stAuth
	stAuthPlain
	stAuthLogin
	stAuthCRAMMD5
	stNoop
	stLast
	stStat
	stList
	stRetr
	stDele
	stUIDL
	stTop
	stQuit
	stRset
	stCapa
	stSTLS
	stXSender
	stMisc
)

// maxLineLength is the line length limit (ContentLine's default).
const maxLineLength = support.DefaultMaxLineLength

// Analyzer is the POP3 analyzer of one connection (Zeek's POP3_Analyzer
// with its two ContentLine support analyzers).
type Analyzer struct {
	h  host
	lp support.LinePair

	master           int
	subOK            bool // subState: the expected reply came (POP3_OK)
	state            int
	lastState        int
	multiLine        bool
	guessing         bool
	requestMulti     bool
	waitingForAuth   bool
	authLines        int
	unknownClientCmd uint64

	// cmds are the client's pipelined commands waiting for replies
	// (bounded by POP3::max_pending_commands).
	cmds [][]byte
	free [][]byte // recycled command buffers

	mail *mail

	tls  support.Handoff // SSL after STLS
	done bool

	scratch []byte
}

var (
	_ analyzer.Analyzer   = (*Analyzer)(nil)
	_ support.LineHandler = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newPOP3(&handleHost{h: h}) }

func newPOP3(h host) *Analyzer {
	a := &Analyzer{h: h, lastState: stStart}
	a.lp.Init(a, maxLineLength)
	return a
}

// DeliverStream implements analyzer.Analyzer.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.done {
		return
	}
	if a.tls.Active() {
		a.tls.DeliverStream(data, orig)
		return
	}
	a.lp.DeliverStream(data, orig)
}

// Undelivered implements analyzer.Analyzer: gaps leave the line
// splitters alone (Zeek's ContentLine); after STLS they reach SSL.
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) {
	if a.done {
		return
	}
	if a.tls.Active() {
		a.tls.Undelivered(seq, n, orig)
		return
	}
	a.lp.Undelivered(seq, n, orig)
}

// DeliverPacket implements analyzer.Analyzer (POP3 is TCP only).
func (a *Analyzer) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer: a partial line is delivered.
func (a *Analyzer) EndOfData(orig bool) {
	if a.done {
		return
	}
	if a.tls.Active() {
		a.tls.EndOfData(orig)
		return
	}
	a.lp.EndOfData(orig)
}

// Done implements analyzer.Analyzer.
func (a *Analyzer) Done() {
	if a.done {
		return
	}
	a.done = true
	if a.mail != nil {
		a.endData()
	}
	a.tls.Done()
}

// Weird implements support.LineHandler.
func (a *Analyzer) Weird(name string, _ bool) { a.h.weird(name, "", support.ContentLineSource) }

// Plain implements support.LineHandler (POP3 uses no plain delivery).
func (a *Analyzer) Plain([]byte, bool) {}

// Line implements support.LineHandler: one line (POP3_Analyzer's
// DeliverStream).
func (a *Analyzer) Line(line []byte, orig bool) {
	if a.tls.Active() {
		// Lines the splitter still had when TLS began go to SSL as
		// they are, as Zeek forwards them.
		a.tls.DeliverStream(line, orig)
		return
	}
	if a.h.partial() {
		return
	}
	if orig {
		a.request(line)
	} else {
		a.reply(line)
	}
}

// request is ProcessRequest.
func (a *Analyzer) request(line []byte) {
	if len(line) == 0 {
		return
	}
	if a.waitingForAuth {
		a.authLine(line)
		return
	}
	var buf []byte
	if n := len(a.free); n > 0 {
		buf = a.free[n-1][:0]
		a.free = a.free[:n-1]
	}
	a.cmds = append(a.cmds, append(buf, cString(line)...))
	if max := opts.maxPendingCommands; max > 0 && uint64(len(a.cmds)) > max {
		a.h.weird("pop3_client_too_many_pending_commands", "", "POP3")
		a.popCommand()
	}
	if len(a.cmds) == 1 {
		a.clientCommand()
	}
}

// popCommand drops the oldest pending command.
func (a *Analyzer) popCommand() {
	if len(a.cmds) == 0 {
		return
	}
	if len(a.free) < 8 {
		a.free = append(a.free, a.cmds[0])
	}
	copy(a.cmds, a.cmds[1:])
	a.cmds[len(a.cmds)-1] = nil
	a.cmds = a.cmds[:len(a.cmds)-1]
}

// authLine takes a line of an AUTH exchange: base64 that names the user
// (Zeek keeps user and password for its login events; only the weirds
// show).
func (a *Analyzer) authLine(line []byte) {
	a.authLines++
	decoded, ok := mime.DecodeBase64(cString(line), func(msg string) {
		a.h.weird("base64_illegal_encoding", msg, "")
	})
	if !ok {
		a.h.weird("pop3_bad_base64_encoding", "", "POP3")
		return
	}
	if a.state == stAuthPlain {
		// "authorization-id NUL authentication-id NUL password"
		i := bytes.IndexByte(decoded, 0)
		if i < 0 {
			a.h.weird("pop3_malformed_auth_plain", "", "POP3")
			return
		}
		j := bytes.IndexByte(decoded[i+1:], 0)
		if j < 0 || i+1+j+1 > len(decoded) {
			a.h.weird("pop3_malformed_auth_plain", "", "POP3")
			return
		}
	}
}

// clientCommand is ProcessClientCmd: the oldest pending command.
func (a *Analyzer) clientCommand() {
	if len(a.cmds) == 0 {
		return
	}
	a.scratch = trim(a.scratch[:0], a.cmds[0])
	word, message, n := tokens(a.scratch)
	code := -1
	if n > 0 {
		code = parseCommand(word)
	}
	if code < 0 {
		if !a.waitingForAuth {
			addl := "???"
			if n > 0 {
				addl = string(word)
			}
			a.h.weird("pop3_client_command_unknown", addl, "POP3")
			a.subOK = true
			a.unknownClientCmd++
			if max := opts.maxUnknownClientCommands; max > 0 && a.unknownClientCmd > max {
				a.h.violation("too many unknown client commands", nil)
			}
		}
		return
	}
	emptyArg := len(message) == 0
	switch code {
	case cmdERR, cmdOK:
		a.h.weird("pop3_client_sending_server_commands", "", "POP3")
	case cmdUSER:
		if a.master == masterAuthorization {
			a.state, a.subOK = stUser, false
		}
	case cmdPASS:
		if a.master == masterAuthorization && a.state == stUser {
			a.state, a.subOK = stPass, false
		}
	case cmdAPOP:
		if a.master == masterAuthorization {
			a.state, a.subOK = stAPOP, false
		}
	case cmdAUTH:
		if a.master == masterAuthorization {
			if emptyArg {
				a.requestMulti = true
				a.state, a.subOK = stAuth, false
			} else {
				switch {
				case bytes.Contains(message, []byte("LOGIN")):
					a.state = stAuthLogin
				case bytes.Contains(message, []byte("PLAIN")):
					a.state = stAuthPlain
				case bytes.Contains(message, []byte("CRAM-MD5")):
					a.state = stAuthCRAMMD5
				default:
					a.state = stAuth
				}
				a.subOK = false
				a.waitingForAuth = true
				a.authLines = 0
			}
		}
	case cmdSTAT:
		if a.master == masterTransaction {
			a.subOK, a.state = false, stStat
		}
	case cmdLIST:
		if a.master == masterTransaction {
			if emptyArg {
				a.requestMulti = true
			}
			a.state, a.subOK = stList, false
		} else {
			if emptyArg {
				a.requestMulti = true
			}
			a.guessing, a.lastState = true, stList
		}
	case cmdRETR:
		a.requestMulti = true
		a.transactionOnly(stRetr)
	case cmdDELE:
		a.transactionOnly(stDele)
	case cmdRSET:
		a.transactionOnly(stRset)
	case cmdNOOP:
		a.transactionOnly(stNoop)
	case cmdLAST:
		a.transactionOnly(stLast)
	case cmdQUIT:
		if a.master == masterAuthorization || a.master == masterTransaction || a.master == masterStart {
			a.subOK, a.state = false, stQuit
		} else {
			a.guessing, a.lastState = true, stLast
		}
	case cmdTOP:
		a.requestMulti = true
		a.transactionOnly(stTop)
	case cmdCAPA:
		a.subOK, a.state = false, stCapa
		a.requestMulti = true
	case cmdSTLS:
		a.subOK, a.state = false, stSTLS
	case cmdUIDL:
		if a.master == masterTransaction {
			if emptyArg {
				a.requestMulti = true
			}
			a.state, a.subOK = stUIDL, false
		} else {
			if emptyArg {
				a.requestMulti = true
			}
			a.guessing, a.lastState = true, stUIDL
		}
	case cmdXSENDER:
		if a.master == masterTransaction {
			a.subOK, a.state = false, stLast
		} else {
			a.guessing, a.lastState = true, stXSender
		}
	}
}

// transactionOnly is the common case of a command allowed only in the
// transaction state: it becomes the state, or, outside it, the state
// guessed for when the server accepts it anyway.
func (a *Analyzer) transactionOnly(state int) {
	if a.master == masterTransaction {
		a.subOK, a.state = false, state
		return
	}
	a.guessing, a.lastState = true, state
}

// finishCommand is FinishClientCmd: the oldest command is answered.
func (a *Analyzer) finishCommand() {
	if len(a.cmds) == 0 {
		return
	}
	a.popCommand()
	a.clientCommand()
}

// reply is ProcessReply.
func (a *Analyzer) reply(line []byte) {
	if a.multiLine {
		if isTerminator(line) {
			a.requestMulti = false
			a.multiLine = false
			if a.mail != nil {
				a.endData()
			}
			a.finishCommand()
		} else if a.state == stRetr || a.state == stTop {
			a.mailData(line)
		}
		return
	}
	a.scratch = trim(a.scratch[:0], line)
	word, _, n := tokens(a.scratch)
	code := -1
	if n > 0 {
		code = parseCommand(word)
	}
	if code < 0 {
		if !a.waitingForAuth {
			w := "???"
			if n > 0 {
				w = string(word)
			}
			a.h.violation("unknown server command ("+w+")", line)
			a.h.weird("pop3_server_command_unknown", w, "POP3")
			a.subOK = true
		}
		return
	}
	switch code {
	case cmdOK:
		a.subOK = true
		if a.guessing {
			a.master = masterTransaction
			a.guessing = false
			a.state = a.lastState
		}
		switch a.state {
		case stStart:
			a.master = masterAuthorization
		case stUser:
			a.master = masterAuthorization
			a.h.confirm()
		case stPass, stAPOP, stNoop, stLast, stStat, stRset, stDele, stXSender:
			a.master = masterTransaction
		case stAuth, stAuthPlain, stAuthCRAMMD5, stAuthLogin:
			if a.requestMulti {
				a.multiLine = true
			}
			if a.waitingForAuth {
				a.master = masterTransaction
			}
			a.waitingForAuth = false
		case stTop, stRetr:
			if a.mail == nil {
				a.mail = newMail(a)
			}
			a.mailData(line)
			if a.requestMulti {
				a.multiLine = true
			}
		case stCapa, stUIDL, stList:
			if a.state == stCapa {
				a.h.confirm()
			}
			if a.requestMulti {
				a.multiLine = true
			}
		case stSTLS:
			a.h.confirm()
			a.startTLS()
			return
		case stQuit:
			switch a.master {
			case masterAuthorization, masterStart:
				a.master = masterFinished
			case masterTransaction:
				a.master = masterUpdate
			}
		}
		if !a.multiLine {
			a.finishCommand()
		}
	case cmdERR:
		a.subOK = true
		a.multiLine = false
		a.requestMulti = false
		a.guessing = false
		a.waitingForAuth = false
		switch a.state {
		case stUser, stPass, stAPOP, stAuth, stAuthLogin, stAuthPlain, stAuthCRAMMD5:
			a.master = masterAuthorization
			a.state = stStart
		case stNoop, stLast, stStat, stRset, stDele, stList, stRetr, stUIDL, stTop, stXSender:
			a.master = masterTransaction
		case stQuit:
			if a.master == masterAuthorization || a.master == masterTransaction || a.master == masterStart {
				a.master = masterFinished
			}
		}
		a.finishCommand()
	default:
		a.h.weird("pop3_server_sending_client_commands", "", "POP3")
	}
}

// startTLS hands the connection to SSL after +OK to STLS.
func (a *Analyzer) startTLS() {
	a.tls.Begin(a.h.child("SSL"))
}

// mailData passes a line of a retrieved message to its MIME entity.
func (a *Analyzer) mailData(line []byte) {
	if a.mail != nil {
		a.mail.deliver(line)
	}
}

// endData ends the retrieved message (EndData).
func (a *Analyzer) endData() {
	a.mail.done()
	a.mail = nil
}
