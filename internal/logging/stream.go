package logging

import (
	"fmt"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/logging/schema"
)

// Filter decides which columns of a stream go to which output path, as
// Zeek's Log::Filter does. A stream has one filter, "default", unless
// WithFilter replaces it; more filters per stream (and path functions,
// policies, per-filter writer config) can hang here later.
type Filter struct {
	// Name identifies the filter; "default" for the stream's own.
	Name string
	// Path is the output path; "" means the stream's path.
	Path string
	// Include, when not nil, keeps only these columns (flattened names).
	Include []string
	// Exclude drops these columns.
	Exclude []string
	// FieldNameMap renames columns; nil means Config.FieldNameMap.
	FieldNameMap map[string]string
	// ScopeSep joins nested names; "" means Config.ScopeSep.
	ScopeSep string
}

// StreamOption configures a stream at registration.
type StreamOption func(*streamOptions)

type streamOptions struct {
	filters []Filter
	exts    []string
	id      string
	lim     *schema.Limits
}

// WithID names the stream with its Zeek Log::ID ("SMTP::LOG"), which the
// weirds of its cut values carry. Without it the stream's path stands in.
func WithID(id string) StreamOption {
	return func(o *streamOptions) { o.id = id }
}

// WithLimits sets the stream's own log field limits instead of the
// Config's (Zeek's Log::Stream fields max_field_string_bytes,
// max_total_string_bytes, max_field_container_elements and
// max_total_container_elements; RecordSize stands for
// Log::max_log_record_size, which Zeek has only globally). All of l
// applies and zero values are no limit: start from Config.Limits to
// change one.
func WithLimits(l schema.Limits) StreamOption {
	return func(o *streamOptions) { o.lim = &l }
}

// WithFilter replaces the stream's default filter with f.
func WithFilter(f Filter) StreamOption {
	return func(o *streamOptions) { o.filters = []Filter{f} }
}

// WithExtensions enables extensions as EnableExt does.
func WithExtensions(names ...string) StreamOption {
	return func(o *streamOptions) { o.exts = append(o.exts, names...) }
}

// output is one filter's writer within a stream.
type output struct {
	filter Filter
	path   string
	view   *schema.View
	w      Writer
	failed bool
}

// Stream is a log stream of records of type T (a struct declared as
// package schema describes). Write may be called from any goroutine.
type Stream[T any] struct {
	m      *Manager
	path   string
	id     string
	schema *schema.Schema
	lim    *schema.Limits // nil when no limit is set

	cfgMu   sync.Mutex
	frozen  bool
	filters []Filter
	exts    []string

	once     sync.Once
	startErr error
	outs     []*output

	mu       sync.RWMutex // held for reading while sending; for writing to close ch
	closed   bool
	ch       chan T
	flushReq chan chan<- struct{}
	exited   chan struct{} // closed when run returns
}

