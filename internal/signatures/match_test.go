package signatures

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

var tcpConn = ConnHeader{
	OrigAddr: netip.MustParseAddr("10.0.0.1"), RespAddr: netip.MustParseAddr("10.0.0.2"),
	OrigPort: 40000, RespPort: 80, IPProto: 6,
}

var udpConn = ConnHeader{
	OrigAddr: netip.MustParseAddr("10.0.0.1"), RespAddr: netip.MustParseAddr("10.0.0.2"),
	OrigPort: 40000, RespPort: 53, IPProto: 17,
}

// rec collects matches as "dir:id:data:eom".
type rec struct{ got []string }

func (r *rec) emit(m Match) {
	dir := "r"
	if m.IsOrig {
		dir = "o"
	}
	data := "-"
	if m.Data != nil {
		data = string(m.Data)
	}
	r.got = append(r.got, fmt.Sprintf("%s:%s:%s:%d", dir, m.Sig.ID, data, m.EndOfMatch))
}

func (r *rec) check(t *testing.T, what string, want ...string) {
	t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(r.got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, r.got, want)
	}
	r.got = nil
}

func newConn(t *testing.T, sigs string, hdr ConnHeader, opts Options) (*ConnState, *rec) {
	t.Helper()
	set := mustSet(t, "t.sig", sigs, opts)
	return set.NewMatcher().NewConnState(hdr), &rec{}
}

