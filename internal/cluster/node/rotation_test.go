package node

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/zeek"
)

func TestSetRotation(t *testing.T) {
	for _, tc := range []struct {
		name          string
		rot           *layout.Rotation
		logDir        string
		wantInterval  zeek.Interval
		wantBase      string
		wantComp      rotate.Compression
		live, archive string
	}{
		{name: "none", logDir: "/l"},
		{name: "defaults", rot: &layout.Rotation{Interval: 2}, wantInterval: 2 * zeek.Second, wantBase: "0:00", wantComp: rotate.Gzip, live: "/layout-logs", archive: "/layout-logs"},
		{name: "archive elsewhere", rot: &layout.Rotation{Interval: 3600, BaseTime: "1:30", Compression: "zstd", ArchiveDir: "/a"}, logDir: "/l",
			wantInterval: 3600 * zeek.Second, wantBase: "1:30", wantComp: rotate.Zstd, live: "/l", archive: "/a"},
		{name: "plain", rot: &layout.Rotation{Compression: "none"}, wantBase: "0:00", wantComp: rotate.None, live: "/layout-logs", archive: "/layout-logs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &Options{Layout: &layout.Layout{LogDir: "/layout-logs", Rotation: tc.rot}}
			lc := logging.Config{LogDir: tc.logDir}
			live, archive := o.setRotation(&lc)
			if live != tc.live || archive != tc.archive || lc.RotationInterval != tc.wantInterval || lc.RotationBaseTime != tc.wantBase {
				t.Errorf("live %q archive %q interval %v base %q", live, archive, lc.RotationInterval, lc.RotationBaseTime)
			}
			a, _ := lc.RotationPolicy.(*rotate.Archiver)
			switch {
			case tc.rot == nil && lc.RotationPolicy != nil:
				t.Errorf("policy %v without rotation", lc.RotationPolicy)
			case tc.rot != nil && (a == nil || a.LogDir != tc.archive || a.Compression != tc.wantComp):
				t.Errorf("archiver %+v", a)
			}
		})
	}
}

// TestArchiveHousekeeping: the current link points at the live logs and
// expired archives go, except those kept.
func TestArchiveHousekeeping(t *testing.T) {
	dir := t.TempDir()
	live, archive := filepath.Join(dir, "live"), filepath.Join(dir, "archive")
	day := filepath.Join(archive, "2020-01-02")
	for _, d := range []string{live, day} {
		os.MkdirAll(d, 0o755)
	}
	old := time.Now().Add(-48 * time.Hour)
	for _, f := range []string{"conn.00:00:00-01:00:00.log.gz", "dns.00:00:00-01:00:00.log.gz"} {
		p := filepath.Join(day, f)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, old, old)
	}
	o := &Options{Name: "logger-1", Layout: &layout.Layout{Rotation: &layout.Rotation{ExpireInterval: 3600, Keep: []string{"dns.*"}}}}
	rt := &Runtime{Warn: func(s string) { t.Error(s) }}
	ctx, cancel := context.WithCancel(context.Background())
	wait, err := o.archiveHousekeeping(ctx, rt, live, archive)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(day, "conn.00:00:00-01:00:00.log.gz"))
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired archive is still there")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wait()
	if _, err := os.Stat(filepath.Join(day, "dns.00:00:00-01:00:00.log.gz")); err != nil {
		t.Errorf("the kept archive: %v", err)
	}
	if target, err := os.Readlink(filepath.Join(archive, "current")); err != nil || target != live {
		t.Errorf("current -> %q, %v; want %q", target, err, live)
	}
}
