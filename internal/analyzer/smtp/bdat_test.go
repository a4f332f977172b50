package smtp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// bdatRun feeds the pieces of one LAST chunk to a BDAT reader and returns
// the lines it delivered ("text|crlf") and the weirds it raised.
func bdatRun(maxLine int, pieces ...string) (lines, weirds []string) {
	h := newTestHost()
	a := newSMTP(h)
	size := 0
	for _, p := range pieces {
		size += len(p)
	}
	b := newBDATReader(a, func(line []byte, crlf bool) {
		lines = append(lines, fmt.Sprintf("%s|%v", line, crlf))
	}, maxLine)
	b.nextChunk(true, uint64(size))
	for _, p := range pieces {
		if p != "" { // the analyzer never passes empty pieces
			b.next([]byte(p))
		}
	}
	b.done()
	return lines, h.Weirds
}

func TestBDATLines(t *testing.T) {
	for _, c := range []struct {
		name   string
		max    int
		pieces []string
		lines  []string
		weirds []string
	}{
		{"two lines in four pieces", 128, []string{"MIME-", "Version: 1.0\r\n", "Subject: Zeek", " Logo\r\n"},
			[]string{"MIME-Version: 1.0|true", "Subject: Zeek Logo|true"}, nil},
		{"CRLF cut between CR and LF", 128, []string{"MIME-", "Version: 1.0\r", "\nSubject: Zeek", " Logo\r", "\n"},
			[]string{"MIME-Version: 1.0|true", "Subject: Zeek Logo|true"}, nil},
		{"CR alone at a piece's end", 128, []string{"MIME-Version: 1.0\r", "Subject: Zeek", " Logo\r\n"},
			[]string{"MIME-Version: 1.0\r|false", "Subject: Zeek Logo|true"}, []string{"smtp_bdat_line_cr_only||SMTP_BDAT"}},
		{"LF alone", 128, []string{"MIME-Version: 1.0\n", "Subject: Zeek", " Logo\n", "From: Zeek <zeek@localhost>\r\n"},
			[]string{"MIME-Version: 1.0\n|false", "Subject: Zeek Logo\n|false", "From: Zeek <zeek@localhost>|true"},
			[]string{"smtp_bdat_line_lf_only||SMTP_BDAT", "smtp_bdat_line_lf_only||SMTP_BDAT"}},
		{"line too long", 10, []string{"1234567890123: 45\r\n", "X-Test: Y\r\n"},
			[]string{"1234567890|false", "123: 45|true", "X-Test: Y|true"}, []string{"smtp_bdat_line_too_long|19|SMTP_BDAT"}},
		{"CR inside a line", 128, []string{"a\rb\r\n"}, []string{"a\rb|true"}, nil},
		{"rest at the end of the last chunk", 128, []string{"no end of line"}, []string{"no end of line|false"}, nil},
		{"CR at the end of the last chunk", 128, []string{"x\r"}, []string{"x\r|false"}, nil},
	} {
		lines, weirds := bdatRun(c.max, c.pieces...)
		if !slices.Equal(lines, c.lines) || !slices.Equal(weirds, c.weirds) {
			t.Errorf("%s:\n lines %q\n want  %q\n weirds %q\n want   %q", c.name, lines, c.lines, weirds, c.weirds)
		}
	}
}

// TestBDATCuts checks that the reader gives the same lines however a
// chunk is cut. As in Zeek, two things depend on the cutting and are left
// out here: the too-long weird's detail (Zeek's buffer size) and a CR
// that is not followed by LF, which ends a line when a piece ends with it.
func TestBDATCuts(t *testing.T) {
	text := "Subject: a\r\nX: b\nlonger line here that is cut\r\n\r\nbody\r\nend"
	want, _ := bdatRun(16, text)
	for i := 1; i < len(text); i++ {
		for j := i; j < len(text); j += 7 {
			got, _ := bdatRun(16, text[:i], text[i:j], text[j:])
			if !slices.Equal(got, want) {
				t.Fatalf("cut at %d,%d: %q, want %q", i, j, got, want)
			}
		}
	}
}

// TestBDATMemory: the reader keeps at most one line of the maximum
// length, however long the chunk and however it arrives.
func TestBDATMemory(t *testing.T) {
	h := newTestHost()
	a := newSMTP(h)
	n := 0
	b := newBDATReader(a, func([]byte, bool) { n++ }, 4096)
	b.nextChunk(true, 1<<40)
	piece := []byte(strings.Repeat("x", 1000))
	for i := 0; i < 10000; i++ {
		b.next(piece)
		if len(b.pend) > 4097 {
			t.Fatalf("after %d pieces the reader holds %d bytes", i, len(b.pend))
		}
	}
	if n < 2000 {
		t.Errorf("%d lines delivered from 10 MB without line ends", n)
	}
}
