package logship

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/cluster/transport/natstest"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/zeek"
)

// The record types of the tests: every kind of column the writers know.

type testID struct {
	OrigH zeek.Addr `zeek:"orig_h"`
	OrigP zeek.Port `zeek:"orig_p"`
	RespH zeek.Addr `zeek:"resp_h"`
	RespP zeek.Port `zeek:"resp_p"`
}

type connRec struct {
	TS       zeek.Time               `zeek:"ts"`
	UID      string                  `zeek:"uid"`
	ID       testID                  `zeek:"id"`
	Proto    zeek.Proto              `zeek:"proto,enum"`
	Service  zeek.Opt[string]        `zeek:"service"`
	Duration zeek.Opt[zeek.Interval] `zeek:"duration"`
	Bytes    zeek.Opt[uint64]        `zeek:"orig_bytes"`
	Local    zeek.Opt[bool]          `zeek:"local_orig"`
	Delta    int64                   `zeek:"delta"`
	Ratio    float64                 `zeek:"ratio"`
	Tunnels  zeek.Opt[[]string]      `zeek:"tunnel_parents,set"`
	Names    []string                `zeek:"names"`
	Addrs    []zeek.Addr             `zeek:"addrs"`
	Net      zeek.Subnet             `zeek:"net"`
	FT       float64                 `zeek:"ft,time"`
	FI       []float64               `zeek:"fi,interval"`
	Times    []zeek.Time             `zeek:"times"`
	Note     string                  `zeek:"note"`
}

type dnsRec struct {
	TS      zeek.Time          `zeek:"ts"`
	Query   zeek.Opt[string]   `zeek:"query"`
	Answers zeek.Opt[[]string] `zeek:"answers"`
	TTLs    []zeek.Interval    `zeek:"TTLs"`
	RD      bool               `zeek:"RD"`
}

var notes = []string{"", "-", "plain", "tab\there", "comma,sep", "nl\nx", "\xff\xfe bytes", "ünïcode", "(empty)", `back\slash`, "{", "\x00"}

// conns returns n conn records, different for each (from, i).
func conns(from, n int) []connRec {
	out := make([]connRec, n)
	for i := range out {
		k := from*100000 + i
		r := &out[i]
		r.TS = zeek.Time(int64(1700000000+k)*1e9 + int64(k%1000)*1000)
		r.UID = fmt.Sprintf("C%d-%d", from, i)
		r.ID = testID{
			OrigH: netip.AddrFrom4([4]byte{10, byte(from), byte(i >> 8), byte(i)}),
			OrigP: zeek.Port{Num: uint16(1024 + i), Proto: zeek.ProtoTCP},
			RespH: netip.MustParseAddr("2001:db8::1"),
			RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP},
		}
		r.Proto = zeek.ProtoTCP
		if i%3 != 0 {
			r.Service = zeek.Some("http")
			r.Duration = zeek.Some(zeek.Interval(int64(i) * 1234567))
			r.Bytes = zeek.Some(uint64(i) * 1000)
			r.Local = zeek.Some(i%2 == 0)
		}
		r.Delta = int64(i) - 500
		r.Ratio = float64(i) / 7
		if i%4 == 1 {
			r.Tunnels = zeek.Some([]string{"Cx", "Cy"})
		} else if i%4 == 2 {
			r.Tunnels = zeek.Some([]string{})
		}
		if i%5 != 0 {
			r.Names = []string{"a", notes[i%len(notes)]}
		}
		if i%2 == 0 {
			r.Addrs = []zeek.Addr{netip.MustParseAddr("192.0.2.1"), {}, netip.MustParseAddr("::1")}
		}
		if i%3 == 1 {
			r.Net = netip.MustParsePrefix("10.0.0.0/8")
		}
		r.FT = 1700000000.123456 + float64(i)
		r.FI = []float64{0.5, float64(i)}
		r.Times = []zeek.Time{zeek.Time(int64(i) * 1e9)}
		r.Note = notes[i%len(notes)]
	}
	return out
}

