package rdp

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

func orig(b []byte) analyzertest.Chunk { return analyzertest.Chunk{Orig: true, Data: b} }
func resp(b []byte) analyzertest.Chunk { return analyzertest.Chunk{Data: b} }

// nativeConversation is a session with RDP's own encryption: cookie and
// negotiation, the basic settings exchange with core, network and
// security data, then encrypted traffic.
func nativeConversation() []analyzertest.Chunk {
	return []analyzertest.Chunk{
		orig(connectRequest("alice", 0)),
		resp(connectConfirm(2, 0)),
		orig(mcsConnectInitial(
			clientCoreBlock(0x409, 2600, "HOST-1", 0x02),
			block(blockClientSecurity, cat(le32b(3), le32b(0))),
			clientNetworkBlock("rdpdr", "cliprdr"),
			block(blockClientCluster, cat(le32b(9), le32b(0))),
			block(0xc006, []byte{1, 2, 3, 4}),
		)),
		resp(mcsConnectResponse(0,
			block(blockServerCore, cat(le32b(0x80004), le32b(0))),
			block(blockServerNetwork, cat(le16b(1003), le16b(0))),
			serverSecurityBlock(2, 3, false),
		)),
		orig([]byte("encrypted client bytes that are no TPKT")),
		resp([]byte("encrypted server bytes")),
	}
}

func TestNativeConversation(t *testing.T) {
	got := analyzertest.SplitEvery(t, nativeConversation(), newRig, (*rig).summary)
	want := []string{
		"rdp alice Success RDP [rdpdr,cliprdr] English - United States RDP 5.1 HOST-1 product-id 1920 1080 32bit RSA 1 true High 128bit",
		"confirms 3 certs 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// tlsConversation negotiates CredSSP; the rest is TLS.
func tlsConversation() []analyzertest.Chunk {
	return []analyzertest.Chunk{
		orig(connectRequest("bob", 3)),
		resp(connectConfirm(2, 2)),
		orig([]byte("\x16\x03\x01client hello")),
		resp([]byte("\x16\x03\x01server hello")),
		analyzertest.Gap(true, 5),
		orig([]byte("more")),
	}
}

func TestTLSHandOff(t *testing.T) {
	got := analyzertest.SplitEvery(t, tlsConversation(), newRig, (*rig).summary)
	want := []string{
		"rdp bob encrypted HYBRID - - - - - - - - - 0 - - -",
		"confirms 0 certs 0",
		// The gap ends the RDP analyzer's work before anything reaches
		// the TLS stream again, as in Zeek.
		`tls orig="\x16\x03\x01client hello" resp="\x16\x03\x01server hello" gaps=0 done=true`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestEncryptionTakesEffectPerDelivery checks that bytes after the
// negotiation response in the same delivery are still parsed as TPKT, as
// in Zeek, where the analyzer checks for encryption once per delivery.
func TestEncryptionTakesEffectPerDelivery(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("c", 1), true)
	r.DeliverStream(cat(connectConfirm(2, 1), []byte{3, 0, 0, 1}), false)
	r.DeliverStream([]byte("\x16\x03\x01"), true)
	got := r.summary()
	if len(r.h.violations) != 1 || !strings.Contains(r.h.violations[0], "COTP:pdu: 2 > 0") {
		t.Errorf("violations = %q, want one for the short TPKT", r.h.violations)
	}
	if r.h.in == nil || string(r.h.in.Data[1]) != "\x16\x03\x01" {
		t.Errorf("TLS stream: %v", got)
	}
}

func TestNegotiationFailure(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("FTBCO\\A70", 1), true)
	r.DeliverStream(connectConfirm(3, 2), false)
	got := r.summary()
	want := `rdp FTBCO\A70 SSL_NOT_ALLOWED_BY_SERVER - - - - - - - - - - 0 - - -`
	if got[0] != want {
		t.Errorf("got %q, want %q", got[0], want)
	}
}

// TestNoCookie: a request without cookie logs an empty cookie.
func TestNoCookie(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("", 1), true)
	r.Done()
	if len(r.h.logs) != 1 || !r.h.logs[0].Cookie.Set || r.h.logs[0].Cookie.V != "" {
		t.Fatalf("logs = %+v", r.h.logs)
	}
}

// TestNothingToLog: a record without cookie, layout or result is not
// written.
func TestNothingToLog(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectConfirm(2, 0), false)
	r.Done()
	if len(r.h.logs) != 0 {
		t.Fatalf("logs = %+v, want none", r.h.logs)
	}
}

