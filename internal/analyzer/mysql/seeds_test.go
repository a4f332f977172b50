package mysql

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

// seedConversations are FuzzAnalyzer's committed seeds: valid sessions,
// sessions cut short, and packets with hostile lengths.
func seedConversations() map[string][]at.Chunk {
	conv := conversation()
	whole := encodeScript(conv)
	seeds := map[string][]at.Chunk{
		"conversation": conv,
		"tls":          {r(greeting(serverCaps)), o(login(loginCaps|clientSSL, "", "")), o([]byte("\x16\x03\x01\x00\x05hello"))},
		"deprecate-eof": {
			r(greeting(serverCaps | clientDeprecateEOF)), o(login(loginCaps|clientDeprecateEOF, "root", "test")), r(okPacket(2, 0)),
			o(command(comQuery, "select a, b")),
			r(cat(pkt(1, []byte{2}), columnDef(2, "a"), columnDef(3, "b"), row(4, "1", "2"), pkt(5, []byte{0xfe, 0, 0, 2, 0, 0, 0}))),
		},
		"query-attributes": {
			r(greeting(serverCaps | clientQueryAttributes)), o(login(loginCaps|clientQueryAttributes, "u", "d")), r(okPacket(2, 0)),
			o(pkt(0, []byte{comQuery, 2, 1, 0x03, 1, 0x08, 0, 1, 'a', 0x0b, 0, 1, 'b', 1, 2, 3, 4, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 's', 'e', 'l'})),
			r(okPacket(1, 0)),
		},
		"login-failed": {r(greeting(serverCaps)), o(login(loginCaps, "root", "")), r(errPacket(2, 1045, "Access denied"))},
		"gap":          {r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), at.Gap(false, 11), r(okPacket(2, 0)), o(command(comPing, ""))},
		// Cut short: the first half of the conversation's bytes, and a
		// greeting without its end.
		"truncated":          fuzzScript(whole[:len(whole)/2]),
		"truncated-greeting": {r(greeting(serverCaps)[:20])},
		// Hostile lengths: the largest packet length, length-encoded
		// integers of 8 bytes, a column count of 2^64-1, a NUL-less
		// greeting and rows without columns.
		"max-packet-length": {r(greeting(serverCaps)), o([]byte{0xff, 0xff, 0xff, 1, 0, 0})},
		"lenenc-8": {r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(okPacket(2, 0)), o(command(comQuery, "q")),
			r(pkt(1, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}))},
		"column-count-huge": {r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(okPacket(2, 0)), o(command(comQuery, "q")),
			r(pkt(1, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))},
		"password-length": {r(greeting(serverCaps)), o(pkt(1, le32b(0), le32b(0), make([]byte, 24), []byte("u\x00"), []byte{0xfc, 0xff, 0xff}))},
		"greeting-no-nul": {r(pkt(0, []byte{10}, []byte(strings.Repeat("8.0", 100))))},
		"rows-no-columns": {r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(okPacket(2, 0)), o(command(comQuery, "q")),
			r(cat(pkt(1, []byte{0}), row(2, "x"), eofPacket(3)))},
		"change-user": {r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(okPacket(2, 0)),
			o(command(comChangeUser, "bob\x00\xff"+strings.Repeat("p", 10))), r(okPacket(2, 0))},
	}
	return seeds
}

// writeSeedFiles writes inputs as a Go fuzz corpus, one file each;
// enc renders an input's values after the header line.
func writeSeedFiles(t *testing.T, target string, seeds map[string]string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, values := range seeds {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+values), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUpdateFuzzSeeds rewrites the seed corpora with -update-seeds.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite the fuzz seeds")
	}
	convs := map[string]string{}
	for name, c := range seedConversations() {
		convs[name] = fmt.Sprintf("[]byte(%q)\n", encodeScript(c))
	}
	writeSeedFiles(t, "FuzzAnalyzer", convs)

	// FuzzPacket's state bytes: phase and expectation, the expectation's
	// flags, the column count.
	packets := map[string]string{}
	add := func(name string, state []byte, data []byte) {
		packets[name] = fmt.Sprintf("[]byte(%q)\n[]byte(%q)\n", state, data)
	}
	add("greeting", []byte{0, 0, 0}, greeting(serverCaps))
	add("greeting-cut", []byte{0, 0, 0}, greeting(serverCaps)[:30])
	add("login", []byte{0, 0, 0}, login(loginCaps, "u", "d"))
	add("login-ssl", []byte{0, 0, 0}, login(loginCaps|clientSSL, "", ""))
	add("ok", []byte{1, 1, 0}, okPacket(1, 3))
	add("err", []byte{1, 1, 0}, errPacket(1, 1049, "Unknown database"))
	add("err-short", []byte{1, 1, 0}, pkt(1, []byte{0xff, 1}))
	add("row", []byte{1, 1, 2}, row(1, "a", "b"))
	add("row-no-columns", []byte{1, 1, 0}, row(1, "a"))
	add("row-lenenc-8", []byte{1, 1, 1}, pkt(1, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))
	add("column-def", []byte{1, 2, 1}, columnDef(2, "a"))
	add("eof", []byte{1, 3, 1}, eofPacket(3))
	add("deprecate-eof-ok", []byte{1, 0x0b, 1}, pkt(5, []byte{0xfe, 0, 0, 2, 0, 0, 0}))
	add("query-attr", []byte{1, 0x34, 0}, pkt(0, []byte{comQuery, 1, 1, 0x03, 1, 0x08, 0, 1, 'a', 1, 2, 3, 4, 5, 6, 7, 8, 's'}))
	add("header-only", []byte{0x80, 4, 255}, []byte{0, 0, 0, 0})
	writeSeedFiles(t, "FuzzPacket", packets)
}
