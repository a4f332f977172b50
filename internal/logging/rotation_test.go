package logging

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/zeek"
)

type rotRec struct {
	TS  zeek.Time `zeek:"ts"`
	Msg string    `zeek:"msg"`
}

// fakeClock is a settable Now and an After whose timers the test fires.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	calls chan time.Duration
	fire  chan chan time.Time
}

func newFakeClock(t time.Time) *fakeClock {
	return &fakeClock{now: t, calls: make(chan time.Duration, 1), fire: make(chan chan time.Time, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.fire <- ch
	c.calls <- d
	return ch
}

// expire advances the clock to t and fires the pending timer.
func (c *fakeClock) expire(t time.Time) {
	ch := <-c.fire
	c.Set(t)
	ch <- t
}

func readGz(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRotationInterval(t *testing.T) {
	day := func(h, m, s int) time.Time { return time.Date(2026, 11, 27, h, m, s, 0, time.UTC) }
	clk := newFakeClock(day(7, 25, 42))
	spool, logs := t.TempDir(), t.TempDir()
	archived := make(chan string, 16)
	cfg := DefaultConfig()
	cfg.LogDir = spool
	cfg.RotationInterval = zeek.Hour
	cfg.Now, cfg.After = clk.Now, clk.After
	cfg.RotationPolicy = &rotate.Archiver{LogDir: logs, Compression: rotate.Gzip, Location: time.UTC,
		Archived: func(f rotate.File, name string) { archived <- name }}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := <-clk.calls; d != 34*time.Minute+18*time.Second {
		t.Errorf("first rotation timer %v, want 34m18s (the next hour)", d)
	}
	conn, err := NewStream[rotRec](m, "conn")
	if err != nil {
		t.Fatal(err)
	}
	dns, err := NewStream[rotRec](m, "dns")
	if err != nil {
		t.Fatal(err)
	}
	write := func(s *Stream[rotRec], msg string) {
		t.Helper()
		if err := s.Write(&rotRec{TS: zeek.Time(clk.Now().UnixNano()), Msg: msg}); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(n int) []string {
		t.Helper()
		var got []string
		for range n {
			select {
			case a := <-archived:
				got = append(got, a)
			case <-time.After(10 * time.Second):
				t.Fatalf("archived %v, waiting for %d", got, n)
			}
		}
		sort.Strings(got)
		return got
	}
	write(conn, "first-hour")
	write(dns, "dns-first-hour")
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}

	// 08:00: both logs rotate.
	clk.expire(day(8, 0, 0))
	if d := <-clk.calls; d != time.Hour {
		t.Errorf("second rotation timer %v, want 1h", d)
	}
	got := wait(2)
	want := []string{
		filepath.Join(logs, "2026-11-27", "conn.07:25:42-08:00:00.log.gz"),
		filepath.Join(logs, "2026-11-27", "dns.07:25:42-08:00:00.log.gz"),
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("archives %q, want %q", got, want)
	}
	first := readGz(t, want[0])
	if !strings.HasPrefix(first, "#separator") || !strings.Contains(first, "first-hour") || !strings.Contains(first, "#close\t") {
		t.Errorf("first conn archive:\n%s", first)
	}
	if _, err := os.Stat(filepath.Join(spool, "conn.log")); !os.IsNotExist(err) {
		t.Errorf("conn.log exists before the next record: %v", err)
	}

	// 08:10: only conn is written; at 09:00 only conn rotates, named for
	// the whole interval.
	clk.Set(day(8, 10, 0))
	write(conn, "second-hour")
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	live, err := os.ReadFile(filepath.Join(spool, "conn.log"))
	if err != nil || !strings.HasPrefix(string(live), "#separator") {
		t.Fatalf("new conn.log has no header: %q, %v", live, err)
	}
	clk.expire(day(9, 0, 0))
	<-clk.calls
	got = wait(1)
	second := filepath.Join(logs, "2026-11-27", "conn.08:00:00-09:00:00.log.gz")
	if got[0] != second {
		t.Fatalf("second rotation archived %q, want %q", got, second)
	}
	s := readGz(t, second)
	if !strings.HasPrefix(s, "#separator") || !strings.Contains(s, "second-hour") || strings.Contains(s, "first-hour") {
		t.Errorf("second conn archive:\n%s", s)
	}

	// Close at 09:30 rotates what is open as Zeek does at shutdown.
	clk.Set(day(9, 20, 0))
	write(conn, "third-hour")
	clk.Set(day(9, 30, 0))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got = wait(1)
	if want := filepath.Join(logs, "2026-11-27", "conn.09:00:00-09:30:00.log.gz"); got[0] != want {
		t.Errorf("archive at close %q, want %q", got[0], want)
	}
	ents, _ := os.ReadDir(spool)
	for _, e := range ents {
		t.Errorf("left in the live directory: %s", e.Name())
	}
	ents, _ = os.ReadDir(filepath.Join(logs, "2026-11-27"))
	if len(ents) != 4 {
		t.Errorf("%d archives, want 4", len(ents))
	}
}

// Without a policy rotated files stay next to the live ones under Zeek's
// names, as with a standalone zeek and Log::default_rotation_interval.
func TestRotateNoPolicy(t *testing.T) {
	now := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	clk := newFakeClock(now)
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.LogDir = dir
	cfg.RotationInterval = 30 * zeek.Minute
	cfg.Now, cfg.After = clk.Now, clk.After
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	<-clk.calls
	s, _ := NewStream[rotRec](m, "weird")
	s.Write(&rotRec{Msg: "a"})
	m.Flush()
	clk.Set(now.Add(10 * time.Minute))
	if err := m.Rotate(); err != nil {
		t.Fatal(err)
	}
	s.Write(&rotRec{Msg: "b"})
	clk.Set(now.Add(20 * time.Minute))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"weird.2026-11-27-07-00-00.log", "weird.2026-11-27-07-10-00.log"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || !strings.HasPrefix(string(b), "#separator") || !strings.Contains(string(b), "#close") {
			t.Errorf("%s: %q, %v", n, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "weird.log")); !os.IsNotExist(err) {
		t.Errorf("weird.log left: %v", err)
	}
}

func TestRotateNotEnabled(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LogDir = t.TempDir()
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Rotate(); err == nil {
		t.Errorf("Rotate without rotation configured succeeded")
	}
	cfg.RotationBaseTime = "25:00"
	cfg.RotationInterval = zeek.Hour
	if _, err := NewManager(cfg); err == nil {
		t.Errorf("bad log_rotate_base_time accepted")
	}
}

// Writing to a rotating log allocates nothing per record (the check
// for a rotation is one atomic load).
func TestRotatingWriteAllocs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LogDir = t.TempDir()
	cfg.RotationPolicy = &rotate.Archiver{LogDir: t.TempDir()}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := NewStream[rotRec](m, "conn")
	if err != nil {
		t.Fatal(err)
	}
	rec := &rotRec{TS: 1, Msg: "x"}
	s.Write(rec)
	m.Flush()
	allocs := testing.AllocsPerRun(2000, func() { s.Write(rec) })
	m.Flush()
	if allocs > 0.05 { // the stream's ticker may allocate now and then
		t.Errorf("Write to a rotating log allocates %v times per record", allocs)
	}
}

// BenchmarkRotatingWrite compares writing a small record to a plain log
// and to one set up for rotation (where the writer checks for a rotation
// on every record); the difference is the cost of that check.
func BenchmarkRotatingWrite(b *testing.B) {
	for _, rotating := range []bool{false, true} {
		name := "plain"
		if rotating {
			name = "rotating"
		}
		b.Run(name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.LogDir = b.TempDir()
			if rotating {
				cfg.RotationPolicy = &rotate.Archiver{LogDir: b.TempDir()}
			}
			m, err := NewManager(cfg)
			if err != nil {
				b.Fatal(err)
			}
			s, _ := NewStream[rotRec](m, "conn")
			rec := &rotRec{TS: 1, Msg: "benchmark record"}
			b.ReportAllocs()
			for b.Loop() {
				s.Write(rec)
			}
			m.Flush()
			b.StopTimer()
			m.Close()
		})
	}
}

// Files the writer compresses itself (LogAscii::gzip_level) keep their
// compression through rotation and archiving.
func TestRotateGzipLevel(t *testing.T) {
	spool, logs := t.TempDir(), t.TempDir()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clk := newFakeClock(now)
	cfg := DefaultConfig()
	cfg.LogDir = spool
	cfg.GzipLevel = 1
	cfg.Now = clk.Now
	cfg.RotationPolicy = &rotate.Archiver{LogDir: logs, Compression: rotate.Zstd, Location: time.UTC}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewStream[rotRec](m, "files")
	s.Write(&rotRec{Msg: "gz"})
	m.Flush()
	clk.Set(now.Add(time.Minute))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got := readGz(t, filepath.Join(logs, "2026-11-27", "files.10:00:00-10:01:00.log.gz"))
	if !strings.Contains(got, "\tgz\n") || !strings.Contains(got, "#close") {
		t.Errorf("archive holds:\n%s", got)
	}
}
