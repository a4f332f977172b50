package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sample is one parsed sample line.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition parses Prometheus' text format strictly: every sample's
// family has HELP and TYPE lines before it, names and labels are valid,
// values parse, no series repeats. It returns the samples by their
// canonical series string and the families' types.
func parseExposition(t testing.TB, r io.Reader) (map[string]sample, map[string]string) {
	t.Helper()
	samples := map[string]sample{}
	types := map[string]string{}
	helps := map[string]bool{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" {
			t.Fatalf("line %d: empty line", n)
		}
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, _, _ := strings.Cut(rest, " ")
			if !validMetricName(name) || helps[name] {
				t.Fatalf("line %d: bad or repeated HELP %q", n, line)
			}
			helps[name] = true
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if !helps[name] || types[name] != "" || (typ != "counter" && typ != "gauge") {
				t.Fatalf("line %d: bad TYPE %q", n, line)
			}
			types[name] = typ
			continue
		}
		if strings.HasPrefix(line, "#") {
			t.Fatalf("line %d: unexpected comment %q", n, line)
		}
		s := sample{labels: map[string]string{}}
		i := strings.IndexAny(line, "{ ")
		if i < 0 {
			t.Fatalf("line %d: no value: %q", n, line)
		}
		s.name = line[:i]
		if types[s.name] == "" {
			t.Fatalf("line %d: sample of %q before its TYPE", n, s.name)
		}
		rest := line[i:]
		if rest[0] == '{' {
			rest = rest[1:]
			for {
				eq := strings.IndexByte(rest, '=')
				if eq < 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
					t.Fatalf("line %d: bad label in %q", n, line)
				}
				lname := rest[:eq]
				if !validLabelName(lname) {
					t.Fatalf("line %d: bad label name %q", n, lname)
				}
				rest = rest[eq+2:]
				var v strings.Builder
				j := 0
				for ; j < len(rest) && rest[j] != '"'; j++ {
					if rest[j] == '\\' {
						j++
						if j == len(rest) {
							t.Fatalf("line %d: dangling escape", n)
						}
						switch rest[j] {
						case '\\':
							v.WriteByte('\\')
						case '"':
							v.WriteByte('"')
						case 'n':
							v.WriteByte('\n')
						default:
							t.Fatalf("line %d: bad escape \\%c", n, rest[j])
						}
						continue
					}
					v.WriteByte(rest[j])
				}
				if j == len(rest) {
					t.Fatalf("line %d: unterminated label value", n)
				}
				if _, dup := s.labels[lname]; dup {
					t.Fatalf("line %d: label %q twice", n, lname)
				}
				s.labels[lname] = v.String()
				rest = rest[j+1:]
				if strings.HasPrefix(rest, ",") {
					rest = rest[1:]
					continue
				}
				if !strings.HasPrefix(rest, "}") {
					t.Fatalf("line %d: expected } in %q", n, line)
				}
				rest = rest[1:]
				break
			}
		}
		if !strings.HasPrefix(rest, " ") {
			t.Fatalf("line %d: no space before the value: %q", n, line)
		}
		var err error
		s.value, err = strconv.ParseFloat(rest[1:], 64)
		if err != nil {
			t.Fatalf("line %d: value: %v", n, err)
		}
		k := seriesKey(s.name, s.labels)
		if _, dup := samples[k]; dup {
			t.Fatalf("line %d: series %s twice", n, k)
		}
		samples[k] = s
	}
	return samples, types
}

// seriesKey is "name{a=x,b=y}" with labels sorted by name.
func seriesKey(name string, labels map[string]string) string {
	var keys []string
	for k := range labels {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+labels[k])
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func exampleRegistry() *Registry {
	r := NewRegistry(Label{"node", "worker-1"})
	r.Counter("heron_test_events_total", "Events seen").Add(42)
	v := r.CounterVec("heron_test_writes_total", "Writes by stream", "stream", "path")
	v.With("conn", "conn").Add(7)
	v.With("dns", `a"b\c`+"\nd").Inc()
	r.Gauge("heron_test_level", "A level\nwith a newline and a \\ backslash").Set(-1.5)
	g := r.GaugeVec("heron_test_queue", "Queue length", "queue")
	g.With("a").Set(3)
	g.With("b").Add(2.25)
	r.GaugeFunc("heron_test_ratio", "A ratio", func() float64 { return 0.125 })
	r.CounterFunc("heron_test_seconds_total", "Seconds", func() float64 { return 1e21 }, Label{"kind", "big"})
	r.CounterFunc("heron_test_seconds_total", "Seconds", func() float64 { return math.Inf(1) }, Label{"kind", "inf"})
	r.GaugeVec("heron_test_empty", "No series yet", "x") // not written
	return r
}

func TestExpositionGolden(t *testing.T) {
	var buf bytes.Buffer
	n, err := exampleRegistry().WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d", n, buf.Len())
	}
	golden := filepath.Join("testdata", "exposition.txt")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("exposition differs from %s (go test -update rewrites it):\n%s", golden, buf.String())
	}
}

