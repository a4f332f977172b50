// Package mime is Zeek's MIME entity parser (src/analyzer/protocol/mime):
// the machinery that HTTP bodies and, later, SMTP messages share. An Entity
// takes the lines of a MIME entity — header fields (with folded
// continuation lines), an empty line, and a body — parses the
// Content-Type (multipart boundaries) and Content-Transfer-Encoding
// fields, splits multipart bodies into child entities at their boundary
// lines, decodes quoted-printable and base64 bodies, and hands the decoded
// content, in chunks of a buffer size the Message chooses, to its Message.
//
// Protocols customise entities the way Zeek's subclasses do, through the
// Hooks interface: HTTP's entity counts body bytes, follows
// Content-Length and chunked transfer coding, and passes the content to
// the files framework. Without hooks an entity behaves as Zeek's plain
// MIME_Entity.
//
// Behaviour follows Zeek, including its leniencies and quirks: a header
// line without a colon is dropped, a first header line that starts with
// white space is treated as a new header (with an "illegal format"
// event), parameters after the media type are parsed only for multipart
// and message types, the CRLF that precedes a boundary line belongs to the
// boundary, data before the first and after the last boundary is ignored,
// and nesting deeper than MaxDepth (MIME::max_depth, 100) delivers child
// entities to their parent with the weird exceeded_mime_max_depth. A
// folded header is bounded by MaxHeaderBytes (MIME::max_header_bytes,
// 65536 bytes; continuation lines beyond it are dropped with the weird
// exceeded_mime_max_header_bytes).
//
// Buffer ownership: lines passed to Deliver are borrowed for the call;
// Header values and data passed to the Message are borrowed for the
// callback.
package mime
