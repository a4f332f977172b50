package analyzer

import (
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Record is an analyzer.log record (Zeek's Analyzer::Logging::Info): an
// analyzer that had confirmed its protocol and then failed.
type Record struct {
	// TS is when the failure was noticed.
	TS zeek.Time `zeek:"ts"`
	// AnalyzerKind is "protocol", "packet" or "file".
	AnalyzerKind string `zeek:"analyzer_kind"`
	// AnalyzerName is the analyzer's name.
	AnalyzerName string `zeek:"analyzer_name"`
	// UID is the connection's uid.
	UID zeek.Opt[string] `zeek:"uid"`
	// FUID is the file's id, for file analyzers.
	FUID zeek.Opt[string] `zeek:"fuid"`
	// ID holds the connection's endpoints.
	ID zeek.Opt[zeek.ConnID] `zeek:"id"`
	// Proto is the connection's transport protocol.
	Proto zeek.Opt[zeek.Proto] `zeek:"proto,enum"`
	// FailureReason is the analyzer's reason.
	FailureReason string `zeek:"failure_reason"`
	// FailureData is the start of the offending data.
	FailureData zeek.Opt[string] `zeek:"failure_data"`
}

// failureRecord builds the analyzer.log record of a failed analyzer.
func (m *Manager) failureRecord(c *conn.Conn, name, reason string, data []byte) *Record {
	r := &Record{
		TS:            m.conns.Now(),
		AnalyzerKind:  "protocol",
		AnalyzerName:  name,
		UID:           zeek.Some(c.UIDString()),
		ID:            zeek.Some(c.ID(m.conns.VLANKey())),
		Proto:         zeek.Some(c.OrigP().Proto),
		FailureReason: reason,
	}
	if len(data) > 0 {
		if max := m.cfg.FailureDataMaxSize; max > 0 && len(data) > max {
			data = data[:max]
		}
		r.FailureData = zeek.Some(string(data))
	}
	return r
}

// DebugRecord is an analyzer_debug.log record (Zeek's
// Analyzer::DebugLogging::Info, from policy/frameworks/analyzer/
// debug-logging): every confirmation, violation and disabling.
type DebugRecord struct {
	// TS is network time.
	TS zeek.Time `zeek:"ts"`
	// Cause is "confirmation", "violation" or "disabled".
	Cause string `zeek:"cause"`
	// AnalyzerKind is "protocol", "packet" or "file".
	AnalyzerKind string `zeek:"analyzer_kind"`
	// AnalyzerName is the analyzer's name.
	AnalyzerName string `zeek:"analyzer_name"`
	// UID is the connection's uid.
	UID zeek.Opt[string] `zeek:"uid"`
	// FUID is the file's id, for file analyzers.
	FUID zeek.Opt[string] `zeek:"fuid"`
	// ID holds the connection's endpoints.
	ID zeek.Opt[zeek.ConnID] `zeek:"id"`
	// FailureReason is a violation's reason.
	FailureReason zeek.Opt[string] `zeek:"failure_reason"`
	// FailureData is the start of a violation's data.
	FailureData zeek.Opt[string] `zeek:"failure_data"`
}

// debug writes an analyzer_debug.log record for a protocol analyzer when
// that log is on.
func (m *Manager) debug(c *conn.Conn, cause, name, reason string, data []byte) {
	m.debugKind(c, cause, "protocol", name, reason, data)
}

// debugKind is debug for an analyzer of any kind.
func (m *Manager) debugKind(c *conn.Conn, cause, kind, name, reason string, data []byte) {
	if m.debugLog == nil {
		return
	}
	switch cause {
	case "confirmation":
		if !m.cfg.DebugConfirmations {
			return
		}
	case "disabled":
		if !m.cfg.DebugDisabling {
			return
		}
	}
	r := &DebugRecord{
		TS:           m.conns.Now(),
		Cause:        cause,
		AnalyzerKind: kind,
		AnalyzerName: name,
		UID:          zeek.Some(c.UIDString()),
		ID:           zeek.Some(c.ID(m.conns.VLANKey())),
	}
	if cause == "violation" {
		r.FailureReason = zeek.Some(reason)
		if len(data) > 0 {
			if max := m.cfg.DebugFailureDataMaxSize; max > 0 && len(data) > max {
				data = data[:max]
			}
			r.FailureData = zeek.Some(string(data))
		}
	}
	m.debugLog(r)
}
