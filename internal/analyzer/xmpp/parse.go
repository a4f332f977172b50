package xmpp

import (
	"bytes"
	"strconv"
)

// This file is Zeek's binpac grammar for XMPP
// (src/analyzer/protocol/xmpp/xmpp-protocol.pac) as plain Go: each
// delivery of a direction is parsed on its own (the grammar's flow is a
// datagram flow) as a sequence of XML tags, "<name rest>" followed by
// text. What the grammar rejects is an error with binpac's wording.

// pacFile is where Zeek's grammar lives, for binpac's error locations.
const pacFile = "src/analyzer/protocol/xmpp/xmpp-protocol.pac"

// pattern is one of the grammar's regular expressions with its source
// line; match returns the length of the longest match at the start of
// b, or -1.
type pattern struct {
	text  string
	line  int
	match func(b []byte) int
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

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

func notAngle(c byte) bool { return c != '<' && c != '>' }

var (
	patStart = pattern{`<`, 1, func(b []byte) int {
		if len(b) > 0 && b[0] == '<' {
			return 1
		}
		return -1
	}}
	patEnd = pattern{`>`, 2, func(b []byte) int {
		if len(b) > 0 && b[0] == '>' {
			return 1
		}
		return -1
	}}
	patName = pattern{`\/?[?:[:alnum:]]+`, 3, func(b []byte) int {
		i := 0
		if len(b) > 0 && b[0] == '/' {
			i = 1
		}
		n := run(b[i:], func(c byte) bool { return c == '?' || c == ':' || isAlnum(c) }, 1)
		if n < 0 {
			return -1
		}
		return i + n
	}}
	patRest    = pattern{`[^<>]*`, 4, func(b []byte) int { return run(b, notAngle, 0) }}
	patSpacing = pattern{`[ \r\n]*`, 5, func(b []byte) int {
		return run(b, func(c byte) bool { return c == ' ' || c == '\r' || c == '\n' }, 0)
	}}
	patContent = pattern{`[^<>]*`, 6, func(b []byte) int { return run(b, notAngle, 0) }}
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

// tokenSink receives the tags: name (with a leading '/' for a closing
// tag) and the rest up to '>', both borrowed from the delivery.
type tokenSink interface {
	token(name, rest []byte, orig bool)
}

// parse parses one delivery, handing every complete tag to sink in
// order. It returns the error that stopped it, if any; tags before the
// error have been handed over.
func parse(data []byte, orig bool, sink tokenSink) *parseError {
	c := cursor{b: data}
	take := c.take
	for len(c.b) > 0 {
		var name, rest []byte
		var err *parseError
		if _, err = take(&patSpacing); err != nil {
			return err
		}
		if _, err = take(&patStart); err != nil {
			return err
		}
		if name, err = take(&patName); err != nil {
			return err
		}
		if rest, err = take(&patRest); err != nil {
			return err
		}
		if _, err = take(&patEnd); err != nil {
			return err
		}
		if _, err = take(&patContent); err != nil {
			return err
		}
		sink.token(name, rest, orig)
	}
	return nil
}
