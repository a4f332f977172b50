package support_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

// decodeScript turns fuzz bytes into a conversation script. A byte below
// 0xC0 starts a data chunk: bit 5 clear for orig, length (bits 0-4)+1
// bytes taken from what follows. A byte from 0xC0 is a control: bit 0
// clear for orig; bits 1-2 = 3 is an end of data, else a gap of
// (bits 3-5)+1 bytes.
func decodeScript(data []byte) []analyzertest.Chunk {
	var s []analyzertest.Chunk
	for len(data) > 0 {
		b := data[0]
		data = data[1:]
		if b < 0xC0 {
			n := min(int(b&0x1f)+1, len(data))
			s = append(s, analyzertest.Chunk{Orig: b&0x20 == 0, Data: data[:n]})
			data = data[n:]
			continue
		}
		orig := b&1 == 0
		if (b>>1)&3 == 3 {
			s = append(s, analyzertest.End(orig))
		} else {
			s = append(s, analyzertest.Gap(orig, int(b>>3&7)+1))
		}
	}
	return s
}

// fuzzOptions keeps fuzz iterations quick while still cutting everywhere
// a short input allows.
func fuzzOptions(seed byte) analyzertest.Options {
	return analyzertest.Options{Random: 6, Seed: uint64(seed), ByteAtATime: true, MaxSplits: 48}
}

// FuzzLineSplitter checks, for any configuration and conversation, that
// the LineSplitter does not panic, gives the same result however the input
// is cut, never delivers a line as long as its limit, and, in Zeek's
// default mode, agrees with lineModel.
func FuzzLineSplitter(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		c0, c1 := data[0], data[1]
		eol := support.EOLMode(c0 & 3)
		nul := c0&4 != 0
		suppress := c0&8 != 0
		policy := support.GapPolicy(c0 >> 4 % 3)
		maxLen := 64 + int(c1) // limits 128..319
		script := decodeScript(data[2:])
		setup := func(p *support.LinePair) {
			for _, s := range []*support.LineSplitter{&p.Orig, &p.Resp} {
				s.SetEOL(eol)
				s.SetNULSensitive(nul, nil)
				s.SetSuppressWeirds(suppress)
				s.SetGapPolicy(policy)
			}
		}
		got := analyzertest.SplitEveryWith(t, fuzzOptions(c1), script,
			func() *fuzzLineRec {
				r := &fuzzLineRec{limit: max(maxLen, 128)}
				r.p.Init(r, maxLen)
				setup(&r.p)
				return r
			},
			func(r *fuzzLineRec) []string { return r.summary(eol) })

		limit := max(maxLen, 128)
		commands := false
		for _, e := range got {
			for _, c := range []string{`"PLAIN`, `"EOL`, `"SKIP`, `"UNSUPPRESS`} {
				if strings.Contains(e, " L "+c) {
					commands = true
				}
			}
		}
		if eol == support.DefaultEOL && !nul && policy == support.GapContinue && !commands {
			m := newLineModel(limit, suppress)
			for _, c := range script {
				switch {
				case c.Gap > 0:
				case c.End:
					m.end(c.Orig)
				default:
					m.write(c.Data, c.Orig)
				}
			}
			if !slices.Equal(got, m.out) {
				t.Errorf("splitter and model differ\nsplitter %q\nmodel    %q", got, m.out)
			}
		}
	})
}

// fuzzLineRec is lineRec without SIZE (SetDeliverySize is not split-proof,
// as in Zeek) and with a check of every line's length: a line as long as
// the limit panics, which analyzertest reports with the cuts.
type fuzzLineRec struct {
	lineRec
	limit int
}

func (r *fuzzLineRec) Line(line []byte, orig bool) {
	if len(line) >= r.limit {
		panic(fmt.Sprintf("line of %d bytes with limit %d", len(line), r.limit))
	}
	if strings.HasPrefix(string(line), "SIZE") {
		r.events = append(r.events, lineEvent{'L', orig, string(line)})
		return
	}
	r.lineRec.Line(line, orig)
}

// summary is lineRec's, except that where CR alone does not end lines (the
// initial mode, or any mode after an EOL command) the two weirds that
// depend on the cutting in Zeek (TestLineSplitterZeekCutQuirks) are left
// out.
func (r *fuzzLineRec) summary(eol support.EOLMode) []string {
	all := r.lineRec.summary()
	quirky := eol&support.CRAsEOL == 0
	for _, e := range r.events {
		quirky = quirky || e.kind == 'L' && strings.HasPrefix(e.text, "EOL")
	}
	if !quirky {
		return all
	}
	drop := map[string]bool{
		oW(support.WeirdSingleCR): true, rW(support.WeirdSingleCR): true,
		oW(support.WeirdLineTooLong): true, rW(support.WeirdLineTooLong): true,
	}
	return slices.DeleteFunc(all, func(e string) bool { return drop[e] })
}

