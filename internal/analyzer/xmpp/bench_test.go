package xmpp

import (
	"strings"
	"testing"
)

var benchTags = []byte(strings.Repeat("<presence from='a@example.com/r' to='b@example.com'><show>away</show></presence>\n", 16))

// TestParseAllocatesNothing guards the per-delivery parse.
func TestParseAllocatesNothing(t *testing.T) {
	var tl tokenList
	if a := testing.AllocsPerRun(100, func() { parse(benchTags, false, &tl) }); a != 0 {
		t.Fatalf("parse allocates %v times", a)
	}
}

func BenchmarkParse(b *testing.B) {
	var tl tokenList
	b.SetBytes(int64(len(benchTags)))
	b.ReportAllocs()
	for b.Loop() {
		parse(benchTags, false, &tl)
	}
}
