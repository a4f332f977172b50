package analyzer

import (
	"fmt"
	"sync"

	"github.com/heron-nsm/heron/internal/logging"
)

// LogSpec declares a log stream that an analyzer writes (dns.log,
// http.log, …). Declare it once, in the analyzer's register.go, with
// DeclareLog; the node opens the stream when the declaring script is
// loaded, and the analyzer writes records with Write.
type LogSpec[T any] struct {
	idx int
}

type logDecl struct {
	path   string
	script string
	open   func(m *logging.Manager, exts []string) (any, error)
}

var (
	logMu    sync.Mutex
	logDecls []logDecl
)

// DeclareLog declares the log stream path ("dns") with records of type T
// (a struct with Zeek log tags, see package logging), written while the
// Zeek script script ("base/protocols/dns") is loaded. Call it from a
// package-level var or init; declaring a path twice panics.
func DeclareLog[T any](path, script string, opts ...logging.StreamOption) *LogSpec[T] {
	logMu.Lock()
	defer logMu.Unlock()
	for _, d := range logDecls {
		if d.path == path {
			panic(fmt.Sprintf("analyzer: log %q declared twice", path))
		}
	}
	logDecls = append(logDecls, logDecl{path: path, script: script, open: func(m *logging.Manager, exts []string) (any, error) {
		s, err := logging.NewStream[T](m, path, opts...)
		if err == nil && len(exts) > 0 {
			err = s.EnableExt(exts...)
		}
		return s, err
	}})
	return &LogSpec[T]{idx: len(logDecls) - 1}
}

// Logs holds the analyzer log streams a node has open. It is shared by the
// node's analysis threads (streams are safe for concurrent writers).
type Logs struct {
	streams []any // *logging.Stream[T] by declaration, nil when not open
}

// OpenLogs opens the declared streams whose script loaded reports as
// loaded, with the extensions (ExtendLog) of the loaded scripts in
// declaration order.
func OpenLogs(m *logging.Manager, loaded func(script string) bool) (*Logs, error) {
	logMu.Lock()
	decls := append([]logDecl(nil), logDecls...)
	logMu.Unlock()
	paths, scripts, extNames := LogExtensions()
	l := &Logs{streams: make([]any, len(decls))}
	for i, d := range decls {
		if !loaded(d.script) {
			continue
		}
		var exts []string
		for j, p := range paths {
			if p == d.path && loaded(scripts[j]) {
				exts = append(exts, extNames[j])
			}
		}
		s, err := d.open(m, exts)
		if err != nil {
			return nil, fmt.Errorf("analyzer: opening %s.log: %w", d.path, err)
		}
		l.streams[i] = s
	}
	return l, nil
}

// DeclaredLogs returns the paths of the declared logs and their scripts,
// in declaration order.
func DeclaredLogs() (paths, scripts []string) {
	logMu.Lock()
	defer logMu.Unlock()
	for _, d := range logDecls {
		paths = append(paths, d.path)
		scripts = append(scripts, d.script)
	}
	return paths, scripts
}

func (s *LogSpec[T]) stream(l *Logs) *logging.Stream[T] {
	if l == nil || s.idx >= len(l.streams) || l.streams[s.idx] == nil {
		return nil
	}
	return l.streams[s.idx].(*logging.Stream[T])
}

// On reports whether the stream is open for the analyzer's node, so that
// an analyzer can skip building records nobody writes.
func (s *LogSpec[T]) On(h *Handle) bool { return s.stream(h.s.m.cfg.Logs) != nil }

// Write writes a record to the stream when it is open. The stream takes
// over what rec refers to (see logging.Stream.Write): build each record
// afresh.
func (s *LogSpec[T]) Write(h *Handle, rec *T) {
	if st := s.stream(h.s.m.cfg.Logs); st != nil {
		_ = st.Write(rec) // I/O errors surface in the logging manager
	}
}
