// Package regex is the regular-expression engine of Heron's signature
// matcher: Zeek's pattern dialect (flex's syntax), compiled as a set of
// patterns into one NFA and matched incrementally over a stream by a lazily
// built DFA whose state cache has a memory bound.
//
// # Syntax
//
// The accepted syntax follows Zeek's pattern scanner and grammar
// (src/re-scan.l, src/re-parse.y in Zeek's source):
//
//   - literal characters; any byte except the operators below, NUL and bytes
//     of 0x80 and above (Zeek rejects raw non-ASCII bytes: write \xNN);
//   - escapes: \n \t \r \f \b \a \v, \xHH (exactly two hex digits), octal
//     \N, \NN, \NNN (a longer run of digits is consumed but only the first
//     three count, as in Zeek), and a backslash before any other character
//     stands for that character (so \d is the letter d, \. a dot);
//   - "." matches any byte, newline included (signature matchers are built in
//     Zeek's multi-line mode);
//   - character classes [abc], [a-z], [^...] (a negated class never matches
//     the begin/end-of-data markers), a "]" or "-" right after "[" or "[^" is
//     literal, and flex's named classes [:alnum:] [:alpha:] [:blank:]
//     [:cntrl:] [:digit:] [:graph:] [:lower:] [:print:] [:punct:] [:space:]
//     [:upper:] [:xdigit:] (ASCII, C locale), inside brackets;
//   - grouping ( ), alternation |, where only the first alternative may be
//     empty ("(|a)" is valid, "(a|)" is not, as in Zeek's grammar);
//   - postfix * + ? {n} {n,} {n,m}, stackable ("a+?" is "(a+)?", there are
//     no lazy quantifiers);
//   - "quoted strings" whose characters are literal (escapes still apply and
//     case-insensitivity does not);
//   - (?i: ... ) case-insensitive and (?s: ... ) single-line groups; the
//     signature form /re/i is (?i:re). Like Zeek, the case-insensitive flag
//     is switched off (not restored) when any such group closes;
//   - ^ and $ are symbols, not assertions: ^ matches the begin-of-data
//     marker and $ the end-of-data marker that the caller feeds (see Feed),
//     wherever they appear in the pattern;
//   - a newline character ends the pattern (Zeek treats it as end of input);
//   - {name} definitions are not supported (Zeek has none defined either).
//
// Zeek caches bracket expressions by their source text for the whole set
// being compiled, so a class written the same way twice is parsed once; a
// case-insensitive letter x is rewritten to the class [x] and may hit that
// cache. CompileSet reproduces this, including its visible effect: after a
// literal class [x] in an earlier pattern of the set, a case-insensitive x in
// a later one matches only the lower-case letter, exactly as in Zeek.
//
// # Matching
//
// A Set is compiled from patterns, each getting the index of its position;
// it is immutable and safe for concurrent use. The NFA it holds is Zeek's
// set machine: an optional begin-of-data symbol followed by the alternation
// of the patterns. Matching is anchored: a pattern matches when a prefix of
// the symbols fed since the stream started (or was cleared) is in its
// language; to search, a pattern starts with ".*".
//
// A Matcher builds DFA states from the Set on demand and caches them. It is
// not safe for concurrent use: each goroutine matches with its own Matcher.
// The cache is bounded (MatcherOptions.MaxMemory): when it is full, every
// cached state is dropped and building starts again; streams standing on a
// dropped state continue from it correctly (it keeps its NFA state set) and
// move onto newly built states with their next symbol. Memory therefore
// stays within the bound plus one state per live stream, and each input byte
// costs at most one state construction, whatever the input.
//
// A Stream is the per-stream state: a value of a few words, owned by the
// caller, with no pointers into the caller's data. Feed advances it over a
// chunk and reports the patterns that have matched for the first time since
// the stream started, with their positions, in the order of Zeek's
// RE_Match_State (src/RE.cc): the position of a match is the number of
// symbols consumed before the symbol that completed it, the begin- and
// end-of-data markers included. Once the DFA has no transition (all patterns
// failed) the stream is jammed and ignores input until cleared. Feeding
// allocates nothing once the states it visits are cached.
package regex
