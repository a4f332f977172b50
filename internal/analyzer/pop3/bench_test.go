package pop3

import (
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// BenchmarkRetrieval is a login and the retrieval of a two-part message,
// files included.
func BenchmarkRetrieval(b *testing.B) {
	b.SetBytes(int64(at.DataLen(retrieval)))
	b.ReportAllocs()
	for b.Loop() {
		h := newHarness()
		at.Play(h, retrieval)
		h.Done()
	}
}

// TestCommandQueueAllocatesNothing guards the steady state of pipelined
// commands and their replies: the queue reuses its buffers.
func TestCommandQueueAllocatesNothing(t *testing.T) {
	h := newHarness()
	at.Play(h, []at.Chunk{r("+OK hi\r\n"), o("USER a\r\n"), r("+OK\r\n"), o("PASS b\r\n"), r("+OK\r\n")})
	cmds, replies := []byte("NOOP\r\nSTAT\r\n"), []byte("+OK\r\n+OK 1 2\r\n")
	step := func() {
		h.DeliverStream(cmds, true)
		h.DeliverStream(replies, false)
	}
	step()
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Fatalf("a command and its reply allocate %v times", a)
	}
}
