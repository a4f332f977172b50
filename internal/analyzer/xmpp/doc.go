// Package xmpp is Heron's XMPP analyzer, after Zeek's
// (src/analyzer/protocol/xmpp and base/protocols/xmpp). Like Zeek's, it
// follows a stream only until it switches to TLS: the client's
// <starttls/> and the server's <proceed/> hand the rest of the
// connection to SSL (analyzer.Handle.Child), which writes ssl.log and
// x509.log; a stream that gets past authentication (<success/>, a
// <message/> or <presence/>, server dialback's <db:result/> and
// <db:verify/>) is not followed further. Zeek writes no xmpp.log; what
// shows is the confirmation (the client's <stream:stream>, conn.log's
// service xmpp), violations, and the weird "XMPP: proceed without
// starttls".
//
// The analyzer is found on ports 5222 and 5269 and by signature (a
// stream opening in a jabber namespace). Zeek parses XMPP with a binpac
// grammar whose flow is a datagram flow: each delivery of TCP data is
// parsed on its own as a sequence of tags "<name rest>" followed by
// text, and a delivery that ends inside a tag is a violation with
// binpac's message. Heron keeps that: results depend on how the stream
// was cut into deliveries exactly as Zeek's do. After a content gap
// nothing more is parsed.
//
// Memory: the analyzer keeps a few flags; deliveries are read in place.
package xmpp
