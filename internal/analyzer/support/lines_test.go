package support_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// lineEvent is one thing a LineSplitter delivered.
type lineEvent struct {
	kind byte // 'L' line, 'P' plain, 'W' weird
	orig bool
	text string
}

// lineRec is a LineHandler and analyzer.StreamSink that records what a
// LinePair delivers, merging consecutive plain pieces (their cutting
// depends on the input's). Lines of the form "PLAIN n", "EOL n", "SIZE n",
// "SKIP" and "UNSUPPRESS" reconfigure the line's splitter, as an analyzer
// would from its Line callback.
type lineRec struct {
	p      support.LinePair
	events []lineEvent
}

func newLineRec(maxLen int, setup func(*support.LinePair)) *lineRec {
	r := &lineRec{}
	r.p.Init(r, maxLen)
	if setup != nil {
		setup(&r.p)
	}
	return r
}

func (r *lineRec) Line(line []byte, orig bool) {
	r.events = append(r.events, lineEvent{'L', orig, string(line)})
	s := r.p.Dir(orig)
	cmd, arg, _ := strings.Cut(string(line), " ")
	n, _ := strconv.Atoi(arg)
	switch cmd {
	case "PLAIN":
		if err := s.SetPlainDelivery(int64(n)); err != nil {
			r.events = append(r.events, lineEvent{'E', orig, err.Error()})
		}
	case "EOL":
		s.SetEOL(support.EOLMode(n))
	case "SIZE":
		if err := s.SetDeliverySize(int64(n)); err != nil {
			r.events = append(r.events, lineEvent{'E', orig, err.Error()})
		}
	case "SKIP":
		s.SetSkipDeliveries(true)
	case "UNSUPPRESS":
		s.SetSuppressWeirds(false)
	}
}

func (r *lineRec) Plain(data []byte, orig bool) {
	if k := len(r.events) - 1; k >= 0 && r.events[k].kind == 'P' && r.events[k].orig == orig {
		r.events[k].text += string(data)
		return
	}
	r.events = append(r.events, lineEvent{'P', orig, string(data)})
}

func (r *lineRec) Weird(name string, orig bool) {
	r.events = append(r.events, lineEvent{'W', orig, name})
}

func (r *lineRec) DeliverStream(data []byte, orig bool)     { r.p.DeliverStream(data, orig) }
func (r *lineRec) Undelivered(seq uint64, n int, orig bool) { r.p.Undelivered(seq, n, orig) }
func (r *lineRec) EndOfData(orig bool)                      { r.p.EndOfData(orig) }

// summary renders the events as "o L text" lines (o/r: direction; L line,
// P plain, W weird, E error from a setter; texts quoted with %q).
func (r *lineRec) summary() []string {
	out := make([]string, 0, len(r.events))
	for _, e := range r.events {
		out = append(out, evText(e.orig, e.kind, e.text))
	}
	return out
}

func evText(orig bool, kind byte, text string) string {
	d := "r"
	if orig {
		d = "o"
	}
	return fmt.Sprintf("%s %c %q", d, kind, text)
}

// Shorthands for expected events.
func oL(s string) string { return evText(true, 'L', s) }
func rL(s string) string { return evText(false, 'L', s) }
func oP(s string) string { return evText(true, 'P', s) }
func oW(s string) string { return evText(true, 'W', s) }
func rW(s string) string { return evText(false, 'W', s) }

var (
	o   = analyzertest.Orig
	r   = analyzertest.Resp
	x   = strings.Repeat
	eoo = analyzertest.End(true)
)

