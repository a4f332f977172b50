package ascii

import (
	"sort"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// printable reports whether c is printable ASCII (C's isprint in the C
// locale).
func printable(c byte) bool { return c >= 0x20 && c < 0x7f }

// appendHexEscaped appends every byte of s as \xNN, except a backslash,
// which becomes two backslashes. This is how Zeek writes the bytes it
// decided to escape.
func appendHexEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			dst = append(dst, '\\', '\\')
			continue
		}
		dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// AppendHeaderEscaped appends s escaped as Zeek writes the values of its
// header lines (#separator, #set_separator, #path ...): whitespace,
// non-ASCII and non-printable bytes as \xNN, everything else as is.
func AppendHeaderEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || !printable(c):
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AcceptableRune reports whether Zeek lets the code point r pass through
// unescaped when UTF-8 output is enabled: not a C0 or C1 control, not DEL,
// not in the Private Use Area U+E000–U+F8FF and not in U+FFF0–U+FFFF.
func AcceptableRune(r rune) bool {
	switch {
	case r <= 0x1f, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return false
	case r >= 0xe000 && r <= 0xf8ff, r >= 0xfff0 && r <= 0xffff:
		return false
	}
	return true
}

// passControl reports whether c is one of the control characters JSON has
// short escapes for (\b \f \n \r \t), which Zeek's JSON string escaping
// leaves to the JSON writer.
func passControl(c byte) bool {
	return c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t'
}

// utf8Clean reports whether every byte of s outside printable ASCII (and,
// with passCtl, the JSON short-escape controls) starts a well-formed UTF-8
// sequence of an acceptable code point.
func utf8Clean(s string, passCtl bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if printable(c) || (passCtl && passControl(c)) {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size <= 1 || !AcceptableRune(r) {
			return false
		}
		i += size
	}
	return true
}

// AppendUTF8Escaped appends s with Zeek's UTF-8 escaping (util::escape_utf8):
// if all of s is printable ASCII or acceptable UTF-8 it is appended as is;
// otherwise every byte outside printable ASCII is written as \xNN — a single
// bad byte makes even the valid multi-byte characters of s escaped. With
// passCtl, \b \f \n \r and \t count as printable (Zeek's JSON writer mode).
func AppendUTF8Escaped(dst []byte, s string, passCtl bool) []byte {
	if utf8Clean(s, passCtl) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if printable(c) || (passCtl && passControl(c)) {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// Escaper escapes string values the way Zeek's ASCII writer does (ODesc
// with escaping enabled): a backslash, the active escape sequences (the
// field separator, and the set separator inside a set or vector) and, unless
// UTF-8 is enabled, every non-printable byte are hex-escaped; with UTF-8
// enabled, the runs between those are passed through AppendUTF8Escaped. It
// does not handle values equal to the empty or unset marks; Encoder does.
// An Escaper is immutable and safe for concurrent use.
type Escaper struct {
	utf8  bool
	seqs  []string  // escape sequences, sorted: the first match wins
	first [256]bool // bytes that start a sequence
	stop  [256]bool // bytes that need a closer look
	// numeric is set when a sequence starts with a byte that numbers,
	// addresses or bools can contain (see numberBytes).
	numeric bool
}

// NewEscaper returns an Escaper for the given escape sequences (empty ones
// are ignored; when several match at one position, the lexically smallest
// wins, as in Zeek) with UTF-8 output enabled or not.
func NewEscaper(utf8 bool, seqs ...string) *Escaper {
	e := &Escaper{utf8: utf8}
	for _, s := range seqs {
		if s == "" {
			continue
		}
		dup := false
		for _, x := range e.seqs {
			dup = dup || x == s
		}
		if !dup {
			e.seqs = append(e.seqs, s)
		}
	}
	sort.Strings(e.seqs)
	for _, s := range e.seqs {
		e.first[s[0]] = true
	}
	for c := 0; c < 256; c++ {
		e.stop[c] = e.first[c] || c == '\\' || !printable(byte(c))
	}
	for i := 0; i < len(numberBytes); i++ {
		e.numeric = e.numeric || e.first[numberBytes[i]]
	}
	return e
}

// match returns the length of the escape sequence s starts with, or 0.
func (e *Escaper) match(s string) int {
	for _, q := range e.seqs {
		if len(s) >= len(q) && s[:len(q)] == q {
			return len(q)
		}
	}
	return 0
}

// plain reports whether s can be appended unchanged.
func (e *Escaper) plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if e.stop[s[i]] {
			return false
		}
	}
	return true
}

// Append appends s escaped to dst and returns the extended buffer.
func (e *Escaper) Append(dst []byte, s string) []byte {
	if e.plain(s) {
		return append(dst, s...)
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		n := 0
		switch {
		case !e.utf8 && !printable(c), c == '\\':
			n = 1
		case e.first[c]:
			n = e.match(s[i:])
		}
		if n == 0 {
			i++
			continue
		}
		dst = e.run(dst, s[start:i])
		dst = appendHexEscaped(dst, s[i:i+n])
		i += n
		start = i
	}
	return e.run(dst, s[start:])
}

// run appends a stretch of s that holds no escape position.
func (e *Escaper) run(dst []byte, s string) []byte {
	if e.utf8 {
		return AppendUTF8Escaped(dst, s, false)
	}
	return append(dst, s...)
}
