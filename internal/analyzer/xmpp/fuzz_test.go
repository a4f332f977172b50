package xmpp

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzAnalyzer feeds arbitrary deliveries (separated by 0xff,
// alternating server and client) to the analyzer: nothing may panic.
func FuzzAnalyzer(f *testing.F) {
	var seed []byte
	for _, c := range negotiation {
		seed = append(seed, c.Data...)
		seed = append(seed, 0xff)
	}
	f.Add(seed)
	f.Add([]byte("<a b='c'>text</a>\xff<"))
	f.Add([]byte("\xff<starttls/>\xff<proceed/>\xff\x16\x03"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness()
		orig := false
		for _, part := range bytes.Split(data, []byte{0xff}) {
			h.DeliverStream(part, orig)
			orig = !orig
		}
		h.Done()
		var tl tokenList
		if err := parse(data, false, &tl); err != nil {
			// The reason quotes the data up to its first NUL, as Zeek's
			// C-string formatting does.
			quoted := err.data
			if i := bytes.IndexByte(quoted, 0); i >= 0 {
				quoted = quoted[:i]
			}
			if !strings.Contains(err.reason(), "actual data: \""+string(quoted)+"\"") {
				t.Fatalf("the reason %q does not quote the data %q", err.reason(), quoted)
			}
		}
	})
}

type tokenList struct{ n int }

func (l *tokenList) token(_, _ []byte, _ bool) { l.n++ }
