package ssl

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/logging/ascii"
	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/x509"
	"github.com/heron-nsm/heron/internal/zeek"
)

// harness drives an engine like the framework does and records what it
// produces. Network time stands still for streams (so that cutting the
// input differently cannot change it) and advances per datagram.
type harness struct {
	e      *engine
	now    zeek.Time
	events []string
	ssl    []Info
	x509   []x509.Info
	certs  *certState
	id     *zeek.ConnID // nil: a fixed test id
}

func newHarness(opts Options, dtls bool) *harness {
	h := &harness{now: zeek.Time(1700000000 * zeek.Second), certs: &certState{cache: x509.NewCache(x509.DefaultCachingRequiredEncounters), known: x509.NewKnown(x509.DefaultRelogAfter, 1000)}}
	o := opts
	h.e = newEngine(h, h, &o, dtls)
	return h
}

func (h *harness) Confirm()                     { h.events = append(h.events, "confirm") }
func (h *harness) Violation(r string, _ []byte) { h.events = append(h.events, "violation: "+r) }
func (h *harness) Weird(name, addl string)      { h.events = append(h.events, "weird: "+name+" "+addl) }
func (h *harness) ScriptWeird(name, addl string) {
	h.events = append(h.events, "script weird: "+name+" "+addl)
}
func (h *harness) Now() zeek.Time { return h.now }
func (h *harness) UID() string    { return "CTestUID" }
func (h *harness) ID() zeek.ConnID {
	if h.id != nil {
		return *h.id
	}
	return zeek.ConnID{OrigH: netip.MustParseAddr("192.0.2.1"), OrigP: zeek.Port{Num: 50000, Proto: zeek.ProtoTCP},
		RespH: netip.MustParseAddr("192.0.2.2"), RespP: zeek.Port{Num: 443, Proto: zeek.ProtoTCP}}
}
func (h *harness) writeSSL(rec *Info) { h.ssl = append(h.ssl, *rec) }
func (h *harness) stapledOCSP(resp []byte) {
	h.events = append(h.events, fmt.Sprintf("ocsp file: %d bytes", len(resp)))
}
func (h *harness) certificate(now zeek.Time, der []byte, index int, hostCert, client bool) (string, *x509.Decoded) {
	return h.certs.handle(now, der, hostCert, client, func(r *x509.Info) { h.x509 = append(h.x509, *r) })
}

// The stream-sink side, for analyzertest.

func (h *harness) DeliverStream(data []byte, orig bool) {
	if h.e.skip || h.e.disabled || h.e.hadGap {
		return
	}
	h.e.deliverStream(data, orig)
}
func (h *harness) Undelivered(seq uint64, n int, orig bool) { h.e.hadGap = true }
func (h *harness) EndOfData(orig bool)                      {}
func (h *harness) Done()                                    { h.e.done() }

// packet delivers one datagram (DTLS).
func (h *harness) packet(data []byte, orig bool) {
	h.now = h.now.Add(zeek.Millisecond)
	if !h.e.disabled {
		h.e.deliverPacket(data, orig)
	}
}

// summary renders everything the harness saw as log lines.
func (h *harness) summary() []string {
	var out []string
	var exts []string
	if h.e.opts.JA3 {
		exts = append(exts, "ja3")
	}
	if h.e.opts.JA4 {
		exts = append(exts, "ja4")
	}
	if h.e.opts.CertificateRequestInfo {
		exts = append(exts, "certificate-request-info")
	}
	out = append(out, logLines[Info]("ssl", h.ssl, exts...)...)
	out = append(out, logLines[x509.Info]("x509", h.x509)...)
	return append(out, h.events...)
}

