package signatures

import (
	"fmt"
	"net/netip"
	"strconv"
)

// tokKind is the kind of a token of the signature language.
type tokKind uint8

const (
	tEOF         tokKind = iota
	tChar                // one of ! ] [ { } & : , -
	tComp                // == = != < <= > >=
	tProt                // ip ip6 icmp icmp6 tcp udp
	tBool                // true false
	tStateSym            // established originator responder stateless
	tIPOptSym            // lsrr lsrre rr ssrr
	tKeyword             // the attribute keywords and "signature"
	tPatternType         // payload, http-request, ...
	tIP                  // a dotted quad, optionally /len
	tIP6                 // a bracketed IPv6 address, optionally /len
	tInt                 // decimal or 0x hexadecimal
	tString              // "..."
	tIdent               // an identifier (may contain - and ::)
	tPattern             // /.../ or /.../i
	tPolicySym           // the function name after eval
)

// keyword identifies a tKeyword token.
type keyword uint8

const (
	kwNone keyword = iota
	kwActive
	kwDisable
	kwDstIP
	kwDstPort
	kwEnable
	kwEval
	kwEvent
	kwFileMIME
	kwHeader
	kwIPOptions
	kwIPProto
	kwPayloadSize
	kwRequiresSig
	kwRequiresRevSig
	kwSameIP
	kwSignature
	kwSrcIP
	kwSrcPort
	kwTCPState
	kwUDPState
)

// token is one token with its value.
type token struct {
	kind   tokKind
	text   string // as written (for messages); the content for strings and patterns
	line   int
	char   byte
	kw     keyword
	comp   Comp
	prot   HeaderProto
	kind2  PatternKind // tPatternType
	state  StateSet
	opt    IPOptions
	b      bool
	val    uint32 // tInt, tIP
	mask   uint32 // tIP
	prefix netip.Prefix
}

var keywords = map[string]token{
	"ip":    {kind: tProt, prot: HdrIP},
	"ip6":   {kind: tProt, prot: HdrIP6},
	"icmp":  {kind: tProt, prot: HdrICMP},
	"icmp6": {kind: tProt, prot: HdrICMP6},
	"tcp":   {kind: tProt, prot: HdrTCP},
	"udp":   {kind: tProt, prot: HdrUDP},

	"true":  {kind: tBool, b: true},
	"false": {kind: tBool, b: false},

	"established": {kind: tStateSym, state: StateEstablished},
	"originator":  {kind: tStateSym, state: StateOriginator},
	"responder":   {kind: tStateSym, state: StateResponder},
	"stateless":   {kind: tStateSym, state: StateStateless},

	"lsrr":  {kind: tIPOptSym, opt: OptLSRR},
	"lsrre": {kind: tIPOptSym, opt: OptLSRRE},
	"rr":    {kind: tIPOptSym, opt: OptRR},
	"ssrr":  {kind: tIPOptSym, opt: OptSSRR},

	"disable":                    {kind: tKeyword, kw: kwDisable},
	"dst-ip":                     {kind: tKeyword, kw: kwDstIP},
	"dst-port":                   {kind: tKeyword, kw: kwDstPort},
	"enable":                     {kind: tKeyword, kw: kwEnable},
	"eval":                       {kind: tKeyword, kw: kwEval},
	"event":                      {kind: tKeyword, kw: kwEvent},
	"file-mime":                  {kind: tKeyword, kw: kwFileMIME},
	"header":                     {kind: tKeyword, kw: kwHeader},
	"ip-options":                 {kind: tKeyword, kw: kwIPOptions},
	"ip-proto":                   {kind: tKeyword, kw: kwIPProto},
	"payload-size":               {kind: tKeyword, kw: kwPayloadSize},
	"requires-signature":         {kind: tKeyword, kw: kwRequiresSig},
	"requires-reverse-signature": {kind: tKeyword, kw: kwRequiresRevSig},
	"signature":                  {kind: tKeyword, kw: kwSignature},
	"same-ip":                    {kind: tKeyword, kw: kwSameIP},
	"src-ip":                     {kind: tKeyword, kw: kwSrcIP},
	"src-port":                   {kind: tKeyword, kw: kwSrcPort},
	"tcp-state":                  {kind: tKeyword, kw: kwTCPState},
	"udp-state":                  {kind: tKeyword, kw: kwUDPState},
	"active":                     {kind: tKeyword, kw: kwActive},

	"file-magic":          {kind: tPatternType, kind2: FileMagic},
	"payload":             {kind: tPatternType, kind2: Payload},
	"http-request":        {kind: tPatternType, kind2: HTTPRequest},
	"http-request-body":   {kind: tPatternType, kind2: HTTPRequestBody},
	"http-reply-body":     {kind: tPatternType, kind2: HTTPReplyBody},
	"http-body":           {kind: tPatternType, kind2: HTTPReplyBody},
	"http-request-header": {kind: tPatternType, kind2: HTTPRequestHeader},
	"http-reply-header":   {kind: tPatternType, kind2: HTTPReplyHeader},
	"http":                {kind: tPatternType, kind2: HTTPRequest},
	"ftp":                 {kind: tPatternType, kind2: FTP},
	"finger":              {kind: tPatternType, kind2: Finger},
}

