package http

import (
	"strconv"
	"strings"
	"sync"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/analyzer/support"
	"github.com/heron-nsm/heron/internal/files"
)

// Request and reply parsing states (Zeek's HTTP_ExpectRequest and
// HTTP_ExpectReply).
const (
	expectRequestLine = iota
	expectRequestMessage
	expectRequestTrailer
	expectRequestNothing
)

const (
	expectReplyLine = iota
	expectReplyMessage
	expectReplyTrailer
	expectReplyNothing
	expectReplyHTTP09
)

// maxUnanswered bounds the requests waiting for a reply that the
// analyzer remembers (their methods decide whether replies have bodies).
const maxUnanswered = 4096

// maxLineLength is the content line limit HTTP uses (Zeek's default).
const maxLineLength = support.DefaultMaxLineLength

// Analyzer is the HTTP analyzer of one TCP connection (Zeek's
// HTTP_Analyzer with its two ContentLine support analyzers).
type Analyzer struct {
	h      host
	sp     [2]support.LineSplitter // by direction: [1] originator
	flags  support.ConnFlags
	noLine [2]bool // the direction's content lines were removed

	reqState, repState int
	numRequests        int
	numReplies         int
	reqVersion         version
	repVersion         version
	keepAlive          bool
	connClose          bool
	reqOngoing         bool
	repOngoing         bool
	connectReq         bool
	inner              innerSession
	upgraded           bool
	upgradeConn        bool
	upgradeProto       string
	method             []byte
	unanswered         []string
	replyCode          int
	reason             string
	hasReason          bool
	reqMsg, repMsg     *message

	s      *script
	shared bool // s belongs to the analyzer of the outer HTTP session
	files  *files.Manager
	fconn  files.Conn
	done   bool
	uriBuf []byte
}

var (
	_ analyzer.Analyzer = (*Analyzer)(nil)
	_ analyzer.Flipper  = (*Analyzer)(nil)
)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newHTTP(newHandleHost(h)) }

// newHTTP makes an analyzer on a host.
func newHTTP(h host) *Analyzer {
	sets()
	a := &Analyzer{h: h, files: h.Files()}
	if outer, ok := tunnelled.Load(h.conn()); ok && outer.(*Analyzer).h.UID() == h.UID() {
		// HTTP inside a CONNECT tunnel or an upgraded connection shares
		// the connection's HTTP state (Zeek's c$http_state), so its
		// transactions continue the outer ones' depth.
		a.s = outer.(*Analyzer).s
		a.shared = true
	} else {
		a.s = &script{}
		a.s.init(a)
	}
	a.initSplitters()
	if a.files != nil {
		a.fconn = files.Conn{UID: h.UID(), ID: h.ConnID()}
	}
	return a
}

// initSplitters sets up the content line splitters: the responder's
// skips partial connections.
func (a *Analyzer) initSplitters() {
	for i := range a.sp {
		a.sp[i].Init(a, i == 1, maxLineLength)
		a.sp[i].SetConnFlags(&a.flags)
	}
	a.sp[0].SetSkipPartial(a.partial)
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

func (a *Analyzer) partial() bool { return a.h.Partial() }

// DeliverStream implements analyzer.Analyzer.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.done || a.partial() {
		return
	}
	if a.upgraded || a.inner != nil {
		a.forward(data, orig)
		return
	}
	if !orig && a.repState == expectReplyHTTP09 {
		a.http09(data)
		return
	}
	if a.noLine[dir(orig)] {
		return
	}
	a.sp[dir(orig)].Write(data)
}

func (a *Analyzer) forward(data []byte, orig bool) {
	if a.inner != nil {
		a.inner.DeliverStream(data, orig)
	}
}

