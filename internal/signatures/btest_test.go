package signatures

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// Zeek's signature btests (testing/btest/signatures/*.zeek) replayed: the
// signature files are read from the test scripts in place, each TEST-EXEC
// run is repeated with the harness, and what the test's event handlers
// print is rebuilt from the matches and compared with Zeek's baseline.

// btestFile is a parsed btest script.
type btestFile struct {
	name  string
	files map[string]string // @TEST-START-FILE sections
	execs []string          // @TEST-EXEC commands
	sigs  []string          // @load-sigs arguments
}

func readBtest(t *testing.T, name string) *btestFile {
	t.Helper()
	p := filepath.Join(refdata.ZeekSource(t), "testing/btest/signatures", name+".zeek")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("btest %s not available", p)
	}
	bt := &btestFile{name: name, files: map[string]string{}}
	var cur string
	var body strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "# @TEST-START-FILE "):
			cur = strings.TrimSpace(strings.TrimPrefix(line, "# @TEST-START-FILE "))
			body.Reset()
		case strings.HasPrefix(line, "# @TEST-END-FILE"):
			bt.files[cur] = body.String()
			cur = ""
		case cur != "":
			body.WriteString(line)
			body.WriteByte('\n')
		case strings.HasPrefix(line, "# @TEST-EXEC: "):
			bt.execs = append(bt.execs, strings.TrimPrefix(line, "# @TEST-EXEC: "))
		case strings.HasPrefix(line, "@load-sigs "):
			bt.sigs = append(bt.sigs, strings.TrimSpace(strings.TrimPrefix(line, "@load-sigs ")))
		}
	}
	return bt
}

// sigText returns a signature file of the test by the name used on the
// command line or in @load-sigs.
func (bt *btestFile) sigText(t *testing.T, name string) (string, string) {
	t.Helper()
	name = strings.TrimPrefix(name, "./")
	for _, n := range []string{name, name + ".sig"} {
		if s, ok := bt.files[n]; ok {
			return n, s
		}
	}
	t.Fatalf("%s: no signature file %s", bt.name, name)
	return "", ""
}

var execRE = regexp.MustCompile(`zeek -b (?:-C )?-s (\S+) -r \$TRACES/(\S+) %INPUT >(\S+)`)

// stdFormat is the handler most btests use:
// print fmt("signature_match %s - %s", state$conn$id, msg).
func stdFormat(ev event) []string {
	msg, _ := ev.m.Sig.EventMessage()
	return []string{fmt.Sprintf("signature_match %s - %s", connID(ev.conn.hdr), msg)}
}

// TestBtestHeaderConditions replays the btests whose every run is
// "zeek -b -s SIG -r TRACE >OUT" with the standard handler.
func TestBtestHeaderConditions(t *testing.T) {
	tests := []string{
		"header-header-condition",
		"ip-proto-header-condition",
		"dst-ip-header-condition-v4",
		"dst-ip-header-condition-v4-masks",
		"dst-ip-header-condition-v6",
		"dst-ip-header-condition-v6-masks",
		"src-port-header-condition",
		"dst-port-header-condition",
		"tcp-syn-with-payload",
	}
	for _, name := range tests {
		t.Run(name, func(t *testing.T) {
			bt := readBtest(t, name)
			runs := 0
			for _, ex := range bt.execs {
				m := execRE.FindStringSubmatch(ex)
				if m == nil {
					continue
				}
				runs++
				file, text := bt.sigText(t, m[1])
				set := mustSet(t, file, text, Options{})
				var got []string
				for _, ev := range runTrace(t, set, m[2], nil) {
					got = append(got, stdFormat(ev)...)
				}
				want := baseline(t, "signatures."+name, m[3], nil)
				compareLines(t, m[3], got, want, false)
			}
			if runs == 0 {
				t.Fatal("no runs found in the btest")
			}
		})
	}
}

