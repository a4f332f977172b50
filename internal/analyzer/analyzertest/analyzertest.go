package analyzertest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer"
)

// Chunk is one step of a conversation script: a piece of stream data
// (Data), a content gap (Gap > 0) or the end of a direction (End), for the
// originator's direction (Orig) or the responder's.
type Chunk struct {
	Orig bool
	Data []byte
	Gap  int
	End  bool
}

// String describes c briefly.
func (c Chunk) String() string {
	dir := "resp"
	if c.Orig {
		dir = "orig"
	}
	switch {
	case c.Gap > 0:
		return fmt.Sprintf("%s gap %d", dir, c.Gap)
	case c.End:
		return dir + " end"
	}
	return fmt.Sprintf("%s %q", dir, c.Data)
}

// Orig returns a chunk of originator data.
func Orig(data string) Chunk { return Chunk{Orig: true, Data: []byte(data)} }

// Resp returns a chunk of responder data.
func Resp(data string) Chunk { return Chunk{Data: []byte(data)} }

// Gap returns a content gap of n bytes in one direction.
func Gap(orig bool, n int) Chunk { return Chunk{Orig: orig, Gap: n} }

// End returns the end of one direction (EndOfData).
func End(orig bool) Chunk { return Chunk{Orig: orig, End: true} }

// Options tunes SplitEveryWith.
type Options struct {
	// Random is the number of extra runs with random multi-cuts.
	Random int
	// Seed seeds the random cuts (the same seed gives the same runs).
	Seed uint64
	// ByteAtATime adds a run that delivers every byte on its own.
	ByteAtATime bool
	// MaxSplits caps the single-cut runs: 0 tries every cut point,
	// otherwise at most MaxSplits of them, spread evenly.
	MaxSplits int
	// NoPoison delivers the script's own bytes instead of scratch copies
	// that are overwritten after each call.
	NoPoison bool
}

// DefaultOptions is what SplitEvery uses.
var DefaultOptions = Options{Random: 32, Seed: 1, ByteAtATime: true}

// SplitEvery plays script into sinks from newSink with DefaultOptions and
// fails t for every way of cutting the input whose summary differs from
// the uncut run's, which it returns. See the package documentation.
func SplitEvery[S analyzer.StreamSink, R any](t testing.TB, script []Chunk, newSink func() S, summarize func(S) R) R {
	t.Helper()
	return SplitEveryWith(t, DefaultOptions, script, newSink, summarize)
}

// maxReported bounds the differing runs a test reports in detail.
const maxReported = 3

// SplitEveryWith is SplitEvery with explicit Options.
func SplitEveryWith[S analyzer.StreamSink, R any](t testing.TB, opts Options, script []Chunk, newSink func() S, summarize func(S) R) R {
	t.Helper()
	p := player{noPoison: opts.NoPoison}
	want, perr := runOnce(&p, script, nil, newSink, summarize)
	if perr != "" {
		t.Fatalf("analyzertest: uncut run panicked: %s", perr)
		return want
	}

	total := DataLen(script)
	var failed []string
	check := func(cuts []int, desc string) {
		t.Helper()
		got, perr := runOnce(&p, script, cuts, newSink, summarize)
		var msg string
		switch {
		case perr != "":
			msg = fmt.Sprintf("analyzertest: %s: panic: %s", desc, perr)
		case !reflect.DeepEqual(want, got):
			msg = fmt.Sprintf("analyzertest: %s: result differs from the uncut run:\n%s", desc, diff(want, got))
		default:
			return
		}
		if len(failed) < maxReported {
			t.Error(msg)
		}
		failed = append(failed, desc)
	}

	points := cutPoints(script)
	if opts.MaxSplits > 0 && len(points) > opts.MaxSplits {
		spread := make([]int, opts.MaxSplits)
		for i := range spread {
			spread[i] = points[i*len(points)/opts.MaxSplits]
		}
		points = spread
	}
	var one [1]int
	for _, c := range points {
		one[0] = c
		check(one[:], describeCut(script, c))
	}
	if len(cutPoints(script)) > 0 {
		rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
		all := cutPoints(script)
		for i := range opts.Random {
			k := 1 + rng.IntN(min(len(all), 32))
			cuts := make([]int, 0, k)
			for _, j := range rng.Perm(len(all))[:k] {
				cuts = append(cuts, all[j])
			}
			slices.Sort(cuts)
			check(cuts, fmt.Sprintf("random run %d (seed %d): cuts at data bytes %v", i, opts.Seed, cuts))
		}
		if opts.ByteAtATime {
			check(all, "one byte at a time")
		}
	}
	if len(failed) > maxReported {
		t.Errorf("analyzertest: %d of the runs over %d data bytes differ in all; also: %s",
			len(failed), total, strings.Join(failed[maxReported:min(len(failed), maxReported+10)], "; "))
	}
	return want
}