// http09 takes the raw reply of an HTTP/0.9 request.
func (a *Analyzer) http09(data []byte) {
	if a.repMsg == nil {
		a.setVersion(&a.repVersion, v09)
		if len(a.unanswered) > 0 {
			a.h.Confirm()
			a.unanswered = a.unanswered[1:]
		}
		a.connClose = true
		a.repOngoing = true
		a.httpReply()
		a.initMessage(false, a.expectReplyBody(), 0)
		// The header ends at once; the body runs to the end.
		a.repMsg.deliver(nil, true)
	}
	a.repMsg.deliver(data, false)
}

// Line implements support.LineHandler: one line of a direction.
func (a *Analyzer) Line(line []byte, orig bool) {
	if a.upgraded || a.inner != nil {
		a.forward(line, orig)
		return
	}
	if orig {
		a.requestLineOrMessage(line)
	} else {
		a.replyLineOrMessage(line)
	}
}

// Plain implements support.LineHandler: body bytes passed through.
func (a *Analyzer) Plain(data []byte, orig bool) {
	if a.upgraded || a.inner != nil {
		a.forward(data, orig)
		return
	}
	if orig {
		if a.reqMsg != nil {
			a.reqMsg.deliver(data, false)
		} else {
			a.h.Weird("unexpected_client_HTTP_data", "")
		}
		return
	}
	if a.repMsg != nil {
		a.repMsg.deliver(data, false)
	} else {
		a.h.Weird("unexpected_server_HTTP_data", "")
	}
}

// Weird implements support.LineHandler.
func (a *Analyzer) Weird(name string, _ bool) {
	a.h.ScriptWeird(name, "", support.ContentLineSource)
}

func (a *Analyzer) requestLineOrMessage(line []byte) {
	switch a.reqState {
	case expectRequestLine:
		if a.requestLine(line) {
			a.numRequests++
			if !a.keepAlive && a.numRequests > 1 {
				a.h.Weird("unexpected_multiple_HTTP_requests", "")
			}
			a.reqState = expectRequestMessage
			a.reqOngoing = true
			if len(a.unanswered) >= maxUnanswered {
				// Heron's bound: the oldest unanswered request is
				// forgotten (Zeek's queue grows without one).
				a.unanswered = a.unanswered[1:]
			}
			a.unanswered = append(a.unanswered, string(a.method))
			a.httpRequest()
			a.initMessage(true, bodyMaybe, int64(len(line)))
			if a.reqVersion == v09 {
				if string(a.method) != "GET" {
					a.h.Weird("invalid_http_09_request_method", string(a.method))
				}
				if a.repMsg != nil {
					a.h.Weird("http_09_reply_before_request", "")
					a.repMsg.done(false)
					a.repMsg = nil
				}
				a.repState = expectReplyHTTP09
				a.noLine[0] = true
			}
			return
		}
		if !(a.numRequests == 0 || a.keepAlive) {
			return // crud_trailing_HTTP_request (an event)
		}
		if len(line) == 0 {
			a.h.Weird("empty_http_request", "")
			return
		}
		a.h.Violation("not a http request line", nil) // Zeek passes no data
		a.reqState = expectRequestNothing
	case expectRequestMessage:
		a.reqMsg.deliver(line, true)
	}
}

// requestLine is HTTP_RequestLine: it parses the line into the request
// state and reports whether it is a request.
func (a *Analyzer) requestLine(line []byte) bool {
	r := parseRequestLine(line)
	if !r.ok {
		a.h.Weird(r.bad, "")
		return false
	}
	for _, w := range r.weirds {
		a.h.Weird(w, "")
	}
	switch r.verKind {
	case verNone, verFound:
		a.setVersion(&a.reqVersion, r.version)
	}
	a.uriBuf = unescapeURI(a.uriBuf[:0], r.uri, func(name string) { a.h.Weird(name, "") })
	if a.reqVersion == v09 && (len(r.method) < 3 || len(r.uri) == 0) {
		a.h.Weird("bad_HTTP_request", "")
		return false
	}
	a.method = append(a.method[:0], r.method...)
	return true
}

