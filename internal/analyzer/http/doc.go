// Package http is Heron's HTTP analyzer and http.log, after Zeek's
// (src/analyzer/protocol/http and base/protocols/http).
//
// It parses HTTP/0.9, 1.0 and 1.1 on any port (by port and by signature,
// each direction on its own): request and status lines, header fields
// (obsolete line folding included), interim 1xx replies, pipelined
// requests paired with their replies, bodies delimited by Content-Length,
// chunked transfer coding or the end of the connection, gzip and deflate
// content codings, multipart bodies (package mime), 206 partial content
// placed by Content-Range, HEAD, 204 and 304 replies without bodies,
// CONNECT (the tunnelled stream gets protocol detection of its own, and
// the connection is registered as a Tunnel::HTTP tunnel) and 101 protocol upgrades (to
// the analyzer registered for the protocol with RegisterUpgrade, such as
// WebSocket, else to protocol detection). Every quirk
// of Zeek's parser that shows in logs is kept, with its weirds.
//
// Bodies and MIME parts become files in the files framework (fuids,
// names from Content-Disposition, sniffed MIME types), which http.log
// lists as Zeek does. The script layer — pairing requests and replies,
// Basic-Auth user names (passwords with HTTP::default_capture_password),
// proxy headers, the limits HTTP::max_pending_requests and
// HTTP::max_files_* — is in script.go.
//
// The analyzer is resumable at any byte: the content line splitter and
// the MIME entities keep their state between deliveries, so a stream cut
// anywhere gives the same http.log (the tests check every cut).
package http