// logLines renders records as a Zeek ASCII log would, without the
// header's open time.
func logLines[T any](path string, recs []T, exts ...string) []string {
	if len(recs) == 0 {
		return nil
	}
	s, err := schema.For[T]()
	if err != nil {
		panic(err)
	}
	v, err := s.View(schema.ViewOptions{Extensions: exts})
	if err != nil {
		panic(err)
	}
	enc := ascii.NewEncoder(ascii.DefaultOptions())
	var b []byte
	b = enc.AppendHeader(b, path, v.Columns(), time.Unix(0, 0).UTC())
	for i := range recs {
		b = enc.AppendRecord(b, v, schema.RecordOf(&recs[i]))
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.HasPrefix(l, "#open") || strings.HasPrefix(l, "#separator") || strings.HasPrefix(l, "#set_separator") ||
			strings.HasPrefix(l, "#empty_field") || strings.HasPrefix(l, "#unset_field") || strings.HasPrefix(l, "#types") {
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// scenario is a conversation with its golden file.
type scenario struct {
	name   string
	opts   Options
	script []analyzertest.Chunk
}

func orig(b ...[]byte) analyzertest.Chunk { return analyzertest.Chunk{Orig: true, Data: cat(b...)} }
func resp(b ...[]byte) analyzertest.Chunk { return analyzertest.Chunk{Data: cat(b...)} }

func appData(n int) []byte { return tlsRecord(ctApplicationData, versionTLS12, make([]byte, n)) }

func scenarios() []scenario {
	cert := testCert("www.example.com", "www.example.com", "*.example.org")
	ca := testCert("Heron Test CA")
	tls12 := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS10, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil,
			[]int{0x0a0a, cipherECDHERSAAES128GCM, cipherRSAAES128CBC},
			ext(0x0a0a, nil), sniExt("www.example.com"), groupsExt(0x1a1a, groupX25519, groupSecp256r1),
			ext(extECPointFormats, []byte{1, 0}), sigAlgsExt(0x0403, 0x0804), alpnExt("h2", "http/1.1"),
			ext(extSessionTicket, nil))))),
		resp(tlsRecord(ctHandshake, versionTLS12, cat(
			hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, []byte{1, 2, 3}, cipherECDHERSAAES128GCM,
				alpnExt("h2"), ext(extECPointFormats, []byte{1, 0}))),
			hsMsg(hsCertificate, certificateBody(cert, ca)),
			hsMsg(hsServerKeyExchange, ecdheKeyExchange(groupX25519)),
			hsMsg(hsServerHelloDone, nil)))),
		orig(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsClientKeyExchange, make([]byte, 33))),
			tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}),
			tlsRecord(ctHandshake, versionTLS12, make([]byte, 40))),
		resp(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsSessionTicket, cat([]byte{0, 0, 1, 0}, u16b(4), []byte{9, 9, 9, 9}))),
			tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}),
			tlsRecord(ctHandshake, versionTLS12, make([]byte, 40))),
		orig(appData(100)),
		resp(appData(300)),
	}
	tls13 := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS10, hsMsg(hsClientHello, clientHelloBody(versionTLS12, make([]byte, 32),
			[]int{cipherTLSAES128GCM, cipherECDHERSAAES128GCM},
			sniExt("tls13.example.com"), clientVersionsExt(0x2a2a, versionTLS13, versionTLS12),
			groupsExt(groupX25519), clientKeyShareExt(groupX25519), sigAlgsExt(0x0403),
			ext(extPSKKeyExchangeModes, []byte{1, 1}))))),
		resp(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, make([]byte, 32), cipherTLSAES128GCM,
			ext(extSupportedVersions, u16b(versionTLS13)), ext(extKeyShare, cat(u16b(groupX25519), u16b(32), make([]byte, 32)))))),
			tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}),
			appData(50), appData(900)),
		orig(tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}), appData(50)),
		orig(appData(80)),
	}
	hrrRandom := []byte(helloRetryRandom)
	hrr := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS10, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil,
			[]int{cipherTLSAES128GCM}, clientVersionsExt(versionTLS13), clientKeyShareExt(groupX25519))))),
		resp(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsServerHello, serverHelloBody(versionTLS12, hrrRandom, nil, cipherTLSAES128GCM,
			ext(extSupportedVersions, u16b(versionTLS13)), ext(extKeyShare, u16b(groupSecp256r1))))),
			tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1})),
		orig(tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}),
			tlsRecord(ctHandshake, versionTLS12, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil,
				[]int{cipherTLSAES128GCM}, clientVersionsExt(versionTLS13), clientKeyShareExt(groupSecp256r1))))),
		resp(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, nil, cipherTLSAES128GCM,
			ext(extSupportedVersions, u16b(versionTLS13)), ext(extKeyShare, cat(u16b(groupSecp256r1), u16b(65), make([]byte, 65)))))),
			appData(30)),
		orig(appData(30)),
	}
	resumed := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil,
			[]int{cipherECDHERSAAES128GCM}, ext(extSessionTicket, []byte{1, 2, 3, 4}))))),
		resp(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, nil, cipherECDHERSAAES128GCM))),
			tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}), tlsRecord(ctHandshake, versionTLS12, make([]byte, 40))),
		orig(tlsRecord(ctChangeCipherSpec, versionTLS12, []byte{1}), tlsRecord(ctHandshake, versionTLS12, make([]byte, 40))),
	}
	alerted := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS10, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil,
			[]int{cipherRSAAES128CBC}, sniExt("one.example", "two.example"))))),
		resp(tlsRecord(ctAlert, versionTLS12, []byte{2, 112})),
		resp(tlsRecord(ctAlert, versionTLS12, []byte{1, 0, 2, 40, 2})),
	}
	sslv2 := []analyzertest.Chunk{
		orig([]byte{0x80, 0x2b, 0x01, 0x03, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x10,
			0x01, 0x00, 0x80, 0x07, 0x00, 0xc0, 0x00, 0x00, 0x04, 0x00, 0x00, 0x05, 0x00, 0x00, 0x0a, 0x06, 0x00, 0x40,
			1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}),
		resp(tlsRecord(ctHandshake, versionTLS10, cat(hsMsg(hsServerHello, serverHelloBody(versionTLS10, nil, nil, cipherRSAAES128CBC)),
			hsMsg(hsCertificate, certificateBody(cert)), hsMsg(hsServerHelloDone, nil)))),
		orig(tlsRecord(ctHandshake, versionTLS10, hsMsg(hsClientKeyExchange, make([]byte, 130))),
			tlsRecord(ctChangeCipherSpec, versionTLS10, []byte{1}), tlsRecord(ctHandshake, versionTLS10, make([]byte, 48))),
		resp(tlsRecord(ctChangeCipherSpec, versionTLS10, []byte{1}), tlsRecord(ctHandshake, versionTLS10, make([]byte, 48))),
	}
	heartbeat := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil, []int{cipherRSAAES128CBC})))),
		resp(tlsRecord(ctHandshake, versionTLS12, cat(hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, nil, cipherRSAAES128CBC)),
			hsMsg(hsServerHelloDone, nil)))),
		orig(tlsRecord(ctHeartbeat, versionTLS12, []byte{1, 0x40, 0, 9, 9, 9})),
		resp(tlsRecord(ctHeartbeat, versionTLS12, cat([]byte{2, 0x40, 0}, make([]byte, 200)))),
	}
	notTLS := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS10, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil, []int{cipherRSAAES128CBC})))),
		resp([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")),
	}
	badCert := []analyzertest.Chunk{
		orig(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsClientHello, clientHelloBody(versionTLS12, nil, []int{cipherRSAAES128CBC})))),
		resp(tlsRecord(ctHandshake, versionTLS12, cat(hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, nil, cipherRSAAES128CBC)),
			hsMsg(hsCertificate, cat(u24b(3820), u24b(10), make([]byte, 10)))))),
	}
	return []scenario{
		{"tls12-full", DefaultOptions, tls12},
		{"tls12-fingerprints", Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, JA3: true, JA4: true}, tls12},
		{"tls13", DefaultOptions, tls13},
		{"tls13-fingerprints", Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, JA3: true, JA4: true}, tls13},
		{"hello-retry", DefaultOptions, hrr},
		{"resumed-ticket", DefaultOptions, resumed},
		{"alerts", Options{DisableAfterDetection: true, MaxAlertsPerRecord: 1}, alerted},
		{"sslv2-hello", DefaultOptions, sslv2},
		{"heartbeat", DefaultOptions, heartbeat},
		{"not-tls", DefaultOptions, notTLS},
		{"bad-certificate-length", DefaultOptions, badCert},
	}
}

