package pop3

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpora under testdata/fuzz")

// encodeConversation writes a conversation in FuzzAnalyzer's form:
// chunks separated by 0xff, alternating responder and originator.
func encodeConversation(chunks []at.Chunk) []byte {
	var b []byte
	orig := false
	for _, c := range chunks {
		if c.End || c.Gap > 0 {
			continue
		}
		if c.Orig != orig {
			b = append(b, 0xff)
			orig = !orig
		}
		b = append(b, c.Data...)
		b = append(b, 0xff)
		orig = !orig
	}
	return b
}

// seedConversations are FuzzAnalyzer's committed seeds: valid sessions,
// sessions cut short, and hostile sizes.
func seedConversations() map[string][]at.Chunk {
	whole := encodeConversation(retrieval)
	var pipelined strings.Builder
	for i := range 200 {
		fmt.Fprintf(&pipelined, "LIST %d\r\n", i)
	}
	var unknown []at.Chunk
	unknown = append(unknown, r("+OK ready\r\n"), o("CAPA\r\n"), r("+OK\r\n.\r\n"))
	for i := range 12 {
		unknown = append(unknown, o(fmt.Sprintf("FOO%d\r\n", i)), r("-ERR what\r\n"))
	}
	return map[string][]at.Chunk{
		"retrieval": retrieval,
		"stls":      {r("+OK ready\r\n"), o("STLS\r\n"), r("+OK Begin TLS\r\n"), o("\x16\x03\x01\x00\x01x"), r("\x16\x03\x03\x00\x01y")},
		"auth": {r("+OK ready\r\n"), o("AUTH PLAIN\r\n"), r("+ \r\n"), o("AGFsaWNlAHB3\r\n"), r("+OK\r\n"),
			o("AUTH LOGIN\r\n"), r("+ VXNlcm5hbWU6\r\n"), o("YWxpY2U=\r\n"), r("+ UGFzc3dvcmQ6\r\n"), o("cHc=\r\n"), r("-ERR no\r\n")},
		"apop-top-uidl": {r("+OK <1896.697170952@dbc.mtview.ca.us>\r\n"), o("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
			r("+OK\r\n"), o("TOP 1 10\r\nUIDL\r\nXSENDER 1\r\n"), r("+OK\r\nSubject: x\r\n\r\n.\r\n+OK\r\n1 abc\r\n.\r\n+OK a@b\r\n")},
		"unknown-commands": unknown,
		"dot-stuffing": {r("+OK\r\n"), o("RETR 1\r\n"),
			r("+OK\r\nContent-Type: text/plain\r\n\r\n..leading dot\r\n.\r\n")},
		"line-ends": {r("+OK\n"), o("USER a\rPASS b\n"), r("+OK\r-ERR\n")},
		// Cut short: half of the retrieval, a message without its end.
		"truncated":     fuzzScript(whole[:len(whole)/2]),
		"truncated-msg": {r("+OK\r\n"), o("RETR 1\r\n"), r("+OK\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n")},
		// Hostile sizes: long lines (the line length limit, 16 MiB, is
		// out of a seed's reach), more pipelined commands than the
		// queue holds, NULs, a huge header.
		"long-line":      {r("+OK " + strings.Repeat("x", 8192) + "\r\n"), o("USER " + strings.Repeat("y", 8192))},
		"pipelined":      {r("+OK\r\n"), o(pipelined.String())},
		"nul":            {r("+OK\x00ready\r\n"), o("US\x00ER a\r\n"), r("\x00\r\n")},
		"huge-header":    {r("+OK\r\n"), o("RETR 1\r\n"), r("+OK\r\nX: " + strings.Repeat("h", 20000) + "\r\n\r\nbody\r\n.\r\n")},
		"server-garbage": {r("garbage\r\n+\r\n-\r\n+OKAY\r\n")},
	}
}

// TestUpdateFuzzSeeds rewrites the seed corpus with -update-seeds.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite the fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzAnalyzer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, c := range seedConversations() {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", encodeConversation(c))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
