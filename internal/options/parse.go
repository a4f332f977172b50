package options

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// The parsers below take one Zeek literal. They trim blanks around it, as
// Zeek's scanner skips them between tokens, and return errors without a
// component prefix: Apply adds the option's name and type.

func trim(s string) string { return strings.Trim(s, " \t") }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// parseBool parses T or F.
func parseBool(s string) (bool, error) {
	switch trim(s) {
	case "T":
		return true, nil
	case "F":
		return false, nil
	}
	return false, errors.New("want T or F")
}

// parseCountLit parses a count constant: decimal digits or 0x and hex
// digits. Unlike Zeek (strtoull), values past 2^64-1 are an error.
func parseCountLit(s string) (uint64, error) {
	if hex, ok := strings.CutPrefix(s, "0x"); ok && hex != "" {
		for i := 0; i < len(hex); i++ {
			if !isHex(hex[i]) {
				return 0, errors.New("want a count (decimal or 0x hex)")
			}
		}
		v, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			return 0, errors.New("count out of range")
		}
		return v, nil
	}
	if !allDigits(s) {
		return 0, errors.New("want a count (decimal or 0x hex)")
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errors.New("count out of range")
	}
	return v, nil
}

// parseCount parses an unsigned count.
func parseCount(s string) (uint64, error) {
	s = trim(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		return 0, errors.New("a count takes no sign (a signed number is an int)")
	}
	return parseCountLit(s)
}

// cutSign splits an optional unary + or - (with blanks after it) off s.
func cutSign(s string) (neg bool, rest string) {
	s = trim(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		return s[0] == '-', trim(s[1:])
	}
	return false, s
}

// parseInt parses an int: a count constant with an optional sign.
func parseInt(s string) (int64, error) {
	neg, rest := cutSign(s)
	u, err := parseCountLit(rest)
	if err != nil {
		return 0, errors.New("want an integer such as -5, 42 or 0x2a")
	}
	if neg {
		if u > 1<<63 {
			return 0, errors.New("int out of range")
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, errors.New("int out of range")
	}
	return int64(u), nil
}

// isFloatLit reports whether s matches Zeek's FLOAT:
// ((D*"."?D)|(D"."?D*))([eE][-+]?D)?
func isFloatLit(s string) bool {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits := i
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			fracDigits++
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if !allDigits(s[i:]) {
			return false
		}
		return true
	}
	return i == len(s)
}

