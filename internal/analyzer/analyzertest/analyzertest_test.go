package analyzertest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fakeTB records failures instead of failing the real test.
type fakeTB struct {
	testing.TB
	errs  []string
	fatal bool
}

func (f *fakeTB) Helper()                      {}
func (f *fakeTB) Error(args ...any)            { f.errs = append(f.errs, fmt.Sprint(args...)) }
func (f *fakeTB) Errorf(s string, args ...any) { f.errs = append(f.errs, fmt.Sprintf(s, args...)) }
func (f *fakeTB) Fatalf(s string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(s, args...))
	f.fatal = true
}

// lines is a correct, resumable line collector per direction.
type lines struct {
	partial [2][]byte
	out     []string
	events  []string // gaps and ends, with their arguments
	done    bool
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

func (l *lines) DeliverStream(data []byte, orig bool) {
	d := dir(orig)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			l.partial[d] = append(l.partial[d], data...)
			return
		}
		l.out = append(l.out, fmt.Sprintf("%d:%s%s", d, l.partial[d], data[:i]))
		l.partial[d] = l.partial[d][:0]
		data = data[i+1:]
	}
}

func (l *lines) Undelivered(seq uint64, n int, orig bool) {
	l.events = append(l.events, fmt.Sprintf("gap %d seq %d n %d", dir(orig), seq, n))
}

func (l *lines) EndOfData(orig bool) { l.events = append(l.events, fmt.Sprintf("end %d", dir(orig))) }

func (l *lines) Done() { l.done = true }

func (l *lines) summary() []string {
	s := slices.Concat(l.out, l.events)
	if l.done {
		s = append(s, "done")
	}
	return s
}

// naive forgets partial lines between calls: not resumable.
type naive struct{ lines }

func (n *naive) DeliverStream(data []byte, orig bool) {
	n.lines.DeliverStream(data, orig)
	n.partial[dir(orig)] = nil
}

// keeper keeps the borrowed slice instead of copying it.
type keeper struct{ lines }

func (k *keeper) DeliverStream(data []byte, orig bool) {
	d := dir(orig)
	if len(k.partial[d]) == 0 {
		k.partial[d] = data // bug: borrowed bytes kept
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			k.out = append(k.out, fmt.Sprintf("%d:%s", d, data[:i]))
			k.partial[d] = nil
		}
		return
	}
	k.lines.DeliverStream(data, orig)
}

// panicky panics when a delivery starts with 'X'.
type panicky struct{ lines }

func (p *panicky) DeliverStream(data []byte, orig bool) {
	if data[0] == 'X' {
		panic("boom")
	}
	p.lines.DeliverStream(data, orig)
}

var script = []Chunk{
	Orig("hello\nwor"), Resp("one\n"), Orig("ld\n"), Gap(true, 3), Orig("after\n"), End(true), Resp("two\nthree"), End(false),
}

func TestSplitEveryPasses(t *testing.T) {
	calls := 0
	got := SplitEvery(t, script, func() *lines { calls++; return &lines{} }, (*lines).summary)
	want := []string{"1:hello", "0:one", "1:world", "1:after", "0:two",
		"gap 1 seq 13 n 3", "end 1", "end 0", "done"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// One uncut run, one per cut point, Random, one byte at a time.
	points := DataLen(script) - 5 // five data chunks
	if wantCalls := 1 + points + DefaultOptions.Random + 1; calls != wantCalls {
		t.Errorf("%d runs, want %d", calls, wantCalls)
	}
}

func TestSplitEveryFindsFaults(t *testing.T) {
	tests := []struct {
		name  string
		run   func(tb *fakeTB)
		want  string
		fatal bool
	}{
		{
			name: "not resumable",
			run: func(tb *fakeTB) {
				SplitEvery(tb, script, func() *naive { return &naive{} }, func(n *naive) []string { return n.summary() })
			},
			want: "cut at data byte 1 (chunk 0, orig, after \"h\"): result differs",
		},
		{
			name: "keeps borrowed bytes",
			run: func(tb *fakeTB) {
				SplitEvery(tb, script, func() *keeper { return &keeper{} }, func(k *keeper) []string { return k.summary() })
			},
			want: "result differs from the uncut run",
		},
		{
			name: "panics on a cut",
			run: func(tb *fakeTB) {
				SplitEvery(tb, []Chunk{Orig("abcX\n")}, func() *panicky { return &panicky{} }, func(p *panicky) []string { return p.summary() })
			},
			want: "cut at data byte 3 (chunk 0, orig, after \"abc\"): panic: boom",
		},
		{
			name: "panics uncut",
			run: func(tb *fakeTB) {
				SplitEvery(tb, []Chunk{Orig("Xabc\n")}, func() *panicky { return &panicky{} }, func(p *panicky) []string { return p.summary() })
			},
			want:  "uncut run panicked: boom",
			fatal: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := &fakeTB{}
			tc.run(tb)
			if len(tb.errs) == 0 {
				t.Fatal("no failure reported")
			}
			if !strings.Contains(tb.errs[0], tc.want) {
				t.Errorf("first failure %q does not contain %q", tb.errs[0], tc.want)
			}
			if tb.fatal != tc.fatal {
				t.Errorf("fatal = %v, want %v", tb.fatal, tc.fatal)
			}
			if len(tb.errs) > maxReported+1 {
				t.Errorf("%d failures reported, want at most %d", len(tb.errs), maxReported+1)
			}
		})
	}
	// Without poisoning, the kept slice is the script's own and the
	// fault goes unseen.
	tb := &fakeTB{}
	SplitEveryWith(tb, Options{NoPoison: true}, []Chunk{Orig("ab\n")}, func() *lines { return &lines{} }, (*lines).summary)
	if len(tb.errs) != 0 {
		t.Errorf("correct sink failed: %q", tb.errs)
	}
}

