// Package websocket is Heron's WebSocket analyzer and websocket.log, after
// Zeek's (src/analyzer/protocol/websocket and base/protocols/websocket).
//
// HTTP hands a connection to it when a 101 reply switches the connection
// to "websocket" (HTTP::upgrade_analyzers; see http.Upgrade). The
// handshake's Sec-WebSocket-* headers, gathered from HTTP's header events,
// and the request's host, URI and user agent make the websocket.log
// record, written at the switch, with Zeek's weirds for a missing or
// repeated key, protocol or accept header and for an accept value that
// does not match the key (RFC 6455 section 4). The analyzer then parses
// the frames of both directions (RFC 6455 section 5): headers, masking,
// fragmented messages, close frames with their status and reason, and
// control frames longer than WebSocket::max_control_frame_size (a weird).
// The first complete message confirms the protocol; the payload of text
// and binary messages goes, in chunks of WebSocket::payload_chunk_size
// bytes, to protocol detection, so that HTTP, TLS, SSH or anything else
// carried over WebSocket is analysed as well (HTTP inside continues the
// connection's http.log transactions).
//
// The spec is Zeek's binpac grammar: a continuation frame where a message
// starts, or any other frame inside a fragmented message (control frames
// included), is a violation that throws away the message in progress and
// the rest of the delivery, and so is a close frame whose chunk holds
// fewer than two bytes of status. Content gaps do not reach it (Zeek's
// HTTP analyzer keeps them from the analyzer it upgraded to), so the
// bytes after a gap are read as if the stream went on.
//
// The framework attaches analyzers by itself only, so WebSocket runs on
// the handle of the HTTP analyzer that hands it the connection: it adds
// itself to conn.log's service field on confirmation and removes itself
// (and the analysis of its payload) after a violation, as DPD does with
// Zeek's defaults, but writes no analyzer.log record for the violation.
//
// The files: parse.go reads frames (pure, resumable, fuzzed); analyzer.go
// is the per-connection analyzer; script.go is main.zeek (the handshake,
// websocket.log, the hook into HTTP); log.go the record; host.go what it
// needs from the framework; register.go its options, log and the
// registration with HTTP.
package websocket
