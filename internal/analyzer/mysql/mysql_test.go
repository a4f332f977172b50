package mysql

import (
	"slices"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

const loginCaps = clientPluginAuth | clientConnectWithDB | clientConnectAttrs | 0x200

// conversation is a login, a query with a result set, a field list, an
// insert, a failing command, a change of user, a ping and a quit.
func conversation() []at.Chunk {
	return []at.Chunk{
		r(greeting(serverCaps)),
		o(login(loginCaps, "root", "test")),
		r(okPacket(2, 0)),
		o(command(comQuery, "select a, b from t")),
		r(resultSet([2]string{"1", "x"}, [2]string{"2", "y"})),
		o(command(comFieldList, "t\x00")),
		r(cat(columnDef(1, "a"), eofPacket(2))),
		o(command(comQuery, "insert into t values (3, 'z')")),
		r(okPacket(1, 1)),
		o(command(comInitDB, "nope")),
		r(errPacket(1, 1049, "Unknown database 'nope'")),
		o(command(comChangeUser, "bob\x00\x14"+strings.Repeat("p", 20)+"db\x00\x21\x00mysql_native_password\x00\x00")),
		r(okPacket(2, 0)),
		o(command(comPing, "")),
		r(okPacket(1, 0)),
		o(command(comQuit, "")),
	}
}

func TestConversation(t *testing.T) {
	got := at.SplitEvery(t, conversation(), newRig, (*rig).summary)
	want := []string{
		`mysql login "root" true 0 -`,
		`mysql query "select a, b from t" true 0 -`,
		`mysql field_list "t" true 0 -`,
		`mysql query "insert into t values (3, 'z')" true 1 -`,
		`mysql init_db "nope" false - Unknown database 'nope'`,
		`mysql change_user "bob" true 0 -`,
		`mysql ping "" true 0 -`,
		`mysql quit "" - - -`,
		"confirms 1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestDeprecateEOF: with CLIENT_DEPRECATE_EOF a result set ends with an
// OK packet (marked 0xfe) and has no EOF after its columns.
func TestDeprecateEOF(t *testing.T) {
	caps := uint32(loginCaps | clientDeprecateEOF)
	conv := []at.Chunk{
		r(greeting(serverCaps | clientDeprecateEOF)),
		o(login(caps, "root", "test")),
		r(okPacket(2, 0)),
		o(command(comQuery, "select a, b")),
		r(cat(pkt(1, []byte{2}), columnDef(2, "a"), columnDef(3, "b"), row(4, "1", "2"),
			pkt(5, []byte{0xfe, 0, 0, 2, 0, 0, 0}))),
		o(command(comQuery, "select 1")),
		r(okPacket(1, 0)),
	}
	got := at.SplitEvery(t, conv, newRig, (*rig).summary)
	want := []string{
		`mysql login "root" true 0 -`,
		`mysql query "select a, b" true 0 -`,
		`mysql query "select 1" true 0 -`,
		"confirms 1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestTLS: an SSL request hands the connection to TLS; no login is
// logged.
func TestTLS(t *testing.T) {
	conv := []at.Chunk{
		r(greeting(serverCaps)),
		o(login(loginCaps|clientSSL, "", "")),
		o([]byte("\x16\x03\x01client hello")),
		r([]byte("\x16\x03\x03server hello")),
		at.Gap(false, 3),
		at.End(true),
	}
	got := at.SplitEvery(t, conv, newRig, (*rig).summary)
	want := []string{
		"confirms 1",
		`tls orig="\x16\x03\x01client hello" resp="\x16\x03\x03server hello" gaps=3 ends=1 done=true`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestTLSTakesEffectPerDelivery: bytes after the SSL request in the same
// delivery are still parsed as MySQL, as in Zeek.
func TestTLSTakesEffectPerDelivery(t *testing.T) {
	rg := newRig()
	rg.DeliverStream(greeting(serverCaps), false)
	rg.DeliverStream(cat(login(loginCaps|clientSSL, "", ""), []byte("\x16\x03\x01\x00\x05hello")), true)
	rg.Done()
	if rg.h.in == nil || len(rg.h.in.Data[1]) != 0 {
		t.Fatalf("TLS stream got %q", rg.h.in.Data[1])
	}
}

func TestLoginFailed(t *testing.T) {
	rg := newRig()
	at.Play(rg, []at.Chunk{
		r(greeting(serverCaps)),
		o(login(loginCaps, "dsm1", "")),
		r(pkt(2, []byte{0xfe}, []byte("caching_sha2_password\x00"), []byte("01234567890123456789\x00"))),
		o(pkt(3, []byte("scrambled"))),
		r(errPacket(4, 1045, "Access denied for user 'dsm1'")),
	})
	got := rg.summary()
	want := []string{`mysql login "dsm1" false - Access denied for user 'dsm1'`, "confirms 1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCommandNames(t *testing.T) {
	for c, want := range map[uint8]string{0: "sleep", 3: "query", 0x1f: "reset_connection", 0x20: "unknown-32", 0xff: "unknown-255"} {
		if got := commandName(c); got != want {
			t.Errorf("commandName(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const pre = "Binpac exception: binpac exception: "
	cases := []struct {
		name string
		conv []at.Chunk
		want string
	}{
		{"greeting without NUL", []at.Chunk{r(pkt(0, []byte{10}, []byte("8.0")))},
			"string mismatch at src/analyzer/protocol/mysql/mysql-protocol.pac:339: \nexpected pattern: \"[^\\0]*\\0\"\nactual data: \"8.0\""},
		{"greeting cut", []at.Chunk{r(pkt(0, []byte{10}, []byte("8\x00"), le32b(1), []byte("abc")))},
			"out_of_bound: Handshake_v10:auth_plugin_data_part_1: 14 > 9"},
		{"auth data length", []at.Chunk{r(pkt(0, []byte{10}, []byte("8\x00"), le32b(1), make([]byte, 8), []byte{0, 0, 0, 0, 0, 0, 0, 0, 5}, make([]byte, 10)))},
			"&enforce violation : Handshake_v10:auth_plugin_data_len"},
		{"response short", []at.Chunk{r(greeting(serverCaps)), o(pkt(1, make([]byte, 10)))},
			"out_of_bound: Handshake_Response_Packet_v10:pad: 32 > 10"},
		{"response version", []at.Chunk{r(pkt(0, []byte{9}, []byte("8\x00"), le32b(1), []byte("s\x00"))), o(pkt(1, make([]byte, 3)))},
			"out_of_bound: Handshake_Response_Packet_v9:max_pkt_size: 5 > 3"},
		{"no greeting", []at.Chunk{o(login(loginCaps, "x", "y"))}, "invalid index for case: Handshake_Response_Packet: 0"},
		{"password length", []at.Chunk{r(greeting(serverCaps)), o(pkt(1, le32b(0), le32b(0), make([]byte, 24), []byte("u\x00"), []byte{30, 1}))},
			"out_of_bound: LengthEncodedString:val: 31 > 2"},
		{"err short", []at.Chunk{r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(pkt(2, []byte{0xff, 1, 0, '#'}))},
			"out_of_bound: ERR_Packet:state: 8 > 3"},
		{"unknown phase packet", []at.Chunk{r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(pkt(2, []byte{0x42}))},
			"invalid index for case: Server_Connection_Phase_Packets: 66"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rg := newRig()
			at.Play(rg, c.conv)
			if len(rg.h.violations) != 1 || rg.h.violations[0] != pre+c.want {
				t.Errorf("violations = %q\nwant %q", rg.h.violations, pre+c.want)
			}
		})
	}
}

// TestRowsWithoutColumns: a row when the column count is 0 has -1
// fields, which binpac reports as out of bound.
func TestRowsWithoutColumns(t *testing.T) {
	rg := newRig()
	p := &rg.p
	p.state, p.expected, p.colCount = commandPhase, expectResultset, 0
	err := p.packet(row(1, "x"), false)
	if err == nil || err.Error() != "out_of_bound: ResultsetRow:fields: -1 > 1" {
		t.Errorf("err = %v", err)
	}
}

// TestBufferLimit: a packet larger than binpac's buffer fails as it
// fails in Zeek, and the buffer never grows past the limit.
func TestBufferLimit(t *testing.T) {
	rg := newRig()
	rg.DeliverStream(greeting(serverCaps), false)
	rg.DeliverStream([]byte{0xff, 0xff, 0xff, 1}, true)
	chunk := make([]byte, 1448)
	for range 8000 {
		rg.DeliverStream(chunk, true)
		if cap(rg.flows[1].buf) > 2*maxCapacity {
			t.Fatalf("buffer capacity %d", cap(rg.flows[1].buf))
		}
		if len(rg.h.violations) > 0 {
			break
		}
	}
	if len(rg.h.violations) != 1 || !strings.Contains(rg.h.violations[0], "flowbuffer allocation failed: expand past max capacity ") {
		t.Fatalf("violations = %q", rg.h.violations)
	}
}

// TestPartialIgnored: connections without their handshake are not
// analysed.
func TestPartialIgnored(t *testing.T) {
	rg := newRig()
	rg.h.isPartial = true
	at.Play(rg, conversation())
	if got := rg.summary(); !slices.Equal(got, []string{"confirms 0"}) {
		t.Fatalf("got %q", got)
	}
}

// TestRowsNoAllocs: result rows parse without allocating.
func TestRowsNoAllocs(t *testing.T) {
	rg := newRig()
	at.Play(rg, []at.Chunk{
		r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(okPacket(2, 0)),
		o(command(comQuery, "q")), r(cat(pkt(1, []byte{2}), columnDef(2, "a"), columnDef(3, "b"), eofPacket(4))),
	})
	rows := cat(row(5, "12345", "some text"), row(6, "67890", "more text"))
	if n := testing.AllocsPerRun(100, func() { rg.DeliverStream(rows, false) }); n != 0 {
		t.Errorf("%v allocations per delivery", n)
	}
	if len(rg.h.violations) != 0 {
		t.Fatalf("violations %q", rg.h.violations)
	}
}

func BenchmarkConversation(b *testing.B) {
	conv := conversation()
	b.ReportAllocs()
	for b.Loop() {
		rg := newRig()
		at.Play(rg, conv)
		rg.Done()
	}
}

func BenchmarkRows(b *testing.B) {
	rg := newRig()
	at.Play(rg, []at.Chunk{
		r(greeting(serverCaps)), o(login(loginCaps, "u", "d")), r(okPacket(2, 0)),
		o(command(comQuery, "q")), r(cat(pkt(1, []byte{2}), columnDef(2, "a"), columnDef(3, "b"), eofPacket(4))),
	})
	var rows []byte
	for i := range 20 {
		rows = cat(rows, row(byte(5+i), "12345", "some text of a row"))
	}
	b.SetBytes(int64(len(rows)))
	b.ReportAllocs()
	for b.Loop() {
		rg.DeliverStream(rows, false)
	}
}
