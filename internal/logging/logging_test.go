package logging

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/zeek"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type connID struct {
	OrigH zeek.Addr `zeek:"orig_h"`
	OrigP zeek.Port `zeek:"orig_p"`
	RespH zeek.Addr `zeek:"resp_h"`
	RespP zeek.Port `zeek:"resp_p"`
}

// connInfo mirrors Conn::Info with two of the extensions Zeek's policy
// scripts add.
type connInfo struct {
	TS            zeek.Time               `zeek:"ts"`
	UID           string                  `zeek:"uid"`
	ID            connID                  `zeek:"id"`
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
	OrigL2Addr    zeek.Opt[string]        `zeek:"orig_l2_addr,ext=mac-logging"`
	RespL2Addr    zeek.Opt[string]        `zeek:"resp_l2_addr,ext=mac-logging"`
	VLAN          zeek.Opt[int64]         `zeek:"vlan,ext=vlan-logging"`
	InnerVLAN     zeek.Opt[int64]         `zeek:"inner_vlan,ext=vlan-logging"`
}

func port(n uint16, p zeek.Proto) zeek.Port { return zeek.Port{Num: n, Proto: p} }

// sampleConns returns records equal to rows of Zeek's baselines (with VLAN
// and MAC values added).
func sampleConns() []connInfo {
	a := netip.MustParseAddr
	u := zeek.Some[uint64]
	return []connInfo{
		{
			TS: 1237440095585864000, UID: "C0QBQT28uhQMLvar9f",
			ID:    connID{a("192.168.3.103"), port(54102, zeek.ProtoTCP), a("128.146.216.51"), port(80, zeek.ProtoTCP)},
			Proto: zeek.ProtoTCP, Service: zeek.Some("http"), Duration: zeek.Some[zeek.Interval](1104135000),
			OrigBytes: u(2222), RespBytes: u(61102), ConnState: zeek.Some("SF"),
			LocalOrig: zeek.Some(true), LocalResp: zeek.Some(false), History: zeek.Some("ShADadfF"),
			OrigPkts: u(18), OrigIPBytes: u(2966), RespPkts: u(48), RespIPBytes: u(63026), IPProto: u(6),
			VLAN: zeek.Some[int64](13), InnerVLAN: zeek.Some[int64](10),
			OrigL2Addr: zeek.Some("00:0c:29:9a:ad:40"),
		},
		{
			TS: 1333640536489921000, UID: "C2cc3D3gsgnQtMBQPg",
			ID:    connID{a("2001:78:1:32::1"), port(30000, zeek.ProtoTCP), a("2001:4f8:4:7:2e0:81ff:fe52:9a6b"), port(80, zeek.ProtoTCP)},
			Proto: zeek.ProtoTCP, ConnState: zeek.Some("S0"), LocalOrig: zeek.Some(true), LocalResp: zeek.Some(false),
			History: zeek.Some("S"), OrigPkts: u(1), OrigIPBytes: u(84), RespPkts: u(0), RespIPBytes: u(0), IPProto: u(6),
		},
		{
			TS: 1442309933472798000, UID: "CBSBxU09rc3thyJ83",
			ID:    connID{a("192.168.69.10"), port(8, zeek.ProtoICMP), a("192.168.69.2"), port(0, zeek.ProtoICMP)},
			Proto: zeek.ProtoICMP, Duration: zeek.Some[zeek.Interval](41573538000), OrigBytes: u(1344), RespBytes: u(1344),
			ConnState: zeek.Some("OTH"), LocalOrig: zeek.Some(true), LocalResp: zeek.Some(true),
			OrigPkts: u(42), OrigIPBytes: u(2520), RespPkts: u(42), RespIPBytes: u(2520),
			TunnelParents: zeek.Some([]string{"C7vJjN2zi4QOGUm1eg"}), IPProto: u(1), VLAN: zeek.Some[int64](-1),
		},
	}
}

var fixedNow = time.Date(2026, 11, 27, 3, 11, 0, 0, time.UTC)

