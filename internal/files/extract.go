package files

import (
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// extractAnalyzer is Zeek's EXTRACT file analyzer with base/files/extract:
// it writes the file's content to a file in the extraction directory, up
// to a size limit, with holes for gaps (which count towards the limit by
// default), and fills files.log's extracted, extracted_cutoff and
// extracted_size.
type extractAnalyzer struct {
	f               *File
	w               *os.File
	limit           uint64
	written         uint64
	includesMissing bool
	path            string
}

func init() {
	RegisterAnalyzer(AnalyzerInfo{Name: "EXTRACT", New: newExtract})
}

// ExtractName returns the name the EXTRACT analyzer gives a file by
// default: "extract-<time>-<source>-<fuid>".
func ExtractName(t zeek.Time, source, fuid string) string {
	return "extract-" + string(zeek.AppendFixed6(nil, int64(t))) + "-" + source + "-" + fuid
}

// SafeName makes name usable as one file name inside the extraction
// directory: only its last path element counts, every byte other than an
// ASCII letter, digit, '-', '_' or '.' becomes '_', a name of dots only
// becomes "_", and the result is at most 200 bytes. Nothing else from
// traffic can reach the file system through it.
func SafeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	b := []byte(name)
	if len(b) > 200 {
		b = b[:200]
	}
	dots := true
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			dots = false
		case c == '.':
		default:
			b[i] = '_'
			dots = false
		}
	}
	if len(b) == 0 || dots {
		return "_"
	}
	return string(b)
}

func newExtract(f *File, args Args) Analyzer {
	cfg := &f.m.cfg
	name := args.ExtractFilename
	if name == "" {
		name = ExtractName(f.lastActive, f.spec.Source, f.id)
	}
	name = SafeName(name)
	limit := cfg.ExtractLimit
	if args.ExtractLimit > 0 {
		limit = args.ExtractLimit
	}
	if args.ExtractUnlimited {
		limit = 0
	}
	f.info.Extracted = zeek.Some(name)
	f.info.ExtractedCutoff = zeek.Some(false)
	dir := cfg.ExtractDir
	if dir == "" {
		dir = "extract_files"
	}
	a := &extractAnalyzer{f: f, limit: limit, includesMissing: cfg.ExtractLimitIncludesMissing,
		path: filepath.Join(dir, name)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.m.weird(f, "file_extract_failed", err.Error())
		return a
	}
	w, err := os.OpenFile(a.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		f.m.weird(f, "file_extract_failed", err.Error())
		return a
	}
	a.w = w
	return a
}

// room returns how many of n more bytes fit under the limit, and whether
// the limit is exceeded.
func (a *extractAnalyzer) room(n uint64) (uint64, bool) {
	if a.limit == 0 {
		return n, false
	}
	if a.written >= a.limit {
		return 0, true
	}
	if a.written+n > a.limit {
		return a.limit - a.written, true
	}
	return n, false
}

// cutoff is base/files/extract's file_extraction_limit handler.
func (a *extractAnalyzer) cutoff() {
	a.f.info.ExtractedCutoff = zeek.Some(true)
	a.f.info.ExtractedSize = zeek.Some(a.limit)
}

// DeliverStream writes content up to the limit.
func (a *extractAnalyzer) DeliverStream(data []byte) bool {
	if a.w == nil {
		return false
	}
	n, exceeded := a.room(uint64(len(data)))
	if exceeded {
		a.cutoff()
	}
	if n > 0 {
		if _, err := a.w.Write(data[:n]); err != nil {
			a.f.m.weird(a.f, "file_extract_failed", err.Error())
			a.close()
			return false
		}
		a.written += n
	}
	if exceeded {
		a.close()
	}
	return !exceeded
}

// DeliverChunk is not used: extraction follows the stream.
func (a *extractAnalyzer) DeliverChunk([]byte, uint64) bool { return true }

// Undelivered leaves a hole (counted towards the limit by default).
func (a *extractAnalyzer) Undelivered(offset, n uint64) bool {
	if a.w == nil {
		return false
	}
	if a.includesMissing {
		if _, exceeded := a.room(n); exceeded {
			a.cutoff()
			a.close()
			return false
		}
		a.written += n
	}
	if _, err := a.w.Seek(int64(offset+n), io.SeekStart); err != nil {
		a.close()
		return false
	}
	return true
}

// EndOfFile closes the extracted file.
func (a *extractAnalyzer) EndOfFile() bool {
	a.close()
	return false
}

func (a *extractAnalyzer) close() {
	if a.w != nil {
		// As in Zeek, a trailing hole is not written: the file ends with
		// the last byte that arrived.
		_ = a.w.Close()
		a.w = nil
	}
}