func TestParseErrors(t *testing.T) {
	const pre = "Binpac exception: binpac exception: "
	cases := []struct {
		name string
		orig bool
		data []byte
		want string
	}{
		{"short tpkt", true, []byte{3, 0, 0, 4}, "out_of_bound: COTP:pdu: 2 > 0"},
		{"neg response length", false, tpkt(cat([]byte{0xd0, 0, 0, 0, 0, 0, 2, 0}, le16b(3), le32b(1))), "&enforce violation : RDP_Negotiation_Response:length"},
		{"confirm record type", false, tpkt(cat([]byte{0xd0, 0, 0, 0, 0, 0, 0x31, 0}, le16b(8), le32b(1))), "invalid index for case: Connect_Confirm_Record: 49"},
		{"confirm record short", false, tpkt([]byte{0xd0, 0, 0, 0, 0, 0, 2, 0, 8}), "out_of_bound: Connect_Confirm_Record: 8 > 3"},
		{"confirm short", false, tpkt([]byte{0xd0, 0, 0}), "out_of_bound: Connect_Confirm:flags: 5 > 2"},
		{"neg request length", true, tpkt(cat([]byte{0xe0, 0, 0, 0, 0, 0}, []byte{1, 0}, le16b(9), le32b(0))), "&enforce violation : RDP_Negotiation_Request:length"},
		{"cookie terminator", true, tpkt([]byte("\xe0\x00\x00\x00\x00\x00Cookie: mstshash=x\rY")),
			"string mismatch at src/analyzer/protocol/rdp/rdp-protocol.pac:85: \nexpected pattern: \"\\x0d\\x0a\"\nactual data: \"\rY\""},
		{"dt data short", true, tpkt([]byte{0xf0, 0x80}), "out_of_bound: DT_Data:application_type: 3 > 1"},
		{"data block length", true, mcsConnectInitial(cat(le16b(blockClientCore), le16b(2))), "out_of_bound: Data_Block:block: 2 > 4"},
		{"client core short", true, mcsConnectInitial(block(blockClientCore, make([]byte, 100))), "out_of_bound: Client_Core_Data:ime_file_name: 128 > 100"},
		{"too many channels", true, mcsConnectInitial(block(blockClientNetwork, le32b(1001))), "&enforce violation : Client_Network_Data:channel_count"},
		{"channel array", true, mcsConnectInitial(block(blockClientNetwork, cat(le32b(20), make([]byte, 12)))), "out_of_bound: Client_Network_Data:channel_def_array: 20 > 12"},
		{"no Duca", true, tpkt(cat([]byte{0xf0, 0x80, 0x7f, 0x65, 2, 0, 4, 0, 4, 0, 1, 0, 0x30, 0, 0x30, 0, 0x30, 0, 0, 0, 0, 0}, be16b(0), be16b(0), make([]byte, 8), []byte("Dxca\x00\x00"))),
			"string mismatch at src/analyzer/protocol/rdp/rdp-protocol.pac:196: \nexpected pattern: \"Duca\"\nactual data: \"Dxca\""},
		{"server random", false, mcsConnectResponse(0, block(blockServerSecurity, cat(le32b(1), le32b(1), le32b(16), le32b(0)))), "&enforce violation : Server_Security_Data:server_random_length"},
		{"cert type", false, mcsConnectResponse(0, block(blockServerSecurity, cat(le32b(0), le32b(0), le32b(32), le32b(4), make([]byte, 32), le32b(7)))), "invalid index for case: Server_Certificate: 7"},
		{"BER length", true, tpkt(cat([]byte{0xf0, 0x80, 0x7f, 0x65, 2, 0x85, 1, 2})), "out_of_bound: ASN1EncodingMeta:more_len: 7 > 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			r.DeliverStream(c.data, c.orig)
			if len(r.h.violations) != 1 || r.h.violations[0] != pre+c.want {
				t.Errorf("violations = %q\nwant %q", r.h.violations, pre+c.want)
			}
		})
	}
}

