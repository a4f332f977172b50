package zeeklog

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadFileWeird(t *testing.T) {
	l, err := ReadFile(filepath.Join("testdata", "weird.log"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Path != "weird" || l.Open != "2024-01-02-03-04-05" || l.Close != "2024-01-02-03-04-06" {
		t.Errorf("path/open/close = %q %q %q", l.Path, l.Open, l.Close)
	}
	if l.Separator != "\t" || l.SetSeparator != "," || l.EmptyField != "(empty)" || l.UnsetField != "-" {
		t.Errorf("separators = %q %q %q %q", l.Separator, l.SetSeparator, l.EmptyField, l.UnsetField)
	}
	wantFields := []string{"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "name", "addl", "notice", "peer", "source"}
	if !reflect.DeepEqual(l.Fields, wantFields) {
		t.Errorf("fields = %q", l.Fields)
	}
	if len(l.Types) != len(wantFields) || l.Types[0] != "time" || l.Types[3] != "port" {
		t.Errorf("types = %q", l.Types)
	}
	if len(l.Records) != 3 {
		t.Fatalf("%d records, want 3", len(l.Records))
	}
	r := l.Records[2]
	if r["name"] != "UDP_datagram_length_mismatch" || r["addl"] != "20 != 12" || r["uid"] != "Cabc123" || r["id.resp_p"] != "53" {
		t.Errorf("record 2 = %v", r)
	}
	if !l.Unset(l.Records[0]["uid"]) || l.Unset(r["uid"]) {
		t.Error("Unset misjudges uid")
	}
	if got := l.Column("name"); !reflect.DeepEqual(got, []string{"truncated_IP", "bad_IP_checksum", "UDP_datagram_length_mismatch"}) {
		t.Errorf("Column(name) = %q", got)
	}
	if got := l.Where("source", "IP"); len(got) != 2 {
		t.Errorf("Where(source, IP) gave %d records", len(got))
	}
	if v, ok := l.Value(l.Records[0], "addl"); ok || v != "" {
		t.Errorf("Value of unset addl = %q, %v", v, ok)
	}
	if v, ok := l.Value(r, "addl"); !ok || v != "20 != 12" {
		t.Errorf("Value(addl) = %q, %v", v, ok)
	}
	if _, ok := l.Value(r, "nosuchfield"); ok {
		t.Error("Value of a missing field is set")
	}
}

func TestSetsAndEscapes(t *testing.T) {
	l, err := ReadFile(filepath.Join("testdata", "sets.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 3 {
		t.Fatalf("%d records", len(l.Records))
	}
	tests := []struct {
		rec, field string
		elems      []string
		value      string
		set        bool
	}{
		{"0", "s", nil, "", false},
		{"0", "v", []string{}, "", true},
		{"1", "s", []string{}, "", true},
		{"1", "v", []string{"1", "2", "3"}, "1,2,3", true},
		{"2", "s", []string{"a,b", "c"}, "a,b,c", true},
		{"2", "v", nil, "", false},
	}
	for _, tt := range tests {
		r := l.Records[int(tt.rec[0]-'0')]
		if got := l.Elems(r[tt.field]); !reflect.DeepEqual(got, tt.elems) {
			t.Errorf("record %s field %s: Elems = %#v, want %#v", tt.rec, tt.field, got, tt.elems)
		}
		if v, ok := l.Value(r, tt.field); v != tt.value || ok != tt.set {
			t.Errorf("record %s field %s: Value = %q, %v; want %q, %v", tt.rec, tt.field, v, ok, tt.value, tt.set)
		}
	}
	// Strings equal to the marks are written escaped: they are values.
	for i, want := range []string{"-", "(empty)", "x\ty"} {
		v, ok := l.Value(l.Records[i], "t")
		if !ok || v != want {
			t.Errorf("record %d: t = %q, %v; want %q", i, v, ok, want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		records int
		wantErr string
	}{
		{"empty input", "", 0, ""},
		{"header only", "#separator \\x09\n#fields\ta\tb\n#types\tstring\tstring\n", 0, ""},
		{"defaults without header lines", "#fields\ta\tb\nx\ty\n", 1, ""},
		{"blank lines skipped", "#fields\ta\n\nx\n\n", 1, ""},
		{"other separator", "#separator |\n#fields|a|b\nx|y\n", 1, ""},
		{"two blocks", "#fields\ta\nx\n#fields\tb\tc\ny\tz\n", 2, ""},
		{"btest banner", "### BTest baseline data\n#open XXXX\n#fields\ta\nx\n#close XXXX\n", 1, ""},
		{"record before fields", "x\ty\n", 0, "record before #fields"},
		{"too few values", "#fields\ta\tb\nx\n", 0, "1 values for 2 fields"},
		{"too many values", "#fields\ta\nx\ty\n", 0, "2 values for 1 fields"},
		{"types mismatch", "#fields\ta\tb\n#types\tstring\n", 0, "1 types for 2 fields"},
		{"empty separator", "#separator \n", 0, "empty #separator"},
		{"long line", "#fields\ta\n" + strings.Repeat("x", MaxLine+1) + "\n", 0, "token too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "zeeklog: ") {
					t.Errorf("error %q lacks the component prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Records) != tt.records {
				t.Errorf("%d records, want %d", len(l.Records), tt.records)
			}
		})
	}
}

func TestTwoBlocksUseTheirOwnFields(t *testing.T) {
	l, err := Parse(strings.NewReader("#fields\ta\nx\n#fields\tb\tc\ny\tz\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{{"a": "x"}, {"b": "y", "c": "z"}}
	if !reflect.DeepEqual(l.Records, want) {
		t.Errorf("records = %v", l.Records)
	}
}

func TestRecordBeforeFieldsIsErrNoFields(t *testing.T) {
	_, err := Parse(strings.NewReader("x\n"))
	if !errors.Is(err, ErrNoFields) {
		t.Errorf("err = %v, want ErrNoFields", err)
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.log"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want ErrNotExist", err)
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{`\x41BCD\x45`, "ABCDE"},
		{`\x2d`, "-"},
		{`a\x09b`, "a\tb"},
		{`\xff`, "\xff"},
		{`\xFf`, "\xff"},
		{`\x4`, `\x4`},
		{`\xzz`, `\xzz`},
		{`back\slash`, `back\slash`},
		{`\\x41`, `\A`},
		{`end\x`, `end\x`},
	}
	for _, tt := range tests {
		if got := Unescape(tt.in); got != tt.want {
			t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"weird.log", "sets.log"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("#separator |\n#fields|a|b\nx|y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Parse(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if n := strings.Count(string(b), "\n") + 1; len(l.Records) > n {
			t.Fatalf("%d records from %d lines", len(l.Records), n)
		}
		for _, r := range l.Records {
			for _, v := range r {
				l.Elems(v)
				if u := Unescape(v); len(u) > len(v) {
					t.Fatalf("Unescape grew %q to %q", v, u)
				}
			}
		}
	})
}
