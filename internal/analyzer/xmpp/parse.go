package xmpp

import "github.com/heron-nsm/heron/internal/analyzer/binpac"

// This file is Zeek's binpac grammar for XMPP
// (src/analyzer/protocol/xmpp/xmpp-protocol.pac) as plain Go: each
// delivery of a direction is parsed on its own (the grammar's flow is a
// datagram flow) as a sequence of XML tags, "<name rest>" followed by
// text. What the grammar rejects is an error with binpac's wording.

// pacFile is where Zeek's grammar lives, for binpac's error messages.
const pacFile binpac.Source = "src/analyzer/protocol/xmpp/xmpp-protocol.pac"

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func notAngle(c byte) bool { return c != '<' && c != '>' }

var (
	patStart = binpac.Regex{Text: `<`, Line: 1, Match: func(b []byte) int {
		if len(b) > 0 && b[0] == '<' {
			return 1
		}
		return -1
	}}
	patEnd = binpac.Regex{Text: `>`, Line: 2, Match: func(b []byte) int {
		if len(b) > 0 && b[0] == '>' {
			return 1
		}
		return -1
	}}
	patName = binpac.Regex{Text: `\/?[?:[:alnum:]]+`, Line: 3, Match: func(b []byte) int {
		i := 0
		if len(b) > 0 && b[0] == '/' {
			i = 1
		}
		n := binpac.Run(b[i:], func(c byte) bool { return c == '?' || c == ':' || isAlnum(c) }, 1)
		if n < 0 {
			return -1
		}
		return i + n
	}}
	patRest    = binpac.Regex{Text: `[^<>]*`, Line: 4, Match: func(b []byte) int { return binpac.Run(b, notAngle, 0) }}
	patSpacing = binpac.Regex{Text: `[ \r\n]*`, Line: 5, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c == ' ' || c == '\r' || c == '\n' }, 0)
	}}
	patContent = binpac.Regex{Text: `[^<>]*`, Line: 6, Match: func(b []byte) int { return binpac.Run(b, notAngle, 0) }}
)

// tokenSink receives the tags: name (with a leading '/' for a closing
// tag) and the rest up to '>', both borrowed from the delivery.
type tokenSink interface {
	token(name, rest []byte, orig bool)
}

// parse parses one delivery, handing every complete tag to sink in
// order. It returns the error that stopped it, if any; tags before the
// error have been handed over.
func parse(data []byte, orig bool, sink tokenSink) *binpac.MismatchError {
	c := binpac.Cursor{Source: pacFile, B: data}
	take := c.Take
	for len(c.B) > 0 {
		var name, rest []byte
		var err *binpac.MismatchError
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
