package main

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// The kinds of JSON value a log record holds.
const (
	jString = iota + 1
	jNumber
	jTrue
	jFalse
	jNull
	jArray
	jRaw // a nested object, or an array inside an array, kept as text
)

// jvalue is one parsed value. For strings, text is the decoded string in
// the parser's buffer; for numbers and raw values it is the text of the
// line. For arrays, elems and n index the parser's element list.
type jvalue struct {
	kind     uint8
	float    bool // a number with a fraction or exponent
	from, to int  // text: p.buf[from:to] for strings, line[from:to] otherwise
	elems, n int
}

// jmember is one "key": value pair.
type jmember struct {
	keyFrom, keyTo int // in p.buf
	v              jvalue
}

// jsonParser parses one JSON object per line into reused storage. It
// accepts what Zeek's and Heron's JSON writers produce (and JSON in
// general); decoded strings live in buf until the next parse.
type jsonParser struct {
	line    []byte
	i       int
	buf     []byte
	members []jmember
	elems   []jvalue
}

var errJSON = errors.New("not a JSON object")

// maxJSONDepth bounds the nesting the parser follows.
const maxJSONDepth = 64

// parse parses line, which must be one JSON object (white space around it
// allowed). The result is valid until the next call.
func (p *jsonParser) parse(line []byte) error {
	p.line, p.i = line, 0
	p.buf, p.members, p.elems = p.buf[:0], p.members[:0], p.elems[:0]
	p.ws()
	if !p.eat('{') {
		return errJSON
	}
	p.ws()
	if !p.eat('}') {
		for {
			p.ws()
			if p.peek() != '"' {
				return errJSON
			}
			kf := len(p.buf)
			if err := p.str(); err != nil {
				return err
			}
			kt := len(p.buf)
			p.ws()
			if !p.eat(':') {
				return errJSON
			}
			p.ws()
			v, err := p.value(1)
			if err != nil {
				return err
			}
			p.members = append(p.members, jmember{kf, kt, v})
			p.ws()
			if p.eat('}') {
				break
			}
			if !p.eat(',') {
				return errJSON
			}
		}
	}
	p.ws()
	if p.i != len(p.line) {
		return errJSON
	}
	return nil
}

func (p *jsonParser) peek() byte {
	if p.i < len(p.line) {
		return p.line[p.i]
	}
	return 0
}

