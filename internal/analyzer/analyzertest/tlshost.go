package analyzertest

import "github.com/heron-nsm/heron/internal/analyzer/support"

// TLSHost is a support.TLSHost for tests: it records what the analyzer
// reports, and its child session (the SSL analyzer) is a Recorder.
type TLSHost struct {
	Weirds     []string
	Violations []string
	Confirms   int
	// IsPartial is what Partial reports.
	IsPartial bool
	// TLS is the child session, once the analyzer asked for one.
	TLS *Recorder
}

var _ support.TLSHost = (*TLSHost)(nil)

// Weird implements support.TLSHost.
func (h *TLSHost) Weird(name string) { h.Weirds = append(h.Weirds, name) }

// Confirm implements support.TLSHost.
func (h *TLSHost) Confirm() { h.Confirms++ }

// Violation implements support.TLSHost (the data is not kept).
func (h *TLSHost) Violation(reason string, _ []byte) { h.Violations = append(h.Violations, reason) }

// Partial implements support.TLSHost.
func (h *TLSHost) Partial() bool { return h.IsPartial }

// Child implements support.TLSHost: every child is a new Recorder.
func (h *TLSHost) Child(string) support.Session {
	h.TLS = &Recorder{}
	return h.TLS
}

// TLSResult is what a TLSHost saw, for comparisons with reflect.DeepEqual
// (SplitEvery's summaries).
type TLSResult struct {
	Weirds, Violations []string
	Confirms           int
	// TLS is the data the child got: originator's, then responder's.
	TLS [2]string
	// Skip is whether the analyzer stopped (support.StartTLS.Skipped).
	Skip bool
}

// Result summarises what h saw; skipped is the analyzer's Skipped().
func (h *TLSHost) Result(skipped bool) TLSResult {
	r := TLSResult{Weirds: h.Weirds, Violations: h.Violations, Confirms: h.Confirms, Skip: skipped}
	if c := h.TLS; c != nil {
		r.TLS = [2]string{string(c.Data[1]), string(c.Data[0])}
	}
	return r
}

// Recorder is a child session (an SSL analyzer, the protocol detection
// of a tunnel, …) that records what it gets: the data per direction
// (index 1 the originator's, copied), the bytes of content gaps, the ends
// of data, and whether it was done.
type Recorder struct {
	Data   [2][]byte
	Gaps   int
	Ends   int
	IsDone bool
}

// DeliverStream implements analyzer.StreamSink (the data is copied).
func (r *Recorder) DeliverStream(data []byte, orig bool) {
	d := 0
	if orig {
		d = 1
	}
	r.Data[d] = append(r.Data[d], data...)
}

// Undelivered implements analyzer.StreamSink: n bytes are missing.
func (r *Recorder) Undelivered(_ uint64, n int, _ bool) { r.Gaps += n }

// EndOfData implements analyzer.StreamSink.
func (r *Recorder) EndOfData(bool) { r.Ends++ }

// Done ends the session.
func (r *Recorder) Done() { r.IsDone = true }