// lexer splits a signature file into tokens, following Zeek's
// rule-scan.l: flex's longest-match rule, keywords winning ties with
// identifiers.
type lexer struct {
	src  string
	pos  int
	line int
	file string
}

func (l *lexer) errorf(format string, args ...any) error {
	return &Error{File: l.file, Line: l.line, Msg: fmt.Sprintf(format, args...)}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isIDStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// next returns the next token. policy selects the scanner state after
// "eval", where only a function name (without '-') is a token.
func (l *lexer) next(policy bool) (token, error) {
	for {
		if l.pos >= len(l.src) {
			return token{kind: tEOF, line: l.line, text: "end of file"}, nil
		}
		c := l.src[l.pos]
		switch {
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
			continue
		case c == ' ' || c == '\t':
			l.pos++
			continue
		case c == '\n':
			l.pos++
			l.line++
			continue
		case c == '\r' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\n':
			l.pos += 2
			l.line++
			continue
		case c == '.':
			if n := l.metaLen(); n > 0 {
				for _, ch := range []byte(l.src[l.pos : l.pos+n]) {
					if ch == '\n' {
						l.line++
					}
				}
				l.pos += n
				continue
			}
		}
		if policy {
			if isIDStart(c) {
				start := l.pos
				l.pos = l.identEnd(l.pos, false)
				return token{kind: tPolicySym, text: l.src[start:l.pos], line: l.line}, nil
			}
			return token{}, l.errorf("unrecognized character in input (%s)", quoteChar(c))
		}
		return l.scan()
	}
}

func quoteChar(c byte) string { return strconv.QuoteRuneToASCII(rune(c)) }

// metaLen returns the length of a metadata line at l.pos (".key value"),
// which the scanner discards, or 0.
func (l *lexer) metaLen() int {
	i := l.pos + 1
	for i < len(l.src) && l.src[i] != ' ' && l.src[i] != '\t' {
		i++
	}
	if i == l.pos+1 {
		return 0
	}
	j := i
	for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
		j++
	}
	if j == i {
		return 0
	}
	k := j
	for k < len(l.src) && l.src[k] != '\r' && l.src[k] != '\n' {
		k++
	}
	if k == j {
		return 0
	}
	return k - l.pos
}

