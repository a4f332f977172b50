package logship

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TestTwoSendersOneFile: the records of two nodes arrive in one file per
// path, in the order the stream took them, byte for byte as a standalone
// node writes the same records, in ASCII and in JSON.
func TestTwoSendersOneFile(t *testing.T) {
	for _, useJSON := range []bool{false, true} {
		name := "ascii"
		if useJSON {
			name = "json"
		}
		t.Run(name, func(t *testing.T) {
			tc := newTestCluster(t)
			mgr := tc.conn("manager")
			tc.ensureStream(mgr)
			r1 := records{conn: conns(1, 700), dns: dnss(1, 50)}
			r2 := records{conn: conns(2, 300), dns: dnss(2, 80)}
			// Small batches: many per path.
			c1 := tc.send(tc.conn("worker-1"), &SenderOptions{BatchBytes: 4096}, r1)
			c2 := tc.send(tc.conn("worker-2"), &SenderOptions{BatchBytes: 4096}, r2)
			for i, c := range []Counters{c1, c2} {
				n := uint64(len([]records{r1, r2}[i].conn) + len([]records{r1, r2}[i].dns))
				if c.Records != n || c.Acked != n || c.Lost != 0 || c.Spooled != 0 {
					t.Errorf("sender %d counters %+v, want %d records acked", i+1, c, n)
				}
			}
			rl := tc.runLogger(tc.conn("logger-1"), useJSON, nil)
			waitRecords(t, 1130, 20*time.Second, rl)
			rl.stop()
			if c := rl.lg.Counters(); c.Repeats != 0 || c.Corrupt != 0 {
				t.Errorf("logger counters %+v", c)
			}
			diffLogs(t, readLogs(t, tc.logDir), local(t, useJSON, r1, r2))
		})
	}
}

// TestOwnership: each path is written by its rendezvous owner among the
// live loggers; a logger's paths move to the other when it dies, to the
// manager when no logger is left, and back when a logger returns; the
// files hold every record once, as a standalone node writes them.
func TestOwnership(t *testing.T) {
	tc := newTestCluster(t)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	paths := []string{"dns", "dns_a", "dns_b", "dns_c", "dns_d"}
	owned := map[string][]string{}
	for _, p := range append([]string{"conn"}, paths...) {
		o := transport.HRW(p, []string{"logger-1", "logger-2"})
		owned[o] = append(owned[o], p)
	}
	if len(owned["logger-1"]) == 0 || len(owned["logger-2"]) == 0 {
		t.Fatalf("the paths do not split between the loggers: %v", owned)
	}
	l1, l2 := tc.conn("logger-1"), tc.conn("logger-2")
	waitFor(t, "loggers live", 3*time.Second, func() bool { return len(mgr.Live(layout.Logger)) == 2 })
	var all []*runningLogger
	lg1 := tc.runLogger(l1, false, nil)
	lg2 := tc.runLogger(l2, false, nil)
	lgm := tc.runLogger(mgr, false, nil)
	all = append(all, lg1, lg2, lgm)
	w := tc.conn("worker-1")
	var sent []records
	total := 0
	phase := func(i int) {
		t.Helper()
		rs := records{conn: conns(i, 200), dns: dnss(i, 40), dnsPaths: paths}
		c := tc.send(w, &SenderOptions{BatchBytes: 2048}, rs)
		if c.Acked != uint64(rs.count()) {
			t.Fatalf("phase %d: sender %+v", i, c)
		}
		sent = append(sent, rs)
		total += rs.count()
		waitRecords(t, uint64(total), 20*time.Second, all...)
	}
	journaled := func(node, path string) bool {
		_, err := os.Stat(journalName(filepath.Join(tc.l.SpoolDir, node, "journal"), transport.Token(path)))
		return err == nil
	}

	// Both loggers live: each writes its own paths, the manager none.
	phase(1)
	for node, ps := range owned {
		for _, p := range ps {
			if !journaled(node, p) {
				t.Errorf("%s did not write %s", node, p)
			}
		}
	}
	if c := lgm.lg.Counters(); c.Records != 0 {
		t.Errorf("the manager wrote %d records while loggers were live", c.Records)
	}

	// logger-1 dies (no goodbye): logger-2 takes its paths over.
	l1.NATS().Close()
	lg1.stop()
	before := lg2.lg.Counters().Records
	waitFor(t, "logger-1 down", 3*time.Second, func() bool { return !mgr.IsLive("logger-1") && !l2.IsLive("logger-1") })
	phase(2)
	if got, want := lg2.lg.Counters().Records-before, uint64(sent[1].count()); got != want {
		t.Errorf("logger-2 wrote %d records of phase 2, want all %d", got, want)
	}
	for _, p := range owned["logger-1"] {
		if !journaled("logger-2", p) {
			t.Errorf("logger-2 did not take %s over", p)
		}
	}

	// logger-2 leaves too: the manager writes.
	lg2.stop()
	l2.Close()
	waitFor(t, "no logger", 3*time.Second, func() bool { return len(mgr.Live(layout.Logger)) == 0 })
	phase(3)
	if got := lgm.lg.Counters().Records; got != uint64(sent[2].count()) {
		t.Errorf("the manager wrote %d records, want %d", got, sent[2].count())
	}

	// logger-1 comes back: it writes everything, the manager stops.
	l1b := tc.conn("logger-1")
	lg1b := tc.runLogger(l1b, false, nil)
	all = append(all, lg1b)
	waitFor(t, "logger-1 back", 3*time.Second, func() bool { return mgr.IsLive("logger-1") })
	mrec := lgm.lg.Counters().Records
	time.Sleep(300 * time.Millisecond) // the manager's next poll hands over
	phase(4)
	if got := lgm.lg.Counters().Records; got != mrec {
		t.Errorf("the manager wrote %d records after a logger came back", got-mrec)
	}
	lgm.stop()
	lg1b.stop()
	for _, rl := range all {
		if c := rl.lg.Counters(); c.Corrupt != 0 {
			t.Errorf("logger counters %+v", c)
		}
	}
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, sent...))
}

