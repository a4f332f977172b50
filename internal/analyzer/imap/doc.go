// Package imap is Heron's IMAP analyzer, after Zeek's
// (src/analyzer/protocol/imap and base/protocols/imap). Like Zeek's, it
// follows a session only until it switches to TLS with STARTTLS, or
// until the client has logged in, selected or listed (then STARTTLS
// cannot come any more and the analyzer stops); Zeek writes no imap.log.
// What shows is the confirmation (conn.log's service imap), violations,
// the weirds "IMAP: client sent duplicate StartTLS" and "IMAP: server
// refused StartTLS", and, after the server's OK to the client's
// STARTTLS, the SSL analysis of the rest of the connection
// (analyzer.Handle.Child): ssl.log and x509.log.
//
// The analyzer is found on port 143 (Zeek has no IMAP signature). Zeek
// parses IMAP with a binpac grammar whose flow is a datagram flow: each
// delivery of TCP data is parsed on its own as whole lines "tag command
// text CRLF" (for "* CAPABILITY", a list of capabilities), and a delivery
// that ends inside a line, or a line that does not fit the grammar, is a
// violation with binpac's message. Heron keeps that: results depend on
// how the stream was cut into deliveries exactly as Zeek's do. After a
// content gap nothing more is parsed.
//
// Memory: the analyzer keeps only the STARTTLS tag; deliveries are read
// in place.
package imap
