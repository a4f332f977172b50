package json

import (
	stdjson "encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzJSONString checks that every escape policy yields a valid JSON
// string, that clean UTF-8 decodes back to itself, and that the text is
// valid UTF-8 whatever the input.
func FuzzJSONString(f *testing.F) {
	for _, tc := range escapeCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []EscapePolicy{EscapeHex, EscapePUA, EscapeTSV} {
			out := AppendString(nil, s, p)
			if !utf8.Valid(out) {
				t.Fatalf("%v %q: invalid UTF-8 %q", p, s, out)
			}
			var back string
			if err := stdjson.Unmarshal(out, &back); err != nil {
				t.Fatalf("%v %q: %s is not a JSON string: %v", p, s, out, err)
			}
			if p != EscapeTSV && utf8Clean(s) && back != s {
				t.Fatalf("%v %q: decodes to %q", p, s, back)
			}
		}
	})
}

// utf8Clean reports whether Zeek passes s through unescaped under the HEX
// and PUA policies.
func utf8Clean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\b' && r != '\f' && r != '\n' && r != '\r' && r != '\t' ||
			r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0xe000 && r <= 0xf8ff || r >= 0xfff0 && r <= 0xffff {
			return false
		}
	}
	return true
}
