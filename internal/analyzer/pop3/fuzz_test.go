package pop3

import (
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// fuzzScript turns fuzz input into a conversation: chunks separated by
// 0xff bytes, alternating responder and originator.
var fuzzScript = at.FuzzCoding{Sep: []byte{0xff}, MaxChunks: 257}.Script

// FuzzAnalyzer feeds arbitrary conversations to the analyzer and its
// message parsing: nothing may panic, and the command queue stays within
// its bound.
func FuzzAnalyzer(f *testing.F) {
	var seed []byte
	orig := false
	for _, c := range retrieval {
		if c.End {
			continue
		}
		if c.Orig != orig {
			seed = append(seed, 0xff)
			orig = !orig
		}
		seed = append(seed, c.Data...)
		seed = append(seed, 0xff)
		orig = !orig
	}
	f.Add(seed)
	f.Add([]byte("+OK\r\n\xffAUTH PLAIN\r\nAGFsaWNlAHB3\r\n\xff+OK\r\n\xffSTLS\r\n\xff+OK\r\n\xff\x16\x03"))
	f.Add([]byte("+OK\r\n\xffLIST\r\nRETR 1\r\nFOO\r\n\xff+OK\r\n1 2\r\n.\r\n+OK\r\nContent-Type: message/rfc822\r\n\r\nA: b\r\n\r\nx\r\n.\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness()
		at.Play(h, fuzzScript(data))
		if uint64(len(h.cmds)) > opts.maxPendingCommands {
			t.Fatalf("%d pending commands", len(h.cmds))
		}
		h.Done()
	})
}
