package analyzer

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/layers"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/signatures"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

// echoAnalyzer is a test protocol: lines "HELLO" confirm, "BAD" violate.
type echoAnalyzer struct {
	h    *Handle
	buf  [2]bytes.Buffer
	log  *[]string
	pkts int
}

func (e *echoAnalyzer) DeliverStream(data []byte, orig bool) {
	d := 0
	if !orig {
		d = 1
	}
	e.buf[d].Write(data)
	for {
		line, err := e.buf[d].ReadString('\n')
		if err != nil {
			e.buf[d].WriteString(line)
			return
		}
		switch strings.TrimSpace(line) {
		case "HELLO":
			e.h.Confirm()
		case "BAD":
			e.h.Violation("bad line", []byte(line))
		case "WEIRD":
			e.h.Weird("echo_weird", "x")
		}
		if echoLog.On(e.h) {
			echoLog.Write(e.h, &echoRecord{TS: e.h.Now(), UID: e.h.UID(), Line: strings.TrimSpace(line)})
		}
		*e.log = append(*e.log, strings.TrimSpace(line))
	}
}
func (e *echoAnalyzer) Undelivered(seq uint64, n int, orig bool) {}
func (e *echoAnalyzer) DeliverPacket(data []byte, orig bool) {
	e.pkts++
	if string(data) == "HELLO" {
		e.h.Confirm()
	}
}
func (e *echoAnalyzer) EndOfData(orig bool) {}
func (e *echoAnalyzer) Done()               { *e.log = append(*e.log, "done") }

var echoLines []string

// echoRecord is the echo analyzer's log record.
type echoRecord struct {
	TS   zeek.Time `zeek:"ts"`
	UID  string    `zeek:"uid"`
	Line string    `zeek:"line"`
	// Extra is an extension column, there when test/echo-extra loads.
	Extra zeek.Opt[string] `zeek:"extra,ext=echo-extra"`
}

var echoLog = DeclareLog[echoRecord]("echo", "test/echo")

func init() { ExtendLog("echo", "test/echo-extra", "echo-extra") }

func init() {
	Register(Info{Name: "ECHO", Transport: TCP | UDP, Script: "test/echo",
		New: func(h *Handle) Analyzer { return &echoAnalyzer{h: h, log: &echoLines} }})
}

// rig runs packets through decoding, connection tracking and analysis.
type rig struct {
	t      *testing.T
	dec    *packet.Decoder
	cm     *conn.Manager
	am     *Manager
	recs   []conn.Info
	alog   []*Record
	debug  []string
	weirds []string
	now    zeek.Time
	pkt    packet.Packet
}

func (r *rig) ConnDone(c *conn.Conn) {
	var i conn.Info
	c.FillInfo(&i, nil, false)
	r.recs = append(r.recs, i)
}
func (r *rig) ConnWeird(now zeek.Time, c *conn.Conn, name, addl, source string) {
	r.weirds = append(r.weirds, name+"/"+source)
}
func (r *rig) GlobalWeird(string) conn.WeirdVerdict                   { return conn.WeirdUnknown }
func (r *rig) RexmitInconsistency(*conn.Conn, []byte, []byte, string) {}
func (r *rig) ContentGap(*conn.Conn, bool, uint64, uint64)            {}
func (r *rig) PacketWeird(p *packet.Packet, name, addl, source string) {
	r.weirds = append(r.weirds, name+"/"+source)
}

