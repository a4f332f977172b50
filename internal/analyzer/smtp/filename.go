package smtp

import "strings"

// Entity file names, as base/protocols/smtp/entities.zeek finds them in
// Content-Disposition and Content-Type headers with base/utils/files.zeek's
// extract_filename_from_content_disposition.

// nameParamEnd finds, at s[i:], word (any case), optional blanks, with
// star an optional '*', then '='; it returns the index after the '=', or
// -1.
func nameParamEnd(s string, i int, word string, star bool) int {
	if len(s)-i < len(word) || !equalFoldASCII(s[i:i+len(word)], word) {
		return -1
	}
	j := i + len(word)
	for j < len(s) && isBlank(s[j]) {
		j++
	}
	if star && j < len(s) && s[j] == '*' {
		j++
	}
	if j < len(s) && s[j] == '=' {
		return j + 1
	}
	return -1
}

// hasParam reports whether word[blanks][*]= occurs in s (star allows the
// '*').
func hasParam(s, word string, star bool) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if nameParamEnd(s, i, word, star) >= 0 {
			return true
		}
	}
	return false
}

// hasFilenameParam is /[fF][iI][lL][eE][nN][aA][mM][eE][[:blank:]]*\*?=/.
func hasFilenameParam(s string) bool { return hasParam(s, "filename", true) }

// hasNameParam is /[nN][aA][mM][eE][[:blank:]]*=/.
func hasNameParam(s string) bool { return hasParam(s, "name", false) }

// isAttrChar is the class [a-zA-Z0-9\!#$%&+-^_`{}~] of files.zeek, where
// "+-^" is a range.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', '+' <= c && c <= '^':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '_', '`', '{', '}', '~':
		return true
	}
	return false
}

// hasCharsetPrefix matches /^[class]+'[class]*'/.
func hasCharsetPrefix(s string) bool {
	i := 0
	for i < len(s) && isAttrChar(s[i]) {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != '\'' {
		return false
	}
	i++
	for i < len(s) && isAttrChar(s[i]) {
		i++
	}
	return i < len(s) && s[i] == '\''
}

// filenameFromDisposition is extract_filename_from_content_disposition.
func filenameFromDisposition(v string) string {
	// sub(/^.*[nN][aA][mM][eE][[:blank:]]*\*?=[[:blank:]]*/, ""): the
	// longest such prefix, which ends at the last name=.
	cut := -1
	for i := 0; i+4 <= len(v); i++ {
		if end := nameParamEnd(v, i, "name", true); end >= 0 {
			for end < len(v) && isBlank(v[end]) {
				end++
			}
			cut = end
		}
	}
	name := v
	if cut >= 0 {
		name = v[cut:]
	}
	if len(name) > 0 && name[0] == '"' {
		// The part between the first two quotes (or after the first).
		name = name[1:]
		if i := strings.IndexByte(name, '"'); i >= 0 {
			name = name[:i]
		}
	}
	if hasCharsetPrefix(name) {
		// sub(/^.+'.*'/, ""): everything up to the last quote.
		name = name[strings.LastIndexByte(name, '\'')+1:]
	}
	return unescapeURI(name)
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unescapeURI is Zeek's unescape_URI without an analyzer (so without
// weirds): %XX and %uXXXX escapes decoded, malformed ones kept.
func unescapeURI(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		i++
		switch {
		case i == len(s):
			out = append(out, '%')
		case i+1 == len(s):
			out = append(out, '%', s[i])
		case s[i] == '%':
			// A doubled '%': the first one is dropped.
			i--
		case unhex(s[i]) >= 0 && unhex(s[i+1]) >= 0:
			out = append(out, byte(unhex(s[i])<<4+unhex(s[i+1])))
			i++
		case len(s)-i >= 5 && s[i] == 'u' && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 && unhex(s[i+3]) >= 0 && unhex(s[i+4]) >= 0:
			if !(s[i+1] == '0' && s[i+2] == '0') {
				out = append(out, byte(unhex(s[i+1])<<4+unhex(s[i+2])))
			}
			out = append(out, byte(unhex(s[i+3])<<4+unhex(s[i+4])))
			i += 4
		default:
			out = append(out, '%', s[i])
		}
	}
	return string(out)
}