// TestSpoolWhileDown: a sender whose NATS server is down spools its
// batches and sends them, in order, when the server is back, also after
// a second outage; nothing is lost or repeated.
func TestSpoolWhileDown(t *testing.T) {
	tc := newTestCluster(t)
	tc.stop()
	w := tc.conn("worker-1")
	s, err := NewSender(w, &SenderOptions{BatchBytes: 2048, RetryWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg := logConfig("", false)
	cfg.NewWriter = s.NewWriter
	m, err := logging.NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := logging.NewStream[connRec](m, "conn")
	write := func(rs []connRec) {
		for i := range rs {
			cs.Write(&rs[i])
		}
		if err := m.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	r1, r2, r3 := conns(1, 300), conns(2, 300), conns(3, 300)
	write(r1)
	waitFor(t, "r1 spooled", 5*time.Second, func() bool { return s.Counters().Spooled == 300 })
	if c := s.Counters(); c.Acked != 0 || c.SpoolBytes == 0 {
		t.Fatalf("with the server down: %+v", c)
	}

	tc.start()
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	waitFor(t, "spool sent", 10*time.Second, func() bool { c := s.Counters(); return c.Acked == 300 && c.SpoolBytes == 0 })

	// A second outage, with records before and after it.
	tc.stop()
	waitFor(t, "disconnected", 5*time.Second, func() bool { return !w.Connected() })
	write(r2)
	waitFor(t, "r2 spooled", 5*time.Second, func() bool { return s.Counters().Spooled == 600 })
	tc.start()
	write(r3)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if c := s.Counters(); c.Acked != 900 || c.Lost != 0 || c.SpoolBytes != 0 {
		t.Errorf("after the outages: %+v", c)
	}
	rl := tc.runLogger(tc.conn("logger-1"), false, nil)
	waitRecords(t, 900, 20*time.Second, rl)
	rl.stop()
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, records{conn: r1}, records{conn: r2}, records{conn: r3}))
}

// TestSpoolFull: with NATS down and the spool full, records are dropped,
// counted, and reported in one line (and once more, as a total, by
// Close); what the spool kept goes out at the next start.
func TestSpoolFull(t *testing.T) {
	tc := newTestCluster(t)
	tc.stop()
	var warn warnings
	opts := &SenderOptions{BatchBytes: 2048, SpoolBytes: 32 << 10, CloseTimeout: 100 * time.Millisecond, Warn: warn.add}
	w := tc.conn("worker-1")
	rs := records{conn: conns(1, 2000)}
	c := tc.send(w, opts, rs)
	if c.Records != 2000 || c.Lost == 0 || c.Spooled == 0 || c.Spooled+c.Lost != 2000 || c.Acked != 0 {
		t.Fatalf("counters %+v", c)
	}
	if c.SpoolBytes > opts.SpoolBytes {
		t.Errorf("spool of %d bytes, bound %d", c.SpoolBytes, opts.SpoolBytes)
	}
	if got := warn.matching("is full"); len(got) != 1 {
		t.Errorf("full-spool warnings: %q", got)
	}
	if got := warn.matching("were lost"); len(got) != 1 || !strings.Contains(got[0], strconv.FormatUint(c.Lost, 10)) {
		t.Errorf("loss report at close: %q (lost %d)", got, c.Lost)
	}

	// The next start sends what the spool kept.
	tc.start()
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	s, err := NewSender(w, &SenderOptions{BatchBytes: 2048, SpoolBytes: 32 << 10, Warn: warn.add})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the spool sent", 10*time.Second, func() bool { return s.Counters().SpoolBytes == 0 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Counters().Acked; got != c.Spooled {
		t.Errorf("sent %d spooled records, want %d", got, c.Spooled)
	}
	rl := tc.runLogger(tc.conn("logger-1"), false, nil)
	waitRecords(t, c.Spooled, 20*time.Second, rl)
}