// TestViolationDropsRestOfDelivery: after a failed frame the rest of the
// delivery is dropped, and the next delivery starts a frame.
func TestViolationDropsRestOfDelivery(t *testing.T) {
	r := newRig()
	r.DeliverStream(cat([]byte{3, 0, 0, 4}, connectRequest("lost", -1)), true)
	r.DeliverStream(connectRequest("kept", -1), true)
	r.Done()
	if len(r.h.logs) != 1 || r.h.logs[0].Cookie.V != "lost" && r.h.logs[0].Cookie.V != "kept" {
		t.Fatalf("logs = %+v", r.h.logs)
	}
	// The violation wrote the (still empty) record: nothing; the second
	// request starts it.
	if r.h.logs[0].Cookie.V != "kept" {
		t.Errorf("cookie %q, want kept", r.h.logs[0].Cookie.V)
	}
}

// TestViolationLogs: a violation writes the record at once, and later
// changes are not logged.
func TestViolationLogs(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("early", -1), true)
	r.DeliverStream([]byte{3, 0, 0, 4}, true)
	r.DeliverStream(connectConfirm(3, 1), false)
	r.Done()
	if len(r.h.logs) != 1 || r.h.logs[0].Result.Set {
		t.Fatalf("logs = %+v, want one without result", r.h.logs)
	}
}

// TestCheckInterval: the record is logged once RDP::rdp_check_interval
// has passed since it started (strictly), checked on network time.
func TestCheckInterval(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("c", -1), true)
	r.h.advance(t0.Add(10 * zeek.Second))
	if len(r.h.logs) != 0 {
		t.Fatal("logged after exactly the interval")
	}
	r.h.advance(t0.Add(19 * zeek.Second))
	if len(r.h.logs) != 0 {
		t.Fatal("logged before the rescheduled check")
	}
	r.h.advance(t0.Add(20 * zeek.Second))
	if len(r.h.logs) != 1 {
		t.Fatal("not logged after the rescheduled check")
	}
	r.DeliverStream(connectConfirm(3, 1), false)
	r.Done()
	if len(r.h.logs) != 1 || r.h.logs[0].Result.Set {
		t.Fatalf("logs = %+v", r.h.logs)
	}
}