func newRig(t *testing.T, cfg Config) *rig {
	r := &rig{t: t, now: zeek.Time(1_700_000_000) * zeek.Time(zeek.Second)}
	table, err := packet.Compile(packet.Wiring(), packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	r.dec = packet.NewDecoder(table, r)
	r.am = NewManager(cfg, func(rec *Record) { r.alog = append(r.alog, rec) },
		func(rec *DebugRecord) { r.debug = append(r.debug, rec.Cause+"/"+rec.AnalyzerName) })
	ccfg := conn.DefaultConfig()
	ccfg.Seed = 1
	ccfg.Analysis = r.am
	r.cm = conn.NewManager(ccfg, r)
	r.am.SetConns(r.cm)
	r.cm.Install(r.dec)
	r.dec.Set(packet.LayerIP, layers.NewIP(r.dec, layers.IPConfig{}, nil))
	echoLines = nil
	return r
}

func (r *rig) feed(ip []byte) {
	r.now += zeek.Time(zeek.Millisecond)
	p := &r.pkt
	p.Reset()
	p.TS, p.Data, p.WireLen, p.LinkType = r.now, ip[:len(ip):len(ip)], uint32(len(ip)), packet.DLTRaw
	r.cm.Advance(r.now)
	r.dec.Decode(p)
}

var (
	cli = netip.MustParseAddr("10.0.0.1")
	srv = netip.MustParseAddr("10.0.0.2")
)

// conversation runs a TCP connection to port with the client's lines.
func (r *rig) conversation(port uint16, lines ...string) {
	seg := func(toSrv bool, flags uint8, seq, ack uint32, data string) []byte {
		ip := pktbuild.IP{Src: cli, Dst: srv}
		tc := pktbuild.TCP{SrcPort: 40000, DstPort: port, Seq: seq, Ack: ack, Flags: flags}
		if !toSrv {
			ip.Src, ip.Dst = srv, cli
			tc.SrcPort, tc.DstPort = port, 40000
		}
		return pktbuild.TCPPacket(ip, tc, []byte(data))
	}
	r.feed(seg(true, pktbuild.SYN, 100, 0, ""))
	r.feed(seg(false, pktbuild.SYN|pktbuild.ACK, 900, 101, ""))
	r.feed(seg(true, pktbuild.ACK, 101, 901, ""))
	seq := uint32(101)
	for _, l := range lines {
		r.feed(seg(true, pktbuild.PSH|pktbuild.ACK, seq, 901, l))
		seq += uint32(len(l))
		r.feed(seg(false, pktbuild.ACK, 901, seq, ""))
	}
	r.feed(seg(true, pktbuild.FIN|pktbuild.ACK, seq, 901, ""))
	r.feed(seg(false, pktbuild.FIN|pktbuild.ACK, 901, seq+1, ""))
	r.feed(seg(true, pktbuild.ACK, seq+1, 902, ""))
	r.cm.Flush()
}

func echoConfig() Config {
	cfg := DefaultConfig()
	cfg.Enabled = []string{"ECHO"}
	cfg.Ports = map[string][]zeek.Port{"ECHO": {{Num: 7, Proto: zeek.ProtoTCP}, {Num: 7, Proto: zeek.ProtoUDP}}}
	return cfg
}

func TestPortActivationAndService(t *testing.T) {
	r := newRig(t, echoConfig())
	r.conversation(7, "HELLO\n", "more\n")
	if len(r.recs) != 1 || r.recs[0].Service.V != "echo" {
		t.Fatalf("service %q, want echo", r.recs[0].Service.V)
	}
	if strings.Join(echoLines, ",") != "HELLO,more,done" {
		t.Fatalf("analyzer saw %v", echoLines)
	}
	// Not on another port.
	r = newRig(t, echoConfig())
	r.conversation(8, "HELLO\n")
	if r.recs[0].Service.Set || len(echoLines) != 0 {
		t.Fatalf("analyzer attached on port 8: %v %v", r.recs[0].Service, echoLines)
	}
	// dpd_ignore_ports.
	cfg := echoConfig()
	cfg.IgnorePorts = true
	r = newRig(t, cfg)
	r.conversation(7, "HELLO\n")
	if r.recs[0].Service.Set {
		t.Fatal("analyzer attached with dpd_ignore_ports")
	}
}

func TestViolationRemovesAnalyzer(t *testing.T) {
	r := newRig(t, echoConfig())
	r.conversation(7, "HELLO\n", "BAD\n", "after\n")
	if r.recs[0].Service.Set {
		t.Errorf("service %q after the violation, want none", r.recs[0].Service.V)
	}
	if strings.Join(echoLines, ",") != "HELLO,BAD,done" {
		t.Errorf("analyzer saw %v; want nothing after the violation", echoLines)
	}
	if len(r.alog) != 1 {
		t.Fatalf("%d analyzer.log records, want 1", len(r.alog))
	}
	a := r.alog[0]
	if a.AnalyzerName != "ECHO" || a.AnalyzerKind != "protocol" || a.FailureReason != "bad line" ||
		a.FailureData.V != "BAD\n" || a.Proto.V != zeek.ProtoTCP || !a.UID.Set {
		t.Errorf("analyzer.log record %+v", a)
	}

	// A violation before confirmation: removed, but no analyzer.log.
	r = newRig(t, echoConfig())
	r.conversation(7, "BAD\n", "HELLO\n")
	if len(r.alog) != 0 || r.recs[0].Service.Set {
		t.Errorf("unconfirmed failure: %d log records, service %v", len(r.alog), r.recs[0].Service)
	}

	// track_removed_services_in_connection keeps "-echo".
	cfg := echoConfig()
	cfg.TrackRemovedServices = true
	r = newRig(t, cfg)
	r.conversation(7, "HELLO\n", "BAD\n")
	if r.recs[0].Service.V != "echo,-echo" {
		t.Errorf("service %q, want echo,-echo", r.recs[0].Service.V)
	}
}

func TestViolationAfterTenKilobytesIsIgnored(t *testing.T) {
	r := newRig(t, echoConfig())
	big := strings.Repeat("x", 11*1024) + "\n"
	r.conversation(7, "HELLO\n", big, "BAD\n", "after\n")
	if r.recs[0].Service.V != "echo" || len(r.alog) != 0 {
		t.Errorf("service %q, %d analyzer.log records; a violation past 10 KB keeps the analyzer", r.recs[0].Service.V, len(r.alog))
	}
	if echoLines[len(echoLines)-2] != "after" {
		t.Errorf("analyzer stopped early: %v", echoLines[len(echoLines)-3:])
	}
}

func TestAnalyzerWeird(t *testing.T) {
	r := newRig(t, echoConfig())
	r.conversation(7, "WEIRD\n")
	if len(r.weirds) != 1 || r.weirds[0] != "echo_weird/ECHO" {
		t.Errorf("weirds %v", r.weirds)
	}
}

func TestUDPPortActivation(t *testing.T) {
	r := newRig(t, echoConfig())
	r.feed(pktbuild.UDPPacket(pktbuild.IP{Src: cli, Dst: srv}, pktbuild.UDP{SrcPort: 5000, DstPort: 7}, []byte("HELLO")))
	r.cm.Flush()
	if r.recs[0].Service.V != "echo" {
		t.Errorf("service %q", r.recs[0].Service.V)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("second registration of ECHO did not panic")
		}
	}()
	Register(Info{Name: "echo", Transport: TCP, New: func(*Handle) Analyzer { return nil }})
}