// loadSigsSet compiles the signature files a btest loads with @load-sigs.
func loadSigsSet(t *testing.T, bt *btestFile, opts Options) *Set {
	t.Helper()
	var all []*Signature
	for _, s := range bt.sigs {
		file, text := bt.sigText(t, s)
		sigs, err := ParseBytes([]byte(text), file)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sigs...)
	}
	set, err := CompileWith(all, opts)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestBtestIDLookup(t *testing.T) {
	bt := readBtest(t, "id-lookup")
	// The script's constants, as the script layer would resolve them.
	resolve := func(name string) (ScriptValue, bool) {
		switch name {
		case "udp_proto_number":
			return ScriptValue{Kind: ScriptCount, Count: 17}, true
		case "mynets":
			var elems []ScriptValue
			for _, p := range []string{"192.168.1.0/24", "10.0.0.0/8", "127.0.0.0/24"} {
				elems = append(elems, ScriptValue{Kind: ScriptSubnet, Subnet: netip.MustParsePrefix(p)})
			}
			return ScriptValue{Kind: ScriptSet, Elems: elems}, true
		}
		return ScriptValue{}, false
	}
	file, text := bt.sigText(t, "id")
	set := mustSet(t, file, text, Options{Resolve: resolve})
	var got []string
	for _, ev := range runTrace(t, set, "chksums/ip4-udp-good-chksum.pcap", nil) {
		got = append(got, stdFormat(ev)...)
	}
	compareLines(t, "id.out", got, baseline(t, "signatures.id-lookup", "id.out", nil), false)

	// Without a resolver the identifiers are errors.
	sigs, _ := ParseBytes([]byte(text), file)
	if _, err := Compile(sigs); err == nil || !strings.Contains(err.Error(), "unknown script-level identifier udp_proto_number") {
		t.Fatalf("want unknown identifier error, got %v", err)
	}
}

