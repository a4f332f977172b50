package websocket

// SetTraceHook lets external tests see every analyzer's events, rendered
// as Zeek's WebSocket tests print them, with the connection's uid; nil
// stops it.
func SetTraceHook(f func(uid, event string)) {
	if f == nil {
		traceHook = nil
		return
	}
	traceHook = func(uid string, e event) { f(uid, e.String()) }
}