// Play delivers script to sink once, every chunk whole, with the script's
// own bytes. It does not call Done.
func Play(sink analyzer.StreamSink, script []Chunk) {
	p := player{noPoison: true}
	p.play(sink, script, nil)
}

// PlayCuts delivers script to sink once, cutting data chunks at the given
// offsets (counted over all data bytes of the script, both directions, in
// script order; see DataLen), through scratch copies that are overwritten
// after each call. It does not call Done.
func PlayCuts(sink analyzer.StreamSink, script []Chunk, cuts []int) {
	var p player
	c := slices.Clone(cuts)
	slices.Sort(c)
	p.play(sink, script, c)
}

// DataLen returns the number of data bytes in script, both directions.
func DataLen(script []Chunk) int {
	n := 0
	for _, c := range script {
		if c.Gap <= 0 && !c.End {
			n += len(c.Data)
		}
	}
	return n
}

// GapAt returns a copy of script in which n data bytes of one direction,
// starting at offset at of that direction's data (0-based), are replaced
// by a gap. Chunks are split as needed; the gap may span several chunks.
// Bytes past the end of the direction's data are not added.
func GapAt(script []Chunk, orig bool, at, n int) []Chunk {
	var out []Chunk
	pos := 0
	open := 0 // bytes of the gap emitted so far
	for _, c := range script {
		if c.Orig != orig || c.Gap > 0 || c.End || n <= 0 {
			out = append(out, c)
			continue
		}
		d := c.Data
		start, end := at-pos, at+n-pos
		pos += len(d)
		if end <= 0 || start >= len(d) {
			out = append(out, c)
			continue
		}
		start, end = max(start, 0), min(end, len(d))
		if start > 0 {
			out = append(out, Chunk{Orig: orig, Data: d[:start]})
		}
		if open > 0 && len(out) > 0 && out[len(out)-1].Gap > 0 && out[len(out)-1].Orig == orig {
			out[len(out)-1].Gap += end - start
		} else {
			out = append(out, Chunk{Orig: orig, Gap: end - start})
		}
		open += end - start
		if end < len(d) {
			out = append(out, Chunk{Orig: orig, Data: d[end:]})
		}
	}
	return out
}

// DirLen returns the number of data bytes of one direction in script.
func DirLen(script []Chunk, orig bool) int {
	n := 0
	for _, c := range script {
		if c.Orig == orig && c.Gap <= 0 && !c.End {
			n += len(c.Data)
		}
	}
	return n
}

// ForEachGap calls fn with a copy of script in which n bytes of one
// direction's data, starting at each offset in turn (0 to DirLen-1), are a
// gap (GapAt). Tests use it to check that an analyzer survives a gap
// anywhere, e.g. by running SplitEvery on each gapped script.
func ForEachGap(script []Chunk, orig bool, n int, fn func(at int, gapped []Chunk)) {
	for at := range DirLen(script, orig) {
		fn(at, GapAt(script, orig, at, n))
	}
}

// cutPoints lists every offset (over all data bytes) strictly inside a
// data chunk.
func cutPoints(script []Chunk) []int {
	var pts []int
	base := 0
	for _, c := range script {
		if c.Gap > 0 || c.End {
			continue
		}
		for i := 1; i < len(c.Data); i++ {
			pts = append(pts, base+i)
		}
		base += len(c.Data)
	}
	return pts
}

