package socks

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

// Message builders.

func v4Request(cmd byte, port uint16, ip [4]byte, user, host string) string {
	b := []byte{4, cmd}
	b = binary.BigEndian.AppendUint16(b, port)
	b = append(b, ip[:]...)
	b = append(append(b, user...), 0)
	if host != "" {
		b = append(append(b, host...), 0)
	}
	return string(b)
}

func v5Greeting(methods ...byte) string {
	return string(append([]byte{5, byte(len(methods))}, methods...))
}

func v5Method(m byte) string { return string([]byte{5, m}) }

// v5Addr encodes a SOCKS5 address: an IPv4 or IPv6 address, or a name.
func v5Addr(atyp byte, a string) []byte {
	switch atyp {
	case 1, 4:
		return append([]byte{atyp}, a...)
	case 3:
		return append([]byte{3, byte(len(a))}, a...)
	}
	return append([]byte{atyp}, a...)
}

// v5Message is a SOCKS5 request (code: command) or reply (code: status).
func v5Message(code, reserved, atyp byte, addr string, port uint16) string {
	b := append([]byte{5, code, reserved}, v5Addr(atyp, addr)...)
	return string(binary.BigEndian.AppendUint16(b, port))
}

func userPass(user, pass string) string {
	b := append([]byte{1, byte(len(user))}, user...)
	b = append(append(b, byte(len(pass))), pass...)
	return string(b)
}

func ipv4(a, b, c, d byte) string { return string([]byte{a, b, c, d}) }

const (
	httpGet   = "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
	httpReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
)

var v6 = string([]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})