func dnss(from, n int) []dnsRec {
	out := make([]dnsRec, n)
	for i := range out {
		r := &out[i]
		r.TS = zeek.Time(int64(1700000000+from*1000+i) * 1e9)
		if i%4 != 0 {
			r.Query = zeek.Some(fmt.Sprintf("host%d.example", i))
			r.Answers = zeek.Some([]string{"192.0.2.7", "x"})
		}
		r.TTLs = []zeek.Interval{zeek.Interval(i) * zeek.Second}
		r.RD = i%2 == 1
	}
	return out
}

// fixedNow is the clock of the tests' #open and #close lines.
func fixedNow() time.Time { return time.Unix(1700001234, 500000000).UTC() }

// logConfig returns the logging settings of the tests' files.
func logConfig(dir string, useJSON bool) logging.Config {
	cfg := logging.DefaultConfig()
	cfg.LogDir = dir
	cfg.UseJSON = useJSON
	cfg.Now = fixedNow
	cfg.FlushInterval = 50 * time.Millisecond
	return cfg
}

// records is what one node logs in a test.
type records struct {
	conn []connRec
	dns  []dnsRec
	// dnsPaths are the paths the dns records are written to, each
	// getting all of them; nil is "dns".
	dnsPaths []string
}

func (rs records) count() int {
	return len(rs.conn) + len(rs.dns)*max(1, len(rs.dnsPaths))
}

