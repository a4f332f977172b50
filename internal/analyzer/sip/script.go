package sip

import (
	"bytes"
	"maps"
	"slices"

	"github.com/heron-nsm/heron/internal/zeek"
)

// script is the logic of Zeek's base/protocols/sip/main.zeek for one
// connection. As in Zeek, records are shared by reference: the pending
// table and the current record (c$sip) may hold the same one, and a
// request and a response that land on the same index fill one record.
type script struct {
	h     host
	sip   *Info  // c$sip
	state *state // c$sip_state
}

// state is SIP::State.
type state struct {
	pending         map[uint64]*Info
	currentRequest  uint64
	currentResponse uint64
}

func (s *script) ensureState() {
	if s.state == nil {
		s.state = &state{pending: map[uint64]*Info{}}
	}
}

// newSession is new_sip_session.
func (s *script) newSession() *Info {
	return &Info{
		TS: s.h.now(), UID: s.h.uid(), ID: s.h.connID(),
		TransDepth:   s.state.currentRequest,
		RequestPath:  zeek.Some([]string{}),
		ResponsePath: zeek.Some([]string{}),
	}
}

// setState is set_state: c$sip becomes the pending record of the current
// request or response, created when missing.
func (s *script) setState(isRequest bool) {
	s.ensureState()
	idx := s.state.currentResponse
	if isRequest {
		idx = s.state.currentRequest
	}
	in := s.state.pending[idx]
	if in == nil {
		in = s.newSession()
		s.state.pending[idx] = in
	}
	s.sip = in
}

// write logs a record as it stands.
func (s *script) write(in *Info) {
	rec := *in
	rec.RequestPath.V = append([]string(nil), in.RequestPath.V...)
	rec.ResponsePath.V = append([]string(nil), in.ResponsePath.V...)
	s.h.writeLog(&rec)
}

// request is sip_request.
func (s *script) request(method, uri []byte) {
	s.setState(true)
	m := string(method)
	s.sip.Method = zeek.Some(m)
	s.sip.URI = zeek.Some(string(uri))
	if !knownMethod(m) {
		s.h.scriptWeird("unknown_SIP_method", m)
	}
}

// reply is sip_reply.
func (s *script) reply(code int, reason []byte) {
	s.setState(false)
	s.sip.StatusCode = zeek.Some(uint64(code))
	s.sip.StatusMsg = zeek.Some(string(reason))
}

// header is sip_header.
func (s *script) header(isRequest bool, name, value []byte) {
	s.ensureState()
	st := s.state
	v := string(value)
	if isRequest {
		if st.pending[st.currentRequest] == nil {
			st.currentRequest++
		}
		s.setState(true)
		in := s.sip
		switch string(name) {
		case "CALL-ID":
			in.CallID = zeek.Some(v)
		case "CONTENT-LENGTH", "L":
			if n, ok := toCount(value); ok {
				in.RequestBodyLen = zeek.Some(n)
			} else {
				s.h.scriptWeird("invalid_SIP_request_body_len", v)
			}
		case "CSEQ":
			in.Seq = zeek.Some(v)
		case "DATE":
			in.Date = zeek.Some(v)
		case "FROM", "F":
			in.RequestFrom = zeek.Some(beforeTag(value))
		case "REPLY-TO":
			in.ReplyTo = zeek.Some(v)
		case "SUBJECT", "S":
			in.Subject = zeek.Some(v)
		case "TO", "T":
			in.RequestTo = zeek.Some(v)
		case "USER-AGENT":
			in.UserAgent = zeek.Some(v)
		case "VIA", "V":
			if max := maxRequestPathLength; max > 0 && uint64(len(in.RequestPath.V)) >= max {
				s.h.scriptWeird("sip_max_request_path_length_exceeded", "")
			} else {
				in.RequestPath.V = append(in.RequestPath.V, beforeBranch(value))
			}
		}
		st.pending[st.currentRequest] = in
		return
	}
	if st.pending[st.currentResponse] == nil {
		st.currentResponse++
	}
	s.setState(false)
	in := s.sip
	switch string(name) {
	case "CONTENT-LENGTH", "L":
		if n, ok := toCount(value); ok {
			in.ResponseBodyLen = zeek.Some(n)
		} else {
			s.h.scriptWeird("invalid_SIP_response_body_len", v)
		}
	case "CONTENT-TYPE", "C":
		in.ContentType = zeek.Some(v)
	case "WARNING":
		in.Warning = zeek.Some(v)
	case "FROM", "F":
		in.ResponseFrom = zeek.Some(beforeTag(value))
	case "TO", "T":
		in.ResponseTo = zeek.Some(v)
	case "VIA", "V":
		if max := maxResponsePathLength; max > 0 && uint64(len(in.ResponsePath.V)) >= max {
			s.h.scriptWeird("sip_max_response_path_length_exceeded", "")
		} else {
			in.ResponsePath.V = append(in.ResponsePath.V, beforeBranch(value))
		}
	}
	st.pending[st.currentResponse] = in
}

