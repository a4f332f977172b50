package socks_test

import (
	"bytes"
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
// acknowledged, FINs) from 10.0.0.1 to 10.0.0.2:dport, runs the default
// node over it and returns the directory of its logs.
func runConversation(t *testing.T, dport uint16, segs []segment) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cli, srv := pktbuild.V4("10.0.0.1"), pktbuild.V4("10.0.0.2")
	const sport = 40001
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
	loaded, err := scripts.Load(false, nil)
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
func readLog(t *testing.T, dir, name string) *zeeklog.Log {
	t.Helper()
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

// TestDetectedSOCKS5WithHTTP: SOCKS5 on a port nobody registered is found
// by its signatures; the tunnel and the HTTP inside are logged.
func TestDetectedSOCKS5WithHTTP(t *testing.T) {
	dir := runConversation(t, 9050, []segment{
		{true, "\x05\x01\x00"}, {false, "\x05\x00"},
		{true, "\x05\x01\x00\x03\x0bexample.org\x00\x50"},
		{false, "\x05\x00\x00\x01\xc0\x00\x02\x07\x10\x00"},
		{true, "GET /x HTTP/1.1\r\nHost: example.org\r\n\r\n"},
		{false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	})
	conn, socks, tunnel, http := readLog(t, dir, "conn.log"), readLog(t, dir, "socks.log"), readLog(t, dir, "tunnel.log"), readLog(t, dir, "http.log")
	for _, c := range []struct{ what, got, want string }{
		{"service", column(conn, "service"), "socks,http"},
		{"socks request", column(socks, "request.name") + " " + column(socks, "request_p"), "example.org 80"},
		{"socks bound", column(socks, "bound.host") + " " + column(socks, "bound_p"), "192.0.2.7 4096"},
		{"socks status", column(socks, "status"), "succeeded"},
		{"tunnel", column(tunnel, "id.orig_p") + " " + column(tunnel, "id.resp_p") + " " + column(tunnel, "tunnel_type"), "0 9050 Tunnel::SOCKS"},
		{"http", column(http, "uri") + " " + column(http, "status_code"), "/x 200"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
}

// TestSOCKS4RealReply: as in Zeek, a SOCKS4 reply starting with its
// version byte 0 is taken for an unknown version: the request made the
// tunnel, but SOCKS is not confirmed and nothing goes to socks.log.
func TestSOCKS4RealReply(t *testing.T) {
	dir := runConversation(t, 1080, []segment{
		{true, "\x04\x01\x00\x50\x5d\xb8\xd8\x22alice\x00"},
		{false, "\x00\x5a\x00\x50\x5d\xb8\xd8\x22"},
		{true, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	})
	if got := column(readLog(t, dir, "conn.log"), "service"); got != "-" {
		t.Errorf("service %q", got)
	}
	if l := readLog(t, dir, "socks.log"); l != nil {
		t.Errorf("socks.log written: %v", l.Records)
	}
	if got := column(readLog(t, dir, "tunnel.log"), "tunnel_type"); got != "Tunnel::SOCKS" {
		t.Errorf("tunnel.log: %q", got)
	}
}
