package node_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// flow builds the frames of one TCP or UDP conversation between a client
// and a server.
type flow struct {
	cli, srv     netip.Addr
	cport, sport uint16
	cseq, sseq   uint32
}

func newFlow(cli, srv string, cport, sport uint16) *flow {
	return &flow{cli: netip.MustParseAddr(cli), srv: netip.MustParseAddr(srv), cport: cport, sport: sport, cseq: 1000, sseq: 5000}
}

// tcp returns a segment from the client (toSrv) or the server, advancing
// that side's sequence number past its SYN, FIN and payload.
func (f *flow) tcp(toSrv bool, flags uint8, payload string) frame {
	ip := pktbuild.IP{Src: f.cli, Dst: f.srv}
	t := pktbuild.TCP{SrcPort: f.cport, DstPort: f.sport, Seq: f.cseq, Ack: f.sseq, Flags: flags}
	seq := &f.cseq
	if !toSrv {
		ip.Src, ip.Dst = f.srv, f.cli
		t = pktbuild.TCP{SrcPort: f.sport, DstPort: f.cport, Seq: f.sseq, Ack: f.cseq, Flags: flags}
		seq = &f.sseq
	}
	if flags&pktbuild.ACK == 0 {
		t.Ack = 0
	}
	*seq += uint32(len(payload))
	if flags&(pktbuild.SYN|pktbuild.FIN) != 0 {
		*seq++
	}
	return frame{data: pktbuild.EtherIP(pktbuild.TCPPacket(ip, t, []byte(payload)))}
}

// handshake returns the three packets of a TCP handshake.
func (f *flow) handshake() []frame {
	return []frame{
		f.tcp(true, pktbuild.SYN, ""),
		f.tcp(false, pktbuild.SYN|pktbuild.ACK, ""),
		f.tcp(true, pktbuild.ACK, ""),
	}
}

// close returns a FIN exchange.
func (f *flow) close() []frame {
	return []frame{
		f.tcp(true, pktbuild.FIN|pktbuild.ACK, ""),
		f.tcp(false, pktbuild.FIN|pktbuild.ACK, ""),
		f.tcp(true, pktbuild.ACK, ""),
	}
}

func (f *flow) datagram(toSrv bool, payload []byte) frame {
	ip := pktbuild.IP{Src: f.cli, Dst: f.srv}
	u := pktbuild.UDP{SrcPort: f.cport, DstPort: f.sport}
	if !toSrv {
		ip.Src, ip.Dst = f.srv, f.cli
		u.SrcPort, u.DstPort = f.sport, f.cport
	}
	return frame{data: pktbuild.EtherIP(pktbuild.UDPPacket(ip, u, payload))}
}