// NewStream registers a log stream writing records of type T to path
// ("conn" writes conn.log). The record type is compiled here, once.
func NewStream[T any](m *Manager, path string, opts ...StreamOption) (*Stream[T], error) {
	if path == "" {
		return nil, fmt.Errorf("logging: empty stream path")
	}
	sc, err := schema.For[T]()
	if err != nil {
		return nil, fmt.Errorf("logging: stream %s: %w", path, err)
	}
	var o streamOptions
	for _, opt := range opts {
		opt(&o)
	}
	if len(o.filters) == 0 {
		o.filters = []Filter{{Name: "default"}}
	}
	s := &Stream[T]{m: m, path: path, id: o.id, schema: sc, filters: o.filters}
	if s.id == "" {
		s.id = path
	}
	lim := m.cfg.Limits()
	if o.lim != nil {
		lim = *o.lim
	}
	if lim.FieldStringBytes < 0 || lim.TotalStringBytes < 0 || lim.FieldContainerElements < 0 || lim.TotalContainerElements < 0 || lim.RecordSize < 0 {
		return nil, fmt.Errorf("logging: stream %s: negative log field limit", path)
	}
	if lim.Active() {
		s.lim = &lim
	}
	paths := make([]string, len(s.filters))
	for i, f := range s.filters {
		paths[i] = s.outPath(f)
		// Fail early on filters that select nothing or clash.
		if _, err := sc.View(s.viewOptions(f, nil)); err != nil {
			return nil, fmt.Errorf("logging: stream %s: %w", path, err)
		}
	}
	if err := s.EnableExt(o.exts...); err != nil {
		return nil, err
	}
	if err := m.claim(paths); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the stream's path.
func (s *Stream[T]) Path() string { return s.path }

// ID returns the stream's Zeek Log::ID (WithID), or its path.
func (s *Stream[T]) ID() string { return s.id }

// Limits returns the log field limits the stream applies (zero: none).
func (s *Stream[T]) Limits() schema.Limits {
	if s.lim == nil {
		return schema.Limits{}
	}
	return *s.lim
}

// Schema returns the compiled record type.
func (s *Stream[T]) Schema() *schema.Schema { return s.schema }

func (s *Stream[T]) outPath(f Filter) string {
	if f.Path != "" {
		return f.Path
	}
	return s.path
}

func (s *Stream[T]) viewOptions(f Filter, exts []string) schema.ViewOptions {
	o := schema.ViewOptions{
		Extensions: exts,
		ScopeSep:   f.ScopeSep,
		Include:    f.Include,
		Exclude:    f.Exclude,
		NameMap:    f.FieldNameMap,
	}
	if o.ScopeSep == "" {
		o.ScopeSep = s.m.cfg.ScopeSep
	}
	if o.NameMap == nil {
		o.NameMap = s.m.cfg.FieldNameMap
	}
	return o
}

// EnableExt enables extensions of the record type (fields tagged
// ext=NAME), after those Config.Extensions enables, in the order given. It
// fails for names the type does not declare and once the stream has been
// written to.
func (s *Stream[T]) EnableExt(names ...string) error {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	if s.frozen {
		return fmt.Errorf("logging: stream %s: extensions enabled after the first write", s.path)
	}
	for _, n := range names {
		known := false
		for _, e := range s.schema.Extensions() {
			known = known || e == n
		}
		if !known {
			return fmt.Errorf("logging: stream %s: record type %v has no extension %q", s.path, s.schema.Type(), n)
		}
		s.exts = append(s.exts, n)
	}
	return nil
}

// Columns returns the columns the stream's first filter writes with the
// extensions enabled so far.
func (s *Stream[T]) Columns() ([]schema.Column, error) {
	s.cfgMu.Lock()
	exts := append(append([]string(nil), s.m.cfg.Extensions...), s.exts...)
	s.cfgMu.Unlock()
	v, err := s.schema.View(s.viewOptions(s.filters[0], exts))
	if err != nil {
		return nil, err
	}
	return v.Columns(), nil
}

// start freezes the configuration and starts the stream's goroutine.
func (s *Stream[T]) start() {
	s.cfgMu.Lock()
	s.frozen = true
	exts := append(append([]string(nil), s.m.cfg.Extensions...), s.exts...)
	s.cfgMu.Unlock()
	for _, f := range s.filters {
		v, err := s.schema.View(s.viewOptions(f, exts))
		if err != nil {
			s.startErr = fmt.Errorf("logging: stream %s: %w", s.path, err)
			return
		}
		s.outs = append(s.outs, &output{filter: f, path: s.outPath(f), view: v})
	}
	s.ch = make(chan T, s.m.cfg.QueueLen)
	s.flushReq = make(chan chan<- struct{})
	s.exited = make(chan struct{})
	if err := s.m.register(s); err != nil {
		s.startErr = err
		return
	}
	go s.run()
}

// Write queues a copy of *rec for writing and returns; it blocks while the
// stream's queue is full (logs are lossless). The copy is shallow: the
// stream takes over what the record refers to (slice backing arrays, byte
// slices), which the caller must not modify afterwards. The first Write
// freezes the stream's columns. Values over the stream's limits are cut
// when the record is written (nothing in *rec changes) and reported
// through Config.Weird before Write returns. Write returns ErrClosed after
// Manager.Close; I/O errors surface in Manager.Err and Close.
func (s *Stream[T]) Write(rec *T) error {
	s.once.Do(s.start)
	if s.startErr != nil {
		return s.startErr
	}
	if s.lim != nil && !s.checkLimits(schema.RecordOf(rec)) {
		return nil // over Log::max_log_record_size: dropped, as in Zeek
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	s.ch <- *rec
	s.mu.RUnlock()
	return nil
}

// checkLimits reports, once per filter as Zeek does, the values of r that
// the stream's limits cut, and whether r may be written: false when it
// is too large for every filter.
func (s *Stream[T]) checkLimits(r schema.Record) bool {
	weird := s.m.cfg.Weird
	report := func(t schema.Truncation) {
		if weird == nil {
			return
		}
		switch t {
		case schema.ContainerTruncated:
			weird("log_container_field_truncated", s.id)
		case schema.RecordTooLarge:
			weird("log_record_too_large", s.id)
		default:
			weird("log_string_field_truncated", s.id)
		}
	}
	keep := false
	for _, o := range s.outs {
		if _, drop := o.view.CheckLimits(r, s.lim, report); !drop {
			keep = true
		}
	}
	return keep
}

func (s *Stream[T]) stop() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	s.mu.Unlock()
}

func (s *Stream[T]) flush(done chan<- struct{}) {
	select {
	case s.flushReq <- done:
	case <-s.exited:
		close(done)
	}
}

// run is the stream's goroutine: it takes records off the queue and hands
// them to the writers.
func (s *Stream[T]) run() {
	defer s.m.wg.Done()
	defer close(s.exited)
	ticker := time.NewTicker(s.m.cfg.FlushInterval)
	defer ticker.Stop()
	slot := new(T)
	rec := schema.RecordOf(slot).Limited(s.lim)
	dirty := false
	var zero T
	for {
		var ok bool
		select {
		case *slot, ok = <-s.ch:
			if !ok {
				s.finish()
				return
			}
			s.write(rec)
			*slot = zero
			dirty = true
		case <-ticker.C:
			if dirty {
				s.flushOutputs()
				dirty = false
			}
		case done := <-s.flushReq:
			closed := false
		drain:
			for {
				select {
				case *slot, ok = <-s.ch:
					if !ok {
						closed = true
						break drain
					}
					s.write(rec)
					*slot = zero
				default:
					break drain
				}
			}
			s.flushOutputs()
			dirty = false
			close(done)
			if closed {
				s.finish()
				return
			}
		}
	}
}

func (s *Stream[T]) write(r schema.Record) {
	for _, o := range s.outs {
		if o.failed {
			continue
		}
		if o.w == nil {
			info := WriterInfo{Path: o.path, Filter: o.filter.Name, View: o.view}
			w, err := s.m.newWriter(info)
			if err == nil {
				if err = w.Init(info); err != nil {
					w.Close() // release what Init got before failing
				}
			}
			if err != nil {
				s.m.report(err)
				o.failed = true
				continue
			}
			o.w = w
		}
		if err := o.w.Write(r); err != nil {
			s.m.report(err)
		}
	}
}

func (s *Stream[T]) flushOutputs() {
	for _, o := range s.outs {
		if o.w != nil {
			s.m.report(o.w.Flush())
		}
	}
}

func (s *Stream[T]) finish() {
	for _, o := range s.outs {
		if o.w != nil {
			s.m.report(o.w.Close())
			o.w = nil
		}
	}
}
