package mime

// Tokenizing helpers for header fields, after RFC 822/2045 as Zeek reads
// them (MIME.cc's MIME_get_token, MIME_skip_lws_comments, ...). Offsets
// are returned as in Zeek; -1 means "not found".

func isLWS(c byte) bool { return c == '\t' || c == ' ' }

// IsLWS reports whether c is linear white space (tab or space).
func IsLWS(c byte) bool { return isLWS(c) }

// skipComments skips an RFC 822 comment at the start of data and returns
// its length (0 when data does not start with '(').
func skipComments(data []byte) int {
	if len(data) == 0 || data[0] != '(' {
		return 0
	}
	par := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '(':
			par++
		case ')':
			par--
			if par == 0 {
				return i + 1
			}
		case '\\':
			i++
		}
	}
	return len(data)
}

// skipLWSComments skips white space and comments.
func skipLWSComments(data []byte) int {
	i := 0
	for i < len(data) {
		if isLWS(data[i]) {
			i++
			continue
		}
		if data[i] == '(' {
			i += skipComments(data[i:])
			continue
		}
		return i
	}
	return len(data)
}

func isFieldNameChar(c byte) bool { return c >= 33 && c <= 126 && c != ':' }

func isTSpecial(c byte, boundary bool) bool {
	if boundary {
		return c == '"'
	}
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=':
		return true
	}
	return false
}

func isTokenChar(c byte, boundary bool) bool { return c >= 33 && c <= 126 && !isTSpecial(c, boundary) }

// getFieldName finds the field name and returns it with the offset after
// it, or -1.
func getFieldName(data []byte) ([]byte, int) {
	i := skipLWSComments(data)
	for i < len(data) {
		if isFieldNameChar(data[i]) {
			j := i
			for j < len(data) && isFieldNameChar(data[j]) {
				j++
			}
			return data[i:j], j
		}
		j := skipLWSComments(data[i:])
		if j > 0 {
			i += j
		} else {
			i++
		}
	}
	return nil, -1
}

// getToken finds the next token (characters other than controls, space
// and tspecials; for a boundary only '"' is special) and returns it with
// the offset after it, or -1.
func getToken(data []byte, boundary bool) ([]byte, int) {
	i := 0
	if !boundary {
		i = skipLWSComments(data)
	}
	for i < len(data) {
		if isTokenChar(data[i], boundary) {
			j := i
			for j < len(data) && isTokenChar(data[j], boundary) {
				j++
			}
			return data[i:j], j
		}
		j := skipLWSComments(data[i:])
		if j > 0 {
			i += j
		} else {
			i++
		}
	}
	return nil, -1
}

// getSlashTokenPair reads "type/subtype" and returns both with the offset
// after them, or -1.
func getSlashTokenPair(data []byte) (first, second []byte, n int) {
	first, off := getToken(data, false)
	if off < 0 {
		return nil, nil, -1
	}
	rest := data[off:]
	o := skipLWSComments(rest)
	if o >= len(rest) || rest[o] != '/' {
		return nil, nil, -1
	}
	rest = rest[o+1:]
	second, o2 := getToken(rest, false)
	if o2 < 0 {
		return nil, nil, -1
	}
	return first, second, len(data) - len(rest) + o2
}

// getQuotedString reads a quoted string and returns its inside (quoted
// pairs not decoded) and the offset after it, or -1.
func getQuotedString(data []byte) ([]byte, int) {
	off := skipLWSComments(data)
	d := data[off:]
	if len(d) == 0 || d[0] != '"' {
		return nil, -1
	}
	for i := 1; i < len(d); i++ {
		switch d[i] {
		case '"':
			return d[1:i], off + i + 1
		case '\\':
			i++
		}
	}
	return nil, -1
}

// getValue reads a parameter value, a token or a quoted string (quoted
// pairs decoded), and returns it with the offset after it, or -1. The
// value is a fresh slice.
func getValue(data []byte, boundary bool) ([]byte, int) {
	off := 0
	if !boundary {
		off = skipLWSComments(data)
	}
	d := data[off:]
	if len(d) > 0 && d[0] == '"' {
		s, end := getQuotedString(d)
		if end < 0 {
			return nil, -1
		}
		return decodeQuotedPairs(s), off + end
	}
	tok, end := getToken(d, boundary)
	if end < 0 {
		return nil, -1
	}
	return append([]byte(nil), tok...), off + end
}

// decodeQuotedPairs replaces each "\c" by c; a trailing backslash is
// dropped.
func decodeQuotedPairs(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			if i < len(s) {
				out = append(out, s[i])
			}
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// EqualFold reports whether s equals t ignoring ASCII case.
func EqualFold(s []byte, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// Header is one header field of an entity (Zeek's MIME_Header). Name and
// Value are borrowed: valid during the callback that gets the Header.
type Header struct {
	// Name is the field name as written (nil for a malformed line).
	Name []byte
	// Value is the field value, with leading white space removed.
	Value []byte
	// FoldLines is the number of lines the field spanned.
	FoldLines int

	tokDone bool
	token   []byte
	rest    []byte
}

// parseHeader splits a (concatenated) header line into name and value.
func parseHeader(line []byte, folds int) Header {
	h := Header{FoldLines: folds}
	name, off := getFieldName(line)
	if off < 0 {
		return h
	}
	rest := line[off:]
	o := skipLWSComments(rest)
	if o < len(rest) && rest[o] == ':' {
		v := rest[o+1:]
		for len(v) > 0 && isSpace(v[0]) {
			v = v[1:]
		}
		h.Name, h.Value = name, v
	}
	return h
}

// isSpace is C's isspace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func (h *Header) firstToken() {
	if h.tokDone {
		return
	}
	h.tokDone = true
	tok, off := getToken(h.Value, false)
	if off < 0 {
		return
	}
	h.token = tok
	h.rest = h.Value[off:]
	if h.rest == nil {
		h.rest = h.Value[len(h.Value):]
	}
}

// ValueToken returns the first token of the value (nil when there is
// none): "chunked" of "chunked, gzip".
func (h *Header) ValueToken() []byte {
	h.firstToken()
	return h.token
}

// ValueAfterToken returns what follows the first token (nil when there is
// no token).
func (h *Header) ValueAfterToken() []byte {
	h.firstToken()
	return h.rest
}
