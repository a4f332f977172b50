package regex

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// genPattern builds a random pattern of the syntax Zeek and Go share, over a
// small alphabet so that matches are frequent.
func genPattern(r *rand.Rand, depth int) string {
	if depth <= 0 {
		return genAtom(r)
	}
	switch r.IntN(8) {
	case 0, 1:
		return genPattern(r, depth-1) + genPattern(r, depth-1)
	case 2:
		return "(" + genPattern(r, depth-1) + "|" + genPattern(r, depth-1) + ")"
	case 3:
		return "(" + genPattern(r, depth-1) + ")*"
	case 4:
		return "(" + genPattern(r, depth-1) + ")+"
	case 5:
		return "(" + genPattern(r, depth-1) + ")?"
	case 6:
		lo := r.IntN(3)
		hi := lo + r.IntN(3)
		if r.IntN(3) == 0 {
			return fmt.Sprintf("(%s){%d,}", genPattern(r, depth-1), lo)
		}
		return fmt.Sprintf("(%s){%d,%d}", genPattern(r, depth-1), lo, hi)
	}
	return genAtom(r)
}

func genAtom(r *rand.Rand) string {
	atoms := []string{"a", "b", "c", ".", "[ab]", "[^a]", "[a-c]", `\n`, "[[:alpha:]]", `\x61`}
	return atoms[r.IntN(len(atoms))]
}

// goFirstMatch returns the end of the shortest prefix of data that re
// (anchored at both ends) matches, or -1.
func goFirstMatch(re *regexp.Regexp, data string) int {
	for k := 0; k <= len(data); k++ {
		if re.MatchString(data[:k]) {
			return k
		}
	}
	return -1
}

// TestAgainstGoRegexp compares the shortest anchored prefix match with Go's
// regexp on random patterns and inputs of the common subset. Go works on
// UTF-8 runes; the inputs are ASCII so that bytes and runes coincide, and
// "(?s)" makes Go's '.' match newlines like Zeek's multi-line '.'.
func TestAgainstGoRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		pat := genPattern(r, 3)
		re, err := regexp.Compile(`(?s)^(?:` + pat + `)$`)
		if err != nil {
			t.Fatalf("go rejects %q: %v", pat, err)
		}
		s, err := Compile(pat)
		if err != nil {
			t.Fatalf("rejects /%s/: %v", pat, err)
		}
		m := s.NewMatcher(MatcherOptions{})
		for j := 0; j < 10; j++ {
			var sb strings.Builder
			for k := r.IntN(12); k > 0; k-- {
				sb.WriteByte("abc\nd"[r.IntN(5)])
			}
			data := sb.String()
			want := goFirstMatch(re, data)
			var st Stream
			hits, _ := m.Feed(&st, []byte(data), true, false, false, nil)
			got := -1
			if len(hits) > 0 {
				got = int(hits[0].Pos)
			}
			if got != want {
				t.Fatalf("/%s/ on %q: got %d, Go %d", pat, data, got, want)
			}
		}
	}
}
