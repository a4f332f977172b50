package signatures

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func parseOne(t *testing.T, body string) *Signature {
	t.Helper()
	sigs, err := ParseBytes([]byte("signature s {\n"+body+"\n}\n"), "t.sig")
	if err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	if len(sigs) != 1 {
		t.Fatalf("%q: %d signatures", body, len(sigs))
	}
	return sigs[0]
}

func TestParseHeaders(t *testing.T) {
	all := uint32(0xffffffff)
	tests := []struct {
		body string
		want HeaderTest
	}{
		{"dst-port == 80", HeaderTest{Proto: HdrTCP, Offset: Int{V: 2}, Size: Int{V: 2}, Comp: EQ,
			Values: []Value{{Kind: ValInt, Val: 80, Mask: all}}}},
		{"src-port = 29997-29999,30001-30002,30003", HeaderTest{Proto: HdrTCP, Size: Int{V: 2}, Comp: EQ,
			Values: []Value{{Kind: ValRange, Lo: 29997, Hi: 29999}, {Kind: ValRange, Lo: 30001, Hi: 30002}, {Kind: ValInt, Val: 30003, Mask: all}}}},
		{"src-port != 0x10, my_ports", HeaderTest{Proto: HdrTCP, Size: Int{V: 2}, Comp: NE,
			Values: []Value{{Kind: ValInt, Val: 16, Mask: all}, {Kind: ValIdent, Ident: "my_ports"}}}},
		{"ip-proto == udp", HeaderTest{Proto: HdrNext, Comp: EQ, Values: []Value{{Kind: ValInt, Val: 17, Mask: all}}}},
		{"ip-proto != icmp6", HeaderTest{Proto: HdrNext, Comp: NE, Values: []Value{{Kind: ValInt, Val: 58, Mask: all}}}},
		{"ip-proto < 50", HeaderTest{Proto: HdrNext, Comp: LT, Values: []Value{{Kind: ValInt, Val: 50, Mask: all}}}},
		{"dst-ip == 10.0.0.0/8,[fe80::0]/16,192.168.1.101", HeaderTest{Proto: HdrDstIP, Comp: EQ, Values: []Value{
			{Kind: ValPrefix, Prefix: netip.MustParsePrefix("10.0.0.0/8")},
			{Kind: ValPrefix, Prefix: netip.MustParsePrefix("fe80::/16")},
			{Kind: ValPrefix, Prefix: netip.MustParsePrefix("192.168.1.101/32")}}}},
		{"src-ip != [2001:4f8:4:7:2e0:81ff:fe52:9a6b], [::ffff:1.2.3.4] / 120", HeaderTest{Proto: HdrSrcIP, Comp: NE, Values: []Value{
			{Kind: ValPrefix, Prefix: netip.MustParsePrefix("2001:4f8:4:7:2e0:81ff:fe52:9a6b/128")},
			{Kind: ValPrefix, Prefix: netip.MustParsePrefix("::ffff:1.2.3.0/120")}}}},
		{"dst-ip >= mynets", HeaderTest{Proto: HdrDstIP, Comp: GE, Values: []Value{{Kind: ValIdent, Ident: "mynets"}}}},
		{"header ip[10:1] == 0x7c", HeaderTest{Proto: HdrIP, Offset: Int{V: 10}, Size: Int{V: 1}, Comp: EQ,
			Values: []Value{{Kind: ValInt, Val: 0x7c, Mask: all}}}},
		{"header ip[16:4] == 127.0.0.1/24, 1.2.3.4", HeaderTest{Proto: HdrIP, Offset: Int{V: 16}, Size: Int{V: 4}, Comp: EQ,
			Values: []Value{{Kind: ValInt, Val: 0x7f000000, Mask: 0xffffff00}, {Kind: ValInt, Val: 0x01020304, Mask: all}}}},
		{"header ip[8] < 10", HeaderTest{Proto: HdrIP, Offset: Int{V: 8}, Size: Int{V: 1}, Comp: LT,
			Values: []Value{{Kind: ValInt, Val: 10, Mask: all}}}},
		{"header udp[2:1] & 0x0f == 0x02", HeaderTest{Proto: HdrUDP, Offset: Int{V: 2}, Size: Int{V: 1}, Comp: EQ,
			Values: []Value{{Kind: ValInt, Val: 2}}, Masked: true, MaskInt: Int{V: 15}}},
		{"header icmp6[off:size] & msk != 3", HeaderTest{Proto: HdrICMP6, Offset: Int{Ident: "off"}, Size: Int{Ident: "size"}, Comp: NE,
			Values: []Value{{Kind: ValInt, Val: 3}}, Masked: true, MaskInt: Int{Ident: "msk"}}},
	}
	for _, tc := range tests {
		sig := parseOne(t, tc.body)
		if len(sig.Headers) != 1 {
			t.Errorf("%q: %d header tests", tc.body, len(sig.Headers))
			continue
		}
		got := sig.Headers[0]
		got.Line = 0
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got  %+v\n want %+v", tc.body, got, tc.want)
		}
	}
	// ip-proto == ip is a no-op.
	if sig := parseOne(t, "ip-proto == ip6"); len(sig.Headers) != 0 {
		t.Errorf("ip-proto == ip6 gave %+v", sig.Headers)
	}
}

