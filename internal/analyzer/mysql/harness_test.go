package mysql

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testHost is the host of an analyzer under test: it records what the
// analyzer reports.
type testHost struct {
	t          zeek.Time
	isPartial  bool
	confirms   int
	violations []string
	logs       []Info
	in         *at.Recorder
}

var t0 = zeek.Time(1_700_000_000 * zeek.Second)

func (h *testHost) now() zeek.Time { return h.t }
func (h *testHost) uid() string    { return "CTEST" }
func (h *testHost) connID() zeek.ConnID {
	return zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 3306, Proto: zeek.ProtoTCP},
	}
}
func (h *testHost) partial() bool           { return h.isPartial }
func (h *testHost) confirm()                { h.confirms++ }
func (h *testHost) violation(reason string) { h.violations = append(h.violations, reason) }
func (h *testHost) writeLog(rec *Info)      { h.logs = append(h.logs, *rec) }
func (h *testHost) inner() innerSession {
	h.in = &at.Recorder{}
	return h.in
}

// rig is an analyzer with its test host, a StreamSink for analyzertest.
type rig struct {
	*Analyzer
	h *testHost
}

func newRig() *rig {
	h := &testHost{t: t0}
	return &rig{Analyzer: newMySQL(h), h: h}
}

// summary renders everything the rig saw, after ending the analyzer.
func (r *rig) summary() []string {
	r.Done()
	var out []string
	for _, l := range r.h.logs {
		out = append(out, "mysql "+infoString(&l))
	}
	for _, v := range r.h.violations {
		out = append(out, "violation "+v)
	}
	out = append(out, fmt.Sprintf("confirms %d", r.h.confirms))
	if in := r.h.in; in != nil {
		out = append(out, fmt.Sprintf("tls orig=%q resp=%q gaps=%d ends=%d done=%v", in.Data[1], in.Data[0], in.Gaps, in.Ends, in.IsDone))
	}
	return out
}

func opt[T any](o zeek.Opt[T]) string {
	if !o.Set {
		return "-"
	}
	return fmt.Sprint(o.V)
}

func infoString(i *Info) string {
	return strings.Join([]string{i.Cmd, fmt.Sprintf("%q", i.Arg), opt(i.Success), opt(i.Rows), opt(i.Response)}, " ")
}

// Builders of MySQL packets.

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func le16b(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32b(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// pkt is a packet with its header.
func pkt(seq byte, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p)
}

// lenenc is a length-encoded string.
func lenenc(s string) []byte {
	if len(s) < 0xfb {
		return append([]byte{byte(len(s))}, s...)
	}
	return cat([]byte{0xfc}, le16b(uint16(len(s))), []byte(s))
}

const serverCaps = clientPluginAuth | clientSSL | clientConnectWithDB | clientConnectAttrs | 0x200

// greeting is a version 10 server greeting.
func greeting(caps uint32) []byte {
	return pkt(0, []byte{10}, []byte("8.0.33\x00"), le32b(7), []byte("abcdefgh"), []byte{0},
		le16b(uint16(caps)), []byte{0xff}, le16b(2), le16b(uint16(caps>>16)), []byte{21}, make([]byte, 10),
		[]byte("ijklmnopqrst\x00"), []byte("mysql_native_password\x00"))
}

// login is a version 10 handshake response.
func login(caps uint32, user, db string) []byte {
	b := cat(le32b(caps), le32b(1<<24), []byte{0xff}, make([]byte, 23))
	if caps&clientSSL != 0 {
		return pkt(1, b)
	}
	b = cat(b, []byte(user+"\x00"), lenenc("01234567890123456789"))
	if caps&clientConnectWithDB != 0 {
		b = cat(b, []byte(db+"\x00"))
	}
	if caps&clientPluginAuth != 0 {
		b = cat(b, []byte("mysql_native_password\x00"))
	}
	if caps&clientConnectAttrs != 0 {
		attrs := cat(lenenc("_os"), lenenc("Linux"), lenenc("_client_name"), lenenc("libmysql"))
		b = cat(b, []byte{byte(len(attrs))}, attrs)
	}
	return pkt(1, b)
}

func okPacket(seq byte, rows byte) []byte { return pkt(seq, []byte{0, rows, 0, 2, 0, 0, 0}) }
func errPacket(seq byte, code uint16, msg string) []byte {
	return pkt(seq, []byte{0xff}, le16b(code), []byte("#28000"), []byte(msg))
}
func eofPacket(seq byte) []byte         { return pkt(seq, []byte{0xfe, 0, 0, 2, 0}) }
func command(c byte, arg string) []byte { return pkt(0, []byte{c}, []byte(arg)) }

func columnDef(seq byte, name string) []byte {
	return pkt(seq, lenenc("def"), lenenc("db"), lenenc("t"), lenenc("t"), lenenc(name), lenenc(name),
		[]byte{0x0c}, le16b(33), le32b(64), []byte{0xfd}, le16b(0), []byte{0}, []byte{0, 0})
}

func row(seq byte, vals ...string) []byte {
	var b []byte
	for _, v := range vals {
		b = cat(b, lenenc(v))
	}
	return pkt(seq, b)
}

// resultSet is a two-column text result set with rows, the old style
// (EOF after the definitions and at the end).
func resultSet(rows ...[2]string) []byte {
	b := cat(pkt(1, []byte{2}), columnDef(2, "a"), columnDef(3, "b"), eofPacket(4))
	seq := byte(5)
	for _, r := range rows {
		b = cat(b, row(seq, r[0], r[1]))
		seq++
	}
	return cat(b, eofPacket(seq))
}

func o(b []byte) at.Chunk { return at.Chunk{Orig: true, Data: b} }
func r(b []byte) at.Chunk { return at.Chunk{Data: b} }
