package regex

import (
	"errors"
	"fmt"
)

// byteSet is a set of byte values.
type byteSet [4]uint64

func (s *byteSet) add(b int)      { s[b>>6] |= 1 << (uint(b) & 63) }
func (s *byteSet) has(b int) bool { return s[b>>6]&(1<<(uint(b)&63)) != 0 }
func (s *byteSet) negate() {
	for i := range s {
		s[i] = ^s[i]
	}
}

func (s *byteSet) addRange(lo, hi int) {
	for c := lo; c <= hi; c++ {
		s.add(c)
	}
}

func singleton(b int) byteSet {
	var s byteSet
	s.add(b)
	return s
}

var anyByte = byteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}

// op is the kind of a syntax tree node.
type op uint8

const (
	opEmpty  op = iota // matches the empty string
	opSet              // one byte of set
	opBOL              // the begin-of-data marker
	opEOL              // the end-of-data marker
	opCat              // subs in sequence
	opAlt              // one of subs
	opStar             // sub zero or more times
	opPlus             // sub one or more times
	opQuest            // sub zero or one time
	opRepeat           // sub min to max times (max < 0: unbounded)
)

// node is a syntax tree node of one pattern.
type node struct {
	op       op
	set      byteSet
	subs     []*node
	min, max int
}

// Limits on what one pattern may ask for, so that hostile patterns cannot
// take unbounded memory or stack.
const (
	maxNesting   = 1000 // parentheses and postfix operators
	maxRepeatArg = 10000
)

// Errors returned for invalid patterns wrap ErrSyntax.
var ErrSyntax = errors.New("regex: syntax error")

// parser turns one pattern into a syntax tree, following Zeek's flex
// scanner (re-scan.l) and bison grammar (re-parse.y) for the pattern
// language. ccl is the bracket-expression cache shared by all patterns of a
// set (Zeek's Specific_RE_Matcher::ccl_dict).
type parser struct {
	src   string
	pos   int
	ci    bool // inside (?i:
	depth int
	ccl   map[string]byteSet
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s (in /%s/)", ErrSyntax, fmt.Sprintf(format, args...), p.src)
}

// parsePattern parses one pattern; ccl may be shared between calls.
func parsePattern(src string, ccl map[string]byteSet) (*node, error) {
	p := &parser{src: src, ccl: ccl}
	n, err := p.parseRe()
	if err != nil {
		return nil, err
	}
	if !p.atEnd() {
		// A ')' without '(' or an operator where none may be.
		return nil, p.errorf("unexpected character at offset %d", p.pos)
	}
	return n, nil
}

// atEnd reports the end of the pattern: the end of the text or a newline
// (the scanner returns end of input on a newline outside quotes and
// brackets).
func (p *parser) atEnd() bool {
	return p.pos >= len(p.src) || p.src[p.pos] == '\n'
}

func (p *parser) peek() byte { return p.src[p.pos] }

// parseRe parses an alternation. Only the first alternative may be empty:
// the grammar is re: re '|' series | series | <empty>.
func (p *parser) parseRe() (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, p.errorf("pattern nested too deeply")
	}
	first, err := p.parseSeries()
	if err != nil {
		return nil, err
	}
	if first == nil {
		first = &node{op: opEmpty}
	}
	if p.atEnd() || p.peek() != '|' {
		return first, nil
	}
	alt := &node{op: opAlt, subs: []*node{first}}
	for !p.atEnd() && p.peek() == '|' {
		p.pos++
		s, err := p.parseSeries()
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, p.errorf("empty alternative at offset %d", p.pos)
		}
		alt.subs = append(alt.subs, s)
	}
	return alt, nil
}