// setVersion is HTTP_Analyzer::SetVersion.
func (a *Analyzer) setVersion(v *version, nv version) {
	if *v == (version{}) {
		*v = nv
	} else if *v != nv {
		a.h.Weird("HTTP_version_mismatch", "")
		*v = nv
	}
	if v.major > 1 || v.major == 1 && v.minor > 0 {
		a.keepAlive = true
	}
}

func (a *Analyzer) replyLineOrMessage(line []byte) {
	switch a.repState {
	case expectReplyLine:
		if a.replyLine(line) {
			a.numReplies++
			if len(a.unanswered) > 0 {
				a.h.Confirm()
			}
			a.repState = expectReplyMessage
			a.repOngoing = true
			a.httpReply()
			if a.connectReq && a.replyCode != 200 {
				a.connectReq = false
			}
			a.initMessage(false, a.expectReplyBody(), int64(len(line)))
			return
		}
		if len(line) != 0 {
			a.h.Violation("not a http reply line", nil) // Zeek passes no data
			a.repState = expectReplyNothing
		}
	case expectReplyMessage:
		a.repMsg.deliver(line, true)
		if a.connectReq && len(line) == 0 && a.inner == nil && !a.done {
			a.startTunnel()
		}
	}
}

// replyLine is HTTP_ReplyLine.
func (a *Analyzer) replyLine(line []byte) bool {
	r := parseReplyLine(line)
	if r.lowercase {
		a.h.Weird("lowercase_HTTP_keyword", "")
	}
	if _, ok := prefixMatch(line, "HTTP/", true); !ok {
		return false // bad_HTTP_reply (an event)
	}
	a.setVersion(&a.repVersion, r.version)
	if !r.ok {
		return false // HTTP_reply_code_missing (an event)
	}
	a.replyCode = r.code
	a.reason, a.hasReason = string(r.reason), r.hasReason
	return true
}

// startTunnel is the CONNECT part of DeliverStream: a successful CONNECT
// reply's header ended, the rest of the connection is another protocol.
func (a *Analyzer) startTunnel() {
	a.inner = a.newInner()
	if n := a.sp[0].Remaining(); n > 0 {
		a.h.Weird("protocol_data_with_HTTP_CONNECT_reply", strconv.Itoa(n))
		_ = a.sp[0].SetPlainDelivery(int64(n))
	}
	a.noLine = [2]bool{true, true}
}

// tunnelled maps connections with an inner session to their outer HTTP
// analyzer, so that HTTP found inside shares its script state.
var tunnelled sync.Map // *conn.Conn -> *Analyzer

// newInner starts protocol detection on the connection's inner stream.
func (a *Analyzer) newInner() innerSession {
	if !a.shared {
		tunnelled.Store(a.h.conn(), a)
	}
	return a.h.Inner()
}

// expectReplyBody is ExpectReplyMessageBody.
func (a *Analyzer) expectReplyBody() int {
	if len(a.unanswered) > 0 && prefixOfFold(a.unanswered[0], "HEAD") {
		return bodyNotExpected
	}
	if a.replyCode >= 100 && a.replyCode < 200 || a.replyCode == 204 || a.replyCode == 304 {
		return bodyNotExpected
	}
	return bodyExpected
}

// prefixOfFold is strncasecmp(s, word, len(s)) == 0: s is a prefix of
// word, ignoring case (Zeek compares the method this way).
func prefixOfFold(s, word string) bool {
	if len(s) > len(word) {
		return false
	}
	return strings.EqualFold(s, word[:len(s)])
}

// httpRequest is HTTP_Request: confirmation and http_request.
func (a *Analyzer) httpRequest() {
	a.h.Confirm()
	if prefixOfFold(string(a.method), "CONNECT") {
		a.connectReq = true
	}
	a.s.request(a.method, a.uriBuf)
}

// httpReply is HTTP_Reply: http_reply.
func (a *Analyzer) httpReply() {
	reason := "<empty>"
	if a.hasReason {
		reason = a.reason
	}
	a.s.reply(a.repVersion.String(), a.replyCode, reason)
}

