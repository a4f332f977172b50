package imap

import (
	"bytes"

	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// This file is Zeek's binpac grammar for IMAP
// (src/analyzer/protocol/imap/imap-protocol.pac) as plain Go: each
// delivery of a direction is parsed on its own (the grammar's flow is a
// datagram flow) as a sequence of tokens "tag command rest-of-line", or,
// for a server's "* CAPABILITY", a list of capabilities. What the
// grammar rejects is an error with binpac's wording.

// pacFile is where Zeek's grammar lives, for binpac's error messages.
const pacFile binpac.Source = "src/analyzer/protocol/imap/imap-protocol.pac"

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isPunct is C's ispunct.
func isPunct(c byte) bool { return c > ' ' && c < 0x7f && !isAlnum(c) }

var (
	patTag = binpac.Regex{Text: `[[:alnum:][:punct:]]+`, Line: 8, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return isAlnum(c) || isPunct(c) }, 1)
	}}
	patContent = binpac.Regex{Text: `[^\r\n]*`, Line: 9, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c != '\r' && c != '\n' }, 0)
	}}
	patSpacing = binpac.Regex{Text: `[ ]+`, Line: 10, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c == ' ' }, 1)
	}}
	patOptSpacing = binpac.Regex{Text: `[ ]*`, Line: 11, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c == ' ' }, 0)
	}}
	patNewline = binpac.Regex{Text: `[\r\n]+`, Line: 12, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c == '\r' || c == '\n' }, 1)
	}}
	patOptNewline = binpac.Regex{Text: `[\r\n]*`, Line: 13, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c == '\r' || c == '\n' }, 0)
	}}
)

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
func parse(data []byte, orig bool, sink tokenSink) *binpac.MismatchError {
	c := binpac.Cursor{Source: pacFile, B: data}
	for len(c.B) > 0 {
		var t token
		var err *binpac.MismatchError
		if t.tag, err = c.Take(&patTag); err != nil {
			return err
		}
		if _, err = c.Take(&patSpacing); err != nil {
			return err
		}
		if t.command, err = c.Take(&patTag); err != nil {
			return err
		}
		if _, err = c.Take(&patOptSpacing); err != nil {
			return err
		}
		if !orig && string(t.tag) == "*" && bytes.EqualFold(t.command, []byte("capability")) {
			// Capabilities until one is followed by a line end, or
			// the delivery ends.
			for len(c.B) > 0 {
				if _, err = c.Take(&patTag); err != nil {
					return err
				}
				if _, err = c.Take(&patOptSpacing); err != nil {
					return err
				}
				nl, err := c.Take(&patOptNewline)
				if err != nil {
					return err
				}
				if len(nl) > 0 {
					break
				}
			}
		} else {
			if _, err = c.Take(&patContent); err != nil {
				return err
			}
			if _, err = c.Take(&patNewline); err != nil {
				return err
			}
		}
		sink.token(t, orig)
	}
	return nil
}
