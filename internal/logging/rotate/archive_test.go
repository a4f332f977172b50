package rotate

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

var (
	open0  = time.Date(2026, 11, 27, 7, 25, 42, 0, time.UTC)
	close0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
)

func TestArchiverName(t *testing.T) {
	f := File{Path: "conn", Ext: "log", Open: open0, Close: close0}
	tests := []struct {
		name string
		a    Archiver
		f    File
		want string
	}{
		{"gzip", Archiver{Compression: Gzip, Location: time.UTC}, f, "2026-11-27/conn.07:25:42-08:00:00.log.gz"},
		{"zstd", Archiver{Compression: Zstd, Location: time.UTC}, f, "2026-11-27/conn.07:25:42-08:00:00.log.zst"},
		{"plain", Archiver{Compression: None, Location: time.UTC}, f, "2026-11-27/conn.07:25:42-08:00:00.log"},
		{"CompressExtension", Archiver{Compression: Gzip, Ext: "gzip", Location: time.UTC}, f, "2026-11-27/conn.07:25:42-08:00:00.log.gzip"},
		{"logger suffix", Archiver{Compression: Gzip, Suffix: "logger-1", Location: time.UTC}, f, "2026-11-27/conn.07:25:42-08:00:00-logger-1.log.gz"},
		{"written compressed", Archiver{Compression: Zstd, Location: time.UTC}, File{Path: "dns", Ext: "log", Compressed: "gz", Open: open0, Close: close0}, "2026-11-27/dns.07:25:42-08:00:00.log.gz"},
		{"ZEEK_LOG_SUFFIX", Archiver{Compression: Gzip, Location: time.UTC}, File{Path: "http", Ext: "txt", Open: open0, Close: close0}, "2026-11-27/http.07:25:42-08:00:00.txt.gz"},
		{"day of opening", Archiver{Compression: Gzip, Location: time.UTC},
			File{Path: "conn", Ext: "log", Open: time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC), Close: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)},
			"2026-11-27/conn.23:00:00-00:00:00.log.gz"},
		{"local time", Archiver{Compression: Gzip, Location: time.FixedZone("X", -5*3600)}, f, "2026-11-27/conn.02:25:42-03:00:00.log.gz"},
	}
	for _, tc := range tests {
		if got := tc.a.Name(tc.f); got != tc.want {
			t.Errorf("%s: Name = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRotatedName(t *testing.T) {
	if got, want := RotatedName("conn", open0), "conn.2026-11-27-07-25-42"; got != want {
		t.Errorf("RotatedName = %q, want %q", got, want)
	}
}

func TestCompressionFor(t *testing.T) {
	tests := []struct {
		on       bool
		cmd, ext string
		want     Compression
	}{
		{true, "gzip", "gz", Gzip},
		{true, "gzip -9", "gz", Gzip},
		{false, "gzip", "gz", None},
		{true, "zstd -q", "zst", Zstd},
		{true, "/usr/bin/zstd", "", Zstd},
		{true, "", "zst", Zstd},
		{true, "bzip2", "bz2", Gzip},
	}
	for _, tc := range tests {
		if got := CompressionFor(tc.on, tc.cmd, tc.ext); got != tc.want {
			t.Errorf("CompressionFor(%v, %q, %q) = %v, want %v", tc.on, tc.cmd, tc.ext, got, tc.want)
		}
	}
}

// rotated makes a rotated log file in dir.
func rotated(t *testing.T, dir, content string) File {
	t.Helper()
	name := filepath.Join(dir, RotatedName("conn", open0)+".log")
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return File{Name: name, Path: "conn", Ext: "log", Open: open0, Close: close0}
}

func decompress(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = bytes.NewReader(raw)
	switch filepath.Ext(name) {
	case ".gz":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r = zr
	case ".zst":
		zr, err := zstd.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b)
}

func TestArchive(t *testing.T) {
	content := strings.Repeat("#fields\tts\tuid\n1.0\tCabc\n", 500)
	for _, c := range []Compression{Gzip, Zstd, None} {
		t.Run(c.String(), func(t *testing.T) {
			spool, logs := t.TempDir(), t.TempDir()
			var got []string
			a := &Archiver{LogDir: logs, Compression: c, Location: time.UTC,
				Archived: func(f File, name string) { got = append(got, name) }}
			f := rotated(t, spool, content)
			dest, err := a.Archive(f)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(logs, filepath.FromSlash(a.Name(f))); dest != want {
				t.Errorf("archived to %s, want %s", dest, want)
			}
			if len(got) != 1 || got[0] != dest {
				t.Errorf("Archived callback saw %v", got)
			}
			if s := decompress(t, dest); s != content {
				t.Errorf("archive content differs (%d bytes, want %d)", len(s), len(content))
			}
			if _, err := os.Stat(f.Name); !os.IsNotExist(err) {
				t.Errorf("rotated file still there: %v", err)
			}
			ents, _ := os.ReadDir(filepath.Dir(dest))
			if len(ents) != 1 {
				t.Errorf("archive directory holds %d entries, want 1 (no temporary files)", len(ents))
			}

			// The same name again does not replace the first archive.
			f2 := rotated(t, spool, "second\n")
			dest2, err := a.Archive(f2)
			if err != nil {
				t.Fatal(err)
			}
			if dest2 == dest {
				t.Fatalf("second archive replaced the first")
			}
			if !strings.Contains(filepath.Base(dest2), "08:00:00.1.log") {
				t.Errorf("second archive named %s", dest2)
			}
			if s := decompress(t, dest2); s != "second\n" {
				t.Errorf("second archive holds %q", s)
			}
			if s := decompress(t, dest); s != content {
				t.Errorf("first archive changed")
			}
		})
	}
}

func TestArchiveMissingSource(t *testing.T) {
	a := &Archiver{LogDir: t.TempDir(), Compression: Gzip}
	_, err := a.Archive(File{Name: filepath.Join(t.TempDir(), "nope.log"), Path: "nope", Ext: "log", Open: open0, Close: close0})
	if err == nil || !strings.HasPrefix(err.Error(), "rotate: ") {
		t.Fatalf("Archive of a missing file: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(a.LogDir, "2026-11-27"))
	for _, e := range ents {
		t.Errorf("left behind %s", e.Name())
	}
}

func TestLinkCurrent(t *testing.T) {
	logs := t.TempDir()
	live1, live2 := t.TempDir(), t.TempDir()
	if err := LinkCurrent(logs, live1); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Readlink(filepath.Join(logs, "current")); got != live1 {
		t.Errorf("current -> %q, want %q", got, live1)
	}
	if err := LinkCurrent(logs, live2); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Readlink(filepath.Join(logs, "current")); got != live2 {
		t.Errorf("current -> %q, want %q", got, live2)
	}
	other := t.TempDir()
	if err := os.Mkdir(filepath.Join(other, "current"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := LinkCurrent(other, live1); err == nil {
		t.Errorf("LinkCurrent replaced a real directory")
	}
}

// BenchmarkArchive measures archiving a 4 MB TSV log with each
// compression.
func BenchmarkArchive(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 4<<20; i++ {
		buf.WriteString("1732691142.123456\tCabcdef0123456789\t192.168.1.")
		buf.WriteString(strings.Repeat("7", i%3+1))
		buf.WriteString("\t54321\t10.0.0.1\t443\ttcp\tssl\t1.234567\t1234\t56789\tSF\tT\tF\t0\tShADadFf\t12\t1890\t14\t57365\t-\n")
	}
	content := buf.Bytes()
	for _, c := range []Compression{Gzip, Zstd} {
		b.Run(c.String(), func(b *testing.B) {
			spool, logs := b.TempDir(), b.TempDir()
			a := &Archiver{LogDir: logs, Compression: c, Location: time.UTC}
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				name := filepath.Join(spool, "conn.log")
				os.WriteFile(name, content, 0o644)
				f := File{Name: name, Path: "conn", Ext: "log", Open: open0.Add(time.Duration(i) * time.Second), Close: close0}
				b.StartTimer()
				if _, err := a.Archive(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