// describeCut names the chunk and position of a cut for failure messages.
func describeCut(script []Chunk, cut int) string {
	base := 0
	for i, c := range script {
		if c.Gap > 0 || c.End {
			continue
		}
		if cut < base+len(c.Data) {
			off := cut - base
			return fmt.Sprintf("cut at data byte %d (chunk %d, %s, after %q)", cut, i, dirName(c.Orig), tail(c.Data[:off]))
		}
		base += len(c.Data)
	}
	return fmt.Sprintf("cut at data byte %d", cut)
}

func tail(b []byte) []byte {
	if len(b) > 24 {
		return b[len(b)-24:]
	}
	return b
}

func dirName(orig bool) string {
	if orig {
		return "orig"
	}
	return "resp"
}

// runOnce builds a sink, plays script with cuts, calls Done if the sink
// has it, and summarises. A panic is returned as text with its stack.
func runOnce[S analyzer.StreamSink, R any](p *player, script []Chunk, cuts []int, newSink func() S, summarize func(S) R) (r R, perr string) {
	defer func() {
		if v := recover(); v != nil {
			perr = fmt.Sprintf("%v\n%s", v, debug.Stack())
		}
	}()
	s := newSink()
	p.play(s, script, cuts)
	if d, ok := any(s).(interface{ Done() }); ok {
		d.Done()
	}
	return summarize(s), ""
}

// player delivers scripts, keeping one scratch buffer.
type player struct {
	noPoison bool
	scratch  []byte
}

// play delivers script to s, cutting data chunks at the sorted offsets in
// cuts.
func (p *player) play(s analyzer.StreamSink, script []Chunk, cuts []int) {
	seq := [2]uint64{1, 1}
	base := 0
	for _, c := range script {
		d := 0
		if c.Orig {
			d = 1
		}
		switch {
		case c.Gap > 0:
			s.Undelivered(seq[d], c.Gap, c.Orig)
			seq[d] += uint64(c.Gap)
			continue
		case c.End:
			s.EndOfData(c.Orig)
			continue
		}
		data := c.Data
		from := 0
		for len(cuts) > 0 && cuts[0] <= base {
			cuts = cuts[1:]
		}
		for len(cuts) > 0 && cuts[0] < base+len(data) {
			to := cuts[0] - base
			p.deliver(s, data[from:to], c.Orig)
			from = to
			cuts = cuts[1:]
		}
		p.deliver(s, data[from:], c.Orig)
		seq[d] += uint64(len(data))
		base += len(data)
	}
}

func (p *player) deliver(s analyzer.StreamSink, data []byte, orig bool) {
	if len(data) == 0 {
		return
	}
	if p.noPoison {
		s.DeliverStream(data, orig)
		return
	}
	if cap(p.scratch) < len(data) {
		p.scratch = make([]byte, max(len(data), 2*cap(p.scratch)))
	}
	b := p.scratch[:len(data)]
	copy(b, data)
	s.DeliverStream(b, orig)
	for i := range b {
		b[i] = 0xA5
	}
}

// diff describes how got differs from want.
func diff(want, got any) string {
	switch w := want.(type) {
	case []string:
		return diffLines(w, got.([]string))
	case string:
		return diffLines(strings.Split(w, "\n"), strings.Split(got.(string), "\n"))
	}
	return fmt.Sprintf("  want: %+v\n  got:  %+v", want, got)
}

func diffLines(want, got []string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %d items wanted, %d got; first difference at item %d\n", len(want), len(got), i)
	lo := max(i-2, 0)
	for j := lo; j < min(i+3, max(len(want), len(got))); j++ {
		var w, g string
		if j < len(want) {
			w = fmt.Sprintf("%q", want[j])
		} else {
			w = "(none)"
		}
		if j < len(got) {
			g = fmt.Sprintf("%q", got[j])
		} else {
			g = "(none)"
		}
		mark := " "
		if w != g {
			mark = "!"
		}
		fmt.Fprintf(&b, "  %s [%d] want %s\n  %s [%d] got  %s\n", mark, j, w, mark, j, g)
	}
	return b.String()
}