// parseSeries parses a concatenation of singletons; nil if there is none.
func (p *parser) parseSeries() (*node, error) {
	var subs []*node
	for !p.atEnd() {
		switch p.peek() {
		case '|', ')':
			return cat(subs), nil
		case '*', '+', '?', '{', '}':
			return nil, p.errorf("unexpected %q at offset %d", p.peek(), p.pos)
		}
		s, err := p.parseSingleton()
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return cat(subs), nil
}

func cat(subs []*node) *node {
	switch len(subs) {
	case 0:
		return nil
	case 1:
		return subs[0]
	}
	return &node{op: opCat, subs: subs}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c int) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
func lower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
func upper(c int) int {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// parseSingleton parses a primary expression and its postfix operators.
func (p *parser) parseSingleton() (*node, error) {
	n, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	ops := 0
	for !p.atEnd() {
		c := p.peek()
		switch c {
		case '*':
			n = &node{op: opStar, subs: []*node{n}}
		case '+':
			n = &node{op: opPlus, subs: []*node{n}}
		case '?':
			n = &node{op: opQuest, subs: []*node{n}}
		case '{':
			if p.pos+1 < len(p.src) && isDigit(p.src[p.pos+1]) {
				if n, err = p.parseRepeat(n); err != nil {
					return nil, err
				}
				ops++
				if ops > maxNesting {
					return nil, p.errorf("too many repetition operators")
				}
				continue
			}
			return nil, p.braceError()
		default:
			return n, nil
		}
		p.pos++
		ops++
		if ops > maxNesting {
			return nil, p.errorf("too many repetition operators")
		}
	}
	return n, nil
}

// braceError explains a '{' that does not start a repetition: either a
// {name} definition (never defined for signatures) or a stray brace.
func (p *parser) braceError() error {
	i := p.pos + 1
	if i < len(p.src) && (isAlpha(int(p.src[i])) || p.src[i] == '_') {
		for i < len(p.src) && (isAlpha(int(p.src[i])) || isDigit(p.src[i]) || p.src[i] == '_' || p.src[i] == '-') {
			i++
		}
		if i < len(p.src) && p.src[i] == '}' {
			return p.errorf("undefined definition %s", p.src[p.pos:i+1])
		}
	}
	return p.errorf("unexpected '{' at offset %d", p.pos)
}

// parseRepeat parses {n}, {n,} or {n,m} (p.pos at '{', a digit follows).
func (p *parser) parseRepeat(sub *node) (*node, error) {
	p.pos++ // '{'
	var nums [2]int
	nnum, commas := 0, 0
	expectNum := true
	for {
		if p.pos >= len(p.src) {
			return nil, p.errorf("bad character inside {}'s")
		}
		c := p.src[p.pos]
		switch {
		case isDigit(c):
			if !expectNum || nnum == 2 {
				return nil, p.errorf("bad repetition")
			}
			v := 0
			for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
				if v <= maxRepeatArg {
					v = v*10 + int(p.src[p.pos]-'0')
				}
				p.pos++
			}
			if v > maxRepeatArg {
				return nil, p.errorf("repetition count larger than %d", maxRepeatArg)
			}
			nums[nnum] = v
			nnum++
			expectNum = false
		case c == ',':
			if commas > 0 || nnum != 1 {
				return nil, p.errorf("bad repetition")
			}
			commas++
			expectNum = true
			p.pos++
		case c == '}':
			p.pos++
			switch {
			case nnum == 1 && commas == 0: // {n}
				n := nums[0]
				if n == 0 {
					return &node{op: opEmpty}, nil
				}
				return &node{op: opRepeat, subs: []*node{sub}, min: n, max: n}, nil
			case nnum == 1 && commas == 1: // {n,}
				if nums[0] == 0 {
					return &node{op: opStar, subs: []*node{sub}}, nil
				}
				return &node{op: opRepeat, subs: []*node{sub}, min: nums[0], max: -1}, nil
			case nnum == 2: // {n,m}
				lo, hi := nums[0], nums[1]
				if lo > hi {
					return nil, p.errorf("bad iteration values")
				}
				if hi == 0 {
					return &node{op: opEmpty}, nil
				}
				return &node{op: opRepeat, subs: []*node{sub}, min: lo, max: hi}, nil
			}
			return nil, p.errorf("bad repetition")
		default:
			return nil, p.errorf("bad character inside {}'s")
		}
	}
}

// parsePrimary parses one primary expression (p.pos is not at the end).
func (p *parser) parsePrimary() (*node, error) {
	c := p.peek()
	switch c {
	case '.':
		p.pos++
		return &node{op: opSet, set: anyByte}, nil
	case '^':
		p.pos++
		return &node{op: opBOL}, nil
	case '$':
		p.pos++
		return &node{op: opEOL}, nil
	case '"':
		return p.parseQuote()
	case '[':
		return p.parseBracket()
	case '(':
		return p.parseGroup()
	case '\\':
		v, ok, err := p.escape()
		if err != nil {
			return nil, err
		}
		if !ok {
			p.pos++
			v = '\\'
		}
		return &node{op: opSet, set: singleton(v)}, nil
	}
	if c == 0 || c >= 0x80 {
		return nil, p.errorf("bad symbol %d (non-ASCII bytes must be written as \\x escapes)", c)
	}
	if p.ci && isAlpha(int(c)) {
		// Zeek rewrites the letter as the bracket expression [c], which
		// goes through the class cache.
		p.pos++
		key := "[" + string(c)
		if s, ok := p.ccl[key]; ok {
			return &node{op: opSet, set: s}, nil
		}
		var s byteSet
		s.add(lower(int(c)))
		s.add(upper(int(c)))
		p.ccl[key] = s
		return &node{op: opSet, set: s}, nil
	}
	p.pos++
	return &node{op: opSet, set: singleton(int(c))}, nil
}

// escape scans an escape sequence at p.pos (a backslash). ok is false when
// the backslash does not start one (it is followed by a newline or the end),
// in which case nothing is consumed and the backslash is a literal. The
// value is checked to be a byte.
func (p *parser) escape() (v int, ok bool, err error) {
	i := p.pos + 1
	if i >= len(p.src) || p.src[i] == '\n' {
		return 0, false, nil
	}
	c := p.src[i]
	switch {
	case c >= '0' && c <= '7':
		// The scanner takes the whole run of octal digits; only the
		// first three make the value.
		j := i
		for j < len(p.src) && p.src[j] >= '0' && p.src[j] <= '7' {
			if j-i < 3 {
				v = v<<3 | int(p.src[j]-'0')
			}
			j++
		}
		p.pos = j
	case (c == 'x' || c == 'X') && i+2 < len(p.src) && isHex(p.src[i+1]) && isHex(p.src[i+2]):
		p.pos = i + 3
		if c == 'X' {
			// The scanner is caseless, so \X41 is one escape token, but
			// the escape expander only knows \x: the value is 'X'.
			return 'X', true, nil
		}
		return hexVal(p.src[i+1])<<4 | hexVal(p.src[i+2]), true, nil
	case c == 'x':
		return 0, false, p.errorf("bad hexadecimal escape")
	default:
		p.pos = i + 1
		switch c {
		case 'b':
			v = '\b'
		case 'f':
			v = '\f'
		case 'n':
			v = '\n'
		case 'r':
			v = '\r'
		case 't':
			v = '\t'
		case 'a':
			v = '\a'
		case 'v':
			v = '\v'
		default:
			v = int(c)
		}
	}
	if c >= 0x80 || v > 0xff {
		return 0, false, p.errorf("bad symbol %d", v)
	}
	return v, true, nil
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// parseQuote parses "..." (p.pos at the opening quote).
func (p *parser) parseQuote() (*node, error) {
	p.pos++
	var subs []*node
	for {
		if p.pos >= len(p.src) {
			return nil, p.errorf("missing quote")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			if n := cat(subs); n != nil {
				return n, nil
			}
			return &node{op: opEmpty}, nil
		case c == '\n':
			return nil, p.errorf("bad character (newline in quoted string)")
		case c == '\\':
			v, ok, err := p.escape()
			if err != nil {
				return nil, err
			}
			if !ok {
				p.pos++
				v = '\\'
			}
			subs = append(subs, &node{op: opSet, set: singleton(v)})
		case c == 0 || c >= 0x80:
			return nil, p.errorf("bad symbol %d (non-ASCII bytes must be written as \\x escapes)", c)
		default:
			p.pos++
			subs = append(subs, &node{op: opSet, set: singleton(int(c))})
		}
	}
}

// parseGroup parses ( re ), (?i: re ) or (?s: re ).
func (p *parser) parseGroup() (*node, error) {
	flag := byte(0)
	if p.pos+3 < len(p.src) && p.src[p.pos+1] == '?' && p.src[p.pos+3] == ':' {
		switch p.src[p.pos+2] {
		case 'i', 'I':
			flag = 'i'
		case 's', 'S':
			flag = 's'
		}
	}
	if flag != 0 {
		p.pos += 4
		if flag == 'i' {
			p.ci = true
		}
	} else {
		p.pos++
	}
	n, err := p.parseRe()
	if err != nil {
		return nil, err
	}
	if p.atEnd() || p.peek() != ')' {
		return nil, p.errorf("missing ')'")
	}
	p.pos++
	if flag == 'i' {
		p.ci = false // Zeek switches the flag off; it does not restore it
	}
	return n, nil
}

// Named classes (ASCII, C locale).
var namedClasses = map[string]func(c int) bool{
	"alnum":  func(c int) bool { return isAlpha(c) || c >= '0' && c <= '9' },
	"alpha":  isAlpha,
	"blank":  func(c int) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c int) bool { return c < 32 || c == 127 },
	"digit":  func(c int) bool { return c >= '0' && c <= '9' },
	"graph":  func(c int) bool { return c > 32 && c < 127 },
	"lower":  func(c int) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c int) bool { return c >= 32 && c < 127 },
	"punct":  func(c int) bool { return c > 32 && c < 127 && !isAlpha(c) && !(c >= '0' && c <= '9') },
	"space":  func(c int) bool { return c == ' ' || c >= '\t' && c <= '\r' },
	"upper":  func(c int) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c int) bool { return c < 128 && isHex(byte(c)) },
}

