package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
)

// This file holds peerstatus and capstats, which read the nodes'
// Prometheus endpoints (docs/metrics.md), as netstats does.

// sample is one line of Prometheus' text format: a metric, its labels and
// its value.
type sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// maxSamples bounds how many samples parseSamples keeps.
const maxSamples = 100000

// parseSamples reads Prometheus' text exposition format, keeping each
// sample with its labels. Comments, blank lines and lines it does not
// understand are skipped; at most maxSamples are kept.
func parseSamples(r io.Reader) []sample {
	var out []sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < maxSamples {
		s, ok := parseSample(strings.TrimSpace(sc.Text()))
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// parseSample parses one sample line: NAME[{LABELS}] VALUE [TIMESTAMP].
func parseSample(line string) (sample, bool) {
	if line == "" || line[0] == '#' {
		return sample{}, false
	}
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return sample{}, false
	}
	s := sample{Name: line[:i]}
	rest := line[i:]
	if rest[0] == '{' {
		labels, n, ok := parseLabels(rest[1:])
		if !ok {
			return sample{}, false
		}
		s.Labels = labels
		rest = rest[1+n:]
	}
	f := strings.Fields(rest)
	if len(f) == 0 || len(f) > 2 {
		return sample{}, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return sample{}, false
	}
	s.Value = v
	return s, true
}

// parseLabels parses `name="value",...}` and returns the labels and how
// many bytes it read, the closing brace included. Values may hold \\, \"
// and \n escapes.
func parseLabels(s string) (map[string]string, int, bool) {
	labels := map[string]string{}
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			return nil, 0, false
		}
		if s[i] == '}' {
			return labels, i + 1, true
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return nil, 0, false
		}
		name := strings.TrimSpace(s[i : i+eq])
		i += eq + 2
		var v strings.Builder
		closed := false
		for ; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				if s[i] == 'n' {
					v.WriteByte('\n')
				} else {
					v.WriteByte(s[i])
				}
				continue
			}
			if c == '"' {
				closed = true
				i++
				break
			}
			v.WriteByte(c)
		}
		if !closed {
			return nil, 0, false
		}
		labels[name] = v.String()
	}
}

// metricsURL is where node n serves its metrics ("" without a port).
func metricsURL(n *config.Node) string {
	if n.MetricsPort == 0 {
		return ""
	}
	host := n.Host
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(n.MetricsPort)) + "/metrics"
}

