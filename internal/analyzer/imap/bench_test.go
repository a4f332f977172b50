package imap

import (
	"strings"
	"testing"
)

var benchLines = []byte(strings.Repeat("* 12 FETCH (FLAGS (\\Seen) UID 4827313)\r\n", 32))

// TestParseAllocatesNothing guards the per-delivery parse.
func TestParseAllocatesNothing(t *testing.T) {
	var tl tokenList
	if a := testing.AllocsPerRun(100, func() { parse(benchLines, false, &tl) }); a != 0 {
		t.Fatalf("parse allocates %v times", a)
	}
}

func BenchmarkParse(b *testing.B) {
	var tl tokenList
	b.SetBytes(int64(len(benchLines)))
	b.ReportAllocs()
	for b.Loop() {
		parse(benchLines, false, &tl)
	}
}