// TestScenarios checks each conversation against its golden file and
// that cutting it at every byte (and in random places, and one byte at a
// time) gives the same logs.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			opts := analyzertest.DefaultOptions
			if analyzertest.DataLen(sc.script) > 3000 {
				opts.MaxSplits = 600
			}
			got := analyzertest.SplitEveryWith(t, opts, sc.script,
				func() *harness { return newHarness(sc.opts, false) },
				func(h *harness) []string { return h.summary() })
			checkGolden(t, filepath.Join("testdata", sc.name+".golden"), got)
		})
	}
}

func checkGolden(t *testing.T, path string, got []string) {
	t.Helper()
	text := []byte(strings.Join(got, "\n") + "\n")
	if *update {
		if err := os.WriteFile(path, text, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, text) {
		t.Errorf("%s differs:\n--- want\n%s--- got\n%s", path, want, text)
	}
}

// TestGapStopsParsing: after a content gap nothing more is parsed, as in
// Zeek; the record is still written at the end.
func TestGapStopsParsing(t *testing.T) {
	sc := scenarios()[0]
	analyzertest.ForEachGap(sc.script[:2], false, 5, func(at int, gapped []analyzertest.Chunk) {
		h := newHarness(DefaultOptions, false)
		analyzertest.Play(h, gapped)
		h.Done()
		if len(h.ssl) != 1 {
			t.Fatalf("gap at %d: %d ssl records", at, len(h.ssl))
		}
		if h.ssl[0].Established {
			t.Fatalf("gap at %d: established", at)
		}
	})
}

func TestVersionNames(t *testing.T) {
	for v, want := range map[uint32]string{
		0x0303: "TLSv12", 0xfefc: "DTLSv13", 0x7f12: "TLSv13-draft18", 0x7f1c: "TLSv13-draft28", 0x1234: "unknown-4660",
	} {
		if got := versionName(v); got != want {
			t.Errorf("versionName(%#x) = %q, want %q", v, got, want)
		}
	}
	if got := tableName(cipherNames, 0xc02f); got != "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" {
		t.Errorf("cipher name %q", got)
	}
	if got := tableName(curveNames, 0x11ec); got != "X25519MLKEM768" {
		t.Errorf("curve name %q", got)
	}
}

func TestPartialTCP(t *testing.T) {
	for h, want := range map[string]bool{"ShADadF": false, "HSADad": false, "DdA": true, "": true, "^hADad": true} {
		if got := partialTCP(h); got != want {
			t.Errorf("partialTCP(%q) = %v", h, got)
		}
	}
}

func TestGrease(t *testing.T) {
	n := 0
	for v := 0; v < 1<<16; v++ {
		if isGrease(uint16(v)) {
			n++
		}
	}
	if n != 16 || !isGrease(0x0a0a) || !isGrease(0xfafa) || isGrease(0x0a1a) {
		t.Errorf("isGrease: %d values", n)
	}
}

// FuzzStream feeds arbitrary bytes to both directions (the first byte
// says where to cut): nothing panics and the record stays well formed.
func FuzzStream(f *testing.F) {
	for _, sc := range scenarios() {
		var o, r []byte
		for _, c := range sc.script {
			if c.Orig {
				o = append(o, c.Data...)
			} else {
				r = append(r, c.Data...)
			}
		}
		f.Add(byte(7), o, r)
	}
	f.Fuzz(func(t *testing.T, cut byte, o, r []byte) {
		h := newHarness(Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, JA3: true, JA4: true, CertificateRequestInfo: true}, false)
		step := int(cut)%97 + 1
		for i := 0; i < len(o) || i < len(r); i += step {
			if i < len(o) {
				h.DeliverStream(o[i:min(i+step, len(o))], true)
			}
			if i < len(r) {
				h.DeliverStream(r[i:min(i+step, len(r))], false)
			}
		}
		h.Done()
		if len(h.ssl) > 1 {
			t.Fatalf("%d ssl records", len(h.ssl))
		}
		if len(h.ssl) == 1 && len(h.ssl[0].SSLHistory) > maxHistory+4 {
			t.Fatalf("history too long: %d", len(h.ssl[0].SSLHistory))
		}
	})
}