// identEnd returns the end of the identifier starting at i. With dash set,
// components may contain '-' (signature identifiers); the function name
// after eval may not.
func (l *lexer) identEnd(i int, dash bool) int {
	comp := func(i int) int {
		i++
		for i < len(l.src) {
			c := l.src[i]
			if isIDStart(c) || isDigit(c) || dash && c == '-' {
				i++
				continue
			}
			break
		}
		return i
	}
	i = comp(i)
	for i+2 < len(l.src) && l.src[i] == ':' && l.src[i+1] == ':' && isIDStart(l.src[i+2]) {
		i = comp(i + 2)
	}
	return i
}

func (l *lexer) tok(kind tokKind, start int) token {
	return token{kind: kind, text: l.src[start:l.pos], line: l.line}
}

// scan scans one token in the initial state (l.pos is at its first byte).
func (l *lexer) scan() (token, error) {
	start := l.pos
	c := l.src[l.pos]
	switch {
	case c == '[':
		if t, ok, err := l.scanIP6(); ok || err != nil {
			return t, err
		}
		l.pos++
		return token{kind: tChar, char: c, text: "[", line: l.line}, nil
	case isDigit(c):
		if t, ok, err := l.scanIP4(); ok || err != nil {
			return t, err
		}
		if c == '0' && l.pos+2 < len(l.src) && (l.src[l.pos+1] == 'x') && isHex(l.src[l.pos+2]) {
			i := l.pos + 2
			for i < len(l.src) && isHex(l.src[i]) {
				i++
			}
			v, err := strconv.ParseUint(l.src[l.pos+2:i], 16, 64)
			l.pos = i
			if err != nil || v > 0xffffffff {
				return token{}, l.errorf("number %s out of range", l.src[start:i])
			}
			t := l.tok(tInt, start)
			t.val = uint32(v)
			return t, nil
		}
		i := l.pos
		for i < len(l.src) && isDigit(l.src[i]) {
			i++
		}
		v, err := strconv.ParseUint(l.src[l.pos:i], 10, 64)
		l.pos = i
		if err != nil || v > 0xffffffff {
			return token{}, l.errorf("number %s out of range", l.src[start:i])
		}
		t := l.tok(tInt, start)
		t.val = uint32(v)
		return t, nil
	case c == '!':
		if l.pos+1 < len(l.src) && l.src[l.pos+1] == '=' {
			l.pos += 2
			t := l.tok(tComp, start)
			t.comp = NE
			return t, nil
		}
		l.pos++
		return token{kind: tChar, char: c, text: "!", line: l.line}, nil
	case c == '<' || c == '>' || c == '=':
		l.pos++
		eq := l.pos < len(l.src) && l.src[l.pos] == '='
		if eq {
			l.pos++
		}
		t := l.tok(tComp, start)
		switch {
		case c == '<' && eq:
			t.comp = LE
		case c == '<':
			t.comp = LT
		case c == '>' && eq:
			t.comp = GE
		case c == '>':
			t.comp = GT
		default:
			t.comp = EQ
		}
		return t, nil
	case c == ']' || c == '{' || c == '}' || c == '&' || c == ':' || c == ',' || c == '-':
		l.pos++
		return token{kind: tChar, char: c, text: string(c), line: l.line}, nil
	case isIDStart(c):
		l.pos = l.identEnd(l.pos, true)
		text := l.src[start:l.pos]
		if kw, ok := keywords[text]; ok {
			kw.text = text
			kw.line = l.line
			return kw, nil
		}
		return token{kind: tIdent, text: text, line: l.line}, nil
	case c == '"':
		end := l.stringEnd()
		if end < 0 {
			return token{}, l.errorf("unrecognized character in input (%s): unterminated string", quoteChar(c))
		}
		l.pos = end
		return token{kind: tString, text: l.src[start+1 : end-1], line: l.line}, nil
	case c == '/':
		closing, end := l.patternEnd()
		if end < 0 {
			return token{}, l.errorf("unrecognized character in input ('/'): unterminated pattern")
		}
		line := l.line
		for _, ch := range []byte(l.src[start:end]) {
			if ch == '\n' {
				l.line++
			}
		}
		l.pos = end
		body := l.src[start+1 : closing]
		if end > closing+1 {
			body = "(?i:" + body + ")"
		}
		return token{kind: tPattern, text: body, line: line}, nil
	}
	return token{}, l.errorf("unrecognized character in input (%s)", quoteChar(c))
}