func TestLineSplitter(t *testing.T) {
	crlfOnlyMode := func(p *support.LinePair) { p.Orig.SetEOL(support.OnlyCRLF); p.Resp.SetEOL(support.OnlyCRLF) }
	ftpMode := func(p *support.LinePair) {
		// Zeek's FTP: NUL-sensitive, LF (not CR) alone ends a line.
		for _, s := range []*support.LineSplitter{&p.Orig, &p.Resp} {
			s.SetEOL(support.LFAsEOL)
			s.SetNULSensitive(true, nil)
		}
	}
	nulMode := func(p *support.LinePair) {
		p.Orig.SetNULSensitive(true, nil)
		p.Resp.SetNULSensitive(true, nil)
	}
	tests := []struct {
		name   string
		maxLen int
		setup  func(*support.LinePair)
		script []analyzertest.Chunk
		want   []string
	}{
		{name: "crlf", script: []analyzertest.Chunk{o("abc\r\ndef\r\n")}, want: []string{oL("abc"), oL("def")}},
		{name: "bare LF", script: []analyzertest.Chunk{o("abc\ndef\n")}, want: []string{oL("abc"), oL("def")}},
		{
			// The weird comes with the byte after the CR.
			name: "bare CR", script: []analyzertest.Chunk{o("abc\rdef\r")},
			want: []string{oL("abc"), oW(support.WeirdSingleCR), oL("def")},
		},
		{
			name:   "CR at chunk end, LF in next chunk",
			script: []analyzertest.Chunk{o("abc\r"), o("\ndef\n")},
			want:   []string{oL("abc"), oL("def")},
		},
		{
			name:   "CR CR LF is two lines and no weird",
			script: []analyzertest.Chunk{o("a\r\r\nb\n")},
			want:   []string{oL("a"), oL(""), oL("b")},
		},
		{
			name:   "LF CR is two terminators",
			script: []analyzertest.Chunk{o("a\n\rb\n")},
			want:   []string{oL("a"), oL(""), oW(support.WeirdSingleCR), oL("b")},
		},
		{name: "empty lines", script: []analyzertest.Chunk{o("\r\n\r\n\n")}, want: []string{oL(""), oL(""), oL("")}},
		{
			name:   "single CR weird once per connection",
			script: []analyzertest.Chunk{o("a\rb\rc\n"), r("x\ry\n")},
			want:   []string{oL("a"), oW(support.WeirdSingleCR), oL("b"), oL("c"), rL("x"), rL("y")},
		},
		{
			name:   "directions interleave",
			script: []analyzertest.Chunk{o("a"), r("b\n"), o("c\n"), r("d")},
			want:   []string{rL("b"), oL("ac")},
		},
		{
			name: "FTP mode: CRLF and LF", setup: ftpMode,
			script: []analyzertest.Chunk{o("USER a\r\nPASS b\n")},
			want:   []string{oL("USER a"), oL("PASS b")},
		},
		{
			name: "FTP mode: lone CR stays in the line", setup: ftpMode,
			script: []analyzertest.Chunk{o("a\rb\n")},
			want:   []string{oW(support.WeirdSingleCR), oL("a\rb")},
		},
		{
			name: "FTP mode: CR at chunk end, LF next", setup: ftpMode,
			script: []analyzertest.Chunk{o("abc\r"), o("\nd\n")},
			want:   []string{oL("abc"), oL("d")},
		},
		{
			name: "FTP mode: CR then end of data", setup: ftpMode,
			script: []analyzertest.Chunk{o("abc\r"), eoo},
			want:   []string{oL("abc")},
		},
		{
			name: "CRLF-only mode: lone LF", setup: crlfOnlyMode,
			script: []analyzertest.Chunk{o("a\nb\r\nc\rd\r\n")},
			want:   []string{oW(support.WeirdSingleLF), oL("a\nb"), oW(support.WeirdSingleCR), oL("c\rd")},
		},
		{
			name: "CRLF-only mode: partial line at end gets an LF, not a line", setup: crlfOnlyMode,
			script: []analyzertest.Chunk{o("abc"), eoo},
			want:   []string{oW(support.WeirdSingleLF)},
		},
		{
			name: "suppressed weirds keep their flags",
			setup: func(p *support.LinePair) {
				crlfOnlyMode(p)
				p.Orig.SetSuppressWeirds(true)
			},
			script: []analyzertest.Chunk{o("a\nb\r\nUNSUPPRESS\r\nc\nd\r\n")},
			want:   []string{oL("a\nb"), oL("UNSUPPRESS"), oW(support.WeirdSingleLF), oL("c\nd")},
		},
		{name: "NUL kept when not sensitive", script: []analyzertest.Chunk{o("a\x00b\n")}, want: []string{oL("a\x00b")}},
		{
			// The first NUL is dropped; the flag is per connection but
			// each direction drops its own first NUL.
			name: "NUL sensitive", setup: nulMode,
			script: []analyzertest.Chunk{o("a\x00b\x00c\n"), r("x\x00y\x00\n")},
			want:   []string{oW(support.WeirdNULInLine), oL("ab\x00c"), rL("xy\x00")},
		},
		{
			name: "NUL keep-alive exempt",
			setup: func(p *support.LinePair) {
				p.Orig.SetNULSensitive(true, func() bool { return true })
			},
			script: []analyzertest.Chunk{o("\x00a\x00b\n")},
			want:   []string{oL("ab")},
		},
		{
			name: "FTP mode: NUL after CR", setup: ftpMode,
			script: []analyzertest.Chunk{o("a\r\x00b\n")},
			want:   []string{oW(support.WeirdNULInLine), oW(support.WeirdSingleCR), oL("a\rb")},
		},
		{
			name: "limit 1000: 999 bytes pass", maxLen: 1000,
			script: []analyzertest.Chunk{o(x("a", 999) + "\n")},
			want:   []string{oL(x("a", 999))},
		},
		{
			// The 1000th byte and the terminator are lost; the LF after
			// the consumed CR is dropped as usual.
			name: "limit 1000: 1000 bytes are cut", maxLen: 1000,
			script: []analyzertest.Chunk{o(x("a", 1000) + "\r\nnext\r\n")},
			want:   []string{oW(support.WeirdLineTooLong), oL(x("a", 999)), oL("next")},
		},
		{
			name: "limit 1000: longer line in pieces", maxLen: 1000,
			script: []analyzertest.Chunk{o(x("a", 999) + "bcdefg\n")},
			want:   []string{oW(support.WeirdLineTooLong), oL(x("a", 999)), oL("defg")},
		},
		{
			name: "limit below 128 acts as 128", maxLen: 100,
			script: []analyzertest.Chunk{o(x("a", 127) + "\n" + x("b", 128) + "\n")},
			want:   []string{oL(x("a", 127)), oW(support.WeirdLineTooLong), oL(x("b", 127))},
		},
		{
			name: "limit: weird every time", maxLen: 128,
			script: []analyzertest.Chunk{o(x("a", 300) + "\n")},
			want: []string{
				oW(support.WeirdLineTooLong), oL(x("a", 127)),
				oW(support.WeirdLineTooLong), oL(x("a", 127)), oL(x("a", 42)),
			},
		},
		{
			// The CR is consumed by the cut; the LF after it then meets
			// an empty line and is swallowed.
			name: "FTP mode: limit hit at CR", maxLen: 128, setup: ftpMode,
			script: []analyzertest.Chunk{o(x("a", 128) + "\r\nz\n")},
			want:   []string{oW(support.WeirdLineTooLong), oL(x("a", 127)), oL("z")},
		},
		{
			name:   "gap in a line: Zeek joins the pieces",
			script: []analyzertest.Chunk{o("ab"), analyzertest.Gap(true, 5), o("cd\n")},
			want:   []string{oL("abcd")},
		},
		{
			name:   "gap in a line: discard policy",
			setup:  func(p *support.LinePair) { p.Orig.SetGapPolicy(support.GapDiscardLine) },
			script: []analyzertest.Chunk{o("x\nab\r"), analyzertest.Gap(true, 5), o("\ncd\n")},
			want:   []string{oL("x"), oL("ab"), oL(""), oL("cd")},
		},
		{
			name:   "gap: stop policy",
			setup:  func(p *support.LinePair) { p.Orig.SetGapPolicy(support.GapStopDelivery) },
			script: []analyzertest.Chunk{o("x\nab"), analyzertest.Gap(true, 5), o("cd\n"), eoo, r("resp\n")},
			want:   []string{oL("x"), rL("resp")},
		},
		{
			name:   "end of data delivers the partial line",
			script: []analyzertest.Chunk{o("abc"), eoo, r("a\r"), analyzertest.End(false)},
			want:   []string{oL("abc"), rL("a")},
		},
		{
			name:   "plain delivery after CRLF",
			script: []analyzertest.Chunk{o("PLAIN 5\r\nhello\r\nNEXT\r\n")},
			want:   []string{oL("PLAIN 5"), oP("hello"), oL(""), oL("NEXT")},
		},
		{
			name:   "plain delivery after CR, LF in next chunk is dropped",
			script: []analyzertest.Chunk{o("PLAIN 5\r"), o("\nhelloNEXT\n")},
			want:   []string{oL("PLAIN 5"), oP("hello"), oL("NEXT")},
		},
		{
			name:   "plain delivery after lone CR",
			script: []analyzertest.Chunk{o("PLAIN 2\r\r\nxyz\n")},
			want:   []string{oL("PLAIN 2"), oP("\r\n"), oL("xyz")},
		},
		{
			name:   "plain delivery of zero bytes",
			script: []analyzertest.Chunk{o("PLAIN 0\r\nabc\n")},
			want:   []string{oL("PLAIN 0"), oL("abc")},
		},
		{
			name: "plain delivery in LF mode", setup: ftpMode,
			script: []analyzertest.Chunk{o("PLAIN 3\r\nabcd\n")},
			want:   []string{oL("PLAIN 3"), oP("abc"), oL("d")},
		},
		{
			name:   "plain delivery across a gap is not shortened",
			script: []analyzertest.Chunk{o("PLAIN 4\nab"), analyzertest.Gap(true, 2), o("cdef\n")},
			want:   []string{oL("PLAIN 4"), oP("abcd"), oL("ef")},
		},
		{
			name:   "mode change from a callback",
			script: []analyzertest.Chunk{o("EOL 2\r\na\rb\r\nEOL 3\na\rb\n")},
			want:   []string{oL("EOL 2"), oW(support.WeirdSingleCR), oL("a\rb"), oL("EOL 3"), oL("a"), oL("b")},
		},
		{
			name:   "skip deliveries from a callback",
			script: []analyzertest.Chunk{o("SKIP\r\nabc\r\n"), o("def\n"), eoo, r("resp\n")},
			want:   []string{oL("SKIP"), rL("resp")},
		},
		{
			name: "skip partial connection",
			setup: func(p *support.LinePair) {
				p.Orig.SetSkipPartial(func() bool { return true })
			},
			script: []analyzertest.Chunk{o("abc\n"), o("d"), eoo, r("resp\n")},
			want:   []string{rL("resp")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := analyzertest.SplitEvery(t, tc.script,
				func() *lineRec { return newLineRec(tc.maxLen, tc.setup) },
				(*lineRec).summary)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestLineSplitterDeliverySize covers SetDeliverySize, whose count is taken
// down by whole writes, as in Zeek; so it is not split-proof and is tested
// with fixed chunks.
func TestLineSplitterDeliverySize(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"ends inside a line", []string{"SIZE 5\r\n", "abc", "de"}, []string{oL("SIZE 5"), oW(support.WeirdNoCRLF), oL("abcde")}},
		{"ends after a line", []string{"SIZE 5\r\n", "abc\r\n", "x\n"}, []string{oL("SIZE 5"), oL("abc"), oL("x")}},
		{"write crosses the end", []string{"SIZE 5\r\n", "abcdef", "\n"}, []string{oL("SIZE 5"), oL("abcdef")}},
		{"rest of the setting write is not counted", []string{"SIZE 3\r\nab", "cde", "\n"}, []string{oL("SIZE 3"), oW(support.WeirdNoCRLF), oL("abcde"), oL("")}},
		{"forced CRLF then plain", []string{"SIZE 2\r\n", "ab", "PLAIN 1\nzy\n"}, []string{oL("SIZE 2"), oW(support.WeirdNoCRLF), oL("ab"), oL("PLAIN 1"), oP("z"), oL("y")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newLineRec(0, nil)
			for _, w := range tc.writes {
				rec.DeliverStream([]byte(w), true)
			}
			if got := rec.summary(); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestLineSplitterZeekCutQuirks pins the two results that depend on where
// the input is cut, as they do in Zeek (see the LineSplitter doc).
func TestLineSplitterZeekCutQuirks(t *testing.T) {
	lfMode := func(p *support.LinePair) { p.Orig.SetEOL(support.LFAsEOL) }
	tests := []struct {
		name   string
		setup  func(*support.LinePair)
		writes []string
		want   []string
	}{
		{"CR CR LF whole", lfMode, []string{"a\r\r\n"}, []string{oL("a\r")}},
		{"CR CR LF cut before LF", lfMode, []string{"a\r\r", "\n"}, []string{oW(support.WeirdSingleCR), oL("a\r")}},
		{"CR CR LF cut after first CR", lfMode, []string{"a\r", "\r\n"}, []string{oL("a\r")}},
		{"CRLF-only mode, CR CR LF cut before LF", func(p *support.LinePair) { p.Orig.SetEOL(support.OnlyCRLF) },
			[]string{"a\r\r", "\n"}, []string{oW(support.WeirdSingleCR), oL("a\r")}},
		{"default mode, CR CR LF cut before LF", nil, []string{"a\r\r", "\n"}, []string{oL("a"), oL("")}},
		{"limit-1 bytes then CRLF whole", lfMode, []string{x("a", 127) + "\r\n"}, []string{oL(x("a", 127))}},
		{"limit-1 bytes then CRLF cut before LF", lfMode, []string{x("a", 127) + "\r", "\n"},
			[]string{oW(support.WeirdLineTooLong), oL(x("a", 127))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newLineRec(128, tc.setup)
			for _, w := range tc.writes {
				rec.DeliverStream([]byte(w), true)
			}
			if got := rec.summary(); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// remainRec records Remaining() at every delivery.
type remainRec struct {
	s   support.LineSplitter
	got []string
}

func (r *remainRec) Line(line []byte, _ bool) {
	r.got = append(r.got, fmt.Sprintf("L%q:%d", line, r.s.Remaining()))
	if string(line) == "UPGRADE" {
		// As Zeek's HTTP does after a 101 reply: the rest of this
		// write goes through plainly.
		_ = r.s.SetPlainDelivery(int64(r.s.Remaining()))
	}
}
func (r *remainRec) Plain(data []byte, _ bool) {
	r.got = append(r.got, fmt.Sprintf("P%q:%d", data, r.s.Remaining()))
}
func (r *remainRec) Weird(name string, _ bool) { r.got = append(r.got, "W"+name) }

func TestLineSplitterRemaining(t *testing.T) {
	rec := &remainRec{}
	rec.s.Init(rec, false, 0)
	rec.s.Write([]byte("ab\r\ncd\nUPGRADE\r\nxy\nz"))
	rec.s.Write([]byte("w\n"))
	want := []string{`L"ab":16`, `L"cd":13`, `L"UPGRADE":4`, `P"xy\nz":0`, `L"w":0`}
	if !slices.Equal(rec.got, want) {
		t.Errorf("got  %q\nwant %q", rec.got, want)
	}
}

func TestLineSplitterSetters(t *testing.T) {
	rec := newLineRec(0, nil)
	s := &rec.p.Orig
	if err := s.SetPlainDelivery(-1); err == nil || !strings.HasPrefix(err.Error(), "support: ") {
		t.Errorf("SetPlainDelivery(-1) = %v, want a support: error", err)
	}
	if err := s.SetDeliverySize(-2); err == nil {
		t.Error("SetDeliverySize(-2) accepted")
	}
	if err := s.SetDeliverySize(-1); err != nil {
		t.Errorf("SetDeliverySize(-1) = %v", err)
	}
	if s.EOL() != support.DefaultEOL || s.SkipPartial() || s.SkipDeliveries() {
		t.Errorf("defaults: eol %d skipPartial %v skip %v", s.EOL(), s.SkipPartial(), s.SkipDeliveries())
	}
	s.SetEOL(0xff)
	if s.EOL() != support.DefaultEOL {
		t.Errorf("SetEOL(0xff) left %d", s.EOL())
	}
	s.Write([]byte("ab"))
	if !s.HasPartialLine() {
		t.Error("no partial line after \"ab\"")
	}
	s.DiscardLine()
	if s.HasPartialLine() {
		t.Error("partial line after DiscardLine")
	}
	_ = s.SetPlainDelivery(7)
	s.Write([]byte("abc"))
	if n := s.PlainDeliveryLength(); n != 4 {
		t.Errorf("PlainDeliveryLength = %d, want 4", n)
	}
	if rec.p.Dir(false) != &rec.p.Resp || rec.p.Flags() == nil {
		t.Error("Dir/Flags")
	}
	var f support.ConnFlags
	if !f.First(support.FlagSingularCR) || f.First(support.FlagSingularCR) || !f.First(support.FlagNULInLine) {
		t.Error("ConnFlags.First")
	}
	// A splitter reused through Init keeps its buffer but starts afresh.
	s2 := support.NewLineSplitter(rec, true, 0)
	s2.Write([]byte("partial"))
	s2.Init(rec, true, 0)
	if s2.HasPartialLine() {
		t.Error("Init kept the partial line")
	}
}

// TestLineSplitterAllocs guards the per-line path: no allocations once the
// buffer has grown.
func TestLineSplitterAllocs(t *testing.T) {
	var h countHandler
	s := support.NewLineSplitter(&h, true, 0)
	s.SetNULSensitive(true, nil)
	input := []byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\n\r\n" +
		"a fairly long header line that crosses the chunk boundary: " + x("z", 300) + "\n")
	// Warm up: grow the line buffer.
	s.Write(input)
	allocs := testing.AllocsPerRun(100, func() {
		for i := 0; i < len(input); i += 37 {
			s.Write(input[i:min(i+37, len(input))])
		}
		s.End()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if h.lines == 0 {
		t.Error("no lines delivered")
	}
}

type countHandler struct{ lines, bytes, plain, weirds int }

func (c *countHandler) Line(line []byte, _ bool) { c.lines++; c.bytes += len(line) }
func (c *countHandler) Plain(data []byte, _ bool) {
	c.plain += len(data)
}
func (c *countHandler) Weird(string, bool) { c.weirds++ }

func benchInput() []byte {
	var b strings.Builder
	for b.Len() < 64<<10 {
		b.WriteString("GET /some/path/to/a/resource.html?query=1 HTTP/1.1\r\n")
		b.WriteString("Host: www.example.com\r\nAccept: */*\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n\r\n")
	}
	return []byte(b.String())
}

func BenchmarkLineSplitter(b *testing.B) {
	for _, chunk := range []int{1460, 64} {
		b.Run(fmt.Sprintf("chunk%d", chunk), func(b *testing.B) {
			input := benchInput()
			var h countHandler
			s := support.NewLineSplitter(&h, true, 0)
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < len(input); i += chunk {
					s.Write(input[i:min(i+chunk, len(input))])
				}
			}
		})
	}
}
