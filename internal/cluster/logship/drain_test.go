package logship

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"time"
)

// TestDrainAtStop: records a worker sends just before the logger stops
// (many groups of batches, and a log path the logger may not have seen)
// are written before the rotation at stop, so the archives made at stop
// hold every record, once, in order, and nothing waits in the stream. The
// logger is held in the middle of a group while they are sent and told to
// stop, so that without the drain most of them would wait for its next
// start.
func TestDrainAtStop(t *testing.T) {
	var holding atomic.Bool
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	crashHook = func(stage string) bool {
		if stage == "written" && holding.Load() {
			once.Do(func() { close(held) })
			<-release
		}
		return false
	}
	defer func() { crashHook = nil }()
	clk := newTestClock(day(7, 25, 42))
	tc := newTestCluster(t)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	arch := t.TempDir()
	var sink archiveSink
	var warns warnings
	tc.warn = warns.add
	rl, _ := tc.rotLogger("logger-1", clk, arch, &sink)
	w := tc.conn("worker-1")
	set1 := records{conn: conns(1, 300)}
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set1)
	waitRecords(t, 300, 20*time.Second, rl)

	clk.Set(day(7, 40, 0))
	set2 := records{conn: conns(2, 2000), dns: dnss(2, 300)}
	holding.Store(true)
	tc.send(w, &SenderOptions{BatchBytes: 1024}, set2)
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatal("the logger wrote nothing of the second set")
	}
	rl.cancel()
	holding.Store(false)
	close(release)
	rl.stop()
	if c := rl.lg.Counters(); c.Records != uint64(300+set2.count()) || c.Repeats != 0 {
		t.Errorf("counters at stop %+v, want %d records", c, 300+set2.count())
	}
	for _, l := range warns.matching("not yet written") {
		t.Errorf("warning: %s", l)
	}

	got := readArchives(t, arch, "logger-1")
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	wantNames := []string{"2026-11-27/conn.07:25:42-07:40:00.log.gz", "2026-11-27/dns.07:40:00-07:40:00.log.gz"}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("archives %q, want %q", names, wantNames)
	}
	want := local(t, false, set1, records{conn: set2.conn, dns: set2.dns})
	for i, p := range []string{"conn", "dns"} {
		a := got[wantNames[i]]
		if g, w := recordLines(a), recordLines(want[p]); strings.Join(g, "") != strings.Join(w, "") {
			t.Errorf("%s archive holds %d records, want %d", p, len(g), len(w))
		}
		if strings.Count(a, "#close") != 1 {
			t.Errorf("%s archive is not one complete log", p)
		}
	}
	ents, _ := os.ReadDir(tc.logDir)
	for _, e := range ents {
		t.Errorf("left in the live directory: %s", e.Name())
	}
	// Nothing is left for the next start.
	rl2, _ := tc.rotLogger("logger-1", clk, arch, &sink)
	time.Sleep(500 * time.Millisecond)
	rl2.stop()
	if c := rl2.lg.Counters(); c.Records != 0 || c.Repeats != 0 {
		t.Errorf("the next start found %+v", c)
	}
}

// TestStopWithoutNATS: a logger whose NATS server is gone when it stops
// still rotates and archives what it has written (from its file and
// journal), warns that it could not drain, and after a restart of the
// server and the logger nothing is written twice: the next archive holds
// only the records sent after.
func TestStopWithoutNATS(t *testing.T) {
	clk := newTestClock(day(7, 25, 42))
	tc := newTestCluster(t)
	tc.ensureStream(tc.conn("manager"))
	arch := t.TempDir()
	var sink archiveSink
	var warns warnings
	tc.warn = warns.add
	rl, l1 := tc.rotLogger("logger-1", clk, arch, &sink)
	w := tc.conn("worker-1")
	set1, set2 := records{conn: conns(1, 300)}, records{conn: conns(2, 200)}
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set1)
	waitRecords(t, 300, 20*time.Second, rl)

	tc.stop()
	waitFor(t, "disconnected", 5*time.Second, func() bool { return !l1.Connected() })
	clk.Set(day(7, 40, 0))
	start := time.Now()
	rl.stop()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopping without NATS took %v", d)
	}
	if len(warns.matching("without")) == 0 {
		t.Errorf("no warning about the stream; got %q", warns.lines)
	}
	first := "2026-11-27/conn.07:25:42-07:40:00.log.gz"
	got := readArchives(t, arch, "logger-1")
	if len(got) != 1 || got[first] == "" {
		t.Fatalf("archives after a stop without NATS: %d, want %s", len(got), first)
	}
	ents, _ := os.ReadDir(tc.logDir)
	for _, e := range ents {
		t.Errorf("left in the live directory: %s", e.Name())
	}

	tc.start()
	tc.ensureStream(tc.conn("manager"))
	clk.Set(day(7, 45, 0))
	rl2, _ := tc.rotLogger("logger-1", clk, arch, &sink)
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set2)
	waitRecords(t, 200, 20*time.Second, rl2)
	clk.Set(day(7, 50, 0))
	rl2.stop()

	got = readArchives(t, arch, "logger-1")
	second := "2026-11-27/conn.07:45:00-07:50:00.log.gz"
	if len(got) != 2 || got[second] == "" {
		var names []string
		for n := range got {
			names = append(names, n)
		}
		t.Fatalf("archives %q, want %s and %s", names, first, second)
	}
	for n, rs := range map[string]records{first: set1, second: set2} {
		a := got[n]
		if g, w := recordLines(a), recordLines(local(t, false, rs)["conn"]); strings.Join(g, "") != strings.Join(w, "") {
			t.Errorf("%s holds %d records, want %d", n, len(g), len(w))
		}
		if !strings.HasPrefix(a, "#separator") || strings.Count(a, "#close") != 1 {
			t.Errorf("%s is not one complete log", n)
		}
	}
	if c := rl2.lg.Counters(); c.Records != 200 {
		t.Errorf("after the restart the logger wrote %d records, want 200", c.Records)
	}
}