func TestPureRulesOncePerConnection(t *testing.T) {
	cs, r := newConn(t, `signature p { ip-proto == tcp event "x" }`, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	r.check(t, "orig init", "o:p:-:0")
	cs.InitEndpoint(false, nil, r.emit)
	cs.Finish(r.emit)
	r.check(t, "resp init and finish")
}

func TestStreamAnchoringAndChunks(t *testing.T) {
	cs, r := newConn(t, `
signature anchored { payload /GET / event "a" }
signature search { payload /.*passwd/ event "s" }
signature bol { payload /^GET/ event "b" }
signature late { payload /x/ event "never: not at the start" }
`, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.Match(Payload, true, []byte("GE"), 0, r.emit)
	r.check(t, "partial")
	cs.Match(Payload, true, []byte("T /etc/pas"), 0, r.emit)
	r.check(t, "second chunk", "o:anchored:T /etc/pas:2", "o:bol:T /etc/pas:1")
	cs.Match(Payload, true, []byte("swd x"), 0, r.emit)
	r.check(t, "third chunk", "o:search:swd x:3")
	cs.Finish(r.emit)
	r.check(t, "finish")
}

func TestEOLAtFinish(t *testing.T) {
	cs, r := newConn(t, `signature end { payload /.*bye$/ event "e" }`, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.Match(Payload, true, []byte("good bye"), 0, r.emit)
	r.check(t, "before end")
	cs.Finish(r.emit)
	r.check(t, "at end", "o:end::0")
}

func TestDependencies(t *testing.T) {
	sigs := `
signature client { payload /USER/ tcp-state originator event "c" }
signature server { payload /220/ tcp-state responder requires-reverse-signature client event "s" }
signature same { payload /.*PASS/ requires-signature client event "same" }
signature notclient { payload /2/ requires-reverse-signature ! client event "nc" }
signature never { payload /220/ requires-signature ! server event "n" }
`
	cs, r := newConn(t, sigs, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.InitEndpoint(false, nil, r.emit)
	// The server's banner comes first: its patterns match but the client
	// signature has not fired, so it waits with this chunk.
	cs.Match(Payload, false, []byte("220 hi\r\n"), 0, r.emit)
	r.check(t, "banner")
	// "PASS" before USER in the same direction: waits too.
	cs.Match(Payload, true, []byte("USER x PASS"), 0, r.emit)
	// client fires, then its dependents in the order they were loaded,
	// each tried in this direction and then in the other: "server" fires
	// in the responder direction (with the banner it saved), "same" in
	// this one.
	r.check(t, "client", "o:client:USER x PASS:4", "r:server:220 hi\r\n:3", "o:same:USER x PASS:11")
	cs.Finish(r.emit)
	// never: server fired in the responder direction, so the negated
	// requirement fails. notclient: needs client not to match in the
	// originator direction; it did.
	r.check(t, "finish")
}

func TestNegatedDependencyAtEnd(t *testing.T) {
	cs, r := newConn(t, `
signature a { payload /A/ event "a" }
signature b { payload /B/ requires-signature ! a event "b" }
`, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.Match(Payload, true, []byte("Bxx"), 0, r.emit)
	r.check(t, "not yet")
	cs.Finish(r.emit)
	r.check(t, "decided at the end", "o:b:Bxx:1")
}

func TestPayloadSize(t *testing.T) {
	sigs := `
signature small { payload-size < 5 event "s" }
signature big { ip-proto == udp payload-size > 4 payload /.*/ payload /.*b/ event "b" }
`
	cs, r := newConn(t, sigs, udpConn, Options{})
	cs.MatchPacket(true, []byte("abc"), r.emit)
	r.check(t, "first packet", "o:small:-:0")
	cs.MatchPacket(true, []byte("aaaaaab"), r.emit)
	// The patterns of "big" matched in the first packet already (which
	// was too small); it fires now, and its end of match is the one saved
	// then (2), as in Zeek.
	r.check(t, "second packet (sizes are per packet for UDP)", "o:big:aaaaaab:2")
	cs, r = newConn(t, sigs, udpConn, Options{})
	cs.MatchPacket(true, []byte("xyz"), r.emit)
	cs.MatchPacket(true, []byte("aaaaaab"), r.emit)
	// Zeek's position counter keeps counting across UDP packets, so the
	// end of a match in a later packet is off by the earlier packets'
	// sizes: 7 - 3.
	r.check(t, "later packet", "o:small:-:0", "o:big:aaaaaab:4")
	// TCP: the first non-empty chunk counts.
	cs, r = newConn(t, sigs, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.Match(Payload, true, []byte(""), 0, r.emit)
	cs.Match(Payload, true, []byte("abc"), 0, r.emit)
	cs.Match(Payload, true, []byte("defgh"), 0, r.emit)
	cs.Finish(r.emit)
	r.check(t, "tcp", "o:small:-:0")
}

func TestTCPStateAndSameIP(t *testing.T) {
	sigs := `
signature est { payload /a/ tcp-state established event "e" }
signature resp { payload /a/ tcp-state responder event "r" }
signature self { same-ip event "self" }
signature udpst { payload /a/ udp-state originator event "u" }
`
	cs, r := newConn(t, sigs, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.InitEndpoint(false, nil, r.emit)
	cs.Match(Payload, true, []byte("a"), 0, r.emit)
	r.check(t, "not established, originator")
	cs.SetEstablished(true)
	cs.Match(Payload, false, []byte("a"), 0, r.emit)
	r.check(t, "established responder", "r:est:a:1", "r:resp:a:1")

	hdr := tcpConn
	hdr.RespAddr = hdr.OrigAddr
	cs, r = newConn(t, sigs, hdr, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	r.check(t, "same ip", "o:self:-:0")
}

func TestDepth(t *testing.T) {
	cs, r := newConn(t, `
signature shallow { payload [:4] /.*ab/ event "x" }
signature deep { payload [:10] /.*cd/ event "y" }
signature off { payload [2:] /.*ef/ event "z" }
`, tcpConn, Options{})
	if w := cs.m.set.Warnings(); len(w) != 1 || !strings.Contains(w[0], "t.sig:4: offsets are currently ignored") {
		t.Errorf("warnings %q", w)
	}
	cs.InitEndpoint(true, nil, r.emit)
	cs.Match(Payload, true, []byte("xxxab cd ef"), 0, r.emit)
	r.check(t, "depth", "o:deep:xxxab cd ef:8", "o:off:xxxab cd ef:11")
}

func TestMultiplePatternsAndKinds(t *testing.T) {
	cs, r := newConn(t, `
signature both {
  http-request /.*admin/
  http-request-header /.*Cookie/
  event "both"
}
signature body {
  http-request-body /^AB$/
  event "ab only"
}
`, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.Match(HTTPRequest, true, []byte("/admin/x"), BOL|EOL|Clear, r.emit)
	r.check(t, "uri only")
	cs.Match(HTTPRequestHeader, true, []byte("Cookie"), BOL|Clear, r.emit)
	r.check(t, "header", "o:both:Cookie:6")
	cs.Match(HTTPRequestBody, true, []byte("AB"), BOL|Clear, r.emit)
	cs.Match(HTTPRequestBody, true, nil, EOL, r.emit)
	// The end marker completes the match; the chunk is empty.
	r.check(t, "body", "o:body::0")
}

func TestUnknownHeaderData(t *testing.T) {
	// Header tests on bytes beyond the captured header do not match.
	cs, r := newConn(t, `signature h { header tcp[30:4] == 0 event "h" }`, tcpConn, Options{})
	cs.InitEndpoint(true, &PacketHeader{Transport: make([]byte, 20)}, r.emit)
	r.check(t, "short header")
	// Synthesized ports serve src-port/dst-port.
	cs, r = newConn(t, `signature p { dst-port == 80 src-port > 1024 event "p" }`, tcpConn, Options{})
	cs.InitEndpoint(true, nil, r.emit)
	cs.InitEndpoint(false, nil, r.emit)
	r.check(t, "ports", "o:p:-:0")
}

func TestPrefixTreeSharing(t *testing.T) {
	// Zeek shares a tree node when an existing node's address list is a
	// prefix of the new rule's list; the second rule then sees only
	// 10.0.0.0/8.
	set := mustSet(t, "t.sig", `
signature a { dst-ip == 10.0.0.0/8 event "a" }
signature b { dst-ip == 10.0.0.0/8, 192.168.0.0/16 event "b" }
`, Options{})
	if len(set.root.children) != 1 {
		t.Fatalf("%d nodes, want 1 shared", len(set.root.children))
	}
	hdr := tcpConn
	hdr.RespAddr = netip.MustParseAddr("192.168.1.1")
	cs := set.NewMatcher().NewConnState(hdr)
	r := &rec{}
	cs.InitEndpoint(true, nil, r.emit)
	r.check(t, "b does not match 192.168/16, as in Zeek")
}

func TestFileMagic(t *testing.T) {
	set := mustSet(t, "magic.sig", `
signature zip { file-magic /^PK\x03\x04/ file-mime "application/zip", 10 }
signature jar { file-magic /^PK\x03\x04.*META-INF/ file-mime "application/java-archive", 50 }
signature any { file-magic /.*/ file-mime "application/octet-stream", -20 }
signature text { file-magic /^[[:print:][:space:]]{8}/ file-mime "text/plain", -20 }
signature shallow { file-magic [:3] /.*\x04/ file-mime "never/deep", 1 }
signature hdr { dst-port == 80 file-magic /^PK/ file-mime "ignored/header", 100 }
signature off { active false file-magic /^PK/ file-mime "ignored/inactive", 100 }
`, Options{})
	m := set.NewMatcher()
	got := m.FileMagic([]byte("PK\x03\x04 ... META-INF/x"), nil)
	want := []MIMEMatch{{"application/java-archive", 50}, {"application/zip", 10}, {"application/octet-stream", -20}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("zip: got %v, want %v", got, want)
	}
	got = m.FileMagic([]byte("hello world"), got[:0])
	want = []MIMEMatch{{"application/octet-stream", -20}, {"text/plain", -20}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("text: got %v, want %v", got, want)
	}
	// Only the empty-matching signature: never a new match, no result
	// (Zeek's behaviour).
	if got := m.FileMagic([]byte("\x00\x01"), nil); len(got) != 0 {
		t.Errorf("binary: got %v", got)
	}
}

func TestMatchAllocs(t *testing.T) {
	set := mustSet(t, "t.sig", `
signature a { ip-proto == tcp payload /.*root/ event "a" }
signature b { payload /^GET / tcp-state originator enable "http" }
signature c { dst-port == 80 payload /.*passwd$/ event "c" }
`, Options{})
	m := set.NewMatcher()
	cs := m.NewConnState(tcpConn)
	cs.InitEndpoint(true, nil, nil)
	chunk := []byte(strings.Repeat("POST /x HTTP/1.1 nothing to see here\r\n", 30))
	emit := func(Match) {}
	cs.Match(Payload, true, chunk, 0, emit)
	if n := testing.AllocsPerRun(200, func() { cs.Match(Payload, true, chunk, 0, emit) }); n != 0 {
		t.Fatalf("Match allocates %v times per chunk", n)
	}
	// Reusing a ConnState for new connections allocates nothing either.
	if n := testing.AllocsPerRun(200, func() {
		cs.Init(m, tcpConn)
		cs.InitEndpoint(true, nil, emit)
		cs.InitEndpoint(false, nil, emit)
		cs.Match(Payload, true, chunk, 0, emit)
		cs.Match(Payload, false, chunk, 0, emit)
		cs.Finish(emit)
	}); n != 0 {
		t.Fatalf("a reused connection allocates %v times", n)
	}
}

func TestFileMagicIdentifier(t *testing.T) {
	sigs, err := ParseBytes([]byte(`signature m { file-magic /^GIF8/ file-mime gif_type, 70 }`), "m.sig")
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(name string) (ScriptValue, bool) {
		return ScriptValue{Kind: ScriptString, Str: "image/gif"}, name == "gif_type"
	}
	set, err := CompileWith(sigs, Options{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	got := set.NewMatcher().FileMagic([]byte("GIF89a"), nil)
	if len(got) != 1 || got[0] != (MIMEMatch{"image/gif", 70}) {
		t.Fatalf("got %v", got)
	}
	if sigs[0].Actions[0].MIME != "" {
		t.Fatal("Compile modified the parsed signature")
	}
}

// TestConcurrentMatchers shares one Set between goroutines, each with its
// own Matcher (run with -race).
func TestConcurrentMatchers(t *testing.T) {
	set := mustSet(t, "t.sig", `
signature a { payload /.*needle/ event "a" }
signature b { payload /^GET/ requires-reverse-signature c event "b" }
signature c { payload /^HTTP/ event "c" }
`, Options{})
	done := make(chan int)
	for g := 0; g < 4; g++ {
		go func() {
			m := set.NewMatcher()
			n := 0
			for i := 0; i < 200; i++ {
				cs := m.NewConnState(tcpConn)
				emit := func(Match) { n++ }
				cs.Match(Payload, false, []byte("HTTP/1.1 200"), 0, emit)
				cs.Match(Payload, true, []byte("GET /needle"), 0, emit)
				cs.Finish(emit)
			}
			done <- n
		}()
	}
	for g := 0; g < 4; g++ {
		if n := <-done; n != 600 {
			t.Errorf("goroutine saw %d matches, want 600", n)
		}
	}
}

// TestReentrantEmit feeds data from inside the callback, as an analyzer
// enabled by a match would.
func TestReentrantEmit(t *testing.T) {
	cs, r := newConn(t, `
signature dpd { payload /^GET/ enable "http" }
signature uri { http-request /.*admin/ event "u" }
signature other { payload /^G/ event "g" }
`, tcpConn, Options{})
	var emit func(Match)
	emit = func(m Match) {
		r.emit(m)
		if m.Sig.ID == "dpd" {
			cs.Match(HTTPRequest, true, []byte("/admin"), BOL|EOL|Clear, emit)
		}
	}
	cs.InitEndpoint(true, nil, emit)
	cs.Match(Payload, true, []byte("GET /admin HTTP/1.0\r\n"), 0, emit)
	// "other" matched in the outer call too, but the nested call (a new
	// match) evaluates it first, with its own chunk, as Zeek does.
	r.check(t, "nested", "o:dpd:GET /admin HTTP/1.0\r\n:3", "o:uri:/admin:6", "o:other:/admin:1")
}
