package websocket

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/http"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
)

// script is the Zeek script that enables WebSocket analysis.
const script = "base/protocols/websocket"

// Log is the websocket.log stream, written while base/protocols/websocket
// is loaded.
var Log = analyzer.DeclareLog[Info]("websocket", script, logging.WithID("WebSocket::LOG"))

// Zeek's options for WebSocket, settable as command-line redefs.
var (
	payloadChunkSize    uint64 = 8192
	maxControlFrameSize uint64 = 125
	useDPDDefault              = true
)

// enabled reports whether base/protocols/websocket is loaded; it is set
// when a node starts.
var enabled bool

func init() {
	options.Count("WebSocket::payload_chunk_size", &payloadChunkSize,
		"Bytes of frame payload buffered and passed on at a time.")
	options.Count("WebSocket::max_control_frame_size", &maxControlFrameSize,
		"Payload of a close, ping or pong frame reported before websocket_control_frame_size_exceeded (0: no limit).")
	options.Bool("WebSocket::use_dpd_default", &useDPDDefault,
		"Run protocol detection on the payload of WebSocket messages.")

	// WebSocket runs only below HTTP, which hands it a connection after
	// an upgrade; the framework never attaches it by itself.
	analyzer.Register(analyzer.Info{
		Name:      name,
		Transport: analyzer.TCP,
		Script:    script,
		New:       func(*analyzer.Handle) analyzer.Analyzer { return nil },
	})
	http.RegisterUpgrade("websocket", upgrade{})
	analyzer.OnStart(func(loaded func(string) bool) { enabled = loaded(script) })
}
