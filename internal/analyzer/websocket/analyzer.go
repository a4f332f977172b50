package websocket

// Analyzer is the WebSocket analyzer of one upgraded connection (Zeek's
// WebSocket_Analyzer below HTTP): it parses the frames of both
// directions, confirms the protocol with the first complete message, and
// passes the payload of text and binary messages to protocol detection
// (WebSocket::use_dpd_default), so that what the connection tunnels is
// analysed too.
type Analyzer struct {
	h         host
	cfg       flowConfig
	flows     [2]flow // [1]: the originator's
	inner     innerSession
	stopped   bool // a violation removed the analyzer
	confirmed bool

	// trace, when set (tests), receives Zeek's WebSocket events.
	trace func(e event)
}

// newWebSocket makes the analyzer on a host, with the options in force.
func newWebSocket(h host) *Analyzer {
	a := &Analyzer{h: h, cfg: flowConfig{chunkSize: max(payloadChunkSize, 1), maxControl: maxControlFrameSize}}
	a.flows[0].init(false, &a.cfg)
	a.flows[1].init(true, &a.cfg)
	if traceHook != nil {
		uid := h.uid()
		a.trace = func(e event) { traceHook(uid, e) }
	}
	return a
}

// traceHook, when set (by tests, before analysis starts), receives the
// events of every analyzer with its connection's uid.
var traceHook func(uid string, e event)

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// DeliverStream takes the next bytes of one direction (borrowed for the
// call).
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.stopped {
		return
	}
	if err := a.flows[dir(orig)].write(data, a); err != nil {
		a.violation(err.Error(), data)
	}
}

// Undelivered does nothing: Zeek's HTTP analyzer passes no content gaps
// to the analyzer it upgraded to, so the frames after a gap are read as
// if the stream went on (Zeek's WebSocket analyzer would stop at a gap,
// but never sees one below HTTP).
func (a *Analyzer) Undelivered(uint64, int, bool) {}

// EndOfData does nothing: in Zeek the end of a direction does not reach
// analyzers below HTTP.
func (a *Analyzer) EndOfData(bool) {}

// Done ends the analysis of the tunnelled protocol.
func (a *Analyzer) Done() {
	if a.inner != nil {
		a.inner.Done()
		a.inner = nil
	}
	a.stopped = true
}

// violation is AnalyzerViolation with DPD's reaction: unless the
// connection is already large, the analyzer (and what it found inside)
// is removed.
func (a *Analyzer) violation(reason string, data []byte) {
	if a.h.violation(reason, data, a.confirmed) {
		a.Done()
	}
}

// event is one of Zeek's WebSocket events, for tests: websocket_frame,
// websocket_frame_data, websocket_close or websocket_message. Data is
// borrowed for the call.
type event struct {
	name       string
	isOrig     bool
	fin        bool
	rsv        uint8
	opcode     uint8
	payloadLen uint64
	status     uint16
	data       []byte // frame data, or a close frame's reason
}

// --- sink ---

func (a *Analyzer) frame(isOrig, fin bool, rsv, opcode uint8, payloadLen uint64) {
	if a.trace != nil {
		a.trace(event{name: "websocket_frame", isOrig: isOrig, fin: fin, rsv: rsv, opcode: opcode, payloadLen: payloadLen})
	}
}

func (a *Analyzer) frameData(isOrig bool, data []byte) {
	if a.trace != nil {
		a.trace(event{name: "websocket_frame_data", isOrig: isOrig, data: data})
	}
}

func (a *Analyzer) payload(isOrig bool, data []byte) {
	if a.inner != nil {
		a.inner.DeliverStream(data, isOrig)
	}
}

func (a *Analyzer) closeFrame(isOrig bool, status uint16, reason []byte) {
	if a.trace != nil {
		a.trace(event{name: "websocket_close", isOrig: isOrig, status: status, data: reason})
	}
}

func (a *Analyzer) message(isOrig bool, opcode uint8) {
	if !a.confirmed {
		a.confirmed = true
		a.h.confirm()
	}
	if a.trace != nil {
		a.trace(event{name: "websocket_message", isOrig: isOrig, opcode: opcode})
	}
}

func (a *Analyzer) weird(name, addl string) { a.h.weird(name, addl) }