func (r *fuzzLineRec) DeliverStream(data []byte, orig bool)     { r.p.DeliverStream(data, orig) }
func (r *fuzzLineRec) Undelivered(seq uint64, n int, orig bool) { r.p.Undelivered(seq, n, orig) }
func (r *fuzzLineRec) EndOfData(orig bool)                      { r.p.EndOfData(orig) }

// lineModel is a plain restatement of Zeek's default mode (CR, LF and
// CRLF end lines; no NUL checks) for whole inputs, byte by byte.
type lineModel struct {
	limit    int
	suppress bool
	cur      [2][]byte
	crEnded  [2]bool // the last byte was a CR that ended a line
	crWeird  bool
	out      []string
}

func newLineModel(limit int, suppress bool) *lineModel {
	return &lineModel{limit: limit, suppress: suppress}
}

func (m *lineModel) write(data []byte, orig bool) {
	for _, c := range data {
		m.byte(c, orig)
	}
}

func (m *lineModel) byte(c byte, orig bool) {
	d := dir(orig)
	afterCR := m.crEnded[d]
	m.crEnded[d] = false
	if afterCR && c == '\n' {
		return // the CR ended the line already
	}
	if len(m.cur[d]) == m.limit {
		// Full: cut to limit-1 bytes; c is lost with the last byte.
		m.out = append(m.out, evText(orig, 'W', support.WeirdLineTooLong))
		m.line(orig, m.cur[d][:m.limit-1])
		m.crEnded[d] = c == '\r'
		return
	}
	switch c {
	case '\r':
		m.line(orig, m.cur[d])
		m.crEnded[d] = true
	case '\n':
		m.line(orig, m.cur[d])
	default:
		m.cur[d] = append(m.cur[d], c)
		if afterCR && !m.suppress && !m.crWeird {
			m.crWeird = true
			m.out = append(m.out, evText(orig, 'W', support.WeirdSingleCR))
		}
	}
}

func (m *lineModel) line(orig bool, b []byte) {
	m.out = append(m.out, evText(orig, 'L', string(b)))
	m.cur[dir(orig)] = m.cur[dir(orig)][:0]
}

func (m *lineModel) end(orig bool) {
	if len(m.cur[dir(orig)]) > 0 {
		m.byte('\n', orig)
	}
}

// fuzzLen is the fuzz framer's length function: the last header byte
// modulo 64, or an error when the first header byte is 0xFF.
func fuzzLen(hdr []byte) (int, error) {
	if hdr[0] == 0xFF {
		return 0, errors.New("0xff header")
	}
	return int(hdr[len(hdr)-1]) % 64, nil
}

// FuzzFramer checks that the Framer does not panic, gives the same result
// however the input is cut, keeps its bounds, and, without gaps, agrees
// with frameModel.
func FuzzFramer(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		cfg := support.FramerConfig{
			HeaderLen: 1 + int(data[0]%4),
			BodyLen:   fuzzLen,
			MaxBody:   int(data[1] % 40),
			Oversize:  support.OversizePolicy(data[2] % 3),
			Stream:    data[2]&4 != 0,
			Gaps:      support.FrameGapPolicy(data[2] >> 3 & 1),
		}
		script := decodeScript(data[3:])
		got := analyzertest.SplitEveryWith(t, fuzzOptions(data[1]), script,
			func() *frameRec { r := newFrameRec(cfg); r.check = frameChecker(cfg); return r },
			(*frameRec).summary)
		for _, c := range script {
			if c.Gap > 0 {
				return
			}
		}
		m := frameModel{cfg: cfg}
		if m.cfg.MaxBody <= 0 {
			m.cfg.MaxBody = support.DefaultMaxBody
		}
		for _, c := range script {
			if c.End {
				m.end(c.Orig)
			} else {
				for _, b := range c.Data {
					m.byte(b, c.Orig)
				}
			}
		}
		if !slices.Equal(got, m.out) {
			t.Errorf("framer and model differ\nframer %q\nmodel  %q", got, m.out)
		}
	})
}

// frameChecker returns a check of each Frame's bounds under cfg; a
// violation panics, which analyzertest reports with the cuts.
func frameChecker(cfg support.FramerConfig) func(*support.Frame) {
	maxBody := cfg.MaxBody
	if maxBody <= 0 {
		maxBody = support.DefaultMaxBody
	}
	return func(f *support.Frame) {
		switch {
		case len(f.Header) != cfg.HeaderLen:
			panic(fmt.Sprintf("header of %d bytes", len(f.Header)))
		case f.Kind == support.FrameWhole && (len(f.Body) != f.Length || f.Length > maxBody || cfg.Stream):
			panic(fmt.Sprintf("whole body of %d bytes, length %d", len(f.Body), f.Length))
		case f.Kind != support.FrameSkipped && f.Kind != support.FrameTruncated && f.Offset+len(f.Body)+f.Missing > f.Length:
			panic(fmt.Sprintf("%s frame past the body: %+v", f.Kind, *f))
		}
	}
}

