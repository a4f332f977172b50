package websocket_test

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

// segment is one direction's data in a built conversation.
type segment struct {
	orig bool
	data string
}

// runConversation builds a TCP connection (handshake, the segments each
// acknowledged, FINs) from 10.0.0.1 to 10.0.0.2:8080, runs a node over it
// with the given scripts (all of base/ when bare is false) and returns
// the directory of its logs.
func runConversation(t *testing.T, bare bool, loads []string, segs []segment) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cli, srv := pktbuild.V4("10.0.0.1"), pktbuild.V4("10.0.0.2")
	const sport, dport = 40002, 8080
	seq := [2]uint32{1000, 5000} // [1]: the originator's
	ts := zeek.Time(1_700_000_000 * zeek.Second)
	send := func(orig bool, flags uint8, data string) {
		ip, tcp := pktbuild.IP{Src: cli, Dst: srv}, pktbuild.TCP{SrcPort: sport, DstPort: dport}
		me, peer := 1, 0
		if !orig {
			ip.Src, ip.Dst = srv, cli
			tcp.SrcPort, tcp.DstPort = dport, sport
			me, peer = 0, 1
		}
		tcp.Seq, tcp.Flags = seq[me], flags
		if flags&pktbuild.ACK != 0 {
			tcp.Ack = seq[peer]
		}
		frame := pktbuild.EtherIP(pktbuild.TCPPacket(ip, tcp, []byte(data)))
		ts = ts.Add(zeek.Millisecond)
		if err := w.WritePacket(ts, frame, uint32(len(frame))); err != nil {
			t.Fatal(err)
		}
		seq[me] += uint32(len(data))
		if flags&(pktbuild.SYN|pktbuild.FIN) != 0 {
			seq[me]++
		}
	}
	send(true, pktbuild.SYN, "")
	send(false, pktbuild.SYN|pktbuild.ACK, "")
	send(true, pktbuild.ACK, "")
	for _, s := range segs {
		send(s.orig, pktbuild.ACK|pktbuild.PSH, s.data)
		send(!s.orig, pktbuild.ACK, "")
	}
	send(true, pktbuild.FIN|pktbuild.ACK, "")
	send(false, pktbuild.FIN|pktbuild.ACK, "")
	send(true, pktbuild.ACK, "")

	src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := scripts.Load(bare, loads)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Log.LogDir = t.TempDir()
	if _, err := node.RunSource(cfg, src); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

// readLog reads a log, or returns nil when it was not written.
func readLog(dir, name string) *zeeklog.Log {
	l, err := zeeklog.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil
	}
	return l
}

func column(l *zeeklog.Log, f string) string {
	if l == nil {
		return "(no log)"
	}
	return strings.Join(l.Column(f), ";")
}

// frame encodes an unmasked (server) or masked (client) final frame.
func frame(op byte, payload string, masked bool) string {
	b := []byte{0x80 | op}
	var m byte
	if masked {
		m = 0x80
	}
	if n := len(payload); n < 126 {
		b = append(b, m|byte(n))
	} else {
		b = binary.BigEndian.AppendUint16(append(b, m|126), uint16(n))
	}
	if !masked {
		return string(append(b, payload...))
	}
	key := []byte{1, 2, 3, 4}
	b = append(b, key...)
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return string(b)
}

var handshake = []segment{
	{true, "GET /chat HTTP/1.1\r\nHost: ws.example\r\nUser-Agent: heron-test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"},
	{false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"},
}

var inside = []segment{
	{true, frame(2, "GET /inner HTTP/1.1\r\nHost: inner.example\r\n\r\n", true)},
	{false, frame(2, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false)},
	{true, frame(8, "\x03\xe8", true)},
	{false, frame(8, "\x03\xe8", false)},
}

// TestUpgradeWithHTTPInside: HTTP hands the upgraded connection to
// WebSocket, which logs the handshake and passes the frames' payload to
// detection; the HTTP inside continues the connection's transactions.
func TestUpgradeWithHTTPInside(t *testing.T) {
	dir := runConversation(t, false, nil, append(append([]segment(nil), handshake...), inside...))
	conn, ws, http := readLog(dir, "conn.log"), readLog(dir, "websocket.log"), readLog(dir, "http.log")
	for _, c := range []struct{ what, got, want string }{
		{"service", column(conn, "service"), "http,websocket"},
		{"http depths", column(http, "trans_depth"), "1;2"},
		{"http uris", column(http, "uri"), "/chat;/inner"},
		// As in Zeek (wstunnel-http.pcap), the reply inside pairs with the
		// handshake's record, whose 101 was informational.
		{"http status", column(http, "status_code") + " " + column(http, "info_code"), "200;- 101;-"},
		{"websocket", column(ws, "host") + " " + column(ws, "uri") + " " + column(ws, "user_agent"), "ws.example /chat heron-test"},
		{"protocols", column(ws, "subprotocol") + " " + column(ws, "client_protocols"), "chat chat,superchat"},
		{"weirds", column(readLog(dir, "weird.log"), "name"), "(no log)"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
}

// TestUpgradeWithoutWebSocketScript: without base/protocols/websocket,
// HTTP::upgrade_analyzers has no entry for websocket and the upgraded
// stream only gets protocol detection, as in Zeek.
func TestUpgradeWithoutWebSocketScript(t *testing.T) {
	dir := runConversation(t, true, []string{"base/protocols/conn", "base/protocols/http"}, append(append([]segment(nil), handshake...), inside...))
	if l := readLog(dir, "websocket.log"); l != nil {
		t.Errorf("websocket.log written: %v", l.Records)
	}
	if got := column(readLog(dir, "conn.log"), "service"); got != "http" {
		t.Errorf("service %q", got)
	}
	if got := column(readLog(dir, "http.log"), "trans_depth"); got != "1" {
		t.Errorf("http depths %q", got)
	}
}

// TestNestedUpgrade: a WebSocket upgrade inside WebSocket (the inner HTTP
// switches again) gets a record of its own with the inner handshake's
// headers (the inner request wiped c$websocket). Its host and uri are
// c$http's, which, as in Zeek, is still the outer handshake's record: the
// inner 101 pairs with it, the outer 101 having been informational.
func TestNestedUpgrade(t *testing.T) {
	innerHS := []segment{
		{true, frame(2, "GET /nested HTTP/1.1\r\nHost: inner.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", true)},
		{false, frame(2, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", false)},
	}
	dir := runConversation(t, false, nil, append(append([]segment(nil), handshake...), innerHS...))
	ws := readLog(dir, "websocket.log")
	if got := column(ws, "uri") + " " + column(ws, "subprotocol"); got != "/chat;/chat chat;-" {
		t.Errorf("websocket.log: %q", got)
	}
	if got := column(readLog(dir, "http.log"), "trans_depth"); got != "1;2" {
		t.Errorf("http depths %q", got)
	}
}
