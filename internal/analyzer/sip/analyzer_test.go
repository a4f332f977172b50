package sip

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// analyzerCases are conversations of datagrams. Everything the analyzer
// reports for one (log records, weirds and violations in order, then the
// number of confirmations) is compared with testdata/golden/NAME.txt.
var analyzerCases = []struct {
	name      string
	datagrams []string
}{
	{
		name:      "invite and final response",
		datagrams: []string{invite(), reply("200 OK", "Content-Type: application/sdp", "Warning: 399 example \"hi\"", "Content-Length: 0")},
	},
	{
		name:      "provisional then final response log the same record twice",
		datagrams: []string{invite(), reply("100 Trying"), reply("180 Ringing"), reply("200 OK")},
	},
	{
		name:      "request without response is logged when the connection ends",
		datagrams: []string{msg("OPTIONS sip:carol@example.org SIP/2.0", []string{"Call-ID: x1", "CSeq: 1 OPTIONS", "Content-Length: 0"}, "")},
	},
	{
		name:      "response without request flushes the dialogue",
		datagrams: []string{reply("404 Not Found", "Content-Length: 0"), msg("REGISTER sip:example.org SIP/2.0", []string{"CSeq: 2 REGISTER"}, "")},
	},
	{
		name: "BYE success ends the dialogue",
		datagrams: []string{
			msg("BYE sip:bob@example.org SIP/2.0", []string{"Call-ID: b1", "CSeq: 2 BYE"}, ""),
			reply("200 OK", "CSeq: 2 BYE"),
			msg("REGISTER sip:example.org SIP/2.0", []string{"Call-ID: r1"}, ""),
		},
	},
	{
		name: "compact header names",
		datagrams: []string{
			"MESSAGE sip:bob@example.org SIP/2.0\r\nv: SIP/2.0/UDP h1;branch=z1\r\nf: <sip:a@b>;tag=9\r\nt: <sip:bob@example.org>\r\ns: hi\r\ni: cid\r\n\r\n",
			"SIP/2.0 200 OK\r\nV: SIP/2.0/UDP h1;branch=z1\r\nF: <sip:a@b>;tag=9\r\nT: <sip:bob@example.org>;tag=7\r\nC: text/plain\r\n\r\n",
		},
	},
	{
		name: "header names are upper-cased and white space around the colon is skipped",
		datagrams: []string{
			"REGISTER sip:example.org SIP/2.0\r\ncall-id \t:  lower\r\nUSER-AGENT:ua\r\n\r\n",
			"SIP/2.0 200 OK\r\n\r\n",
		},
	},
	{
		name:      "junk before the request line",
		datagrams: []string{"\x00\x00\x00\x00REGISTER sip:1.1.1.1:5060 SIP/2.0\r\n\r\n"},
	},
	{
		name:      "unknown method",
		datagrams: []string{"PUBLISH sip:example.org SIP/2.0\r\n\r\n", reply("200 OK")},
	},
	{
		name: "invalid Content-Length values",
		datagrams: []string{
			msg("INVITE sip:bob@10.0.0.2 SIP/2.0", []string{"Content-Length: bad"}, ""),
			msg("SIP/2.0 200 OK", []string{"Content-Length: xyz"}, ""),
		},
	},
	{
		name: "Content-Length casts: trailing space, sign, empty",
		datagrams: []string{
			msg("INVITE sip:bob@10.0.0.2 SIP/2.0", []string{"Content-Length: 0 "}, ""),
			msg("SIP/2.0 100 Trying", []string{"Content-Length: -0"}, ""),
			msg("SIP/2.0 200 OK", []string{"Content-Length:"}, ""),
		},
	},
	{
		name:      "bodies of the Content-Length",
		datagrams: []string{invite() + msg("ACK sip:bob@example.org SIP/2.0", []string{"CSeq: 314159 ACK", "Content-Length: 0"}, "")},
	},
	{
		name: "the content length lasts for the flow's next messages",
		datagrams: []string{
			msg("MESSAGE sip:a@b SIP/2.0", []string{"Content-Length: 3"}, "abc"),
			msg("MESSAGE sip:a@b SIP/2.0", nil, "xyz") + msg("ACK sip:a@b SIP/2.0", nil, "123"),
		},
	},
	{
		name: "a message continues in the flow's next datagram",
		datagrams: []string{
			"INVITE sip:bob@example.org SIP/2.0\r\nCall-ID: split\r\nContent-Len",
			"gth: 4\r\n\r\nab",
			"cd",
			"SIP/2.0 200 OK\r\n\r\n",
		},
	},
	{
		name: "lower-case compact content length does not size the body",
		datagrams: []string{
			"MESSAGE sip:a@b SIP/2.0\r\nl: 4\r\n\r\nbody",
			"MESSAGE sip:a@b SIP/2.0\r\nL: 4\r\n\r\nbody",
		},
	},
	{
		name:      "keep-alives are ignored, short datagrams that start with SIP/ are requests",
		datagrams: []string{"\r\n", "\r\x00", "SIP/", "SIP/2.0 200 OK\r\n\r\n"},
	},
	{
		name:      "line ends CR, LF and CR LF",
		datagrams: []string{"OPTIONS sip:a@b SIP/2.0\rCSeq: 1\nCall-ID: c\r\n\n", "SIP/2.0 200 OK\n\n"},
	},
	{
		name:      "request line without a version",
		datagrams: []string{"INVITE sip:bob@example.org\r\n\r\n", "INVITE sip:bob@example.org SIP/2.0\r\n\r\n"},
	},
	{
		name:      "request line with a bad version",
		datagrams: []string{"INVITE sip:bob@example.org HTTP/1.1\r\n\r\n", "INVITE sip:bob@example.org SIP/2\r\n\r\n", "INVITE sip:x SIP/2.x\r\n"},
	},
	{
		name:      "request line without a URI",
		datagrams: []string{"INVITE\r\n", "INVITE \x01 SIP/2.0\r\n"},
	},
	{
		name:      "request line of junk only",
		datagrams: []string{"\x00 \x01 \r\n"},
	},
	{
		name:      "status line with a bad code",
		datagrams: []string{"SIP/2.0 2x0 OK\r\n\r\n", "SIP/2.0 20\r\n", "SIP/x.0 200 OK\r\n"},
	},
	{
		name:      "status line without a reason",
		datagrams: []string{"SIP/2.0 486\r\n\r\n"},
	},
	{
		name:      "header without a colon or a name",
		datagrams: []string{"INVITE sip:a@b SIP/2.0\r\nFoo bar\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\n: value\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nFoo  \r\n\r\n"},
	},
	{
		name:      "a violation drops the rest of the datagram and the next one starts afresh",
		datagrams: []string{"SIP/2.0 2x0 OK\r\nVia: lost\r\n\r\n", "SIP/2.0 200 OK\r\nVia: kept\r\n\r\n"},
	},
	{
		name:      "negative content length",
		datagrams: []string{"MESSAGE sip:a@b SIP/2.0\r\nContent-Length: -5\r\n\r\nbody"},
	},
	{
		name:      "header names compare as C strings",
		datagrams: []string{"MESSAGE sip:a@b SIP/2.0\r\nContent-Length\x00x: 2\r\n\r\nhi"},
	},
}

