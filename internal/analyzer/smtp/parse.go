package smtp

import (
	"errors"
	"strconv"
)

// Wire-format helpers of the analyzer: command words, reply codes and
// BDAT arguments, with Zeek's leniencies (src/analyzer/protocol/smtp).

// command is an SMTP command as the analyzer tracks it (Zeek's SMTP_Cmd).
// Besides the words clients send there are pseudo-commands: the
// connection's greeting, the end of message data and an answer in an AUTH
// exchange.
type command int8

// Commands, in Zeek's order (SMTP_cmd.def). cmdNone is "no command".
const (
	cmdNone command = iota - 1
	cmdEHLO
	cmdHELO
	cmdMAIL
	cmdRCPT
	cmdDATA
	cmdQUIT
	cmdRSET
	cmdVRFY
	cmdEXPN
	cmdHELP
	cmdNOOP
	cmdSTARTTLS
	cmdXAnonymousTLS
	cmdConnEstablishment
	cmdEndOfData
	cmdSEND
	cmdSOML
	cmdSAML
	cmdTURN
	cmdBDAT
	cmdETRN
	cmdAUTH
	cmdAuthAnswer
	cmdLast
)

// commandWords are the commands' names, which Zeek also accepts as
// command words on the wire (so a client line "END_OF_DATA" parses as
// that pseudo-command, as in Zeek).
var commandWords = [cmdLast]string{
	"EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "VRFY", "EXPN", "HELP", "NOOP",
	"STARTTLS", "X_ANONYMOUSTLS", "CONN_ESTABLISHMENT", "END_OF_DATA",
	"SEND", "SOML", "SAML", "TURN", "BDAT", "ETRN", "AUTH", "AUTH_ANSWER",
}

// unknownCommand is how replies to no known command name it.
const unknownCommand = "(UNKNOWN)"

// word returns the command's name as smtp_reply events carry it.
func (c command) word() string {
	if c < 0 || c >= cmdLast {
		return unknownCommand
	}
	return commandWords[c]
}

// replyName is the cmd argument of smtp_reply: ">" for the greeting, "."
// for the end of data, else the command's word.
func (c command) replyName() string {
	switch c {
	case cmdConnEstablishment:
		return ">"
	case cmdEndOfData:
		return "."
	}
	return c.word()
}

// equalFoldASCII compares b with the upper-case word s ignoring ASCII
// case, as strncasecmp does.
func equalFoldASCII[T ~string | ~[]byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		d := s[i]
		if 'a' <= d && d <= 'z' {
			d -= 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// parseCommand maps a command word (any case) to its command, or cmdNone.
func parseCommand(w []byte) command {
	if equalFoldASCII(w, "X-ANONYMOUSTLS") {
		return cmdXAnonymousTLS
	}
	for c := cmdEHLO; c < cmdLast; c++ {
		if equalFoldASCII(w, commandWords[c]) {
			return c
		}
	}
	return cmdNone
}

// isSpace is C's isspace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// firstWord returns the bytes up to the first white space or NUL (Zeek's
// get_word).
func firstWord(line []byte) []byte {
	i := 0
	for i < len(line) && line[i] != 0 && !isSpace(line[i]) {
		i++
	}
	return line[:i]
}

// skipBlanks drops leading spaces and tabs (Zeek's skip_whitespace).
func skipBlanks(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return b[i:]
}

// replyCode returns the three-digit code at the start of a reply line,
// or -1 when the line does not start with one in 100..599.
func replyCode(line []byte) int {
	if len(line) < 3 {
		return -1
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return -1
		}
	}
	code := int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if code < 100 || code > 599 {
		return -1
	}
	return code
}

// maxBDATArg is the longest BDAT argument accepted: the largest 64-bit
// chunk size followed by " LAST".
const maxBDATArg = len("18446744073709551615 LAST")

// Errors of parseBDATArg; their texts are the addl of Zeek's
// smtp_invalid_bdat_command weird.
var (
	errBDATLength   = errors.New("BDAT argument bad length")
	errBDATNoSize   = errors.New("BDAT not followed by a valid chunk-size")
	errBDATBadSize  = errors.New("BDAT chunk-size not valid")
	errBDATTooLarge = errors.New("BDAT chunk-size too large")
	errBDATJunk     = errors.New("BDAT chunk-size followed by junk")
)

// parseBDATArg parses the argument of a BDAT command ("86", "86 LAST"),
// as Zeek's parse_bdat_arg does.
func parseBDATArg(arg []byte) (size uint64, last bool, err error) {
	if len(arg) == 0 || len(arg) > maxBDATArg {
		return 0, false, errBDATLength
	}
	if arg[0] < '0' || arg[0] > '9' {
		return 0, false, errBDATNoSize
	}
	// The digits, as strtoull reads them; a NUL ends the string there.
	i := 0
	for i < len(arg) && arg[i] >= '0' && arg[i] <= '9' {
		i++
	}
	if i < len(arg) && arg[i] != ' ' && arg[i] != 0 {
		return 0, false, errBDATBadSize
	}
	size, perr := strconv.ParseUint(string(arg[:i]), 10, 64)
	if perr != nil {
		return 0, false, errBDATTooLarge
	}
	// Anything after the size must be " LAST" (any case). A NUL where
	// the digits stop counts as junk, as in Zeek, which compares what
	// follows with strncasecmp.
	rest := arg[i:]
	if len(rest) > 0 {
		last = len(rest) >= 5 && equalFoldASCII(rest[:5], " LAST")
		if !last || len(rest) != 5 {
			return size, last, errBDATJunk
		}
	}
	return size, last, nil
}

// hasPrefixFold reports whether b starts with prefix, ignoring ASCII case.
func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && equalFoldASCII(b[:len(prefix)], prefix)
}

// trimTrailingCRs drops the CRs at the end of a line.
func trimTrailingCRs(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}