// TestLoggerCrash: a logger that dies after writing a group and syncing
// the file but before its journal says so, or after the journal but
// before JetStream has the acknowledgements, and is started again, writes
// every record exactly once.
func TestLoggerCrash(t *testing.T) {
	for _, stage := range []string{"written", "journaled"} {
		t.Run(stage, func(t *testing.T) {
			tc := newTestCluster(t)
			mgr := tc.conn("manager")
			tc.ensureStream(mgr)
			rs := records{conn: conns(1, 1500)}
			tc.send(tc.conn("worker-1"), &SenderOptions{BatchBytes: 2048}, rs)

			crashed := make(chan struct{})
			var calls atomic.Int32
			crashHook = func(s string) bool {
				if s != stage || calls.Add(1) != 3 {
					return false
				}
				close(crashed)
				return true
			}
			defer func() { crashHook = nil }()
			l1 := tc.conn("logger-1")
			rl := tc.runLogger(l1, false, nil)
			select {
			case <-crashed:
			case <-time.After(20 * time.Second):
				t.Fatal("no crash")
			}
			l1.NATS().Close()
			rl.stop()
			crashHook = nil
			written := rl.lg.Counters().Records
			name := filepath.Join(tc.logDir, "conn.log")
			st, err := loadJournal([]string{filepath.Join(tc.l.SpoolDir, "logger-1", "journal")}, "conn", name)
			if err != nil || st.V != 1 {
				t.Fatalf("journal after the crash: %+v %v", st, err)
			}
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case stage == "written" && fi.Size() <= st.Offset:
				t.Errorf("the crash left %d bytes, the journal %d: nothing beyond it", fi.Size(), st.Offset)
			case stage == "journaled" && fi.Size() != st.Offset:
				t.Errorf("the crash left %d bytes, the journal %d", fi.Size(), st.Offset)
			}

			rl2 := tc.runLogger(tc.conn("logger-1"), false, nil)
			want := uint64(rs.count())
			waitFor(t, "all written", 20*time.Second, func() bool { return countRecords(t, name) >= int(want) })
			time.Sleep(300 * time.Millisecond)
			rl2.stop()
			// The crashed group counts for neither logger: the first did
			// not finish it; the second writes it again when it was not
			// journaled, and skips it (purged from the stream) when it was.
			c := rl2.lg.Counters()
			if stage == "written" && c.Records+written != want || stage == "journaled" && c.Records+written >= want || c.Corrupt != 0 {
				t.Errorf("after the restart: %+v, %d written before", c, written)
			}
			if n := countRecords(t, name); n != int(want) {
				t.Errorf("%d records in the file, want %d", n, want)
			}
			diffLogs(t, readLogs(t, tc.logDir), local(t, false, rs))
		})
	}
}

