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

// dnsLen reads DNS-over-TCP's 2-byte big-endian length prefix.
func dnsLen(hdr []byte) (int, error) { return int(binary.BigEndian.Uint16(hdr)), nil }

var errNotTLS = errors.New("not a TLS content type")

// tlsLen reads a TLS record header: type, version, 2-byte length.
func tlsLen(hdr []byte) (int, error) {
	if hdr[0] < 20 || hdr[0] > 24 {
		return 0, fmt.Errorf("type %d: %w", hdr[0], errNotTLS)
	}
	return int(binary.BigEndian.Uint16(hdr[3:])), nil
}

// frameRec records a Framer pair's output. Consecutive pieces of one
// streamed body are merged (their cutting depends on the input's).
type frameRec struct {
	f      [2]support.Framer
	events []string
	open   [2]int // index+1 of the open piece event per direction
	reset  bool   // Reset after an error
	check  func(*support.Frame)
}

func newFrameRec(cfg support.FramerConfig) *frameRec {
	r := &frameRec{}
	for d := range r.f {
		if err := r.f[d].Init(cfg, &frameDir{r, d == 1}); err != nil {
			panic(err)
		}
	}
	return r
}

type frameDir struct {
	r    *frameRec
	orig bool
}

func dirTag(orig bool) string {
	if orig {
		return "o"
	}
	return "r"
}

func (d *frameDir) Frame(f *support.Frame) {
	r, i := d.r, 0
	if r.check != nil {
		r.check(f)
	}
	if d.orig {
		i = 1
	}
	tag := dirTag(d.orig)
	if f.Kind == support.FramePiece && r.open[i] > 0 {
		r.events[r.open[i]-1] += string(f.Body)
	} else {
		r.open[i] = 0
		e := fmt.Sprintf("%s %s hdr=%x len=%d off=%d", tag, f.Kind, f.Header, f.Length, f.Offset)
		if f.Missing > 0 {
			e += fmt.Sprintf(" missing=%d", f.Missing)
		}
		if len(f.Body) > 0 || f.Kind == support.FrameWhole || f.Kind == support.FramePiece {
			e += " body=" + string(f.Body)
		}
		r.events = append(r.events, e)
		if f.Kind == support.FramePiece {
			r.open[i] = len(r.events)
		}
	}
	if f.Final {
		if r.open[i] > 0 {
			r.events[r.open[i]-1] += " (final)"
		}
		r.open[i] = 0
	}
}

func (d *frameDir) FrameError(err error) {
	d.r.events = append(d.r.events, dirTag(d.orig)+" error: "+err.Error())
	if d.r.reset {
		if d.orig {
			d.r.f[1].Reset()
		} else {
			d.r.f[0].Reset()
		}
	}
}

func (r *frameRec) dir(orig bool) *support.Framer {
	if orig {
		return &r.f[1]
	}
	return &r.f[0]
}

func (r *frameRec) DeliverStream(data []byte, orig bool)   { r.dir(orig).Write(data) }
func (r *frameRec) Undelivered(_ uint64, n int, orig bool) { r.dir(orig).Gap(n) }
func (r *frameRec) EndOfData(orig bool)                    { r.dir(orig).End() }
func (r *frameRec) summary() []string                      { return slices.Clone(r.events) }

// dns builds a DNS-over-TCP message.
func dns(body string) string {
	return string(binary.BigEndian.AppendUint16(nil, uint16(len(body)))) + body
}

