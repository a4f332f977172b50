package analyzertest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// Joined returns the data of script's chunks, each followed by sep: a
// fuzz seed for PlayAlternating (the script should alternate between
// responder and originator, starting with the responder).
func Joined(script []Chunk, sep byte) []byte {
	var out []byte
	for _, c := range script {
		out = append(out, c.Data...)
		out = append(out, sep)
	}
	return out
}

// PlayAlternating delivers the parts of data between the sep bytes to
// sink, the first as the responder's, then alternating: how fuzz targets
// turn one input into a conversation. The parts are borrowed from data.
func PlayAlternating(sink analyzer.StreamSink, data []byte, sep byte) {
	orig := false
	for _, part := range bytes.Split(data, []byte{sep}) {
		sink.DeliverStream(part, orig)
		orig = !orig
	}
}

// CheckMismatch fails t unless err's message is binpac's: no longer than
// binpac's formatting buffer allows and, when it was not cut, ending in
// the data from the mismatch on, quoted up to its first NUL.
func CheckMismatch(t testing.TB, err *binpac.MismatchError) {
	t.Helper()
	quoted := err.Data
	if i := bytes.IndexByte(quoted, 0); i >= 0 {
		quoted = quoted[:i]
	}
	msg := err.Error()
	switch {
	case len(msg) >= binpac.MaxFormatted:
		t.Fatalf("analyzertest: the message is %d bytes, more than binpac's %d", len(msg), binpac.MaxFormatted-1)
	case len(msg) < binpac.MaxFormatted-1 && !strings.HasSuffix(msg, "actual data: \""+string(quoted)+"\""):
		t.Fatalf("analyzertest: the message %q must quote the data %q up to a NUL", msg, quoted)
	}
}

// FuzzCoding is how a fuzz target's input encodes a conversation: chunks
// separated by Sep, alternating between the directions (the originator's
// first when FirstOrig); a chunk that starts with GapMark (when it is set)
// is a content gap as long as the chunk. Chunks past MaxChunks are
// dropped, and the end of both directions follows.
type FuzzCoding struct {
	Sep       []byte
	GapMark   []byte
	FirstOrig bool
	MaxChunks int
}

// Script decodes data into a script; the chunks borrow data.
func (fc FuzzCoding) Script(data []byte) []Chunk {
	var script []Chunk
	orig := fc.FirstOrig
	for i, part := range bytes.Split(data, fc.Sep) {
		if i >= fc.MaxChunks {
			break
		}
		if len(fc.GapMark) > 0 && bytes.HasPrefix(part, fc.GapMark) {
			script = append(script, Gap(orig, len(part)))
		} else {
			script = append(script, Chunk{Orig: orig, Data: part})
		}
		orig = !orig
	}
	return append(script, End(true), End(false))
}
