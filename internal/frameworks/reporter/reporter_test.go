package reporter

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

const sec = zeek.Time(zeek.Second)

func newManager(t *testing.T, json bool) (*logging.Manager, string) {
	t.Helper()
	dir := t.TempDir()
	lc := logging.DefaultConfig()
	lc.LogDir = dir
	lc.UseJSON = json
	lc.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	m, err := logging.NewManager(lc)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

// TestLog checks the records, their times and levels, and what is printed.
func TestLog(t *testing.T) {
	m, dir := newManager(t, false)
	var printed []string
	wall := time.Unix(1700000000, 250000000)
	r := New(&Options{
		Print: func(l Level, msg string) { printed = append(printed, string(l)+" "+msg) },
		Now:   func() time.Time { return wall },
	})
	r.Warning("before the stream") // kept until Attach, at the wall clock
	net := zeek.Time(0)
	if err := r.Attach(m, func() zeek.Time { return net }); err != nil {
		t.Fatal(err)
	}
	r.Info("no packet yet") // wall clock
	net = 1300000000*sec + 123456000
	r.Warning("a warning")
	r.Error("an error")
	r.Log(1300000005*sec, LevelError, "logged only")
	r.Detach()
	r.Info("after the stream")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	wantPrinted := []string{
		"Reporter::WARNING before the stream",
		"Reporter::INFO no packet yet",
		"Reporter::WARNING a warning",
		"Reporter::ERROR an error",
		"Reporter::INFO after the stream",
	}
	if strings.Join(printed, "\n") != strings.Join(wantPrinted, "\n") {
		t.Errorf("printed\n%s\nwant\n%s", strings.Join(printed, "\n"), strings.Join(wantPrinted, "\n"))
	}
	lg, err := zeeklog.ReadFile(filepath.Join(dir, "reporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	if lg.Path != "reporter" {
		t.Errorf("path %q", lg.Path)
	}
	tests := []struct{ ts, level, msg string }{
		{"1700000000.250000", "Reporter::WARNING", "before the stream"},
		{"1700000000.250000", "Reporter::INFO", "no packet yet"},
		{"1300000000.123456", "Reporter::WARNING", "a warning"},
		{"1300000000.123456", "Reporter::ERROR", "an error"},
		{"1300000005.000000", "Reporter::ERROR", "logged only"},
	}
	if len(lg.Records) != len(tests) {
		t.Fatalf("%d records, want %d", len(lg.Records), len(tests))
	}
	for i, tt := range tests {
		rec := lg.Records[i]
		if rec["ts"] != tt.ts || rec["level"] != tt.level || rec["message"] != tt.msg || rec["location"] != "(empty)" {
			t.Errorf("record %d = %v, want ts %s level %s message %q location (empty)", i, rec, tt.ts, tt.level, tt.msg)
		}
	}
}

// TestHeaderMatchesZeek compares the columns with a reporter.log of Zeek's
// own tests.
func TestHeaderMatchesZeek(t *testing.T) {
	m, dir := newManager(t, false)
	r := New(nil)
	if err := r.Attach(m, nil); err != nil {
		t.Fatal(err)
	}
	r.Error("x")
	r.Detach()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := zeeklog.ReadFile(filepath.Join(dir, "reporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Join(got.Fields, " "); f != "ts level message location" {
		t.Errorf("fields %s", f)
	}
	src := refdata.ZeekSource(t)
	want, err := zeeklog.ReadFile(filepath.Join(src, "testing/btest/Baseline/core.expr-exception/reporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	if g, w := strings.Join(got.Fields, " ")+"|"+strings.Join(got.Types, " "), strings.Join(want.Fields, " ")+"|"+strings.Join(want.Types, " "); g != w {
		t.Errorf("columns %s, Zeek's %s", g, w)
	}
}

// TestJSON checks that the empty location is kept in JSON, as Zeek does.
func TestJSON(t *testing.T) {
	m, dir := newManager(t, true)
	r := New(nil)
	if err := r.Attach(m, func() zeek.Time { return 1300000000 * sec }); err != nil {
		t.Fatal(err)
	}
	r.Warning("w")
	r.Detach()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := readFile(filepath.Join(dir, "reporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ts":1300000000.0,"level":"Reporter::WARNING","message":"w","location":""}` + "\n"
	if b != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

// TestConcurrent raises messages from many goroutines while the stream is
// attached and detached; every message raised while attached is logged.
func TestConcurrent(t *testing.T) {
	m, dir := newManager(t, false)
	var mu sync.Mutex
	n := 0
	r := New(&Options{Print: func(Level, string) { mu.Lock(); n++; mu.Unlock() }})
	if err := r.Attach(m, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if g%2 == 0 {
					r.Warning("w")
				} else {
					r.Info("i")
				}
			}
		}()
	}
	wg.Wait()
	r.Detach()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	r.Error("after close") // neither panics nor blocks
	lg, err := zeeklog.ReadFile(filepath.Join(dir, "reporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lg.Records) != 800 || n != 801 || r.Dropped() != 0 {
		t.Errorf("%d records, %d printed, %d dropped; want 800, 801, 0", len(lg.Records), n, r.Dropped())
	}
}

// TestNil checks that a nil Reporter does nothing.
func TestNil(t *testing.T) {
	var r *Reporter
	r.Warning("x")
	r.Log(0, LevelInfo, "x")
}

// blockedWriter is a log back end that takes no record until released,
// as a cluster node's log sender whose queue is full.
type blockedWriter struct{ release chan struct{} }

func (w *blockedWriter) Init(logging.WriterInfo) error { return nil }
func (w *blockedWriter) Write(schema.Record) error     { <-w.release; return nil }
func (w *blockedWriter) Flush() error                  { return nil }
func (w *blockedWriter) Close() error                  { return nil }

// TestNeverBlocks raises more messages than the queue holds while the log
// takes none: raising returns at once, the excess is counted as dropped
// and still printed.
func TestNeverBlocks(t *testing.T) {
	bw := &blockedWriter{release: make(chan struct{})}
	lc := logging.DefaultConfig()
	lc.NewWriter = func(logging.WriterInfo) (logging.Writer, error) { return bw, nil }
	m, err := logging.NewManager(lc)
	if err != nil {
		t.Fatal(err)
	}
	printed := 0
	r := New(&Options{Print: func(Level, string) { printed++ }})
	if err := r.Attach(m, nil); err != nil {
		t.Fatal(err)
	}
	const n = 20000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range n {
			r.Warning("spool full")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("raising a message blocked on the log")
	}
	if printed != n || r.Dropped() == 0 || r.Dropped() >= n {
		t.Errorf("printed %d, dropped %d of %d", printed, r.Dropped(), n)
	}
	close(bw.release)
	r.Detach()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPendingBound: of the messages raised before the first Attach, a
// bounded number is kept and logged; the rest are counted.
func TestPendingBound(t *testing.T) {
	m, dir := newManager(t, false)
	r := New(nil)
	for range pendingLen + 36 {
		r.Warning("early")
	}
	if err := r.Attach(m, nil); err != nil {
		t.Fatal(err)
	}
	r.Detach()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	lg, err := zeeklog.ReadFile(filepath.Join(dir, "reporter.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lg.Records) != pendingLen || r.Dropped() != 36 {
		t.Errorf("%d records, %d dropped; want %d, 36", len(lg.Records), r.Dropped(), pendingLen)
	}
}

// BenchmarkLog measures raising a message that goes to an attached
// reporter.log (not on the packet path; messages are rare).
func BenchmarkLog(b *testing.B) {
	lc := logging.DefaultConfig()
	lc.LogDir = b.TempDir()
	m, err := logging.NewManager(lc)
	if err != nil {
		b.Fatal(err)
	}
	r := New(nil)
	if err := r.Attach(m, func() zeek.Time { return 1300000000 * sec }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Warning("capture dropped packets")
	}
	r.Detach()
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}
}
