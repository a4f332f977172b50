// Package sip is Heron's SIP analyzer: Zeek's SIP analyzer
// (src/analyzer/protocol/sip, over UDP only, as Zeek's) with the script
// logic of base/protocols/sip/main.zeek that turns its events into
// sip.log.
//
// What it parses. Datagrams (SIP::ports, 5060/udp, or detection by
// signature) go to one of two flows by their content: those that start
// with "SIP/" are replies, all others requests, whatever their
// direction, as in Zeek. Each flow is binpac's incremental parse of the
// grammar: a request line (anything before the method is junk, reported
// as sip_junk_before_request) or status line, header lines up to an empty
// line, and a body of the flow's content length. Lines end at CR, LF or
// CR LF. The flow's state outlives a datagram exactly as binpac's does: a
// message a datagram leaves unfinished continues in the next one, and the
// content length stays what the last Content-Length header of the flow
// said. A malformed line is a violation worded as Zeek's binpac
// exceptions, after which the flow starts afresh with the next datagram.
//
// sip.log. As main.zeek writes it: requests and responses meet in a table
// of pending records indexed by transaction depth, shared by reference;
// the end of each response logs its record, final responses leave the
// table, and the records still pending are logged when the dialogue ends
// (a BYE's success, a response without request) or the connection does.
// Header values are kept as they arrive (From without its tag, Via
// without its branch), with Zeek's weirds for unknown methods
// (SIP::sip_methods), Content-Length values that are no count, and paths
// longer than SIP::max_request_path_length / max_response_path_length.
//
// Differences from Zeek. binpac's string-mismatch messages name the
// grammar's file relative to Zeek's source tree, where Zeek's builds
// print their build-specific absolute path. Records still pending when
// a dialogue or connection ends are written in the order of their
// indexes, where Zeek walks its table in hash order.
//
// Buffer ownership: lines and bodies that lie within one datagram are
// read in place; others are assembled in a per-flow buffer that grows as
// binpac's does, up to its 10 MiB. Everything a record keeps is copied.
package sip