func TestFramer(t *testing.T) {
	base := support.FramerConfig{HeaderLen: 2, BodyLen: dnsLen, MaxBody: 8}
	with := func(f func(*support.FramerConfig)) support.FramerConfig {
		c := base
		f(&c)
		return c
	}
	gap := analyzertest.Gap
	tests := []struct {
		name   string
		cfg    support.FramerConfig
		reset  bool
		script []analyzertest.Chunk
		want   []string
	}{
		{
			name: "messages", cfg: base,
			script: []analyzertest.Chunk{o(dns("abc") + dns("de")), r(dns("xyz")), o(dns("12345678"))},
			want: []string{
				"o whole hdr=0003 len=3 off=0 body=abc", "o whole hdr=0002 len=2 off=0 body=de",
				"r whole hdr=0003 len=3 off=0 body=xyz", "o whole hdr=0008 len=8 off=0 body=12345678",
			},
		},
		{
			name: "empty body", cfg: base,
			script: []analyzertest.Chunk{o(dns("") + dns("z"))},
			want:   []string{"o whole hdr=0000 len=0 off=0 body=", "o whole hdr=0001 len=1 off=0 body=z"},
		},
		{
			name: "oversize streamed", cfg: base,
			script: []analyzertest.Chunk{o(dns("abcdefghij") + dns("z"))},
			want:   []string{"o piece hdr=000a len=10 off=0 body=abcdefghij (final)", "o whole hdr=0001 len=1 off=0 body=z"},
		},
		{
			name: "oversize skipped", cfg: with(func(c *support.FramerConfig) { c.Oversize = support.OversizeSkip }),
			script: []analyzertest.Chunk{o(dns("abcdefghij") + dns("z"))},
			want:   []string{"o skipped hdr=000a len=10 off=0 missing=10", "o whole hdr=0001 len=1 off=0 body=z"},
		},
		{
			name: "oversize is an error", cfg: with(func(c *support.FramerConfig) { c.Oversize = support.OversizeError }),
			script: []analyzertest.Chunk{o(dns("z") + dns("abcdefghij") + dns("z")), r(dns("y"))},
			want: []string{
				"o whole hdr=0001 len=1 off=0 body=z",
				"o error: support: message too large: body of 10 bytes, limit 8",
				"r whole hdr=0001 len=1 off=0 body=y",
			},
		},
		{
			name: "stream mode", cfg: with(func(c *support.FramerConfig) { c.Stream = true }),
			script: []analyzertest.Chunk{o(dns("abc") + dns("")), analyzertest.End(true)},
			want:   []string{"o piece hdr=0003 len=3 off=0 body=abc (final)", "o piece hdr=0000 len=0 off=0 body= (final)"},
		},
		{
			name: "gap inside a body", cfg: base,
			script: []analyzertest.Chunk{o("\x00\x05ab"), gap(true, 2), o("e" + dns("z"))},
			want:   []string{"o damaged hdr=0005 len=5 off=0 missing=2", "o whole hdr=0001 len=1 off=0 body=z"},
		},
		{
			name: "gap up to the end of a body", cfg: base,
			script: []analyzertest.Chunk{o("\x00\x03a"), gap(true, 2), o(dns("z"))},
			want:   []string{"o damaged hdr=0003 len=3 off=0 missing=2", "o whole hdr=0001 len=1 off=0 body=z"},
		},
		{
			name: "gap inside a streamed body", cfg: with(func(c *support.FramerConfig) { c.Stream = true }),
			script: []analyzertest.Chunk{o("\x00\x06ab"), gap(true, 2), o("ef" + dns("z"))},
			want: []string{
				"o piece hdr=0006 len=6 off=0 body=ab", "o gap hdr=0006 len=6 off=2 missing=2",
				"o piece hdr=0006 len=6 off=4 body=ef (final)", "o piece hdr=0001 len=1 off=0 body=z (final)",
			},
		},
		{
			name: "gap inside a skipped body", cfg: with(func(c *support.FramerConfig) { c.Oversize = support.OversizeSkip }),
			script: []analyzertest.Chunk{o("\x00\x0aabc"), gap(true, 7), o(dns("z"))},
			want:   []string{"o skipped hdr=000a len=10 off=0 missing=10", "o whole hdr=0001 len=1 off=0 body=z"},
		},
		{
			name: "gap past the body end loses framing", cfg: base,
			script: []analyzertest.Chunk{o("\x00\x03a"), gap(true, 3), o(dns("z")), analyzertest.End(true), r(dns("y"))},
			want:   []string{"o error: support: framing lost after a content gap", "r whole hdr=0001 len=1 off=0 body=y"},
		},
		{
			name: "gap in a header loses framing", cfg: base,
			script: []analyzertest.Chunk{o("\x00"), gap(true, 1), o(dns("z"))},
			want:   []string{"o error: support: framing lost after a content gap"},
		},
		{
			name: "gap between messages loses framing", cfg: base,
			script: []analyzertest.Chunk{o(dns("a")), gap(true, 3), o(dns("z"))},
			want:   []string{"o whole hdr=0001 len=1 off=0 body=a", "o error: support: framing lost after a content gap"},
		},
		{
			name: "gap stop policy", cfg: with(func(c *support.FramerConfig) { c.Gaps = support.FrameGapStop }),
			script: []analyzertest.Chunk{o("\x00\x05ab"), gap(true, 2), o("e" + dns("z"))},
			want:   []string{"o error: support: framing lost after a content gap"},
		},
		{
			name: "reset after an error resumes at the next byte", cfg: base, reset: true,
			script: []analyzertest.Chunk{o(dns("a")), gap(true, 3), o(dns("z"))},
			want: []string{
				"o whole hdr=0001 len=1 off=0 body=a", "o error: support: framing lost after a content gap",
				"o whole hdr=0001 len=1 off=0 body=z",
			},
		},
		{
			name: "end inside a body", cfg: base,
			script: []analyzertest.Chunk{o("\x00\x05ab"), analyzertest.End(true), r("\x00"), analyzertest.End(false)},
			want:   []string{"o truncated hdr=0005 len=5 off=0 body=ab"},
		},
		{
			name: "end inside a damaged body", cfg: base,
			script: []analyzertest.Chunk{o("\x00\x05ab"), gap(true, 1), analyzertest.End(true)},
			want:   []string{"o truncated hdr=0005 len=5 off=0 missing=1"},
		},
		{
			name: "end inside a streamed body", cfg: with(func(c *support.FramerConfig) { c.Stream = true }),
			script: []analyzertest.Chunk{o("\x00\x05ab"), analyzertest.End(true)},
			want:   []string{"o piece hdr=0005 len=5 off=0 body=ab", "o truncated hdr=0005 len=5 off=2"},
		},
		{
			name: "end inside a skipped body", cfg: with(func(c *support.FramerConfig) { c.Oversize = support.OversizeSkip }),
			script: []analyzertest.Chunk{o("\x00\x0aabc"), analyzertest.End(true)},
			want:   []string{"o truncated hdr=000a len=10 off=3 missing=3"},
		},
		{
			name: "TLS records", cfg: support.FramerConfig{HeaderLen: 5, BodyLen: tlsLen, MaxBody: 1 << 14},
			script: []analyzertest.Chunk{
				o("\x16\x03\x01\x00\x04ABCD\x14\x03\x03\x00\x01\x01"),
				r("\x17\x03\x03\x00\x02hi\x99\x03\x03\x00\x01X\x16\x03\x03\x00\x00"),
			},
			want: []string{
				"o whole hdr=1603010004 len=4 off=0 body=ABCD", "o whole hdr=1403030001 len=1 off=0 body=\x01",
				"r whole hdr=1703030002 len=2 off=0 body=hi",
				"r error: support: bad message length: type 153: not a TLS content type",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := analyzertest.SplitEvery(t, tc.script,
				func() *frameRec { fr := newFrameRec(tc.cfg); fr.reset = tc.reset; return fr },
				(*frameRec).summary)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFramerErrors(t *testing.T) {
	var sink frameDir
	bad := []support.FramerConfig{
		{HeaderLen: 0, BodyLen: dnsLen},
		{HeaderLen: support.MaxHeaderLen + 1, BodyLen: dnsLen},
		{HeaderLen: 2},
	}
	for _, cfg := range bad {
		if _, err := support.NewFramer(cfg, &sink); err == nil || !strings.HasPrefix(err.Error(), "support: ") {
			t.Errorf("NewFramer(%+v) error = %v", cfg, err)
		}
	}
	if _, err := support.NewFramer(support.FramerConfig{HeaderLen: 2, BodyLen: dnsLen}, nil); err == nil {
		t.Error("NewFramer with a nil sink accepted")
	}
	// A Framer that failed Init stays stopped, even through Reset.
	var f support.Framer
	_ = f.Init(bad[0], &sink)
	f.Reset()
	f.Write([]byte("\x00\x01a"))
	if !f.Stopped() {
		t.Error("misconfigured Framer not stopped")
	}

	rec := newFrameRec(support.FramerConfig{HeaderLen: 2, BodyLen: func([]byte) (int, error) { return -1, nil }})
	rec.DeliverStream([]byte("ab"), true)
	if len(rec.events) != 1 || !strings.Contains(rec.events[0], "bad message length: -1") {
		t.Errorf("negative length: %q", rec.events)
	}
	if !rec.f[1].Stopped() || rec.f[1].InMessage() {
		t.Error("not stopped after a bad length")
	}
	var e error = support.ErrBadLength
	rec2 := newFrameRec(support.FramerConfig{HeaderLen: 5, BodyLen: tlsLen})
	var got error
	rec2.f[1].Init(support.FramerConfig{HeaderLen: 5, BodyLen: tlsLen}, errSink{&got})
	rec2.DeliverStream([]byte("\x01\x03\x03\x00\x00"), true)
	if !errors.Is(got, e) || !errors.Is(got, errNotTLS) {
		t.Errorf("error %v does not wrap ErrBadLength and the BodyLen error", got)
	}
	if support.FrameKind(42).String() != "FrameKind(42)" {
		t.Error("FrameKind.String of an unknown kind")
	}
	f2, _ := support.NewFramer(support.FramerConfig{HeaderLen: 2, BodyLen: dnsLen}, &sink)
	f2.Write([]byte{0})
	if !f2.InMessage() {
		t.Error("InMessage false inside a header")
	}
}

type errSink struct{ err *error }

func (errSink) Frame(*support.Frame)   {}
func (e errSink) FrameError(err error) { *e.err = err }

// countSink counts frames and body bytes.
type countSink struct{ frames, bytes, errs int }

func (c *countSink) Frame(f *support.Frame) { c.frames++; c.bytes += len(f.Body) }
func (c *countSink) FrameError(error)       { c.errs++ }

func framerInput() []byte {
	var b []byte
	for i := 0; len(b) < 64<<10; i++ {
		body := strings.Repeat("q", 20+i%200)
		b = append(b, dns(body)...)
	}
	return b
}

func TestFramerAllocs(t *testing.T) {
	var c countSink
	f, err := support.NewFramer(support.FramerConfig{HeaderLen: 2, BodyLen: dnsLen, MaxBody: 512}, &c)
	if err != nil {
		t.Fatal(err)
	}
	input := framerInput()
	f.Write(input[:1000]) // warm up
	allocs := testing.AllocsPerRun(20, func() {
		for i := 0; i < len(input); i += 97 {
			f.Write(input[i:min(i+97, len(input))])
		}
		f.End()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if c.frames == 0 || c.errs != 0 {
		t.Errorf("frames %d errors %d", c.frames, c.errs)
	}
}

func BenchmarkFramer(b *testing.B) {
	for _, chunk := range []int{1460, 64} {
		b.Run(fmt.Sprintf("chunk%d", chunk), func(b *testing.B) {
			var c countSink
			f, err := support.NewFramer(support.FramerConfig{HeaderLen: 2, BodyLen: dnsLen, MaxBody: 512}, &c)
			if err != nil {
				b.Fatal(err)
			}
			input := framerInput()
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			for b.Loop() {
				for i := 0; i < len(input); i += chunk {
					f.Write(input[i:min(i+chunk, len(input))])
				}
			}
		})
	}
}
