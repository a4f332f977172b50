package websocket

import (
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// TestExpectedAccept checks the key derivation with RFC 6455's example
// (section 1.3).
func TestExpectedAccept(t *testing.T) {
	if got := expectedAccept("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("got %q", got)
	}
}

// TestSplitList checks split_string(value, / *, */) as the lists use it.
func TestSplitList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"v1", []string{"v1"}},
		{"v1, v2", []string{"v1", "v2"}},
		{"v1 ,v2  ,  v3", []string{"v1", "v2", "v3"}},
		{"a b, c", []string{"a b", "c"}},
		{"permessage-deflate; client_max_window_bits", []string{"permessage-deflate; client_max_window_bits"}},
		{"a,", []string{"a", ""}},
		{",a", []string{"", "a"}},
		{"a,,b", []string{"a", "", "b"}},
		{"", []string{""}},
		{"a,\tb", []string{"a", "\tb"}},
	} {
		got := appendSplit(zeek.Opt[[]string]{}, c.in)
		if !got.Set || !slices.Equal(got.V, c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got.V, c.want)
		}
	}
	// Lists grow over repeated headers, up to a bound.
	l := appendSplit(zeek.Opt[[]string]{}, "a, b")
	l = appendSplit(l, "c")
	if !slices.Equal(l.V, []string{"a", "b", "c"}) {
		t.Errorf("two headers: %q", l.V)
	}
	l = appendSplit(zeek.Opt[[]string]{}, strings.Repeat("x,", 10*maxListed))
	if len(l.V) != maxListed {
		t.Errorf("%d entries kept", len(l.V))
	}
}

type hdr struct {
	orig        bool
	name, value string
}

// TestHandshake checks main.zeek's gathering of the Sec-WebSocket-*
// headers and websocket_established's checks and record.
func TestHandshake(t *testing.T) {
	const key, accept = "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
	for _, c := range []struct {
		name    string
		headers []hdr // nil: no Sec-WebSocket-* header at all
		weirds  []string
		want    string
	}{
		{name: "complete", headers: []hdr{
			{true, "SEC-WEBSOCKET-KEY", key},
			{true, "SEC-WEBSOCKET-PROTOCOL", "chat, superchat"},
			{true, "SEC-WEBSOCKET-EXTENSIONS", "permessage-deflate; client_max_window_bits"},
			{true, "SEC-WEBSOCKET-VERSION", "13"},
			{false, "SEC-WEBSOCKET-ACCEPT", accept},
			{false, "SEC-WEBSOCKET-PROTOCOL", "chat"},
			{false, "SEC-WEBSOCKET-EXTENSIONS", "permessage-deflate"},
		}, want: "chat [chat superchat] [permessage-deflate] [permessage-deflate; client_max_window_bits]"},
		{name: "wrong-accept", headers: []hdr{
			{true, "SEC-WEBSOCKET-KEY", key}, {false, "SEC-WEBSOCKET-ACCEPT", accept + "-wrong"},
		}, weirds: []string{"websocket_wrong_accept_header|expected=" + accept + ", found=" + accept + "-wrong|WebSocket"},
			want: "- - - -"},
		{name: "missing-both", headers: []hdr{{true, "SEC-WEBSOCKET-VERSION", "13"}},
			weirds: []string{"websocket_missing_key_header||WebSocket", "websocket_missing_accept_header||WebSocket"},
			want:   "- - - -"},
		{name: "unexpected", weirds: []string{
			"websocket_established_unexpected||WebSocket", "websocket_missing_key_header||WebSocket", "websocket_missing_accept_header||WebSocket",
		}, want: "- - - -"},
		{name: "repeated", headers: []hdr{
			{true, "SEC-WEBSOCKET-KEY", "first"}, {true, "SEC-WEBSOCKET-KEY", key},
			{false, "SEC-WEBSOCKET-ACCEPT", "first"}, {false, "SEC-WEBSOCKET-ACCEPT", accept},
			{false, "SEC-WEBSOCKET-PROTOCOL", "a"}, {false, "SEC-WEBSOCKET-PROTOCOL", "b"},
		}, weirds: []string{
			"websocket_multiple_key_headers||WebSocket", "websocket_multiple_accept_headers||WebSocket",
			"websocket_multiple_protocol_headers||WebSocket",
		}, want: "b - - -"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newTestHost()
			var st *state
			for _, x := range c.headers {
				if st == nil {
					st = &state{}
				}
				st.header(x.orig, x.name, x.value, func(w string) { h.scriptWeird(w, "") })
			}
			a := establish(h, st, zeek.Some("example.com"), zeek.Some("/chat"), zeek.Opt[string]{})
			if a == nil || h.innerRec == nil || a.inner == nil {
				t.Fatal("no analyzer with payload detection")
			}
			if !slices.Equal(h.weirds, c.weirds) {
				t.Errorf("weirds %q, want %q", h.weirds, c.weirds)
			}
			if len(h.logs) != 1 {
				t.Fatalf("%d records", len(h.logs))
			}
			r := h.logs[0]
			if r.Host.V != "example.com" || r.URI.V != "/chat" || r.UserAgent.Set || r.TS != h.clock {
				t.Errorf("record %+v", r)
			}
			got := strings.Join([]string{optString(r.Subprotocol), optList(r.ClientProtocols), optList(r.ServerExtensions), optList(r.ClientExtensions)}, " ")
			if got != c.want {
				t.Errorf("record lists %q, want %q", got, c.want)
			}
		})
	}
}

func optString(o zeek.Opt[string]) string {
	if !o.Set {
		return "-"
	}
	return o.V
}

func optList(o zeek.Opt[[]string]) string {
	if !o.Set {
		return "-"
	}
	return "[" + strings.Join(o.V, " ") + "]"
}

// TestNoDPD: with WebSocket::use_dpd_default=F the payload goes nowhere.
func TestNoDPD(t *testing.T) {
	h := newTestHost()
	h.noInner = true
	r := newRigOn(h)
	r.DeliverStream([]byte(client(true, opText, "hi")), true)
	if r.inner != nil || h.confirms != 1 {
		t.Errorf("inner %v, confirms %d", r.inner, h.confirms)
	}
}