// TestDrainNewPathAtStop: a log path whose first batches reach the
// stream after the logger's last look for paths (here, the logger looks
// once an hour) is found when the logger stops, and written: without
// rotation the file is complete, with its #close line.
func TestDrainNewPathAtStop(t *testing.T) {
	tc := newTestCluster(t)
	tc.ensureStream(tc.conn("manager"))
	w := tc.conn("worker-1")
	l1 := tc.conn("logger-1")
	lg, err := NewLogger(l1, &LoggerOptions{
		Log: logConfig(tc.logDir, false), Poll: time.Hour, FetchWait: 100 * time.Millisecond,
		Fetch: 16, Warn: func(s string) { t.Log(s) },
	})
	if err != nil {
		t.Fatal(err)
	}
	<-l1.Settled()
	<-w.Settled()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lg.Run(ctx) }()
	time.Sleep(300 * time.Millisecond) // past its first look
	rs := records{conn: conns(1, 500), dns: dnss(1, 100)}
	tc.send(w, &SenderOptions{BatchBytes: 2048}, rs)
	if c := lg.Counters(); c.Records != 0 {
		t.Logf("written before the stop: %+v", c)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c := lg.Counters(); c.Records != uint64(rs.count()) {
		t.Errorf("counters %+v, want %d records", c, rs.count())
	}
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, rs))
}

// TestDrainTimeout: when the drain's time runs out, the logger warns and
// stops (closing its file); what it left in the stream is written by its
// next start, continuing the file: every record once, in order.
func TestDrainTimeout(t *testing.T) {
	var holding atomic.Bool
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	crashHook = func(stage string) bool {
		if stage == "written" && holding.Load() {
			once.Do(func() { close(held) })
			<-release
		}
		return false
	}
	defer func() { crashHook = nil }()
	tc := newTestCluster(t)
	tc.ensureStream(tc.conn("manager"))
	w := tc.conn("worker-1")
	var warns warnings
	start := func(c *transport.Conn) (*Logger, context.CancelFunc, chan error) {
		lg, err := NewLogger(c, &LoggerOptions{
			Log: logConfig(tc.logDir, false), Poll: 100 * time.Millisecond, FetchWait: 50 * time.Millisecond,
			Fetch: 16, DrainTimeout: time.Millisecond, Warn: warns.add,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- lg.Run(ctx) }()
		return lg, cancel, done
	}
	l1 := tc.conn("logger-1")
	lg1, cancel1, done1 := start(l1)
	defer cancel1()
	set1, set2 := records{conn: conns(1, 100)}, records{conn: conns(2, 1000)}
	tc.send(w, &SenderOptions{BatchBytes: 2048}, set1)
	waitFor(t, "the first set written", 20*time.Second, func() bool { return lg1.Counters().Records == 100 })
	holding.Store(true)
	tc.send(w, &SenderOptions{BatchBytes: 1024}, set2)
	<-held
	cancel1()
	time.Sleep(100 * time.Millisecond) // the drain's millisecond is over
	holding.Store(false)
	close(release)
	if err := <-done1; err != nil {
		t.Fatal(err)
	}
	first := lg1.Counters().Records
	if first >= uint64(100+set2.count()) {
		t.Fatalf("the logger wrote all %d records: the drain did not time out", first)
	}
	if len(warns.matching("not yet written (drain timeout 1ms)")) != 1 {
		t.Errorf("warnings %q", warns.lines)
	}

	l1.Close()
	l1b := tc.conn("logger-1")
	lg2, cancel2, done2 := start(l1b)
	defer cancel2()
	waitFor(t, "the rest written", 20*time.Second, func() bool { return first+lg2.Counters().Records >= 1100 })
	cancel2()
	<-done2
	if c := lg2.Counters(); first+c.Records != 1100 || c.Repeats != 0 {
		t.Errorf("first start %d records, next %+v", first, c)
	}
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, set1, set2))
}