func TestSplitEveryMaxSplits(t *testing.T) {
	calls := 0
	SplitEveryWith(t, Options{MaxSplits: 5}, []Chunk{Orig(strings.Repeat("ab\n", 100))},
		func() *lines { calls++; return &lines{} }, (*lines).summary)
	if calls != 1+5 {
		t.Errorf("%d runs, want 6", calls)
	}
}

func TestGapAt(t *testing.T) {
	s := []Chunk{Orig("abcd"), Resp("xy"), Orig("efgh"), End(true)}
	tests := []struct {
		at, n int
		want  string
	}{
		{1, 2, `orig "a"|orig gap 2|orig "d"|resp "xy"|orig "efgh"|orig end`},
		{0, 4, `orig gap 4|resp "xy"|orig "efgh"|orig end`},
		{3, 3, `orig "abc"|orig gap 1|resp "xy"|orig gap 2|orig "gh"|orig end`},
		{6, 10, `orig "abcd"|resp "xy"|orig "ef"|orig gap 2|orig end`},
		{9, 1, `orig "abcd"|resp "xy"|orig "efgh"|orig end`},
	}
	for _, tc := range tests {
		var parts []string
		for _, c := range GapAt(s, true, tc.at, tc.n) {
			parts = append(parts, c.String())
		}
		if got := strings.Join(parts, "|"); got != tc.want {
			t.Errorf("GapAt(%d, %d) = %s, want %s", tc.at, tc.n, got, tc.want)
		}
	}
	// Adjacent gap pieces of one direction merge.
	merged := GapAt([]Chunk{Orig("ab"), Orig("cd")}, true, 1, 2)
	var parts []string
	for _, c := range merged {
		parts = append(parts, c.String())
	}
	if got, want := strings.Join(parts, "|"), `orig "a"|orig gap 2|orig "d"`; got != want {
		t.Errorf("merged: %s, want %s", got, want)
	}
}

func TestPlay(t *testing.T) {
	var a, b lines
	Play(&a, script)
	PlayCuts(&b, script, []int{14, 2, 9})
	if !slices.Equal(a.summary(), b.summary()) {
		t.Errorf("Play %q\nPlayCuts %q", a.summary(), b.summary())
	}
	if a.done {
		t.Error("Play called Done")
	}
	var n naive
	PlayCuts(&n, []Chunk{Orig("ab\n")}, []int{1})
	if got := n.summary(); !slices.Equal(got, []string{"1:b"}) {
		t.Errorf("naive with a cut: %q", got)
	}
}

func TestForEachGap(t *testing.T) {
	s := []Chunk{Orig("ab\n"), Resp("x\n"), Orig("cd\n")}
	if DirLen(s, true) != 6 || DirLen(s, false) != 2 {
		t.Fatalf("DirLen: %d %d", DirLen(s, true), DirLen(s, false))
	}
	var seen []string
	ForEachGap(s, true, 2, func(at int, g []Chunk) {
		if got := DataLen(g); got != DataLen(s)-min(2, 6-at) {
			t.Errorf("gap at %d: %d data bytes left", at, got)
		}
		// Every gapped script must still split cleanly for a correct sink.
		out := SplitEveryWith(t, Options{}, g, func() *lines { return &lines{} }, (*lines).summary)
		seen = append(seen, strings.Join(out, ","))
	})
	want := []string{
		"1:,0:x,1:cd,gap 1 seq 1 n 2,done",
		"0:x,1:acd,gap 1 seq 2 n 2,done",
		"0:x,1:abd,gap 1 seq 3 n 1,gap 1 seq 4 n 1,done", // the gap spans two chunks
		"1:ab,0:x,1:,gap 1 seq 4 n 2,done",
		"1:ab,0:x,gap 1 seq 5 n 2,done",
		"1:ab,0:x,gap 1 seq 6 n 1,done",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("got  %q\nwant %q", seen, want)
	}
}