func TestExpositionParses(t *testing.T) {
	var buf bytes.Buffer
	if _, err := exampleRegistry().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	samples, types := parseExposition(t, &buf)
	tests := []struct {
		series string
		want   float64
	}{
		{"heron_test_events_total{node=worker-1}", 42},
		{"heron_test_writes_total{node=worker-1,path=conn,stream=conn}", 7},
		{"heron_test_writes_total{node=worker-1,path=a\"b\\c\nd,stream=dns}", 1},
		{"heron_test_level{node=worker-1}", -1.5},
		{"heron_test_queue{node=worker-1,queue=a}", 3},
		{"heron_test_queue{node=worker-1,queue=b}", 2.25},
		{"heron_test_ratio{node=worker-1}", 0.125},
		{"heron_test_seconds_total{kind=big,node=worker-1}", 1e21},
		{"heron_test_seconds_total{kind=inf,node=worker-1}", math.Inf(1)},
	}
	for _, tc := range tests {
		s, ok := samples[tc.series]
		if !ok {
			t.Errorf("no series %s", tc.series)
			continue
		}
		if s.value != tc.want {
			t.Errorf("%s = %v, want %v", tc.series, s.value, tc.want)
		}
	}
	if len(samples) != len(tests) {
		t.Errorf("%d series, want %d", len(samples), len(tests))
	}
	if types["heron_test_events_total"] != "counter" || types["heron_test_level"] != "gauge" {
		t.Errorf("types: %v", types)
	}
	if _, ok := types["heron_test_empty"]; ok {
		t.Error("a family without series was written")
	}
}

