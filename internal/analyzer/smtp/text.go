package smtp

import (
	"net/netip"
	"strings"
)

// This file holds the string functions of Zeek's base/utils that the SMTP
// scripts use (email.zeek, addrs.zeek, files.zeek, and the bifs behind
// them), written as plain code with the same results: Zeek's find_all
// and split_string_all try the pattern at every position and take the
// longest match there, and in find_all a "^" matches at every position.

// maxFindAllLength is max_find_all_string_length: find_all and
// find_all_ordered return nothing for longer strings.
const maxFindAllLength = 10000

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// Character classes of the address pattern of email.zeek:
// (^|[<,:[:blank:]])[^<,:[:blank:]@]+"@"[^>,;[:blank:]]+([>,;[:blank:]]|$)
func addrLead(c byte) bool  { return c == '<' || c == ',' || c == ':' || isBlank(c) }
func addrLocal(c byte) bool { return !addrLead(c) && c != '@' }
func addrTrail(c byte) bool { return c == '>' || c == ',' || c == ';' || isBlank(c) }

// emailMatchAt returns the end of the longest match of the address
// pattern at s[t:], or -1. Every part of the pattern is a maximal run of
// one class up to a byte of the complementary class, so the match is
// unique.
func emailMatchAt(s string, t int) int {
	i := t
	if i < len(s) && addrLead(s[i]) {
		i++
	}
	j := i
	for j < len(s) && addrLocal(s[j]) {
		j++
	}
	if j == i || j >= len(s) || s[j] != '@' {
		return -1
	}
	k := j + 1
	for k < len(s) && !addrTrail(s[k]) {
		k++
	}
	if k == j+1 {
		return -1
	}
	if k < len(s) {
		return k + 1 // the delimiter is part of the match
	}
	return k // "$"
}

// cleanAddr removes the delimiters the address pattern matches:
// gsub(addr, /[<>,:;[:blank:]]/, "").
func cleanAddr(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return r == '<' || r == '>' || r == ',' || r == ':' || r == ';' || r == ' ' || r == '\t'
	}) < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '>', ',', ':', ';', ' ', '\t':
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// findAll runs find_all's loop: each match found at a position, and the
// search going on after it. It returns nothing for strings longer than
// max_find_all_string_length.
func findAll(s string, matchAt func(string, int) int, fn func(m string)) {
	if len(s) > maxFindAllLength {
		return
	}
	for t := 0; t < len(s); t++ {
		if n := matchAt(s, t); n > t {
			fn(s[t:n])
			t = n - 1
		}
	}
}

// emailAddrs is extract_email_addrs_vec: the addresses of an address
// specification, in order (duplicates kept).
func emailAddrs(s string) []string {
	var out []string
	findAll(s, emailMatchAt, func(m string) { out = append(out, cleanAddr(m)) })
	return out
}

// firstEmailAddr is extract_first_email_addr ("" for none; a match
// always keeps its '@', so an address is never empty).
func firstEmailAddr(s string) string {
	if len(s) > maxFindAllLength {
		return ""
	}
	for t := 0; t < len(s); t++ {
		if n := emailMatchAt(s, t); n > t {
			return cleanAddr(s[t:n])
		}
	}
	return ""
}

// mimeAddrMatchAt is the longest match at s[t:] of split_mime_email_
// addresses' pattern (\"[^"]*\")?[^,]+@[^,]+, or -1.
func mimeAddrMatchAt(s string, t int) int {
	// tail matches [^,]+@[^,]+ from u: the run of non-commas must hold an
	// '@' with at least one byte on each side; the match takes the run.
	tail := func(u int) int {
		r := u
		for r < len(s) && s[r] != ',' {
			r++
		}
		if r-u < 3 {
			return -1
		}
		if strings.IndexByte(s[u+1:r-1], '@') < 0 {
			return -1
		}
		return r
	}
	best := tail(t)
	if t < len(s) && s[t] == '"' {
		if q := strings.IndexByte(s[t+1:], '"'); q >= 0 {
			if e := tail(t + 1 + q + 1); e > best {
				best = e
			}
		}
	}
	return best
}

// splitMIMEEmailAddrs is split_mime_email_addresses: the addresses of a
// To or Cc header as written (display names included), white space
// stripped.
func splitMIMEEmailAddrs(s string) []string {
	var out []string
	findAll(s, mimeAddrMatchAt, func(m string) { out = append(out, stripSpace(m)) })
	return out
}

