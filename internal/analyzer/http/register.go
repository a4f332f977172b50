package http

import (
	"strings"
	"sync"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
)

// Log is the http.log stream, written while base/protocols/http is
// loaded.
var Log = analyzer.DeclareLog[Info]("http", "base/protocols/http", logging.WithID("HTTP::LOG"))

// Zeek's options for HTTP, settable as command-line redefs.
var (
	capturePassword                  = false
	maxPendingRequests        uint64 = 100
	maxFilesOrig              uint64 = 15
	maxFilesResp              uint64 = 15
	mimeMaxDepth              uint64 = 100
	mimeMaxHeaderBytes        uint64 = 65536
	httpMethodList                   = []string{"GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", "CONNECT", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "POLL", "REPORT", "SUBSCRIBE", "BMOVE", "SEARCH", "QUERY"}
	proxyHeaderList                  = []string{"FORWARDED", "X-FORWARDED-FOR", "X-FORWARDED-FROM", "CLIENT-IP", "VIA", "XROXY-CONNECTION", "PROXY-CONNECTION"}
	httpMethods, proxyHeaders map[string]bool
)

func init() {
	options.Bool("HTTP::default_capture_password", &capturePassword,
		"Log the passwords of HTTP Basic-Auth in http.log's password field.")
	options.Count("HTTP::max_pending_requests", &maxPendingRequests,
		"Requests without reply kept per connection before all pending ones are logged (0: no limit).")
	options.Count("HTTP::max_files_orig", &maxFilesOrig, "Originator files listed in one http.log record.")
	options.Count("HTTP::max_files_resp", &maxFilesResp, "Responder files listed in one http.log record.")
	options.Count("MIME::max_depth", &mimeMaxDepth, "Deepest nesting of MIME entities analysed (0: no limit).")
	options.Count("MIME::max_header_bytes", &mimeMaxHeaderBytes, "Longest folded MIME header kept (0: no limit).")
	options.SetString("HTTP::http_methods", &httpMethodList, "Request methods that raise no unknown_HTTP_method weird.")
	options.SetString("HTTP::proxy_headers", &proxyHeaderList, "Request headers listed in http.log's proxied field.")

	analyzer.Register(analyzer.Info{
		Name:       "HTTP",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/http",
		New:        newAnalyzer,
		Signatures: signatures,
	})
}

var setsOnce sync.Once

// sets builds the lookup sets from the option lists once analysis
// starts (options are applied before).
func sets() {
	setsOnce.Do(buildSets)
}

func buildSets() {
	httpMethods = map[string]bool{}
	for _, m := range httpMethodList {
		httpMethods[m] = true
	}
	proxyHeaders = map[string]bool{}
	for _, h := range proxyHeaderList {
		proxyHeaders[h] = true
	}
}

// requestMethods are the methods whose request lines identify HTTP
// clients: the IANA method registry, WebDAV and its Microsoft
// extensions, RPC over HTTP and QUERY (the list Zeek detects).
var requestMethods = []string{
	"ACL", "BASELINE-CONTROL", "BCOPY", "BDELETE", "BIND", "BMOVE", "BPROPFIND", "BPROPPATCH",
	"CHECKIN", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LABEL", "LINK", "LOCK",
	"MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MKREDIRECTREF", "MKWORKSPACE", "MOVE",
	"NOTIFY", "OPTIONS", "ORDERPATCH", "PATCH", "POLL", "POST", "PROPFIND", "PROPPATCH", "PUT",
	"QUERY", "REBIND", "REPORT", "RPC_IN_DATA", "RPC_OUT_DATA", "SEARCH", "SUBSCRIBE", "TRACE",
	"UNBIND", "UNCHECKOUT", "UNLINK", "UNLOCK", "UNSUBSCRIBE", "UPDATE", "VERSION-CONTROL",
	"X-MS-ENUMATTS",
}

// signatures detect HTTP on any port, each direction on its own so that
// a large request or reply alone does not hide the protocol: a client
// that starts with a known method, a server that starts with "HTTP/" and
// a digit.
var signatures = "signature heron-http-request {\n" +
	"  ip-proto == tcp\n" +
	"  payload /^[[:space:]]*(" + strings.Join(requestMethods, "|") + ")[[:space:]]*/\n" +
	"  tcp-state originator\n" +
	"  enable \"http\"\n" +
	"}\n" +
	"signature heron-http-status {\n" +
	"  ip-proto == tcp\n" +
	"  payload /^[hH][tT][tT][pP]\\/[0-9]/\n" +
	"  tcp-state responder\n" +
	"  enable \"http\"\n" +
	"}\n"