// FuzzHandshake wraps arbitrary bytes as handshake records of a
// client and a server, to reach the message parsers directly.
func FuzzHandshake(f *testing.F) {
	f.Add(clientHelloBody(versionTLS12, nil, []int{cipherRSAAES128CBC}, sniExt("a"), alpnExt("h2")),
		serverHelloBody(versionTLS12, nil, nil, cipherECDHERSAAES128GCM, alpnExt("h2")), byte(hsServerHello))
	f.Add(clientHelloBody(versionTLS12, nil, []int{cipherTLSAES128GCM}, clientVersionsExt(versionTLS13), clientKeyShareExt(29)),
		certificateBody(testCert("x")), byte(hsCertificate))
	f.Add([]byte{}, ecdheKeyExchange(23), byte(hsServerKeyExchange))
	f.Fuzz(func(t *testing.T, client, server []byte, typ byte) {
		h := newHarness(Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, JA3: true, JA4: true, CertificateRequestInfo: true}, false)
		h.DeliverStream(tlsRecord(ctHandshake, versionTLS12, hsMsg(hsClientHello, client)), true)
		h.DeliverStream(tlsRecord(ctHandshake, versionTLS12, cat(
			hsMsg(hsServerHello, serverHelloBody(versionTLS12, nil, nil, cipherECDHERSAAES128GCM)),
			hsMsg(typ, server))), false)
		h.Done()
	})
}

