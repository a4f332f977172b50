package rotate

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func TestKeepPatterns(t *testing.T) {
	p, err := KeepPatterns(" notice* \tintel.*.gz ")
	if err != nil || len(p) != 2 || p[0] != "notice*" || p[1] != "intel.*.gz" {
		t.Errorf("KeepPatterns = %q, %v", p, err)
	}
	if _, err := KeepPatterns("conn[.log"); err == nil {
		t.Errorf("bad pattern accepted")
	}
}

func TestExpire(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	logs := t.TempDir()
	spool := t.TempDir()
	type file struct {
		rel     string
		age     time.Duration
		removed bool
	}
	files := []file{
		{"2026-11-01/conn.00:00:00-01:00:00.log.gz", 26 * 24 * time.Hour, true},
		{"2026-11-01/dns.00:00:00-01:00:00.log.gz", 26 * 24 * time.Hour, true},
		{"2026-11-01/notice.00:00:00-01:00:00.log.gz", 26 * 24 * time.Hour, false}, // KeepLogs
		{"2026-11-20/conn.00:00:00-01:00:00.log.gz", 7*24*time.Hour - time.Minute, false},
		{"2026-11-19/conn.00:00:00-01:00:00.log.gz", 8 * 24 * time.Hour, true},
		{"2026-11-26/conn.08:00:00-09:00:00.log.gz", 24 * time.Hour, false},
		{"stats/2026-10-01/x.log", 60 * 24 * time.Hour, true}, // below a dated directory
		{"stats/stats.log", 60 * 24 * time.Hour, false},       // not below one
		{"old.log", 60 * 24 * time.Hour, false},
		{"2026-1-01/conn.log", 60 * 24 * time.Hour, false}, // not a date
	}
	for _, f := range files {
		p := filepath.Join(logs, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := now.Add(-f.age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	// current points at the live logs, which have a dated directory of
	// old files that must not be touched through the link.
	liveOld := filepath.Join(spool, "2026-01-01", "conn.log")
	os.MkdirAll(filepath.Dir(liveOld), 0o755)
	os.WriteFile(liveOld, []byte("live"), 0o644)
	old := now.Add(-300 * 24 * time.Hour)
	os.Chtimes(liveOld, old, old)
	if err := LinkCurrent(logs, spool); err != nil {
		t.Fatal(err)
	}
	// An empty dated directory goes too.
	os.MkdirAll(filepath.Join(logs, "2026-10-31"), 0o755)

	e := &Expirer{LogDir: logs, MaxAge: 7 * 24 * time.Hour, Keep: []string{"notice*", "intel*"}, Now: func() time.Time { return now }}
	res, err := e.Expire()
	if err != nil {
		t.Fatal(err)
	}
	var wantRemoved []string
	for _, f := range files {
		p := filepath.Join(logs, filepath.FromSlash(f.rel))
		_, serr := os.Stat(p)
		if gone := os.IsNotExist(serr); gone != f.removed {
			t.Errorf("%s: removed %v, want %v", f.rel, gone, f.removed)
		}
		if f.removed {
			wantRemoved = append(wantRemoved, p)
		}
	}
	sort.Strings(wantRemoved)
	sort.Strings(res.Files)
	if len(res.Files) != len(wantRemoved) {
		t.Errorf("reported removed %q, want %q", res.Files, wantRemoved)
	}
	if _, err := os.Stat(liveOld); err != nil {
		t.Errorf("a live file behind current was removed: %v", err)
	}
	for _, d := range []string{"2026-11-19", "2026-10-31", "stats/2026-10-01"} {
		if _, err := os.Stat(filepath.Join(logs, d)); !os.IsNotExist(err) {
			t.Errorf("empty dated directory %s left: %v", d, err)
		}
	}
	for _, d := range []string{"2026-11-01", "2026-11-20", "stats"} {
		if _, err := os.Stat(filepath.Join(logs, d)); err != nil {
			t.Errorf("directory %s removed: %v", d, err)
		}
	}
	if len(res.Dirs) != 3 {
		t.Errorf("reported removed directories %q, want 3", res.Dirs)
	}

	// MaxAge 0 expires nothing.
	res, err = (&Expirer{LogDir: logs, Now: e.Now}).Expire()
	if err != nil || len(res.Files)+len(res.Dirs) != 0 {
		t.Errorf("MaxAge 0 removed %v, %v", res, err)
	}
	// A missing directory is an error.
	if _, err := (&Expirer{LogDir: filepath.Join(logs, "nope"), MaxAge: time.Hour}).Expire(); err == nil {
		t.Errorf("missing LogDir accepted")
	}
}

func TestExpirerRun(t *testing.T) {
	logs := t.TempDir()
	p := filepath.Join(logs, "2020-01-01", "conn.log.gz")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, nil, 0o644)
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(p, old, old)
	ctx, cancel := context.WithCancel(context.Background())
	passes := make(chan Expired, 10)
	done := make(chan struct{})
	e := &Expirer{LogDir: logs, MaxAge: time.Hour}
	go func() {
		e.Run(ctx, 10*time.Millisecond, func(r Expired, err error) {
			if err != nil {
				t.Error(err)
			}
			select {
			case passes <- r:
			default:
			}
		})
		close(done)
	}()
	first := <-passes
	if len(first.Files) != 1 || len(first.Dirs) != 1 {
		t.Errorf("first pass removed %v", first)
	}
	<-passes // the timer runs again
	cancel()
	<-done
}
