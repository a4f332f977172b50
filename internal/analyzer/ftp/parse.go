package ftp

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Pure functions over FTP lines and replies: what Zeek's FTP analyzer does
// with a line (src/analyzer/protocol/ftp/FTP.cc), its address parsing
// functions (functions.bif) and the string helpers its scripts use
// (base/utils/{numbers,paths,addrs}.zeek). Every function only reads its
// input and keeps no reference to it.

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isDigit is C's isdigit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isPrint is C's isprint.
func isPrint(c byte) bool { return c >= 0x20 && c < 0x7f }

// skipWS skips blanks and tabs (Zeek's skip_whitespace).
func skipWS(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return b[i:]
}

// getWord returns the first word of b: the bytes up to white space or a
// NUL (Zeek's get_word).
func getWord(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] != 0 && !isSpace(b[i]) {
		i++
	}
	return b[:i]
}

// isCommand reports whether word can be an FTP command: at least three
// printable characters, none of them white space.
func isCommand(word []byte) bool {
	if len(word) < 3 {
		return false
	}
	for _, c := range word {
		if !isPrint(c) || isSpace(c) {
			return false
		}
	}
	return true
}

// prefixOf reports whether word is a prefix of s, as strncmp(word, s,
// len(word)) == 0 compares them (an empty word is a prefix of anything).
func prefixOf(word []byte, s string) bool {
	if len(word) > len(s) {
		// strncmp stops at the end of s: word must equal s and then
		// have a NUL, which words never have.
		return false
	}
	return string(word) == s[:len(word)]
}

// replyCode returns the three-digit code a line starts with, or 0.
func replyCode(line []byte) int {
	if len(line) >= 3 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2]) {
		return int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	}
	return 0
}

// cString returns b up to its first NUL, as C string functions see it.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// hostPort is the result of parsing an address and port (Zeek's
// ftp_port record).
type hostPort struct {
	h     zeek.Addr
	p     uint16
	valid bool
}

