package smtp

import (
	"errors"
	"testing"
)

func TestParseBDATArg(t *testing.T) {
	for _, c := range []struct {
		arg  string
		size uint64
		last bool
		err  error
	}{
		{"86 LAST", 86, true, nil},
		{"86 last", 86, true, nil},
		{"86", 86, false, nil},
		{"0 LAST", 0, true, nil},
		{" 86 LAST", 0, false, errBDATNoSize},
		{"scramble LAST", 0, false, errBDATNoSize},
		{"-42 LAST", 0, false, errBDATNoSize},
		{"", 0, false, errBDATLength},
		{"86LAST", 0, false, errBDATBadSize},
		{"86 SCRAMBLE", 0, false, errBDATJunk},
		{"86 LASTSCRAMBLE", 0, false, errBDATJunk},
		{"86  LAST", 0, false, errBDATJunk},
		{"86 ", 0, false, errBDATJunk},
		{"86\x00 LAST", 0, false, errBDATJunk},
		{"15555555557777777777", 15555555557777777777, false, nil},
		{"18446744073709551615 LAST", 18446744073709551615, true, nil},
		{"184467440737095516150", 0, false, errBDATTooLarge},
		{"184467440737095516150 LAST", 0, false, errBDATLength},
	} {
		size, last, err := parseBDATArg([]byte(c.arg))
		if !errors.Is(err, c.err) {
			t.Errorf("%q: error %v, want %v", c.arg, err, c.err)
			continue
		}
		if err == nil && (size != c.size || last != c.last) {
			t.Errorf("%q: %d %v, want %d %v", c.arg, size, last, c.size, c.last)
		}
	}
}

func TestParseCommand(t *testing.T) {
	for w, want := range map[string]command{
		"EHLO": cmdEHLO, "helo": cmdHELO, "Mail": cmdMAIL, "bdat": cmdBDAT, "STARTTLS": cmdSTARTTLS,
		"X-ANONYMOUSTLS": cmdXAnonymousTLS, "x_anonymoustls": cmdXAnonymousTLS,
		// Zeek's table holds the pseudo-commands' names too.
		"END_OF_DATA": cmdEndOfData, "AUTH_ANSWER": cmdAuthAnswer,
		"": cmdNone, "MAILX": cmdNone, "MAI": cmdNone, "LAST": cmdNone,
	} {
		if got := parseCommand([]byte(w)); got != want {
			t.Errorf("%q: %v, want %v", w, got, want)
		}
	}
	if got := cmdEndOfData.replyName(); got != "." {
		t.Errorf("END_OF_DATA replies to %q", got)
	}
	if got := cmdConnEstablishment.replyName(); got != ">" {
		t.Errorf("the greeting replies to %q", got)
	}
	if got := cmdNone.replyName(); got != unknownCommand {
		t.Errorf("no command replies to %q", got)
	}
}

func TestReplyCode(t *testing.T) {
	for line, want := range map[string]int{
		"250 ok": 250, "250-more": 250, "100": 100, "599 x": 599, "099 x": -1, "600 x": -1,
		"25": -1, "2x0 x": -1, "": -1, "554": 554,
	} {
		if got := replyCode([]byte(line)); got != want {
			t.Errorf("%q: %d, want %d", line, got, want)
		}
	}
}

func TestWordsAndBlanks(t *testing.T) {
	if w := firstWord([]byte("MAIL FROM:<a@b>")); string(w) != "MAIL" {
		t.Errorf("firstWord: %q", w)
	}
	if w := firstWord([]byte("NO\x00OP x")); string(w) != "NO" {
		t.Errorf("firstWord stops at NUL: %q", w)
	}
	if w := firstWord([]byte("\tX")); string(w) != "" {
		t.Errorf("firstWord of a line starting with a tab: %q", w)
	}
	if b := skipBlanks([]byte(" \t x ")); string(b) != "x " {
		t.Errorf("skipBlanks: %q", b)
	}
	if b := trimTrailingCRs([]byte("a\r\r")); string(b) != "a" {
		t.Errorf("trimTrailingCRs: %q", b)
	}
}
