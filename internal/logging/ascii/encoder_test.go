package ascii

import (
	"bufio"
	"math"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// encodeAny encodes the struct value rec as one record line (without the
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
	line := string(NewEncoder(o).AppendRecord(nil, v, schema.RecordOfValue(p)))
	if !strings.HasSuffix(line, "\n") {
		t.Fatalf("line %q has no newline", line)
	}
	return strings.TrimSuffix(line, "\n")
}

type strRec struct {
	S string `zeek:"s"`
}

type strSetRec struct {
	SS []string `zeek:"ss,set"`
}

func utf8Off() Options {
	o := DefaultOptions()
	o.EnableUTF8 = false
	return o
}

func TestStringEscaping(t *testing.T) {
	def := DefaultOptions()
	pipes := DefaultOptions()
	pipes.Separator = "||"
	for _, tc := range []struct {
		name string
		in   string
		o    Options
		want string
	}{
		// Zeek testing/btest/.../logging/ascii-escape.zeek (separator "||").
		{"separator in value", "fa||ure", pipes, `fa\x7c\x7cure`},
		{"separator prefix", "a|b", pipes, "a|b"},
		// ascii-escape-binary.zeek (enable_utf_8=F).
		{"nul", "AB\x00CD\x00", utf8Off(), `AB\x00CD\x00`},
		{"high byte", "AB\xffCD\x00", utf8Off(), `AB\xffCD\x00`},
		{"literal backslash x", `AB\xffCD` + "\x00", utf8Off(), `AB\\xffCD\x00`},
		{"space", " ", utf8Off(), " "},
		{"utf8 off", "foo \xc2\xae bar \\xc2\\xae baz", utf8Off(), `foo \xc2\xae bar \\xc2\\xae baz`},
		{"nul and backslash zero", "foo\x00bar\\0baz", utf8Off(), `foo\x00bar\\0baz`},
		{"shift out", "foo \x0e bar ^N baz", utf8Off(), `foo \x0e bar ^N baz`},
		// ascii-utf8-enabled.zeek and friends.
		{"utf8 2 bytes", "foo \xc2\xae bar", def, "foo \xc2\xae bar"},
		{"utf8 3 bytes", "दुनिया को नमस्ते", def, "दुनिया को नमस्ते"},
		{"utf8 4 bytes", "hello 𠜎", def, "hello 𠜎"},
		{"utf8 controls", "foo \n\t\x00 bar", def, `foo \x0a\x09\x00 bar`},
		// One bad byte escapes the valid characters of its run too.
		{"utf8 with bad byte", "é\x01", def, `\xc3\xa9\x01`},
		{"utf8 runs split by separator", "é\tx\x01", def, `é\x09x\x01`},
		{"utf8 runs split by backslash", "é\\\x01", def, `é\\\x01`},
		{"utf8 truncated", "a\xf0\x9f!", def, `a\xf0\x9f!`},
		{"utf8 surrogate", "\xed\xa0\x80", def, `\xed\xa0\x80`},
		{"utf8 overlong", "\xc0\x81", def, `\xc0\x81`},
		{"utf8 C1 control", "\xc2\x85", def, `\xc2\x85`},
		{"utf8 private use", "\xee\x80\x80", def, `\xee\x80\x80`},
		{"utf8 replacement char", "\xef\xbf\xbd", def, `\xef\xbf\xbd`},
		{"utf8 DEL", "a\x7f", def, `a\x7f`},
		{"tab", "a\tb", def, `a\x09b`},
		{"newline", "a\nb", def, `a\x0ab`},
		{"backslash", `a\b`, def, `a\\b`},
		{"comma outside sets", "a,b", def, "a,b"},
		// ascii-escape-notset-str.zeek: reserved values.
		{"unset mark", "-", def, `\x2d`},
		{"empty mark", "(empty)", def, `\x28empty)`},
		{"empty string", "", def, "(empty)"},
		{"dash prefix", "-x", def, "-x"},
		// A line starting with the meta prefix.
		{"meta prefix", "#x", def, `\x23x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := encodeAny(t, strRec{tc.in}, tc.o); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSetEscaping(t *testing.T) {
	emptyMark := DefaultOptions()
	emptyMark.EmptyField = "EMPTY"
	utf8Sep := DefaultOptions()
	utf8Sep.SetSeparator = "\xc2\xae"
	for _, tc := range []struct {
		name string
		in   []string
		o    Options
		want string
	}{
		// ascii-escape-set-separator.zeek.
		{"set separator in elements", []string{"AA", ",", ",,", "CC"}, DefaultOptions(), `AA,\x2c,\x2c\x2c,CC`},
		// ascii-escape-empty-str.zeek.
		{"element equal to empty mark", []string{"EMPTY"}, emptyMark, `\x45MPTY`},
		// ascii-utf8-enabled-set-separator-escape.zeek.
		{"utf8 set separator", []string{"\xc2\xae"}, utf8Sep, `\xc2\xae`},
		{"empty set", []string{}, DefaultOptions(), "(empty)"},
		{"nil set", nil, DefaultOptions(), "(empty)"},
		{"empty element", []string{"", "a"}, DefaultOptions(), "(empty),a"},
		{"unset mark element", []string{"-"}, DefaultOptions(), `\x2d`},
		{"tab element", []string{"a\tb"}, DefaultOptions(), `a\x09b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := encodeAny(t, strSetRec{tc.in}, tc.o); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSeparatorQuirk: with the set separator equal to the field separator,
// Zeek stops escaping the field separator after the first non-empty set
// (removing the set separator from its escape set removes both). Only a
// printable separator shows it; a tab stays escaped as a control byte.
func TestSeparatorQuirk(t *testing.T) {
	type rec struct {
		A string   `zeek:"a"`
		S []string `zeek:"s"`
		B string   `zeek:"b"`
	}
	o := DefaultOptions()
	o.Separator, o.SetSeparator = "|", "|"
	sc, _ := schema.For[rec]()
	v, _ := sc.View(schema.ViewOptions{})
	e := NewEncoder(o)
	r := rec{A: "x|y", S: []string{"p|q", "r"}, B: "u|v"}
	got := string(e.AppendRecord(nil, v, schema.RecordOf(&r)))
	want := `x\x7cy|p\x7cq|r|u|v` + "\n"
	if got != want {
		t.Errorf("first record %q, want %q", got, want)
	}
	got = string(e.AppendRecord(nil, v, schema.RecordOf(&r)))
	want = `x|y|p\x7cq|r|u|v` + "\n"
	if got != want {
		t.Errorf("second record %q, want %q", got, want)
	}
}

type allTypes struct {
	B   bool                `zeek:"b"`
	I   int64               `zeek:"i"`
	I8  int8                `zeek:"i8"`
	C   uint64              `zeek:"c"`
	C16 uint16              `zeek:"c16"`
	D   float64             `zeek:"d"`
	F   float32             `zeek:"f"`
	T   zeek.Time           `zeek:"t"`
	IV  zeek.Interval       `zeek:"iv"`
	S   string              `zeek:"s"`
	BS  []byte              `zeek:"bs"`
	E   zeek.Proto          `zeek:"e,enum"`
	ES  string              `zeek:"es,enum"`
	P   zeek.Port           `zeek:"p"`
	A   zeek.Addr           `zeek:"a"`
	SN  zeek.Subnet         `zeek:"sn"`
	SC  []uint64            `zeek:"sc,set"`
	VS  []string            `zeek:"vs"`
	VI  []zeek.Interval     `zeek:"vi"`
	SA  []zeek.Addr         `zeek:"sa,set"`
	SE  []zeek.Proto        `zeek:"se,set,enum"`
	O   zeek.Opt[string]    `zeek:"o"`
	OU  zeek.Opt[uint64]    `zeek:"ou"`
	OV  zeek.Opt[[]string]  `zeek:"ov"`
	Z   zeek.Addr           `zeek:"z"` // zero: unset
	NL  zeek.Opt[[]float64] `zeek:"nl"`
}

func TestAllTypes(t *testing.T) {
	r := allTypes{
		B: true, I: -42, I8: -8, C: 21, C16: 65535, D: 3.14, F: 0.5,
		T:  zeek.Time(1215620010*1e9 + 543210*1e3),
		IV: 100 * zeek.Second,
		S:  "hurz", BS: []byte("by\ttes"), E: zeek.ProtoTCP, ES: "SSH::LOG",
		P: zeek.Port{Num: 123, Proto: zeek.ProtoTCP},
		A: netip.MustParseAddr("1.2.3.4"), SN: netip.MustParsePrefix("10.0.0.1/24"),
		SC: []uint64{1, 2, 3, 4}, VS: []string{}, VI: []zeek.Interval{zeek.Millisecond, -zeek.Microsecond},
		SA: []zeek.Addr{netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("::ffff:10.0.0.1")},
		SE: []zeek.Proto{zeek.ProtoUDP, zeek.ProtoICMP},
		O:  zeek.Some(""), OV: zeek.Some([]string{"a", "b"}),
	}
	got := encodeAny(t, r, DefaultOptions())
	want := strings.Join([]string{
		"T", "-42", "-8", "21", "65535", "3.14", "0.5",
		"1215620010.543210", "100.000000", "hurz", `by\x09tes`, "tcp", "SSH::LOG",
		"123", "1.2.3.4", "10.0.0.0/24", "1,2,3,4", "(empty)", "0.001000,-0.000001",
		"2001:db8::1,10.0.0.1", "udp,icmp", "(empty)", "-", "a,b", "-", "-",
	}, "\t")
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestHeader(t *testing.T) {
	type id struct {
		OrigH zeek.Addr `zeek:"orig_h"`
		OrigP zeek.Port `zeek:"orig_p"`
	}
	type rec struct {
		TS      zeek.Time `zeek:"ts"`
		ID      id        `zeek:"id"`
		Parents []string  `zeek:"tunnel_parents,set"`
		Proto   string    `zeek:"proto,enum"`
	}
	sc, _ := schema.For[rec]()
	v, _ := sc.View(schema.ViewOptions{})
	open := time.Date(2026, 11, 27, 3, 11, 0, 0, time.UTC)
	want := "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
		"#open\t2026-11-27-03-11-00\n#fields\tts\tid.orig_h\tid.orig_p\ttunnel_parents\tproto\n" +
		"#types\ttime\taddr\tport\tset[string]\tenum\n"
	e := NewEncoder(DefaultOptions())
	if got := string(e.AppendHeader(nil, "conn", v.Columns(), open)); got != want {
		t.Errorf("header\n%q\nwant\n%q", got, want)
	}
	if got := string(e.AppendFooter(nil, open.Add(time.Hour))); got != "#close\t2026-11-27-04-11-00\n" {
		t.Errorf("footer %q", got)
	}

	o := DefaultOptions()
	o.Separator, o.SetSeparator, o.UnsetField = " ", "\xc2\xae", "\\"
	want = "#separator \\x20\n#set_separator \\xc2\\xae\n#empty_field (empty)\n#unset_field \\\n#path a\\x20b\n"
	if got := string(NewEncoder(o).AppendHeader(nil, "a b", v.Columns(), open)); !strings.HasPrefix(got, want) {
		t.Errorf("escaped header\n%q\nwant prefix\n%q", got, want)
	}

	o = DefaultOptions()
	o.TSV = true
	e = NewEncoder(o)
	if got := string(e.AppendHeader(nil, "conn", v.Columns(), open)); got != "ts\tid.orig_h\tid.orig_p\ttunnel_parents\tproto\n" {
		t.Errorf("TSV header %q", got)
	}
	if got := e.AppendFooter(nil, open); len(got) != 0 {
		t.Errorf("TSV footer %q", got)
	}
	o = DefaultOptions()
	o.IncludeMeta = false
	if got := NewEncoder(o).AppendHeader(nil, "conn", v.Columns(), open); len(got) != 0 {
		t.Errorf("header without meta %q", got)
	}
}

func TestAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1.2.3.4", "1.2.3.4"},
		{"::ffff:1.2.3.4", "1.2.3.4"}, // Zeek treats v4-mapped as IPv4
		{"::1.2.3.4", "::1.2.3.4"},    // IPv4-compatible
		{"::ffff:0:1.2.3.4", "::ffff:0:1.2.3.4"},
		{"::", "::"},
		{"::1", "::1"},
		{"::0.0.1.2", "::102"},
		{"1::", "1::"},
		{"2001:DB8::1", "2001:db8::1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{"fe80::1%eth0", "fe80::1"},
	} {
		a := netip.MustParseAddr(tc.in)
		if got := string(zeek.AppendAddr(nil, a)); got != tc.want {
			t.Errorf("AppendAddr(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"10.0.0.1/24", "10.0.0.0/24"},
		{"2001:db8::1/32", "2001:db8::/32"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"0.0.0.0/0", "0.0.0.0/0"},
	} {
		p := netip.MustParsePrefix(tc.in)
		if got := string(zeek.AppendSubnet(nil, p)); got != tc.want {
			t.Errorf("AppendSubnet(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Plain IPv6 addresses print as RFC 5952, which netip follows too.
	x := uint64(0x1234567)
	for i := 0; i < 20000; i++ {
		var b [16]byte
		for j := range b {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if x&3 != 0 {
				b[j] = byte(x >> 8)
			}
		}
		a := netip.AddrFrom16(b)
		w := [8]uint16{}
		for j := range w {
			w[j] = uint16(b[2*j])<<8 | uint16(b[2*j+1])
		}
		if a.Is4In6() || (w[0]|w[1]|w[2]|w[3]|w[4]|w[5]) == 0 || (w[0]|w[1]|w[2]|w[3]) == 0 && w[4] == 0xffff && w[5] == 0 {
			continue
		}
		if got := string(zeek.AppendAddr(nil, a)); got != a.String() {
			t.Fatalf("AppendAddr(%s) = %q", a, got)
		}
	}
}

// TestDoubleVectors checks AppendDouble against Zeek's rendering, and the
// six-decimal fallback against std::to_chars, for the doubles in
// ../testdata/doubles.tsv.
func TestDoubleVectors(t *testing.T) {
	f, err := os.Open("../testdata/doubles.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 || cols[3] == "*" {
			continue
		}
		bits, _ := strconv.ParseUint(cols[0], 16, 64)
		d := math.Float64frombits(bits)
		n++
		if got := string(AppendDouble(nil, d)); got != cols[3] {
			t.Errorf("AppendDouble(%v) = %q, want %q", d, got, cols[3])
		}
		if math.IsNaN(d) || math.IsInf(d, 0) {
			continue
		}
		if got := strconv.FormatFloat(d, 'f', 6, 64); got != cols[2] {
			t.Errorf("fixed6(%v) = %q, want %q", d, got, cols[2])
		}
	}
	if n < 1000 {
		t.Fatalf("only %d vectors", n)
	}
}

// TestTimeFastPath checks that printing times and intervals from their
// nanoseconds gives what Zeek prints for the corresponding double.
func TestTimeFastPath(t *testing.T) {
	x := uint64(0xdeadbeef)
	next := func() int64 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int64(x >> 1)
	}
	for i := 0; i < 200000; i++ {
		v := next() % (9_000_000_000 * 1e9)
		switch i % 4 {
		case 0:
			v = v / 1000 * 1000 // microseconds
		case 1:
			v = v % (100 * 1e9) / 1000 * 1000 // short
		case 2:
			v = -(v % (10 * 1e9)) // negative, nanoseconds
		}
		tm := zeek.Time(v)
		if got, want := string(AppendTime(nil, tm)), strconv.FormatFloat(tm.Float(), 'f', 6, 64); got != want {
			t.Fatalf("AppendTime(%d) = %q, want %q", v, got, want)
		}
		iv := zeek.Interval(v)
		if got, want := string(AppendInterval(nil, iv)), strconv.FormatFloat(iv.Float(), 'f', 6, 64); got != want {
			t.Fatalf("AppendInterval(%d) = %q, want %q", v, got, want)
		}
	}
	for _, tc := range []struct {
		v    int64
		want string
	}{
		{0, "0.000000"},
		{1237440095585864000, "1237440095.585864"},
		{-1000, "-0.000001"},
		{-1, "-0.000000"},
		{1500, "0.000002"},
	} {
		if got := string(AppendTime(nil, zeek.Time(tc.v))); got != tc.want {
			t.Errorf("AppendTime(%d) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// connLike mirrors conn.log's columns.
type connLike struct {
	TS  zeek.Time `zeek:"ts"`
	UID string    `zeek:"uid"`
	ID  struct {
		OrigH zeek.Addr `zeek:"orig_h"`
		OrigP zeek.Port `zeek:"orig_p"`
		RespH zeek.Addr `zeek:"resp_h"`
		RespP zeek.Port `zeek:"resp_p"`
	} `zeek:"id"`
	Proto         zeek.Proto              `zeek:"proto,enum"`
	Service       zeek.Opt[string]        `zeek:"service"`
	Duration      zeek.Opt[zeek.Interval] `zeek:"duration"`
	OrigBytes     zeek.Opt[uint64]        `zeek:"orig_bytes"`
	RespBytes     zeek.Opt[uint64]        `zeek:"resp_bytes"`
	ConnState     zeek.Opt[string]        `zeek:"conn_state"`
	LocalOrig     zeek.Opt[bool]          `zeek:"local_orig"`
	LocalResp     zeek.Opt[bool]          `zeek:"local_resp"`
	MissedBytes   uint64                  `zeek:"missed_bytes"`
	History       zeek.Opt[string]        `zeek:"history"`
	OrigPkts      zeek.Opt[uint64]        `zeek:"orig_pkts"`
	OrigIPBytes   zeek.Opt[uint64]        `zeek:"orig_ip_bytes"`
	RespPkts      zeek.Opt[uint64]        `zeek:"resp_pkts"`
	RespIPBytes   zeek.Opt[uint64]        `zeek:"resp_ip_bytes"`
	TunnelParents zeek.Opt[[]string]      `zeek:"tunnel_parents,set"`
	IPProto       zeek.Opt[uint64]        `zeek:"ip_proto"`
}

func sampleConn() connLike {
	var c connLike
	c.TS = zeek.Time(1237440095585864000)
	c.UID = "C0QBQT28uhQMLvar9f"
	c.ID.OrigH = netip.MustParseAddr("192.168.3.103")
	c.ID.OrigP = zeek.Port{Num: 54102, Proto: zeek.ProtoTCP}
	c.ID.RespH = netip.MustParseAddr("128.146.216.51")
	c.ID.RespP = zeek.Port{Num: 80, Proto: zeek.ProtoTCP}
	c.Proto = zeek.ProtoTCP
	c.Service = zeek.Some("http")
	c.Duration = zeek.Some(zeek.Interval(1104135000))
	c.OrigBytes, c.RespBytes = zeek.Some[uint64](2222), zeek.Some[uint64](61102)
	c.ConnState = zeek.Some("SF")
	c.LocalOrig, c.LocalResp = zeek.Some(true), zeek.Some(false)
	c.History = zeek.Some("ShADadfF")
	c.OrigPkts, c.OrigIPBytes = zeek.Some[uint64](18), zeek.Some[uint64](2966)
	c.RespPkts, c.RespIPBytes = zeek.Some[uint64](48), zeek.Some[uint64](63026)
	c.IPProto = zeek.Some[uint64](6)
	return c
}

// TestConnRow reproduces a conn.log row of Zeek's baseline for
// http/100-continue.pcap.
func TestConnRow(t *testing.T) {
	want := "1237440095.585864\tC0QBQT28uhQMLvar9f\t192.168.3.103\t54102\t128.146.216.51\t80\ttcp\thttp\t1.104135\t2222\t61102\tSF\tT\tF\t0\tShADadfF\t18\t2966\t48\t63026\t-\t6"
	if got := encodeAny(t, sampleConn(), DefaultOptions()); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func BenchmarkEncodeConn(b *testing.B) {
	c := sampleConn()
	c.TunnelParents = zeek.Some([]string{"CjhGID4nQcgTWjvg4c"})
	sc, _ := schema.For[connLike]()
	v, _ := sc.View(schema.ViewOptions{})
	e := NewEncoder(DefaultOptions())
	buf := make([]byte, 0, 512)
	r := schema.RecordOf(&c)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = e.AppendRecord(buf[:0], v, r)
	}
	b.SetBytes(int64(len(buf)))
}

func TestEncodeConnAllocs(t *testing.T) {
	c := sampleConn()
	sc, _ := schema.For[connLike]()
	v, _ := sc.View(schema.ViewOptions{})
	e := NewEncoder(DefaultOptions())
	buf := make([]byte, 0, 512)
	r := schema.RecordOf(&c)
	if n := testing.AllocsPerRun(100, func() { buf = e.AppendRecord(buf[:0], v, r) }); n != 0 {
		t.Errorf("%v allocations per record", n)
	}
}

// TestSeconds covers times and intervals held as Zeek's doubles.
func TestSeconds(t *testing.T) {
	type rec struct {
		D  float64   `zeek:"duration,interval"`
		T  float64   `zeek:"ts,time"`
		VD []float64 `zeek:"rtts,interval"`
	}
	start := 1237440095 + 585864/1e6
	end := 1237440096 + 689999/1e6
	r := rec{D: end - start, T: start, VD: []float64{-1e-9, math.NaN(), math.Inf(-1)}}
	want := "1.104135\t1237440095.585864\t-0.000000,nan,-inf"
	if got := encodeAny(t, r, DefaultOptions()); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
