package http

import "github.com/heron-nsm/heron/internal/zeek"

// Info is an http.log record (Zeek's HTTP::Info with the fields
// base/protocols/http/entities.zeek adds): one request/response pair.
type Info struct {
	// TS is when the request (or, without one, the reply) began.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// TransDepth is the pair's position in the connection (pipelining
	// depth), from 1.
	TransDepth uint64 `zeek:"trans_depth"`
	// Method is the request method.
	Method zeek.Opt[string] `zeek:"method"`
	// Host is the Host header.
	Host zeek.Opt[string] `zeek:"host"`
	// URI is the request URI, %-escapes decoded.
	URI zeek.Opt[string] `zeek:"uri"`
	// Referrer is the Referer header.
	Referrer zeek.Opt[string] `zeek:"referrer"`
	// Version is the reply's HTTP version ("1.1").
	Version zeek.Opt[string] `zeek:"version"`
	// UserAgent is the User-Agent header.
	UserAgent zeek.Opt[string] `zeek:"user_agent"`
	// Origin is the Origin header.
	Origin zeek.Opt[string] `zeek:"origin"`
	// RequestBodyLen is the uncompressed size of the request body.
	RequestBodyLen uint64 `zeek:"request_body_len"`
	// ResponseBodyLen is the uncompressed size of the response body.
	ResponseBodyLen uint64 `zeek:"response_body_len"`
	// StatusCode is the reply's status code.
	StatusCode zeek.Opt[uint64] `zeek:"status_code"`
	// StatusMsg is the reply's reason phrase.
	StatusMsg zeek.Opt[string] `zeek:"status_msg"`
	// InfoCode is the last 1xx status code.
	InfoCode zeek.Opt[uint64] `zeek:"info_code"`
	// InfoMsg is the last 1xx reason phrase.
	InfoMsg zeek.Opt[string] `zeek:"info_msg"`
	// Tags is HTTP::Tags indicators (none are set by the base scripts).
	Tags []string `zeek:"tags,set,enum"`
	// Username is the Basic-Auth user name.
	Username zeek.Opt[string] `zeek:"username"`
	// Password is the Basic-Auth password, with
	// HTTP::default_capture_password=T only.
	Password zeek.Opt[string] `zeek:"password"`
	// Proxied lists the headers that indicate a proxy ("VIA -> …").
	Proxied zeek.Opt[[]string] `zeek:"proxied,set"`
	// OrigFUIDs lists the fuids of the files the client sent.
	OrigFUIDs zeek.Opt[[]string] `zeek:"orig_fuids"`
	// OrigFilenames lists their names where known.
	OrigFilenames zeek.Opt[[]string] `zeek:"orig_filenames"`
	// OrigMIMETypes lists their MIME types.
	OrigMIMETypes zeek.Opt[[]string] `zeek:"orig_mime_types"`
	// RespFUIDs lists the fuids of the files the server sent.
	RespFUIDs zeek.Opt[[]string] `zeek:"resp_fuids"`
	// RespFilenames lists their names where known.
	RespFilenames zeek.Opt[[]string] `zeek:"resp_filenames"`
	// RespMIMETypes lists their MIME types.
	RespMIMETypes zeek.Opt[[]string] `zeek:"resp_mime_types"`
}
