package http

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer/mime"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// This file is the script layer of HTTP: what Zeek's
// base/protocols/http/{main,entities,files,utils}.zeek do with the
// analyzer's events — pairing requests and replies into http.log records,
// naming files (get_file_handle) and noting their fuids, names and MIME
// types. The analyzer calls these handlers in the order Zeek raises the
// events.

// txn is one request/response pair: the http.log record and the
// non-logged fields of Zeek's HTTP::Info.
type txn struct {
	info            Info
	capturePassword bool
	rangeRequest    bool
	hasEntity       bool   // current_entity is set
	entityFilename  string // current_entity$filename
	hasFilename     bool
	origMIMEDepth   uint64
	respMIMEDepth   uint64
	proxiedSet      map[string]bool
}

// script is HTTP::State and c$http for one connection.
type script struct {
	a               *Analyzer
	pending         map[uint64]*txn
	currentRequest  uint64
	currentResponse uint64
	transDepth      uint64
	cur             *txn // c$http
	started         bool // c$http_state exists
	files           []fileTxn
	upConns         []*UpgradeConn // state of the upgrade protocols' scripts
}

// fileTxn remembers f$http: the record a file was seen with last.
type fileTxn struct {
	f *files.File
	t *txn
}

const maxFileTxns = 64

func (s *script) init(a *Analyzer) {
	s.a = a
	s.pending = map[uint64]*txn{}
}

func (s *script) h() host { return s.a.h }

// newSession is HTTP's new_http_session.
func (s *script) newSession() *txn {
	s.transDepth++
	t := &txn{capturePassword: capturePassword}
	t.info.TS = s.h().Now()
	t.info.UID = s.h().UID()
	t.info.ID = s.h().ConnID()
	t.info.TransDepth = s.transDepth
	return t
}

// setState is HTTP's set_state: it points c$http at the pending record
// of the current request or response, creating it.
func (s *script) setState(isOrig bool) {
	s.started = true
	idx := s.currentResponse
	if isOrig {
		idx = s.currentRequest
	}
	t := s.pending[idx]
	if t == nil {
		t = s.newSession()
		s.pending[idx] = t
	}
	s.cur = t
}

// request is the http_request handler.
func (s *script) request(method, unescapedURI []byte) {
	s.started = true
	if s.currentRequest < s.currentResponse {
		s.h().ScriptWeird("HTTP_response_before_request", "", "")
		s.currentRequest = s.currentResponse
	}
	if max := maxPendingRequests; max > 0 && uint64(len(s.pending)) > max {
		s.h().ScriptWeird("HTTP_excessive_pipelining", strconv.Itoa(len(s.pending))+" > "+strconv.FormatUint(max, 10), "HTTP")
		s.h().LimitReached()
		if s.currentResponse == 0 {
			s.currentResponse++
		}
		for s.currentResponse < s.currentRequest {
			if t := s.pending[s.currentResponse]; t != nil {
				s.write(t)
				delete(s.pending, s.currentResponse)
			}
			s.currentResponse++
		}
	}
	s.currentRequest++
	s.setState(true)
	s.cur.info.Method = zeek.Some(string(method))
	s.cur.info.URI = zeek.Some(string(unescapedURI))
	if !httpMethods[string(method)] {
		s.h().ScriptWeird("unknown_HTTP_method", string(method), "")
	}
	s.upgradeRequest(s.h())
}

// reply is the http_reply handler.
func (s *script) reply(ver string, code int, reason string) {
	s.started = true
	t := s.pending[s.currentResponse]
	if t == nil || (t.info.StatusCode.Set && !(t.info.StatusCode.V >= 100 && t.info.StatusCode.V <= 199)) {
		s.currentResponse++
	}
	s.setState(false)
	i := &s.cur.info
	i.StatusCode = zeek.Some(uint64(code))
	i.StatusMsg = zeek.Some(reason)
	i.Version = zeek.Some(ver)
	if code >= 100 && code <= 199 {
		i.InfoCode = zeek.Some(uint64(code))
		i.InfoMsg = zeek.Some(reason)
	}
	if i.Method.Set && i.Method.V == "CONNECT" && code == 200 {
		s.a.tunnel()
	}
}