// countRecords counts the record lines of an ASCII or JSON log.
func countRecords(t testing.TB, name string) int {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}

func waitFor(t testing.TB, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWithPermissions: with credentials, each role's permissions are
// enough to ship and write logs (the worker publishes batches and reads
// JetStream's acknowledgements, the logger runs its consumer), and a
// worker cannot touch the stream's API.
func TestWithPermissions(t *testing.T) {
	tc := newTestClusterCreds(t, true)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	var perm []string
	var mu sync.Mutex
	o := fastConn
	o.Warn = func(s string) { mu.Lock(); perm = append(perm, s); mu.Unlock() }
	w, err := transport.Connect(tc.l, "worker-1", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	l1 := tc.conn("logger-1")
	rs := records{conn: conns(1, 300), dns: dnss(1, 30)}
	if c := tc.send(w, &SenderOptions{BatchBytes: 4096}, rs); c.Acked != uint64(rs.count()) {
		t.Fatalf("sender %+v", c)
	}
	rl := tc.runLogger(l1, false, nil)
	waitRecords(t, uint64(rs.count()), 20*time.Second, rl)
	rl.stop()
	if n, last := l1.PermissionErrors(); n != 0 {
		t.Errorf("logger permission errors: %d, %v", n, last)
	}
	if n, last := w.PermissionErrors(); n != 0 {
		t.Errorf("worker permission errors: %d, %v", n, last)
	}
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, rs))

	// A worker may not purge the stream nor consume from it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := EnsureStream(ctx, w, nil); err == nil {
		t.Error("a worker created or inspected the log stream")
	}
	if _, err := w.JetStream().Stream(ctx, transport.LogStreamName("lt")); err == nil {
		t.Error("a worker read the log stream's info")
	}
}