func (p *jsonParser) eat(c byte) bool {
	if p.i < len(p.line) && p.line[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonParser) ws() {
	for p.i < len(p.line) {
		switch p.line[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// value parses a member's value (depth 1) or an array element (depth 2);
// deeper structure is skipped and kept as raw text.
func (p *jsonParser) value(depth int) (jvalue, error) {
	switch c := p.peek(); {
	case c == '"':
		from := len(p.buf)
		if err := p.str(); err != nil {
			return jvalue{}, err
		}
		return jvalue{kind: jString, from: from, to: len(p.buf)}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		from := p.i
		float, err := p.number()
		return jvalue{kind: jNumber, float: float, from: from, to: p.i}, err
	case c == 't':
		return jvalue{kind: jTrue}, p.word("true")
	case c == 'f':
		return jvalue{kind: jFalse}, p.word("false")
	case c == 'n':
		return jvalue{kind: jNull}, p.word("null")
	case c == '[' && depth == 1:
		p.i++
		// Elements go to a scratch area first: a nested array cannot
		// occur at this depth, so they are contiguous.
		start := len(p.elems)
		p.ws()
		if !p.eat(']') {
			for {
				p.ws()
				v, err := p.value(2)
				if err != nil {
					return jvalue{}, err
				}
				p.elems = append(p.elems, v)
				p.ws()
				if p.eat(']') {
					break
				}
				if !p.eat(',') {
					return jvalue{}, errJSON
				}
			}
		}
		return jvalue{kind: jArray, elems: start, n: len(p.elems) - start}, nil
	case c == '[' || c == '{':
		from := p.i
		if err := p.skip(depth); err != nil {
			return jvalue{}, err
		}
		return jvalue{kind: jRaw, from: from, to: p.i}, nil
	}
	return jvalue{}, errJSON
}

// skip passes over one value, checking its syntax.
func (p *jsonParser) skip(depth int) error {
	if depth > maxJSONDepth {
		return errJSON
	}
	switch p.peek() {
	case '[', '{':
		obj := p.line[p.i] == '{'
		closer := byte(']')
		if obj {
			closer = '}'
		}
		p.i++
		p.ws()
		if p.eat(closer) {
			return nil
		}
		for {
			p.ws()
			if obj {
				if p.peek() != '"' {
					return errJSON
				}
				mark := len(p.buf)
				if err := p.str(); err != nil {
					return err
				}
				p.buf = p.buf[:mark]
				p.ws()
				if !p.eat(':') {
					return errJSON
				}
				p.ws()
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.eat(closer) {
				return nil
			}
			if !p.eat(',') {
				return errJSON
			}
		}
	case '"':
		mark := len(p.buf)
		err := p.str()
		p.buf = p.buf[:mark]
		return err
	}
	_, err := p.value(depth + 2)
	return err
}

func (p *jsonParser) word(w string) error {
	if len(p.line)-p.i >= len(w) && string(p.line[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return nil
	}
	return errJSON
}

// number passes over a JSON number and reports whether it has a fraction
// or an exponent.
func (p *jsonParser) number() (bool, error) {
	float := false
	p.eat('-')
	digits := func() int {
		n := 0
		for p.i < len(p.line) && p.line[p.i] >= '0' && p.line[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return false, errJSON
	}
	if p.eat('.') {
		float = true
		if digits() == 0 {
			return false, errJSON
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		float = true
		p.i++
		if !p.eat('+') {
			p.eat('-')
		}
		if digits() == 0 {
			return false, errJSON
		}
	}
	return float, nil
}

// str decodes a JSON string at p.i into p.buf. Besides JSON's escapes it
// turns Zeek's two escaped forms of bytes that are not UTF-8 back into
// those bytes: the "\xNN" text of the default escape policy, and the
// surrogate pair U+DB80 U+DCNN of JSON::STRING_ESCAPE_POLICY_PUA. (A
// string that really contained a backslash followed by "xNN" cannot be
// told from the escaped byte.)
func (p *jsonParser) str() error {
	p.i++ // the opening quote
	for {
		if p.i >= len(p.line) {
			return errJSON
		}
		j := p.i
		for j < len(p.line) && p.line[j] != '"' && p.line[j] != '\\' {
			j++
		}
		p.buf = append(p.buf, p.line[p.i:j]...)
		p.i = j
		if p.i >= len(p.line) {
			return errJSON
		}
		if p.line[p.i] == '"' {
			p.i++
			return nil
		}
		if p.i+1 >= len(p.line) {
			return errJSON
		}
		e := p.line[p.i+1]
		p.i += 2
		switch e {
		case '"', '/':
			p.buf = append(p.buf, e)
		case '\\':
			// "\\xNN": a byte the writer escaped.
			if p.i+2 < len(p.line) && p.line[p.i] == 'x' && hexVal(p.line[p.i+1]) >= 0 && hexVal(p.line[p.i+2]) >= 0 {
				p.buf = append(p.buf, byte(hexVal(p.line[p.i+1])<<4|hexVal(p.line[p.i+2])))
				p.i += 3
				continue
			}
			p.buf = append(p.buf, '\\')
		case 'b':
			p.buf = append(p.buf, '\b')
		case 'f':
			p.buf = append(p.buf, '\f')
		case 'n':
			p.buf = append(p.buf, '\n')
		case 'r':
			p.buf = append(p.buf, '\r')
		case 't':
			p.buf = append(p.buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return errJSON
			}
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if p.i+1 < len(p.line) && p.line[p.i] == '\\' && p.line[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if v, ok := p.hex4(); ok {
						r2 = v
					} else {
						p.i = save
					}
				}
				if r == 0xdb80 && r2 >= 0xdc00 && r2 <= 0xdcff {
					p.buf = append(p.buf, byte(r2-0xdc00))
					continue
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					p.buf = utf8.AppendRune(p.buf, d)
					continue
				}
				p.buf = utf8.AppendRune(p.buf, utf8.RuneError)
				if r2 >= 0 {
					p.buf = utf8.AppendRune(p.buf, r2)
				}
				continue
			}
			p.buf = utf8.AppendRune(p.buf, r)
		default:
			return errJSON
		}
	}
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.line) {
		return 0, false
	}
	var r rune
	for k := 0; k < 4; k++ {
		d := hexVal(p.line[p.i+k])
		if d < 0 {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.i += 4
	return r, true
}