// stripSpace is Zeek's strip: C isspace removed at both ends.
func stripSpace(s string) string {
	i, j := 0, len(s)
	for j > 0 && isSpace(s[j-1]) {
		j--
	}
	for i < j && isSpace(s[i]) {
		i++
	}
	return s[i:j]
}

// removeORCPT is gsub(addr, /ORCPT=rfc822;?/, "").
func removeORCPT(s string) string {
	const w = "ORCPT=rfc822"
	if !strings.Contains(s, w) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i+len(w):]
		if len(s) > 0 && s[0] == ';' {
			s = s[1:]
		}
	}
}

// validIP is is_valid_ip: an IPv6 address when the string has a colon,
// else four dot-separated decimal numbers up to 255.
func validIP(s string) (netip.Addr, bool) {
	if strings.IndexByte(s, ':') >= 0 {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	var oct [4]byte
	part := 0
	val, digits := 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || val > 255 || part > 3 {
				return netip.Addr{}, false
			}
			oct[part] = byte(val)
			part++
			val, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return netip.Addr{}, false
		}
		if val <= 255 {
			val = val*10 + int(c-'0')
		}
		digits++
	}
	if part != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(oct), true
}

// isAddrByte reports whether c can be part of a match of ipPattern.
func isAddrByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':' || c == '.'
}

// addrMatches appends the matches of the address pattern in s, as
// split_string_all finds them (the longest match at the first position
// that has one, then on after it), to locs. A match lies within a run of
// hex digits, colons and dots, so only the runs that could hold an address
// (a colon, or a dot and a digit) are searched.
func addrMatches(s string, locs [][2]int) [][2]int {
	for i := 0; i < len(s); {
		if !isAddrByte(s[i]) {
			i++
			continue
		}
		j := i
		colon, dot, digit := false, false, false
		for j < len(s) && isAddrByte(s[j]) {
			switch c := s[j]; {
			case c == ':':
				colon = true
			case c == '.':
				dot = true
			case '0' <= c && c <= '9':
				digit = true
			}
			j++
		}
		if colon || dot && digit {
			run := s[i:j]
			for t := 0; t < len(run); {
				if n := longestIP(run[t:]); n > 0 {
					locs = append(locs, [2]int{i + t, i + t + n})
					t += n
				} else {
					t++
				}
			}
		}
		i = j
	}
	return locs
}

// ipAddrs is extract_ip_addresses: the valid addresses that the address
// pattern finds in s, in order; with wrapped, only those enclosed in
// matching brackets, braces, parentheses or spaces, or making up the whole
// string. fn returns false to stop.
func ipAddrs(s string, wrapped bool, fn func(a netip.Addr) bool) {
	var buf [8][2]int
	locs := addrMatches(s, buf[:0])
	prevEnd := 0
	for i, l := range locs {
		before := s[prevEnd:l[0]]
		after := s[l[1]:]
		if i+1 < len(locs) {
			after = s[l[1]:locs[i+1][0]]
		}
		prevEnd = l[1]
		a, ok := validIP(s[l[0]:l[1]])
		if !ok {
			continue
		}
		if wrapped && !isWrapped(before, after) {
			continue
		}
		if !fn(a) {
			return
		}
	}
}

// isWrapped is extract_ip_addresses' check_wrapping test on the parts
// before and after a match.
func isWrapped(p1, p3 string) bool {
	if p1 == "" && p3 == "" {
		return true
	}
	if p1 == "" || p3 == "" {
		return false
	}
	a, b := p1[len(p1)-1], p3[0]
	return a == '[' && b == ']' || a == '(' && b == ')' || a == '{' && b == '}' || a == ' ' && b == ' '
}

// receivedAddr is find_address_in_smtp_header: the second wrapped
// address of a Received header if it has two or more, else the first.
func receivedAddr(s string) (netip.Addr, bool) {
	var first netip.Addr
	n := 0
	var out netip.Addr
	ipAddrs(s, true, func(a netip.Addr) bool {
		n++
		if n == 1 {
			first = a
			return true
		}
		out = a
		return false
	})
	switch {
	case n >= 2:
		return out, true
	case n == 1:
		return first, true
	}
	return netip.Addr{}, false
}

// firstIPAddr is the first address extract_ip_addresses finds.
func firstIPAddr(s string) (netip.Addr, bool) {
	var out netip.Addr
	found := false
	ipAddrs(s, false, func(a netip.Addr) bool {
		out, found = a, true
		return false
	})
	return out, found
}
