package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/disk"
	"github.com/heron-nsm/heron/internal/control/supervise"
)

var netstatsCommand = &command{
	name:    "netstats",
	args:    " [NODE...]",
	summary: "Show the packet counts of the workers.",
	help: `Asks every worker (and a standalone node) for its packet counters on its
Prometheus endpoint (http://HOST:METRICS_PORT/metrics) and prints them as
zeekctl's netstats: "NODE: NETWORK-TIME recvd=N dropped=N link=N". A node
without a metrics port, or that does not answer, is listed on standard
error with the reason, and the exit status is then 1.
`,
	run: runNetstats,
}

// netstat is one node's packet counters.
type netstat struct {
	Node    string  `json:"node"`
	Time    float64 `json:"network_time"`
	Recvd   uint64  `json:"received"`
	Dropped uint64  `json:"dropped"`
	Link    uint64  `json:"link"`
	Error   string  `json:"error,omitempty"`
}

// metricsClient fetches the endpoints.
var metricsClient = &http.Client{Timeout: 5 * time.Second}

func runNetstats(e *env, c *command, args []string) int {
	cl, jsonOut, rest, status, stop := prelude(e, c, args)
	if stop {
		return status
	}
	defer cl.close()
	nodes, err := cl.selectNodes(rest)
	if err != nil {
		fmt.Fprintf(e.stderr, "heronctl netstats: %v\n", err)
		return exitUsage
	}
	var ws []*config.Node
	for _, n := range nodes {
		if n.Type == config.Worker || n.Type == config.Standalone {
			ws = append(ws, n)
		}
	}
	stats := make([]netstat, len(ws))
	var wg sync.WaitGroup
	for i, n := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stats[i] = fetchNetstat(cl.ctx, n)
		}()
	}
	wg.Wait()
	var problems []string
	for _, s := range stats {
		if s.Error != "" {
			problems = append(problems, s.Node+": "+s.Error)
		}
	}
	if jsonOut {
		writeJSON(e.stdout, map[string]any{"nodes": stats, "errors": orEmpty(problems)})
		return report(e, problems)
	}
	// zeekctl's lines: the node's name right-aligned in 11 places; a node
	// that does not answer goes to standard error as "<error: ...>".
	for _, s := range stats {
		if s.Error != "" {
			fmt.Fprintf(e.stderr, "%11s: <error: %s>\n", s.Node, s.Error)
			continue
		}
		fmt.Fprintf(e.stdout, "%11s: %.6f recvd=%d dropped=%d link=%d\n", s.Node, s.Time, s.Recvd, s.Dropped, s.Link)
	}
	if len(problems) > 0 {
		return exitConfig
	}
	return exitOK
}

func fetchNetstat(ctx context.Context, n *config.Node) netstat {
	s := netstat{Node: n.Name}
	if n.MetricsPort == 0 {
		s.Error = "no metrics port (set MetricsPort in heronctl.cfg)"
		return s
	}
	host := n.Host
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(n.MetricsPort)) + "/metrics"
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := metricsClient.Do(req)
	if err != nil {
		s.Error = "not answering: " + err.Error()
		return s
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.Error = fmt.Sprintf("%s answered %s", url, resp.Status)
		return s
	}
	m := parseMetrics(io.LimitReader(resp.Body, 8<<20))
	s.Time = m["heron_net_timestamp_seconds"]
	s.Recvd = uint64(m["heron_net_received_packets_total"])
	s.Dropped = uint64(m["heron_net_dropped_packets_total"])
	s.Link = uint64(m["heron_net_link_packets_total"])
	return s
}

// parseMetrics sums the samples of each metric in Prometheus' text
// format, whatever their labels. Lines it does not understand are skipped.
func parseMetrics(r io.Reader) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			j := strings.LastIndexByte(rest, '}')
			if j < 0 {
				continue
			}
			rest = rest[j+1:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out
}

var topCommand = &command{
	name:    "top",
	args:    " [NODE...]",
	summary: "Show the nodes' processes: memory and CPU use.",
	help: `Samples every running node's process for half a second and prints, as
zeekctl's top: Name, Type, Host, Pid, VSize and Rss (virtual and resident
memory), Cpu (percent of one CPU) and Cmd; a node that does not run is
listed as <not running>.
`,
	run: runTop,
}

func runTop(e *env, c *command, args []string) int {
	cl, jsonOut, rest, status, stop := prelude(e, c, args)
	if stop {
		return status
	}
	defer cl.close()
	nodes, err := cl.selectNodes(rest)
	if err != nil {
		fmt.Fprintf(e.stderr, "heronctl top: %v\n", err)
		return exitUsage
	}
	byName := map[string]supervise.Usage{}
	var mu sync.Mutex
	hosts := hostsOf(nodes)
	errs := cl.eachHost(hosts, func(h string) error {
		var us []supervise.Usage
		if err := cl.hostOp(h, "top", &us, "--wait", "0.5"); err != nil {
			return err
		}
		mu.Lock()
		for _, u := range us {
			byName[u.Name] = u
		}
		mu.Unlock()
		return nil
	})
	var problems []string
	for _, h := range hosts {
		if err := errs[h]; err != nil {
			problems = append(problems, err.Error())
		}
	}
	out := []topRow{}
	for _, n := range nodes {
		if u, ok := byName[n.Name]; ok {
			out = append(out, topRow{Usage: u})
		} else if errs[n.Host] == nil {
			out = append(out, topRow{Usage: supervise.Usage{Name: n.Name, Type: n.Type, Host: n.Host}, Error: "not running"})
		}
	}
	if jsonOut {
		writeJSON(e.stdout, map[string]any{"nodes": out, "errors": orEmpty(problems)})
		return report(e, problems)
	}
	writeTop(e.stdout, out, cl.cl.Standalone)
	return report(e, problems)
}

// topRow is a line of top: a node's process, or why there is none.
type topRow struct {
	supervise.Usage
	Error string `json:"error,omitempty"`
}

// MarshalJSON writes a node without a process as its name, type, host and
// error only, and a process as its Usage.
func (r topRow) MarshalJSON() ([]byte, error) {
	if r.Error == "" {
		return json.Marshal(r.Usage)
	}
	return json.Marshal(struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Host  string `json:"host"`
		Error string `json:"error"`
	}{r.Name, r.Type, r.Host, r.Error})
}

// writeTop prints zeekctl's top table: sizes as zeekctl's df prints them
// (three places and K, M or G), the CPU share right-aligned, a node
// without a process as "<not running>"; a standalone node gets zeekctl's
// wider Type column.
func writeTop(w io.Writer, rows []topRow, standalone bool) {
	typeW, hostW := 7, 16
	if standalone {
		typeW, hostW = 10, 13
	}
	fmt.Fprintf(w, "%-12s %-*s %-*s %-7s %-6s %-4s %-5s %s\n", "Name", typeW, "Type", hostW, "Host", "Pid", "VSize", "Rss", "Cpu", "Cmd")
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(w, "%-12s %-*s %-*s <%s>\n", r.Name, typeW, r.Type, hostW, r.Host, r.Error)
			continue
		}
		fmt.Fprintf(w, "%-12s %-*s %-*s %-7d %-6s %-4s %3.0f%%  %s\n", r.Name, typeW, r.Type, hostW, r.Host, r.Pid,
			disk.NumberUnit(float64(r.VSize)), disk.NumberUnit(float64(r.RSS)), r.CPU, r.Command)
	}
}