// classExpr recognises "[:name:]" at i (any case, as the scanner is
// caseless); it returns the end of the expression and the lower-cased name,
// or end < 0 when there is none.
func (p *parser) classExpr(i int) (end int, name string) {
	if i+1 >= len(p.src) || p.src[i] != '[' || p.src[i+1] != ':' {
		return -1, ""
	}
	j := i + 2
	for j < len(p.src) && isAlpha(int(p.src[j])) {
		j++
	}
	if j == i+2 || j+1 >= len(p.src) || p.src[j] != ':' || p.src[j+1] != ']' {
		return -1, ""
	}
	b := []byte(p.src[i+2 : j])
	for k := range b {
		b[k] = byte(lower(int(b[k])))
	}
	return j + 2, string(b)
}

// escapeLen returns the length of the escape token at i (a backslash), or 0
// when there is none.
func (p *parser) escapeLen(i int) int {
	if i+1 >= len(p.src) || p.src[i+1] == '\n' {
		return 0
	}
	c := p.src[i+1]
	switch {
	case c >= '0' && c <= '7':
		j := i + 1
		for j < len(p.src) && p.src[j] >= '0' && p.src[j] <= '7' {
			j++
		}
		return j - i
	case (c == 'x' || c == 'X') && i+3 < len(p.src) && isHex(p.src[i+2]) && isHex(p.src[i+3]):
		return 4
	}
	return 2
}

