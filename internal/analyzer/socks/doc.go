// Package socks is Heron's SOCKS analyzer and socks.log, after Zeek's
// (src/analyzer/protocol/socks and base/protocols/socks).
//
// It reads the SOCKS4/4a handshake (a request with a user id and, for
// 4a, a host name) and the SOCKS5 handshake of RFC 1928 (greeting,
// method choice, request and reply with IPv4, IPv6 and domain-name
// addresses) with the user/password login of RFC 1929, on port 1080 and,
// by signature, on any port. A request registers the connection as a
// Tunnel::SOCKS tunnel (tunnel.log, with the originator port 0, as Zeek's
// main.zeek does); once both sides are through the handshake, the rest
// of the connection gets protocol detection of its own, so HTTP, TLS or
// SSH through the proxy are analysed and join conn.log's service field
// after "socks". The socks.log record is written when the connection
// ends, if SOCKS is still among its services.
//
// The spec is Zeek's grammar, quirks included: messages are read in the
// state the connection has reached (a server's method choice starts the
// sub-negotiation, which has no version byte), a SOCKS5 request with a
// non-zero reserved byte or an unknown command stops the analysis, a
// SOCKS4 reply is expected to start with a version byte of 4 (real
// servers send 0, which Zeek reports as an unknown version), an address
// of an unknown type leaves the port missing, and the weirds
// socks5_unsupported_authentication_method and
// socks5_unsupported_authentication come where Zeek raises them.
//
// Where Heron differs: Zeek parses each TCP delivery as one message, so a
// message cut across segments fails there; Heron keeps the first part
// (up to a bound) and parses the message when it is complete, so the
// results do not depend on how TCP cut the handshake. Like Zeek, it
// ignores bytes that follow a message in the same delivery. An IPv6
// address is logged as sent (Zeek's conversion of it is broken).
//
// The files: parse.go reads messages (pure, fuzzed); analyzer.go is the
// per-connection state and main.zeek's handlers; log.go the record;
// host.go what the analyzer needs from the framework; register.go the
// analyzer, its option, log and detection signatures.
package socks
