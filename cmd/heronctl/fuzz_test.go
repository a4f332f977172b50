package main

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// FuzzSplitWords: the shell's line splitter never panics, and words it
// returns, each put in single quotes, split back into the same words.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`exec echo "a b" c\ d 'e "f"'`, "status --json", `x ""`, `"unterminated`, `\`, "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := splitWords(line)
		if err != nil {
			return
		}
		var q []string
		for _, w := range words {
			q = append(q, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
		}
		back, err := splitWords(strings.Join(q, " "))
		if err != nil || !reflect.DeepEqual(back, words) && !(len(back) == 0 && len(words) == 0) {
			t.Fatalf("%q -> %q -> %q (%v)", line, words, back, err)
		}
	})
}

// FuzzParseMetrics: any endpoint output is read without panicking, and
// a sample line appended is counted.
func FuzzParseMetrics(f *testing.F) {
	for _, s := range []string{"# TYPE a counter\na{node=\"w\"} 1\n", "a 1e9\nb{x=\"}\"} NaN\n", "{", "a{", "a 1 2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		before := parseMetrics(strings.NewReader(text))
		after := parseMetrics(strings.NewReader(text + "\nheron_fuzz_total{node=\"x\"} 2\n"))
		want := before["heron_fuzz_total"] + 2
		if got := after["heron_fuzz_total"]; got != want && !math.IsNaN(want) && !math.IsInf(want, 0) {
			t.Fatalf("after appending a sample: %v, want %v", got, want)
		}
	})
}
