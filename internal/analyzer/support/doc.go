// Package support holds the stream helpers that protocol analyzers are
// built from. Every helper is a resumable state machine: input may be split
// at any byte boundary and the results are the same as if it had arrived
// whole (the analyzertest package checks exactly that).
//
//   - LineSplitter (and LinePair, one per direction) turns a TCP byte
//     stream into lines the way Zeek's ContentLine support analyzer does:
//     the same end-of-line modes, the same weirds at the same moments, the
//     same maximum line length and the same plain-delivery mode for bodies.
//   - Framer cuts a stream into length-prefixed messages: a fixed-size
//     header, a body whose length the header gives (DNS over TCP, TLS
//     records, …), with a bound on buffered bodies and resynchronisation
//     after gaps.
//   - Reader is the building block for everything else: over "bytes kept
//     from earlier chunks + the chunk being delivered" it hands out N
//     contiguous bytes, or the bytes up to a delimiter, or says "wait for
//     more input", so an analyzer can be written as a sequence of
//     resumable steps.
//   - StartTLS is the frame of an analyzer that parses each delivery on
//     its own with a binpac-style grammar (package binpac) until the
//     session turns to TLS, then hands the rest of the connection to a
//     child SSL session (Zeek's IMAP and XMPP analyzers); TLSHost is what
//     it needs from the framework, HandleTLSHost the one over an
//     analyzer.Handle.
//
// Buffer ownership is the same everywhere: input slices are borrowed for
// the call only (as in analyzer.Analyzer), and every slice a helper hands
// to a callback, or returns, is borrowed too: valid during the callback
// (or until the next call on the helper) and never to be kept or modified.
// A caller that needs the bytes later copies them.
//
// None of the helpers allocates per line or per message once its buffer
// has grown to the largest line or message seen, and every buffer has a
// bound fixed at construction.
package support