func TestParseAttributes(t *testing.T) {
	sig := parseOne(t, `
  payload /.*root/
  payload /^xxxx/i
  http-request /.*etc\/(passwd|shadow)/
  http /GET/
  http-body /x/
  http-request-header /h/
  http-reply-header /h/
  http-request-body /b/
  http-reply-body [:10] /b/
  ftp [5:20] /USER/
  finger [3] /f/
  file-magic [2:] /m/
  payload my_pattern
  payload-size >= 1132
  payload-size <= max_size
  same-ip
  tcp-state established, originator
  udp-state responder
  ip-options lsrr, ssrr
  eval Mod::func_1
  requires-signature other
  requires-signature ! other2
  requires-reverse-signature ! other3
  requires-reverse-signature other4
  event "msg with \" quote"
  event my_event
  event Mod::my_event "m"
  enable "ftp"
  disable "http:ssl"
  file-mime "application/zip", -340
  file-mime mime_id
  active false
`)
	kinds := []PatternKind{Payload, Payload, HTTPRequest, HTTPRequest, HTTPReplyBody, HTTPRequestHeader, HTTPReplyHeader,
		HTTPRequestBody, HTTPReplyBody, FTP, Finger, FileMagic, Payload}
	if len(sig.Patterns) != len(kinds) {
		t.Fatalf("patterns %+v", sig.Patterns)
	}
	for i, k := range kinds {
		if sig.Patterns[i].Kind != k {
			t.Errorf("pattern %d kind %v, want %v", i, sig.Patterns[i].Kind, k)
		}
	}
	p := sig.Patterns
	if p[0].Regex != ".*root" || p[1].Regex != "(?i:^xxxx)" || p[2].Regex != `.*etc\/(passwd|shadow)` {
		t.Errorf("regex texts %q %q %q", p[0].Regex, p[1].Regex, p[2].Regex)
	}
	checkRange := func(i int, off, depth uint32) {
		if !p[i].HasRange || p[i].Offset.V != off || p[i].Depth.V != depth {
			t.Errorf("pattern %d range %+v %+v, want %d:%d", i, p[i].Offset, p[i].Depth, off, depth)
		}
	}
	checkRange(8, 0, 10)
	checkRange(9, 5, 20)
	checkRange(10, 3, 1)
	checkRange(11, 2, 0xffffffff)
	if p[12].Ident != "my_pattern" {
		t.Errorf("pattern ident %+v", p[12])
	}
	wantConds := []Condition{
		{Kind: CondPayloadSize, Comp: GE, Value: Int{V: 1132}},
		{Kind: CondPayloadSize, Comp: LE, Value: Int{Ident: "max_size"}},
		{Kind: CondSameIP},
		{Kind: CondTCPState, States: StateEstablished | StateOriginator},
		{Kind: CondUDPState, States: StateResponder},
		{Kind: CondIPOptions, Options: OptLSRR | OptSSRR},
		{Kind: CondEval, Func: "Mod::func_1"},
	}
	for i := range sig.Conditions {
		sig.Conditions[i].Line = 0
	}
	if !reflect.DeepEqual(sig.Conditions, wantConds) {
		t.Errorf("conditions\n got  %+v\n want %+v", sig.Conditions, wantConds)
	}
	wantReq := []Requirement{{ID: "other"}, {ID: "other2", Negate: true}, {ID: "other3", Reverse: true, Negate: true}, {ID: "other4", Reverse: true}}
	for i := range sig.Requires {
		sig.Requires[i].Line = 0
	}
	if !reflect.DeepEqual(sig.Requires, wantReq) {
		t.Errorf("requires %+v", sig.Requires)
	}
	wantAct := []Action{
		{Kind: ActEvent, Msg: `msg with \" quote`, HasMsg: true},
		{Kind: ActEvent, Event: "my_event"},
		{Kind: ActEvent, Event: "Mod::my_event", Msg: "m", HasMsg: true},
		{Kind: ActEnable, Analyzer: "ftp"},
		{Kind: ActDisable, Analyzer: "http:ssl"},
		{Kind: ActFileMIME, MIME: "application/zip", Strength: -340},
		{Kind: ActFileMIME, MIMEIdent: "mime_id"},
	}
	for i := range sig.Actions {
		sig.Actions[i].Line = 0
	}
	if !reflect.DeepEqual(sig.Actions, wantAct) {
		t.Errorf("actions\n got  %+v\n want %+v", sig.Actions, wantAct)
	}
	if sig.Active {
		t.Error("active false ignored")
	}
	if msg, ok := sig.EventMessage(); !ok || msg != `msg with \" quote` {
		t.Errorf("EventMessage %q %v", msg, ok)
	}
}

