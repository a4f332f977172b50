package scripts

// A small tokenizer for Zeek script text, enough for the generator to find
// port registrations and the port-set constants they name. It never fails:
// what it does not understand becomes punctuation, and the extractor that
// reads the tokens rejects anything it cannot make sense of.

// tokKind is the class of a token.
type tokKind uint8

const (
	tIdent   tokKind = iota + 1 // identifier or keyword, "::" parts joined
	tPort                       // port literal such as 21/tcp
	tNum                        // any other number-like literal (counts, addresses, intervals)
	tString                     // string literal
	tPattern                    // pattern literal /.../
	tPunct                      // operator or punctuation
)

// token is one lexical token with the (1-based) line it starts on.
type token struct {
	kind tokKind
	text string
	line int
}

// twoCharOps are the operators the extractor must see as one token.
var twoCharOps = []string{"+=", "-=", "==", "!=", "<=", ">=", "&&", "||", "::", "++", "--"}

// patternAfter reports whether a "/" following tok starts a pattern literal
// rather than dividing: Zeek's parser asks for a pattern only where an
// expression starts, which is after an operator or opening punctuation.
func patternAfter(prev *token) bool {
	if prev == nil {
		return true
	}
	switch prev.kind {
	case tPunct:
		switch prev.text {
		case ")", "]", "}":
			return false
		}
		return true
	case tIdent:
		switch prev.text {
		case "in", "return", "print":
			return true
		}
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexZeek splits Zeek script text into tokens. Comments and @-directive
// lines are dropped (the generator reads directives separately).
func lexZeek(src string) []token {
	var toks []token
	line := 1
	lineStart := true // only blanks so far on this line
	emit := func(k tokKind, text string) {
		toks = append(toks, token{kind: k, text: text, line: line})
		lineStart = false
	}
	prev := func() *token {
		if len(toks) == 0 {
			return nil
		}
		return &toks[len(toks)-1]
	}
	skipLine := func(i int) int {
		for i < len(src) && src[i] != '\n' {
			i++
		}
		return i
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			lineStart = true
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#':
			i = skipLine(i)
		case c == '@' && lineStart:
			i = skipLine(i)
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) && src[j+1] != '\n' {
					j++
				}
				j++
			}
			if j < len(src) && src[j] == '"' {
				j++
			}
			emit(tString, src[i:j])
			i = j
		case c == '/' && patternAfter(prev()):
			j := i + 1
			for j < len(src) && src[j] != '/' && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) && src[j+1] != '\n' {
					j++
				}
				j++
			}
			if j >= len(src) || src[j] != '/' {
				// No closing slash on the line: not a pattern after all.
				emit(tPunct, "/")
				i++
				continue
			}
			j++
			for n := 0; n < 2 && j < len(src) && (src[j] == 'i' || src[j] == 's'); n++ {
				j++
			}
			emit(tPattern, src[i:j])
			i = j
		case isDigit(c):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '/' {
				k := j + 1
				for k < len(src) && isIdentChar(src[k]) {
					k++
				}
				switch src[j+1 : k] {
				case "tcp", "udp", "icmp", "unknown":
					emit(tPort, src[i:k])
					i = k
					continue
				}
			}
			for j < len(src) && (isIdentChar(src[j]) || src[j] == '.') {
				j++
			}
			emit(tNum, src[i:j])
			i = j
		case isIdentStart(c):
			j := i
			for {
				for j < len(src) && isIdentChar(src[j]) {
					j++
				}
				if j+2 < len(src) && src[j] == ':' && src[j+1] == ':' && isIdentStart(src[j+2]) {
					j += 2
					continue
				}
				break
			}
			emit(tIdent, src[i:j])
			i = j
		default:
			n := 1
			for _, op := range twoCharOps {
				if len(src)-i >= 2 && src[i:i+2] == op {
					n = 2
					break
				}
			}
			emit(tPunct, src[i:i+n])
			i += n
		}
	}
	return toks
}