func TestRegistrationErrors(t *testing.T) {
	tests := []struct {
		name string
		fn   func(r *Registry)
	}{
		{"bad metric name", func(r *Registry) { r.Counter("1abc", "x") }},
		{"dash in name", func(r *Registry) { r.Gauge("heron-x", "x") }},
		{"bad label name", func(r *Registry) { r.GaugeVec("heron_x", "x", "a-b") }},
		{"reserved label", func(r *Registry) { r.GaugeVec("heron_x", "x", "__name") }},
		{"constant label reused", func(r *Registry) { r.GaugeVec("heron_x", "x", "node") }},
		{"kind conflict", func(r *Registry) { r.Counter("heron_x", "x"); r.Gauge("heron_x", "x") }},
		{"label conflict", func(r *Registry) { r.CounterVec("heron_x", "x", "a"); r.CounterVec("heron_x", "x", "b") }},
		{"wrong label count", func(r *Registry) { r.CounterVec("heron_x", "x", "a").With("1", "2") }},
		{"nil func", func(r *Registry) { r.GaugeFunc("heron_x", "x", nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.fn(NewRegistry(Label{"node", "n"}))
		})
	}
	// Registering the same family twice returns the same series.
	r := NewRegistry()
	r.Counter("heron_x_total", "x").Inc()
	if got := r.Counter("heron_x_total", "x").Value(); got != 1 {
		t.Fatalf("re-registered counter = %d, want 1", got)
	}
	if !r.Unregister("heron_x_total") || r.Unregister("heron_x_total") {
		t.Fatal("Unregister")
	}
}

func TestConcurrentUpdates(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("heron_c_total", "c")
	g := r.Gauge("heron_g", "g")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.Inc()
				g.Add(0.5)
			}
		}()
	}
	for i := 0; i < 10; i++ {
		if _, err := r.WriteTo(io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if c.Value() != 4000 || g.Value() != 2000 {
		t.Fatalf("counter %d, gauge %v; want 4000, 2000", c.Value(), g.Value())
	}
}

func TestUpdatesDoNotAllocate(t *testing.T) {
	r := NewRegistry()
	c := r.CounterVec("heron_c_total", "c", "x").With("a")
	g := r.GaugeVec("heron_g", "g", "x").With("a")
	if n := testing.AllocsPerRun(100, func() { c.Inc(); c.Add(3); g.Set(1); g.Add(1) }); n != 0 {
		t.Fatalf("%v allocations per update", n)
	}
}

func TestRegisterNode(t *testing.T) {
	r := NewRegistry(Label{"node", "worker-2"})
	now := time.Unix(1700000000, 500_000_000)
	RegisterNode(r, NodeCounters{
		PacketsReceived:    func() uint64 { return 1000 },
		PacketsDropped:     func() uint64 { return 3 },
		ActiveConnections:  func() uint64 { return 12 },
		ActiveSessions:     map[string]func() uint64{"tcp": func() uint64 { return 10 }, "udp": func() uint64 { return 2 }},
		LogRecordsWritten:  func() uint64 { return 0 },
		LogRecordsSent:     func() uint64 { return 500 },
		LogRecordsAcked:    func() uint64 { return 490 },
		LogRecordsSpooled:  func() uint64 { return 20 },
		LogRecordsLost:     func() uint64 { return 1 },
		TransportLag:       func() time.Duration { return 1500 * time.Millisecond },
		TransportConnected: func() bool { return true },
		NetworkTime:        func() time.Time { return now },
		Memory:             func() uint64 { return 1 << 20 },
	})
	RegisterProcess(r)
	RegisterVersion(r, "0.1.0")
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	samples, types := parseExposition(t, &buf)
	want := map[string]float64{
		"heron_net_received_packets_total":     1000,
		"heron_net_dropped_packets_total":      3,
		"heron_active_connections":             12,
		"heron_log_records_written_total":      0,
		"heron_log_records_sent_total":         500,
		"heron_log_records_acknowledged_total": 490,
		"heron_log_records_spooled_total":      20,
		"heron_log_records_lost_total":         1,
		"heron_transport_lag_seconds":          1.5,
		"heron_transport_connected":            1,
		"heron_net_timestamp_seconds":          1700000000.5,
		"process_resident_memory_bytes":        1 << 20,
	}
	for name, v := range want {
		s, ok := samples[name+"{node=worker-2}"]
		if !ok || s.value != v {
			t.Errorf("%s = %v (present %v), want %v", name, s.value, ok, v)
		}
	}
	if s := samples["heron_active_sessions{node=worker-2,protocol=udp}"]; s.value != 2 {
		t.Errorf("udp sessions = %v, want 2", s.value)
	}
	if s := samples["heron_version_info{node=worker-2,version=0.1.0}"]; s.value != 1 {
		t.Errorf("version info = %v", s.value)
	}
	// Nil functions leave their metrics out.
	for _, name := range []string{"heron_net_received_bytes_total", "heron_net_link_packets_total", "heron_log_spool_bytes", "heron_net_packet_lag_seconds"} {
		if _, ok := types[name]; ok {
			t.Errorf("%s written without a function", name)
		}
	}
	if types["heron_net_received_packets_total"] != "counter" || types["heron_transport_lag_seconds"] != "gauge" {
		t.Errorf("types: %v", types)
	}
	if _, err := os.Stat("/proc/self/statm"); err == nil {
		if s := samples["process_virtual_memory_bytes{node=worker-2}"]; s.value <= 0 {
			t.Errorf("process_virtual_memory_bytes = %v", s.value)
		}
		if s := samples["process_open_fds{node=worker-2}"]; s.value < 3 {
			t.Errorf("process_open_fds = %v", s.value)
		}
	}
	if s := samples["process_start_time_seconds{node=worker-2}"]; s.value < 1e9 {
		t.Errorf("process_start_time_seconds = %v", s.value)
	}
}

func TestRegisterProcessMeasuresMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc")
	}
	r := NewRegistry()
	RegisterProcess(r)
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	samples, _ := parseExposition(t, &buf)
	if s := samples["process_resident_memory_bytes{}"]; s.value < 1<<20 {
		t.Fatalf("process_resident_memory_bytes = %v, want at least 1 MiB", s.value)
	}
}