// stringEnd returns the end of the longest "..." at l.pos, following the
// scanner's \"([^\r\n\"]|\\\")*\": a backslash-quote pair does not end the
// string, and strings do not span lines. It returns -1 when there is none.
func (l *lexer) stringEnd() int {
	best := -1
	// reach[k] for positions p = l.pos+1+k; steps are 1 or 2 bytes long.
	var r0, r1 bool = true, false // reachable at p, p+1
	for p := l.pos + 1; p < len(l.src); p++ {
		if !r0 && !r1 {
			break
		}
		r2 := false
		if r0 {
			c := l.src[p]
			if c == '"' {
				best = p + 1
			}
			if c != '\r' && c != '\n' && c != '"' {
				r1 = true
			}
			if c == '\\' && p+1 < len(l.src) && l.src[p+1] == '"' {
				r2 = true
			}
		}
		r0, r1 = r1, r2
	}
	return best
}

// patternEnd returns the closing slash and the end of the longest /.../ or
// /.../i at l.pos, following the scanner's \/(\\\/)?([^/]|[^\\]\\\/)*\/i?,
// or end -1 when there is none.
func (l *lexer) patternEnd() (closing, end int) {
	s := l.src
	start := l.pos + 1
	end = -1
	// reach holds reachability of positions p, p+1, p+2 (steps of 1 or 3).
	var reach [4]bool
	reach[0] = true
	if start+1 < len(s) && s[start] == '\\' && s[start+1] == '/' {
		reach[2] = true
	}
	for p := start; p < len(s); p++ {
		if !reach[0] && !reach[1] && !reach[2] {
			break
		}
		if reach[0] {
			c := s[p]
			if c == '/' {
				closing, end = p, p+1
				if p+1 < len(s) && s[p+1] == 'i' {
					end = p + 2
				}
			} else {
				reach[1] = true
			}
			if c != '\\' && p+2 < len(s) && s[p+1] == '\\' && s[p+2] == '/' {
				reach[3] = true
			}
		}
		reach[0], reach[1], reach[2], reach[3] = reach[1], reach[2], reach[3], false
	}
	return closing, end
}

// scanIP4 scans a dotted quad with an optional /len (TOK_IP).
func (l *lexer) scanIP4() (token, bool, error) {
	start := l.pos
	i := l.pos
	var bounds [4][2]int
	for k := 0; k < 4; k++ {
		if k > 0 {
			if i >= len(l.src) || l.src[i] != '.' {
				return token{}, false, nil
			}
			i++
		}
		j := i
		for j < len(l.src) && isDigit(l.src[j]) {
			j++
		}
		if j == i {
			return token{}, false, nil
		}
		bounds[k] = [2]int{i, j}
		i = j
	}
	var parts [4]uint64
	for k, b := range bounds {
		v, err := strconv.ParseUint(l.src[b[0]:b[1]], 10, 64)
		if err != nil || v > 255 {
			l.pos = i
			return token{}, true, l.errorf("bad IPv4 address %s", l.src[start:i])
		}
		parts[k] = v
	}
	addr := uint32(parts[0]<<24 | parts[1]<<16 | parts[2]<<8 | parts[3])
	mask := uint32(0xffffffff)
	// Optional {OWS}/{OWS}{D}.
	j := i
	for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
		j++
	}
	if j < len(l.src) && l.src[j] == '/' {
		k := j + 1
		for k < len(l.src) && (l.src[k] == ' ' || l.src[k] == '\t') {
			k++
		}
		d := k
		for d < len(l.src) && isDigit(l.src[d]) {
			d++
		}
		if d > k {
			n, err := strconv.Atoi(l.src[k:d])
			if err != nil || n > 32 {
				l.pos = d
				return token{}, true, l.errorf("bad prefix length in %s", l.src[start:d])
			}
			if n == 0 {
				mask = 0
			} else {
				mask = ^uint32(0) << (32 - n)
			}
			i = d
		}
	}
	l.pos = i
	t := l.tok(tIP, start)
	t.val = addr & mask
	t.mask = mask
	return t, true, nil
}

