package ascii

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/heron-nsm/heron/internal/logging/schema"
)

type fuzzRec struct {
	S string   `zeek:"s"`
	V []string `zeek:"v"`
}

// fuzzSeparators are the separator pairs the fuzz target picks from. Zeek's
// format is ambiguous with multi-byte separators (a value ending in "|"
// before a "||" separator) and when both separators are equal, so those are
// left out, and so are bytes that occur in escapes (backslash, x, hex digits).
var fuzzSeparators = [][2]string{{"\t", ","}, {"|", ";"}, {" ", ","}, {",", "\t"}, {"~", "!"}}

// FuzzASCIIString escapes a string as a field and as set elements and
// checks that the line holds no raw separators, newlines or (without UTF-8)
// non-printable bytes, that with UTF-8 the line is valid UTF-8 without
// control characters, and that unescaping gives the string back.
func FuzzASCIIString(f *testing.F) {
	for _, s := range []string{"", "-", "(empty)", "a\tb", "a,b", `\x41`, "#x", "é\x01", "\xff", "दुनिया", "a\\"} {
		f.Add(s, true, uint8(0))
	}
	sc, err := schema.For[fuzzRec]()
	if err != nil {
		f.Fatal(err)
	}
	view, err := sc.View(schema.ViewOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, utf8On bool, sel uint8) {
		o := DefaultOptions()
		o.EnableUTF8 = utf8On
		seps := fuzzSeparators[int(sel)%len(fuzzSeparators)]
		o.Separator, o.SetSeparator = seps[0], seps[1]
		r := fuzzRec{S: s, V: []string{s, s}}
		line := string(NewEncoder(o).AppendRecord(nil, view, schema.RecordOf(&r)))
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("line %q: newline not only at the end", line)
		}
		line = strings.TrimSuffix(line, "\n")
		if utf8On && !utf8.ValidString(line) {
			t.Fatalf("line %q: invalid UTF-8", line)
		}
		fields := strings.Split(line, o.Separator)
		if len(fields) != 2 {
			t.Fatalf("line %q: %d fields", line, len(fields))
		}
		elems := strings.Split(fields[1], o.SetSeparator)
		if len(elems) != 2 {
			t.Fatalf("vector %q: %d elements", fields[1], len(elems))
		}
		for _, v := range []string{fields[0], elems[0], elems[1]} {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < 0x20 || c == 0x7f || !utf8On && c >= 0x80 {
					t.Fatalf("line %q: raw byte %#x in a value", line, c)
				}
			}
		}
		decode := func(v string) string {
			if v == o.EmptyField {
				return ""
			}
			u, err := unescape(v)
			if err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			return u
		}
		if got := decode(fields[0]); got != s {
			t.Fatalf("field %q decodes to %q, want %q", fields[0], got, s)
		}
		for _, e := range elems {
			if got := decode(e); got != s {
				t.Fatalf("element %q decodes to %q, want %q", e, got, s)
			}
		}
	})
}