// tunnel registers the connection as an HTTP tunnel after a successful
// CONNECT (main.zeek's http_reply: Tunnel::register of a Tunnel::HTTP
// EncapsulatingConn with the originator port zeroed).
func (a *Analyzer) tunnel() { a.h.registerTunnel() }

// header is HTTP_Analyzer::HTTP_Header.
func (a *Analyzer) header(isOrig bool, h *mime.Header) {
	if mime.EqualFold(h.Name, "connection") {
		vt := h.ValueToken()
		if isOrig {
			if mime.EqualFold(vt, "keep-alive") {
				a.keepAlive = true
			}
		} else if mime.EqualFold(vt, "close") {
			a.connClose = true
		} else if mime.EqualFold(vt, "upgrade") {
			a.upgradeConn = true
		}
	}
	if !isOrig && mime.EqualFold(h.Name, "upgrade") {
		a.upgradeProto = string(h.ValueToken())
	}
	a.s.header(isOrig, h)
}

// initMessage is InitHTTPMessage.
func (a *Analyzer) initMessage(isOrig bool, expectBody int, headerLen int64) {
	m := &a.repMsg
	if isOrig {
		m = &a.reqMsg
	}
	if *m != nil && !(*m).finished {
		a.h.Weird("HTTP_overlapping_messages", "")
	}
	*m = newMessage(a, &a.sp[dir(isOrig)], isOrig, expectBody, headerLen)
}

// messageDone is HTTP_MessageDone.
func (a *Analyzer) messageDone(isOrig, interrupted bool) {
	if isOrig {
		a.requestMade(false)
	} else {
		a.replyMade(false)
	}
}

// requestMade is RequestMade.
func (a *Analyzer) requestMade(interrupted bool) {
	if !a.reqOngoing {
		return
	}
	a.reqOngoing = false
	if a.reqMsg != nil {
		a.reqMsg.done(interrupted)
	}
	a.method = a.method[:0]
	if interrupted {
		a.reqState = expectRequestNothing
	} else {
		a.reqState = expectRequestLine
	}
}

// replyMade is ReplyMade.
func (a *Analyzer) replyMade(interrupted bool) {
	if !a.repOngoing {
		return
	}
	a.repOngoing = false
	if a.repMsg != nil {
		a.repMsg.done(interrupted)
	}
	if (a.replyCode < 100 || a.replyCode >= 200) && len(a.unanswered) > 0 {
		a.unanswered = a.unanswered[1:]
	}
	a.reason, a.hasReason = "", false
	if a.replyCode == 101 && len(a.unanswered) == 1 && a.upgradeConn && a.upgradeProto != "" {
		a.upgrade()
	}
	a.replyCode = 0
	a.upgradeConn = false
	a.upgradeProto = ""
	if interrupted || a.upgraded {
		a.repState = expectReplyNothing
	} else {
		a.repState = expectReplyLine
	}
}

// upgrade is HTTP_Upgrade: after a 101 reply the connection carries
// another protocol.
func (a *Analyzer) upgrade() {
	if n := a.sp[0].Remaining(); n > 0 {
		a.h.Weird("protocol_data_with_HTTP_upgrade_reply", strconv.Itoa(n))
		_ = a.sp[0].SetPlainDelivery(int64(n))
	}
	// The analyzer HTTP::upgrade_analyzers names for the protocol
	// (upgrade.go) takes the stream; any other gets protocol detection.
	if !a.done {
		if i := lookupUpgrade(a.upgradeProto); i >= 0 {
			a.inner = a.startUpgrade(i)
		} else {
			a.inner = a.newInner()
		}
	}
	a.upgraded = true
	a.noLine = [2]bool{true, true}
}

// forwardEndOfData is ForwardEndOfData to child analyzers, which HTTP
// has only after CONNECT or an upgrade, when bodies no longer arrive.
func (a *Analyzer) forwardEndOfData(bool) {}

// forwardStream is ForwardStream of a body to child analyzers (see
// forwardEndOfData).
func (a *Analyzer) forwardStream([]byte, bool) {}