// scrape fetches node n's metrics.
func scrape(ctx context.Context, n *config.Node) ([]sample, error) {
	url := metricsURL(n)
	if url == "" {
		return nil, fmt.Errorf("no metrics port (set MetricsPort in heronctl.cfg)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := metricsClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("not answering: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return parseSamples(io.LimitReader(resp.Body, 8<<20)), nil
}

// sum adds up the samples of metric name, whatever their labels, and
// tells whether there was any.
func sum(ss []sample, name string) (float64, bool) {
	var v float64
	found := false
	for _, s := range ss {
		if s.Name == name {
			v += s.Value
			found = true
		}
	}
	return v, found
}

// Metric names peerstatus and capstats read (docs/metrics.md).
const (
	metricPeerUp      = "heron_cluster_peer_up" // labels peer, role: 1 live, 0 down
	metricRecvPackets = "heron_net_received_packets_total"
	metricRecvBytes   = "heron_net_received_bytes_total"
	metricDropped     = "heron_net_dropped_packets_total"
	metricLink        = "heron_net_link_packets_total"
)

var peerstatusCommand = &command{
	name:    "peerstatus",
	args:    " [NODE...]",
	summary: "Show which other nodes each node sees live.",
	help: `Asks each node's Prometheus endpoint which nodes of the cluster it hears
the heartbeats of (the gauge heron_cluster_peer_up, one series per peer)
and prints, as zeekctl's peerstatus, the node's name and then one line per
peer: "TIME peer=NAME host=HOST status=peered" for a live peer,
status=disconnected for one whose heartbeats stopped. TIME is the time of
the question. A node that does not answer is listed with the reason.
`,
	run: onNodes(runPeerstatus),
}

// peer is one peer as a node sees it.
type peer struct {
	Peer string `json:"peer"`
	Role string `json:"role,omitempty"`
	Host string `json:"host"`
	Live bool   `json:"live"`
}

// nodePeers is one node's view of its peers.
type nodePeers struct {
	Node  string  `json:"node"`
	Time  float64 `json:"time"`
	Peers []peer  `json:"peers"`
	Error string  `json:"error,omitempty"`
}

// now is the clock of peerstatus and cron (a variable for tests).
var now = time.Now

func runPeerstatus(x *session, nodes []*config.Node) int {
	out := make([]nodePeers, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = x.peersOf(n)
		}()
	}
	wg.Wait()
	var problems []string
	for _, np := range out {
		if np.Error != "" {
			problems = append(problems, np.Node+": "+np.Error)
		}
	}
	return x.finish(problems, map[string]any{"nodes": out}, func(w io.Writer) {
		for _, np := range out {
			if np.Error != "" {
				continue
			}
			fmt.Fprintf(w, "%11s\n", np.Node)
			for _, p := range np.Peers {
				status := "peered"
				if !p.Live {
					status = "disconnected"
				}
				fmt.Fprintf(w, "%.6f peer=%s host=%s status=%s\n", np.Time, p.Peer, p.Host, status)
			}
		}
	})
}

// peersOf asks node n for its peers.
func (c *cluster) peersOf(n *config.Node) nodePeers {
	np := nodePeers{Node: n.Name, Peers: []peer{}}
	t := now()
	np.Time = float64(t.UnixMicro()) / 1e6
	ss, err := scrape(c.ctx, n)
	if err != nil {
		np.Error = err.Error()
		return np
	}
	found := false
	for _, s := range ss {
		if s.Name != metricPeerUp {
			continue
		}
		found = true
		name := s.Labels["peer"]
		if name == "" || name == n.Name {
			continue
		}
		p := peer{Peer: name, Role: s.Labels["role"], Live: s.Value != 0}
		for _, o := range c.cl.Nodes {
			if o.Name == name {
				p.Host = o.Host
				if p.Role == "" {
					p.Role = o.Type
				}
			}
		}
		np.Peers = append(np.Peers, p)
	}
	if !found {
		np.Error = "no " + metricPeerUp + " in its metrics (a standalone node has no peers)"
		return np
	}
	sort.Slice(np.Peers, func(i, j int) bool { return nodeRank(c.cl, np.Peers[i].Peer) < nodeRank(c.cl, np.Peers[j].Peer) })
	return np
}

// nodeRank is a node's position in the configuration (start order); an
// unknown node goes last.
func nodeRank(cl *config.Cluster, name string) int {
	for i, n := range cl.Nodes {
		if n.Name == name {
			return i
		}
	}
	return len(cl.Nodes)
}

var capstatsCommand = &command{
	name:    "capstats",
	args:    " [NODE...] [SECONDS]",
	summary: "Show the packet and bit rates of the workers' interfaces.",
	help: `Measures the load on the interfaces the workers capture from, as
zeekctl's capstats: it reads the packet and byte counters of every worker
(and a standalone node) on its Prometheus endpoint twice, SECONDS apart
(10 by default, at least 1), and prints per host and interface the rate
of the workers on it in thousands of packets and megabits per second, then
the total. Workers that read a trace rather than an interface are left out.
With --json each interface also has its workers and the packets, bytes,
drops and link packets of the interval.
`,
	run: runCapstats,
}

// ifaceStats is the load of one interface of a host over the interval:
// capstats' keys (pkts, kpps, kbytes, mbps, nic_pkts, nic_drops) and the
// workers that capture from it.
type ifaceStats struct {
	Host      string   `json:"host"`
	Interface string   `json:"interface"`
	Nodes     []string `json:"nodes"`
	Pkts      float64  `json:"pkts"`
	KPPS      float64  `json:"kpps"`
	KBytes    float64  `json:"kbytes"`
	MBPS      float64  `json:"mbps"`
	NICPkts   float64  `json:"nic_pkts"`
	NICDrops  float64  `json:"nic_drops"`
	Error     string   `json:"error,omitempty"`
}

func runCapstats(e *env, c *command, args []string) int {
	x, rest, status, ok := openSession(e, c, args, nil)
	if !ok {
		return status
	}
	defer x.close()
	interval := 10 * time.Second
	if len(rest) > 0 {
		if n, err := strconv.Atoi(rest[len(rest)-1]); err == nil {
			interval = time.Duration(max(1, n)) * time.Second
			rest = rest[:len(rest)-1]
		}
	}
	nodes, err := x.selectNodes(rest)
	if err != nil {
		return usageError(e, c, "%v", err)
	}
	rows := x.capstats(nodes, interval)
	if len(rows) == 0 {
		fmt.Fprintln(e.stderr, "heronctl: no network interfaces suitable for capstats were found")
		return exitConfig
	}
	var problems []string
	var good []ifaceStats
	for _, r := range rows {
		if r.Error != "" {
			problems = append(problems, r.Error)
		} else {
			good = append(good, r)
		}
	}
	var total *ifaceStats
	if len(good) > 1 {
		t := ifaceStats{Host: "$total", Nodes: []string{}}
		for _, r := range good {
			t.Pkts += r.Pkts
			t.KPPS += r.KPPS
			t.KBytes += r.KBytes
			t.MBPS += r.MBPS
			t.NICPkts += r.NICPkts
			t.NICDrops += r.NICDrops
		}
		total = &t
	}
	return x.finish(problems, map[string]any{"interval": interval.Seconds(), "interfaces": rows, "total": total}, func(w io.Writer) {
		fmt.Fprintf(w, "%-21s %-10s %-10s (%ds average)\n%s\n", "Interface", "kpps", "mbps", int(interval.Seconds()), strings.Repeat("-", 40))
		for _, r := range good {
			fmt.Fprintf(w, "%-21s %-10s %s\n", r.Host+"/"+r.Interface, oneDecimal(r.KPPS), oneDecimal(r.MBPS))
		}
		if total != nil {
			fmt.Fprintf(w, "\n%-21s %-10s %s\n", "Total", oneDecimal(total.KPPS), oneDecimal(total.MBPS))
		}
	})
}

func oneDecimal(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// captureIface is the interface capstats reports a node under: the
// interface without its packet source ("eth0" of "af_packet::eth0"), or
// "" for a node that reads a trace.
func captureIface(n *config.Node) string {
	i := n.Interface
	if j := strings.Index(i, "::"); j >= 0 {
		i = i[j+2:]
	}
	return i
}

// capstats measures the workers among nodes (and a standalone node) over
// interval and returns one row per host and interface, in node order.
func (c *cluster) capstats(nodes []*config.Node, interval time.Duration) []ifaceStats {
	var ws []*config.Node
	for _, n := range nodes {
		if (n.Type == config.Worker || n.Type == config.Standalone) && captureIface(n) != "" {
			ws = append(ws, n)
		}
	}
	type counts struct {
		pkts, bytes, drops, link float64
		err                      error
	}
	read := func() []counts {
		out := make([]counts, len(ws))
		var wg sync.WaitGroup
		for i, n := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ss, err := scrape(c.ctx, n)
				if err != nil {
					out[i].err = err
					return
				}
				var found bool
				if out[i].pkts, found = sum(ss, metricRecvPackets); !found {
					out[i].err = fmt.Errorf("no %s in its metrics", metricRecvPackets)
				}
				out[i].bytes, _ = sum(ss, metricRecvBytes)
				out[i].drops, _ = sum(ss, metricDropped)
				out[i].link, _ = sum(ss, metricLink)
			}()
		}
		wg.Wait()
		return out
	}
	before := read()
	if len(ws) > 0 {
		time.Sleep(interval)
	}
	after := read()
	var rows []ifaceStats
	index := map[string]int{}
	secs := interval.Seconds()
	for i, n := range ws {
		key := n.Host + "\x00" + captureIface(n)
		j, ok := index[key]
		if !ok {
			j = len(rows)
			index[key] = j
			rows = append(rows, ifaceStats{Host: n.Host, Interface: captureIface(n), Nodes: []string{}})
		}
		r := &rows[j]
		r.Nodes = append(r.Nodes, n.Name)
		err := before[i].err
		if err == nil {
			err = after[i].err
		}
		if err != nil {
			if r.Error == "" {
				r.Error = fmt.Sprintf("%s: %v", n.Name, err)
			}
			continue
		}
		pkts := max(0, after[i].pkts-before[i].pkts)
		bytes := max(0, after[i].bytes-before[i].bytes)
		r.Pkts += pkts
		r.KBytes += bytes / 1024
		r.KPPS += pkts / secs / 1000
		r.MBPS += bytes * 8 / secs / 1e6
		r.NICPkts += max(0, after[i].link-before[i].link)
		r.NICDrops += max(0, after[i].drops-before[i].drops)
	}
	return rows
}