func TestParseLexical(t *testing.T) {
	src := "# comment\n" +
		".desc some metadata line\n" +
		"signature my-sig::x { # trailing comment\r\n" +
		"  payload /a\\/b/\n" +
		"  payload /\\/start/\n" +
		"  payload /x\\\\/   # a regex ending in a backslash\n" +
		"  payload /multi\nline/\n" +
		"  event \"a#b\"\n" +
		"}\n" +
		"signature second{event \"x\"}"
	sigs, err := ParseBytes([]byte(src), "lex.sig")
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 2 || sigs[0].ID != "my-sig::x" || sigs[1].ID != "second" {
		t.Fatalf("sigs %+v", sigs)
	}
	want := []string{`a\/b`, `\/start`, `x\\`, "multi\nline"}
	for i, w := range want {
		if sigs[0].Patterns[i].Regex != w {
			t.Errorf("pattern %d: %q, want %q", i, sigs[0].Patterns[i].Regex, w)
		}
	}
	if sigs[0].Line != 3 || sigs[1].Line != 11 {
		t.Errorf("lines %d %d", sigs[0].Line, sigs[1].Line)
	}
	if msg, _ := sigs[0].EventMessage(); msg != "a#b" {
		t.Errorf("msg %q", msg)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"signature s { payload /abc }", "t.sig:1: unrecognized character in input ('/')"},
		{"signature s {\n  dst-port 80\n}", "t.sig:2: syntax error: unexpected 80, expected a comparison operator"},
		{"signature s {\n  priority 1\n}", "t.sig:2: syntax error: unexpected priority, expected a condition, an action or '}'"},
		{"signature udp { }", "t.sig:1: syntax error: unexpected udp, expected a signature name"},
		{"signature s { event }", "t.sig:1: syntax error: unexpected }, expected an event name or a message string"},
		{"signature s {\n\n  udp-state established\n}", "t.sig:3: 'established' is not a valid 'udp-state'"},
		{"signature s { header ip[1:3] == 1 }", "t.sig:1: header size must be 1, 2 or 4, not 3"},
		{"signature s { payload /a(/ }", "t.sig:1: regex: syntax error: missing ')'"},
		{"signature s { dst-ip == 1.2.3.400 }", "t.sig:1: bad IPv4 address 1.2.3.400"},
		{"signature s { dst-ip == 1.2.3.4/33 }", "t.sig:1: bad prefix length"},
		{"signature s { dst-ip == [fe80::1::2] }", "bad IPv6 address"},
		{"signature s { event \"x\" ", "t.sig:1: syntax error: unexpected end of file, expected a condition, an action or '}'"},
		{"signature s { event \"unterminated\n\" }", "unterminated string"},
		{"signature s { dst-port == 99999999999 }", "out of range"},
		{"signature s { enable ftp }", "expected an analyzer name string"},
		{"signature s { tcp-state }", "expected a state"},
		{"signature s { active maybe }", "expected true or false"},
		{"signature s { requires-signature }", "expected a signature name"},
		{"signature s { file-mime \"x\", }", "expected a strength"},
		{"signature s { src-port == 1- }", "expected the end of a range"},
		{"signature s { eval 3 }", "unrecognized character in input ('3')"},
		{"signature s { @ }", "unrecognized character in input ('@')"},
		{"signature s { payload [1:x /a/ }", "expected ']'"},
		{"sig", "expected 'signature'"},
	}
	for _, tc := range tests {
		_, err := ParseBytes([]byte(tc.src), "t.sig")
		if err == nil {
			t.Errorf("%q: no error", tc.src)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "signatures: t.sig:") {
			t.Errorf("%q:\n got  %v\n want %s", tc.src, err, tc.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: multi-line error %q", tc.src, err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"signature a { event \"1\" }\nsignature a { event \"2\" }", "t.sig:2: signature a defined twice"},
		{"signature a {\n requires-signature nope\n}", "t.sig:2: signature a: unknown signature nope referenced"},
		{"signature a {\n eval f\n}", "t.sig:2: signature a: eval f: script functions cannot be evaluated"},
		{"signature a {\n dst-port == ports\n}", "t.sig:2: unknown script-level identifier ports"},
		{"signature a {\n payload pat\n}", "t.sig:2: unknown script-level identifier pat"},
	}
	for _, tc := range tests {
		sigs, err := ParseBytes([]byte(tc.src), "t.sig")
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		_, err = Compile(sigs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %v\n want %s", tc.src, err, tc.want)
		}
	}
	// Resolved identifiers of the wrong type.
	resolve := func(name string) (ScriptValue, bool) {
		switch name {
		case "s":
			return ScriptValue{Kind: ScriptString, Str: "x"}, true
		case "n":
			return ScriptValue{Kind: ScriptCount, Count: 5}, true
		case "v6":
			return ScriptValue{Kind: ScriptSubnet, Subnet: netip.MustParsePrefix("fe80::/16")}, true
		}
		return ScriptValue{}, false
	}
	for _, tc := range []struct{ src, want string }{
		{"signature a { dst-port == s }", "wrong type"},
		{"signature a { dst-ip == n }", "must refer to subnets"},
		{"signature a { header ip[16:4] == v6 }", "IPv6 subnets not supported"},
		{"signature a { payload n }", "must refer to a string"},
		{"signature a { payload-size > s }", "must refer to an integer"},
		{"signature a { payload /(/ }", "missing ')'"},
	} {
		sigs, err := ParseBytes([]byte(tc.src), "t.sig")
		if err == nil {
			_, err = CompileWith(sigs, Options{Resolve: resolve})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.src, err, tc.want)
		}
	}
}

// TestSameVals checks the tree's test equality, which expands ranges.
func TestSameVals(t *testing.T) {
	a := []mval{{lo: 1, hi: 3, mask: 0xffffffff, isRange: true}, {val: 7, mask: 0xffffffff}}
	b := []mval{{val: 1, mask: 0xffffffff}, {lo: 2, hi: 3, mask: 0xffffffff, isRange: true}, {val: 7, mask: 0xffffffff}}
	c := []mval{{lo: 1, hi: 4, mask: 0xffffffff, isRange: true}}
	d := []mval{{lo: 0, hi: 0xffffffff, mask: 0xffffffff, isRange: true}}
	if !sameVals(a, b) || sameVals(a, c) || sameVals(c, d) || !sameVals(d, d) || !sameVals(nil, nil) {
		t.Fatal("sameVals wrong")
	}
}