func TestClientCoreNames(t *testing.T) {
	cases := []struct {
		keyboard, build uint32
		flags           uint16
		want            string
	}{
		{0x409, 7601, 0x02, "English - United States RDP 7.1 HOST 32bit"},
		{263198, 9600, 0, "Thai (Best Guess for 263198) RDP 8.1 HOST 16bit"},
		{0xffff0bad, 4242, 0, "keyboard-4294904749 client_build-4242 HOST 16bit"},
	}
	for _, c := range cases {
		r := newRig()
		r.DeliverStream(mcsConnectInitial(clientCoreBlock(c.keyboard, c.build, "HOST", c.flags)), true)
		r.Done()
		if len(r.h.logs) != 1 {
			t.Fatalf("%d: logs = %+v", c.keyboard, r.h.logs)
		}
		l := r.h.logs[0]
		if got := strings.Join([]string{l.KeyboardLayout.V, l.ClientBuild.V, l.ClientName.V, l.RequestedColorDepth.V}, " "); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestChannelsWeird(t *testing.T) {
	names := make([]string, 32)
	for i := range names {
		names[i] = "ch"
	}
	r := newRig()
	r.DeliverStream(mcsConnectInitial(clientNetworkBlock(names...)), true)
	if !slices.Equal(r.h.weirds, []string{"RDP_channels_requested_exceeds_max|32"}) {
		t.Errorf("weirds = %q", r.h.weirds)
	}
}

func TestX509Chain(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("x", -1), true)
	r.DeliverStream(mcsConnectResponse(0, serverSecurityBlock(2, 2, true, []byte("cert one"), []byte("cert two"))), false)
	r.Done()
	if r.h.certs != 2 || len(r.h.logs) != 1 {
		t.Fatalf("certs %d logs %+v", r.h.certs, r.h.logs)
	}
	l := r.h.logs[0]
	if l.CertType.V != "X.509" || l.CertCount != 2 || l.CertPermanent.V || l.EncryptionLevel.V != "Client compatible" {
		t.Errorf("record %s", infoString(&l))
	}
}

func TestUTF16(t *testing.T) {
	h := newTestHost()
	cases := []struct {
		in   []byte
		want string
		weir bool
	}{
		{utf16z("héllo", 16), "héllo", false},
		{utf16z("a\U0001F600b", 12), "a\U0001F600b", false},
		{[]byte{0x41, 0, 0x00, 0xdc, 0x42, 0}, "A\xed\xb0\x80B", false}, // lone low surrogate
		{[]byte{0x41, 0, 0x00, 0xd8, 0x42, 0}, "A\xed\xa0\x80B", false}, // unpaired high surrogate
		{[]byte{0x41, 0, 0x00, 0xd8}, "A\x00\x00\xd8", true},            // high surrogate at the end
	}
	for _, c := range cases {
		h.weirds = nil
		if got := utf16ToUTF8(h, c.in); got != c.want || (len(h.weirds) > 0) != c.weir {
			t.Errorf("utf16ToUTF8(% x) = %q (weirds %q), want %q", c.in, got, h.weirds, c.want)
		}
	}
}

// TestTPKTFlow: frames are cut at the header's length (at least the
// header), across deliveries.
func TestTPKTFlow(t *testing.T) {
	var frames [][]byte
	parse := func(b []byte) error {
		frames = append(frames, bytes.Clone(b))
		return nil
	}
	var f tpktFlow
	in := cat([]byte{3, 0, 0, 6, 'a', 'b'}, []byte{3, 0, 0, 2}, []byte{3, 0, 0, 5, 'z'})
	for i := range in {
		if err := f.deliver(in[i:i+1], parse); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]byte{{3, 0, 0, 6, 'a', 'b'}, {3, 0, 0, 2}, {3, 0, 0, 5, 'z'}}
	if !slices.EqualFunc(frames, want, bytes.Equal) {
		t.Errorf("frames = %q, want %q", frames, want)
	}
}

func TestPartialIgnored(t *testing.T) {
	r := newRig()
	r.h.isPartial = true
	r.DeliverStream(connectRequest("c", -1), true)
	r.Done()
	if len(r.h.logs) != 0 {
		t.Fatalf("logs = %+v", r.h.logs)
	}
}

// TestTLSForwardNoAllocs: once encrypted, deliveries are forwarded
// without allocating.
func TestTLSForwardNoAllocs(t *testing.T) {
	r := newRig()
	r.DeliverStream(connectRequest("c", 1), true)
	r.DeliverStream(connectConfirm(2, 1), false)
	r.DeliverStream([]byte{0x16}, true)
	r.h.in.Data = [2][]byte{make([]byte, 0, 1<<20), make([]byte, 0, 1<<20)}
	payload := make([]byte, 1400)
	if n := testing.AllocsPerRun(100, func() { r.DeliverStream(payload, true) }); n != 0 {
		t.Errorf("%v allocations per delivery", n)
	}
}

// TestFrameNoAllocs: frames without events parse without allocating.
func TestFrameNoAllocs(t *testing.T) {
	r := newRig()
	frame := tpkt(append([]byte{0xf0, 0x80, 0x7f, 0x68}, make([]byte, 200)...))
	if n := testing.AllocsPerRun(100, func() { r.DeliverStream(frame, true) }); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}

func BenchmarkBasicSettings(b *testing.B) {
	conv := nativeConversation()
	b.ReportAllocs()
	for b.Loop() {
		r := newRig()
		analyzertest.Play(r, conv)
		r.Done()
	}
}

func BenchmarkDataFrames(b *testing.B) {
	r := newRig()
	frame := tpkt(append([]byte{0xf0, 0x80, 0x7f, 0x68}, make([]byte, 1400)...))
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		r.DeliverStream(frame, true)
	}
}
