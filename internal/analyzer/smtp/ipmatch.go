package smtp

// The address pattern of base/utils/addrs.zeek (ip_addr_regex), matched
// by hand: longestIP returns what Zeek's regular expression matcher
// returns for a prefix, the longest match. The pattern is an IPv4 address
// or one of the IPv6 forms:
//
//	H:H:H:H:H:H:H:H          eight hextets (H: 1 to 4 hex digits)
//	H:H:H:H:H:H:V4           six hextets and an IPv4 address
//	H..H::H..H               k hextets, "::", m hextets, k+m <= 7
//	H..H::H..HV4             k hextets, "::", m hextets, k+m <= 5, and an
//	                         IPv4 address right after the last of them
//	                         (Zeek's definition has no colon there)
//
// The tests check longestIP against the pattern compiled as a Go regular
// expression.

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hexRun is the number of hex digits at s[i:].
func hexRun(s string, i int) int {
	j := i
	for j < len(s) && isHex(s[j]) {
		j++
	}
	return j - i
}

// digitRun is the number of decimal digits at s[i:].
func digitRun(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

// valid3 reports whether three digits form a 3-digit decimal part of the
// pattern (0xx, 1xx, 2[0-4]x or 25[0-5]).
func valid3(a, b, c byte) bool {
	switch a {
	case '0', '1':
		return true
	case '2':
		return b <= '4' || b == '5' && c <= '5'
	}
	return false
}

// longestV4 returns the end of the longest IPv4 match at s[i:], or -1.
func longestV4(s string, i int) int {
	for part := 0; part < 3; part++ {
		// A part followed by a dot is the whole run of digits.
		n := digitRun(s, i)
		if n == 0 || n > 3 || n == 3 && !valid3(s[i], s[i+1], s[i+2]) {
			return -1
		}
		i += n
		if i >= len(s) || s[i] != '.' {
			return -1
		}
		i++
	}
	n := digitRun(s, i)
	switch {
	case n >= 3 && valid3(s[i], s[i+1], s[i+2]):
		return i + 3
	case n >= 2:
		return i + 2
	case n == 1:
		return i + 1
	}
	return -1
}

// leadHextets reads k hextets at s[i:] each followed by a colon and
// returns the position after the last colon, or -1.
func leadHextets(s string, i, k int) int {
	for ; k > 0; k-- {
		n := hexRun(s, i)
		if n == 0 || n > 4 || i+n >= len(s) || s[i+n] != ':' {
			return -1
		}
		i += n + 1
	}
	return i
}

// longestIP returns the length of the longest match of the address
// pattern at the start of s, or -1.
func longestIP(s string) int {
	best := longestV4(s, 0)
	up := func(e int) {
		if e > best {
			best = e
		}
	}
	// Eight hextets; six and an IPv4 address.
	if p := leadHextets(s, 0, 7); p >= 0 {
		if n := hexRun(s, p); n > 0 {
			up(p + min(n, 4))
		}
	}
	if p := leadHextets(s, 0, 6); p >= 0 {
		up(longestV4(s, p))
	}
	// k hextets, then "::", then the tail.
	for k := 0; k <= 7; k++ {
		p := 2
		if k == 0 {
			if len(s) < 2 || s[0] != ':' || s[1] != ':' {
				continue
			}
		} else {
			if p = leadHextets(s, 0, k); p < 0 {
				break // fewer than k hextets: more will not do either
			}
			if p >= len(s) || s[p] != ':' {
				continue
			}
			p++
		}
		compressedTail(s, p, 7-k, false, up)
		if k <= 5 {
			compressedTail(s, p, 5-k, true, up)
		}
	}
	return best
}

// compressedTail offers the ends of up to maxM hextets after "::" at
// s[p:]; with v4, each must be followed directly by an IPv4 address (the
// last hextet may give some of its digits to it), and zero hextets mean
// the address follows the "::".
func compressedTail(s string, p, maxM int, v4 bool, up func(int)) {
	if v4 {
		up(longestV4(s, p))
	} else {
		up(p)
	}
	for m := 1; m <= maxM; m++ {
		n := hexRun(s, p)
		if n == 0 {
			return
		}
		if v4 {
			for l := 1; l <= min(n, 4); l++ {
				up(longestV4(s, p+l))
			}
		} else {
			up(p + min(n, 4))
		}
		// Another hextet follows only after a colon.
		if n > 4 || p+n >= len(s) || s[p+n] != ':' || p+n+1 >= len(s) || !isHex(s[p+n+1]) {
			return
		}
		p += n + 1
	}
}
