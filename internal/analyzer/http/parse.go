package http

import "math"

// Wire-format functions, pure and allocation-light, after Zeek's HTTP.cc.
// Every function takes borrowed input and returns sub-slices of it unless
// it says otherwise.

// skipWS skips spaces and tabs (Zeek's skip_whitespace).
func skipWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// isTokenChar is RFC 2616's token character (Zeek's is_HTTP_token_char).
func isTokenChar(c byte) bool {
	if c <= 31 || c >= 127 {
		return false
	}
	switch c {
	case ' ', '\t', '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
		return false
	}
	return true
}

// tokenLen returns the length of the token at the start of b.
func tokenLen(b []byte) int {
	i := 0
	for i < len(b) && isTokenChar(b[i]) {
		i++
	}
	return i
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// prefixMatch reports whether b starts with prefix (ASCII case ignored
// with fold) and returns what follows.
func prefixMatch(b []byte, prefix string, fold bool) ([]byte, bool) {
	if len(b) < len(prefix) {
		return nil, false
	}
	for i := 0; i < len(prefix); i++ {
		if b[i] != prefix[i] && (!fold || lower(b[i]) != lower(prefix[i])) {
			return nil, false
		}
	}
	return b[len(prefix):], true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isXDigit(c byte) bool { return unhex(c) >= 0 }

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// isURIChar reports whether c may appear in a request URI as Zeek reads
// it: RFC 3986 reserved or unreserved characters, or '%'.
func isURIChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=',
		'-', '_', '.', '~', '%':
		return true
	}
	return false
}

// version is an HTTP version number; the zero value means "not seen".
type version struct{ major, minor uint8 }

var (
	v09 = version{0, 9}
	v11 = version{1, 1}
)

// String formats the version as Zeek's %.1f of major + minor/10 does.
func (v version) String() string {
	f := float64(v.major) + float64(v.minor)*0.1
	// %.1f of the double; the values are one decimal digit apart.
	n := int(math.Round(f * 10))
	return itoa(n/10) + "." + itoa(n%10)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// parseVersion reads "D.D" (Zeek's HTTP_Version); ok is false for
// anything else.
func parseVersion(b []byte) (version, bool) {
	if len(b) >= 3 && isDigit(b[0]) && b[1] == '.' && isDigit(b[2]) {
		return version{b[0] - '0', b[2] - '0'}, true
	}
	return version{}, false
}

// atoiN parses a number prefix as C++'s std::from_chars does (Zeek's
// atoi_n): an optional '-' (signed only), then digits of base; what
// follows the digits is ignored. ok is false without digits or on
// overflow.
func atoiN(b []byte, base int, signed bool) (int64, bool) {
	neg := false
	if signed && len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	var v uint64
	n := 0
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for _, c := range b {
		d := unhex(c)
		if d < 0 || d >= base {
			if base > 16 || d < 0 {
				break
			}
			break
		}
		if v > (limit-uint64(d))/uint64(base) {
			// Overflow: from_chars consumes all digits and fails.
			return 0, false
		}
		v = v*uint64(base) + uint64(d)
		n++
	}
	if n == 0 {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// replyCode reads a three-digit status code, or 0.
func replyCode(b []byte) int {
	if len(b) >= 3 && isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) {
		return int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
	}
	return 0
}

// unescapeURI decodes %XX and %uXXXX escapes as Zeek's unescape_URI does,
// appending to dst, and reports the weirds it would raise through weird.
func unescapeURI(dst, uri []byte, weird func(name string)) []byte {
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		i++
		switch {
		case i == len(uri):
			dst = append(dst, '%')
			weird("illegal_%_at_end_of_URI")
			return dst
		case i+1 == len(uri):
			dst = append(dst, '%', uri[i])
			weird("partial_escape_at_end_of_URI")
			return dst
		case uri[i] == '%':
			// "%%": drop the first, the second starts an escape.
			weird("double_%_in_URI")
			i--
		case isXDigit(uri[i]) && isXDigit(uri[i+1]):
			dst = append(dst, byte(unhex(uri[i])<<4+unhex(uri[i+1])))
			i++
		case len(uri)-i >= 5 && uri[i] == 'u' && isXDigit(uri[i+1]) && isXDigit(uri[i+2]) &&
			isXDigit(uri[i+3]) && isXDigit(uri[i+4]):
			if !(uri[i+1] == '0' && uri[i+2] == '0') {
				dst = append(dst, byte(unhex(uri[i+1])<<4+unhex(uri[i+2])))
			}
			dst = append(dst, byte(unhex(uri[i+3])<<4+unhex(uri[i+4])))
			i += 4
		default:
			weird("unescaped_%_in_URI")
			dst = append(dst, '%', uri[i])
		}
	}
	return dst
}

// Where a request line's version stands.
const (
	verNone  = iota // no "HTTP/": HTTP/0.9
	verFound        // "HTTP/" and at least three more bytes: version holds what parsed (zero if nothing did)
	verShort        // "HTTP/" too close to the end: the version is left as it was
)

// requestLine is a parsed request line.
type requestLine struct {
	method  []byte
	uri     []byte // as sent
	verKind int
	version version
	// weirds holds lowercase_HTTP_keyword and missing_HTTP_uri, in the
	// order Zeek raises them.
	weirds []string
	// ok: the line is a request line as far as the syntax goes (the
	// analyzer still checks HTTP/0.9 requests); otherwise bad names the
	// weird ("bad_HTTP_request" or "bad_HTTP_request_with_version").
	ok  bool
	bad string
}

// parseRequestLine is Zeek's HTTP_RequestLine and ParseRequest (without
// the URI unescaping).
func parseRequestLine(line []byte) requestLine {
	var r requestLine
	n := tokenLen(line)
	if n == 0 {
		if len(line) >= 9 {
			if _, ok := prefixMatch(line[len(line)-9:], " HTTP/", true); ok {
				r.bad = "bad_HTTP_request_with_version"
				return r
			}
		}
		r.bad = "bad_HTTP_request"
		return r
	}
	rest := skipWS(line[n:])
	if len(rest) == len(line)-n {
		r.bad = "bad_HTTP_request"
		return r
	}
	// ParseRequest.
	endURI := 0
	for endURI < len(rest) && isURIChar(rest[endURI]) {
		endURI++
	}
	_, match := prefixMatch(rest, "HTTP/", false)
	if !match {
		if _, match = prefixMatch(rest, "HTTP/", true); match {
			r.weirds = append(r.weirds, "lowercase_HTTP_keyword")
		}
	}
	if endURI >= len(rest) && match {
		r.weirds = append(r.weirds, "missing_HTTP_uri")
		endURI = 0
	}
	vstart := endURI
	for ; vstart < len(rest); vstart++ {
		endURI = vstart
		vstart = len(rest) - len(skipWS(rest[vstart:]))
		if _, ok := prefixMatch(rest[vstart:], "HTTP/", false); ok {
			break
		}
		if _, ok := prefixMatch(rest[vstart:], "HTTP/", true); ok {
			r.weirds = append(r.weirds, "lowercase_HTTP_keyword")
			break
		}
	}
	switch {
	case vstart >= len(rest):
		r.verKind, r.version = verNone, v09
	case vstart+8 <= len(rest):
		r.verKind = verFound
		r.version, _ = parseVersion(rest[vstart+5:])
	default:
		r.verKind = verShort
	}
	r.uri = rest[:endURI]
	r.method = line[:n]
	r.ok = true
	return r
}

// replyLine is a parsed status line.
type replyLine struct {
	ok        bool
	lowercase bool
	version   version
	code      int
	reason    []byte
	hasReason bool
}

// parseReplyLine is Zeek's HTTP_ReplyLine.
func parseReplyLine(line []byte) replyLine {
	var r replyLine
	rest, ok := prefixMatch(line, "HTTP/", false)
	if !ok {
		rest, ok = prefixMatch(line, "HTTP/", true)
		if !ok {
			return r
		}
		r.lowercase = true
	}
	r.version, _ = parseVersion(rest)
	for len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return r
	}
	rest = skipWS(rest)
	if len(rest) < 3 {
		return r
	}
	r.code = replyCode(rest)
	rest = rest[3:]
	for len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
		rest = rest[1:]
	}
	r.ok = true
	if len(rest) == 0 {
		return r
	}
	r.reason = skipWS(rest)
	r.hasReason = true
	return r
}