// bracketKey returns the text the scanner's bracket rule matches at p.pos:
// "[" followed by class characters up to (not including) the closing "]".
// It returns "" when the rule does not match (then "[" is a literal).
func (p *parser) bracketKey() string {
	i := p.pos + 1
	first := true
	for i < len(p.src) {
		c := p.src[i]
		if end, _ := p.classExpr(i); end > 0 {
			i = end
		} else if c == '\\' {
			n := p.escapeLen(i)
			if n == 0 {
				break
			}
			i += n
		} else if c == '\n' || c == ']' && !first {
			break
		} else {
			i++
		}
		first = false
	}
	if i == p.pos+1 {
		return ""
	}
	return p.src[p.pos:i]
}

// parseBracket parses a bracket expression (p.pos at '[').
func (p *parser) parseBracket() (*node, error) {
	key := p.bracketKey()
	if key == "" {
		// No class characters follow: the scanner takes '[' literally.
		p.pos++
		return &node{op: opSet, set: singleton('[')}, nil
	}
	if s, ok := p.ccl[key]; ok {
		p.pos += len(key)
		if p.atEnd() || p.peek() != ']' {
			return nil, p.errorf("bad character class")
		}
		p.pos++
		return &node{op: opSet, set: s}, nil
	}
	p.pos++ // '['
	var s byteSet
	negated := false
	if p.pos < len(p.src) && p.src[p.pos] == '^' {
		negated = true
		p.pos++
	}
	first := true // a ']' or '-' here is literal
	prevChar := -1
	for {
		if p.pos >= len(p.src) {
			return nil, p.errorf("unterminated character class")
		}
		c := p.src[p.pos]
		if c == '\n' {
			return nil, p.errorf("bad character (newline in character class)")
		}
		if c == ']' && !first {
			p.pos++
			break
		}
		if end, name := p.classExpr(p.pos); end > 0 {
			fn, ok := namedClasses[name]
			if !ok {
				return nil, p.errorf("bad character class expression [:%s:]", name)
			}
			if p.ci && (name == "lower" || name == "upper") {
				fn = isAlpha
			}
			for b := 0; b < 128; b++ {
				if fn(b) {
					s.add(b)
				}
			}
			p.pos = end
			prevChar = -1
			first = false
			continue
		}
		if c == '-' && !first && p.pos+1 < len(p.src) && p.src[p.pos+1] != ']' && p.src[p.pos+1] != '\n' {
			// A range operator.
			if prevChar < 0 {
				return nil, p.errorf("bad character class")
			}
			p.pos++
			hi, err := p.classChar()
			if err != nil {
				return nil, err
			}
			if hi < 0 {
				return nil, p.errorf("bad character class")
			}
			lo := prevChar
			switch {
			case lo > hi:
				return nil, p.errorf("negative range in character class")
			case p.ci && (isAlpha(lo) || isAlpha(hi)):
				if !isAlpha(lo) || !isAlpha(hi) || (lo >= 'a') != (hi >= 'a') {
					return nil, p.errorf("ambiguous case-insensitive character class")
				}
				for x := lower(lo); x <= lower(hi); x++ {
					s.add(x)
					s.add(upper(x))
				}
			default:
				s.addRange(lo, hi)
			}
			prevChar = -1
			first = false
			continue
		}
		v, err := p.classChar()
		if err != nil {
			return nil, err
		}
		if p.ci && isAlpha(v) {
			s.add(lower(v))
			s.add(upper(v))
		} else {
			s.add(v)
		}
		prevChar = v
		first = false
	}
	if negated {
		s.negate()
	}
	p.ccl[key] = s
	return &node{op: opSet, set: s}, nil
}

// classChar scans one character of a bracket expression: an escape or a
// plain byte. It returns -1 (consuming nothing) at a class expression.
func (p *parser) classChar() (int, error) {
	if end, _ := p.classExpr(p.pos); end > 0 {
		return -1, nil
	}
	c := p.src[p.pos]
	if c == '\n' {
		return 0, p.errorf("bad character (newline in character class)")
	}
	if c == '\\' {
		v, ok, err := p.escape()
		if err != nil {
			return 0, err
		}
		if ok {
			return v, nil
		}
	}
	if c == 0 || c >= 0x80 {
		return 0, p.errorf("bad symbol %d (non-ASCII bytes must be written as \\x escapes)", c)
	}
	p.pos++
	return int(c), nil
}