// write logs rs through a logging manager made with cfg.
func (rs records) write(t testing.TB, cfg logging.Config) {
	t.Helper()
	m, err := logging.NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.conn) > 0 {
		s, err := logging.NewStream[connRec](m, "conn")
		if err != nil {
			t.Fatal(err)
		}
		for i := range rs.conn {
			if err := s.Write(&rs.conn[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	paths := rs.dnsPaths
	if paths == nil {
		paths = []string{"dns"}
	}
	for _, p := range paths {
		if len(rs.dns) == 0 {
			break
		}
		s, err := logging.NewStream[dnsRec](m, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rs.dns {
			if err := s.Write(&rs.dns[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// local returns the files a standalone node writes for rs, one after the
// other, by path.
func local(t testing.TB, useJSON bool, rs ...records) map[string]string {
	t.Helper()
	var all records
	for _, r := range rs {
		all.conn = append(all.conn, r.conn...)
		all.dns = append(all.dns, r.dns...)
		all.dnsPaths = r.dnsPaths
	}
	dir := t.TempDir()
	all.write(t, logConfig(dir, useJSON))
	return readLogs(t, dir)
}

func readLogs(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if p, ok := strings.CutSuffix(e.Name(), ".log"); ok {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[p] = string(b)
		}
	}
	return out
}

// testCluster is an embedded NATS server and a layout of a manager, two
// loggers and two workers.
type testCluster struct {
	t      testing.TB
	dir    string
	l      *layout.Layout
	srv    *transport.Server
	logDir string
	// warn, when set, also receives the warnings of the loggers that
	// rotLogger starts.
	warn func(string)
}

var fastConn = transport.Options{
	HeartbeatInterval: 100 * time.Millisecond,
	DownAfter:         400 * time.Millisecond,
	ReconnectWait:     50 * time.Millisecond,
	Warn:              func(string) {},
}

func newTestCluster(t testing.TB) *testCluster { return newTestClusterCreds(t, false) }

// newTestClusterCreds makes a test cluster whose nodes, with creds, have
// users and passwords, so that the server enforces each role's
// permissions.
func newTestClusterCreds(t testing.TB, creds bool) *testCluster {
	t.Helper()
	dir := t.TempDir()
	port := natstest.FreePort(t)
	user := func(n string) string {
		if !creds {
			return ""
		}
		return fmt.Sprintf(`, "user": %q, "password": "pw-%s"`, n, n)
	}
	text := fmt.Sprintf(`{
  "version": 1, "cluster": "lt", "spool_dir": %s, "log_dir": %s,
  "nats": {"embedded": {"listen": "127.0.0.1:%d"}},
  "nodes": {
    "manager": {"type": "manager"%s},
    "logger-1": {"type": "logger"%s}, "logger-2": {"type": "logger"%s},
    "worker-1": {"type": "worker", "read": "x.pcap"%s}, "worker-2": {"type": "worker", "read": "y.pcap"%s}
  }
}`, natstest.Quote(filepath.Join(dir, "spool")), natstest.Quote(filepath.Join(dir, "logs")), port,
		user("manager"), user("logger-1"), user("logger-2"), user("worker-1"), user("worker-2"))
	tc := &testCluster{t: t, dir: dir, l: natstest.ParseLayout(t, dir, text), logDir: filepath.Join(dir, "logs")}
	tc.start()
	t.Cleanup(tc.stop)
	return tc
}

func (tc *testCluster) start() {
	tc.t.Helper()
	srv, err := transport.RunEmbedded(tc.l, nil)
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.srv = srv
}

func (tc *testCluster) stop() {
	if tc.srv != nil {
		tc.srv.Shutdown()
		tc.srv = nil
	}
}

func (tc *testCluster) conn(node string) *transport.Conn {
	tc.t.Helper()
	o := fastConn
	c, err := transport.Connect(tc.l, node, &o)
	if err != nil {
		tc.t.Fatalf("connect %s: %v", node, err)
	}
	tc.t.Cleanup(func() { c.Close() })
	return c
}

// ensureStream creates the log stream as the manager does.
func (tc *testCluster) ensureStream(c *transport.Conn) {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := EnsureStream(ctx, c, nil); err != nil {
		tc.t.Fatal(err)
	}
}

// send logs rs from c's node through a Sender and closes it.
func (tc *testCluster) send(c *transport.Conn, o *SenderOptions, rs records) Counters {
	tc.t.Helper()
	s, err := NewSender(c, o)
	if err != nil {
		tc.t.Fatal(err)
	}
	cfg := logConfig("", false)
	cfg.NewWriter = s.NewWriter
	rs.write(tc.t, cfg)
	if err := s.Close(); err != nil {
		tc.t.Fatal(err)
	}
	return s.Counters()
}

// runningLogger is a Logger running in the background.
type runningLogger struct {
	lg     *Logger
	cancel context.CancelFunc
	done   chan error
}

func (tc *testCluster) runLogger(c *transport.Conn, useJSON bool, warn func(string)) *runningLogger {
	tc.t.Helper()
	if warn == nil {
		warn = func(s string) { tc.t.Log(s) }
	}
	lg, err := NewLogger(c, &LoggerOptions{
		Log: logConfig(tc.logDir, useJSON), Poll: 100 * time.Millisecond, FetchWait: 100 * time.Millisecond,
		Fetch: 16, Warn: warn,
	})
	if err != nil {
		tc.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rl := &runningLogger{lg: lg, cancel: cancel, done: make(chan error, 1)}
	go func() { rl.done <- lg.Run(ctx) }()
	tc.t.Cleanup(rl.stop)
	return rl
}

// stop ends the logger and waits for it (the files get their #close).
func (rl *runningLogger) stop() {
	rl.cancel()
	<-rl.done
	rl.done <- nil // for a later stop
}

// waitRecords waits until the loggers together have written n records.
func waitRecords(t testing.TB, n uint64, timeout time.Duration, lgs ...*runningLogger) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got uint64
		for _, rl := range lgs {
			got += rl.lg.Counters().Records
		}
		if got == n {
			return
		}
		if got > n {
			t.Fatalf("loggers wrote %d records, want %d", got, n)
		}
		if time.Now().After(deadline) {
			t.Fatalf("loggers wrote %d records of %d in %v", got, n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// warnings collects warning lines.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	w.lines = append(w.lines, s)
	w.mu.Unlock()
}

func (w *warnings) matching(sub string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, l := range w.lines {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

// diffLogs reports the first difference between two sets of files.
func diffLogs(t testing.TB, got, want map[string]string) {
	t.Helper()
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			t.Errorf("%s.log missing", p)
			continue
		}
		if g == w {
			continue
		}
		gl, wl := strings.SplitAfter(g, "\n"), strings.SplitAfter(w, "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var a, b string
			if i < len(gl) {
				a = gl[i]
			}
			if i < len(wl) {
				b = wl[i]
			}
			if a != b {
				t.Errorf("%s.log differs at line %d (of %d, want %d):\n got  %q\n want %q", p, i+1, len(gl), len(wl), a, b)
				break
			}
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected %s.log", p)
		}
	}
}
