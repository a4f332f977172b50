package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer/http"
	"github.com/heron-nsm/heron/internal/zeek"
)

// This file is base/protocols/websocket/main.zeek: the handshake's
// Sec-WebSocket-* headers gathered from HTTP's events into c$websocket,
// and websocket_established, which checks them, logs the connection and
// starts the analyzer.

// handshakeGUID is RFC 6455's key suffix (WebSocket::HANDSHAKE_GUID).
const handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// state is c$websocket before the upgrade: what the handshake's
// Sec-WebSocket-* headers said.
type state struct {
	subprotocol      zeek.Opt[string]
	clientProtocols  zeek.Opt[[]string]
	serverExtensions zeek.Opt[[]string]
	clientExtensions zeek.Opt[[]string]
	clientKey        zeek.Opt[string]
	serverAccept     zeek.Opt[string]
}

// maxListed bounds the protocols and extensions kept per list (Heron's
// bound; Zeek's vectors grow with every header).
const maxListed = 256

// header is main.zeek's http_header handler for the Sec-WebSocket-*
// headers (name in upper case); weird raises its script weirds.
func (st *state) header(isOrig bool, name, value string, weird func(name string)) {
	switch {
	case isOrig && name == "SEC-WEBSOCKET-PROTOCOL":
		st.clientProtocols = appendSplit(st.clientProtocols, value)
	case isOrig && name == "SEC-WEBSOCKET-EXTENSIONS":
		st.clientExtensions = appendSplit(st.clientExtensions, value)
	case isOrig && name == "SEC-WEBSOCKET-KEY":
		if st.clientKey.Set {
			weird("websocket_multiple_key_headers")
		}
		st.clientKey = zeek.Some(value)
	case !isOrig && name == "SEC-WEBSOCKET-PROTOCOL":
		if st.subprotocol.Set {
			weird("websocket_multiple_protocol_headers")
		}
		st.subprotocol = zeek.Some(value)
	case !isOrig && name == "SEC-WEBSOCKET-EXTENSIONS":
		st.serverExtensions = appendSplit(st.serverExtensions, value)
	case !isOrig && name == "SEC-WEBSOCKET-ACCEPT":
		if st.serverAccept.Set {
			weird("websocket_multiple_accept_headers")
		}
		st.serverAccept = zeek.Some(value)
	}
}

// appendSplit adds split_string(value, / *, */) to a list.
func appendSplit(list zeek.Opt[[]string], value string) zeek.Opt[[]string] {
	v := list.V
	if v == nil {
		v = []string{}
	}
	for {
		if len(v) >= maxListed {
			break
		}
		start, end, ok := commaSeparator(value)
		if !ok {
			v = append(v, value)
			break
		}
		v = append(v, value[:start])
		value = value[end:]
	}
	return zeek.Some(v)
}

// commaSeparator finds the first match of / *, */ in s, scanning from the
// left as Zeek's split_string does: the spaces before the first comma, the
// comma and the spaces after it.
func commaSeparator(s string) (start, end int, ok bool) {
	c := strings.IndexByte(s, ',')
	if c < 0 {
		return 0, 0, false
	}
	start = c
	for start > 0 && s[start-1] == ' ' {
		start--
	}
	end = c + 1
	for end < len(s) && s[end] == ' ' {
		end++
	}
	return start, end, true
}

// expectedAccept is expected_accept_for: the Sec-WebSocket-Accept value
// a server derives from the client's key.
func expectedAccept(key string) string {
	sum := sha1.Sum([]byte(key + handshakeGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// establish is websocket_established and its handlers: the handshake is
// checked (weirds), the connection logged, and the analyzer made. st is
// c$websocket, nil when no Sec-WebSocket-* header came; host, uri and ua
// are c$http's fields.
func establish(h host, st *state, httpHost, uri, ua zeek.Opt[string]) *Analyzer {
	if st == nil {
		h.scriptWeird("websocket_established_unexpected", "")
		st = &state{}
	}
	if !st.clientKey.Set {
		h.scriptWeird("websocket_missing_key_header", "")
	}
	if !st.serverAccept.Set {
		h.scriptWeird("websocket_missing_accept_header", "")
	}
	if st.clientKey.Set && st.serverAccept.Set {
		if want := expectedAccept(st.clientKey.V); st.serverAccept.V != want {
			h.scriptWeird("websocket_wrong_accept_header", "expected="+want+", found="+st.serverAccept.V)
		}
	}
	a := newWebSocket(h)
	a.inner = h.inner()
	if h.logOn() {
		h.writeLog(&Info{
			TS: h.now(), UID: h.uid(), ID: h.connID(),
			Host: httpHost, URI: uri, UserAgent: ua,
			Subprotocol:      st.subprotocol,
			ClientProtocols:  clone(st.clientProtocols),
			ServerExtensions: clone(st.serverExtensions),
			ClientExtensions: clone(st.clientExtensions),
		})
	}
	return a
}

func clone(l zeek.Opt[[]string]) zeek.Opt[[]string] {
	if l.Set {
		l.V = append([]string{}, l.V...)
	}
	return l
}

// upgrade is WebSocket's entry in HTTP::upgrade_analyzers.
type upgrade struct{}

var (
	_ http.Upgrade       = upgrade{}
	_ http.UpgradeStream = (*Analyzer)(nil)
)

// Enabled implements http.Upgrade: base/protocols/websocket is loaded.
func (upgrade) Enabled() bool { return enabled }

// HeaderPrefix implements http.Upgrade.
func (upgrade) HeaderPrefix() string { return "SEC-WEBSOCKET-" }

// Header implements http.Upgrade (main.zeek's http_header handler).
func (upgrade) Header(c *http.UpgradeConn, isOrig bool, name, value string) {
	st, _ := c.State.(*state)
	if st == nil {
		st = &state{}
		c.State = st
	}
	st.header(isOrig, name, value, func(w string) {
		if h := c.Handle(); h != nil {
			h.ScriptWeird(w, "", "WebSocket")
		}
	})
}

// Request implements http.Upgrade: a request wipes c$websocket, as
// another handshake may follow on the connection.
func (upgrade) Request(c *http.UpgradeConn) { c.State = nil }

// Start implements http.Upgrade: the 101 reply switched the connection
// to WebSocket.
func (upgrade) Start(c *http.UpgradeConn) http.UpgradeStream {
	h := c.Handle()
	if h == nil {
		return nil
	}
	st, _ := c.State.(*state)
	host, uri, ua := c.Current()
	return establish(&handleHost{h: h}, st, host, uri, ua)
}