// httpExchange is a complete HTTP request and response on f.
func (f *flow) httpExchange() []frame {
	out := f.handshake()
	out = append(out,
		f.tcp(true, pktbuild.ACK|pktbuild.PSH, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
		f.tcp(false, pktbuild.ACK|pktbuild.PSH, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	)
	return append(out, f.close()...)
}

// dnsMsg is a DNS query (or its answer) for "a." type A.
func dnsMsg(answer bool) []byte {
	flags := []byte{0x01, 0x00}
	if answer {
		flags = []byte{0x81, 0x80}
	}
	m := append([]byte{0x12, 0x34}, flags...)
	m = append(m, 0, 1, 0, 0, 0, 0, 0, 0) // one question
	return append(m, 1, 'a', 0, 0, 1, 0, 1)
}

// after sets the gap before a frame.
func after(f frame, gap zeek.Interval) frame { f.gap = gap; return f }

// runKnown runs the frames through a node with the given known-* scripts
// loaded and returns the rows of log (ts column first) as strings.
func runKnown(t *testing.T, frames []frame, scripts []string, set func(*node.Config), log string) ([]string, []zeek.Time) {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := traceStart
	var times []zeek.Time
	for i, f := range frames {
		if i > 0 {
			gap := f.gap
			if gap == 0 {
				gap = zeek.Millisecond
			}
			ts = ts.Add(gap)
		}
		times = append(times, ts)
		if err := w.WritePacket(ts, f.data, f.wire); err != nil {
			t.Fatal(err)
		}
	}
	src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.Features{ConnLog: true, Site: true, Scripts: map[string]bool{},
		Analyzers:     []string{"HTTP", "DNS"},
		AnalyzerPorts: map[string][]zeek.Port{"HTTP": {{Num: 80, Proto: zeek.ProtoTCP}}, "DNS": {{Num: 53, Proto: zeek.ProtoUDP}}},
	}
	for _, s := range scripts {
		cfg.Loaded.Scripts[s] = true
	}
	cfg.Site.LocalNets = []zeek.Subnet{netip.MustParsePrefix("10.0.0.0/8")}
	cfg.Log.LogDir = t.TempDir()
	if set != nil {
		set(&cfg)
	}
	res, err := node.RunSource(cfg, src)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bugs != 0 {
		t.Fatalf("%d packets hit bugs; first: %s", res.Bugs, res.FirstBug)
	}
	l := readLog(t, filepath.Join(cfg.Log.LogDir, log+".log"))
	var rows []string
	for _, r := range l.Records {
		var parts []string
		for _, f := range l.Fields {
			parts = append(parts, r[f])
		}
		rows = append(rows, strings.Join(parts, " "))
	}
	return rows, times
}

const (
	knownHosts    = "policy/protocols/conn/known-hosts"
	knownServices = "policy/protocols/conn/known-services"
)

func TestKnownHostsStandalone(t *testing.T) {
	local := newFlow("10.1.0.1", "10.2.0.2", 40000, 80)
	remote := newFlow("93.184.216.34", "10.2.0.2", 40001, 80)
	unanswered := newFlow("10.1.0.3", "10.2.0.4", 40002, 80)
	again := newFlow("10.1.0.1", "10.2.0.5", 40003, 80)
	var frames []frame
	frames = append(frames, local.handshake()...)                                    // 1-3: SYN-ACK is frame 2
	frames = append(frames, remote.handshake()...)                                   // 4-6
	frames = append(frames, unanswered.tcp(true, pktbuild.SYN, ""))                  // 7
	frames = append(frames, after(again.tcp(true, pktbuild.SYN, ""), 2*zeek.Minute)) // 8
	frames = append(frames, again.tcp(false, pktbuild.SYN|pktbuild.ACK, ""))         // 9
	frames = append(frames, again.tcp(true, pktbuild.ACK, ""))

	tests := []struct {
		name string
		set  func(*node.Config)
		want func(at func(int) string) []string
	}{
		{"local", nil, func(at func(int) string) []string {
			return []string{at(2) + " 10.1.0.1", at(2) + " 10.2.0.2", at(9) + " 10.2.0.5"}
		}},
		{"all", func(c *node.Config) { c.Known.HostTracking = "ALL_HOSTS" }, func(at func(int) string) []string {
			return []string{at(2) + " 10.1.0.1", at(2) + " 10.2.0.2", at(5) + " 93.184.216.34", at(9) + " 10.2.0.5"}
		}},
		{"remote", func(c *node.Config) { c.Known.HostTracking = "REMOTE_HOSTS" }, func(at func(int) string) []string {
			return []string{at(5) + " 93.184.216.34"}
		}},
		{"none", func(c *node.Config) { c.Known.HostTracking = "NO_HOSTS" }, func(at func(int) string) []string { return nil }},
		// With a one-minute expiry 10.1.0.1 is new again two minutes on.
		{"expiry", func(c *node.Config) { c.Known.HostStoreExpiry = zeek.Minute }, func(at func(int) string) []string {
			return []string{at(2) + " 10.1.0.1", at(2) + " 10.2.0.2", at(9) + " 10.1.0.1", at(9) + " 10.2.0.5"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, times := runKnown(t, frames, []string{knownHosts}, tc.set, "known_hosts")
			at := func(i int) string { return tsString(times[i-1]) }
			if want := tc.want(at); !slices.Equal(got, want) {
				t.Fatalf("known_hosts.log:\n got %q\nwant %q", got, want)
			}
		})
	}
	// Without the script there is no log.
	if got, _ := runKnown(t, frames, nil, nil, "known_hosts"); got != nil {
		t.Fatalf("known_hosts.log written without the script: %q", got)
	}
}

func TestKnownServicesStandalone(t *testing.T) {
	web := newFlow("10.1.0.1", "10.2.0.2", 40000, 80)
	web2 := newFlow("10.1.0.7", "10.2.0.2", 40010, 80)
	dns := newFlow("10.1.0.1", "10.2.0.53", 5353, 53)
	silentDNS := newFlow("10.1.0.1", "10.2.0.54", 5354, 53)
	odd := newFlow("10.1.0.1", "10.2.0.9", 40001, 9999)
	refused := newFlow("10.1.0.1", "10.2.0.10", 40002, 8080)
	open := newFlow("10.1.0.1", "10.2.0.11", 40003, 7777)
	late := newFlow("10.1.0.1", "10.2.0.12", 40004, 6666)
	var frames []frame
	frames = append(frames, web.httpExchange()...)             // 1-8; the response is frame 5
	frames = append(frames, web2.httpExchange()...)            // 9-16: the same service, not logged again
	frames = append(frames, dns.datagram(true, dnsMsg(false))) // 17
	frames = append(frames, dns.datagram(false, dnsMsg(true))) // 18
	frames = append(frames, silentDNS.datagram(true, dnsMsg(false)))
	frames = append(frames, odd.handshake()...) // 20-22
	frames = append(frames, odd.tcp(true, pktbuild.ACK|pktbuild.PSH, "hello"))
	frames = append(frames, odd.close()...) // 24-26: removed at the close's end
	frames = append(frames, refused.tcp(true, pktbuild.SYN, ""))
	frames = append(frames, refused.tcp(false, pktbuild.RST|pktbuild.ACK, ""))
	// Six minutes on: the DNS flow expires (its service is found at its
	// removal, with this packet's time) and the commit due five minutes
	// after 9999's removal runs.
	frames = append(frames, after(late.tcp(true, pktbuild.SYN, ""), 6*zeek.Minute)) // 29
	frames = append(frames, open.handshake()...)                                    // still open at the end: not logged
	frames = append(frames, open.tcp(true, pktbuild.ACK|pktbuild.PSH, "x"))

	got, times := runKnown(t, frames, []string{knownServices}, func(c *node.Config) {
		c.Conn.TCPCloseDelay = 0
	}, "known_services")
	at := func(i int) string { return tsString(times[i-1]) }
	// HTTP is found at its confirmation (the request); DNS at its
	// removal, as the query that confirmed it came before any answer; the
	// service without a protocol on 9999 is logged five minutes after its
	// removal, with the removal's time. Zeek writes them in that order.
	want := []string{
		at(4) + " 10.2.0.2 80 tcp HTTP",
		at(29) + " 10.2.0.53 53 udp DNS",
		at(26) + " 10.2.0.9 9999 tcp (empty)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("known_services.log:\n got %q\nwant %q", got, want)
	}
}

// BenchmarkKnownOverhead runs a trace of 200 HTTP connections between 20
// hosts through the node with and without the known-* scripts.
func BenchmarkKnownOverhead(b *testing.B) {
	var frames []frame
	for i := range 200 {
		f := newFlow(fmt.Sprintf("10.1.0.%d", i%20+1), "10.2.0.2", uint16(30000+i), 80)
		frames = append(frames, f.httpExchange()...)
	}
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ts := traceStart
	for _, f := range frames {
		ts = ts.Add(zeek.Millisecond)
		if err := w.WritePacket(ts, f.data, f.wire); err != nil {
			b.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		scripts []string
	}{{"without", nil}, {"known-hosts+services", []string{knownHosts, knownServices}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
				if err != nil {
					b.Fatal(err)
				}
				cfg := node.DefaultConfig()
				cfg.Loaded = node.Features{ConnLog: true, Site: true, Scripts: map[string]bool{},
					Analyzers:     []string{"HTTP"},
					AnalyzerPorts: map[string][]zeek.Port{"HTTP": {{Num: 80, Proto: zeek.ProtoTCP}}},
				}
				for _, s := range tc.scripts {
					cfg.Loaded.Scripts[s] = true
				}
				cfg.Log.LogDir = b.TempDir()
				if _, err := node.RunSource(cfg, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// hostForwarder is a known.Forwarder that records the hosts it gets.
type hostForwarder struct{ hosts []string }

func (h *hostForwarder) ForwardHost(r known.HostsInfo)              { h.hosts = append(h.hosts, r.Host.String()) }
func (h *hostForwarder) ForwardService(r known.ServicesInfo)        {}
func (h *hostForwarder) ForwardCert(r known.CertsInfo, hash string) {}

// TestClusterSeams runs the node as a cluster worker's hooks set it up:
// known-* finds go to a forwarder, notices to functions, and the node
// writes neither known_hosts.log nor notice.log itself.
func TestClusterSeams(t *testing.T) {
	a := newFlow("10.1.0.1", "10.2.0.2", 40000, 80)
	b := newFlow("10.1.0.3", "10.2.0.2", 40001, 8000)
	var frames []frame
	frames = append(frames, a.handshake()...)
	frames = append(frames, b.handshake()...)
	// A content gap the server acknowledges: Conn::Content_Gap.
	frames = append(frames, b.tcp(true, pktbuild.ACK|pktbuild.PSH, "0123456789"))
	b.cseq += 10
	frames = append(frames, b.tcp(true, pktbuild.ACK|pktbuild.PSH, "abcdefghij"))
	frames = append(frames, b.tcp(false, pktbuild.ACK, ""))

	fwd := &hostForwarder{}
	var attached *known.Framework
	var notes []string
	var dir string
	got, _ := runKnown(t, frames, []string{knownHosts}, func(c *node.Config) {
		dir = c.Log.LogDir
		c.Loaded.NoticeLog = true
		c.Loaded.ConnWeirds = true
		c.KnownForward = fwd
		c.KnownAttach = func(f *known.Framework) { attached = f }
		c.NoticeLog = func(n *notice.Info) { notes = append(notes, string(n.Note)) }
	}, "known_hosts")
	if got != nil {
		t.Fatalf("known_hosts.log written on a worker: %q", got)
	}
	if want := []string{"10.1.0.1", "10.2.0.2", "10.1.0.3"}; !slices.Equal(fwd.hosts, want) {
		t.Fatalf("forwarded hosts %q, want %q", fwd.hosts, want)
	}
	if attached == nil || attached.Stats().Forwarded != 3 {
		t.Fatalf("attached framework %v", attached)
	}
	if !slices.Equal(notes, []string{"Conn::Content_Gap"}) {
		t.Fatalf("notices %q, want one Conn::Content_Gap", notes)
	}
	if l := readLog(t, filepath.Join(dir, "notice.log")); len(l.Records) != 0 || l.Fields != nil {
		t.Fatalf("notice.log written on a worker: %v", l.Records)
	}
}