// scanIP6 scans a bracketed IPv6 address with an optional /len (TOK_IP6).
// The forms follow the scanner: eight groups, or a "::" form (optionally
// with a 0x prefix or a trailing dotted quad).
func (l *lexer) scanIP6() (token, bool, error) {
	start := l.pos
	i := l.pos + 1
	for i < len(l.src) && (isHex(l.src[i]) || l.src[i] == ':' || l.src[i] == '.' || l.src[i] == 'x') {
		i++
	}
	if i >= len(l.src) || l.src[i] != ']' {
		return token{}, false, nil
	}
	inner := l.src[l.pos+1 : i]
	if !ip6Form(inner) {
		return token{}, false, nil
	}
	text := inner
	if len(text) > 2 && text[0] == '0' && text[1] == 'x' {
		text = text[2:]
	}
	addr, err := netip.ParseAddr(text)
	if err != nil || !addr.Is6() {
		l.pos = i + 1
		return token{}, true, l.errorf("bad IPv6 address [%s]", inner)
	}
	bits := 128
	end := i + 1
	j := end
	for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
		j++
	}
	if j < len(l.src) && l.src[j] == '/' {
		k := j + 1
		for k < len(l.src) && (l.src[k] == ' ' || l.src[k] == '\t') {
			k++
		}
		d := k
		for d < len(l.src) && isDigit(l.src[d]) {
			d++
		}
		if d > k {
			n, err := strconv.Atoi(l.src[k:d])
			if err != nil || n > 128 {
				l.pos = d
				return token{}, true, l.errorf("bad prefix length in %s", l.src[start:d])
			}
			bits = n
			end = d
		}
	}
	l.pos = end
	t := l.tok(tIP6, start)
	t.prefix = netip.PrefixFrom(addr, bits).Masked()
	return t, true, nil
}

// ip6Form reports whether s (between the brackets) has one of the shapes
// the scanner's IP6 rule accepts.
func ip6Form(s string) bool {
	hexColon := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if !isHex(s[i]) && s[i] != ':' {
				return false
			}
		}
		return true
	}
	// ({HEX}:){7}{HEX}
	groups, cur, ok := 0, 0, true
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ':' {
			if cur == 0 {
				ok = false
			}
			groups++
			cur = 0
			continue
		}
		if !isHex(s[i]) {
			ok = false
		}
		cur++
	}
	if ok && groups == 8 {
		return true
	}
	body := s
	if len(body) > 2 && body[0] == '0' && body[1] == 'x' && isHex(body[2]) {
		body = body[2:]
	}
	dc := -1
	for i := 0; i+1 < len(body); i++ {
		if body[i] == ':' && body[i+1] == ':' {
			dc = i
			break
		}
	}
	if dc < 0 {
		return false
	}
	if hexColon(body) {
		return true
	}
	// ... "::" ... ({D}"."){3}{D}
	dot := -1
	for i := len(body) - 1; i >= 0; i-- {
		if body[i] == ':' {
			dot = i + 1
			break
		}
	}
	if dot <= dc+1 || !hexColon(body[:dot]) {
		return false
	}
	q := body[dot:]
	parts, digits := 1, 0
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '.':
			if digits == 0 {
				return false
			}
			parts++
			digits = 0
		case isDigit(q[i]):
			digits++
		default:
			return false
		}
	}
	return parts == 4 && digits > 0
}
