package metrics

import (
	"bufio"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ContentType is the media type of the text exposition format that
// WriteTo writes (Prometheus' version 0.0.4).
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteTo writes every family with at least one series in Prometheus'
// text exposition format: families sorted by name, each with its HELP and
// TYPE lines, then its series sorted by label values, every series with
// the registry's constant labels first. Function-backed series are read
// now.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	fams := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	slices.SortFunc(fams, func(a, b *family) int { return strings.Compare(a.name, b.name) })

	cw := &countWriter{w: w}
	bw := bufio.NewWriter(cw)
	var line []byte
	for _, f := range fams {
		f.mu.Lock()
		keys := make([]string, 0, len(f.series))
		for k := range f.series {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ss := make([]*series, len(keys))
		for i, k := range keys {
			ss[i] = f.series[k]
		}
		f.mu.Unlock()
		if len(ss) == 0 {
			continue
		}
		line = append(line[:0], "# HELP "...)
		line = append(line, f.name...)
		line = append(line, ' ')
		line = appendEscaped(line, f.help, false)
		line = append(line, "\n# TYPE "...)
		line = append(line, f.name...)
		line = append(line, ' ')
		line = append(line, f.kind.String()...)
		line = append(line, '\n')
		for _, s := range ss {
			line = append(line, f.name...)
			if n := len(r.constLabels) + len(s.labels); n > 0 {
				line = append(line, '{')
				first := true
				for _, l := range slices.Concat(r.constLabels, s.labels) {
					if !first {
						line = append(line, ',')
					}
					first = false
					line = append(line, l.Name...)
					line = append(line, `="`...)
					line = appendEscaped(line, l.Value, true)
					line = append(line, '"')
				}
				line = append(line, '}')
			}
			line = append(line, ' ')
			switch {
			case s.fn != nil:
				line = appendFloat(line, s.fn())
			case f.kind == CounterKind:
				line = strconv.AppendUint(line, s.bits.Load(), 10)
			default:
				line = appendFloat(line, math.Float64frombits(s.bits.Load()))
			}
			line = append(line, '\n')
		}
		if _, err := bw.Write(line); err != nil {
			return cw.n, err
		}
		line = line[:0]
	}
	err := bw.Flush()
	return cw.n, err
}

// appendEscaped escapes a HELP text (backslash and newline) or a label
// value (also the double quote). Invalid UTF-8, which Prometheus rejects,
// becomes U+FFFD.
func appendEscaped(b []byte, s string, quote bool) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat writes a sample value as Prometheus does.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

type countWriter struct {
	w io.Writer
	n int64
}

// Write implements io.Writer, counting what was written.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