// conversations are the scripted handshakes every test plays; each has a
// golden file with what the analyzer reports.
var conversations = []struct {
	name   string
	script []at.Chunk
	// capture sets SOCKS::default_capture_password.
	capture bool
	// cutDependent marks scripts whose results depend on the cutting as
	// in Zeek (data Zeek's grammar takes as "the rest of the
	// delivery"); they are played whole.
	cutDependent bool
}{
	{name: "socks5-connect-name", script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(1, 0, 3, "www.example.com", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(192, 0, 2, 31), 2688)),
		at.Orig(httpGet), at.Resp(httpReply),
		at.End(true), at.End(false),
	}},
	{name: "socks5-userpass", script: []at.Chunk{
		at.Orig(v5Greeting(0, 2)), at.Resp(v5Method(2)),
		at.Orig(userPass("bob", "alice")), at.Resp("\x01\x00"),
		at.Orig(v5Message(1, 0, 1, ipv4(192, 168, 0, 2), 22)),
		at.Resp(v5Message(0, 0, 1, ipv4(192, 168, 0, 1), 55951)),
		at.Orig("SSH-2.0-client\r\n"), at.Resp("SSH-2.0-server\r\n"),
	}},
	{name: "socks5-userpass-captured", capture: true, script: []at.Chunk{
		at.Orig(v5Greeting(2)), at.Resp(v5Method(2)),
		at.Orig(userPass("bob", "alice")), at.Resp("\x01\x00"),
		at.Orig(v5Message(1, 0, 1, ipv4(192, 168, 0, 2), 22)),
		at.Resp(v5Message(0, 0, 1, ipv4(192, 168, 0, 1), 55951)),
	}},
	{name: "socks5-login-refused", script: []at.Chunk{
		at.Orig(v5Greeting(2)), at.Resp(v5Method(2)),
		at.Orig(userPass("bob", "wrong")), at.Resp("\x01\x01"),
		at.End(false), at.End(true),
	}},
	{name: "socks5-ipv6-refused", script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(1, 0, 4, v6, 443)),
		at.Resp(v5Message(5, 0, 4, v6, 0)),
	}},
	{name: "socks5-udp-associate-unknown-status", script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(3, 0, 1, ipv4(0, 0, 0, 0), 0)),
		at.Resp(v5Message(0x42, 0, 3, "relay.example", 9999)),
	}},
	{name: "socks5-no-acceptable-method", script: []at.Chunk{
		at.Orig(v5Greeting(1)), at.Resp(v5Method(0xff)),
		at.End(true), at.End(false),
	}},
	{name: "socks5-gssapi", cutDependent: true, script: []at.Chunk{
		at.Orig(v5Greeting(1)), at.Resp(v5Method(1)),
		at.Orig("\x01\x01\x00\x04abcd"), at.Orig("\x01\x01\x00\x04efgh"),
		at.Resp("\x01\x02\x00\x04ijkl"),
		at.Orig(v5Message(1, 0, 3, "example.net", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(10, 0, 0, 1), 1234)),
	}},
	{name: "socks5-userpass-version2", cutDependent: true, script: []at.Chunk{
		at.Orig(v5Greeting(2)), at.Resp(v5Method(2)),
		at.Orig("\x02\x03bob\x05alice"), at.Resp("\x02\x00"),
		at.Orig(v5Message(1, 0, 3, "example.net", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(10, 0, 0, 1), 1234)),
	}},
	{name: "socks5-bad-reserved", script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(1, 7, 3, "example.net", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(10, 0, 0, 1), 1234)),
	}},
	{name: "socks5-bad-command", script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(9, 0, 3, "example.net", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(10, 0, 0, 1), 1234)),
	}},
	{name: "socks5-bad-address-type", cutDependent: true, script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(1, 0, 7, "\x01\x02\x03\x04", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(10, 0, 0, 1), 1234)),
	}},
	{name: "not-socks", script: []at.Chunk{
		at.Orig("GET / HTTP/1.1\r\n\r\n"), at.Resp("HTTP/1.1 400 Bad Request\r\n\r\n"),
	}},
	{name: "socks4-real-reply", script: []at.Chunk{
		at.Orig(v4Request(1, 80, [4]byte{93, 184, 216, 34}, "alice", "")),
		at.Resp("\x00\x5a\x00\x50\x5d\xb8\xd8\x22"),
		at.Orig(httpGet),
	}},
	{name: "socks4a-reply-version4", script: []at.Chunk{
		at.Orig(v4Request(1, 80, [4]byte{0, 0, 0, 1}, "", "www.example.org")),
		at.Resp("\x04\x00\x5a\x00\x50\xc0\x00\x02\x01"),
		at.Orig(httpGet), at.Resp(httpReply),
	}},
	{name: "socks4-bind-unknown-status", script: []at.Chunk{
		at.Orig(v4Request(2, 21, [4]byte{198, 51, 100, 7}, "ftp", "")),
		at.Resp("\x04\x00\x17\x00\x00\x00\x00\x00\x00"),
	}},
	{name: "tunnel-data-after-reply-dropped", cutDependent: true, script: []at.Chunk{
		at.Orig(v5Greeting(0)), at.Resp(v5Method(0)),
		at.Orig(v5Message(1, 0, 3, "www.example.com", 80)),
		at.Resp(v5Message(0, 0, 1, ipv4(192, 0, 2, 31), 2688) + "SSH-2.0-early\r\n"),
		at.Orig(httpGet), at.Gap(false, 10), at.Resp(httpReply),
		at.End(true), at.End(false),
	}},
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

func setCapture(t *testing.T, on bool) {
	old := capturePassword
	capturePassword = on
	t.Cleanup(func() { capturePassword = old })
}

// TestConversations plays every conversation cut at every byte and
// compares what the analyzer reports with the golden files.
func TestConversations(t *testing.T) {
	for _, c := range conversations {
		t.Run(c.name, func(t *testing.T) {
			setCapture(t, c.capture)
			summarize := func(r *rig) []string {
				r.Done()
				return r.summary()
			}
			var got []string
			if c.cutDependent {
				r := newRig()
				at.Play(r, c.script)
				got = summarize(r)
			} else {
				got = at.SplitEvery(t, c.script, newRig, summarize)
			}
			golden(t, c.name, got)
		})
	}
}
