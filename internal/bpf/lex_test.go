package bpf

import (
	"errors"
	"testing"
)

func TestLex(t *testing.T) {
	tests := []struct {
		src  string
		kind tokKind
		text string
		num  uint32
	}{
		{"tcp", tKeyword, "tcp", 0},
		{"tcpx", tID, "tcpx", 0},
		{"\\tcp", tID, "tcp", 0},
		{"tcp-syn", tNUM, "tcp-syn", 2},
		{"tcp-synx", tID, "tcp-synx", 0},
		{"tcpflags", tNUM, "tcpflags", 13},
		{"icmp6-echo", tNUM, "icmp6-echo", 128},
		{"80", tNUM, "80", 80},
		{"0x50", tNUM, "0x50", 80},
		{"010", tNUM, "010", 8},
		{"1-1", tID, "1-1", 0}, // a name, as in libpcap: "len-1" is not arithmetic
		{"1a", tID, "1a", 0},
		{"ftp-data", tID, "ftp-data", 0},
		{"a_b", tID, "a_b", 0},
		{"10.1", tHID, "10.1", 0},
		{"10.1.2.3", tHID, "10.1.2.3", 0},
		{"1.2.3.4.5", tID, "1.2.3.4.5", 0},
		{"::1", tHID6, "::1", 0},
		{"fe80::1", tHID6, "fe80::1", 0},
		{"::ffff:1.2.3.4", tHID6, "::ffff:1.2.3.4", 0},
		{"1:2:3:4:5:6:7:8", tHID6, "1:2:3:4:5:6:7:8", 0},
		{"0:1:2:3:4:5", tEID, "0:1:2:3:4:5", 0},
		{"00-11-22-33-44-55", tEID, "00-11-22-33-44-55", 0},
		{"0011.2233.4455", tEID, "0011.2233.4455", 0},
		{"001122334455", tEID, "001122334455", 0},
		{"0.1.2.3.4.5", tEID, "0.1.2.3.4.5", 0},
		{"$1f", tAID, "$1f", 0},
		{">=", tOp, ">=", 0},
		{"&&", tOp, "&&", 0},
		{"!", tOp, "!", 0},
		{"es-is", tKeyword, "es-is", 0},
	}
	for _, tt := range tests {
		toks, err := lex(tt.src)
		if err != nil {
			t.Errorf("lex(%q): %v", tt.src, err)
			continue
		}
		if len(toks) != 2 {
			t.Errorf("lex(%q): %d tokens, want one: %v", tt.src, len(toks)-1, toks)
			continue
		}
		got := toks[0]
		if got.kind != tt.kind || got.text != tt.text || got.num != tt.num {
			t.Errorf("lex(%q) = kind %d %q %d, want kind %d %q %d", tt.src, got.kind, got.text, got.num, tt.kind, tt.text, tt.num)
		}
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		src string
		pos int
		msg string
	}{
		{"port 09", 5, "number 09 contains non-octal digit"},
		{"ip[0] = 4294967296", 8, "number 4294967296 overflows 32 bits"},
		{"ether host 1:2:3:", 11, "bogus ethernet address 1:2:3:"},
		{"host #", 5, "unexpected character '#'"},
		{"a \\", 2, "a backslash must be followed by a name"},
	}
	for _, tt := range tests {
		_, err := lex(tt.src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("lex(%q): %v, want an *Error", tt.src, err)
			continue
		}
		if e.Pos != tt.pos || e.Msg != tt.msg {
			t.Errorf("lex(%q): at %d %q, want at %d %q", tt.src, e.Pos, e.Msg, tt.pos, tt.msg)
		}
	}
}

func TestIsV6Form(t *testing.T) {
	for s, want := range map[string]bool{
		"::": true, "::1": true, "1::": true, "1::2": true, "1:2:3:4:5:6:7:8": true, "1:2:3:4:5:6:7::": true,
		"::1.2.3.4": true, "1:2:3:4:5:6:1.2.3.4": true, "1:2:3:4:5:6:7": false, "1::2::3": false,
		":1:2": false, "1:2:": false, "12345::1": false, "1:::2": false, "1.2.3.4": false,
	} {
		if got := isV6Form(s); got != want {
			t.Errorf("isV6Form(%q) = %v, want %v", s, got, want)
		}
	}
}
