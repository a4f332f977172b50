package sip

import "github.com/heron-nsm/heron/internal/zeek"

// Info is a sip.log record (Zeek's SIP::Info): a request and its
// response, with the headers of both that the log keeps.
type Info struct {
	// TS is when the request was seen.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// TransDepth is the transaction's position in the connection.
	TransDepth uint64 `zeek:"trans_depth"`
	// Method is the request's method.
	Method zeek.Opt[string] `zeek:"method"`
	// URI is the request's URI.
	URI zeek.Opt[string] `zeek:"uri"`
	// Date is the request's Date header.
	Date zeek.Opt[string] `zeek:"date"`
	// RequestFrom is the request's From header without its tag.
	RequestFrom zeek.Opt[string] `zeek:"request_from"`
	// RequestTo is the request's To header.
	RequestTo zeek.Opt[string] `zeek:"request_to"`
	// ResponseFrom is the response's From header without its tag.
	ResponseFrom zeek.Opt[string] `zeek:"response_from"`
	// ResponseTo is the response's To header.
	ResponseTo zeek.Opt[string] `zeek:"response_to"`
	// ReplyTo is the request's Reply-To header.
	ReplyTo zeek.Opt[string] `zeek:"reply_to"`
	// CallID is the request's Call-ID header.
	CallID zeek.Opt[string] `zeek:"call_id"`
	// Seq is the request's CSeq header.
	Seq zeek.Opt[string] `zeek:"seq"`
	// Subject is the request's Subject header.
	Subject zeek.Opt[string] `zeek:"subject"`
	// RequestPath is the request's transmission path (its Via headers).
	RequestPath zeek.Opt[[]string] `zeek:"request_path"`
	// ResponsePath is the response's transmission path.
	ResponsePath zeek.Opt[[]string] `zeek:"response_path"`
	// UserAgent is the request's User-Agent header.
	UserAgent zeek.Opt[string] `zeek:"user_agent"`
	// StatusCode is the response's status code.
	StatusCode zeek.Opt[uint64] `zeek:"status_code"`
	// StatusMsg is the response's reason phrase.
	StatusMsg zeek.Opt[string] `zeek:"status_msg"`
	// Warning is the response's Warning header.
	Warning zeek.Opt[string] `zeek:"warning"`
	// RequestBodyLen is the request's Content-Length.
	RequestBodyLen zeek.Opt[uint64] `zeek:"request_body_len"`
	// ResponseBodyLen is the response's Content-Length.
	ResponseBodyLen zeek.Opt[uint64] `zeek:"response_body_len"`
	// ContentType is the response's Content-Type header.
	ContentType zeek.Opt[string] `zeek:"content_type"`
}
