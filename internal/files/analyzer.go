package files

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Analyzer is a per-file analyzer (Zeek's file_analysis::Analyzer). The
// framework calls it from the Manager's goroutine. Each method returns
// false when the analyzer wants no more input; it is then detached (and
// gets no EndOfFile).
//
// Buffer ownership: data is borrowed for the call only.
type Analyzer interface {
	// DeliverStream gets the file's content in order, from offset 0
	// (analyzers added late first get the bytes buffered for sniffing).
	DeliverStream(data []byte) bool
	// DeliverChunk gets content as it arrives, with its offset, before
	// reassembly.
	DeliverChunk(data []byte, offset uint64) bool
	// Undelivered reports n bytes at offset that will never arrive.
	Undelivered(offset, n uint64) bool
	// EndOfFile reports the end of the file. The file's Info is written
	// to files.log after every analyzer's EndOfFile.
	EndOfFile() bool
}

// Base implements Analyzer: it takes everything and does nothing. Embed it
// and override what the analyzer needs.
type Base struct{}

// DeliverStream accepts the data.
func (Base) DeliverStream([]byte) bool { return true }

// DeliverChunk accepts the data.
func (Base) DeliverChunk([]byte, uint64) bool { return true }

// Undelivered accepts the gap.
func (Base) Undelivered(uint64, uint64) bool { return true }

// EndOfFile does nothing.
func (Base) EndOfFile() bool { return true }

// Args are the arguments of AddAnalyzer (Zeek's Files::AnalyzerArgs).
// Analyzers ignore the fields that are not theirs.
type Args struct {
	// ExtractFilename is the EXTRACT analyzer's file name inside the
	// extraction directory; empty means Zeek's default
	// "extract-<time>-<source>-<fuid>". It is sanitised: only its last
	// path element is used, and characters other than letters, digits,
	// '-', '_' and '.' become '_'.
	ExtractFilename string
	// ExtractLimit is the EXTRACT analyzer's size limit in bytes; 0
	// means Config.ExtractLimit.
	ExtractLimit uint64
	// ExtractUnlimited lifts the limit (Zeek's extract_limit=0).
	ExtractUnlimited bool
}

// AnalyzerInfo describes a per-file analyzer to the registry.
type AnalyzerInfo struct {
	// Name is Zeek's name ("MD5", "EXTRACT", "X509"), as files.log's
	// analyzers field shows it.
	Name string
	// New creates the analyzer for a file. It may return nil (the
	// analyzer is then not attached, but its name stays in the
	// analyzers field, as in Zeek).
	New func(f *File, args Args) Analyzer
	// MIMETypes are the types for which the analyzer is added
	// automatically (Files::register_for_mime_type), when Script is
	// loaded.
	MIMETypes []string
	// Script is the Zeek script whose loading makes the MIMETypes
	// registration (and HideFromLog) effective; empty: always.
	Script string
	// HideFromLog keeps files that carry this analyzer out of files.log
	// (a Files::log_policy hook such as X509's). It is consulted when the
	// file is logged.
	HideFromLog func() bool
}

var (
	regMu    sync.RWMutex
	registry = map[string]*AnalyzerInfo{}
)

// RegisterAnalyzer adds a per-file analyzer. Call it from an init
// function; a second registration of a name panics.
func RegisterAnalyzer(info AnalyzerInfo) {
	regMu.Lock()
	defer regMu.Unlock()
	key := strings.ToUpper(info.Name)
	if info.Name == "" || info.New == nil {
		panic(fmt.Sprintf("files: incomplete analyzer registration %q", info.Name))
	}
	if _, dup := registry[key]; dup {
		panic(fmt.Sprintf("files: analyzer %q registered twice", info.Name))
	}
	i := info
	registry[key] = &i
}

// LookupAnalyzer returns the registered analyzer of a name (any case), or
// nil.
func LookupAnalyzer(name string) *AnalyzerInfo {
	regMu.RLock()
	defer regMu.RUnlock()
	return registry[strings.ToUpper(name)]
}

// RegisteredAnalyzers returns the registered analyzers by name.
func RegisteredAnalyzers() []*AnalyzerInfo {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]*AnalyzerInfo, 0, len(registry))
	for _, i := range registry {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}
