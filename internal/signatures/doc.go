// Package signatures is Zeek's signature engine: the signature language,
// its compilation into pattern automata and a header-test tree, and the
// per-connection matcher that drives dynamic protocol detection ("enable"
// signatures), user signature files (heron -s FILE; the matches feed the
// signatures framework) and file-magic MIME detection.
//
// The spec is Zeek's source: the language is rule-scan.l and rule-parse.y,
// compilation and matching RuleMatcher.cc/.h and Rule.cc, conditions
// RuleCondition.cc, actions RuleAction.cc; the regular expressions are in
// the regex subpackage (RE.cc, NFA.cc, DFA.cc, re-scan.l, re-parse.y).
//
// # Language
//
// A file holds signatures "signature ID { attributes }"; comments run from
// '#' to the end of the line, and lines of the form ".key value" are
// discarded as metadata. Every attribute Zeek's grammar accepts is parsed:
//
//   - header conditions: src-ip/dst-ip CMP address-list (IPv4 addresses
//     and CIDRs, [IPv6] addresses and [IPv6]/len, identifiers);
//     src-port/dst-port CMP value-list (numbers, ranges n-m, identifiers);
//     ip-proto CMP tcp|udp|icmp|icmp6|ip|ip6 or a value-list ("ip" and
//     "ip6" are no-ops, as in Zeek); header PROTO[off:size] [& mask] CMP
//     values with PROTO one of ip ip6 tcp udp icmp icmp6, size 1, 2 or 4,
//     values numbers, ranges or dotted quads with /len (a bitmask).
//     CMP is == (or =), !=, <, <=, >, >=; a list matches when one value
//     satisfies the comparison, except != which needs all values to differ;
//   - content conditions: payload, http-request (alias http),
//     http-request-header, http-request-body, http-reply-header,
//     http-reply-body (alias http-body), ftp, finger and file-magic, each
//     followed by /regex/ or /regex/i, optionally preceded by [offset:len]
//     ([:len], [off:], [n]); the offset is ignored with a warning as in
//     Zeek, and the match must end within len bytes;
//   - dependencies: requires-signature [!] ID, requires-reverse-signature
//     [!] ID;
//   - other conditions: payload-size CMP n, same-ip, tcp-state and
//     udp-state with established/originator/responder/stateless (udp-state
//     established is an error), ip-options (parsed; never true, as in
//     Zeek), eval FUNCTION (see below), active true|false;
//   - actions: event "msg", event NAME ["msg"] (a custom event), enable
//     "analyzer" (or "parent:child"), disable "analyzer", file-mime "type"
//     [, strength]. Anything else (like Snort's "priority") is a syntax
//     error, as in Zeek.
//
// Where Zeek accepts a script-level identifier (value lists, integers,
// patterns, MIME types) Parse records the name and Compile resolves it with
// Options.Resolve. eval calls a script function, which Heron cannot run: a
// signature with eval fails to compile unless Options.Eval supplies a Go
// implementation of that function (the error names the signature, the
// function and the line). This is deliberate: treating the condition as
// true would report matches Zeek would not, and treating it as false would
// silently disable the signature.
//
// Errors are *Error values, one line "signatures: FILE:LINE: what is
// wrong". Where Zeek reports the line after a faulty attribute (its parser
// has read ahead), the line here is the attribute's own.
//
// # Compilation
//
// Compile follows RuleMatcher::BuildRulesTree and BuildRegEx: each active
// signature is inserted into a tree whose edges are header tests (identical
// tests, as Zeek's RuleHdrTest::operator== judges them, share a node), and
// its patterns are compiled with the others of their kind into automata of
// at most 51 patterns (sig_max_group_size 50): nodes above depth 4 (Zeek's
// RE_level) get automata of their own signatures' patterns, a node at depth
// 4 gets its subtree's. Pattern and signature numbers are their load order,
// which fixes the order of matches reported together, as in Zeek.
//
// # Matching
//
// A Set is immutable; each goroutine matches with its own Matcher (the DFA
// states are built lazily, in a cache with a memory bound per automaton;
// see the regex package), and each connection has a ConnState with one
// endpoint per direction (RuleEndpointState):
//
//   - InitEndpoint, at an endpoint's first packet, walks the tree with that
//     packet's headers (seen from that direction: src is the packet's
//     sender), fires the signatures without patterns whose conditions hold,
//     starts the automata of the nodes reached and feeds them the
//     begin-of-data marker;
//   - Match feeds data of a kind. Patterns are anchored at the start of the
//     data stream: for TCP at the first byte of the reassembled stream, for
//     UDP at the first byte of each packet (MatchPacket clears the state
//     after each packet, as Zeek's UDP PIA does); to search, patterns start
//     with ".*". ^ matches only at that start and $ only at the end of the
//     data (Finish feeds it for payload; analyzers feed it per item with
//     the EOL flag). When any pattern of the kind matches for the first
//     time, every signature whose patterns have all matched (within their
//     depth), whose header tests held and which has not fired is checked:
//     dependencies, then the other conditions in order;
//   - a signature fires at most once per connection (not once per
//     direction): Match values are passed to the emit callback with the
//     chunk being matched, or, for a signature that fires later because a
//     signature it requires fired (in either direction), with the chunk
//     that completed its patterns, saved at that time;
//   - payload-size compares the size of the first non-empty payload chunk
//     of the direction (per packet for UDP); a negated requires-signature
//     is decided only at the end (Finish, or after each UDP packet);
//     tcp-state established uses SetEstablished; same-ip compares the
//     connection's addresses;
//   - Finish feeds the end-of-data marker and gives signatures without
//     patterns and signatures waiting on negated dependencies a last
//     chance.
//
// How a caller drives a ConnState is Zeek's PIA and session adapters' job,
// not this package's: for TCP, InitEndpoint with each direction's first
// packet, then Match(Payload) with the reassembled stream; for UDP,
// InitEndpoint and MatchPacket per packet; for ICMP, InitEndpoint and
// Match(Payload, ..., Clear) per packet (Zeek restarts the patterns without
// a begin marker there); analyzers feed their kinds with the flags Zeek's
// analyzers use (e.g. HTTP URIs with BOL|EOL|Clear). Limits such as
// dpd_buffer_size and dpd_match_only_beginning are the caller's too; the
// tests' harness (harness_test.go) shows the whole sequence.
//
// A signature that matches only the empty string (like /.*/) matches
// before the first byte, which Zeek never counts as a new match: such a
// signature is only evaluated when another pattern of the same direction
// matches, or at the end (if it was evaluated before). This package keeps
// that behaviour.
//
// FileMagic matches the beginning of a file against the file-magic
// signatures without header tests (the root of the tree, as Zeek) and
// returns their file-mime actions by decreasing strength.
//
// # Buffers
//
// Data passed to Match, MatchPacket, FileMagic and in PacketHeader is only
// read during the call. Match.Data given to the emit callback is valid only
// during the callback. Matching allocates nothing per chunk once the DFA
// states it needs are built, except to save a chunk when a signature's
// patterns all match (at most once per signature and direction).
package signatures