// BenchmarkShip measures the sending side end to end: records written
// to a logging stream, encoded, batched and stored by JetStream (the
// embedded server, on this machine's disk), acknowledged.
func BenchmarkShip(b *testing.B) {
	tc := newTestCluster(b)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	recs := conns(1, 1024)
	s, err := NewSender(tc.conn("worker-1"), nil)
	if err != nil {
		b.Fatal(err)
	}
	cfg := logConfig("", false)
	cfg.NewWriter = s.NewWriter
	m, err := logging.NewManager(cfg)
	if err != nil {
		b.Fatal(err)
	}
	cs, _ := logging.NewStream[connRec](m, "conn")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cs.Write(&recs[i%len(recs)])
	}
	m.Close()
	s.Close()
	b.StopTimer()
	if c := s.Counters(); c.Acked != uint64(b.N) {
		b.Fatalf("counters %+v after %d records", c, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestConcurrentSenders: two nodes sending at the same time interleave
// in the file, but every record is there once, each node's records in
// the order it logged them, and the header is a standalone node's.
func TestConcurrentSenders(t *testing.T) {
	tc := newTestCluster(t)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	rl := tc.runLogger(tc.conn("logger-1"), false, nil)
	r1, r2 := records{conn: conns(1, 1500)}, records{conn: conns(2, 1500)}
	w1, w2 := tc.conn("worker-1"), tc.conn("worker-2")
	var wg sync.WaitGroup
	for _, x := range []struct {
		c  *transport.Conn
		rs records
	}{{w1, r1}, {w2, r2}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tc.send(x.c, &SenderOptions{BatchBytes: 1024}, x.rs)
		}()
	}
	wg.Wait()
	waitRecords(t, 3000, 20*time.Second, rl)
	rl.stop()
	got := strings.SplitAfter(readLogs(t, tc.logDir)["conn"], "\n")
	want := strings.SplitAfter(local(t, false, r1, r2)["conn"], "\n")
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	var gotRecs, wantRecs []string
	for i := range got {
		if strings.HasPrefix(want[i], "#") != strings.HasPrefix(got[i], "#") || strings.HasPrefix(want[i], "#") && got[i] != want[i] {
			t.Fatalf("line %d: %q, want %q", i+1, got[i], want[i])
		}
		if !strings.HasPrefix(got[i], "#") {
			gotRecs, wantRecs = append(gotRecs, got[i]), append(wantRecs, want[i])
		}
	}
	// Each node's records in order: filtering the file's records by
	// node gives that node's records as logged.
	for _, node := range []string{"\tC1-", "\tC2-"} {
		var g, w []string
		for i := range gotRecs {
			if strings.Contains(gotRecs[i], node) {
				g = append(g, gotRecs[i])
			}
			if strings.Contains(wantRecs[i], node) {
				w = append(w, wantRecs[i])
			}
		}
		if strings.Join(g, "") != strings.Join(w, "") || len(w) != 1500 {
			t.Errorf("records of %q: %d in the file, %d logged, or out of order", node[1:], len(g), len(w))
		}
	}
	interleaved := false
	for i := 1; i < len(gotRecs); i++ {
		interleaved = interleaved || strings.Contains(gotRecs[i], "\tC1-") != strings.Contains(gotRecs[i-1], "\tC1-")
	}
	t.Logf("interleaved: %v", interleaved)
}

// TestCloseAfterConn: a sender closed after its connection spools what
// it holds at once, and the next start sends it.
func TestCloseAfterConn(t *testing.T) {
	tc := newTestCluster(t)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	w := tc.conn("worker-1")
	s, err := NewSender(w, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := logConfig("", false)
	cfg.NewWriter = s.NewWriter
	rs := records{conn: conns(1, 100)}
	m, _ := logging.NewManager(cfg)
	cs, _ := logging.NewStream[connRec](m, "conn")
	w.Close()
	for i := range rs.conn {
		cs.Write(&rs.conn[i])
	}
	m.Close()
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with the connection closed", d)
	}
	if c := s.Counters(); c.Spooled != 100 || c.Lost != 0 {
		t.Fatalf("counters %+v", c)
	}
	w2 := tc.conn("worker-1")
	tc.send(w2, nil, records{})
	rl := tc.runLogger(tc.conn("logger-1"), false, nil)
	waitRecords(t, 100, 20*time.Second, rl)
	rl.stop()
	diffLogs(t, readLogs(t, tc.logDir), local(t, false, rs))
}

// BenchmarkLoggerDrain measures the writing side end to end: a backlog
// of records in the stream (b.N of them, sent first, untimed) fetched,
// decoded, printed in Zeek's ASCII format, synced and acknowledged;
// "rotating" with hourly rotation and an Archiver set up (no boundary is
// passed: the cost of checking for one).
func BenchmarkLoggerDrain(b *testing.B) {
	for _, rotating := range []bool{false, true} {
		name := "plain"
		if rotating {
			name = "rotating"
		}
		b.Run(name, func(b *testing.B) { benchLoggerDrain(b, rotating) })
	}
}

func benchLoggerDrain(b *testing.B, rotating bool) {
	tc := newTestCluster(b)
	mgr := tc.conn("manager")
	tc.ensureStream(mgr)
	recs := conns(1, 1024)
	rs := records{conn: make([]connRec, b.N)}
	for i := range rs.conn {
		rs.conn[i] = recs[i%len(recs)]
	}
	tc.send(tc.conn("worker-1"), nil, rs)
	l1 := tc.conn("logger-1")
	<-l1.Settled()
	b.ReportAllocs()
	b.ResetTimer()
	cfg := logConfig(tc.logDir, false)
	if rotating {
		cfg.RotationInterval = zeek.Hour
		cfg.RotationPolicy = &rotate.Archiver{LogDir: b.TempDir(), Compression: rotate.Gzip}
	}
	lg, err := NewLogger(l1, &LoggerOptions{Log: cfg, Poll: 20 * time.Millisecond, Warn: func(string) {}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { lg.Run(ctx); close(done) }()
	for lg.Counters().Records < uint64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
