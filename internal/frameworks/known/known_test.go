package known

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

func mustAddr(s string) zeek.Addr { return netip.MustParseAddr(s) }

var localNet = netip.MustParsePrefix("10.0.0.0/8")

func isLocal(a zeek.Addr) bool { return localNet.Contains(a) }

func tcp(n uint16) zeek.Port { return zeek.Port{Num: n, Proto: zeek.ProtoTCP} }
func udp(n uint16) zeek.Port { return zeek.Port{Num: n, Proto: zeek.ProtoUDP} }

// harness runs a framework whose logs go to real streams in a temporary
// directory.
type harness struct {
	t   *testing.T
	dir string
	m   *logging.Manager
	f   *Framework
}

func newHarness(t *testing.T, cfg Config, fwd Forwarder, errs *[]string) *harness {
	t.Helper()
	dir := t.TempDir()
	lc := logging.DefaultConfig()
	lc.LogDir = dir
	lc.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	m, err := logging.NewManager(lc)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := NewLogs(m, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := Env{Local: isLocal, Logs: logs, Forward: fwd}
	if errs != nil {
		env.Error = func(_ zeek.Time, msg string) { *errs = append(*errs, msg) }
	}
	f, err := New(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, dir: dir, m: m, f: f}
}

// rows closes the logs and returns the records of path as "col=val"
// joined lines (nil if the log was not written).
func (h *harness) rows(path string, cols ...string) []string {
	h.t.Helper()
	if err := h.m.Close(); err != nil {
		h.t.Fatal(err)
	}
	file := filepath.Join(h.dir, path+".log")
	if _, err := os.Stat(file); err != nil {
		return nil
	}
	l, err := zeeklog.ReadFile(file)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, r := range l.Records {
		var parts []string
		for _, c := range cols {
			parts = append(parts, r[c])
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func established(orig, resp string, port zeek.Port) *Conn {
	return &Conn{OrigH: mustAddr(orig), RespH: mustAddr(resp), RespP: port,
		OrigState: conn.TCPEstablished, RespState: conn.TCPEstablished}
}

func TestKnownHostsTracking(t *testing.T) {
	tests := []struct {
		tracking Tracking
		want     []string
	}{
		{LocalHosts, []string{"1.000000 10.0.0.1", "3.000000 10.0.0.2"}},
		{RemoteHosts, []string{"1.000000 192.0.2.1", "3.000000 192.0.2.2"}},
		{AllHosts, []string{"1.000000 10.0.0.1", "1.000000 192.0.2.1", "3.000000 192.0.2.2", "3.000000 10.0.0.2"}},
		{NoHosts, nil},
	}
	for _, tc := range tests {
		t.Run(string(tc.tracking), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Hosts = true
			cfg.HostTracking = string(tc.tracking)
			h := newHarness(t, cfg, nil, nil)
			sec := zeek.Time(zeek.Second)
			h.f.ConnEstablished(1*sec, established("10.0.0.1", "192.0.2.1", tcp(80)))
			h.f.ConnEstablished(2*sec, established("10.0.0.1", "192.0.2.1", tcp(443)))
			// Half-open handshakes do not count.
			half := established("10.0.0.3", "192.0.2.3", tcp(80))
			half.OrigState = conn.TCPSYNSent
			h.f.ConnEstablished(2*sec, half)
			h.f.ConnEstablished(3*sec, established("192.0.2.2", "10.0.0.2", tcp(22)))
			got := h.rows(HostsLogPath, "ts", "host")
			if !slices.Equal(got, tc.want) {
				t.Fatalf("known_hosts.log:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestKnownHostsExpiry(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hosts = true
	h := newHarness(t, cfg, nil, nil)
	c := established("10.0.0.1", "192.0.2.1", tcp(80))
	day := zeek.Time(zeek.Day)
	h.f.ConnEstablished(10, c)
	h.f.ConnEstablished(10+day, c)   // a day later: still known
	h.f.ConnEstablished(10+day+1, c) // then logged again
	got := h.rows(HostsLogPath, "host")
	if want := []string{"10.0.0.1", "10.0.0.1"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func svcConn(resp string, port zeek.Port, state uint8, services ...string) *Conn {
	return &Conn{UID: [2]uint64{uint64(port.Num), uint64(len(services))}, OrigH: mustAddr("192.0.2.9"),
		RespH: mustAddr(resp), RespP: port, RespState: state, Services: services, RespSize: 100}
}

func TestKnownServices(t *testing.T) {
	sec := zeek.Time(zeek.Second)
	tests := []struct {
		name string
		cfg  func(*Config)
		run  func(f *Framework)
		want []string
	}{
		{"confirmed established TCP", nil, func(f *Framework) {
			c := svcConn("10.0.0.1", tcp(80), conn.TCPEstablished, "HTTP")
			f.AnalyzerConfirmed(1*sec, c)
			f.ConnRemoved(9*sec, c) // handled at confirmation: not again
			f.AnalyzerConfirmed(2*sec, svcConn("10.0.0.1", tcp(80), conn.TCPEstablished, "HTTP"))
		}, []string{"1.000000 10.0.0.1 80 tcp HTTP"}},
		{"second protocol on a known port logs only it", nil, func(f *Framework) {
			f.AnalyzerConfirmed(1*sec, svcConn("10.0.0.1", tcp(443), conn.TCPEstablished, "SSH"))
			f.AnalyzerConfirmed(2*sec, svcConn("10.0.0.1", tcp(443), conn.TCPEstablished, "SSL"))
			f.AnalyzerConfirmed(3*sec, svcConn("10.0.0.1", tcp(443), conn.TCPEstablished, "SSL", "SSH"))
		}, []string{"1.000000 10.0.0.1 443 tcp SSH", "2.000000 10.0.0.1 443 tcp SSL"}},
		{"not yet active at confirmation: at removal", nil, func(f *Framework) {
			c := svcConn("10.0.0.1", tcp(21), conn.TCPSYNAckSent, "FTP")
			f.AnalyzerConfirmed(1*sec, c)
			c.RespState = conn.TCPClosed
			f.ConnRemoved(5*sec, c)
		}, []string{"5.000000 10.0.0.1 21 tcp FTP"}},
		{"SYN-ACK in history counts", nil, func(f *Framework) {
			c := svcConn("10.0.0.1", tcp(25), conn.TCPReset, "SMTP")
			c.RespSYNACK = true
			f.ConnRemoved(4*sec, c)
		}, []string{"4.000000 10.0.0.1 25 tcp SMTP"}},
		{"reset without handshake is no service", nil, func(f *Framework) {
			f.ConnRemoved(4*sec, svcConn("10.0.0.1", tcp(25), conn.TCPReset, "SMTP"))
		}, nil},
		{"remote and untracked", nil, func(f *Framework) {
			f.AnalyzerConfirmed(1*sec, svcConn("192.0.2.1", tcp(80), conn.TCPEstablished, "HTTP"))
		}, nil},
		{"remote with REMOTE_HOSTS", func(c *Config) { c.ServiceTracking = string(RemoteHosts) }, func(f *Framework) {
			f.AnalyzerConfirmed(1*sec, svcConn("192.0.2.1", tcp(80), conn.TCPEstablished, "HTTP"))
			f.AnalyzerConfirmed(1*sec, svcConn("10.0.0.1", tcp(80), conn.TCPEstablished, "HTTP"))
		}, []string{"1.000000 192.0.2.1 80 tcp HTTP"}},
		{"ftp-data and silent DNS are not services", nil, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", tcp(20), conn.TCPClosed, "ftp-data"))
			d := svcConn("10.0.0.1", udp(53), conn.UDPActive, "DNS")
			d.RespSize = 0
			f.ConnRemoved(1*sec, d)
			d.RespSize = 40
			f.ConnRemoved(2*sec, d)
		}, []string{"2.000000 10.0.0.1 53 udp DNS"}},
		{"UDP needs a response", nil, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", udp(123), conn.UDPInactive, "NTP"))
			f.ConnRemoved(2*sec, svcConn("10.0.0.2", udp(123), conn.UDPActive, "NTP"))
		}, []string{"2.000000 10.0.0.2 123 udp NTP"}},
		{"UDP without response when allowed", func(c *Config) { c.ServiceUDPRequiresResponse = false }, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", udp(123), conn.UDPInactive, "NTP"))
		}, []string{"1.000000 10.0.0.1 123 udp NTP"}},
		{"ICMP is never a service", nil, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", zeek.Port{Num: 0, Proto: zeek.ProtoICMP}, conn.UDPActive))
		}, nil},
		{"violated protocols are dropped", nil, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", tcp(8080), conn.TCPClosed, "-HTTP", "SSL"))
		}, []string{"1.000000 10.0.0.1 8080 tcp SSL"}},
		{"only violated: empty set once", nil, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", tcp(8080), conn.TCPClosed, "-HTTP"))
			f.ConnRemoved(2*sec, svcConn("10.0.0.1", tcp(8080), conn.TCPClosed, "-HTTP"))
		}, []string{"1.000000 10.0.0.1 8080 tcp (empty)"}},
		{"unnamed service waits five minutes", nil, func(f *Framework) {
			f.ConnRemoved(1*sec, svcConn("10.0.0.1", tcp(9999), conn.TCPClosed))
			f.Advance(200 * sec)
			// A name found meanwhile is logged at once; the unnamed
			// entry still follows, as a separate member.
			f.AnalyzerConfirmed(250*sec, svcConn("10.0.0.1", tcp(9999), conn.TCPEstablished, "HTTP"))
			f.Advance(300 * sec)
			f.Advance(301 * sec)
			f.ConnRemoved(302*sec, svcConn("10.0.0.1", tcp(9999), conn.TCPClosed))
			f.Finish(400 * sec) // commits the second unnamed find: known already
		}, []string{"250.000000 10.0.0.1 9999 tcp HTTP", "1.000000 10.0.0.1 9999 tcp (empty)"}},
		{"pending commits run at the end", nil, func(f *Framework) {
			f.ConnRemoved(10*sec, svcConn("10.0.0.1", tcp(9998), conn.TCPClosed))
			f.Advance(100 * sec)
			f.Finish(100 * sec)
			// Connections flushed at the end cannot schedule any more;
			// named ones are still logged.
			f.ConnRemoved(100*sec, svcConn("10.0.0.1", tcp(9997), conn.TCPClosed))
			f.ConnRemoved(100*sec, svcConn("10.0.0.1", tcp(80), conn.TCPClosed, "HTTP"))
		}, []string{"10.000000 10.0.0.1 9998 tcp (empty)", "100.000000 10.0.0.1 80 tcp HTTP"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Services = true
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			h := newHarness(t, cfg, nil, nil)
			tc.run(h.f)
			got := h.rows(ServicesLogPath, "ts", "host", "port_num", "port_proto", "service")
			if !slices.Equal(got, tc.want) {
				t.Fatalf("known_services.log:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestKnownCerts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Certs = true
	var errs []string
	h := newHarness(t, cfg, nil, &errs)
	cert := &Cert{RespH: mustAddr("10.0.0.5"), RespP: tcp(443), FUID: "Fabc", SHA1: "aa",
		Subject: "CN=a", Issuer: "CN=ca", Serial: "01"}
	h.f.SSLEstablished(1, cert)
	h.f.SSLEstablished(2, cert) // same host and hash
	other := *cert
	other.SHA1 = "bb"
	other.Serial = "02"
	h.f.SSLEstablished(3, &other)
	remote := *cert
	remote.RespH = mustAddr("192.0.2.1")
	h.f.SSLEstablished(4, &remote) // not local
	nohash := *cert
	nohash.SHA1 = ""
	h.f.SSLEstablished(5, &nohash)
	got := h.rows(CertsLogPath, "host", "port_num", "subject", "issuer_subject", "serial")
	want := []string{"10.0.0.5 443 CN=a CN=ca 01", "10.0.0.5 443 CN=a CN=ca 02"}
	if !slices.Equal(got, want) {
		t.Fatalf("known_certs.log:\n got %q\nwant %q", got, want)
	}
	wantErr := "Certificate with fuid Fabc did not contain sha1 hash when checking for known certs. Aborting"
	if !slices.Equal(errs, []string{wantErr}) {
		t.Fatalf("errors %q", errs)
	}
}

// recordingForwarder keeps what a worker forwards.
type recordingForwarder struct {
	hosts    []HostsInfo
	services []ServicesInfo
	certs    []string
}

func (r *recordingForwarder) ForwardHost(i HostsInfo)       { r.hosts = append(r.hosts, i) }
func (r *recordingForwarder) ForwardService(i ServicesInfo) { r.services = append(r.services, i) }
func (r *recordingForwarder) ForwardCert(i CertsInfo, h string) {
	r.certs = append(r.certs, i.Host.String()+"/"+h)
}

func TestWorkerForwardsOnceAndResets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hosts, cfg.Services, cfg.Certs = true, true, true
	fwd := &recordingForwarder{}
	h := newHarness(t, cfg, fwd, nil)
	c := established("10.0.0.1", "10.0.0.2", tcp(22))
	c.Services = []string{"SSH"}
	h.f.ConnEstablished(1, c)
	h.f.ConnEstablished(2, c)
	h.f.AnalyzerConfirmed(2, c)
	h.f.AnalyzerConfirmed(3, c)
	cert := &Cert{RespH: mustAddr("10.0.0.2"), RespP: tcp(443), SHA1: "aa"}
	h.f.SSLEstablished(3, cert)
	h.f.SSLEstablished(4, cert)
	if len(fwd.hosts) != 2 || len(fwd.services) != 1 || len(fwd.certs) != 1 {
		t.Fatalf("forwarded %d hosts, %d services, %d certs; want 2, 1, 1", len(fwd.hosts), len(fwd.services), len(fwd.certs))
	}
	// A proxy came or went: everything is sent again.
	h.f.Reset()
	h.f.ConnEstablished(5, c)
	h.f.SSLEstablished(5, cert)
	if len(fwd.hosts) != 4 || len(fwd.certs) != 2 {
		t.Fatalf("after Reset forwarded %d hosts, %d certs; want 4, 2", len(fwd.hosts), len(fwd.certs))
	}
	h.f.Forget(HostsLogPath, mustAddr("10.0.0.1"), zeek.Port{}, "")
	h.f.ConnEstablished(6, c)
	if len(fwd.hosts) != 5 || fwd.hosts[4].Host != mustAddr("10.0.0.1") {
		t.Fatalf("Forget did not make the host go out again: %v", fwd.hosts)
	}
	// A worker logs nothing itself.
	for _, p := range []string{HostsLogPath, ServicesLogPath, CertsLogPath} {
		if rows := h.rows(p); rows != nil {
			t.Fatalf("worker wrote %s: %q", p, rows)
		}
	}
	if s := h.f.Stats(); s.Forwarded != 8 || s.Hosts != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestNewRejectsBadTracking(t *testing.T) {
	cfg := DefaultConfig()
	cfg.HostTracking = "SOME_HOSTS"
	if _, err := New(cfg, Env{}); err == nil || !strings.Contains(err.Error(), "Known::host_tracking") {
		t.Fatalf("err = %v", err)
	}
}

func TestConnRemovedNoAllocWhenOff(t *testing.T) {
	f, err := New(DefaultConfig(), Env{Local: isLocal})
	if err != nil {
		t.Fatal(err)
	}
	c := svcConn("10.0.0.1", tcp(80), conn.TCPClosed, "HTTP")
	if n := testing.AllocsPerRun(100, func() {
		f.ConnEstablished(1, c)
		f.ConnRemoved(1, c)
		f.Advance(1)
	}); n != 0 {
		t.Fatalf("hooks allocate %v times with the scripts off", n)
	}
}

func BenchmarkConnEstablishedKnownHosts(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Hosts = true
	f, err := New(cfg, Env{Local: isLocal})
	if err != nil {
		b.Fatal(err)
	}
	c := established("10.0.0.1", "10.0.0.2", tcp(80))
	f.ConnEstablished(1, c)
	b.ReportAllocs()
	for b.Loop() {
		f.ConnEstablished(2, c)
	}
}

// TestUnnamedServicesQueueOncePerKey checks that a service without a
// protocol seen on many connections waits once, and that the queue is
// bounded.
func TestUnnamedServicesQueueOncePerKey(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Services = true
	cfg.MaxEntries = 3
	h := newHarness(t, cfg, nil, nil)
	sec := zeek.Time(zeek.Second)
	for i := range 100 {
		c := svcConn("10.0.0.5", tcp(9999), conn.TCPEstablished)
		c.UID = [2]uint64{uint64(i), 1}
		h.f.ConnRemoved(sec+zeek.Time(i), c)
	}
	if n := len(h.f.pending); n != 1 {
		t.Fatalf("%d commits wait for one service", n)
	}
	for p := uint16(1); p <= 5; p++ {
		h.f.ConnRemoved(2*sec, svcConn("10.0.0.5", tcp(p), conn.TCPEstablished))
	}
	if n, s := len(h.f.pending), h.f.Stats(); n != 3 || s.Unscheduled != 3 {
		t.Fatalf("%d waiting, %d unscheduled; want 3 and 3", n, s.Unscheduled)
	}
	h.f.Advance(sec + zeek.Time(5*zeek.Minute))
	if n := len(h.f.pending); n != 2 {
		t.Fatalf("%d waiting after the first is due, want 2", n)
	}
	// Once committed, the same service queues again (and logs nothing).
	h.f.ConnRemoved(400*sec, svcConn("10.0.0.5", tcp(9999), conn.TCPEstablished))
	h.f.Finish(400 * sec)
	got := h.rows(ServicesLogPath, "host", "port_num", "service")
	want := []string{"10.0.0.5 9999 (empty)", "10.0.0.5 1 (empty)", "10.0.0.5 2 (empty)"}
	if !slices.Equal(got, want) {
		t.Fatalf("known_services.log:\n got %q\nwant %q", got, want)
	}
}
