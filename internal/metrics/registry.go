package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind is a metric family's type.
type Kind uint8

// The kinds of metric Heron exposes.
const (
	// CounterKind only goes up (Prometheus "counter").
	CounterKind Kind = iota + 1
	// GaugeKind goes up and down (Prometheus "gauge").
	GaugeKind
)

// String returns the kind's name in the exposition format.
func (k Kind) String() string {
	switch k {
	case CounterKind:
		return "counter"
	case GaugeKind:
		return "gauge"
	}
	return "untyped"
}

// Label is one label of a series: a name and its value.
type Label struct {
	Name, Value string
}

// Registry holds metric families and writes them in Prometheus' text
// exposition format. Registration panics on an invalid or conflicting
// name (a programming error, as regexp.MustCompile panics); updating and
// writing are safe for concurrent use.
type Registry struct {
	constLabels []Label

	mu       sync.Mutex
	families map[string]*family
}

// NewRegistry returns an empty registry whose series all carry the
// constant labels (Zeek labels every metric with node="<node name>";
// Heron does the same through these).
func NewRegistry(constLabels ...Label) *Registry {
	for _, l := range constLabels {
		mustLabelName(l.Name)
	}
	return &Registry{constLabels: slices.Clone(constLabels), families: map[string]*family{}}
}

// family is one metric name with its help, type and series.
type family struct {
	name, help string
	kind       Kind
	labelNames []string // for vectors; nil for func-backed families
	vec        bool

	mu     sync.Mutex
	series map[string]*series // by joined label values
}

// series is one time series: a value, or a function giving it.
type series struct {
	labels []Label
	bits   atomic.Uint64 // float64 bits (gauges) or the count (counters)
	fn     func() float64
}

func (r *Registry) family(name, help string, kind Kind, labelNames []string, vec bool) *family {
	mustMetricName(name)
	for _, l := range labelNames {
		mustLabelName(l)
		for _, c := range r.constLabels {
			if c.Name == l {
				panic(fmt.Sprintf("metrics: %s: label %q is a constant label of the registry", name, l))
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.families[name]; f != nil {
		if f.kind != kind || f.help != help || f.vec != vec || (vec && !slices.Equal(f.labelNames, labelNames)) {
			panic(fmt.Sprintf("metrics: %s registered twice with different kind, help or labels", name))
		}
		return f
	}
	f := &family{name: name, help: help, kind: kind, labelNames: slices.Clone(labelNames), vec: vec, series: map[string]*series{}}
	r.families[name] = f
	return f
}

// key joins label values for the series map.
func key(values []string) string { return strings.Join(values, "\xff") }

// get returns the series with the given label values, creating it.
func (f *family) get(values []string) *series {
	if len(values) != len(f.labelNames) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", f.name, len(f.labelNames), len(values)))
	}
	k := key(values)
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.series[k]; s != nil {
		return s
	}
	s := &series{}
	for i, v := range values {
		s.labels = append(s.labels, Label{f.labelNames[i], v})
	}
	f.series[k] = s
	return s
}

// Counter is one counter series. Its methods are safe for concurrent use
// and do not allocate.
type Counter struct{ s *series }

// Inc adds one.
func (c Counter) Inc() { c.s.bits.Add(1) }

// Add adds n.
func (c Counter) Add(n uint64) { c.s.bits.Add(n) }

// Value returns the count.
func (c Counter) Value() uint64 { return c.s.bits.Load() }

// Gauge is one gauge series. Its methods are safe for concurrent use and
// do not allocate.
type Gauge struct{ s *series }

// Set sets the value.
func (g Gauge) Set(v float64) { g.s.bits.Store(math.Float64bits(v)) }

// Add adds d (which may be negative).
func (g Gauge) Add(d float64) {
	for {
		old := g.s.bits.Load()
		if g.s.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Value returns the value.
func (g Gauge) Value() float64 { return math.Float64frombits(g.s.bits.Load()) }

// CounterVec is a counter family with labels.
type CounterVec struct{ f *family }

// With returns the series for the label values, in the order of the
// label names given at registration. Keep the result rather than calling
// With on a hot path: it locks and, for a new series, allocates.
func (v CounterVec) With(values ...string) Counter { return Counter{v.f.get(values)} }

// GaugeVec is a gauge family with labels.
type GaugeVec struct{ f *family }

// With returns the series for the label values (see CounterVec.With).
func (v GaugeVec) With(values ...string) Gauge { return Gauge{v.f.get(values)} }

// Counter registers (or returns) a counter without labels. By
// Prometheus' convention its name ends in "_total".
func (r *Registry) Counter(name, help string) Counter {
	return Counter{r.family(name, help, CounterKind, nil, true).get(nil)}
}

// CounterVec registers (or returns) a counter family with the given label
// names.
func (r *Registry) CounterVec(name, help string, labelNames ...string) CounterVec {
	return CounterVec{r.family(name, help, CounterKind, labelNames, true)}
}

// Gauge registers (or returns) a gauge without labels.
func (r *Registry) Gauge(name, help string) Gauge {
	return Gauge{r.family(name, help, GaugeKind, nil, true).get(nil)}
}

// GaugeVec registers (or returns) a gauge family with the given label
// names.
func (r *Registry) GaugeVec(name, help string, labelNames ...string) GaugeVec {
	return GaugeVec{r.family(name, help, GaugeKind, labelNames, true)}
}

// CounterFunc registers a counter series whose value fn gives at each
// scrape. Registering the same name again with other labels adds a series
// to the family; the same labels replace the function. fn must be safe to
// call from any goroutine and should be quick.
func (r *Registry) CounterFunc(name, help string, fn func() float64, labels ...Label) {
	r.funcSeries(name, help, CounterKind, fn, labels)
}

// GaugeFunc registers a gauge series whose value fn gives at each scrape
// (see CounterFunc).
func (r *Registry) GaugeFunc(name, help string, fn func() float64, labels ...Label) {
	r.funcSeries(name, help, GaugeKind, fn, labels)
}

func (r *Registry) funcSeries(name, help string, kind Kind, fn func() float64, labels []Label) {
	if fn == nil {
		panic("metrics: " + name + ": nil function")
	}
	names := make([]string, len(labels))
	values := make([]string, len(labels))
	for i, l := range labels {
		names[i], values[i] = l.Name, l.Value
	}
	f := r.family(name, help, kind, names, false)
	k := key(append(names, values...))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.series[k] = &series{labels: slices.Clone(labels), fn: fn}
}

// Unregister removes a family; it reports whether there was one.
func (r *Registry) Unregister(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.families[name]
	delete(r.families, name)
	return ok
}

// validMetricName is Prometheus' [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// validLabelName is Prometheus' [a-zA-Z_][a-zA-Z0-9_]*, without the
// reserved "__" prefix.
func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9'
		if !ok {
			return false
		}
	}
	return true
}

func mustMetricName(s string) {
	if !validMetricName(s) {
		panic(fmt.Sprintf("metrics: %q is not a valid metric name", s))
	}
}

func mustLabelName(s string) {
	if !validLabelName(s) {
		panic(fmt.Sprintf("metrics: %q is not a valid label name", s))
	}
}

// has reports whether a family is registered.
func (r *Registry) has(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.families[name] != nil
}