func TestHTTP(t *testing.T) {
	r := NewRegistry(Label{"node", "manager"})
	c := r.Counter("heron_test_total", "t")
	c.Add(5)
	targets := []Target{
		{Node: "manager", Role: "manager", Host: "10.0.0.1", Port: 9991},
		{Node: "logger-1", Role: "logger", Host: "10.0.0.1", Port: 9992},
		{Node: "proxy-1", Role: "proxy", Host: "10.0.0.1"}, // no metrics port
		{Node: "worker-1", Role: "worker", Host: "fd00::2", Port: 9993},
	}
	srv := httptest.NewServer(Mux(r, func() []ServiceGroup { return ZeekServices(targets) }))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ContentType {
		t.Fatalf("GET /metrics: %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	samples, _ := parseExposition(t, bytes.NewReader(body))
	if samples["heron_test_total{node=manager}"].value != 5 {
		t.Fatalf("scraped %q", body)
	}

	resp, err = http.Get(srv.URL + "/services.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /services.json: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	// Zeek's manager: one group, every node with a metrics port, no labels.
	const want = `[{"targets":["10.0.0.1:9991","10.0.0.1:9992","[fd00::2]:9993"],"labels":{}}]`
	if string(body) != want {
		t.Fatalf("services.json:\n got %s\nwant %s", body, want)
	}
	var groups []ServiceGroup
	if err := json.Unmarshal(body, &groups); err != nil {
		t.Fatal(err)
	}

	resp, err = http.Post(srv.URL+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /metrics: %s", resp.Status)
	}
	// A worker serves no services.json.
	wsrv := httptest.NewServer(Mux(r, nil))
	defer wsrv.Close()
	resp, err = http.Get(wsrv.URL + "/services.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("worker /services.json: %s", resp.Status)
	}
}

func TestNodeServices(t *testing.T) {
	got, err := json.Marshal(NodeServices([]Target{{Node: "w1", Role: "worker", Host: "127.0.0.1", Port: 1}, {Node: "p", Role: "proxy", Host: "h"}}))
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"targets":["127.0.0.1:1"],"labels":{"node":"w1","role":"worker"}}]`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got, _ := json.Marshal(ZeekServices(nil)); string(got) != `[{"targets":[],"labels":{}}]` {
		t.Fatalf("no targets: %s", got)
	}
}

func TestListen(t *testing.T) {
	r := NewRegistry()
	r.Gauge("heron_up", "up").Set(1)
	s, err := Listen("127.0.0.1:0", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/metrics", s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "heron_up 1\n") {
		t.Fatalf("body %q", body)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(s.Addr().String()+"x", r, nil); err == nil || !strings.HasPrefix(err.Error(), "metrics: ") {
		t.Fatalf("bad address: %v", err)
	}
}

// FuzzExposition checks that any help text and label value survive the
// exposition format: what is written parses back to the same value.
func FuzzExposition(f *testing.F) {
	f.Add("help", "value", 1.5)
	f.Add("a\nb\\c", "x\"y\\z\nw", math.Copysign(0, -1))
	f.Add("", "", math.Inf(-1))
	f.Add("\\n", "}\",{", 1e300)
	f.Add("h\xff", "v\xfe\r", 0.1)
	f.Fuzz(func(t *testing.T, help, value string, v float64) {
		if math.IsNaN(v) {
			t.Skip() // NaN != NaN
		}
		r := NewRegistry(Label{"node", value})
		r.GaugeVec("heron_fuzz", help, "l").With(value).Set(v)
		var buf bytes.Buffer
		if _, err := r.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if strings.Count(buf.String(), "\n") != 3 {
			t.Fatalf("not three lines: %q", buf.String())
		}
		samples, _ := parseExposition(t, &buf)
		value = strings.ToValidUTF8(value, "\uFFFD")
		s, ok := samples[seriesKey("heron_fuzz", map[string]string{"node": value, "l": value})]
		if !ok || s.value != v {
			t.Fatalf("round trip: %v %v, want %v in %q", ok, s.value, v, buf.String())
		}
	})
}

func BenchmarkCounterInc(b *testing.B) {
	c := NewRegistry().Counter("heron_b_total", "b")
	b.ReportAllocs()
	for b.Loop() {
		c.Inc()
	}
}

func BenchmarkWriteTo(b *testing.B) {
	r := NewRegistry(Label{"node", "worker-1"})
	RegisterNode(r, NodeCounters{
		PacketsReceived: func() uint64 { return 1 }, PacketsDropped: func() uint64 { return 1 },
		LogRecordsSent: func() uint64 { return 1 }, LogRecordsAcked: func() uint64 { return 1 },
	})
	v := r.CounterVec("heron_log_stream_writes_total", "w", "stream")
	for i := 0; i < 40; i++ {
		v.With(fmt.Sprint("stream", i)).Add(uint64(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
