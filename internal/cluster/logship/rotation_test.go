package logship

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/zeek"
)

// testClock is a settable clock; its After timers fire when Set passes
// their time.
type testClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []testTimer
}

type testTimer struct {
	at time.Time
	ch chan time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{now: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, testTimer{c.now.Add(d), ch})
	return ch
}

// Set moves the clock to t and fires the timers due by then.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(t) {
			tm.ch <- tm.at
		} else {
			keep = append(keep, tm)
		}
	}
	c.timers = keep
}

// waitTimer waits until some timer is pending (the standalone manager's
// rotation schedule has armed its next boundary).
func (c *testClock) waitTimer(t testing.TB) {
	t.Helper()
	waitFor(t, "a rotation timer", 10*time.Second, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.timers) > 0
	})
}

func day(h, m, s int) time.Time { return time.Date(2026, 11, 27, h, m, s, 0, time.UTC) }

// archiveSink collects the names of archives as an Archiver makes them.
type archiveSink struct {
	mu    sync.Mutex
	names []string
}

func (a *archiveSink) add(_ rotate.File, name string) {
	a.mu.Lock()
	a.names = append(a.names, name)
	a.mu.Unlock()
}

func (a *archiveSink) wait(t testing.TB, n int) {
	t.Helper()
	waitFor(t, "archives", 20*time.Second, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.names) >= n
	})
}