// header is the http_header handlers of main.zeek (priority 5) and
// entities.zeek (priority 3).
func (s *script) header(isOrig bool, h *mime.Header) {
	s.setState(isOrig)
	t := s.cur
	name := strings.ToUpper(string(h.Name))
	value := string(h.Value)
	if isOrig {
		switch name {
		case "REFERER":
			t.info.Referrer = zeek.Some(value)
		case "HOST":
			t.info.Host = zeek.Some(value)
		case "RANGE":
			t.rangeRequest = true
		case "ORIGIN":
			t.info.Origin = zeek.Some(value)
		case "USER-AGENT":
			t.info.UserAgent = zeek.Some(value)
		case "AUTHORIZATION", "PROXY-AUTHORIZATION":
			s.basicAuth(t, h.Value)
		default:
			if proxyHeaders[name] {
				t.addProxied(name + " -> " + value)
			}
		}
	}
	s.upgradeHeader(s.h(), isOrig, name, value)
	// entities.zeek
	if !t.hasEntity {
		s.h().ScriptWeird("missing_HTTP_entity", "", "HTTP")
		return
	}
	if name == "CONTENT-DISPOSITION" && hasFilenameParam(h.Value) ||
		name == "CONTENT-TYPE" && hasNameParam(h.Value) {
		t.entityFilename = filenameFromDisposition(h.Value)
		t.hasFilename = true
	}
}

// maxProxied bounds the proxied set of one record (Heron's own bound; a
// request would need thousands of proxy headers to reach it).
const maxProxied = 1024

// addProxied adds to the proxied set.
func (t *txn) addProxied(p string) {
	if t.proxiedSet == nil {
		t.proxiedSet = map[string]bool{}
	}
	if t.proxiedSet[p] || len(t.proxiedSet) >= maxProxied {
		return
	}
	t.proxiedSet[p] = true
	t.info.Proxied = zeek.Some(append(t.info.Proxied.V, p))
}

// basicAuth is the Authorization part of main.zeek's http_header.
func (s *script) basicAuth(t *txn, value []byte) {
	if _, ok := prefixMatch(value, "basic ", true); !ok {
		return
	}
	enc := subFirstBasic(value)
	userpass, ok := mime.DecodeBase64(enc, func(msg string) { s.h().ScriptWeird("base64_illegal_encoding", msg, "") })
	if !ok {
		userpass = nil
	}
	if i := bytes.IndexByte(userpass, ':'); i >= 0 {
		t.info.Username = zeek.Some(string(userpass[:i]))
		if t.capturePassword {
			t.info.Password = zeek.Some(string(userpass[i+1:]))
		}
		return
	}
	t.info.Username = zeek.Some("<problem-decoding> (" + string(value) + ")")
	if t.capturePassword {
		t.info.Password = zeek.Some(string(userpass))
	}
}

// subFirstBasic removes the first "basic" followed by blanks (any case),
// as sub(value, /[bB][aA][sS][iI][cC][[:blank:]]+/, "") does.
func subFirstBasic(v []byte) []byte {
	for i := 0; i+5 < len(v); i++ {
		if _, ok := prefixMatch(v[i:], "basic", true); !ok {
			continue
		}
		j := i + 5
		for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
			j++
		}
		if j == i+5 {
			continue
		}
		out := make([]byte, 0, len(v)-(j-i))
		out = append(out, v[:i]...)
		return append(out, v[j:]...)
	}
	return v
}

// beginEntity is entities.zeek's http_begin_entity.
func (s *script) beginEntity(isOrig bool) {
	s.setState(isOrig)
	if isOrig {
		s.cur.origMIMEDepth++
	} else {
		s.cur.respMIMEDepth++
	}
	s.cur.hasEntity = true
	s.cur.entityFilename, s.cur.hasFilename = "", false
}

// endEntity is entities.zeek's http_end_entity.
func (s *script) endEntity() {
	if s.cur != nil {
		s.cur.hasEntity = false
		s.cur.entityFilename, s.cur.hasFilename = "", false
	}
}

// messageDone is main.zeek's http_message_done handlers.
func (s *script) messageDone(isOrig bool, bodyLen uint64) {
	s.setState(isOrig)
	t := s.cur
	if isOrig {
		t.info.RequestBodyLen = bodyLen
		return
	}
	t.info.ResponseBodyLen = bodyLen
	if !(t.info.StatusCode.Set && t.info.StatusCode.V >= 100 && t.info.StatusCode.V <= 199) {
		s.write(t)
		delete(s.pending, s.currentResponse)
	}
}

