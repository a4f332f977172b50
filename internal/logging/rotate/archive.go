package rotate

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
)

// File is a log file that rotation has closed and renamed, handed to a
// Policy.
type File struct {
	// Name is the file's name now (Zeek's rotated name, RotatedName).
	Name string
	// Path is the log's path, "conn".
	Path string
	// Ext is the log's extension without dot, "log" (ZEEK_LOG_SUFFIX).
	Ext string
	// Compressed is the extension of the compression the writer itself
	// applied ("gz" with LogAscii::gzip_level), "" for a plain file.
	Compressed string
	// Open and Close are when the file's interval started (its opening
	// or the previous rotation) and when it was rotated.
	Open, Close time.Time
	// Terminating is true for the rotation at shutdown.
	Terminating bool
}

// Policy decides what becomes of rotated files (Zeek's rotation
// postprocessor). Rotated is called once per file, from a goroutine of its
// own, after the file is closed and renamed; the file is the policy's from
// then on.
type Policy interface {
	Rotated(f File) error
}

// RotatedName returns the name Zeek's default rotation gives a closed
// log file of path opened at open, without extension:
// "conn.2026-11-27-07-00-00" (Log::default_rotation_date_format, in
// open's location).
func RotatedName(path string, open time.Time) string {
	return path + "." + open.Format("2006-01-02-15-04-05")
}

// Compression selects how archives are compressed.
type Compression int

// Compressions.
const (
	None Compression = iota // archives are plain files
	Gzip                    // gzip (zeekctl's default, ".gz")
	Zstd                    // Zstandard (".zst")
)

// Ext returns the compression's usual file extension without dot ("" for
// None).
func (c Compression) Ext() string {
	switch c {
	case Gzip:
		return "gz"
	case Zstd:
		return "zst"
	}
	return ""
}

// String returns "none", "gzip" or "zstd".
func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "none"
}

// CompressionFor picks the archive compression from zeekctl's settings:
// None unless compressLogs; zstd when CompressCmd names zstd or
// CompressExtension is "zst"/"zstd"; gzip otherwise (whatever command
// CompressCmd names, Heron compresses in process).
func CompressionFor(compressLogs bool, compressCmd, compressExt string) Compression {
	if !compressLogs {
		return None
	}
	cmd := strings.Fields(compressCmd)
	if len(cmd) > 0 && strings.HasPrefix(filepath.Base(cmd[0]), "zstd") {
		return Zstd
	}
	switch strings.ToLower(strings.TrimPrefix(compressExt, ".")) {
	case "zst", "zstd":
		return Zstd
	}
	return Gzip
}

// Archiver is the Policy of a node under heronctl: it moves each rotated
// file into <LogDir>/YYYY-MM-DD/<path>.HH:MM:SS-HH:MM:SS[-Suffix].<ext>,
// compressed, as zeekctl's archive-log does. It is safe for concurrent
// use.
type Archiver struct {
	// LogDir is the archive's root (zeekctl's LogDir).
	LogDir string
	// Compression compresses the archives (zeekctl's CompressLogs).
	Compression Compression
	// Level is the compression level: for gzip 1–9, for zstd 1–4
	// (fastest to best); 0 is the library's default.
	Level int
	// Ext is the compressed archives' extension without dot (zeekctl's
	// CompressExtension); "" is Compression.Ext().
	Ext string
	// Suffix goes after the times in the name, as zeekctl's
	// ZEEK_ARG_LOG_SUFFIX does when several loggers write the same logs
	// ("logger-1" gives conn.07:00:00-08:00:00-logger-1.log.gz).
	Suffix string
	// Location is the time zone of names; nil is time.Local.
	Location *time.Location
	// Archived, if set, is called after each file is archived, with the
	// archive's full name.
	Archived func(f File, archive string)
}

// Name returns the archive name of f relative to LogDir, as zeekctl's
// make-archive-name forms it, plus the compression's extension:
// "2026-11-27/conn.07:00:00-08:00:00.log.gz".
func (a *Archiver) Name(f File) string {
	loc := a.Location
	if loc == nil {
		loc = time.Local
	}
	open, closed := f.Open.In(loc), f.Close.In(loc)
	ext := f.Ext
	if ext == "" {
		ext = "log"
	}
	name := open.Format("2006-01-02") + "/" + f.Path + "." + open.Format("15:04:05") + "-" + closed.Format("15:04:05")
	if a.Suffix != "" {
		name += "-" + a.Suffix
	}
	name += "." + ext
	if cext := a.compressedExt(f); cext != "" {
		name += "." + cext
	}
	return name
}

// compressedExt is the extension the archive of f gets after the log's.
func (a *Archiver) compressedExt(f File) string {
	if f.Compressed != "" {
		return f.Compressed // already compressed by the writer: kept as is
	}
	if a.Compression == None {
		return ""
	}
	if a.Ext != "" {
		return strings.TrimPrefix(a.Ext, ".")
	}
	return a.Compression.Ext()
}

