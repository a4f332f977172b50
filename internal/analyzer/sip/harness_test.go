package sip

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: it records what the
// analyzer reports, in order, as lines of text.
type testHost struct {
	t        zeek.Time
	confirms int
	events   []string
	logs     []Info
}

var t0 = zeek.Time(1_700_000_000 * zeek.Second)

func (h *testHost) now() zeek.Time { return h.t }
func (h *testHost) uid() string    { return "CTEST" }
func (h *testHost) connID() zeek.ConnID {
	return zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 5060, Proto: zeek.ProtoUDP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 5060, Proto: zeek.ProtoUDP},
	}
}
func (h *testHost) confirm() { h.confirms++ }
func (h *testHost) violation(reason string) {
	h.events = append(h.events, "violation "+reason)
}
func (h *testHost) weird(name, addl string) {
	h.events = append(h.events, "weird "+name+" "+addl+" SIP")
}
func (h *testHost) scriptWeird(name, addl string) {
	h.events = append(h.events, "weird "+name+" "+addl+" -")
}
func (h *testHost) writeLog(rec *Info) {
	h.logs = append(h.logs, *rec)
	h.events = append(h.events, "sip "+infoString(rec))
}

// rig is an analyzer with its test host.
type rig struct {
	*Analyzer
	h *testHost
}

func newRig() *rig {
	h := &testHost{t: t0}
	return &rig{Analyzer: newSIP(h), h: h}
}

// play delivers datagrams alternately from the originator and the
// responder (the direction does not choose the flow), one second apart,
// then ends the analyzer and returns everything it reported.
func (r *rig) play(datagrams ...string) []string {
	for i, d := range datagrams {
		r.h.t = t0 + zeek.Time(i)*zeek.Time(zeek.Second)
		r.DeliverPacket([]byte(d), i%2 == 0)
	}
	r.Done()
	out := make([]string, 0, len(r.h.events)+1)
	for _, e := range r.h.events {
		out = append(out, printable(e))
	}
	return append(out, fmt.Sprintf("confirms %d", r.h.confirms))
}

// printable escapes the bytes of s that are not printable ASCII (but
// keeps line feeds), so that golden files are plain text.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\n') || c > '~' {
			fmt.Fprintf(&b, "\\x%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func opt[T any](o zeek.Opt[T]) string {
	if !o.Set {
		return "-"
	}
	return fmt.Sprint(o.V)
}

func path(o zeek.Opt[[]string]) string {
	if !o.Set {
		return "-"
	}
	if len(o.V) == 0 {
		return "(empty)"
	}
	return strings.Join(o.V, ",")
}

// infoString renders the fields of a record that tests compare: the
// second of its timestamp (relative to t0), trans_depth, then every
// optional field in log order, as "name=value" for the set ones.
func infoString(i *Info) string {
	parts := []string{
		fmt.Sprintf("t=%d", (i.TS-t0)/zeek.Time(zeek.Second)),
		fmt.Sprintf("depth=%d", i.TransDepth),
	}
	add := func(name, v string) {
		if v != "-" {
			parts = append(parts, name+"="+v)
		}
	}
	add("method", opt(i.Method))
	add("uri", opt(i.URI))
	add("date", opt(i.Date))
	add("request_from", opt(i.RequestFrom))
	add("request_to", opt(i.RequestTo))
	add("response_from", opt(i.ResponseFrom))
	add("response_to", opt(i.ResponseTo))
	add("reply_to", opt(i.ReplyTo))
	add("call_id", opt(i.CallID))
	add("seq", opt(i.Seq))
	add("subject", opt(i.Subject))
	add("request_path", path(i.RequestPath))
	add("response_path", path(i.ResponsePath))
	add("user_agent", opt(i.UserAgent))
	add("status_code", opt(i.StatusCode))
	add("status_msg", opt(i.StatusMsg))
	add("warning", opt(i.Warning))
	add("request_body_len", opt(i.RequestBodyLen))
	add("response_body_len", opt(i.ResponseBodyLen))
	add("content_type", opt(i.ContentType))
	return strings.Join(parts, " ")
}

// Builders of SIP messages.

// msg joins a first line, headers and a body into a message with CR LF
// line ends.
func msg(first string, headers []string, body string) string {
	var b strings.Builder
	b.WriteString(first + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

// sdp is a small session description used as a body.
const sdp = "v=0\r\no=alice 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"

func invite() string {
	return msg("INVITE sip:bob@example.org SIP/2.0", []string{
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776",
		"Via: SIP/2.0/UDP 10.0.0.9; branch=z9hG4bK111",
		"From: \"Alice\" <sip:alice@example.com>;tag=1928301774",
		"To: <sip:bob@example.org>",
		"Call-ID: a84b4c76e66710@10.0.0.1",
		"CSeq: 314159 INVITE",
		"Date: Mon, 04 Jul 2005 09:43:55 GMT",
		"Subject: lunch",
		"Reply-To: <sip:alice@example.com>",
		"User-Agent: Heron test phone",
		"Content-Type: application/sdp",
		fmt.Sprintf("Content-Length: %d", len(sdp)),
	}, sdp)
}

func reply(code string, headers ...string) string {
	return msg("SIP/2.0 "+code, append([]string{
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776;received=10.0.0.1",
		"From: \"Alice\" <sip:alice@example.com>; tag=1928301774",
		"To: <sip:bob@example.org>;tag=a6c85cf",
		"Call-ID: a84b4c76e66710@10.0.0.1",
	}, headers...), "")
}
