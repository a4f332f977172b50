package support_test

import (
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
	"github.com/heron-nsm/heron/internal/analyzer/support"
)

var reLine = binpac.Regex{Text: `[a-z]+\n`, Line: 1, Match: func(b []byte) int {
	n := binpac.Run(b, func(c byte) bool { return c >= 'a' && c <= 'z' }, 1)
	if n < 0 || n >= len(b) || b[n] != '\n' {
		return -1
	}
	return n + 1
}}

// lineTLS is a toy protocol on StartTLS: lowercase lines; "tls" from the
// responder starts TLS, "stop" skips.
type lineTLS struct {
	support.StartTLS
	lines []string
}

func newLineTLS(h support.TLSHost) *lineTLS {
	a := &lineTLS{StartTLS: support.StartTLS{Host: h}}
	a.Parse = func(data []byte, orig bool) *binpac.MismatchError {
		c := binpac.Cursor{Source: "toy.pac", B: data}
		for len(c.B) > 0 {
			m, err := c.Take(&reLine)
			if err != nil {
				return err
			}
			switch l := string(m[:len(m)-1]); {
			case l == "tls" && !orig:
				a.BeginTLS()
				return nil
			case l == "stop":
				a.Skip()
				return nil
			default:
				a.lines = append(a.lines, l)
			}
		}
		return nil
	}
	return a
}

func TestStartTLS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		partial bool
		script  []at.Chunk
		lines   int
		want    at.TLSResult
	}{
		{"handoff", false, []at.Chunk{at.Orig("a\nb\n"), at.Resp("tls\n"), at.Orig("\x16\x03"), at.Resp("\x16\x03\x03"), at.End(true)}, 2,
			at.TLSResult{TLS: [2]string{"\x16\x03", "\x16\x03\x03"}}},
		{"violation", false, []at.Chunk{at.Orig("a\nB\n")}, 1,
			at.TLSResult{Violations: []string{"Binpac exception: binpac exception: string mismatch at toy.pac:1: \nexpected pattern: \"[a-z]+\\n\"\nactual data: \"B\n\""}}},
		{"partial", true, []at.Chunk{at.Orig("a\n"), at.Resp("tls\n"), at.Orig("x")}, 0, at.TLSResult{}},
		{"gap", false, []at.Chunk{at.Orig("a\n"), at.Gap(true, 3), at.Resp("tls\n"), at.Orig("x")}, 1, at.TLSResult{}},
		{"skip", false, []at.Chunk{at.Orig("stop\n"), at.Resp("tls\n"), at.Orig("x")}, 0, at.TLSResult{Skip: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &at.TLSHost{IsPartial: tc.partial}
			a := newLineTLS(h)
			at.Play(a, tc.script)
			a.Done()
			a.Done()
			if got := h.Result(a.Skipped()); !equal(got, tc.want) || len(a.lines) != tc.lines {
				t.Fatalf("got %+v and %d lines, want %+v and %d", got, len(a.lines), tc.want, tc.lines)
			}
		})
	}
}

func equal(a, b at.TLSResult) bool {
	return len(a.Weirds) == len(b.Weirds) && len(a.Violations) == len(b.Violations) &&
		(len(a.Violations) == 0 || a.Violations[0] == b.Violations[0]) && a.Confirms == b.Confirms && a.TLS == b.TLS && a.Skip == b.Skip
}
