package analyzertest

import (
	"fmt"
	"sync"

	"github.com/heron-nsm/heron/internal/analyzer/support"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// ConnHost is a fake of support.ConnHost and of the other common host
// methods (support.HandleHost's Partial, Weird, ScriptWeird, LimitReached
// and Inner) for analyzer tests: it records what the analyzer reports and
// runs a real files framework. An analyzer's test host embeds it and adds
// (or overrides) what is particular to the analyzer.
type ConnHost struct {
	// T0 is network time and the connection's start; Conn its id.
	T0   zeek.Time
	Conn zeek.ConnID
	// IsPartial is what Partial reports.
	IsPartial bool
	// WeirdSource is the source Weird records.
	WeirdSource string
	// Weirds are "name|addl|source"; Violations "reason data" with the
	// data quoted.
	Weirds     []string
	Confirms   int
	Violations []string
	// Limits counts LimitReached.
	Limits int
	// FM is the files framework; FileLogs are its files.log records.
	FM       *files.Manager
	FileLogs []files.Info
	// InnerData is the last inner session Inner started.
	InnerData *Recorder
}

var _ support.ConnHost = (*ConnHost)(nil)

// T0 is the network time NewConnHost starts at.
const T0 = zeek.Time(1_700_000_000 * zeek.Second)

// sniffer is shared by the tests' file managers (its automaton warms up
// once).
var sniffer = sync.OnceValue(files.NewSniffer)

// NewConnHost returns a ConnHost for connection id at T0, whose weirds
// have source weirdSource, with a files framework that hashes every file
// or none (hashAll).
func NewConnHost(id zeek.ConnID, weirdSource string, hashAll bool) *ConnHost {
	h := &ConnHost{T0: T0, Conn: id, WeirdSource: weirdSource}
	cfg := files.DefaultConfig()
	cfg.Key = files.NewKey(42)
	cfg.HashAll = hashAll
	cfg.Log = func(r *files.Info) { h.FileLogs = append(h.FileLogs, *r) }
	cfg.Sniffer = sniffer()
	h.FM = files.NewManager(cfg)
	h.FM.Advance(h.T0)
	return h
}

// Now implements support.ConnHost.
func (h *ConnHost) Now() zeek.Time { return h.T0 }

// UID implements support.ConnHost: always "CTEST".
func (h *ConnHost) UID() string { return "CTEST" }

// ConnID implements support.ConnHost.
func (h *ConnHost) ConnID() zeek.ConnID { return h.Conn }

// StartTime implements support.ConnHost.
func (h *ConnHost) StartTime() zeek.Time { return h.T0 }

// Confirm implements support.ConnHost.
func (h *ConnHost) Confirm() { h.Confirms++ }

// Violation implements support.ConnHost (the data is copied).
func (h *ConnHost) Violation(reason string, data []byte) {
	h.Violations = append(h.Violations, fmt.Sprintf("%s %q", reason, data))
}

// Files implements support.ConnHost.
func (h *ConnHost) Files() *files.Manager { return h.FM }

// Partial reports IsPartial.
func (h *ConnHost) Partial() bool { return h.IsPartial }

// Weird records a weird with WeirdSource as its source.
func (h *ConnHost) Weird(name, addl string) {
	h.Weirds = append(h.Weirds, name+"|"+addl+"|"+h.WeirdSource)
}

// ScriptWeird records a weird with the given source.
func (h *ConnHost) ScriptWeird(name, addl, source string) {
	h.Weirds = append(h.Weirds, name+"|"+addl+"|"+source)
}

// LimitReached counts a history 'X'.
func (h *ConnHost) LimitReached() { h.Limits++ }

// Inner starts a new Recorder as the inner session.
func (h *ConnHost) Inner() support.Session {
	h.InnerData = &Recorder{}
	return h.InnerData
}