// limitWeird is Zeek's LimitReachedWeird: a weird and history 'X'.
func (a *Analyzer) limitWeird(name, addl string) {
	a.h.Weird(name, addl)
	a.h.LimitReached()
}

// Undelivered implements analyzer.Analyzer.
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) {
	if a.done {
		return
	}
	if a.inner != nil {
		a.inner.Undelivered(seq, n, orig)
	}
	msg := a.repMsg
	if orig {
		msg = a.reqMsg
	}
	if msg != nil && msg.undelivered(int64(n)) {
		return
	}
	if orig {
		a.requestMade(true)
		a.replyMade(true)
	} else {
		a.replyMade(true)
	}
	a.sp[dir(orig)].SetSkipDeliveries(true)
}

// DeliverPacket implements analyzer.Analyzer (HTTP is TCP only).
func (a *Analyzer) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer (Zeek's EndpointEOF).
func (a *Analyzer) EndOfData(orig bool) {
	if a.done {
		return
	}
	if a.inner != nil {
		a.inner.EndOfData(orig)
	}
	if !a.noLine[dir(orig)] && !a.partial() {
		a.sp[dir(orig)].End()
	}
	if orig {
		a.requestMade(false)
	} else {
		a.replyMade(false)
	}
}

// FlipRoles implements analyzer.Flipper.
func (a *Analyzer) FlipRoles() {
	if a.upgraded || a.inner != nil || a.numRequests > 0 || a.numReplies > 0 {
		a.h.Weird("HTTP_late_flip_roles", "")
		if !(a.upgraded || a.inner != nil) {
			a.done = true
		}
		return
	}
	// Nothing has been parsed: start the directions afresh.
	a.initSplitters()
	a.fconn.ID = a.h.ConnID()
}

// Done implements analyzer.Analyzer.
func (a *Analyzer) Done() {
	a.requestMade(true)
	a.replyMade(true)
	if a.inner != nil {
		a.inner.Done()
	}
	a.reqMsg, a.repMsg = nil, nil
	a.unanswered = nil
	a.endFile(nil, true)
	if !a.shared {
		if a.inner != nil {
			tunnelled.Delete(a.h.conn())
		}
		a.s.finalize()
	}
	a.done = true
}

// --- files ---

func (a *Analyzer) openFile(isOrig bool) *files.Transfer {
	if a.files == nil {
		return nil
	}
	handle := a.s.fileHandle(isOrig)
	if handle == "" {
		return nil
	}
	return a.files.Open(files.Spec{Handle: handle, Source: "HTTP", Conn: &a.fconn, IsOrig: isOrig, Observer: a.s})
}

func (a *Analyzer) fileData(t *files.Transfer, isOrig bool, data []byte, off uint64, at bool) *files.Transfer {
	if t == nil {
		if t = a.openFile(isOrig); t == nil {
			return nil
		}
	}
	if at {
		t.DataAt(data, off)
	} else {
		t.Data(data)
	}
	return t
}

func (a *Analyzer) fileSize(t *files.Transfer, isOrig bool, n uint64) *files.Transfer {
	if t == nil {
		if t = a.openFile(isOrig); t == nil {
			return nil
		}
	}
	t.SetTotal(n)
	return t
}

func (a *Analyzer) fileGap(t *files.Transfer, isOrig bool, off, n uint64) *files.Transfer {
	if t == nil {
		if t = a.openFile(isOrig); t == nil {
			return nil
		}
	}
	t.Gap(off, n)
	return t
}

// endFile ends an entity's file: its own, or, when it never had data,
// the one its handle names now (Zeek's EndOfFile by tag and connection).
func (a *Analyzer) endFile(t *files.Transfer, isOrig bool) {
	if a.files == nil {
		return
	}
	if t != nil {
		t.End()
		return
	}
	if h := a.s.fileHandle(isOrig); h != "" {
		a.files.EndByID(a.files.FUID(h))
	}
}
