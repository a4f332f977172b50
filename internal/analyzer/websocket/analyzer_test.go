package websocket

import (
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// wsFrame encodes a frame: FIN, the RSV bits, the opcode, the payload
// (masked with mask when it is not nil) and the shortest length field,
// or the 64-bit one with long.
func wsFrame(fin bool, rsv, op byte, payload string, mask []byte, long bool) string {
	b0 := rsv<<4 | op
	if fin {
		b0 |= 0x80
	}
	b := []byte{b0}
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case long:
		b = binary.BigEndian.AppendUint64(append(b, m|127), uint64(n))
	case n < 126:
		b = append(b, m|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, m|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, m|127), uint64(n))
	}
	if mask == nil {
		return string(append(b, payload...))
	}
	b = append(b, mask...)
	for i := range len(payload) {
		b = append(b, payload[i]^mask[i%4])
	}
	return string(b)
}

var key = []byte{0x37, 0xfa, 0x21, 0x3d}

// client frames are masked, server frames are not.
func client(fin bool, op byte, payload string) string {
	return wsFrame(fin, 0, op, payload, key, false)
}
func server(fin bool, op byte, payload string) string {
	return wsFrame(fin, 0, op, payload, nil, false)
}

func closePayload(status uint16, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, status)) + reason
}

const (
	innerGet   = "GET / HTTP/1.1\r\nHost: zeek.org\r\nUser-Agent: curl/7.81.0\r\nAccept: */*\r\n\r\n"
	innerReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
)

// conversations are the scripted frame exchanges every test plays; each
// has a golden file with the events and what the analyzer reported.
var conversations = []struct {
	name  string
	large bool // the connection is past DPD's ignore_violations_after
	// cutDependent marks scripts whose results depend on the cutting as
	// in Zeek (after a violation that removes nothing, the rest of the
	// delivery is dropped); they are played whole.
	cutDependent bool
	maxSplits    int
	script       []at.Chunk
}{
	{name: "http-inside", script: []at.Chunk{
		at.Orig(client(true, opBinary, innerGet)),
		at.Resp(server(true, opBinary, innerReply)),
		at.Orig(client(true, opClose, "")), at.Resp(server(true, opClose, "")),
		at.End(true), at.End(false),
	}},
	{name: "text-ping-pong-close", script: []at.Chunk{
		at.Orig(client(true, opText, "hello")),
		at.Resp(server(true, opPing, "p1") + server(true, opText, "world")),
		at.Orig(client(true, opPong, "p1")),
		at.Orig(client(true, opClose, closePayload(1000, "bye"))),
		at.Resp(server(true, opClose, closePayload(1001, ""))),
	}},
	{name: "fragmented", script: []at.Chunk{
		at.Resp(server(false, opBinary, "first,") + server(false, opContinuation, "second,") + server(true, opContinuation, "third")),
		at.Orig(client(false, opText, "a") + client(true, opContinuation, "b")),
	}},
	{name: "lengths-16-and-64", maxSplits: 200, script: []at.Chunk{
		at.Resp(server(true, opBinary, strings.Repeat("x", 300))),
		at.Resp(wsFrame(true, 0, opBinary, "sixty-four", nil, true)),
		at.Orig(wsFrame(true, 0, opText, strings.Repeat("y", 20000), key, false)),
	}},
	{name: "rsv-and-unknown-opcode", script: []at.Chunk{
		at.Resp(wsFrame(true, 4, opText, "compressed?", nil, false)),
		at.Resp(server(true, 0x3, "reserved")),
		at.Resp(server(true, 0xb, "reserved control")),
	}},
	{name: "oversized-close", script: []at.Chunk{
		at.Resp(server(true, opClose, closePayload(1000, strings.Repeat("r", 256)))),
	}},
	{name: "oversized-ping", script: []at.Chunk{
		at.Orig(client(true, opPing, strings.Repeat("p", 200))),
		at.Orig(client(true, opText, "after")),
	}},
	{name: "ping-inside-fragmented-message", script: []at.Chunk{
		at.Orig(client(true, opText, "ok")),
		at.Orig(client(false, opBinary, "part1") + client(true, opPing, "") + client(true, opContinuation, "part2")),
		at.Orig(client(true, opText, "never seen")),
	}},
	{name: "continuation-first", script: []at.Chunk{
		at.Resp(server(true, opContinuation, "orphan")),
		at.Resp(server(true, opText, "never seen")),
	}},
	{name: "continuation-first-large", large: true, cutDependent: true, script: []at.Chunk{
		at.Resp(server(true, opContinuation, "orphan") + server(true, opText, "dropped")),
		at.Resp(server(true, opText, "seen")),
	}},
	{name: "close-one-byte", script: []at.Chunk{
		at.Resp(server(true, opClose, "\x03")),
		at.Resp(server(true, opText, "never seen")),
	}},
	{name: "gap", script: []at.Chunk{
		at.Orig(client(true, opText, "before")),
		at.Gap(false, 10),
		at.Orig(client(true, opText, "after")),
		at.Resp(server(true, opText, "0123456789") + server(true, opText, "next")),
	}},
	// The same with the gap in a frame of the responder: the frames
	// after it are read from where the gap left the stream.
	{name: "gap-inside-frame", script: at.GapAt([]at.Chunk{
		at.Resp(server(true, opBinary, "0123456789") + server(true, opText, "next") + server(true, opText, "last")),
	}, false, 4, 10)},
}

func golden(t *testing.T, name string, got []string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".txt")
	text := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != text {
		t.Errorf("%s: got\n%s\nwant\n%s", name, text, want)
	}
}

// TestConversations plays every conversation cut at every byte and
// compares the events and reports with the golden files.
func TestConversations(t *testing.T) {
	for _, c := range conversations {
		t.Run(c.name, func(t *testing.T) {
			mk := func() *rig {
				h := newTestHost()
				h.large = c.large
				return newRigOn(h)
			}
			summarize := func(r *rig) []string {
				r.Done()
				return r.summary()
			}
			var got []string
			if c.cutDependent {
				r := mk()
				at.Play(r, c.script)
				got = summarize(r)
			} else {
				opts := at.DefaultOptions
				if c.maxSplits > 0 {
					opts.MaxSplits = c.maxSplits
				}
				got = at.SplitEveryWith(t, opts, c.script, mk, summarize)
			}
			golden(t, c.name, got)
		})
	}
}
