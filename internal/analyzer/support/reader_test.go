package support_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// toy is an analyzer of a made-up protocol written as resumable steps over
// a Reader. Messages start with a type byte:
//
//	'L' text up to '\n' (at most 16 bytes with the LF)
//	'N' n(1) then n bytes                   (Peek, then one Next)
//	'S' n(2, big-endian) then n bytes, skipped (Discard)
//	'B' n(1) then n bytes, streamed         (Take)
//	'F' n(1) then n bytes, read 3 at a time (straddling Next)
//
// Anything else, or an overlong line, is a violation that stops the
// direction.
type toy struct {
	r   [2]support.Reader
	st  [2]toyState
	out []string
}

type toyState struct {
	typ    byte
	remain int
	body   []byte
	dead   bool
}

func newToy() *toy {
	t := &toy{}
	t.r[0].Init(32)
	t.r[1].Init(32)
	return t
}

func (a *toy) DeliverStream(data []byte, orig bool) {
	d := dir(orig)
	r, st := &a.r[d], &a.st[d]
	if st.dead {
		return
	}
	r.Feed(data)
	for !st.dead && a.step(d, r, st) {
	}
	if err := r.Save(); err != nil {
		a.out = append(a.out, fmt.Sprintf("%d save: %v", d, err))
		st.dead = true
	}
}

// step runs one step and reports whether another may follow.
func (a *toy) step(d int, r *support.Reader, st *toyState) bool {
	fail := func(err error) bool {
		if !errors.Is(err, support.ErrNeedMore) {
			a.out = append(a.out, fmt.Sprintf("%d error: %v", d, err))
			st.dead = true
			r.Reset()
		}
		return false
	}
	if st.typ == 0 {
		b, err := r.Next(1)
		if err != nil {
			return fail(err)
		}
		st.typ = b[0]
		st.remain = -1
		st.body = st.body[:0]
	}
	switch st.typ {
	case 'L':
		line, err := r.Until('\n', 16)
		if err != nil {
			return fail(err)
		}
		a.out = append(a.out, fmt.Sprintf("%d L %q", d, line))
	case 'N':
		h, err := r.Peek(1)
		if err != nil {
			return fail(err)
		}
		b, err := r.Next(1 + int(h[0]))
		if err != nil {
			return fail(err)
		}
		a.out = append(a.out, fmt.Sprintf("%d N %q", d, b[1:]))
	case 'S':
		if st.remain < 0 {
			h, err := r.Next(2)
			if err != nil {
				return fail(err)
			}
			st.remain = int(binary.BigEndian.Uint16(h))
		}
		st.remain -= r.Discard(st.remain)
		if st.remain > 0 {
			return false
		}
		a.out = append(a.out, fmt.Sprintf("%d S", d))
	case 'B', 'F':
		if st.remain < 0 {
			h, err := r.Next(1)
			if err != nil {
				return fail(err)
			}
			st.remain = int(h[0])
		}
		for st.remain > 0 {
			var p []byte
			if st.typ == 'B' {
				if p = r.Take(st.remain); p == nil {
					return false
				}
			} else {
				var err error
				if p, err = r.Next(min(3, st.remain)); err != nil {
					return fail(err)
				}
			}
			st.body = append(st.body, p...)
			st.remain -= len(p)
		}
		a.out = append(a.out, fmt.Sprintf("%d %c %q", d, st.typ, st.body))
	default:
		return fail(fmt.Errorf("bad type %q", st.typ))
	}
	st.typ = 0
	return true
}

func (a *toy) Undelivered(_ uint64, _ int, orig bool) {
	// A gap: this toy gives up on the direction.
	a.st[dir(orig)].dead = true
	a.out = append(a.out, fmt.Sprintf("%d gap", dir(orig)))
}

func (a *toy) EndOfData(orig bool) {
	d := dir(orig)
	if n := a.r[d].Len(); n > 0 && !a.st[d].dead {
		a.out = append(a.out, fmt.Sprintf("%d end with %d unread", d, n))
	}
}

func (a *toy) summary() []string { return slices.Clone(a.out) }

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