// readArchives returns the decompressed archives under dir by name
// relative to dir, with "-"+suffix taken out of the names.
func readArchives(t testing.TB, dir, suffix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return err
			}
			r = zr
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if suffix != "" {
			rel = strings.Replace(rel, "-"+suffix+".", ".", 1)
		}
		out[rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rotLogger runs a logger of node with hourly rotation on clk, archiving
// into arch.
func (tc *testCluster) rotLogger(node string, clk *testClock, arch string, sink *archiveSink) (*runningLogger, *transport.Conn) {
	return tc.rotLoggerFormat(node, clk, arch, sink, logConfig(tc.logDir, false))
}

// rotLoggerFormat is rotLogger with the files' format taken from cfg.
func (tc *testCluster) rotLoggerFormat(node string, clk *testClock, arch string, sink *archiveSink, cfg logging.Config) (*runningLogger, *transport.Conn) {
	tc.t.Helper()
	// Liveness that survives a loaded machine: a logger that misses
	// heartbeats for a moment would give its paths up, rotating them
	// early.
	o := fastConn
	o.DownAfter = 5 * time.Second
	c, err := transport.Connect(tc.l, node, &o)
	if err != nil {
		tc.t.Fatalf("connect %s: %v", node, err)
	}
	tc.t.Cleanup(func() { c.Close() })
	cfg.Now = clk.Now
	cfg.RotationInterval = zeek.Hour
	cfg.RotationPolicy = &rotate.Archiver{LogDir: arch, Compression: rotate.Gzip, Location: time.UTC, Archived: sink.add}
	lg, err := NewLogger(c, &LoggerOptions{
		Log: cfg, Poll: 100 * time.Millisecond, FetchWait: 50 * time.Millisecond, Fetch: 16,
		Warn: func(s string) {
			tc.t.Log(s)
			if tc.warn != nil {
				tc.warn(s)
			}
		},
	})
	if err != nil {
		tc.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rl := &runningLogger{lg: lg, cancel: cancel, done: make(chan error, 1)}
	go func() { rl.done <- lg.Run(ctx) }()
	tc.t.Cleanup(rl.stop)
	return rl, c
}

// standalone is a logging.Manager rotating hourly on clk, archiving into
// arch: what a standalone node makes of the records the test sends.
type standalone struct {
	t    testing.TB
	m    *logging.Manager
	conn *logging.Stream[connRec]
	dns  *logging.Stream[dnsRec]
}

func newStandalone(t testing.TB, clk *testClock, arch string, sink *archiveSink, cfg logging.Config) *standalone {
	cfg.LogDir = t.TempDir()
	cfg.Now, cfg.After = clk.Now, clk.After
	cfg.RotationInterval = zeek.Hour
	cfg.RotationPolicy = &rotate.Archiver{LogDir: arch, Compression: rotate.Gzip, Location: time.UTC, Archived: sink.add}
	m, err := logging.NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &standalone{t: t, m: m}
}

func (s *standalone) write(rs records) {
	s.t.Helper()
	var err error
	if len(rs.conn) > 0 && s.conn == nil {
		if s.conn, err = logging.NewStream[connRec](s.m, "conn"); err != nil {
			s.t.Fatal(err)
		}
	}
	if len(rs.dns) > 0 && s.dns == nil {
		if s.dns, err = logging.NewStream[dnsRec](s.m, "dns"); err != nil {
			s.t.Fatal(err)
		}
	}
	for i := range rs.conn {
		s.conn.Write(&rs.conn[i])
	}
	for i := range rs.dns {
		s.dns.Write(&rs.dns[i])
	}
	if err := s.m.Flush(); err != nil {
		s.t.Fatal(err)
	}
}

// TestRotation: a logger rotating hourly on a fake clock archives the
// same files, byte for byte, as a standalone node's logging manager
// given the same records at the same times: two rotations (one log
// starting after the first, named after it) and the rotation at stop;
// the archives carry the logger's name (the layout has two loggers), and
// no live or rotated file is left. In ASCII, JSON, and ASCII compressed
// by the writer (LogAscii::gzip_level, archived as they are).
func TestRotation(t *testing.T) {
	for _, format := range []string{"ascii", "json", "gzip"} {
		t.Run(format, func(t *testing.T) { testRotation(t, format) })
	}
}

func testRotation(t *testing.T, format string) {
	clk := newTestClock(day(7, 25, 42))
	tc := newTestCluster(t)
	tc.ensureStream(tc.conn("manager"))
	sArch, lArch := t.TempDir(), t.TempDir()
	var sSink, lSink archiveSink
	cfg := logConfig(tc.logDir, format == "json")
	if format == "gzip" {
		cfg.GzipLevel = 1
	}
	sa := newStandalone(t, clk, sArch, &sSink, cfg)
	rl, _ := tc.rotLoggerFormat("logger-1", clk, lArch, &lSink, cfg)
	w := tc.conn("worker-1")
	total := 0
	step := func(rs records) {
		t.Helper()
		sa.write(rs)
		tc.send(w, &SenderOptions{BatchBytes: 4096}, rs)
		total += rs.count()
		waitRecords(t, uint64(total), 20*time.Second, rl)
	}
	boundary := func(at time.Time, archives int) {
		t.Helper()
		clk.waitTimer(t)
		clk.Set(at)
		sSink.wait(t, archives)
		lSink.wait(t, archives)
	}

	step(records{conn: conns(1, 300)})
	boundary(day(8, 0, 0), 1)
	clk.Set(day(8, 10, 0))
	step(records{conn: conns(2, 200), dns: dnss(2, 50)})
	boundary(day(9, 0, 0), 3)
	clk.Set(day(9, 20, 0))
	step(records{conn: conns(3, 100)})
	clk.Set(day(9, 30, 0))
	if err := sa.m.Close(); err != nil {
		t.Fatal(err)
	}
	rl.stop()
	sSink.wait(t, 4)
	lSink.wait(t, 4)

	want := readArchives(t, sArch, "")
	got := readArchives(t, lArch, "logger-1")
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	wantNames := []string{
		"2026-11-27/conn.07:25:42-08:00:00.log.gz", "2026-11-27/conn.08:00:00-09:00:00.log.gz",
		"2026-11-27/conn.09:00:00-09:30:00.log.gz", "2026-11-27/dns.08:00:00-09:00:00.log.gz",
	}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("standalone archives %q, want %q", names, wantNames)
	}
	for _, n := range names {
		if format != "json" && !strings.Contains(want[n], "#close\t") {
			t.Errorf("standalone %s has no #close", n)
		}
		if len(recordLines(want[n])) == 0 {
			t.Errorf("standalone %s has no records", n)
		}
	}
	diffLogs(t, got, want)
	for _, n := range lSink.names {
		if !strings.Contains(filepath.Base(n), "-logger-1.log.gz") {
			t.Errorf("archive %s does not carry the logger's name", n)
		}
	}
	ents, _ := os.ReadDir(tc.logDir)
	for _, e := range ents {
		t.Errorf("left in the live directory: %s", e.Name())
	}
}

// recordLines returns the record lines of logs, in order.
func recordLines(logs ...string) []string {
	var out []string
	for _, l := range logs {
		for _, line := range strings.SplitAfter(l, "\n") {
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out
}

// TestRotationCrash: a logger that dies at any step of a rotation (after
// the #close line, after journaling the cut, after linking the rotated
// name, after swapping the new file in, after journaling the cut as done,
// after the archive is made but before the journal says so, and inside
// the Archiver between the archive and the removal of the rotated file)
// and is started again finishes the rotation: every record ends up once,
// in the archive of its interval, which is complete, and no archive is
// made twice. Both for the rotation at a boundary and for the one when
// the logger stops.
func TestRotationCrash(t *testing.T) {
	for _, mode := range []string{"boundary", "stop"} {
		for _, stage := range []string{"cut-closed", "cut-journaled", "cut-linked", "cut-swapped", "cut-done", "archived", "archive-unremoved"} {
			t.Run(mode+"/"+stage, func(t *testing.T) { testRotationCrash(t, mode, stage) })
		}
	}
}

func testRotationCrash(t *testing.T, mode, stage string) {
	clk := newTestClock(day(7, 25, 42))
	tc := newTestCluster(t)
	tc.ensureStream(tc.conn("manager"))
	hookStage := stage
	if stage == "archive-unremoved" {
		hookStage = "cut-done"
	}
	crashed := make(chan struct{})
	var once sync.Once
	var armed, dead atomic.Bool
	crashHook = func(s string) bool {
		if dead.Load() { // a dead process does nothing more
			return true
		}
		if s != hookStage || !armed.Load() {
			return false
		}
		dead.Store(true)
		once.Do(func() { close(crashed) })
		return true
	}
	defer func() { crashHook = nil }()

	arch := t.TempDir()
	var sink archiveSink
	rl, l1 := tc.rotLogger("logger-1", clk, arch, &sink)
	w := tc.conn("worker-1")
	set1, set2 := records{conn: conns(1, 300)}, records{conn: conns(2, 200)}
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set1)
	waitRecords(t, 300, 20*time.Second, rl)

	armed.Store(true)
	// The first file closes at 08:00 (a boundary) or 07:40 (the
	// logger stops); the second opens at 08:10 or 07:45 and is
	// closed when the logger stops 20 or 5 minutes later.
	close1, open2, close2 := day(8, 0, 0), day(8, 10, 0), day(8, 30, 0)
	if mode == "stop" {
		close1, open2, close2 = day(7, 40, 0), day(7, 45, 0), day(7, 50, 0)
	}
	clk.Set(close1)
	if mode == "stop" {
		rl.stop()
	}
	select {
	case <-crashed:
	case <-time.After(20 * time.Second):
		t.Fatal("no crash")
	}
	l1.NATS().Close()
	rl.stop()
	crashHook = nil

	rotated, _ := filepath.Glob(filepath.Join(tc.logDir, "conn.2026-*"))
	a := &rotate.Archiver{LogDir: arch, Compression: rotate.Gzip, Location: time.UTC, Suffix: "logger-1"}
	if stage == "archive-unremoved" {
		// The Archiver died after renaming the archive into place,
		// before removing the rotated file.
		if len(rotated) != 1 {
			t.Fatalf("rotated files %q", rotated)
		}
		b, err := os.ReadFile(rotated[0])
		if err != nil {
			t.Fatal(err)
		}
		cp := filepath.Join(t.TempDir(), "copy.log")
		if err := os.WriteFile(cp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Archive(rotate.File{Name: cp, Path: "conn", Ext: "log", Open: day(7, 25, 42), Close: close1}); err != nil {
			t.Fatal(err)
		}
	}

	// A crash before the rotation at stop is journaled leaves the file
	// live: the restarted logger continues it (the #close line cut off)
	// and rotates it when it stops again.
	continued := mode == "stop" && stage == "cut-closed"
	rl2, _ := tc.rotLogger("logger-1", clk, arch, &sink)
	first := "2026-11-27/conn.07:25:42-" + close1.Format("15:04:05") + "-logger-1.log.gz"
	waitFor(t, "the rotation finished", 20*time.Second, func() bool {
		if continued {
			return rl2.lg.Counters().Takeovers > 0
		}
		m, _ := filepath.Glob(filepath.Join(tc.logDir, "conn.2026-*"))
		_, err := os.Stat(filepath.Join(arch, filepath.FromSlash(first)))
		return len(m) == 0 && err == nil
	})
	clk.Set(open2)
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set2)
	waitRecords(t, 200, 20*time.Second, rl2)
	clk.Set(close2)
	rl2.stop()

	got := readArchives(t, arch, "")
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	wantNames := []string{first, "2026-11-27/conn." + open2.Format("15:04:05") + "-" + close2.Format("15:04:05") + "-logger-1.log.gz"}
	sets := []records{set1, set2}
	if continued {
		first = "2026-11-27/conn.07:25:42-" + close2.Format("15:04:05") + "-logger-1.log.gz"
		wantNames = []string{first}
		sets = []records{{conn: append(append([]connRec(nil), set1.conn...), set2.conn...)}}
		close1 = close2
	}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("archives %q, want %q", names, wantNames)
	}
	for i, rs := range sets {
		a := got[wantNames[i]]
		want := recordLines(local(t, false, rs)["conn"])
		if g := recordLines(a); strings.Join(g, "") != strings.Join(want, "") {
			t.Errorf("%s holds %d records, want the %d of its interval", wantNames[i], len(g), len(want))
		}
		if !strings.HasPrefix(a, "#separator") || !strings.Contains(a, "\n#close\t") || strings.Count(a, "#close") != 1 || !strings.HasSuffix(a, "\n") {
			t.Errorf("%s is not one complete log:\n%.300s…", wantNames[i], a)
		}
	}
	if !strings.Contains(got[wantNames[0]], "#close\t"+close1.Format("2006-01-02-15-04-05")+"\n") {
		t.Errorf("first archive's #close is not at the boundary:\n%s", got[wantNames[0]][len(got[wantNames[0]])-80:])
	}
	ents, _ := os.ReadDir(tc.logDir)
	for _, e := range ents {
		t.Errorf("left in the live directory: %s", e.Name())
	}
}

// TestRotationHandover: when a path moves from one logger to another of
// the same host, the first rotates and archives its file (as at stop)
// while the second waits for the lock, and the second starts a new file;
// every record is archived once, each archive under its writer's name.
func TestRotationHandover(t *testing.T) {
	clk := newTestClock(day(7, 25, 42))
	tc := newTestCluster(t)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	second := transport.HRW("conn", []string{"logger-1", "logger-2"})
	first := "logger-1"
	if second == first {
		first = "logger-2"
	}
	arch := t.TempDir()
	var sink archiveSink
	rl1, _ := tc.rotLogger(first, clk, arch, &sink)
	w := tc.conn("worker-1")
	set1, set2 := records{conn: conns(1, 300)}, records{conn: conns(2, 200)}
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set1)
	waitRecords(t, 300, 20*time.Second, rl1)

	clk.Set(day(7, 40, 0))
	rl2, _ := tc.rotLogger(second, clk, arch, &sink)
	sink.wait(t, 1) // the first logger gave conn up and archived it
	clk.Set(day(7, 45, 0))
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set2)
	waitRecords(t, 200, 20*time.Second, rl2)
	clk.Set(day(7, 50, 0))
	rl2.stop()
	rl1.stop()
	if c := rl1.lg.Counters().Records; c != 300 {
		t.Errorf("%s wrote %d records, want 300", first, c)
	}

	got := readArchives(t, arch, "")
	wantNames := []string{
		"2026-11-27/conn.07:25:42-07:40:00-" + first + ".log.gz",
		"2026-11-27/conn.07:45:00-07:50:00-" + second + ".log.gz",
	}
	sort.Strings(wantNames)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("archives %q, want %q", names, wantNames)
	}
	for _, n := range names {
		want := set1
		if strings.Contains(n, second) {
			want = set2
		}
		a := got[n]
		if g, w := recordLines(a), recordLines(local(t, false, want)["conn"]); strings.Join(g, "") != strings.Join(w, "") {
			t.Errorf("%s holds %d records, want %d", n, len(g), len(w))
		}
		if strings.Count(a, "#close") != 1 || !strings.HasPrefix(a, "#separator") {
			t.Errorf("%s is not one complete log", n)
		}
	}
	ents, _ := os.ReadDir(tc.logDir)
	for _, e := range ents {
		t.Errorf("left in the live directory: %s", e.Name())
	}
}

