package regex

import (
	"errors"
	"strings"
	"testing"
)

// firstMatch feeds BOL+data(+EOL) to a one-pattern set and returns the
// position of the first match, or -1. A match on the empty input before BOL
// reports 0.
func firstMatch(t *testing.T, pattern string, data string, eol bool) int {
	t.Helper()
	s, err := Compile(pattern)
	if err != nil {
		t.Fatalf("compile /%s/: %v", pattern, err)
	}
	m := s.NewMatcher(MatcherOptions{})
	var st Stream
	hits, _ := m.Feed(&st, []byte(data), true, eol, false, nil)
	if len(hits) == 0 {
		return -1
	}
	return int(hits[0].Pos)
}

func TestMatchTable(t *testing.T) {
	tests := []struct {
		pattern string
		data    string
		eol     bool
		want    int // Hit.Pos (BOL counts as one symbol) or -1
	}{
		// Anchored at the start: "abc" must be a prefix.
		{"abc", "abcdef", false, 3},
		{"abc", "xabc", false, -1},
		{".*abc", "xxabc", false, 5},
		{"bc", "abc", false, -1},
		// '.' matches newlines and any byte.
		{"a.c", "a\nc", false, 3},
		{"a.c", "a\xffc", false, 3},
		// Classes.
		{"[a-c]+x", "abcx", false, 4},
		{"[^a-c]x", "dx", false, 2},
		{"[^a-c]x", "ax", false, -1},
		{"[]]", "]", false, 1},
		{"[^]]", "]", false, -1},
		{"[-a]", "-", false, 1},
		{"[a-]", "-", false, 1},
		{"[[:digit:]]+z", "123z", false, 4},
		{"[[:ALPHA:]]", "Q", false, 1},
		{"[[:space:]]*GET", " \t\r\nGET", false, 7},
		{"[[:punct:]]", "!", false, 1},
		{"[[:xdigit:]]{4}", "beEf", false, 4},
		// Escapes.
		{`\x41\x42`, "AB", false, 2},
		{`\101`, "A", false, 1},
		{`\1011`, "A", false, 1}, // extra octal digits are dropped, as in Zeek
		{`\X41`, "X", false, 1},  // caseless scanner, escape expander knows only \x
		{`\d`, "d", false, 1},
		{`\.`, ".", false, 1},
		{`\.`, "x", false, -1},
		{`\n\r\t`, "\n\r\t", false, 3},
		{`a\/b`, "a/b", false, 3},
		{`[\x00-\x02]`, "\x01", false, 1},
		{`\x00`, "\x00", false, 1},
		// Repetition.
		{"a{3}", "aaa", false, 3},
		{"a{3}", "aa", false, -1},
		{"a{2,}", "aa", false, 2},
		{"a{2,3}b", "aaab", false, 4},
		{"a{2,3}b", "aaaab", false, -1},
		{"a{0,2}b", "b", false, 1},
		{"xa{0}b", "xb", false, 2},
		{"xa{0,0}b", "xb", false, 2},
		{"a+?b", "b", false, 1},
		{"(ab)*c", "ababc", false, 5},
		// Alternation and empty first alternative.
		{"(|.*[\\n\\r]) *[uU][sS][eE][rR] ", "USER x", false, 5},
		{"(|.*[\\n\\r]) *[uU][sS][eE][rR] ", "220 hi\r\n  user x", false, 15},
		{"foo|bar", "bar", false, 3},
		{"()x", "x", false, 1},
		// Case-insensitivity.
		{"(?i:abc)", "AbC", false, 3},
		{"(?i:[a-c]+)z", "ABCz", false, 4},
		{"(?i:a)b", "AB", false, -1},
		{`(?i:"ab")`, "AB", false, -1},
		{`(?i:\x41)`, "a", false, -1},
		{"(?I:q)", "Q", false, 1},
		{"(?i:(?i:a)b)", "AB", false, -1}, // the flag is switched off, not restored
		{"(?i:[[:lower:]])", "Q", false, 1},
		// Quotes.
		{`"a.b"`, "a.b", false, 3},
		{`"a.b"`, "axb", false, -1},
		{`"a\"b"`, `a"b`, false, 3},
		{`""x`, "x", false, 1},
		// Begin and end markers.
		{"^abc", "abc", false, 3},
		{"abc$", "abc", false, -1},
		{"abc$", "abc", true, 4},
		{"abc$", "abcd", true, -1},
		{"^$", "", true, 1},
		{"(^|x)y", "y", false, 1},
		// Empty pattern matches before any input.
		{"", "abc", false, 0},
		{".*", "abc", false, 0},
		// Literal '[' without class characters, literal ']' outside.
		{"a[", "a[", false, 2},
		{"a]", "a]", false, 2},
		// A newline ends the pattern.
		{"ab\ncd", "abxx", false, 2},
	}
	for _, tc := range tests {
		got := firstMatch(t, tc.pattern, tc.data, tc.eol)
		if got != tc.want {
			t.Errorf("/%s/ on %q (eol=%v): got %d, want %d", tc.pattern, tc.data, tc.eol, got, tc.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	bad := []string{
		"a{6,5}", "a{1,a}", "a{1,2", "[1234", "a[1234}", `a"b`,
		"*a", "a|", "a||b", "(a|)", "(a", "a)", "a{foo}", "a{", "}",
		"[z-a]", "(?i:[0-z])", "[[:foo:]]", `\xg1`, `\x4`, "a\xffb",
		`\777`, "[a-b-c]", "[a\nb]", "\"a\nb\"", "+", "{3}",
		"[[:alpha:]-z]",
	}
	for _, p := range bad {
		if _, err := Compile(p); err == nil {
			t.Errorf("/%s/: want error", p)
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("/%s/: error %v does not wrap ErrSyntax", p, err)
		}
	}
	good := []string{"a{1,2}", `a"b"`, `a\"b`, "|a", "(|a)", "a[^]]", "[^-]", "a**", "a{2}*"}
	for _, p := range good {
		if _, err := Compile(p); err != nil {
			t.Errorf("/%s/: %v", p, err)
		}
	}
}

func TestTooLarge(t *testing.T) {
	if _, err := Compile("(((a{100}){100}){100})"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
	if _, err := Compile("a{10001}"); err == nil {
		t.Fatal("want error for huge repeat count")
	}
	if _, err := Compile(strings.Repeat("(", 5000) + "a" + strings.Repeat(")", 5000)); err == nil {
		t.Fatal("want error for deep nesting")
	}
	pats := make([]string, MaxPatterns+1)
	for i := range pats {
		pats[i] = "a"
	}
	if _, err := CompileSet(pats, CompileOptions{}); err == nil {
		t.Fatal("want error for too many patterns")
	}
}

// TestClassCache reproduces Zeek's bracket-expression cache: a literal class
// [x] earlier in the set makes a later case-insensitive x case-sensitive.
func TestClassCache(t *testing.T) {
	s, err := CompileSet([]string{"[x]", "(?i:x)y"}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMatcher(MatcherOptions{})
	var st Stream
	hits, _ := m.Feed(&st, []byte("Xy"), true, false, false, nil)
	if len(hits) != 0 {
		t.Fatalf("got %v, want no match (cached [x])", hits)
	}
	st.Reset()
	hits, _ = m.Feed(&st, []byte("xy"), true, false, false, nil)
	if len(hits) != 2 {
		t.Fatalf("got %v, want both patterns", hits)
	}
	// Without the earlier class the letter is case-insensitive.
	s2, _ := CompileSet([]string{"(?i:x)y"}, CompileOptions{})
	m2 := s2.NewMatcher(MatcherOptions{})
	st.Reset()
	if hits, _ := m2.Feed(&st, []byte("Xy"), true, false, false, nil); len(hits) != 1 {
		t.Fatalf("got %v, want a match", hits)
	}
}

func TestSetAndStream(t *testing.T) {
	s, err := CompileSet([]string{".*foo", "bar", ".*baz$", ".*"}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMatcher(MatcherOptions{})
	var st Stream
	// First feed: BOL only. /.*/ matches at 0 but does not count as new.
	hits, fresh := m.Feed(&st, nil, true, false, false, nil)
	if fresh || len(hits) != 1 || hits[0] != (Hit{3, 0}) {
		t.Fatalf("init: hits %v fresh %v", hits, fresh)
	}
	// Chunks: "xxf" "oo" then EOL; "bar" can't match (not at start).
	hits, fresh = m.Feed(&st, []byte("xxf"), false, false, false, hits[:0])
	if fresh || len(hits) != 0 {
		t.Fatalf("chunk 1: %v %v", hits, fresh)
	}
	hits, fresh = m.Feed(&st, []byte("oo baz"), false, false, false, hits[:0])
	if !fresh || len(hits) != 1 || hits[0] != (Hit{0, 5}) {
		t.Fatalf("chunk 2: %v %v", hits, fresh)
	}
	hits, fresh = m.Feed(&st, nil, false, true, false, hits[:0])
	if !fresh || len(hits) != 1 || hits[0] != (Hit{2, 10}) {
		t.Fatalf("eol: %v %v", hits, fresh)
	}
	if st.Matched() != 0b1101 {
		t.Fatalf("matched %b", st.Matched())
	}
	// Clear restarts from the start state (without BOL) but remembers
	// matches; "bar" can match now.
	hits, fresh = m.Feed(&st, []byte("bar"), false, false, true, hits[:0])
	if !fresh || len(hits) != 1 || hits[0] != (Hit{1, 2}) {
		t.Fatalf("after clear: %v %v", hits, fresh)
	}
}

func TestJam(t *testing.T) {
	s, _ := Compile("abc")
	m := s.NewMatcher(MatcherOptions{})
	var st Stream
	m.Feed(&st, []byte("abx"), true, false, false, nil)
	if !st.Jammed() {
		t.Fatal("want jammed")
	}
	if hits, _ := m.Feed(&st, []byte("abc"), false, false, false, nil); len(hits) != 0 {
		t.Fatal("jammed stream matched")
	}
	// clear revives it.
	if hits, _ := m.Feed(&st, []byte("abc"), false, false, true, nil); len(hits) != 1 {
		t.Fatal("cleared stream did not match")
	}
}

// TestChunking checks that splitting the input anywhere gives the same hits.
func TestChunking(t *testing.T) {
	pats := []string{".*needle", "GET /[a-z]+", ".*(a|b)c{2,3}d", ".*x.{5}y"}
	s, err := CompileSet(pats, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("GET /index HTTP/1.0\r\nhay needle accd xabcdey bcccd")
	m := s.NewMatcher(MatcherOptions{})
	var whole Stream
	want, _ := m.Feed(&whole, data, true, true, false, nil)
	if len(want) != 4 {
		t.Fatalf("whole: %v", want)
	}
	for cut := 0; cut <= len(data); cut++ {
		var st Stream
		got, _ := m.Feed(&st, data[:cut], true, false, false, nil)
		got, _ = m.Feed(&st, data[cut:], false, true, false, got)
		if len(got) != len(want) {
			t.Fatalf("cut %d: %v want %v", cut, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("cut %d: %v want %v", cut, got, want)
			}
		}
	}
}

// TestBoundedCache feeds input that makes the DFA explode under a tiny
// memory limit: results must stay right and the cache small.
func TestBoundedCache(t *testing.T) {
	s, err := CompileSet([]string{".*a.{12}b", ".*c.{10}d"}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := s.NewMatcher(MatcherOptions{MaxMemory: 1 << 30})
	small := s.NewMatcher(MatcherOptions{MaxMemory: 16 << 10})
	rnd := uint32(1)
	data := make([]byte, 20000)
	for i := range data {
		rnd = rnd*1664525 + 1013904223
		data[i] = "abcdxyz"[rnd>>16%7]
	}
	for trial := 0; trial < 20; trial++ {
		d := data[trial*900 : trial*900+2000]
		var a, b Stream
		h1, _ := ref.Feed(&a, d, true, false, false, nil)
		var h2 []Hit
		// Feed the small one in odd chunks, interleaved with another
		// stream, so flushes happen mid-stream.
		var other Stream
		for off := 0; off < len(d); off += 37 {
			end := min(off+37, len(d))
			h2, _ = small.Feed(&b, d[off:end], off == 0, false, false, h2)
			small.Feed(&other, d[len(d)-end:len(d)-off], off == 0, false, false, nil)
		}
		if len(h1) != len(h2) {
			t.Fatalf("trial %d: %v vs %v", trial, h1, h2)
		}
		for i := range h1 {
			if h1[i] != h2[i] {
				t.Fatalf("trial %d: %v vs %v", trial, h1, h2)
			}
		}
	}
	st := small.Stats()
	if st.Flushes == 0 {
		t.Fatalf("expected flushes, stats %+v", st)
	}
	if st.Memory > 16<<10 {
		t.Fatalf("cache over its bound: %+v", st)
	}
}

func TestFeedAllocs(t *testing.T) {
	s, err := CompileSet([]string{".*root", "^GET /", ".*passwd$"}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMatcher(MatcherOptions{})
	data := []byte(strings.Repeat("GET /x HTTP/1.1 no r00t here\r\n", 20))
	hits := make([]Hit, 0, 8)
	warm := func() {
		var st Stream
		hits, _ = m.Feed(&st, data, true, false, false, hits[:0])
		hits, _ = m.Feed(&st, data, false, true, false, hits[:0])
	}
	warm()
	if n := testing.AllocsPerRun(100, warm); n != 0 {
		t.Fatalf("Feed allocates %v times per run", n)
	}
}