// FuzzDatagram feeds arbitrary datagrams to the DTLS analyzer.
func FuzzDatagram(f *testing.F) {
	for _, p := range dtlsConversation() {
		f.Add(p.data, p.orig)
	}
	f.Fuzz(func(t *testing.T, data []byte, orig bool) {
		h := newHarness(DefaultOptions, true)
		for _, p := range dtlsConversation()[:2] {
			h.packet(p.data, p.orig)
		}
		h.packet(data, orig)
		h.packet(data, !orig)
		h.Done()
	})
}

func BenchmarkHandshake(b *testing.B) {
	sc := scenarios()[0]
	b.ReportAllocs()
	for b.Loop() {
		h := newHarness(DefaultOptions, false)
		analyzertest.Play(h, sc.script)
		h.Done()
	}
}

// BenchmarkEncryptedRecords measures the steady state of a connection
// whose analyzer was not confirmed (so not disabled): ciphertext records
// in 1460-byte segments are counted, not copied.
func BenchmarkEncryptedRecords(b *testing.B) {
	h := newHarness(DefaultOptions, false)
	h.DeliverStream(appData(10), true)
	h.DeliverStream(appData(10), false)
	stream := bytes.Repeat(appData(16384), 4)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(stream); i += 1460 {
			h.DeliverStream(stream[i:min(i+1460, len(stream))], false)
		}
	}
	if h.e.skip {
		b.Fatal("stopped")
	}
}

func TestEncryptedRecordsDoNotAllocate(t *testing.T) {
	h := newHarness(DefaultOptions, false)
	h.DeliverStream(appData(10), true)
	h.DeliverStream(appData(10), false)
	stream := bytes.Repeat(appData(16384), 2)
	allocs := testing.AllocsPerRun(20, func() {
		for i := 0; i < len(stream); i += 1460 {
			h.DeliverStream(stream[i:min(i+1460, len(stream))], false)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}

// TestRepeatedCertificatesLoggedOnce: a certificate seen again within a
// day in the same role is not logged again (X509::known_log_certs), but
// its fingerprint still goes into ssl.log; after enough sightings it
// comes from the certificate cache without being decoded again.
func TestRepeatedCertificatesLoggedOnce(t *testing.T) {
	sc := scenarios()[0]
	shared := &certState{cache: x509.NewCache(3), known: x509.NewKnown(x509.DefaultRelogAfter, 100)}
	var x509s int
	var fps []string
	for i := 0; i < 6; i++ {
		h := newHarness(DefaultOptions, false)
		h.certs = shared
		h.now = h.now.Add(zeek.Interval(i) * zeek.Second)
		analyzertest.Play(h, sc.script)
		h.Done()
		x509s += len(h.x509)
		fps = append(fps, strings.Join(h.ssl[0].CertChainFps.V, ","))
	}
	if x509s != 2 {
		t.Errorf("%d x509.log records over six connections, want 2", x509s)
	}
	for _, f := range fps[1:] {
		if f != fps[0] || f == "" {
			t.Errorf("fingerprints %q differ from %q", f, fps[0])
		}
	}
	h := newHarness(DefaultOptions, false)
	h.certs = shared
	h.now = h.now.Add(25 * 3600 * zeek.Second)
	analyzertest.Play(h, sc.script)
	h.Done()
	if len(h.x509) != 2 {
		t.Errorf("after a day: %d x509.log records, want 2", len(h.x509))
	}
}
