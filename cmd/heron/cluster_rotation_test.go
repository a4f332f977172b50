package main

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// archiveName is zeekctl's archive name: <path>.HH:MM:SS-HH:MM:SS.log.gz
// in a YYYY-MM-DD directory; a second archive of the same name gets ".1"
// before ".log.gz" (rotate.Archiver; cluster.log's last lines, written by
// the manager after the logger archived its file in the same second).
var archiveName = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}/([a-z_]+)\.([0-9]{2}:[0-9]{2}:[0-9]{2})-([0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?\.log\.gz$`)

// archivedRecords reads every archive under dir as clusterRecords reads
// live logs: the records of each log, every archive of it together, as
// sorted lines without the fields a cluster may change. It also returns
// how many archives each log has.
func archivedRecords(t *testing.T, dir string) (map[string][]string, map[string]int) {
	t.Helper()
	recs, count := map[string][]string{}, map[string]int{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&os.ModeSymlink != 0 {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if filepath.Dir(rel) == "." {
			return nil // a live file, checked apart
		}
		m := archiveName.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil {
			t.Errorf("archive %s does not have zeekctl's name", rel)
			return nil
		}
		if m[2] > m[3] && !strings.HasPrefix(m[3], "00:") {
			t.Errorf("archive %s closes before it opens", rel)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		l, err := zeeklog.Parse(zr)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if l.Close == "" {
			t.Errorf("%s has no #close line", rel)
		}
		name := m[1] + ".log"
		count[name]++
		for _, r := range l.Records {
			var b strings.Builder
			for _, f := range l.Fields {
				if !clusterIgnored(f) {
					b.WriteString(r[f])
					b.WriteByte('\t')
				}
			}
			recs[name] = append(recs[name], b.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range recs {
		sort.Strings(rows)
	}
	return recs, count
}

// TestClusterRotation runs the cluster with a layout that rotates every
// 2 s: the logger archives each log's files under
// <log_dir>/YYYY-MM-DD/ with zeekctl's names, gzip-compressed, several
// for a log written over several intervals, and at the stop nothing is
// left live; all the archives of a log together hold exactly a
// standalone run's records.
func TestClusterRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	trace := writeBusyTrace(t, t.TempDir(), 300)
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		l["rotation"] = map[string]any{"interval": 2, "compression": "gzip"}
	}, "HERON_REPLAY_DELAY=2ms")
	want := standalone(t, c.bin, trace)
	c.startServices()
	start := time.Now()
	c.start("worker-1")
	c.start("worker-2")
	c.wait("worker-1", 60*time.Second)
	c.wait("worker-2", 60*time.Second)
	ran := time.Since(start)
	total := 0
	for _, rows := range want {
		total += len(rows)
	}
	c.waitFor("every record to be archived or live", 60*time.Second, func() bool {
		got, _ := archivedRecords(t, c.logs)
		n := 0
		for name := range want {
			n += len(got[name]) + countRecords(filepath.Join(c.logs, name))
		}
		return n >= total
	})
	time.Sleep(1500 * time.Millisecond)
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
	live, _ := filepath.Glob(filepath.Join(c.logs, "*.log"))
	if len(live) > 0 {
		t.Errorf("live logs left after the stop: %q", live)
	}
	got, count := archivedRecords(t, c.logs)
	t.Logf("workers ran %v; archives: %v", ran.Round(time.Millisecond), count)
	compareWithStandalone(t, got, want)
	// Each worker paces ~1500 frames 2 ms apart: over 3 s of records
	// cross a 2 s boundary, and the stop archives the last file.
	if count["conn.log"] < 2 {
		t.Errorf("conn.log was written for %v with 2 s rotation, yet has %d archive(s)", ran, count["conn.log"])
	}
}