func TestDebugLog(t *testing.T) {
	cfg := echoConfig()
	cfg.DebugLog = true
	r := newRig(t, cfg)
	r.conversation(7, "HELLO\n", "BAD\n")
	if got := strings.Join(r.debug, ","); got != "confirmation/ECHO,violation/ECHO,disabled/ECHO" {
		t.Errorf("analyzer_debug.log causes %s", got)
	}
	cfg.DebugConfirmations = false
	r = newRig(t, cfg)
	r.conversation(7, "HELLO\n")
	if len(r.debug) != 0 {
		t.Errorf("confirmation logged with include_confirmations=F: %v", r.debug)
	}
}

func sigConfig(t *testing.T, src string) Config {
	sigs, err := signatures.ParseBytes([]byte(src), "test.sig")
	if err != nil {
		t.Fatal(err)
	}
	set, err := signatures.Compile(sigs)
	if err != nil {
		t.Fatal(err)
	}
	cfg := echoConfig()
	cfg.Signatures = set
	return cfg
}

// TestSignatureActivation: a detection signature attaches the analyzer on
// a port it is not registered for, and the buffered start of the
// connection is replayed to it.
func TestSignatureActivation(t *testing.T) {
	cfg := sigConfig(t, `
signature dpd_echo {
	ip-proto == tcp
	payload /^HEL/
	enable "echo"
}`)
	r := newRig(t, cfg)
	r.conversation(9999, "HE", "LLO\n", "more\n")
	if r.recs[0].Service.V != "echo" {
		t.Fatalf("service %q, want echo", r.recs[0].Service.V)
	}
	if strings.Join(echoLines, ",") != "HELLO,more,done" {
		t.Fatalf("analyzer saw %v; want the replayed start and the rest", echoLines)
	}
	// No match: nothing attached.
	r = newRig(t, cfg)
	r.conversation(9999, "GOODBYE\n")
	if r.recs[0].Service.Set || len(echoLines) != 0 {
		t.Fatalf("attached without a match: %v %v", r.recs[0].Service, echoLines)
	}
}

// TestSignatureBufferLimit: a match after dpd_buffer_size bytes is not
// seen (dpd_match_only_beginning).
func TestSignatureBufferLimit(t *testing.T) {
	cfg := sigConfig(t, `
signature dpd_echo {
	ip-proto == tcp
	payload /.*HELLO/
	enable "echo"
}`)
	cfg.BufferSize = 16
	r := newRig(t, cfg)
	r.conversation(9999, strings.Repeat("x", 20)+"\n", "HELLO\n")
	if r.recs[0].Service.Set {
		t.Fatalf("matched beyond the buffer: service %q", r.recs[0].Service.V)
	}
	cfg.BufferSize = 1024
	r = newRig(t, cfg)
	r.conversation(9999, strings.Repeat("x", 20)+"\n", "HELLO\n")
	if r.recs[0].Service.V != "echo" {
		t.Fatalf("no match within the buffer: service %q", r.recs[0].Service.V)
	}
}