// endEntity is sip_end_entity: a response's end logs its record; a final
// response's record leaves the pending table; a response without request
// or the success of a BYE flushes the whole dialogue.
func (s *script) endEntity(isRequest bool) {
	s.setState(isRequest)
	if isRequest {
		return
	}
	in := s.sip
	s.write(in)
	if !in.StatusCode.Set {
		// Zeek's handler stops with a script error here.
		return
	}
	code := in.StatusCode.V
	if code < 100 || code >= 200 {
		delete(s.state.pending, s.state.currentResponse)
	}
	if !in.Method.Set || in.Method.V == "BYE" && code >= 200 && code < 300 {
		s.flushPending()
		s.sip = nil
		s.state = nil
	}
}

// flushPending is flush_pending: every pending record but index 0. Zeek
// walks the table in its hash order; Heron writes the records in the
// order of their indexes, so that its output does not vary from run to
// run.
func (s *script) flushPending() {
	if s.state == nil {
		return
	}
	for _, r := range slices.Sorted(maps.Keys(s.state.pending)) {
		if r != 0 {
			s.write(s.state.pending[r])
		}
	}
}

// finalize is the connection removal hook: every pending record, in the
// order of their indexes.
func (s *script) finalize() {
	if s.state == nil {
		return
	}
	for _, r := range slices.Sorted(maps.Keys(s.state.pending)) {
		s.write(s.state.pending[r])
	}
	s.state = nil
	s.sip = nil
}

// beforeTag is split_string1(value, /;[ ]?tag=/)[0].
func beforeTag(v []byte) string { return beforeParam(v, "tag=") }

// beforeBranch is split_string1(value, /;[ ]?branch/)[0].
func beforeBranch(v []byte) string { return beforeParam(v, "branch") }

// beforeParam returns v up to the first ";" that is followed by an
// optional space and then p.
func beforeParam(v []byte, p string) string {
	for i := 0; i < len(v); i++ {
		if v[i] != ';' {
			continue
		}
		rest := v[i+1:]
		if bytes.HasPrefix(rest, []byte(p)) || len(rest) > 0 && rest[0] == ' ' && bytes.HasPrefix(rest[1:], []byte(p)) {
			return string(v[:i])
		}
	}
	return string(v)
}

// toCount is Zeek's string-to-count cast (value ?as count): strtoull in
// base 10 over a string without NULs, trailing white space allowed.
func toCount(v []byte) (uint64, bool) {
	if len(v) == 0 || bytes.IndexByte(v, 0) >= 0 {
		return 0, false
	}
	i := 0
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	neg := false
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		neg = v[i] == '-'
		i++
	}
	start := i
	var n uint64
	over := false
	for ; i < len(v) && isDigit(v[i]); i++ {
		d := uint64(v[i] - '0')
		if n > (^uint64(0)-d)/10 {
			over = true
		}
		n = n*10 + d
	}
	if i == start {
		// No digits: strtoull converts nothing and leaves the whole
		// string to the check below.
		i, n, neg, over = 0, 0, false, false
	}
	for _, c := range v[i:] {
		if !isSpace(c) {
			return 0, false
		}
	}
	switch {
	case over:
		n = ^uint64(0)
	case neg:
		n = -n
	}
	return n, true
}

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// knownMethod reports whether m is in SIP::sip_methods.
func knownMethod(m string) bool {
	for _, k := range sipMethods {
		if k == m {
			return true
		}
	}
	return false
}
