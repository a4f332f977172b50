package imap

import (
	"bytes"
	"strconv"
)

// This file is Zeek's binpac grammar for IMAP
// (src/analyzer/protocol/imap/imap-protocol.pac) as plain Go: each
// delivery of a direction is parsed on its own (the grammar's flow is a
// datagram flow) as a sequence of tokens "tag command rest-of-line", or,
// for a server's "* CAPABILITY", a list of capabilities. What the
// grammar rejects is an error with binpac's wording.

// pacFile is where Zeek's grammar lives, for binpac's error locations.
const pacFile = "src/analyzer/protocol/imap/imap-protocol.pac"

// The grammar's regular expressions, with their source lines.
type pattern struct {
	text string
	line int
	// match returns the length of the longest match at the start of b,
	// or -1.
	match func(b []byte) int
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isPunct is C's ispunct.
func isPunct(c byte) bool { return c > ' ' && c < 0x7f && !isAlnum(c) }

// run matches the longest run of bytes in a class, at least min long.
func run(b []byte, in func(c byte) bool, min int) int {
	i := 0
	for i < len(b) && in(b[i]) {
		i++
	}
	if i < min {
		return -1
	}
	return i
}

var (
	patTag = pattern{`[[:alnum:][:punct:]]+`, 8, func(b []byte) int {
		return run(b, func(c byte) bool { return isAlnum(c) || isPunct(c) }, 1)
	}}
	patContent = pattern{`[^\r\n]*`, 9, func(b []byte) int {
		return run(b, func(c byte) bool { return c != '\r' && c != '\n' }, 0)
	}}
	patSpacing = pattern{`[ ]+`, 10, func(b []byte) int {
		return run(b, func(c byte) bool { return c == ' ' }, 1)
	}}
	patOptSpacing = pattern{`[ ]*`, 11, func(b []byte) int {
		return run(b, func(c byte) bool { return c == ' ' }, 0)
	}}
	patNewline = pattern{`[\r\n]+`, 12, func(b []byte) int {
		return run(b, func(c byte) bool { return c == '\r' || c == '\n' }, 1)
	}}
	patOptNewline = pattern{`[\r\n]*`, 13, func(b []byte) int {
		return run(b, func(c byte) bool { return c == '\r' || c == '\n' }, 0)
	}}
)

// parseError is a binpac exception: the pattern that did not match and
// the data from there to the end of the delivery.
type parseError struct {
	p    *pattern
	data []byte
}

// reason is the violation's text, as Zeek's analyzer words a binpac
// exception.
func (e *parseError) reason() string {
	actual := e.data
	if i := bytes.IndexByte(actual, 0); i >= 0 {
		actual = actual[:i]
	}
	return "Binpac exception: binpac exception: string mismatch at " + pacFile + ":" + strconv.Itoa(e.p.line) +
		": \nexpected pattern: \"" + e.p.text + "\"\nactual data: \"" + string(actual) + "\""
}

// cursor walks one delivery.
type cursor struct{ b []byte }

// take matches p at the cursor and returns what it matched.
func (c *cursor) take(p *pattern) ([]byte, *parseError) {
	n := p.match(c.b)
	if n < 0 {
		return nil, &parseError{p: p, data: c.b}
	}
	m := c.b[:n]
	c.b = c.b[n:]
	return m, nil
}

// token is one parsed token; tag and command are borrowed from the
// delivery.
type token struct {
	tag, command []byte
}

// tokenSink receives parsed tokens.
type tokenSink interface{ token(t token, orig bool) }

// parse parses one delivery, handing every complete token to sink in
// order. It returns the error that stopped it, if any; tokens before the
// error have been handed over.
func parse(data []byte, orig bool, sink tokenSink) *parseError {
	c := cursor{b: data}
	for len(c.b) > 0 {
		var t token
		var err *parseError
		if t.tag, err = c.take(&patTag); err != nil {
			return err
		}
		if _, err = c.take(&patSpacing); err != nil {
			return err
		}
		if t.command, err = c.take(&patTag); err != nil {
			return err
		}
		if _, err = c.take(&patOptSpacing); err != nil {
			return err
		}
		if !orig && string(t.tag) == "*" && bytes.EqualFold(t.command, []byte("capability")) {
			// Capabilities until one is followed by a line end, or
			// the delivery ends.
			for len(c.b) > 0 {
				if _, err = c.take(&patTag); err != nil {
					return err
				}
				if _, err = c.take(&patOptSpacing); err != nil {
					return err
				}
				nl, err := c.take(&patOptNewline)
				if err != nil {
					return err
				}
				if len(nl) > 0 {
					break
				}
			}
		} else {
			if _, err = c.take(&patContent); err != nil {
				return err
			}
			if _, err = c.take(&patNewline); err != nil {
				return err
			}
		}
		sink.token(t, orig)
	}
	return nil
}