// TestSignatureEvent: a signature with an event action reaches
// OnSignature with its message and data.
func TestSignatureEvent(t *testing.T) {
	cfg := sigConfig(t, `
signature my-sig {
	ip-proto == udp
	dst-port == 53
	payload /.*secret/
	event "found a secret"
}`)
	var got []SignatureMatch
	cfg.OnSignature = func(m SignatureMatch) {
		m.Data = append([]byte(nil), m.Data...)
		got = append(got, m)
	}
	r := newRig(t, cfg)
	r.feed(pktbuild.UDPPacket(pktbuild.IP{Src: cli, Dst: srv}, pktbuild.UDP{SrcPort: 5000, DstPort: 53}, []byte("a secret here")))
	r.feed(pktbuild.UDPPacket(pktbuild.IP{Src: cli, Dst: srv}, pktbuild.UDP{SrcPort: 5000, DstPort: 53}, []byte("another secret")))
	r.cm.Flush()
	if len(got) != 1 || got[0].Sig.ID != "my-sig" || got[0].Msg != "found a secret" || string(got[0].Data) != "a secret here" || !got[0].IsOrig {
		t.Fatalf("matches %+v; want one (a signature fires once per connection)", got)
	}
}

// TestDeclaredLog: a declared log is opened only when its script is
// loaded, and the analyzer's records reach it.
func TestDeclaredLog(t *testing.T) {
	for _, loaded := range []bool{true, false} {
		dir := t.TempDir()
		lc := logging.DefaultConfig()
		lc.LogDir = dir
		lm, err := logging.NewManager(lc)
		if err != nil {
			t.Fatal(err)
		}
		logs, err := OpenLogs(lm, func(script string) bool { return loaded && script == "test/echo" })
		if err != nil {
			t.Fatal(err)
		}
		cfg := echoConfig()
		cfg.Logs = logs
		r := newRig(t, cfg)
		r.conversation(7, "HELLO\n", "two\n")
		if err := lm.Close(); err != nil {
			t.Fatal(err)
		}
		l, err := zeeklog.ReadFile(filepath.Join(dir, "echo.log"))
		switch {
		case !loaded && err == nil:
			t.Error("echo.log written though test/echo is not loaded")
		case !loaded:
		case err != nil:
			t.Fatal(err)
		case len(l.Records) != 2 || l.Records[0]["line"] != "HELLO" || l.Records[1]["line"] != "two" || l.Records[0]["uid"] == "-":
			t.Errorf("echo.log records %v", l.Records)
		}
	}
	paths, scripts := DeclaredLogs()
	if !slices.Contains(paths, "echo") || !slices.Contains(scripts, "test/echo") {
		t.Errorf("DeclaredLogs() = %v %v", paths, scripts)
	}
}

func TestDeclareLogTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	DeclareLog[echoRecord]("echo", "test/other")
}

// TestLogExtensionAndStart: a loaded script's log extension adds its
// column, and Start runs the OnStart functions with the loaded scripts.
func TestLogExtensionAndStart(t *testing.T) {
	var sawLoaded bool
	OnStart(func(loaded func(string) bool) { sawLoaded = loaded("test/echo-extra") })
	for _, withExt := range []bool{false, true} {
		loaded := func(s string) bool { return s == "test/echo" || withExt && s == "test/echo-extra" }
		Start(loaded)
		if sawLoaded != withExt {
			t.Errorf("OnStart saw test/echo-extra loaded=%v, want %v", sawLoaded, withExt)
		}
		dir := t.TempDir()
		lc := logging.DefaultConfig()
		lc.LogDir = dir
		lm, err := logging.NewManager(lc)
		if err != nil {
			t.Fatal(err)
		}
		logs, err := OpenLogs(lm, loaded)
		if err != nil {
			t.Fatal(err)
		}
		cfg := echoConfig()
		cfg.Logs = logs
		newRig(t, cfg).conversation(7, "HELLO\n")
		if err := lm.Close(); err != nil {
			t.Fatal(err)
		}
		l, err := zeeklog.ReadFile(filepath.Join(dir, "echo.log"))
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(l.Fields, "extra"); got != withExt {
			t.Errorf("with the extension script loaded=%v: fields %v", withExt, l.Fields)
		}
	}
}