// goldenName turns a case name into a file name.
func goldenName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-':
			return r
		}
		return '_'
	}, name) + ".txt"
}

// checkGolden compares lines with a golden file, or rewrites it with
// -update.
func checkGolden(t *testing.T, name string, lines []string) {
	t.Helper()
	file := filepath.Join("testdata", "golden", goldenName(name))
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s:\ngot:\n%s\nwant:\n%s", file, got, want)
	}
}

func TestAnalyzer(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range analyzerCases {
		if seen[goldenName(tc.name)] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[goldenName(tc.name)] = true
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name, newRig().play(tc.datagrams...))
		})
	}
}

// TestPathLengthLimits checks SIP::max_request_path_length and
// SIP::max_response_path_length: Via headers past the limit are dropped
// with a weird each; 0 lifts the limit.
func TestPathLengthLimits(t *testing.T) {
	oldReq, oldResp := maxRequestPathLength, maxResponsePathLength
	t.Cleanup(func() { maxRequestPathLength, maxResponsePathLength = oldReq, oldResp })
	var req, resp []string
	for i := range 5 {
		req = append(req, fmt.Sprintf("Via: SIP/2.0/UDP h%d;branch=b%d", i, i))
		resp = append(resp, fmt.Sprintf("V: SIP/2.0/UDP r%d", i))
	}
	datagrams := []string{msg("INVITE sip:a@b SIP/2.0", req, ""), msg("SIP/2.0 200 OK", resp, "")}
	tests := []struct {
		req, resp uint64
		want      []string
	}{
		{req: 3, resp: 4, want: []string{
			"weird sip_max_request_path_length_exceeded  -",
			"weird sip_max_request_path_length_exceeded  -",
			"weird sip_max_response_path_length_exceeded  -",
			"sip t=0 depth=0 method=INVITE uri=sip:a@b request_path=SIP/2.0/UDP h0,SIP/2.0/UDP h1,SIP/2.0/UDP h2 " +
				"response_path=SIP/2.0/UDP r0,SIP/2.0/UDP r1,SIP/2.0/UDP r2,SIP/2.0/UDP r3 status_code=200 status_msg=OK",
			"confirms 1",
		}},
		{req: 0, resp: 1, want: []string{
			"weird sip_max_response_path_length_exceeded  -",
			"weird sip_max_response_path_length_exceeded  -",
			"weird sip_max_response_path_length_exceeded  -",
			"weird sip_max_response_path_length_exceeded  -",
			"sip t=0 depth=0 method=INVITE uri=sip:a@b request_path=SIP/2.0/UDP h0,SIP/2.0/UDP h1,SIP/2.0/UDP h2,SIP/2.0/UDP h3,SIP/2.0/UDP h4 " +
				"response_path=SIP/2.0/UDP r0 status_code=200 status_msg=OK",
			"confirms 1",
		}},
	}
	for _, tc := range tests {
		maxRequestPathLength, maxResponsePathLength = tc.req, tc.resp
		if got := newRig().play(datagrams...); !slices.Equal(got, tc.want) {
			t.Errorf("limits %d/%d:\ngot:\n\t%s\nwant:\n\t%s", tc.req, tc.resp, strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
		}
	}
}

// TestSipMethods checks that SIP::sip_methods decides which methods are
// unknown.
func TestSipMethods(t *testing.T) {
	old := sipMethods
	t.Cleanup(func() { sipMethods = old })
	sipMethods = []string{"MESSAGE"}
	got := newRig().play("MESSAGE sip:a@b SIP/2.0\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\n\r\n")
	want := []string{"weird unknown_SIP_method INVITE -", "sip t=0 depth=0 method=INVITE uri=sip:a@b request_path=(empty) response_path=(empty)", "confirms 0"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestPendingRecords builds a table of two pending records (a request's
// headers that arrive after its final response moved the request index
// on) and checks that the connection's end logs both, in index order.
func TestPendingRecords(t *testing.T) {
	for range 20 { // map order would show as flakiness
		got := newRig().play(
			"INVITE sip:a@b SIP/2.0\r\nCall-ID: one\r\n",
			"SIP/2.0 200 OK\r\n\r\n",
			"CSeq: 1 INVITE\r\n\r\n",
			"SIP/2.0 100 Trying\r\n",
		)
		want := []string{
			"sip t=0 depth=0 method=INVITE uri=sip:a@b call_id=one request_path=(empty) response_path=(empty) status_code=200 status_msg=OK",
			"sip t=3 depth=1 request_path=(empty) response_path=(empty) status_code=100 status_msg=Trying",
			"sip t=2 depth=1 seq=1 INVITE request_path=(empty) response_path=(empty)",
			"confirms 2",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
		}
	}
}

// TestDone checks that Done logs the pending records once and that the
// analyzer ignores datagrams after it.
func TestDone(t *testing.T) {
	r := newRig()
	r.DeliverPacket([]byte(invite()), true)
	r.Done()
	r.Done()
	r.DeliverPacket([]byte(reply("200 OK")), false)
	r.EndOfData(true)
	r.DeliverStream([]byte("INVITE sip:a@b SIP/2.0\r\n\r\n"), true)
	r.Undelivered(0, 10, true)
	if len(r.h.logs) != 1 || r.h.confirms != 0 || len(r.h.events) != 1 {
		t.Errorf("after Done: %d logs, %d confirms, events %q", len(r.h.logs), r.h.confirms, r.h.events)
	}
}

// TestSplitRequest cuts a request with a body into two datagrams at
// every byte: binpac's flow state carries the message over, so the log
// is the same as for the whole request. (Cuts that would make the second
// part a keep-alive or a reply are left out: those datagrams are not
// part of the request flow.)
func TestSplitRequest(t *testing.T) {
	req := invite()
	resp := reply("200 OK", "Content-Length: 0")
	whole := newRig().play(req, resp)
	for i := 1; i < len(req); i++ {
		second := req[i:]
		if len(second) == 2 && second[0] == '\r' || len(second) > 6 && strings.HasPrefix(second, "SIP/") {
			continue
		}
		r := newRig()
		r.DeliverPacket([]byte(req[:i]), true)
		r.DeliverPacket([]byte(second), true)
		got := r.play(resp)
		if !slices.Equal(got, whole) {
			t.Fatalf("cut at %d:\ngot:\n\t%s\nwant:\n\t%s", i, strings.Join(got, "\n\t"), strings.Join(whole, "\n\t"))
		}
	}
}

// eventSink discards the flows' events.
type eventSink struct{ n int }

func (e *eventSink) confirm()                  { e.n++ }
func (e *eventSink) weird(string, string)      { e.n++ }
func (e *eventSink) request(_, _, _ []byte)    { e.n++ }
func (e *eventSink) reply([]byte, int, []byte) { e.n++ }
func (e *eventSink) header(bool, []byte, []byte) {
	e.n++
}
func (e *eventSink) endEntity(bool) { e.n++ }

// TestParseAllocs guards the parse of whole messages, which reads lines
// and bodies in place: it allocates nothing once the flow is warm.
func TestParseAllocs(t *testing.T) {
	req, resp := []byte(invite()), []byte(reply("200 OK", "Content-Length: 0"))
	ev := &eventSink{}
	fr := flow{ev: ev, isOrig: true}
	fs := flow{ev: ev}
	allocs := testing.AllocsPerRun(200, func() {
		if err := fr.deliver(req); err != nil {
			t.Fatal(err)
		}
		if err := fs.deliver(resp); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("parsing a request and a reply allocates %.1f times", allocs)
	}
	if ev.n == 0 {
		t.Error("no events")
	}
}

// TestBufferBound checks that a line that never ends fails as binpac's
// does past its buffer's maximum capacity, and that the buffer is then
// given back.
func TestBufferBound(t *testing.T) {
	r := newRig()
	chunk := []byte("INVITE " + strings.Repeat("a", 1<<20))
	for i := 0; len(r.h.events) == 0; i++ {
		if i == 12 {
			t.Fatal("no violation after 12 MiB of one line")
		}
		r.DeliverPacket(chunk, true)
	}
	if len(r.h.events) != 1 || !strings.Contains(r.h.events[0], "flowbuffer allocation failed: expand past max capacity") {
		t.Fatalf("events %q", r.h.events)
	}
	if c := cap(r.flows[1].fb.buf); c > 2*maxCapacity {
		t.Errorf("buffer capacity %d after the failure", c)
	}
	r.DeliverPacket([]byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n"), true)
	r.Done()
	if len(r.h.logs) != 1 || r.h.logs[0].Method.V != "OPTIONS" {
		t.Errorf("logs after the failure: %v", r.h.logs)
	}
}
