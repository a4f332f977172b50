package signatures

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/heron-nsm/heron/internal/options"
)

// Options registers the framework's Zeek options that set fields of c.
// Signatures::actions (a table) is not among them: set Config.Actions in
// Go.
func (c *Config) Options(r *options.Registry) {
	r.Register("Signatures::ignored_ids", PatternValue(&c.IgnoredIDs), "Signature ids whose matches are ignored.")
	r.Register("Signatures::horiz_scan_thresholds", options.SetCountValue(&c.HorizScanThresholds),
		"Responders of one originator and signature that raise Multiple_Sig_Responders.")
	r.Register("Signatures::vert_scan_thresholds", options.SetCountValue(&c.VertScanThresholds),
		"Signatures of one originator and responder that raise Multiple_Signatures.")
	r.Register("Signatures::count_thresholds", options.SetCountValue(&c.CountThresholds),
		"Matches of a SIG_COUNT_PER_RESP signature on one responder that raise Count_Signature.")
	r.Register("Signatures::summary_interval", options.IntervalValue(&c.SummaryInterval),
		"Delay of the Signature_Summary notice after an originator's first SIG_SUMMARY match.")
	r.Register("Heron::signature_notice_identifier", identifierValue{&c.NoticeIdentifier},
		`Heron's: what identifies a Sensitive_Signature notice for suppression: "" (none, as Zeek), "sig_id", "sig_id,src" or "sig_id,src,dst".`)
}

// identifierValue is the string option Heron::signature_notice_identifier,
// limited to NoticeIdentifiers.
type identifierValue struct{ p *string }

func (v identifierValue) Type() string   { return "string" }
func (v identifierValue) String() string { return *v.p }
func (v identifierValue) Set(lit string) error {
	var s string
	if err := options.StringValue(&s).Set(lit); err != nil {
		return err
	}
	if !slices.Contains(NoticeIdentifiers, s) {
		return fmt.Errorf("%q is not one of \"\", \"sig_id\", \"sig_id,src\", \"sig_id,src,dst\"", s)
	}
	*v.p = s
	return nil
}

// patternValue is an options.Value of Zeek type pattern.
type patternValue struct{ p **regexp.Regexp }

// PatternValue returns an options value of Zeek type pattern for *p; the
// literal is parsed by ParsePattern. A nil *p (no pattern) shows as
// "<none>".
func PatternValue(p **regexp.Regexp) options.Value {
	if p == nil {
		panic("signatures: nil variable pointer")
	}
	return patternValue{p}
}

func (v patternValue) Type() string { return "pattern" }

// String shows the pattern in Go's syntax, between slashes.
func (v patternValue) String() string {
	if *v.p == nil {
		return "<none>"
	}
	return "/" + (*v.p).String() + "/"
}

func (v patternValue) Set(lit string) error {
	re, err := ParsePattern(lit)
	if err != nil {
		return err
	}
	*v.p = re
	return nil
}

var errPatternSyntax = errors.New("signatures: want a pattern such as /abc/ or /abc/i")

// ParsePattern turns a Zeek pattern literal ("/re/", or "/re/i" for a
// case-insensitive pattern) into a Go regexp that finds the same matches
// with "pattern in string" (a match anywhere). Zeek's pattern syntax is
// close to Go's; ParsePattern translates where they differ:
//
//   - a double-quoted string outside a character class is a literal in
//     Zeek ("a.b" matches only a.b); it becomes a quoted literal;
//   - an escaped letter is the letter itself in Zeek, except the C
//     escapes \n \t \r \f \v \a \b and \xHH; in Go \d, \w, \s, \b and the
//     like are classes or assertions, so Heron escapes the letter;
//   - Zeek's named definitions ({NAME}) do not exist here: an error.
//
// What remains different: Go matches UTF-8 characters where Zeek matches
// bytes (the same for ASCII text such as signature ids), and Go accepts
// Perl-style constructs ((?:...), (?P<name>...), lazy repetition) that
// Zeek rejects.
func ParsePattern(lit string) (*regexp.Regexp, error) {
	s := strings.TrimSpace(lit)
	flags := ""
	switch {
	case len(s) >= 3 && s[0] == '/' && strings.HasSuffix(s, "/i"):
		s, flags = s[1:len(s)-2], "(?i)"
	case len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/':
		s = s[1 : len(s)-1]
	default:
		return nil, errPatternSyntax
	}
	body, err := translatePattern(s)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(flags + body)
	if err != nil {
		return nil, fmt.Errorf("signatures: pattern %s: %w", lit, err)
	}
	return re, nil
}

// translatePattern rewrites the body of a Zeek pattern in Go's syntax.
func translatePattern(s string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", errors.New("signatures: pattern ends in a backslash")
			}
			i++
			writeEscape(&b, s[i])
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a member, as in Zeek.
			if i+1 < len(s) && s[i+1] == '^' {
				i++
				b.WriteByte('^')
			}
			if i+1 < len(s) && s[i+1] == ']' {
				i++
				b.WriteString(`\]`)
			}
		case c == '"':
			end := i + 1
			var lit []byte
			for ; end < len(s) && s[end] != '"'; end++ {
				if s[end] == '\\' && end+1 < len(s) {
					end++
					lit = append(lit, unescape(s[end]))
					continue
				}
				lit = append(lit, s[end])
			}
			if end >= len(s) {
				return "", errors.New("signatures: pattern has an unterminated string")
			}
			b.WriteString("(?:")
			b.WriteString(regexp.QuoteMeta(string(lit)))
			b.WriteByte(')')
			i = end
		case c == '{' && i+1 < len(s) && isNameStart(s[i+1]):
			return "", errors.New("signatures: pattern definitions ({NAME}) are not supported")
		default:
			b.WriteByte(c)
		}
	}
	if inClass {
		return "", errors.New("signatures: pattern has an unterminated character class")
	}
	return b.String(), nil
}

// writeEscape writes Zeek's escape sequence \c in Go's syntax.
func writeEscape(b *strings.Builder, c byte) {
	switch c {
	case 'n', 't', 'r', 'f', 'v', 'a', 'x':
		b.WriteByte('\\')
		b.WriteByte(c)
	case 'b':
		b.WriteString(`\x08`)
	default:
		switch {
		case c >= '0' && c <= '7':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '8' && c <= '9':
			b.WriteByte(c)
		case c < 0x80:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteString(regexp.QuoteMeta(string([]byte{c})))
		}
	}
}

// unescape returns the byte a C escape \c stands for inside a quoted
// string (the hex and octal forms are taken literally there).
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case 'f':
		return '\f'
	case 'v':
		return '\v'
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	}
	return c
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
