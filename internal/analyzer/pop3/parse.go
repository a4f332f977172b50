package pop3

import "bytes"

// Pure functions over POP3 lines, as Zeek's POP3 analyzer reads them
// (src/analyzer/protocol/pop3/POP3.cc). They only read their input.

// Command codes, in Zeek's order (POP3_cmd.def): the two server status
// indicators first, then the client commands.
const (
	cmdOK = iota
	cmdERR
	cmdUSER
	cmdPASS
	cmdAPOP
	cmdAUTH
	cmdSTAT
	cmdLIST
	cmdRETR
	cmdDELE
	cmdRSET
	cmdNOOP
	cmdLAST
	cmdQUIT
	cmdTOP
	cmdCAPA
	cmdUIDL
	cmdSTLS
	cmdXSENDER
	numCommands
)

var commandWords = [numCommands]string{
	"OK", "ERR", "USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE",
	"RSET", "NOOP", "LAST", "QUIT", "TOP", "CAPA", "UIDL", "STLS", "XSENDER",
}

// cString returns b up to its first NUL, as Zeek's C string handling
// sees a line.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// trim is Zeek's trim_whitespace: leading blanks and tabs go, runs of
// blanks become one, trailing blanks go (tabs elsewhere stay).
func trim(dst, in []byte) []byte {
	in = cString(in)
	i := 0
	for i < len(in) && (in[i] == ' ' || in[i] == '\t') {
		i++
	}
	for i < len(in) {
		if in[i] == ' ' {
			for i < len(in) && in[i] == ' ' {
				i++
			}
			if i == len(in) {
				break
			}
			dst = append(dst, ' ')
		}
		dst = append(dst, in[i])
		i++
	}
	return dst
}

// tokens splits a trimmed line at its first blank (Zeek's TokenizeLine
// with ' '): the command word and the rest. ok is false for an empty
// line.
func tokens(s []byte) (first, rest []byte, n int) {
	if len(s) == 0 {
		return nil, nil, 0
	}
	i := bytes.IndexByte(s, ' ')
	if i < 0 {
		return s, nil, 1
	}
	return s[:i], s[i+1:], 2
}

// parseCommand maps a word to a command code, -1 if none (Zeek's
// ParseCmd, which strips a leading '+' or '-' again before each
// comparison, so "+OK", "-ERR" and also "+-ERR" match).
func parseCommand(word []byte) int {
	if len(word) == 0 {
		return -1
	}
	w := word
	for code := 0; code < numCommands; code++ {
		if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
			w = w[1:]
		}
		if equalUpper(w, commandWords[code]) {
			return code
		}
	}
	return -1
}

// equalUpper reports whether w in upper case is s.
func equalUpper(w []byte, s string) bool {
	if len(w) != len(s) {
		return false
	}
	for i := range w {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// isTerminator reports whether a line of a multi-line reply ends it: a
// lone "." (Zeek also accepts ".\n" and ".\r\n" left in the line).
func isTerminator(line []byte) bool {
	if len(line) == 0 || line[0] != '.' {
		return false
	}
	return len(line) == 1 || line[1] == '\n' || len(line) > 2 && line[1] == '\r' && line[2] == '\n'
}