// Rotated archives f (see Archive).
func (a *Archiver) Rotated(f File) error {
	_, err := a.Archive(f)
	return err
}

// Archive writes f into the archive and removes f.Name, returning the
// archive's name. The archive appears atomically: it is written to a
// temporary file in its directory, synced, and renamed into place. An
// existing archive of the same name is not replaced; the new one gets
// ".1", ".2", … before its extensions. On error f.Name is left in place.
func (a *Archiver) Archive(f File) (string, error) {
	rel := a.Name(f)
	dest := filepath.Join(a.LogDir, filepath.FromSlash(rel))
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("rotate: create archive directory: %w", err)
	}
	dest, err := freeName(dest, f)
	if err != nil {
		return "", err
	}
	if err := a.write(f, dest); err != nil {
		return "", err
	}
	if err := syncDir(dir); err != nil {
		return "", err
	}
	if err := os.Remove(f.Name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return dest, fmt.Errorf("rotate: remove archived %s: %w", f.Name, err)
	}
	if a.Archived != nil {
		a.Archived(f, dest)
	}
	return dest, nil
}

// freeName returns dest, or dest with a counter before its extensions when
// dest exists.
func freeName(dest string, f File) (string, error) {
	if _, err := os.Lstat(dest); errors.Is(err, os.ErrNotExist) {
		return dest, nil
	}
	// Split at the log's extension: "<stem>.<ext>[.<cext>]".
	base := filepath.Base(dest)
	ext := "." + f.Ext
	if f.Ext == "" {
		ext = ".log"
	}
	i := strings.LastIndex(base, ext)
	if i < 0 {
		i = len(base)
	}
	stem, tail := base[:i], base[i:]
	for n := 1; n < 1000; n++ {
		cand := filepath.Join(filepath.Dir(dest), fmt.Sprintf("%s.%d%s", stem, n, tail))
		if _, err := os.Lstat(cand); errors.Is(err, os.ErrNotExist) {
			return cand, nil
		}
	}
	return "", fmt.Errorf("rotate: no free archive name for %s", dest)
}

// write puts f's content, compressed as needed, at dest through a
// temporary file.
func (a *Archiver) write(f File, dest string) error {
	plainMove := f.Compressed != "" || a.Compression == None
	if plainMove {
		// Same file system: a rename is atomic and copies nothing.
		if err := os.Rename(f.Name, dest); err == nil {
			return nil
		} else if !errors.Is(err, syscall.EXDEV) {
			return fmt.Errorf("rotate: archive %s: %w", f.Name, err)
		}
	}
	src, err := os.Open(f.Name)
	if err != nil {
		return fmt.Errorf("rotate: archive: %w", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return fmt.Errorf("rotate: archive %s: %w", f.Name, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var werr error
	if plainMove {
		_, werr = io.Copy(tmp, src)
	} else {
		werr = a.compress(tmp, src)
	}
	if werr != nil {
		return fmt.Errorf("rotate: archive %s: %w", f.Name, werr)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("rotate: archive %s: sync: %w", f.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rotate: archive %s: %w", f.Name, err)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("rotate: archive %s: %w", f.Name, err)
	}
	ok = true
	return nil
}

// compress copies src into dst through a's compressor.
func (a *Archiver) compress(dst io.Writer, src io.Reader) error {
	var zw io.WriteCloser
	switch a.Compression {
	case Zstd:
		opts := []zstd.EOption{zstd.WithEncoderConcurrency(1)}
		if a.Level > 0 {
			opts = append(opts, zstd.WithEncoderLevel(zstd.EncoderLevel(min(a.Level, int(zstd.SpeedBestCompression)))))
		}
		w, err := zstd.NewWriter(dst, opts...)
		if err != nil {
			return err
		}
		zw = w
	default:
		level := a.Level
		if level == 0 {
			level = gzip.DefaultCompression
		}
		w, err := gzip.NewWriterLevel(dst, level)
		if err != nil {
			return err
		}
		zw = w
	}
	if _, err := io.Copy(zw, src); err != nil {
		zw.Close()
		return err
	}
	return zw.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("rotate: sync %s: %w", dir, err)
	}
	return nil
}

// LinkCurrent makes <logDir>/current a symbolic link to liveDir (the
// directory the logger or manager writes its live logs in), replacing an
// existing link atomically, as zeekctl's install does.
func LinkCurrent(logDir, liveDir string) error {
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	cur := filepath.Join(logDir, "current")
	if fi, err := os.Lstat(cur); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("rotate: %s exists and is not a symbolic link; move it away", cur)
	}
	tmp := filepath.Join(logDir, fmt.Sprintf(".current.%d.tmp", os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(liveDir, tmp); err != nil {
		return fmt.Errorf("rotate: link current: %w", err)
	}
	if err := os.Rename(tmp, cur); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rotate: link current: %w", err)
	}
	return nil
}