func testConfig(dir string) Config {
	c := DefaultConfig()
	c.LogDir = dir
	c.Now = func() time.Time { return fixedNow }
	return c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func writeConns(t *testing.T, cfg Config, exts ...string) {
	t.Helper()
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStream[connInfo](m, "conn")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnableExt(exts...); err != nil {
		t.Fatal(err)
	}
	for _, c := range sampleConns() {
		if err := s.Write(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenConn writes a conn.log with the vlan-logging and mac-logging
// extensions enabled (in that order) and compares it with
// testdata/conn.log.golden.
func TestGoldenConn(t *testing.T) {
	for _, tc := range []struct {
		name string
		json bool
		exts []string
	}{
		{"conn.log.golden", false, []string{"vlan-logging", "mac-logging"}},
		{"conn.json.golden", true, []string{"vlan-logging", "mac-logging"}},
		{"conn-base.log.golden", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			cfg.UseJSON = tc.json
			writeConns(t, cfg, tc.exts...)
			got, err := os.ReadFile(filepath.Join(dir, "conn.log"))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, got)
		})
	}
}

// TestBaselineRow checks one record against the row Zeek wrote for it in
// the corpus, if the corpus is there.
func TestBaselineRow(t *testing.T) {
	base := filepath.Join(refdata.Baselines(t), "default", "http__100-continue.pcap", "conn.log")
	want, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := testConfig(dir)
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	c := sampleConns()[0]
	s.Write(&c)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "conn.log"))
	// The #open and #close times are the only difference.
	mask := func(b []byte) string {
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "#open") || strings.HasPrefix(l, "#close") {
				l = l[:6]
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	if mask(got) != mask(want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestGlobalExtensionOrder(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Extensions = []string{"mac-logging", "some-other-script", "vlan-logging"}
	m, _ := NewManager(cfg)
	s, err := NewStream[connInfo](m, "conn")
	if err != nil {
		t.Fatal(err)
	}
	cols, err := s.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cols[len(cols)-4:] {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "orig_l2_addr resp_l2_addr vlan inner_vlan" {
		t.Errorf("extension columns %s", got)
	}
	m.Close()
}

func TestNoRecordsNoFile(t *testing.T) {
	dir := t.TempDir()
	m, _ := NewManager(testConfig(dir))
	if _, err := NewStream[connInfo](m, "conn"); err != nil {
		t.Fatal(err)
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files written for an empty stream: %v", entries)
	}
}

func TestStreamErrors(t *testing.T) {
	m, _ := NewManager(testConfig(t.TempDir()))
	s, _ := NewStream[connInfo](m, "conn")
	if _, err := NewStream[connInfo](m, "conn"); err == nil {
		t.Error("second stream on the same path accepted")
	}
	if _, err := NewStream[connInfo](m, ""); err == nil {
		t.Error("empty path accepted")
	}
	if _, err := NewStream[int](m, "int"); err == nil {
		t.Error("non-struct record accepted")
	}
	if _, err := NewStream[connInfo](m, "x", WithFilter(Filter{Include: []string{"nope"}})); err == nil {
		t.Error("filter selecting nothing accepted")
	}
	if err := s.EnableExt("no-such-script"); err == nil {
		t.Error("unknown extension accepted")
	}
	c := sampleConns()[1]
	if err := s.Write(&c); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableExt("vlan-logging"); err == nil {
		t.Error("extension enabled after the first write")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(&c); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := NewStream[connInfo](m, "late"); !errors.Is(err, ErrClosed) {
		t.Errorf("stream after close: %v", err)
	}
	if _, err := NewManager(Config{GzipLevel: 10}); err == nil {
		t.Error("gzip level 10 accepted")
	}
	if _, err := NewManager(Config{}); err == nil {
		t.Error("zero config (no separator) accepted")
	}
}

// TestNeverWrittenAfterClose: a stream that first writes after Close gets
// ErrClosed and starts nothing.
func TestNeverWrittenAfterClose(t *testing.T) {
	dir := t.TempDir()
	m, _ := NewManager(testConfig(dir))
	s, _ := NewStream[connInfo](m, "conn")
	m.Close()
	c := sampleConns()[0]
	if err := s.Write(&c); !errors.Is(err, ErrClosed) {
		t.Errorf("write: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files: %v", entries)
	}
}

func TestGzip(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.GzipLevel = 6
	writeConns(t, cfg)
	f, err := os.Open(filepath.Join(dir, "conn.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "conn-base.log.golden", got)
}

func TestLogDirCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	cfg := testConfig(dir)
	cfg.LogSuffix = "txt"
	writeConns(t, cfg)
	if _, err := os.Stat(filepath.Join(dir, "conn.txt")); err != nil {
		t.Error(err)
	}
}

func TestWriteError(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	cfg := testConfig(filepath.Join(blocker, "logs")) // a directory under a file
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	c := sampleConns()[0]
	for i := 0; i < 3; i++ {
		if err := s.Write(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err == nil || !strings.HasPrefix(err.Error(), "logging: ") {
		t.Errorf("close: %v", err)
	}
}

func TestFilter(t *testing.T) {
	dir := t.TempDir()
	m, _ := NewManager(testConfig(dir))
	s, err := NewStream[connInfo](m, "conn", WithFilter(Filter{
		Name: "short", Path: "conn-short", Include: []string{"ts", "id_orig_h", "vlan"},
		ScopeSep: "_", FieldNameMap: map[string]string{"ts": "@ts"},
	}), WithExtensions("vlan-logging"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sampleConns() {
		s.Write(&c)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "conn-short.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(got), "\n")
	if lines[4] != "#path\tconn-short" || lines[6] != "#fields\t@ts\tid_orig_h\tvlan" || lines[8] != "1237440095.585864\t192.168.3.103\t13" {
		t.Errorf("filtered log:\n%s", got)
	}
}

func TestFlush(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.FlushInterval = time.Hour
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	for _, c := range sampleConns() {
		s.Write(&c)
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "conn.log"))
	if n := strings.Count(string(got), "\n"); n != 8+3 {
		t.Errorf("%d lines after Flush:\n%s", n, got)
	}
	if strings.Contains(string(got), "#close") {
		t.Error("#close before Close")
	}
	m.Close()
	m.Flush() // after Close: no hang
}

// TestConcurrentWrites writes from several goroutines into one stream and
// checks that every record arrives whole. Run with -race.
func TestConcurrentWrites(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.QueueLen = 16 // make writers block now and then
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := sampleConns()[0]
			for i := 0; i < each; i++ {
				c.UID = fmt.Sprintf("W%dR%d", w, i)
				c.TunnelParents = zeek.Some([]string{c.UID})
				if err := s.Write(&c); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	go m.Flush() // concurrently with the writers
	wg.Wait()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(dir, "conn.log"))
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			continue
		}
		fields := strings.Split(l, "\t")
		if len(fields) != 22 || fields[1] != fields[20] {
			t.Fatalf("mangled line %q", l)
		}
		if seen[fields[1]] {
			t.Fatalf("duplicate %s", fields[1])
		}
		seen[fields[1]] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d records, want %d", len(seen), writers*each)
	}
}

// memWriter is a Writer that keeps encoded records in memory, to show the
// plug-in seam.
type memWriter struct {
	info WriterInfo
	log  *[]string
}

func (w *memWriter) Init(info WriterInfo) error {
	w.info = info
	*w.log = append(*w.log, "init "+info.Path+" "+info.Filter+" "+info.View.Columns()[0].Name)
	return nil
}

func (w *memWriter) Write(r schema.Record) error {
	*w.log = append(*w.log, fmt.Sprintf("write %d", len(w.info.View.Columns())))
	return nil
}
func (w *memWriter) Flush() error { return nil }
func (w *memWriter) Close() error {
	*w.log = append(*w.log, "close")
	return errors.New("memwriter: closed")
}

func TestCustomWriter(t *testing.T) {
	var log []string
	cfg := testConfig(t.TempDir())
	cfg.NewWriter = func(info WriterInfo) (Writer, error) { return &memWriter{log: &log}, nil }
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	c := sampleConns()[0]
	s.Write(&c)
	s.Write(&c)
	err := m.Close()
	if got := strings.Join(log, "; "); got != "init conn default ts; write 22; write 22; close" {
		t.Errorf("calls: %s", got)
	}
	if err == nil || err.Error() != "memwriter: closed" {
		t.Errorf("close error %v", err)
	}
}

func BenchmarkStreamWrite(b *testing.B) {
	cfg := testConfig(b.TempDir())
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	c := sampleConns()[0]
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Write(&c)
	}
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}
}
