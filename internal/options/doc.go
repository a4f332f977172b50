// Package options sets Heron's tunables from Zeek-style command-line
// redefs, so that
//
//	heron -r t.pcap LogAscii::use_json=T 'Site::local_nets={10.0.0.0/8}'
//
// works as it does with zeek. Heron has no script interpreter; instead each
// package registers the Zeek options it implements (name, Zeek type, the Go
// variable it controls, a doc line) in a Registry, and Apply parses the value
// with Zeek's literal syntax for that type.
//
// The Zeek behaviour matched here, with its source in the Zeek tree:
//   - an argument containing '=' anywhere is an assignment, not a script
//     name (src/Options.cc, the loop over the remaining arguments);
//   - the identifier is the leading run of letters, digits, '_' and ':';
//     what lies between it and the first '=' after it is the operator, so
//     ID=V, ID+=V and ID-=V become "redef ID = V;", "redef ID += V;" and
//     "redef ID -= V;" (src/scan.l, where the parameters are turned into
//     redef statements);
//   - for an option of type string the value is wrapped in double quotes
//     as it stands, so Log::default_logdir=/tmp/x needs no quotes and Zeek
//     escapes such as \x41 in it are decoded; any other type needs a
//     non-empty value (same place);
//   - += adds to sets, numbers, intervals and strings; -= removes from sets
//     and subtracts from numbers and intervals (src/ID.cc SetVal, src/Expr.cc
//     AddToExpr and RemoveFromExpr);
//   - literals follow Zeek's scanner (src/scan.l): T and F; counts in
//     decimal or 0x hex; a sign makes an int (a signed count is an int, so
//     counts take none); doubles such as 1.5, .5, 5. and 1e3; intervals as a
//     number, optional blanks and one of usec, msec, sec, min, hr, day with
//     an optional s; ports as 80/tcp, udp, icmp or unknown; IPv4 addresses
//     dotted, IPv6 in brackets; subnets as 10.0.0.0/8 or [2001:db8::]/32,
//     host bits cleared (src/IPAddr.cc IPPrefix); strings in double quotes
//     with \n, \t, \xHH, \ooo and \c escapes (src/util.cc expand_escape); sets
//     as { a, b } or set(a, b), a trailing comma allowed (src/parse.y).
package options