// scanInt reads what sscanf's %d reads at b: optional white space, an
// optional sign and at least one digit. It returns the value clamped to
// the int32 range, the bytes consumed, and whether a number was there.
func scanInt(b []byte) (int64, int, bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v int64
	for i < len(b) && isDigit(b[i]) {
		if v < 1<<40 {
			v = v*10 + int64(b[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

// parsePort parses the argument of PORT or the address list of a 227
// reply, "h1,h2,h3,h4,p1,p2" (Zeek's parse_ftp_port): six numbers of
// 0–255 separated by commas, white space allowed before each; at least
// eleven bytes.
func parsePort(s []byte) hostPort {
	var r hostPort
	r.h = netip.AddrFrom4([4]byte{})
	if len(s) < 11 {
		return r
	}
	var n [6]int64
	rest := cString(s)
	for i := range n {
		v, used, ok := scanInt(rest)
		if !ok {
			return r
		}
		n[i] = v
		rest = rest[used:]
		if i < 5 {
			if len(rest) == 0 || rest[0] != ',' {
				return r
			}
			rest = rest[1:]
		}
	}
	for _, v := range n {
		if v < 0 || v > 255 {
			return r
		}
	}
	r.h = netip.AddrFrom4([4]byte{byte(n[0]), byte(n[1]), byte(n[2]), byte(n[3])})
	r.p = uint16(n[4]<<8 | n[5])
	r.valid = true
	return r
}

// strtol reads what C's strtol(s, &end, 10) reads: white space, a sign,
// digits. It returns the value (saturated as a long, then truncated to a
// C int as Zeek stores it) and the index of end (0 when no digits).
func strtol(b []byte) (int64, int) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v uint64
	over := false
	for i < len(b) && isDigit(b[i]) {
		d := uint64(b[i] - '0')
		if v > (1<<63-1-d)/10 {
			over = true
		} else {
			v = v*10 + d
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	var l int64
	switch {
	case over && neg:
		l = -1 << 63
	case over:
		l = 1<<63 - 1
	case neg:
		l = -int64(v)
	default:
		l = int64(v)
	}
	return int64(int32(l)), i
}

// parseIP converts an address as Zeek's IPAddr::ConvertString does:
// IPv6 when there is a colon (inet_pton), else four %d numbers separated
// by dots and nothing after them.
func parseIP(s []byte) (zeek.Addr, bool) {
	if bytes.IndexByte(s, ':') >= 0 {
		a, err := netip.ParseAddr(string(s))
		if err != nil || a.Zone() != "" || !a.Is6() {
			return zeek.Addr{}, false
		}
		return a.Unmap(), true
	}
	var q [4]byte
	rest := s
	for i := range q {
		v, used, ok := scanInt(rest)
		if !ok {
			return zeek.Addr{}, false
		}
		rest = rest[used:]
		if i < 3 {
			if len(rest) == 0 || rest[0] != '.' {
				return zeek.Addr{}, false
			}
			rest = rest[1:]
		}
		if v < 0 || v > 255 {
			return zeek.Addr{}, false
		}
		q[i] = byte(v)
	}
	if len(rest) != 0 {
		return zeek.Addr{}, false
	}
	return netip.AddrFrom4(q), true
}

// parseExtended parses "<d><proto><d><addr><d><port><d>" (EPRT's
// argument, the inside of a 229 reply) as Zeek's parse_eftp does, with
// its leniencies: an empty address is the unspecified IPv6 address, and
// a missing final delimiter after the address leaves the result valid
// with port 0.
func parseExtended(line []byte, present bool) hostPort {
	r := hostPort{h: netip.IPv6Unspecified()}
	if !present {
		return r
	}
	line = cString(line)
	i := 0
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	if i >= len(line) {
		return r
	}
	delim := line[i]
	r.valid = true
	i++
	_, end := strtol(line[i:])
	next := i + end
	if next >= len(line) || line[next] != delim {
		r.valid = false
	}
	i = next
	if i < len(line) {
		i++
	}
	if i < len(line) && line[i] != delim {
		stop := bytes.IndexByte(line[i:], delim)
		if stop < 0 {
			stop = len(line) - i
		}
		a, ok := parseIP(line[i : i+stop])
		r.valid = ok
		if ok {
			r.h = a
		}
	}
	j := bytes.IndexByte(line[i:], delim)
	if j >= 0 {
		i += j + 1
		port, end := strtol(line[i:])
		next := i + end
		if next >= len(line) || line[next] != delim {
			r.valid = false
		}
		if port < 0 || port > 65535 {
			port = 0
			r.valid = false
		}
		r.p = uint16(port)
	}
	return r
}

// parsePASV finds the address list in a 227 reply (Zeek's
// parse_ftp_pasv): after a '(', after "PORT ", or at the digits before
// the first comma.
func parsePASV(msg []byte) hostPort {
	if len(msg) == 0 {
		return parsePort(nil)
	}
	s := cString(msg)
	var at int
	switch {
	case bytes.IndexByte(s, '(') >= 0:
		at = bytes.IndexByte(s, '(') + 1
	case bytes.Contains(s, []byte("PORT")):
		at = bytes.Index(s, []byte("PORT")) + 5
	case bytes.IndexByte(s, ',') >= 0:
		at = bytes.IndexByte(s, ',')
		for at > 0 && isDigit(s[at-1]) {
			at--
		}
	default:
		return parsePort(nil)
	}
	if at > len(msg) {
		return parsePort(nil)
	}
	// C reads on from there to the next NUL, which may lie beyond the
	// first one when "PORT" ended the C string.
	return parsePort(cString(msg[at:]))
}

// parseEPSV parses a 229 reply (Zeek's parse_ftp_epsv): what follows
// the first '('.
func parseEPSV(msg []byte) hostPort {
	s := cString(msg)
	i := bytes.IndexByte(s, '(')
	if i < 0 {
		return parseExtended(nil, false)
	}
	return parseExtended(s[i+1:], true)
}

// lastCount returns the last run of digits in s as a number (Zeek's
// extract_count(s, F)); 0 without digits. ok is false when the number
// does not fit a count (Zeek's script stops there with an error).
func lastCount(s string) (n uint64, ok bool) {
	end := -1
	for i := len(s) - 1; i >= 0; i-- {
		if isDigit(s[i]) {
			end = i + 1
			break
		}
	}
	if end < 0 {
		return 0, true
	}
	start := end - 1
	for start > 0 && isDigit(s[start-1]) {
		start--
	}
	v, err := strconv.ParseUint(s[start:end], 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// isAbsolutePath is Zeek's absolute_path_pat matched against the whole
// string: "/" or a drive letter with ":\" or ":/", then anything but a
// newline.
func isAbsolutePath(s string) bool {
	var rest string
	switch {
	case strings.HasPrefix(s, "/"):
		rest = s[1:]
	case len(s) >= 3 && isAlpha(s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/'):
		rest = s[3:]
	default:
		return false
	}
	return strings.IndexByte(rest, '\n') < 0
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// buildPath joins a directory and a file name, keeping absolute names
// (Zeek's build_path).
func buildPath(dir, name string) string {
	if isAbsolutePath(name) || dir == "" {
		return name
	}
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// normalizePath removes "." and ".." components and duplicate slashes as
// Zeek's normalize_path (compress_path) does on POSIX systems.
func normalizePath(p string) string {
	if !strings.Contains(p, "/.") && !strings.Contains(p, "//") {
		if len(p) > 1 && p[len(p)-1] == '/' {
			p = p[:len(p)-1]
		}
		return p
	}
	var b strings.Builder
	if p != "" && p[0] == '/' {
		b.WriteByte('/')
	}
	comps := strings.Split(p, "/")
	final := make([]string, 0, len(comps))
	for i, c := range comps {
		if c == "" {
			continue
		}
		if c == "." && i != 0 {
			continue
		}
		final = append(final, c)
		if c == ".." {
			cur := len(final) - 1
			if cur != 0 {
				last := final[cur-1]
				if last == "/" || last == "~" || last == ".." {
					continue
				}
				if last == "." {
					final[cur-1] = ".."
					final = final[:cur]
				} else {
					final = final[:cur-1]
				}
			}
		}
	}
	for _, c := range final {
		b.WriteString(c)
		b.WriteByte('/')
	}
	out := b.String()
	if len(out) > 1 && out[len(out)-1] == '/' {
		out = out[:len(out)-1]
	}
	return out
}

// buildPathCompressed is Zeek's build_path_compressed.
func buildPathCompressed(dir, name string) string { return normalizePath(buildPath(dir, name)) }

// extractPath returns the first absolute path in s (Zeek's
// extract_path): "/" or a drive prefix, then bytes other than '"' and
// ' ' or backslash-escaped blanks; "" when there is none.
func extractPath(s string) string {
	for i := 0; i < len(s); i++ {
		var n int
		switch {
		case s[i] == '/':
			n = 1
		case i+2 < len(s) && isAlpha(s[i]) && s[i+1] == ':' && (s[i+2] == '\\' || s[i+2] == '/'):
			n = 3
		default:
			continue
		}
		j := i + n
		for j < len(s) {
			// A blank continues the path only right after a backslash
			// of the path ("\ "); the longest match takes that pair.
			if s[j] == '"' || s[j] == ' ' && !(j > i+n && s[j-1] == '\\') {
				break
			}
			j++
		}
		return s[i:j]
	}
	return ""
}

// uriHost is an address as it appears in a URL (Zeek's addr_to_uri):
// IPv6 in brackets.
func uriHost(a zeek.Addr) string {
	if a.Is4() {
		return a.String()
	}
	return "[" + a.String() + "]"
}

// looksLikeReply is the script's test for an intermediate line that is
// a reply after all: /^[1-9][0-9]{2} [[:print:]]{10}.*/.
func looksLikeReply(msg string) bool {
	if len(msg) < 14 || msg[0] < '1' || msg[0] > '9' || !isDigit(msg[1]) || !isDigit(msg[2]) || msg[3] != ' ' {
		return false
	}
	for i := 4; i < 14; i++ {
		if !isPrint(msg[i]) {
			return false
		}
	}
	return true
}