// TestBtestLoadSigs replays the btests that load one signature file and
// print from signature_match in their own way.
func TestBtestLoadSigs(t *testing.T) {
	matchSig := func(ev event) []string { return []string{"match, " + ev.m.Sig.ID} }
	tests := []struct {
		name, trace, out string
		format           func(event) []string
		sorted           bool
		tune             func(*harness)
	}{
		{name: "dst-ip-cidr-v4", trace: "ntp.pcap", out: "output", format: matchSig},
		{name: "udp-payload-size", trace: "ntp.pcap", out: "output", format: matchSig},
		{name: "udp-packetwise-match", trace: "udp-signature-test.pcap", out: "out", sorted: true,
			format: func(ev event) []string {
				msg, _ := ev.m.Sig.EventMessage()
				return []string{"signature match, " + msg + ", " + zeekEscape(ev.data)}
			}},
		{name: "udp-packetwise-insensitive", trace: "udp-signature-test.pcap", out: "out", sorted: true,
			format: func(ev event) []string {
				msg, _ := ev.m.Sig.EventMessage()
				return []string{"signature match, " + msg + ", " + zeekEscape(ev.data)}
			}},
		{name: "load-sigs", trace: "wikipedia.pcap", out: "output",
			format: func(ev event) []string {
				msg, _ := ev.m.Sig.EventMessage()
				return []string{connID(ev.conn.hdr), msg, zeekEscape(ev.data)}
			}},
		{name: "udp-end-of-match", trace: "dns-caa.pcap", out: ".stdout",
			format: func(ev event) []string {
				msg, _ := ev.m.Sig.EventMessage()
				out := []string{fmt.Sprintf("signature_match %s - %s - offset=%d", connID(ev.conn.hdr), msg, ev.eom)}
				return append(append(out, hexdump(ev.data[:ev.eom])...), "")
			}},
		{name: "tcp-end-of-match", trace: "http/get.pcap", out: ".stdout",
			tune: func(h *harness) { h.bufferSize = 1024 * 1024 },
			format: func(ev event) []string {
				// The script's handlers: both signature_match
				// variants for "event msg", both variants of the
				// custom events otherwise.
				msg, hasMsg := ev.m.Sig.EventMessage()
				pre := zeekEscape(ev.data[:ev.eom])
				n := len(ev.data)
				var a Action
				for _, x := range ev.m.Sig.Actions {
					if x.Kind == ActEvent {
						a = x
					}
				}
				switch {
				case a.Event == "":
					return []string{fmt.Sprintf("signature_match, %s, %d", msg, n),
						fmt.Sprintf("signature_match with end_of_match, %s, %d, %s", msg, n, pre)}
				case !hasMsg:
					return []string{fmt.Sprintf("portability_match with end_of_match, %d, %s", n, pre),
						fmt.Sprintf("portability_match, %d", n)}
				default:
					return []string{fmt.Sprintf("portability_match_with_msg with end_of_match, %s, %d, %d, %s", msg, n, ev.eom, pre),
						fmt.Sprintf("portability_match_with_msg, %s, %d", msg, n)}
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bt := readBtest(t, tc.name)
			set := loadSigsSet(t, bt, Options{})
			var got []string
			for _, ev := range runTrace(t, set, tc.trace, tc.tune) {
				got = append(got, tc.format(ev)...)
			}
			want := baseline(t, "signatures."+tc.name, tc.out, nil)
			if len(got) > 0 && len(want) == len(got)-1 && got[len(got)-1] == "" {
				got = got[:len(got)-1] // baselines drop the final empty line
			}
			compareLines(t, tc.out, got, want, tc.sorted)
		})
	}
}

func TestBtestUDPState(t *testing.T) {
	bt := readBtest(t, "udp-state")
	file, text := bt.sigText(t, "udp-states.sig")
	set := mustSet(t, file, text, Options{})
	var got []string
	for _, ev := range runTrace(t, set, "dns-caa.pcap", nil) {
		got = append(got, stdFormat(ev)...)
		got = append(got, hexdump(ev.data)...)
		got = append(got, "")
	}
	want := baseline(t, "signatures.udp-state", "out", nil)
	if len(got) > 0 && got[len(got)-1] == "" && len(want) == len(got)-1 {
		got = got[:len(got)-1]
	}
	compareLines(t, "out", got, want, false)

	// udp-state established is rejected, with Zeek's message.
	file, text = bt.sigText(t, "udp-established.sig")
	_, err := ParseBytes([]byte(text), "./"+file)
	want = baseline(t, "signatures.udp-state", "reject", nil)
	// Zeek reports the line after the attribute (its parser has read
	// ahead); Heron reports the attribute's own line.
	if err == nil || !strings.Contains(want[0], "'established' is not a valid 'udp-state'") ||
		err.Error() != "signatures: ./udp-established.sig:4: 'established' is not a valid 'udp-state'" {
		t.Fatalf("got %v; Zeek: %s", err, want[0])
	}
}

// TestBtestDPD replays the dpd btest: the FTP client signature matches the
// originator, and the server signature (which requires it in the reverse
// direction) fires when the responder's 331 arrives.
func TestBtestDPD(t *testing.T) {
	bt := readBtest(t, "dpd")
	file, text := bt.sigText(t, "myftp")
	set := mustSet(t, file, text, Options{})
	for _, run := range []struct{ trace, out string }{
		{"ftp/ipv4.pcap", "dpd-ipv4.out"},
		{"ftp/ipv6.pcap", "dpd-ipv6.out"},
	} {
		var got []string
		for _, ev := range runTrace(t, set, run.trace, nil) {
			got = append(got, stdFormat(ev)...)
			if ev.m.Sig.ID == "my_ftp_server" && (len(ev.m.Sig.Enables()) != 1 || ev.m.Sig.Enables()[0] != "ftp") {
				t.Errorf("my_ftp_server enables %v", ev.m.Sig.Enables())
			}
		}
		want := baseline(t, "signatures.dpd", run.out, func(l string) bool { return strings.HasPrefix(l, "signature_match") })
		compareLines(t, run.out, got, want, false)
	}
}

// TestBtestCustomEvent checks the event actions with custom event names
// and their order: the dst-ip signature sits on its own tree node, which
// is visited first, and the three ip-proto signatures share one, newest
// first.
func TestBtestCustomEvent(t *testing.T) {
	bt := readBtest(t, "custom-event")
	resolve := func(name string) (ScriptValue, bool) {
		if name != "mynets" {
			return ScriptValue{}, false
		}
		var elems []ScriptValue
		for _, p := range []string{"192.168.1.0/24", "10.0.0.0/8", "127.0.0.0/24"} {
			elems = append(elems, ScriptValue{Kind: ScriptSubnet, Subnet: netip.MustParsePrefix(p)})
		}
		return ScriptValue{Kind: ScriptSet, Elems: elems}, true
	}
	file, text := bt.sigText(t, "id")
	set := mustSet(t, file, text, Options{Resolve: resolve})
	var got []string
	for _, ev := range runTrace(t, set, "chksums/ip4-udp-good-chksum.pcap", nil) {
		var a Action
		for _, x := range ev.m.Sig.Actions {
			if x.Kind == ActEvent {
				a = x
			}
		}
		id := connID(ev.conn.hdr)
		switch a.Event {
		case "my_signature_match2":
			got = append(got, fmt.Sprintf("signature_match2 %s", id))
		case "my_signature_match3":
			got = append(got, fmt.Sprintf("signature_match3 %s - %s", id, a.Msg))
		case "my_signature_match4":
			got = append(got, fmt.Sprintf("signature_match4 %s - %s end_of_match=%d", id, a.Msg, ev.eom))
		case "my_signature_match5":
			got = append(got, fmt.Sprintf("signature_match5 %s - end_of_match=%d", id, ev.eom))
		default:
			t.Fatalf("unexpected event %q", a.Event)
		}
	}
	compareLines(t, "out", got, baseline(t, "signatures.custom-event", "out", nil), false)
}

// TestBtestEval replays the eval btests with Go functions standing in for
// the script functions: signature-cond-used(-twice) print from the
// condition and from signature_match; eval-condition marks the connection.
func TestBtestEval(t *testing.T) {
	for _, name := range []string{"signature-cond-used", "signature-cond-used-twice"} {
		t.Run(name, func(t *testing.T) {
			bt := readBtest(t, name)
			var got []string
			clip := func(s string) string {
				if name == "signature-cond-used-twice" && len(s) > 32 {
					return s[:32]
				}
				return s
			}
			eval := func(fn string) (EvalFunc, bool) {
				if fn != "SignatureEvalTest::signature_cond" {
					return nil, false
				}
				return func(st EvalState, data []byte) bool {
					got = append(got, "signature_cond, "+zeekEscape(clip(string(data))))
					return true
				}, true
			}
			set := loadSigsSet(t, bt, Options{Eval: eval})
			h := newHarness(t, set)
			h.run(readTrace(t, refdata.FindTrace(t, "http/get.pcap")))
			for _, ev := range h.events {
				msg, _ := ev.m.Sig.EventMessage()
				got = append(got, "signature_match, "+msg+", "+zeekEscape(clip(ev.data)))
			}
			// The condition runs before the match is reported; events
			// are interleaved in the baseline.
			want := baseline(t, "signatures."+name, ".stdout", nil)
			compareLines(t, ".stdout", got, want, true)
			if len(got) != len(want) {
				t.Fatalf("got %d lines, want %d", len(got), len(want))
			}
		})
	}

	t.Run("eval-condition", func(t *testing.T) {
		bt := readBtest(t, "eval-condition")
		marked := 0
		eval := func(fn string) (EvalFunc, bool) {
			return func(st EvalState, data []byte) bool { marked++; return true }, fn == "mark_conn"
		}
		// Alone, /.*/ matches before the first byte, which never counts
		// as a new match, so the signature is never evaluated (Zeek
		// behaves the same).
		set := loadSigsSet(t, bt, Options{Eval: eval})
		h := newHarness(t, set)
		h.run(readTrace(t, refdata.FindTrace(t, "ftp/ipv4.pcap")))
		if len(h.events) != 0 || marked != 0 {
			t.Fatalf("alone: events %+v, eval called %d times", h.events, marked)
		}
		// The test loads the FTP analyzer, whose DPD signature matches in
		// the responder direction; that new match makes Zeek evaluate
		// every signature whose patterns have matched there, which marks
		// the FTP control connection (its responder has src-port 21).
		dpd, err := os.ReadFile(filepath.Join(refdata.ZeekSource(t), "scripts/base/protocols/ftp/dpd.sig"))
		if err != nil {
			t.Skip("ftp/dpd.sig not available")
		}
		all, err := ParseBytes(dpd, "ftp/dpd.sig")
		if err != nil {
			t.Fatal(err)
		}
		file, text := bt.sigText(t, "blah.sig")
		blah, err := ParseBytes([]byte(text), file)
		if err != nil {
			t.Fatal(err)
		}
		set, err = CompileWith(append(all, blah...), Options{Eval: eval})
		if err != nil {
			t.Fatal(err)
		}
		h = newHarness(t, set)
		h.run(readTrace(t, refdata.FindTrace(t, "ftp/ipv4.pcap")))
		var blahs []event
		for _, ev := range h.events {
			if ev.m.Sig.ID == "blah" {
				blahs = append(blahs, ev)
			}
		}
		if len(blahs) != 1 || blahs[0].isOrig || blahs[0].conn.hdr.RespPort != 21 || marked != 1 {
			t.Fatalf("blah matches %+v, eval called %d times", blahs, marked)
		}
	})

	t.Run("bad-eval-condition", func(t *testing.T) {
		bt := readBtest(t, "bad-eval-condition")
		file, text := bt.sigText(t, "blah.sig")
		sigs, err := ParseBytes([]byte(text), "./"+file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(sigs)
		if err == nil || !strings.HasPrefix(err.Error(), "signatures: ./blah.sig:6: ") {
			t.Fatalf("got %v", err)
		}
	})
}
