package logging

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/logging/ascii"
	"github.com/heron-nsm/heron/internal/logging/json"
	"github.com/heron-nsm/heron/internal/logging/schema"
)

// WriterInfo describes the log a Writer is set up for.
type WriterInfo struct {
	// Path is the log's path, "conn" or "weird": the file name without
	// extension, or an absolute file name without extension.
	Path string
	// Filter names the filter that feeds the writer ("default").
	Filter string
	// View holds the columns, in order, that records arrive with.
	View *schema.View
}

// Writer is a log back end: it receives the schema once, then records.
// Each Writer is driven by one goroutine; its methods are not called
// concurrently.
type Writer interface {
	// Init prepares the writer for records of info.View. It is called
	// once, when the first record is about to be written.
	Init(info WriterInfo) error
	// Write takes one record. r and what it refers to are valid only
	// during the call.
	Write(r schema.Record) error
	// Flush pushes buffered output towards its destination.
	Flush() error
	// Close flushes and releases the writer; a file writer writes its
	// trailer (#close).
	Close() error
}

// Format encodes the records of one log (Zeek's ASCII format, JSON). A
// Format keeps per-log state; use one per writer. Each method appends to
// dst, which the caller owns, and returns the extended slice.
type Format interface {
	// AppendHeader appends what starts a log file for path with the given
	// columns, opened at open.
	AppendHeader(dst []byte, path string, cols []schema.Column, open time.Time) []byte
	// AppendRecord appends one encoded record of v's type, with its line
	// end.
	AppendRecord(dst []byte, v *schema.View, r schema.Record) []byte
	// AppendFooter appends what ends a log file closed at close.
	AppendFooter(dst []byte, close time.Time) []byte
}

var (
	_ Format = (*ascii.Encoder)(nil)
	_ Format = (*json.Encoder)(nil)
)

// Destination opens where a log's bytes go.
type Destination interface {
	// Open returns a writer for the log at path. Closing it finishes the
	// output (for a file, flushes compression and closes the file).
	Open(path string) (io.WriteCloser, error)
}

// Files is the destination of Zeek's ASCII writer:
// <Dir>/<path>.<Suffix>, or <Dir>/<path>.<Suffix>.<GzipExt> compressed at
// GzipLevel, or standard output.
type Files struct {
	Dir       string // "" is the working directory; created if missing
	Suffix    string // file extension, "log"
	GzipLevel int    // 0: no compression
	GzipExt   string // extension of compressed files, "gz"
	Stdout    bool   // write to standard output instead
}

var _ Destination = (*Files)(nil)

// Name returns the file name for path.
func (f *Files) Name(path string) string {
	name := path + "." + f.Suffix
	if f.GzipLevel > 0 {
		ext := f.GzipExt
		if ext == "" {
			ext = "gz"
		}
		name += "." + ext
	}
	if !strings.HasPrefix(path, "/") && f.Dir != "" {
		name = filepath.Join(f.Dir, name)
	}
	return name
}

// Open creates (or truncates) the file for path.
func (f *Files) Open(path string) (io.WriteCloser, error) {
	if f.Stdout {
		return stdout{}, nil
	}
	name := f.Name(path)
	if dir := filepath.Dir(name); dir != "." {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, fmt.Errorf("logging: create log directory: %w", err)
		}
	}
	file, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, fmt.Errorf("logging: %w", err)
	}
	if f.GzipLevel <= 0 {
		return file, nil
	}
	zw, err := gzip.NewWriterLevel(file, f.GzipLevel)
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("logging: %s: %w", name, err)
	}
	return &gzipFile{zw: zw, f: file}, nil
}

type gzipFile struct {
	zw *gzip.Writer
	f  *os.File
}

func (g *gzipFile) Write(p []byte) (int, error) { return g.zw.Write(p) }

func (g *gzipFile) Close() error {
	err := g.zw.Close()
	if cerr := g.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stdoutMu keeps the records of different logs on standard output whole.
var stdoutMu sync.Mutex

// stdout writes to standard output without closing it; the writer flushes
// it after every record.
type stdout struct{}

func (stdout) Write(p []byte) (int, error) {
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	return os.Stdout.Write(p)
}

func (stdout) Close() error { return nil }

// FormatWriter is the Writer that encodes records with a Format and writes
// them, buffered, to a Destination: with ascii.Encoder and Files, Zeek's
// ASCII writer.
type FormatWriter struct {
	format Format
	dest   Destination
	now    func() time.Time

	info   WriterInfo
	out    io.WriteCloser
	bw     *bufio.Writer
	buf    []byte
	direct bool // flush after every record (standard output)
	err    error
}

var _ Writer = (*FormatWriter)(nil)

// NewFormatWriter returns a writer encoding with f into d; now gives the
// #open and #close times (nil: time.Now).
func NewFormatWriter(f Format, d Destination, now func() time.Time) *FormatWriter {
	if now == nil {
		now = time.Now
	}
	return &FormatWriter{format: f, dest: d, now: now}
}

// Init opens the destination and writes the header.
func (w *FormatWriter) Init(info WriterInfo) error {
	if w.out != nil {
		return fmt.Errorf("logging: %s: writer initialised twice", info.Path)
	}
	out, err := w.dest.Open(info.Path)
	if err != nil {
		return err
	}
	w.info, w.out = info, out
	_, w.direct = out.(stdout)
	w.bw = bufio.NewWriterSize(out, 64<<10)
	w.buf = w.format.AppendHeader(w.buf[:0], info.Path, info.View.Columns(), w.now())
	return w.put()
}

// put writes w.buf, keeping the first error.
func (w *FormatWriter) put() error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.bw.Write(w.buf); err != nil {
		w.err = fmt.Errorf("logging: write %s: %w", w.info.Path, err)
		return w.err
	}
	if w.direct {
		return w.Flush()
	}
	return nil
}

// Write encodes and buffers one record.
func (w *FormatWriter) Write(r schema.Record) error {
	if w.out == nil {
		return fmt.Errorf("logging: write before init")
	}
	w.buf = w.format.AppendRecord(w.buf[:0], w.info.View, r)
	return w.put()
}

// Flush writes the buffered bytes to the destination.
func (w *FormatWriter) Flush() error {
	if w.out == nil || w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("logging: write %s: %w", w.info.Path, err)
	}
	return w.err
}

// Close writes the footer, flushes and closes the destination.
func (w *FormatWriter) Close() error {
	if w.out == nil {
		return nil
	}
	w.buf = w.format.AppendFooter(w.buf[:0], w.now())
	w.put()
	w.Flush()
	if err := w.out.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("logging: close %s: %w", w.info.Path, err)
	}
	w.out = nil
	return w.err
}
