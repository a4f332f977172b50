package websocket

import "github.com/heron-nsm/heron/internal/zeek"

// Info is a websocket.log record (Zeek's WebSocket::Info): one WebSocket
// connection as its HTTP handshake set it up.
type Info struct {
	// TS is when the connection switched to WebSocket.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// Host is the handshake request's Host header (as in http.log).
	Host zeek.Opt[string] `zeek:"host"`
	// URI is the handshake request's URI (as in http.log).
	URI zeek.Opt[string] `zeek:"uri"`
	// UserAgent is the handshake request's User-Agent (as in http.log).
	UserAgent zeek.Opt[string] `zeek:"user_agent"`
	// Subprotocol is the subprotocol the server chose
	// (Sec-WebSocket-Protocol of the reply).
	Subprotocol zeek.Opt[string] `zeek:"subprotocol"`
	// ClientProtocols are the subprotocols the client offered.
	ClientProtocols zeek.Opt[[]string] `zeek:"client_protocols"`
	// ServerExtensions are the extensions the server chose.
	ServerExtensions zeek.Opt[[]string] `zeek:"server_extensions"`
	// ClientExtensions are the extensions the client offered.
	ClientExtensions zeek.Opt[[]string] `zeek:"client_extensions"`
}