func TestReaderToyProtocol(t *testing.T) {
	tests := []struct {
		name   string
		script []analyzertest.Chunk
		want   []string
	}{
		{
			name:   "lines",
			script: []analyzertest.Chunk{o("Lhello\nL\nLworld\n")},
			want:   []string{`1 L "hello\n"`, `1 L "\n"`, `1 L "world\n"`},
		},
		{
			name:   "counted",
			script: []analyzertest.Chunk{o("N\x03abcN\x00N\x01z")},
			want:   []string{`1 N "abc"`, `1 N ""`, `1 N "z"`},
		},
		{
			name:   "skipped",
			script: []analyzertest.Chunk{o("S\x00\x05abcdeLx\n"), o("S\x01\x00" + x("s", 256) + "N\x01q")},
			want:   []string{`1 S`, `1 L "x\n"`, `1 S`, `1 N "q"`},
		},
		{
			name:   "streamed and stepped bodies",
			script: []analyzertest.Chunk{o("B\x05hello"), r("F\x07abcdefgF\x00"), o("B\x00")},
			want:   []string{`1 B "hello"`, `0 F "abcdefg"`, `0 F ""`, `1 B ""`},
		},
		{
			name:   "line at the limit",
			script: []analyzertest.Chunk{o("L" + x("a", 15) + "\nL" + x("b", 16) + "\n")},
			want:   []string{`1 L "` + x("a", 15) + `\n"`, `1 error: support: reader limit exceeded`},
		},
		{
			name:   "line without LF hits the limit",
			script: []analyzertest.Chunk{o("L" + x("a", 20))},
			want:   []string{`1 error: support: reader limit exceeded`},
		},
		{
			name:   "bad type",
			script: []analyzertest.Chunk{o("Lok\nQ"), r("Lresp\n")},
			want:   []string{`1 L "ok\n"`, `1 error: bad type 'Q'`, `0 L "resp\n"`},
		},
		{
			name:   "gap and end",
			script: []analyzertest.Chunk{o("Lab"), analyzertest.Gap(true, 2), r("Lx"), analyzertest.End(false)},
			want:   []string{`1 gap`, `0 end with 1 unread`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := analyzertest.SplitEvery(t, tc.script, newToy, (*toy).summary)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestReader(t *testing.T) {
	r := support.NewReader(8)
	if r.Limit() != 8 {
		t.Fatalf("Limit = %d", r.Limit())
	}
	must := func(b []byte, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return string(b)
	}
	wantErr := func(_ []byte, err, want error) {
		t.Helper()
		if err != want {
			t.Fatalf("error %v, want %v", err, want)
		}
	}

	r.Feed([]byte("abc"))
	if got := must(r.Next(2)); got != "ab" {
		t.Errorf("Next(2) = %q", got)
	}
	b, err := r.Next(2)
	wantErr(b, err, support.ErrNeedMore)
	b, err = r.Next(9)
	wantErr(b, err, support.ErrLimit)
	b, err = r.Peek(-1)
	wantErr(b, err, support.ErrLimit)
	if err := r.Save(); err != nil {
		t.Fatal(err)
	}
	if r.Buffered() != 1 || r.Len() != 1 {
		t.Errorf("after Save: Buffered %d Len %d", r.Buffered(), r.Len())
	}
	r.Feed([]byte("defg"))
	if got := must(r.Peek(3)); got != "cde" {
		t.Errorf("Peek(3) across = %q", got)
	}
	if r.Len() != 5 {
		t.Errorf("Len after straddling Peek = %d, want 5", r.Len())
	}
	if got := must(r.Next(3)); got != "cde" {
		t.Errorf("Next(3) after Peek = %q", got)
	}
	if got := string(r.Take(0)); got != "fg" {
		t.Errorf("Take = %q", got)
	}
	if r.Take(0) != nil {
		t.Error("Take with nothing unread")
	}
	_ = r.Save()

	// Until, across chunks, without rescanning.
	r.Feed([]byte("xx"))
	b, err = r.Until(';', 0)
	wantErr(b, err, support.ErrNeedMore)
	_ = r.Save()
	r.Feed([]byte("y;z"))
	if got := must(r.Until(';', 0)); got != "xxy;" {
		t.Errorf("Until = %q", got)
	}
	if r.Discard(5) != 1 || r.Discard(0) != 0 {
		t.Error("Discard counts")
	}
	_ = r.Save()

	// Delimiter beyond the maximum.
	r.Feed([]byte("abcd;"))
	b, err = r.Until(';', 4)
	wantErr(b, err, support.ErrLimit)
	if got := must(r.Until(';', 5)); got != "abcd;" {
		t.Errorf("Until(5) = %q", got)
	}
	// Save beyond the limit drops everything.
	r.Feed([]byte("0123456789"))
	if err := r.Save(); err != support.ErrLimit {
		t.Errorf("Save of 10 bytes with limit 8: %v", err)
	}
	if r.Len() != 0 {
		t.Errorf("Len after failed Save = %d", r.Len())
	}
	// Reset and Init.
	r.Feed([]byte("ab"))
	r.Reset()
	if r.Len() != 0 {
		t.Error("Reset kept bytes")
	}
	r.Init(0)
	if r.Limit() != support.DefaultReaderLimit {
		t.Errorf("Init(0) limit %d", r.Limit())
	}
}

func TestReaderAllocs(t *testing.T) {
	r := support.NewReader(1024)
	msg := []byte("\x00\x10abcdefghijklmnop\x00\x03xyz")
	parse := func(chunk []byte) {
		r.Feed(chunk)
		for {
			h, err := r.Peek(2)
			if err != nil {
				break
			}
			if _, err := r.Next(2 + int(binary.BigEndian.Uint16(h))); err != nil {
				break
			}
		}
		_ = r.Save()
	}
	whole := testing.AllocsPerRun(100, func() { parse(msg) })
	if whole != 0 {
		t.Errorf("within one chunk: %v allocations per run, want 0", whole)
	}
	parse(msg[:5]) // warm the buffer
	parse(msg[5:])
	split := testing.AllocsPerRun(100, func() {
		parse(msg[:5])
		parse(msg[5:20])
		parse(msg[20:])
	})
	if split != 0 {
		t.Errorf("straddling chunks: %v allocations per run, want 0", split)
	}
	lines := []byte(strings.Repeat("a line of text\n", 10))
	scan := testing.AllocsPerRun(100, func() {
		for i := 0; i < len(lines); i += 7 {
			r.Feed(lines[i:min(i+7, len(lines))])
			for {
				if _, err := r.Until('\n', 0); err != nil {
					break
				}
			}
			_ = r.Save()
		}
	})
	if scan != 0 {
		t.Errorf("Until across chunks: %v allocations per run, want 0", scan)
	}
}

func BenchmarkReader(b *testing.B) {
	input := framerInput()
	for _, chunk := range []int{1460, 64} {
		b.Run(fmt.Sprintf("chunk%d", chunk), func(b *testing.B) {
			r := support.NewReader(1024)
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < len(input); i += chunk {
					r.Feed(input[i:min(i+chunk, len(input))])
					for {
						h, err := r.Peek(2)
						if err != nil {
							break
						}
						if _, err := r.Next(2 + int(binary.BigEndian.Uint16(h))); err != nil {
							break
						}
					}
					_ = r.Save()
				}
			}
		})
	}
}
