package xmpp

import (
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// FuzzAnalyzer feeds arbitrary deliveries (separated by 0xff,
// alternating server and client) to the analyzer: nothing may panic.
func FuzzAnalyzer(f *testing.F) {
	f.Add(at.Joined(negotiation, 0xff))
	f.Add([]byte("<a b='c'>text</a>\xff<"))
	f.Add([]byte("\xff<starttls/>\xff<proceed/>\xff\x16\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness()
		at.PlayAlternating(h, data, 0xff)
		h.Done()
		var tl tokenList
		if err := parse(data, false, &tl); err != nil {
			at.CheckMismatch(t, err)
		}
	})
}

type tokenList struct{ n int }

func (l *tokenList) token(_, _ []byte, _ bool) { l.n++ }