// finalize is HTTP's removal hook: it logs what is still pending.
func (s *script) finalize() {
	keys := make([]uint64, 0, len(s.pending))
	for r := range s.pending {
		if r != 0 {
			keys = append(keys, r)
		}
	}
	slices.Sort(keys)
	for _, r := range keys {
		s.write(s.pending[r])
	}
	clear(s.pending)
}

// write logs a record. The logged copy owns its slices.
func (s *script) write(t *txn) {
	if !s.h().logOn() {
		return
	}
	rec := t.info
	rec.Tags = []string{}
	rec.Proxied.V = clone(rec.Proxied.V)
	rec.OrigFUIDs.V = clone(rec.OrigFUIDs.V)
	rec.OrigFilenames.V = clone(rec.OrigFilenames.V)
	rec.OrigMIMETypes.V = clone(rec.OrigMIMETypes.V)
	rec.RespFUIDs.V = clone(rec.RespFUIDs.V)
	rec.RespFilenames.V = clone(rec.RespFilenames.V)
	rec.RespMIMETypes.V = clone(rec.RespMIMETypes.V)
	s.h().writeLog(&rec)
}

func clone(v []string) []string {
	if v == nil {
		return nil
	}
	return append([]string(nil), v...)
}

// fileHandle is HTTP's get_file_handle; "" means no file.
func (s *script) fileHandle(isOrig bool) string {
	if s.cur == nil {
		return ""
	}
	t := s.cur
	if t.rangeRequest && !isOrig {
		return "ANALYZER_HTTP" + boolStr(isOrig) + t.info.ID.OrigH.String() + s.buildURL(t)
	}
	depth := t.respMIMEDepth
	if isOrig {
		depth = t.origMIMEDepth
	}
	id := &t.info.ID
	return "ANALYZER_HTTP" + strconv.FormatInt(int64(s.h().StartTime()), 10) + boolStr(isOrig) +
		strconv.FormatUint(t.info.TransDepth, 10) + strconv.FormatUint(depth, 10) +
		id.OrigH.String() + ":" + strconv.Itoa(int(id.OrigP.Num)) + " > " + id.RespH.String() + ":" + strconv.Itoa(int(id.RespP.Num))
}