// The boundary a new file is named after: the last one passed since the
// logger started, else the time of its first record.
func TestOpenTime(t *testing.T) {
	start := day(7, 25, 42)
	hourly := rotation{on: true, interval: time.Hour, base: 0, start: start}
	epoch := rotation{on: true, interval: 40 * time.Minute, base: rotate.NoBase, start: start}
	odd := rotation{on: true, interval: 7 * time.Hour, base: 0, start: day(0, 0, 1)}
	none := rotation{on: true, start: start}
	for _, c := range []struct {
		name string
		r    rotation
		now  time.Time
		want time.Time
	}{
		{"before any boundary", hourly, day(7, 30, 0), day(7, 30, 0)},
		{"after the first boundary", hourly, day(8, 10, 0), day(8, 0, 0)},
		{"hours later", hourly, day(11, 59, 59), day(11, 0, 0)},
		{"on a boundary", hourly, day(9, 0, 0), day(9, 0, 0)},
		{"epoch-aligned", epoch, day(8, 30, 0), day(8, 0, 0)},
		{"short last interval of the day", odd, day(23, 30, 0), day(21, 0, 0)},
		// As Zeek's calc_next_rotate, the boundary after 21:00 is 04:00
		// (28 hours after the 27th's midnight), then 07:00.
		{"after midnight", odd, time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC), day(21, 0, 0)},
		{"next day", odd, time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)},
		{"no interval", none, day(9, 0, 0), day(9, 0, 0)},
	} {
		if got := c.r.openTime(c.now); !got.Equal(c.want) {
			t.Errorf("%s: openTime(%v) = %v, want %v", c.name, c.now, got, c.want)
		}
	}
	if d := hourly.due(day(8, 0, 0)); !d.Equal(day(9, 0, 0)) {
		t.Errorf("due after 08:00 = %v", d)
	}
	if d := none.due(day(8, 0, 0)); !d.IsZero() {
		t.Errorf("due without interval = %v", d)
	}
}

