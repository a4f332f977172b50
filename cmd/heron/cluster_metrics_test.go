package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sampleLine is a sample of Prometheus' text exposition format (0.0.4):
// name, optional labels, value, optional timestamp.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)( -?[0-9]+)?$`)

// parseExposition parses a metrics page strictly: every line is a
// comment (# HELP, # TYPE with a known type) or a sample of a metric whose
// TYPE came before it, with a number for a value. It returns the sum of
// each metric's samples.
func parseExposition(r io.Reader) (map[string]float64, error) {
	types := map[string]string{}
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			f := strings.Fields(line)
			if len(f) >= 4 && f[1] == "TYPE" {
				if !slices.Contains([]string{"counter", "gauge", "histogram", "summary", "untyped"}, f[3]) {
					return nil, fmt.Errorf("line %d: type %q", n, f[3])
				}
				types[f[2]] = f[3]
			} else if len(f) < 3 || (f[1] != "HELP" && f[1] != "TYPE") {
				return nil, fmt.Errorf("line %d: comment %q", n, line)
			}
			continue
		}
		if line == "" {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: not a sample: %q", n, line)
		}
		name := m[1]
		base := name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if _, ok := types[name]; !ok {
				base = strings.TrimSuffix(base, suf)
			}
		}
		if types[base] == "" {
			return nil, fmt.Errorf("line %d: %s has no TYPE before it", n, name)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: value %q", n, m[3])
		}
		out[name] += v
	}
	return out, sc.Err()
}

// scrape fetches and parses http://127.0.0.1:port/metrics.
func scrape(port int) (map[string]float64, error) {
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		return nil, fmt.Errorf("/metrics: content type %q", ct)
	}
	return parseExposition(resp.Body)
}

func TestParseExposition(t *testing.T) {
	for _, tc := range []struct {
		page string
		ok   bool
	}{
		{"# HELP a_total A.\n# TYPE a_total counter\na_total{node=\"w\"} 3\na_total{node=\"x\"} 4\n", true},
		{"a_total 3\n", false},                   // no TYPE
		{"# TYPE a gauge\na{node=w} 3\n", false}, // unquoted label
		{"# TYPE a gauge\na three\n", false},     // value
		{"# TYPE a flavour\na 3\n", false},       // type
		{"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n", true},
	} {
		m, err := parseExposition(strings.NewReader(tc.page))
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v", tc.page, err)
		}
		if tc.ok && len(m) == 0 {
			t.Errorf("%q: no samples", tc.page)
		}
	}
}

// TestClusterMetrics gives every node a metrics_port and scrapes them while
// the workers run: a worker counts its packets, connections and the log
// records it sends, the logger the records it writes, every node its
// transport and memory, and the manager's /services.json lists every
// node's endpoint. At the end the records the logger and the manager say
// they wrote are the records in the log files.
func TestClusterMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	const rounds = 300
	trace := writeBusyTrace(t, t.TempDir(), rounds)
	ports := map[string]int{}
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		for name, n := range l["nodes"].(map[string]any) {
			ports[name] = freePort(t)
			n.(map[string]any)["metrics_port"] = ports[name]
		}
	}, "HERON_REPLAY_DELAY=2ms")
	want := standalone(t, c.bin, trace)
	c.startServices()
	c.start("worker-1")
	c.start("worker-2")

	var w map[string]float64
	c.waitFor("worker-1 to count packets on /metrics", 30*time.Second, func() bool {
		var err error
		w, err = scrape(ports["worker-1"])
		if err != nil && !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("worker-1: %v", err)
		}
		return err == nil && w["heron_net_received_packets_total"] >= 1024
	})
	if !alive(c.procs["worker-1"]) {
		t.Fatal("worker-1 ended before its running metrics were read")
	}
	t.Logf("worker-1 while running: %v packets, %v active connections, %v records sent",
		w["heron_net_received_packets_total"], w["heron_active_connections"], w["heron_log_records_sent_total"])
	frames := float64(rounds * 10)
	if got := w["heron_net_received_packets_total"]; got > frames {
		t.Errorf("worker-1 received %v packets; the whole trace has %v", got, frames)
	}
	for _, name := range []string{"heron_active_connections", "heron_active_sessions", "heron_net_timestamp_seconds", "heron_net_received_bytes_total",
		"heron_net_dropped_packets_total", "heron_log_records_sent_total", "heron_log_records_acknowledged_total",
		"heron_log_records_spooled_total", "heron_log_records_lost_total", "heron_log_spool_bytes", "heron_transport_connected", "process_resident_memory_bytes"} {
		if _, ok := w[name]; !ok {
			t.Errorf("worker-1's metrics lack %s", name)
		}
	}
	if ts := w["heron_net_timestamp_seconds"]; ts < 1_700_000_000 || ts > 1_700_000_000+rounds*2 {
		t.Errorf("worker-1's network time %v is not in the trace", ts)
	}
	// worker-1 hears at least the manager, the logger and the proxy
	// (heron_cluster_peer_up, one series per peer, summed here).
	if got := w["heron_cluster_peer_up"]; got < 3 {
		t.Errorf("worker-1 hears %v peers, want at least 3", got)
	}
	if w["heron_transport_connected"] != 1 || w["process_resident_memory_bytes"] <= 0 {
		t.Errorf("worker-1: connected %v, memory %v", w["heron_transport_connected"], w["process_resident_memory_bytes"])
	}

	// The manager's service discovery lists every node's endpoint.
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(ports["manager"]) + "/services.json")
	if err != nil {
		t.Fatal(err)
	}
	var groups []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	err = json.NewDecoder(resp.Body).Decode(&groups)
	resp.Body.Close()
	if err != nil || len(groups) != 1 {
		t.Fatalf("/services.json: %v %+v", err, groups)
	}
	for name, port := range ports {
		if !slices.Contains(groups[0].Targets, "127.0.0.1:"+strconv.Itoa(port)) {
			t.Errorf("/services.json lacks %s (port %d): %q", name, port, groups[0].Targets)
		}
	}

	c.wait("worker-1", 60*time.Second)
	c.wait("worker-2", 60*time.Second)
	c.waitRecords(want, 60*time.Second)
	// Records written, by the node that says it wrote them, are the
	// records in the files (cluster.log too).
	written := 0.0
	for _, n := range []string{"logger-1", "manager", "proxy-1"} {
		m, err := scrape(ports[n])
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if m["heron_transport_connected"] != 1 {
			t.Errorf("%s: heron_transport_connected %v", n, m["heron_transport_connected"])
		}
		written += m["heron_log_records_written_total"]
		if n == "logger-1" && m["heron_log_records_written_total"] == 0 {
			t.Errorf("the logger says it wrote no record")
		}
	}
	files := 0
	paths, _ := filepath.Glob(filepath.Join(c.logs, "*.log"))
	for _, p := range paths {
		files += countRecords(p)
	}
	t.Logf("written %v records, files hold %d", written, files)
	if int(written) != files {
		t.Errorf("the logger and the manager say they wrote %v records; the log files hold %d", written, files)
	}
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
	compareWithStandalone(t, clusterRecords(t, c.logs), want)
}