// parseUnsignedNumber parses a count or FLOAT constant as a float64.
func parseUnsignedNumber(s string) (float64, bool) {
	if strings.HasPrefix(s, "0x") {
		u, err := parseCountLit(s)
		if err != nil {
			return 0, false
		}
		return float64(u), true
	}
	if !isFloatLit(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDouble parses a double; counts are promoted as Zeek does.
func parseDouble(s string) (float64, error) {
	neg, rest := cutSign(s)
	f, ok := parseUnsignedNumber(rest)
	if !ok {
		return 0, errors.New("want a number such as 1.5, .5, 1e3 or 42")
	}
	if neg {
		f = -f
	}
	return f, nil
}

// Interval units as Zeek's scanner spells them.
var intervalUnits = []struct {
	word string
	unit zeek.Interval
}{
	{"usec", zeek.Microsecond},
	{"msec", zeek.Millisecond},
	{"sec", zeek.Second},
	{"min", zeek.Minute},
	{"hr", zeek.Hour},
	{"day", zeek.Day},
}

const intervalHint = "want a number and a unit: usec, msec, sec, min, hr or day (plural allowed), e.g. 5 min"

// parseInterval parses an interval constant such as "5 min", "1.5hrs" or
// "-30 secs".
func parseInterval(s string) (zeek.Interval, error) {
	neg, rest := cutSign(s)
	i := 0
	for i < len(rest) && (isDigit(rest[i]) || rest[i] == '.' || rest[i] == 'e' || rest[i] == 'E' ||
		((rest[i] == '-' || rest[i] == '+') && i > 0 && (rest[i-1] == 'e' || rest[i-1] == 'E'))) {
		i++
	}
	num, word := rest[:i], trim(rest[i:])
	if !isFloatLit(num) {
		return 0, errors.New(intervalHint)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, errors.New("interval out of range")
	}
	word = strings.TrimSuffix(word, "s")
	var unit zeek.Interval
	for _, u := range intervalUnits {
		if word == u.word {
			unit = u.unit
		}
	}
	if unit == 0 {
		return 0, errors.New(intervalHint)
	}
	ns := math.Round(f * float64(unit))
	if ns >= math.MaxInt64 || math.IsNaN(ns) {
		return 0, errors.New("interval out of range")
	}
	if neg {
		ns = -ns
	}
	return zeek.Interval(ns), nil
}

// parseString parses a double-quoted Zeek string constant and decodes its
// escapes. The result is bytes: \xHH and \ooo may make it invalid UTF-8.
func parseString(s string) (string, error) {
	s = trim(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", errors.New(`want a string in double quotes`)
	}
	return unescape(s[1 : len(s)-1])
}

// unescape decodes the inside of a Zeek string constant. A bare '"', a
// line break, and a '\' with nothing after it end the string early in Zeek
// and are errors here.
func unescape(body string) (string, error) {
	if !strings.ContainsAny(body, "\\\"\r\n") {
		return body, nil
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch c {
		case '"':
			return "", errors.New(`a '"' inside the string must be written \"`)
		case '\r', '\n':
			return "", errors.New("a line break inside the string must be written \\n")
		case '\\':
		default:
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(body) {
			return "", errors.New(`the string ends in a lone '\'`)
		}
		switch e := body[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'a':
			b.WriteByte('\a')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			// Up to three octal digits; Zeek keeps the low byte.
			v := int(e - '0')
			for n := 1; n < 3 && i+1 < len(body) && '0' <= body[i+1] && body[i+1] <= '7'; n++ {
				i++
				v = v<<3 | int(body[i]-'0')
			}
			b.WriteByte(byte(v))
		case 'x':
			// One or two hex digits.
			if i+1 >= len(body) || !isHex(body[i+1]) {
				return "", errors.New(`\x must be followed by hex digits`)
			}
			v := 0
			for n := 0; n < 2 && i+1 < len(body) && isHex(body[i+1]); n++ {
				i++
				v = v<<4 | hexVal(body[i])
			}
			b.WriteByte(byte(v))
		case '\r', '\n':
			return "", errors.New("a line break inside the string must be written \\n")
		default:
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

// isIdent checks Zeek's identifier syntax: {ID} in src/scan.l.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, "::") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (i > 0 && isDigit(c))) {
				return false
			}
		}
	}
	return true
}

// parseEnum parses an enum identifier, one of allowed.
func parseEnum(s string, allowed []string) (string, error) {
	s = trim(s)
	for _, a := range allowed {
		if s == a {
			return a, nil
		}
	}
	// Zeek needs the module-qualified name outside its module.
	for _, a := range allowed {
		if i := strings.LastIndex(a, "::"); i >= 0 && a[i+2:] == s {
			return "", fmt.Errorf("write the full name %s", a)
		}
	}
	return "", fmt.Errorf("want one of %s", strings.Join(allowed, ", "))
}

// parsePort parses 80/tcp, 53/udp, 8/icmp or 0/unknown.
func parsePort(s string) (zeek.Port, error) {
	s = trim(s)
	num, proto, ok := strings.Cut(s, "/")
	if !ok || !allDigits(num) {
		return zeek.Port{}, errors.New("want a port such as 80/tcp, 53/udp, 8/icmp or 0/unknown")
	}
	var p zeek.Port
	limit := uint64(255)
	switch proto {
	case "tcp":
		p.Proto, limit = zeek.ProtoTCP, 65535
	case "udp":
		p.Proto, limit = zeek.ProtoUDP, 65535
	case "icmp":
		p.Proto = zeek.ProtoICMP
	case "unknown":
		p.Proto = zeek.ProtoUnknown
	default:
		return zeek.Port{}, errors.New("want a port such as 80/tcp, 53/udp, 8/icmp or 0/unknown")
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n > limit {
		return zeek.Port{}, fmt.Errorf("port number %s out of range (at most %d for %s)", num, limit, proto)
	}
	p.Num = uint16(n)
	return p, nil
}

// isDottedQuad reports whether s has the form ({D}"."){3}{D}.
func isDottedQuad(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !allDigits(p) {
			return false
		}
	}
	return true
}

// parseAddrLit parses the address part of an addr or subnet constant. An
// IPv6 address must be bracketed; an IPv4-mapped IPv6 address is IPv4, as
// Zeek keeps it.
func parseAddrLit(s string) (netip.Addr, bool, error) {
	if inner, ok := strings.CutPrefix(s, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		if !ok || !strings.Contains(inner, ":") || strings.Contains(inner, "%") {
			return netip.Addr{}, true, errors.New("want an IPv6 address in brackets such as [2001:db8::1]")
		}
		a, err := netip.ParseAddr(inner)
		if err != nil || !a.Is6() {
			return netip.Addr{}, true, errors.New("bad IPv6 address")
		}
		return a, true, nil
	}
	if isDottedQuad(s) {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Addr{}, false, errors.New("bad IPv4 address")
		}
		return a, false, nil
	}
	if strings.Contains(s, ":") {
		if _, err := netip.ParseAddr(s); err == nil {
			return netip.Addr{}, true, fmt.Errorf("write an IPv6 address in brackets: [%s]", s)
		}
	}
	return netip.Addr{}, false, errors.New("want an address such as 192.168.0.1 or [2001:db8::1]")
}

// parseAddr parses an addr constant.
func parseAddr(s string) (zeek.Addr, error) {
	a, _, err := parseAddrLit(trim(s))
	if err != nil {
		return zeek.Addr{}, err
	}
	return a.Unmap(), nil
}

// parseSubnet parses a subnet constant; host bits are cleared, as Zeek's
// IPPrefix does.
func parseSubnet(s string) (zeek.Subnet, error) {
	s = trim(s)
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return zeek.Subnet{}, errors.New("want a subnet such as 10.0.0.0/8 or [2001:db8::]/32")
	}
	a, v6, err := parseAddrLit(trim(s[:i]))
	if err != nil {
		return zeek.Subnet{}, err
	}
	lenText := trim(s[i+1:])
	if !allDigits(lenText) {
		return zeek.Subnet{}, errors.New("want a prefix length after '/'")
	}
	bits, err := strconv.Atoi(lenText)
	max := 32
	if v6 {
		max = 128
	}
	if err != nil || bits > max {
		return zeek.Subnet{}, fmt.Errorf("prefix length %s longer than %d", lenText, max)
	}
	if a.Is4In6() && bits >= 96 {
		// Zeek keeps an IPv4-mapped prefix as the IPv4 one.
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

// splitSet splits a set constructor, "{ a, b }" or "set(a, b)", into its
// trimmed elements. Commas inside quotes or brackets do not split.
func splitSet(s string) ([]string, error) {
	s = trim(s)
	var body string
	switch {
	case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) >= 2:
		body = s[1 : len(s)-1]
	case strings.HasPrefix(s, "set"):
		rest := trim(s[3:])
		if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
			return nil, errors.New("want a set such as { a, b } or set(a, b)")
		}
		body = rest[1 : len(rest)-1]
	default:
		return nil, errors.New("want a set such as { a, b } or set(a, b)")
	}
	if trim(body) == "" {
		return nil, nil
	}
	var elems []string
	start, depth, inQuote := 0, 0, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inQuote {
			switch c {
			case '\\':
				i++
			case '"':
				inQuote = false
			}
			continue
		}
		switch c {
		case '"':
			inQuote = true
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced %q", c)
			}
		case ',':
			if depth == 0 {
				elems = append(elems, trim(body[start:i]))
				start = i + 1
			}
		}
	}
	if inQuote {
		return nil, errors.New("unterminated string")
	}
	if depth != 0 {
		return nil, errors.New("unbalanced brackets")
	}
	last := trim(body[start:])
	if last != "" {
		elems = append(elems, last)
	} else if len(elems) == 0 {
		return nil, errors.New("empty set element")
	}
	// A trailing comma is allowed, but not an empty element in between.
	for _, e := range elems {
		if e == "" {
			return nil, errors.New("empty set element")
		}
	}
	return elems, nil
}