// A writer waiting for the lock of a live file that is rotated away
// meanwhile does not keep the old file: it locks the new one, once its
// holder lets go.
func TestOpenLockedAfterSwap(t *testing.T) {
	name := filepath.Join(t.TempDir(), "conn.log")
	f, err := openLocked(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *os.File, 1)
	go func() {
		g, err := openLocked(context.Background(), name)
		if err != nil {
			t.Error(err)
		}
		got <- g
	}()
	time.Sleep(150 * time.Millisecond) // the other has opened the old file
	if err := os.Link(name, name+".rotated"); err != nil {
		t.Fatal(err)
	}
	nf, err := swapIn(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	select {
	case g := <-got:
		t.Fatalf("got the lock while the new file was held (%v)", g.Name())
	case <-time.After(300 * time.Millisecond):
	}
	nf.Close()
	select {
	case g := <-got:
		defer g.Close()
		if same, err := sameFile(g, name); err != nil || !same {
			t.Errorf("the waiter holds a file that is not %s any more", name)
		}
		if same, _ := sameFile(g, name+".rotated"); same {
			t.Errorf("the waiter holds the rotated file")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter never got the lock")
	}
}

// archivedBefore recognises an archive with a file's content, under its
// name or a counted one, and nothing else.
func TestArchivedBefore(t *testing.T) {
	for _, comp := range []rotate.Compression{rotate.None, rotate.Gzip, rotate.Zstd} {
		t.Run(comp.String(), func(t *testing.T) {
			dir, arch := t.TempDir(), t.TempDir()
			a := &rotate.Archiver{LogDir: arch, Compression: comp, Location: time.UTC}
			mk := func(content string) rotate.File {
				name := filepath.Join(dir, "conn.2026-11-27-07-00-00.log")
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				return rotate.File{Name: name, Path: "conn", Ext: "log", Open: day(7, 0, 0), Close: day(8, 0, 0)}
			}
			if archivedBefore(a, mk("one\n")) {
				t.Error("no archive yet, but recognised")
			}
			if _, err := a.Archive(mk("one\n")); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Archive(mk("two\n")); err != nil { // gets .1
				t.Fatal(err)
			}
			for _, c := range []struct {
				content string
				want    bool
			}{{"one\n", true}, {"two\n", true}, {"three\n", false}, {"one", false}, {"one\nx", false}} {
				if got := archivedBefore(a, mk(c.content)); got != c.want {
					t.Errorf("%q: archivedBefore = %v, want %v", c.content, got, c.want)
				}
			}
		})
	}
}