func boolStr(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

// buildURL is HTTP's build_url.
func (s *script) buildURL(t *txn) string {
	uri := "/<missed_request>"
	if t.info.URI.Set {
		uri = t.info.URI.V
	}
	if strings.Contains(uri, "://") {
		return uri
	}
	var host string
	if t.info.Host.Set {
		host = t.info.Host.V
	} else if a := t.info.ID.RespH; a.Is4() || a.Is4In6() {
		host = a.Unmap().String()
	} else {
		host = "[" + a.String() + "]"
	}
	if p := t.info.ID.RespP.Num; p != 80 {
		host += ":" + strconv.Itoa(int(p))
	}
	return host + uri
}

// FileOverConn is entities.zeek's file_over_new_connection handler.
func (s *script) FileOverConn(f *files.File) {
	if f.Source() != "HTTP" || s.cur == nil {
		return
	}
	t := s.cur
	s.rememberFile(f, t)
	if t.hasEntity && t.hasFilename {
		f.SetFilename(t.entityFilename)
	}
	isOrig := f.IsOrig()
	n := len(t.info.RespFUIDs.V)
	max := maxFilesResp
	if isOrig {
		n, max = len(t.info.OrigFUIDs.V), maxFilesOrig
	}
	if uint64(n) >= max {
		return
	}
	filename := f.Info().Filename
	if isOrig {
		t.info.OrigFUIDs = zeek.Some(append(t.info.OrigFUIDs.V, f.ID()))
		if filename.Set {
			t.info.OrigFilenames = zeek.Some(append(t.info.OrigFilenames.V, filename.V))
		}
		return
	}
	t.info.RespFUIDs = zeek.Some(append(t.info.RespFUIDs.V, f.ID()))
	if filename.Set {
		t.info.RespFilenames = zeek.Some(append(t.info.RespFilenames.V, filename.V))
	}
}

// FileSniffed is entities.zeek's file_sniff handler.
func (s *script) FileSniffed(f *files.File, mimeType string) {
	t := s.fileTxn(f)
	if t == nil || mimeType == "" {
		return
	}
	if f.IsOrig() {
		if uint64(len(t.info.OrigMIMETypes.V)) >= maxFilesOrig {
			return
		}
		t.info.OrigMIMETypes = zeek.Some(append(t.info.OrigMIMETypes.V, mimeType))
		return
	}
	if uint64(len(t.info.RespMIMETypes.V)) >= maxFilesResp {
		return
	}
	t.info.RespMIMETypes = zeek.Some(append(t.info.RespMIMETypes.V, mimeType))
}

func (s *script) rememberFile(f *files.File, t *txn) {
	for i := range s.files {
		if s.files[i].f == f {
			s.files[i].t = t
			return
		}
	}
	if len(s.files) >= maxFileTxns {
		copy(s.files, s.files[1:])
		s.files = s.files[:len(s.files)-1]
	}
	s.files = append(s.files, fileTxn{f, t})
}

func (s *script) fileTxn(f *files.File) *txn {
	for i := range s.files {
		if s.files[i].f == f {
			return s.files[i].t
		}
	}
	return nil
}

// hasFilenameParam is /[fF][iI][lL][eE][nN][aA][mM][eE][[:blank:]]*\*?=/.
func hasFilenameParam(v []byte) bool { return findNameEq(v, "filename", true) >= 0 }

// hasNameParam is /[nN][aA][mM][eE][[:blank:]]*=/.
func hasNameParam(v []byte) bool { return findNameEq(v, "name", false) >= 0 }

// findNameEq finds word (any case), optional blanks, with star an
// optional '*', then '='; it returns the offset after the '=' of the
// first such place, or -1.
func findNameEq(v []byte, word string, star bool) int {
	for i := 0; i+len(word) <= len(v); i++ {
		if end := nameEqAt(v, i, word, star); end >= 0 {
			return end
		}
	}
	return -1
}

func nameEqAt(v []byte, i int, word string, star bool) int {
	if _, ok := prefixMatch(v[i:], word, true); !ok {
		return -1
	}
	j := i + len(word)
	for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
		j++
	}
	if star && j < len(v) && v[j] == '*' {
		j++
	}
	if j < len(v) && v[j] == '=' {
		return j + 1
	}
	return -1
}

// filenameFromDisposition is extract_filename_from_content_disposition
// (base/utils/files.zeek).
func filenameFromDisposition(v []byte) string {
	// sub(data, /^.*[nN][aA][mM][eE][[:blank:]]*\*?=[[:blank:]]*/, ""):
	// the longest prefix ending in name[ ]*[*]?=[ ]*.
	cut := -1
	for i := 0; i+4 <= len(v); i++ {
		if end := nameEqAt(v, i, "name", true); end >= 0 {
			for end < len(v) && (v[end] == ' ' || v[end] == '\t') {
				end++
			}
			cut = end
		}
	}
	name := v
	if cut >= 0 {
		name = v[cut:]
	}
	if len(name) > 0 && name[0] == '"' {
		rest := name[1:]
		if i := bytes.IndexByte(rest, '"'); i >= 0 {
			rest = rest[:i]
		}
		name = rest
	}
	// Drop an RFC 2231 charset'language' prefix.
	if hasCharsetPrefix(name) {
		if i := bytes.LastIndexByte(name, '\''); i >= 0 {
			// sub(/^.+'.*'/): the longest prefix that has a quote after
			// at least one byte and ends in a quote.
			name = name[i+1:]
		}
	}
	return string(unescapeURI(nil, name, func(string) {}))
}

// isAttrChar is the class [a-zA-Z0-9\!#$%&+-^_`{}~] of files.zeek
// (where "+-^" is a range).
func isAttrChar(c byte) bool {
	if isAlnum(c) || c >= '+' && c <= '^' {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '_', '`', '{', '}', '~':
		return true
	}
	return false
}

// hasCharsetPrefix matches /^[class]+'[class]*'/.
func hasCharsetPrefix(b []byte) bool {
	i := 0
	for i < len(b) && isAttrChar(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '\'' {
		return false
	}
	i++
	for i < len(b) && isAttrChar(b[i]) {
		i++
	}
	return i < len(b) && b[i] == '\''
}