// contentRange is a parsed Content-Range value of a 206 reply.
type contentRange struct {
	first, last int64
	instance    string // the part after '/': "*" or a length
	weird       string // the weird to raise instead, if any
	addl        bool   // the weird carries the range as addl
}

// parseContentRange reads "bytes F-L/N" (unit already split off: unit and
// the rest of the value, blanks removed by the caller).
func parseContentRange(unit, byteRange []byte) contentRange {
	var r contentRange
	if string(unit) != "bytes" {
		r.weird = "HTTP_content_range_unknown_byte_unit"
		return r
	}
	slash := indexByte(byteRange, '/')
	if slash < 0 {
		r.weird = "HTTP_content_range_cannot_parse"
		return r
	}
	spec, inst := byteRange[:slash], byteRange[slash+1:]
	dash := indexByte(spec, '-')
	if dash < 0 {
		r.weird = "HTTP_content_range_cannot_parse"
		return r
	}
	f, okf := atoiN(spec[:dash], 10, true)
	l, okl := atoiN(spec[dash+1:], 10, true)
	switch {
	case !okf || !okl:
		r.weird, r.addl = "HTTP_content_range_cannot_parse", true
	case f < 0 || l < 0:
		r.weird, r.addl = "HTTP_content_range_invalid", true
	case l < f:
		r.weird, r.addl = "HTTP_non_positive_content_range", true
	case l-f > math.MaxInt64-1:
		r.weird, r.addl = "HTTP_content_range_overflow", true
	}
	r.first, r.last, r.instance = f, l, string(inst)
	return r
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// removeSpaces returns b without ' ' bytes (a fresh slice).
func removeSpaces(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != ' ' {
			out = append(out, c)
		}
	}
	return out
}