// frameModel frames whole conversations byte by byte, producing frameRec's
// event strings.
type frameModel struct {
	cfg  support.FramerConfig
	dirs [2]struct {
		hdr    []byte
		body   []byte
		length int
		mode   byte // 'w' buffered, 'p' pieces, 's' skipped
		open   int  // index+1 of the open piece event
		dead   bool
	}
	out []string
}

func (m *frameModel) byte(b byte, orig bool) {
	d := &m.dirs[dir(orig)]
	tag := dirTag(orig)
	if d.dead {
		return
	}
	if len(d.hdr) < m.cfg.HeaderLen {
		d.hdr = append(d.hdr, b)
		if len(d.hdr) < m.cfg.HeaderLen {
			return
		}
		n, err := m.cfg.BodyLen(d.hdr)
		if err != nil {
			m.out = append(m.out, fmt.Sprintf("%s error: support: bad message length: %v", tag, err))
			d.dead = true
			return
		}
		d.length, d.body, d.open = n, d.body[:0], 0
		switch {
		case m.cfg.Stream:
			d.mode = 'p'
		case n <= m.cfg.MaxBody:
			d.mode = 'w'
		case m.cfg.Oversize == support.OversizeStream:
			d.mode = 'p'
		case m.cfg.Oversize == support.OversizeSkip:
			d.mode = 's'
		default:
			m.out = append(m.out, fmt.Sprintf("%s error: support: message too large: body of %d bytes, limit %d", tag, n, m.cfg.MaxBody))
			d.dead = true
			return
		}
		if n == 0 {
			m.finish(orig)
		}
		return
	}
	d.body = append(d.body, b)
	if d.mode == 'p' {
		if d.open == 0 {
			m.out = append(m.out, fmt.Sprintf("%s piece hdr=%x len=%d off=0 body=", tag, d.hdr, d.length))
			d.open = len(m.out)
		}
		m.out[d.open-1] += string([]byte{b})
	}
	if len(d.body) == d.length {
		m.finish(orig)
	}
}

func (m *frameModel) finish(orig bool) {
	d := &m.dirs[dir(orig)]
	tag := dirTag(orig)
	switch d.mode {
	case 'w':
		m.out = append(m.out, fmt.Sprintf("%s whole hdr=%x len=%d off=0 body=%s", tag, d.hdr, d.length, d.body))
	case 'p':
		if d.open == 0 {
			m.out = append(m.out, fmt.Sprintf("%s piece hdr=%x len=%d off=0 body=", tag, d.hdr, d.length))
			d.open = len(m.out)
		}
		m.out[d.open-1] += " (final)"
	case 's':
		m.out = append(m.out, fmt.Sprintf("%s skipped hdr=%x len=%d off=0 missing=%d", tag, d.hdr, d.length, d.length))
	}
	d.hdr, d.body, d.open = d.hdr[:0], d.body[:0], 0
}

func (m *frameModel) end(orig bool) {
	d := &m.dirs[dir(orig)]
	tag := dirTag(orig)
	if d.dead || len(d.hdr) < m.cfg.HeaderLen {
		d.hdr = d.hdr[:0]
		return
	}
	switch d.mode {
	case 'w':
		s := fmt.Sprintf("%s truncated hdr=%x len=%d off=0", tag, d.hdr, d.length)
		if len(d.body) > 0 {
			s += " body=" + string(d.body)
		}
		m.out = append(m.out, s)
	case 'p':
		m.out = append(m.out, fmt.Sprintf("%s truncated hdr=%x len=%d off=%d", tag, d.hdr, d.length, len(d.body)))
	case 's':
		s := fmt.Sprintf("%s truncated hdr=%x len=%d off=%d", tag, d.hdr, d.length, len(d.body))
		if len(d.body) > 0 {
			s += fmt.Sprintf(" missing=%d", len(d.body))
		}
		m.out = append(m.out, s)
	}
	d.hdr, d.body, d.open = d.hdr[:0], d.body[:0], 0
}

// FuzzReader runs the toy protocol of TestReaderToyProtocol over arbitrary
// conversations: no panics, the same result however the input is cut.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		analyzertest.SplitEveryWith(t, fuzzOptions(data[0]), decodeScript(data[1:]), newToy, (*toy).summary)
	})
}
