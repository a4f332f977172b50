package websocket_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/websocket"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// run runs a node over a trace, like zeek [-b] -C -r TRACE loads, and
// returns the directory of its logs.
func run(t *testing.T, trace string, bare bool, loads ...string) string {
	t.Helper()
	loaded, err := scripts.Load(bare, loads)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = trace
	cfg.IgnoreChecksums = true
	cfg.Log.LogDir = t.TempDir()
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

// eventSections reads the baseline of Zeek's events test: per trace, the
// connections' event lines in order (uids taken out), the
// websocket_established lines (which print a whole record) left aside.
func eventSections(t *testing.T, path string) map[string][][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	var trace string
	var conns []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "###"), strings.HasPrefix(line, "websocket_established"):
		case strings.HasSuffix(line, ".pcap"):
			trace, conns = line, nil
		default:
			parts := strings.SplitN(line, ", ", 3)
			if len(parts) < 3 {
				t.Fatalf("baseline line %q", line)
			}
			i := slices.Index(conns, parts[1])
			if i < 0 {
				conns = append(conns, parts[1])
				out[trace] = append(out[trace], nil)
				i = len(conns) - 1
			}
			out[trace][i] = append(out[trace][i], parts[0]+", "+parts[2])
		}
	}
	return out
}

// TestZeekEvents runs Zeek's WebSocket events test (websocket/events.zeek)
// and compares every frame, frame data, close and message event with its
// baseline.
func TestZeekEvents(t *testing.T) {
	src := refdata.ZeekSource(t)
	want := eventSections(t, filepath.Join(src, "testing", "btest", "Baseline", "scripts.base.protocols.websocket.events", "out"))
	if len(want) == 0 {
		t.Fatal("no events in the baseline")
	}
	for trace, conns := range want {
		t.Run(trace, func(t *testing.T) {
			path := refdata.FindTrace(t, "websocket/"+trace)
			var order []string
			got := map[string][]string{}
			websocket.SetTraceHook(func(uid, e string) {
				if _, ok := got[uid]; !ok {
					order = append(order, uid)
				}
				got[uid] = append(got[uid], e)
			})
			defer websocket.SetTraceHook(nil)
			run(t, path, true, "base/protocols/websocket")
			if len(order) != len(conns) {
				t.Fatalf("%d connections with events, want %d", len(order), len(conns))
			}
			for i, uid := range order {
				if !slices.Equal(got[uid], conns[i]) {
					t.Errorf("connection %d:\n got:\n  %s\n want:\n  %s", i, strings.Join(got[uid], "\n  "), strings.Join(conns[i], "\n  "))
				}
			}
		})
	}
}

// readBaseline reads a Zeek log of the shared corpus.
func readBaseline(t *testing.T, path string) []map[string]string {
	t.Helper()
	l, err := zeeklog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return l.Records
}

// canonical turns records into sorted lines of the given fields.
func canonical(recs []map[string]string, fields []string) []string {
	var out []string
	for _, r := range recs {
		var vals []string
		for _, f := range fields {
			vals = append(vals, f+"="+r[f])
		}
		out = append(out, strings.Join(vals, " "))
	}
	slices.Sort(out)
	return out
}

// TestDefaultBaselines runs Heron as `zeek -C -r TRACE` runs over the
// WebSocket traces of the shared corpus and compares its logs with
// Zeek's, times included (uids aside): websocket.log, the HTTP handshake
// and the HTTP found inside, the weirds, and conn.log's service field.
func TestDefaultBaselines(t *testing.T) {
	baselines := refdata.Baselines(t)
	for _, c := range []struct {
		trace string
		files []string
	}{
		{"http/websocket.pcap", []string{"websocket.log", "http.log", "conn.log", "analyzer.log"}},
		{"websocket/broker-websocket.pcap", []string{"websocket.log", "http.log", "conn.log"}},
		{"websocket/fragmented-http-reply.pcap", []string{"websocket.log", "http.log", "conn.log"}},
		{"websocket/jupyter-websocket.pcap", []string{"websocket.log", "http.log", "conn.log"}},
		{"websocket/oversized-close-frame.pcapng", []string{"websocket.log", "http.log", "conn.log", "weird.log"}},
		{"websocket/reply-ping-coalesced.pcap", []string{"websocket.log", "http.log", "conn.log", "weird.log"}},
		{"websocket/two-binary-fragments.pcap", []string{"websocket.log", "http.log", "conn.log"}},
		{"websocket/wrong-accept-header.pcap", []string{"websocket.log", "http.log", "conn.log", "weird.log"}},
		{"websocket/wstunnel-http.pcap", []string{"websocket.log", "http.log", "conn.log", "files.log"}},
		{"websocket/wstunnel-https.pcap", []string{"websocket.log", "http.log", "conn.log", "ssl.log"}},
		// Heron has no SSH analyzer yet: conn.log would lack "ssh".
		{"websocket/wstunnel-ssh.pcap", []string{"websocket.log", "http.log"}},
	} {
		t.Run(c.trace, func(t *testing.T) {
			dir := run(t, refdata.FindTrace(t, c.trace), false)
			base := filepath.Join(baselines, "default", strings.ReplaceAll(c.trace, "/", "__"))
			for _, file := range c.files {
				want := readBaseline(t, filepath.Join(base, file))
				got := readBaseline(t, filepath.Join(dir, file))
				var fields []string
				for f := range want[0] {
					if f != "uid" && f != "fuid" && !strings.HasSuffix(f, "_fuids") {
						fields = append(fields, f)
					}
				}
				slices.Sort(fields)
				if g, w := canonical(got, fields), canonical(want, fields); !slices.Equal(g, w) {
					t.Errorf("%s differs from Zeek's:\n got:\n  %s\n want:\n  %s", file, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
				}
			}
		})
	}
}
