package rdp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf16"

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
	weirds     []string
	logs       []Info
	certs      int
	timers     []timer
	in         *at.Recorder
}

type timer struct {
	at zeek.Time
	fn func(zeek.Time)
}

var t0 = zeek.Time(1_700_000_000 * zeek.Second)

func newTestHost() *testHost { return &testHost{t: t0} }

func (h *testHost) now() zeek.Time { return h.t }
func (h *testHost) uid() string    { return "CTEST" }
func (h *testHost) connID() zeek.ConnID {
	return zeek.ConnID{
		OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("10.0.0.2"), RespP: zeek.Port{Num: 3389, Proto: zeek.ProtoTCP},
	}
}
func (h *testHost) partial() bool                 { return h.isPartial }
func (h *testHost) confirm()                      { h.confirms++ }
func (h *testHost) violation(reason string)       { h.violations = append(h.violations, reason) }
func (h *testHost) scriptWeird(name, addl string) { h.weirds = append(h.weirds, name+"|"+addl) }
func (h *testHost) writeLog(rec *Info)            { h.logs = append(h.logs, *rec) }
func (h *testHost) certificate([]byte)            { h.certs++ }
func (h *testHost) addTimer(at zeek.Time, fn func(zeek.Time)) {
	h.timers = append(h.timers, timer{at, fn})
}
func (h *testHost) inner() innerSession {
	h.in = &at.Recorder{}
	return h.in
}

// advance moves time to now and fires the timers that are due, as the
// connection manager does before a packet.
func (h *testHost) advance(now zeek.Time) {
	h.t = now
	for {
		fired := false
		for i, tm := range h.timers {
			if tm.at <= now {
				h.timers = append(h.timers[:i], h.timers[i+1:]...)
				tm.fn(now)
				fired = true
				break
			}
		}
		if !fired {
			return
		}
	}
}

// rig is an analyzer with its test host, a StreamSink for analyzertest.
type rig struct {
	*Analyzer
	h *testHost
}

func newRig() *rig {
	h := newTestHost()
	return &rig{Analyzer: newRDP(h), h: h}
}

