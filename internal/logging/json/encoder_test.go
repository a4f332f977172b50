package json

import (
	stdjson "encoding/json"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// escapeCases are the strings of Zeek's test
// testing/btest/scripts/base/frameworks/logging/ascii-json-utf8.zeek with
// the values its baselines show under the HEX, TSV and PUA policies.
var escapeCases = []struct {
	in            string
	hex, tsv, pua string
}{
	{"a", `"a"`, `"a"`, `"a"`},
	{"\b\f\n\r\t\x00\x15", `"\b\f\n\r\t\\x00\\x15"`, `"\\x08\\x0c\\x0a\\x0d\\x09\\x00\\x15"`, `"\b\f\n\r\t\udb80\udc00\udb80\udc15"`},
	{"\xc3\xb1", `"ñ"`, `"ñ"`, `"ñ"`},
	{"\xc3\x28", `"\\xc3("`, `"\\xc3("`, `"\udb80\udcc3("`},
	{"\xc0\x81", `"\\xc0\\x81"`, `"\\xc0\\x81"`, `"\udb80\udcc0\udb80\udc81"`},
	{"\xc1\x81", `"\\xc1\\x81"`, `"\\xc1\\x81"`, `"\udb80\udcc1\udb80\udc81"`},
	{"\xc2\xcf", `"\\xc2\\xcf"`, `"\\xc2\\xcf"`, `"\udb80\udcc2\udb80\udccf"`},
	{"\xa0\xa1", `"\\xa0\\xa1"`, `"\\xa0\\xa1"`, `"\udb80\udca0\udb80\udca1"`},
	{"\xe2\x82\xa1", `"₡"`, `"₡"`, `"₡"`},
	{"\xe0\xa3\xa1", `"࣡"`, `"࣡"`, `"࣡"`},
	{"\xe0\x80\xa1", `"\\xe0\\x80\\xa1"`, `"\\xe0\\x80\\xa1"`, `"\udb80\udce0\udb80\udc80\udb80\udca1"`},
	{"\xe2\x28\xa1", `"\\xe2(\\xa1"`, `"\\xe2(\\xa1"`, `"\udb80\udce2(\udb80\udca1"`},
	{"\xed\xa0\xa1", `"\\xed\\xa0\\xa1"`, `"\\xed\\xa0\\xa1"`, `"\udb80\udced\udb80\udca0\udb80\udca1"`},
	{"\xe2\x82\x28", `"\\xe2\\x82("`, `"\\xe2\\x82("`, `"\udb80\udce2\udb80\udc82("`},
	{"\xf0\x90\x8c\xbc", `"𐌼"`, `"𐌼"`, `"𐌼"`},
	{"\xf1\x80\x8c\xbc", `"񀌼"`, `"񀌼"`, `"񀌼"`},
	{"\xf4\x80\x8c\xbc", `"􀌼"`, `"􀌼"`, `"􀌼"`},
	{"\xf0\x80\x8c\xbc", `"\\xf0\\x80\\x8c\\xbc"`, `"\\xf0\\x80\\x8c\\xbc"`, `"\udb80\udcf0\udb80\udc80\udb80\udc8c\udb80\udcbc"`},
	{"\xf2\x28\x8c\xbc", `"\\xf2(\\x8c\\xbc"`, `"\\xf2(\\x8c\\xbc"`, `"\udb80\udcf2(\udb80\udc8c\udb80\udcbc"`},
	{"\xf4\x90\x8c\xbc", `"\\xf4\\x90\\x8c\\xbc"`, `"\\xf4\\x90\\x8c\\xbc"`, `"\udb80\udcf4\udb80\udc90\udb80\udc8c\udb80\udcbc"`},
	{"\xf0\x90\x28\xbc", `"\\xf0\\x90(\\xbc"`, `"\\xf0\\x90(\\xbc"`, `"\udb80\udcf0\udb80\udc90(\udb80\udcbc"`},
	{"\xf0\x28\x8c\x28", `"\\xf0(\\x8c("`, `"\\xf0(\\x8c("`, `"\udb80\udcf0(\udb80\udc8c("`},
	{"\xf4\x80\x8c", `"\\xf4\\x80\\x8c"`, `"\\xf4\\x80\\x8c"`, `"\udb80\udcf4\udb80\udc80\udb80\udc8c"`},
	{"\xf0", `"\\xf0"`, `"\\xf0"`, `"\udb80\udcf0"`},
	{"\\\\", `"\\\\"`, `"\\\\\\\\"`, `"\\\\"`},
	{"\t\\t\t", `"\t\\t\t"`, `"\\x09\\\\t\\x09"`, `"\t\\t\t"`},
	{"\v\\v\v", `"\\x0b\\v\\x0b"`, `"\\x0b\\\\v\\x0b"`, `"\udb80\udc0b\\v\udb80\udc0b"`},
	{"\n\\n\n", `"\n\\n\n"`, `"\\x0a\\\\n\\x0a"`, `"\n\\n\n"`},
	{"\\x", `"\\x"`, `"\\\\x"`, `"\\x"`},
	{"\x00", `"\\x00"`, `"\\x00"`, `"\udb80\udc00"`},
	{"\x01", `"\\x01"`, `"\\x01"`, `"\udb80\udc01"`},
	{"\x09", `"\t"`, `"\\x09"`, `"\t"`},
	{"\x0d", `"\r"`, `"\\x0d"`, `"\r"`},
	{"\x80", `"\\x80"`, `"\\x80"`, `"\udb80\udc80"`},
	{"\xf9", `"\\xf9"`, `"\\xf9"`, `"\udb80\udcf9"`},
	{"\xff", `"\\xff"`, `"\\xff"`, `"\udb80\udcff"`},
	{"\\\\x\\abc\\x.exe", `"\\\\x\\abc\\x.exe"`, `"\\\\\\\\x\\\\abc\\\\x.exe"`, `"\\\\x\\abc\\x.exe"`},
	{"\xf9\xf9", `"\\xf9\\xf9"`, `"\\xf9\\xf9"`, `"\udb80\udcf9\udb80\udcf9"`},
	{"byte 9f vs literal backslash x9f: \xf9 vs \\xf9", `"byte 9f vs literal backslash x9f: \\xf9 vs \\xf9"`, `"byte 9f vs literal backslash x9f: \\xf9 vs \\\\xf9"`, `"byte 9f vs literal backslash x9f: \udb80\udcf9 vs \\xf9"`},
	{"a rocket 🚀!", `"a rocket 🚀!"`, `"a rocket 🚀!"`, `"a rocket 🚀!"`},
	{"a rocket 🚀!\x00 NUL\x00", `"a rocket \\xf0\\x9f\\x9a\\x80!\\x00 NUL\\x00"`, `"a rocket \\xf0\\x9f\\x9a\\x80!\\x00 NUL\\x00"`, `"a rocket 🚀!\udb80\udc00 NUL\udb80\udc00"`},
	{"a rocket \xf0\x9f\x9a\x80!", `"a rocket 🚀!"`, `"a rocket 🚀!"`, `"a rocket 🚀!"`},
	{"a rocket \xf0\x9f\x9a\x80!\x00 NUL\x00", `"a rocket \\xf0\\x9f\\x9a\\x80!\\x00 NUL\\x00"`, `"a rocket \\xf0\\x9f\\x9a\\x80!\\x00 NUL\\x00"`, `"a rocket 🚀!\udb80\udc00 NUL\udb80\udc00"`},
	{"half-a-rocket rocket \xf0\x9f!", `"half-a-rocket rocket \\xf0\\x9f!"`, `"half-a-rocket rocket \\xf0\\x9f!"`, `"half-a-rocket rocket \udb80\udcf0\udb80\udc9f!"`},
	{"half-a-rocket rocket \xf0\x9f!\x00 NUL\x00", `"half-a-rocket rocket \\xf0\\x9f!\\x00 NUL\\x00"`, `"half-a-rocket rocket \\xf0\\x9f!\\x00 NUL\\x00"`, `"half-a-rocket rocket \udb80\udcf0\udb80\udc9f!\udb80\udc00 NUL\udb80\udc00"`},
	{"half-a-rocket rocket \xf0\x9f and a rocket\xf0\x9f\x9a\x80!", `"half-a-rocket rocket \\xf0\\x9f and a rocket\\xf0\\x9f\\x9a\\x80!"`, `"half-a-rocket rocket \\xf0\\x9f and a rocket\\xf0\\x9f\\x9a\\x80!"`, `"half-a-rocket rocket \udb80\udcf0\udb80\udc9f and a rocket🚀!"`},
	{"half-a-rocket rocket \xf0\x9f and a rocket\xf0\x9f\x9a\x80!\x00 NUL\x00", `"half-a-rocket rocket \\xf0\\x9f and a rocket\\xf0\\x9f\\x9a\\x80!\\x00 NUL\\x00"`, `"half-a-rocket rocket \\xf0\\x9f and a rocket\\xf0\\x9f\\x9a\\x80!\\x00 NUL\\x00"`, `"half-a-rocket rocket \udb80\udcf0\udb80\udc9f and a rocket🚀!\udb80\udc00 NUL\udb80\udc00"`},
	{"\a\b", `"\\x07\b"`, `"\\x07\\x08"`, `"\udb80\udc07\b"`},
	{"\\a=\a \\b=\b \\t=\t \\n=\n", `"\\a=\\x07 \\b=\b \\t=\t \\n=\n"`, `"\\\\a=\\x07 \\\\b=\\x08 \\\\t=\\x09 \\\\n=\\x0a"`, `"\\a=\udb80\udc07 \\b=\b \\t=\t \\n=\n"`},
}

func TestEscapePolicies(t *testing.T) {
	for _, tc := range escapeCases {
		for _, p := range []struct {
			policy EscapePolicy
			want   string
		}{{EscapeHex, tc.hex}, {EscapePUA, tc.pua}, {EscapeTSV, tc.tsv}} {
			if got := string(AppendString(nil, tc.in, p.policy)); got != p.want {
				t.Errorf("%v %q: got %s, want %s", p.policy, tc.in, got, p.want)
			}
		}
	}
}

// encodeAny encodes the struct value rec as one JSON line (without the
// newline).
func encodeAny(t testing.TB, rec any, o Options) string {
	t.Helper()
	p := reflect.New(reflect.TypeOf(rec))
	p.Elem().Set(reflect.ValueOf(rec))
	sc, err := schema.Compile(p.Type().Elem())
	if err != nil {
		t.Fatal(err)
	}
	v, err := sc.View(schema.ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := NewEncoder(o)
	if h := e.AppendHeader(nil, "x", v.Columns(), time.Now()); len(h) != 0 {
		t.Errorf("header %q", h)
	}
	if f := e.AppendFooter(nil, time.Now()); len(f) != 0 {
		t.Errorf("footer %q", f)
	}
	line := string(e.AppendRecord(nil, v, schema.RecordOfValue(p)))
	if !strings.HasSuffix(line, "\n") {
		t.Fatalf("line %q has no newline", line)
	}
	line = strings.TrimSuffix(line, "\n")
	if !strings.HasPrefix(line, `\x`) && !stdjson.Valid([]byte(line)) {
		t.Errorf("invalid JSON: %s", line)
	}
	return line
}

// allTypes follows Zeek's ascii-json.zeek test record.
type allTypes struct {
	B  bool             `zeek:"b"`
	I  int64            `zeek:"i"`
	E  string           `zeek:"e,enum"`
	C  uint64           `zeek:"c"`
	P  zeek.Port        `zeek:"p"`
	SN zeek.Subnet      `zeek:"sn"`
	A  zeek.Addr        `zeek:"a"`
	D  float64          `zeek:"d"`
	T  zeek.Time        `zeek:"t"`
	IV zeek.Interval    `zeek:"iv"`
	S  string           `zeek:"s"`
	SC []uint64         `zeek:"sc,set"`
	SS []string         `zeek:"ss,set"`
	SE []string         `zeek:"se,set"`
	VC []uint64         `zeek:"vc"`
	VE []string         `zeek:"ve"`
	O  zeek.Opt[string] `zeek:"o"`
}

func sampleAll() allTypes {
	return allTypes{
		B: true, I: -42, E: "SSH::LOG", C: 21, P: zeek.Port{Num: 123, Proto: zeek.ProtoTCP},
		SN: netip.MustParsePrefix("10.0.0.1/24"), A: netip.MustParseAddr("1.2.3.4"), D: 3.14,
		T: zeek.Time(1215620010*1e9 + 543210*1e3), IV: 100 * zeek.Second, S: "hurz",
		SC: []uint64{4, 2, 3, 1}, SS: []string{"CC", "BB", "AA"}, SE: []string{}, VC: []uint64{10, 20, 30},
	}
}

func TestAllTypes(t *testing.T) {
	// Zeek's baseline, with the masked time filled in.
	want := `{"b":true,"i":-42,"e":"SSH::LOG","c":21,"p":123,"sn":"10.0.0.0/24","a":"1.2.3.4","d":3.14,` +
		`"t":1215620010.54321,"iv":100.0,"s":"hurz","sc":[4,2,3,1],"ss":["CC","BB","AA"],"se":[],` +
		`"vc":[10,20,30],"ve":[]}`
	if got := encodeAny(t, sampleAll(), DefaultOptions()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	o := DefaultOptions()
	o.IncludeUnset = true
	if got := encodeAny(t, sampleAll(), o); got != strings.TrimSuffix(want, "}")+`,"o":null}` {
		t.Errorf("with unset fields: %s", got)
	}
}

// TestOptional follows Zeek's ascii-json-optional.zeek.
func TestOptional(t *testing.T) {
	type info struct {
		TS  zeek.Opt[zeek.Time] `zeek:"ts"`
		Msg zeek.Opt[string]    `zeek:"msg"`
	}
	r := info{Msg: zeek.Some("Testing 1 2 3 ")}
	if got := encodeAny(t, r, DefaultOptions()); got != `{"msg":"Testing 1 2 3 "}` {
		t.Errorf("got %s", got)
	}
	o := DefaultOptions()
	o.IncludeUnset = true
	if got := encodeAny(t, r, o); got != `{"ts":null,"msg":"Testing 1 2 3 "}` {
		t.Errorf("with unset fields: %s", got)
	}
	if got := encodeAny(t, info{}, DefaultOptions()); got != `{}` {
		t.Errorf("all unset: %s", got)
	}
}

// TestISOTimestamps follows Zeek's ascii-json-iso-timestamps.zeek.
func TestISOTimestamps(t *testing.T) {
	type rec struct {
		T zeek.Time `zeek:"t"`
	}
	o := DefaultOptions()
	o.Timestamps = TSISO8601
	at := func(s string, d zeek.Interval) zeek.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return zeek.Time(tm.UnixNano()).Add(d)
	}
	for _, tc := range []struct {
		t    zeek.Time
		want string
	}{
		{at("2008-07-09T16:13:30Z", 5432100), "2008-07-09T16:13:30.005432Z"},
		{at("1986-12-01T01:01:01Z", 900*zeek.Millisecond), "1986-12-01T01:01:01.900000Z"},
		{at("1970-01-01T00:00:00Z", -400*zeek.Millisecond), "1969-12-31T23:59:59.600000Z"},
		{at("1970-01-01T00:00:00Z", -500*zeek.Millisecond), "1969-12-31T23:59:59.500000Z"},
		{at("1970-01-01T00:00:00Z", -600*zeek.Millisecond), "1969-12-31T23:59:59.400000Z"},
		{at("1970-01-01T00:00:00Z", -1000*zeek.Millisecond), "1969-12-31T23:59:59.000000Z"},
		{at("1970-01-01T00:00:00Z", -1400*zeek.Millisecond), "1969-12-31T23:59:58.600000Z"},
		{at("1970-01-01T00:00:00Z", -1500*zeek.Millisecond), "1969-12-31T23:59:58.500000Z"},
		{at("1970-01-01T00:00:00Z", -1600*zeek.Millisecond), "1969-12-31T23:59:58.400000Z"},
		{at("1970-01-01T00:00:00Z", -99*zeek.Second), "1969-12-31T23:58:21.000000Z"},
	} {
		if got := encodeAny(t, rec{tc.t}, o); got != `{"t":"`+tc.want+`"}` {
			t.Errorf("%d: got %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestTimestampFormats(t *testing.T) {
	type rec struct {
		T zeek.Time `zeek:"t"`
	}
	for _, tc := range []struct {
		f    TimestampFormat
		t    zeek.Time
		want string
	}{
		{TSEpoch, 1237440095585864000, "1237440095.585864"},
		{TSEpoch, 1270318145825158000, "1270318145.8251581"}, // Grisu2 digits
		{TSEpoch, 0, "0.0"},
		{TSMillis, 1237440095585864000, "1237440095585"},
		{TSMillis, -1500 * 1e6, "-1500"},
		{TSMillisUnsigned, -1500 * 1e6, "18446744073709550116"},
		// Zeek's ascii-negative-ts.zeek: 1960-01-01.
		{TSEpoch, -315619200 * 1e9, "-315619200.0"},
		{TSMillis, -315619200 * 1e9, "-315619200000"},
		{TSMillisUnsigned, -315619200 * 1e9, "18446743758090351616"},
		{TSISO8601, -315619200 * 1e9, `"1960-01-01T00:00:00.000000Z"`},
	} {
		o := DefaultOptions()
		o.Timestamps = tc.f
		if got := encodeAny(t, rec{tc.t}, o); got != `{"t":`+tc.want+`}` {
			t.Errorf("%v %d: got %s, want %s", tc.f, tc.t, got, tc.want)
		}
	}
	for _, s := range []string{"JSON::TS_EPOCH", "TS_MILLIS", "JSON::TS_MILLIS_UNSIGNED", "TS_ISO8601"} {
		f, err := ParseTimestampFormat(s)
		if err != nil || !strings.HasSuffix(f.String(), s) {
			t.Errorf("ParseTimestampFormat(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseTimestampFormat("TS_NOPE"); err == nil {
		t.Error("bad format accepted")
	}
	for _, s := range []string{"JSON::STRING_ESCAPE_POLICY_HEX", "STRING_ESCAPE_POLICY_PUA", "STRING_ESCAPE_POLICY_TSV"} {
		p, err := ParseEscapePolicy(s)
		if err != nil || !strings.HasSuffix(p.String(), s) {
			t.Errorf("ParseEscapePolicy(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParseEscapePolicy("X"); err == nil {
		t.Error("bad policy accepted")
	}
}

func TestValues(t *testing.T) {
	type rec struct {
		D  float64            `zeek:"d"`
		IV zeek.Interval      `zeek:"iv"`
		E  zeek.Proto         `zeek:"e,enum"`
		S  string             `zeek:"s"`
		V6 zeek.Addr          `zeek:"v6"`
		VD []float64          `zeek:"vd"`
		VA []zeek.Addr        `zeek:"va"`
		OS zeek.Opt[[]string] `zeek:"os"`
		N  zeek.Addr          `zeek:"n"`
	}
	r := rec{
		D: math.NaN(), IV: 1104135 * zeek.Microsecond, E: zeek.ProtoUDP, S: "quote\" \\ \x07",
		V6: netip.MustParseAddr("2001:DB8::1"), VD: []float64{math.Inf(1), 1e21, 0.1},
		VA: []zeek.Addr{{}, netip.MustParseAddr("::ffff:1.2.3.4")}, OS: zeek.Some([]string(nil)),
	}
	o := DefaultOptions()
	want := `{"d":null,"iv":1.104135,"e":"udp","s":"quote\" \\ \\x07","v6":"2001:db8::1",` +
		`"vd":[null,1e21,0.1],"va":[null,"1.2.3.4"],"os":[]}`
	if got := encodeAny(t, r, o); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	o.EscapePolicy = EscapePUA
	type enums struct {
		E string `zeek:"e,enum"`
		S string `zeek:"s"`
	}
	if got := encodeAny(t, enums{"\x07", "\x07"}, o); got != `{"e":"\\x07","s":"\udb80\udc07"}` {
		t.Errorf("enum under PUA: %s", got)
	}
	o = DefaultOptions()
	o.MetaPrefix = "{"
	if got := encodeAny(t, enums{"a", "b"}, o); got != `\x7b"e":"a","s":"b"}` {
		t.Errorf("meta prefix: %s", got)
	}
}

func BenchmarkEncodeConnLike(b *testing.B) {
	type id struct {
		OrigH zeek.Addr `zeek:"orig_h"`
		OrigP zeek.Port `zeek:"orig_p"`
		RespH zeek.Addr `zeek:"resp_h"`
		RespP zeek.Port `zeek:"resp_p"`
	}
	type conn struct {
		TS       zeek.Time               `zeek:"ts"`
		UID      string                  `zeek:"uid"`
		ID       id                      `zeek:"id"`
		Proto    zeek.Proto              `zeek:"proto,enum"`
		Service  zeek.Opt[string]        `zeek:"service"`
		Duration zeek.Opt[zeek.Interval] `zeek:"duration"`
		Bytes    [6]uint64               `zeek:"-"`
		OB       uint64                  `zeek:"orig_bytes"`
		RB       uint64                  `zeek:"resp_bytes"`
		State    string                  `zeek:"conn_state"`
		History  string                  `zeek:"history"`
		Parents  zeek.Opt[[]string]      `zeek:"tunnel_parents,set"`
	}
	c := conn{
		TS: 1237440095585864000, UID: "C0QBQT28uhQMLvar9f",
		ID:    id{netip.MustParseAddr("192.168.3.103"), zeek.Port{Num: 54102}, netip.MustParseAddr("128.146.216.51"), zeek.Port{Num: 80}},
		Proto: zeek.ProtoTCP, Service: zeek.Some("http"), Duration: zeek.Some(zeek.Interval(1104135000)),
		OB: 2222, RB: 61102, State: "SF", History: "ShADadfF",
	}
	sc, _ := schema.For[conn]()
	v, _ := sc.View(schema.ViewOptions{})
	e := NewEncoder(DefaultOptions())
	r := schema.RecordOf(&c)
	buf := e.AppendRecord(nil, v, r)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for i := 0; i < b.N; i++ {
		buf = e.AppendRecord(buf[:0], v, r)
	}
}

// TestSeconds: an interval computed as Zeek does (the difference of two
// packet times) keeps the rounding noise Zeek's JSON shows.
func TestSeconds(t *testing.T) {
	type rec struct {
		D float64 `zeek:"duration,interval"`
		T float64 `zeek:"ts,time"`
	}
	start := 1237440095 + 585864/1e6
	end := 1237440096 + 689999/1e6
	r := rec{D: end - start, T: start}
	if got := encodeAny(t, r, DefaultOptions()); got != `{"duration":1.1041350364685059,"ts":1237440095.585864}` {
		t.Errorf("got %s", got)
	}
	o := DefaultOptions()
	o.Timestamps = TSMillis
	if got := encodeAny(t, r, o); got != `{"duration":1.1041350364685059,"ts":1237440095585}` {
		t.Errorf("millis: got %s", got)
	}
}
