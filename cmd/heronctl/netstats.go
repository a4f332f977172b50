package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/supervise"
)

var netstatsCommand = &command{
	name:    "netstats",
	args:    " [NODE...]",
	summary: "Show the packet counts of the workers.",
	help: `Asks every worker (and a standalone node) for its packet counters on its
Prometheus endpoint (http://HOST:METRICS_PORT/metrics) and prints them as
zeekctl's netstats: "NODE: NETWORK-TIME recvd=N dropped=N link=N". A node
without a metrics port, or that does not answer, is listed with the
reason.
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
	if jsonOut {
		writeJSON(e.stdout, map[string]any{"nodes": stats})
		return exitOK
	}
	for _, s := range stats {
		if s.Error != "" {
			fmt.Fprintf(e.stdout, "%12s: %s\n", s.Node, s.Error)
			continue
		}
		fmt.Fprintf(e.stdout, "%12s: %.6f recvd=%d dropped=%d link=%d\n", s.Node, s.Time, s.Recvd, s.Dropped, s.Link)
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
memory), Cpu (percent of one CPU) and Cmd.
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
	out := []supervise.Usage{}
	for _, n := range nodes {
		if u, ok := byName[n.Name]; ok {
			out = append(out, u)
		}
	}
	if jsonOut {
		writeJSON(e.stdout, map[string]any{"nodes": out, "errors": orEmpty(problems)})
		return report(e, problems)
	}
	fmt.Fprintf(e.stdout, "%-12s %-7s %-16s %-7s %-5s %-5s %-5s %s\n", "Name", "Type", "Host", "Pid", "VSize", "Rss", "Cpu", "Cmd")
	for _, u := range out {
		fmt.Fprintf(e.stdout, "%-12s %-7s %-16s %-7d %-5s %-5s %-5s %s\n", u.Name, u.Type, u.Host, u.Pid,
			sizeUnit(u.VSize), sizeUnit(u.RSS), fmt.Sprintf("%.0f%%", u.CPU), u.Command)
	}
	return report(e, problems)
}

// sizeUnit prints a byte count as top does: K, M or G, no decimals.
func sizeUnit(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%dG", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprintf("%d", n)
}