// summary renders everything the rig saw, after ending the analyzer.
func (r *rig) summary() []string {
	r.Done()
	var out []string
	for _, l := range r.h.logs {
		out = append(out, "rdp "+infoString(&l))
	}
	for _, v := range r.h.violations {
		out = append(out, "violation "+v)
	}
	for _, w := range r.h.weirds {
		out = append(out, "weird "+w)
	}
	out = append(out, fmt.Sprintf("confirms %d certs %d", r.h.confirms, r.h.certs))
	if in := r.h.in; in != nil {
		out = append(out, fmt.Sprintf("tls orig=%q resp=%q gaps=%d done=%v", in.Data[1], in.Data[0], in.Gaps, in.IsDone))
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
	ch := "-"
	if i.ClientChannels.Set {
		ch = "[" + strings.Join(i.ClientChannels.V, ",") + "]"
	}
	return strings.Join([]string{
		opt(i.Cookie), opt(i.Result), opt(i.SecurityProtocol), ch, opt(i.KeyboardLayout),
		opt(i.ClientBuild), opt(i.ClientName), opt(i.ClientDigProductID), opt(i.DesktopWidth),
		opt(i.DesktopHeight), opt(i.RequestedColorDepth), opt(i.CertType), fmt.Sprint(i.CertCount),
		opt(i.CertPermanent), opt(i.EncryptionLevel), opt(i.EncryptionMethod),
	}, " ")
}

// Builders of RDP messages.

func le16b(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32b(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func be16b(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// tpkt wraps a TPDU (its length byte excluded) in a TPKT with a COTP
// length byte that counts it.
func tpkt(tpdu []byte) []byte {
	cotp := append([]byte{byte(len(tpdu))}, tpdu...)
	return cat([]byte{3, 0}, be16b(uint16(4+len(cotp))), cotp)
}

// connectRequest is an X.224 connection request with a cookie (when not
// "") and a negotiation request for protocols (when not negative).
func connectRequest(cookie string, protocols int64) []byte {
	b := []byte{0xe0, 0, 0, 0, 0, 0}
	if cookie != "" {
		b = append(b, "Cookie: mstshash="+cookie+"\r\n"...)
	}
	if protocols >= 0 {
		b = cat(b, []byte{1, 0}, le16b(8), le32b(uint32(protocols)))
	}
	return tpkt(b)
}

// connectConfirm is an X.224 connection confirm with a negotiation
// response (typ 2) or failure (typ 3).
func connectConfirm(typ byte, value uint32) []byte {
	return tpkt(cat([]byte{0xd0, 0, 0, 0x12, 0x34, 0, typ, 0}, le16b(8), le32b(value)))
}

func block(typ uint16, body []byte) []byte { return cat(le16b(typ), le16b(uint16(4+len(body))), body) }

// utf16z encodes s as UTF-16LE padded with NULs to n bytes.
func utf16z(s string, n int) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, le16b(u)...)
	}
	return append(b, make([]byte, n-len(b))...)[:n]
}

// clientCoreBlock is a client core data block.
func clientCoreBlock(keyboard, build uint32, name string, flags uint16) []byte {
	b := cat(le16b(4), le16b(8), le16b(1920), le16b(1080), le16b(0xca01), le16b(0xaa03),
		le32b(keyboard), le32b(build), utf16z(name, 32), le32b(4), le32b(0), le32b(12), make([]byte, 64),
		le16b(0xca01), le16b(1), le32b(0), le16b(16), le16b(7), le16b(flags), utf16z("product-id", 64))
	return block(blockClientCore, b)
}

func clientNetworkBlock(names ...string) []byte {
	b := le32b(uint32(len(names)))
	for _, n := range names {
		b = cat(b, append([]byte(n), make([]byte, 8-len(n))...), le32b(0x80000000))
	}
	return block(blockClientNetwork, b)
}

// mcsConnectInitial is a client MCS Connect Initial with GCC conference
// create request carrying blocks.
func mcsConnectInitial(blocks ...[]byte) []byte {
	params := func() []byte { return cat([]byte{0x30, 4}, []byte{2, 2, 0, 34}) }
	b := cat([]byte{0xf0, 0x80, 0x7f, 0x65},
		[]byte{0x82, 1, 0xbe}, // the BER length, read as an element
		[]byte{4, 1, 1}, []byte{4, 1, 1}, []byte{1, 1, 0xff},
		params(), params(), params(),
		[]byte{4, 0x82, 1, 0x4b},
		be16b(5), []byte{0, 0x14, 0x7c, 0, 1}, be16b(0x8142),
		[]byte{0, 8, 0, 16, 0, 1, 0xc0, 0}, []byte("Duca"), be16b(0x8134))
	return tpkt(cat(b, cat(blocks...)))
}

// mcsConnectResponse is a server MCS Connect Response with GCC conference
// create response (result) carrying blocks.
func mcsConnectResponse(result byte, blocks ...[]byte) []byte {
	b := cat([]byte{0xf0, 0x80, 0x7f, 0x66},
		[]byte{0x82, 1, 0x0a},
		[]byte{0x0a, 1, 0}, []byte{2, 1, 0}, []byte{0x30, 2, 2, 0},
		[]byte{4, 0x82, 0, 0xe6},
		be16b(5), []byte{0, 0x14, 0x7c, 0, 1}, []byte{0x2a},
		[]byte{0x14, 0x76, 0x0a, 1, 1, result, 1, 0xc0, 0}, []byte("McDn"), be16b(0x81cf))
	return tpkt(cat(b, cat(blocks...)))
}

// serverSecurityBlock is server security data with a proprietary
// certificate (x509 false) or an X.509 chain of certs.
func serverSecurityBlock(method, level uint32, x509 bool, certs ...[]byte) []byte {
	var cert []byte
	if x509 {
		cert = cat(le32b(0x80000002), le32b(uint32(len(certs))))
		for _, c := range certs {
			cert = cat(cert, le32b(uint32(len(c))), c)
		}
	} else {
		key := cat([]byte("RSA1"), le32b(8), le32b(64), le32b(65537), make([]byte, 8))
		cert = cat(le32b(1), le32b(1), le32b(1), le16b(6), le16b(uint16(len(key))), key, le16b(8), le16b(4), []byte{1, 2, 3, 4})
	}
	b := cat(le32b(method), le32b(level), le32b(32), le32b(uint32(len(cert))), make([]byte, 32), cert)
	return block(blockServerSecurity, b)
}
