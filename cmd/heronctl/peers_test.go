package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
)

// metricsCluster writes a five-node cluster on this machine whose nodes'
// metrics ports are served by real HTTP servers started here, each
// answering with what serve returns for its node and the number of the
// request (from 1). It returns the prefix.
func metricsCluster(t *testing.T, serve func(node string, n int) string) string {
	t.Helper()
	base := freePorts(t, 5)
	prefix := policyPrefix(t, map[string]string{
		"etc/heronctl.cfg": fmt.Sprintf("ZeekPort = 30000\nMetricsPort = %d\nSendMail =\nSitePolicyScripts =\n", base),
		"etc/node.cfg": "[logger]\ntype=logger\nhost=localhost\n[manager]\ntype=manager\nhost=localhost\n[proxy]\ntype=proxy\nhost=localhost\n" +
			"[worker-1]\ntype=worker\nhost=localhost\ninterface=af_packet::eth0\n[worker-2]\ntype=worker\nhost=127.0.0.1\ninterface=eth1\n",
	})
	serveMetrics(t, prefix, serve)
	return prefix
}

// serveMetrics starts a real HTTP server on the metrics port of every
// node of the configuration under prefix, answering with what serve
// returns for the node and the number of the request (from 1).
func serveMetrics(t *testing.T, prefix string, serve func(node string, n int) string) {
	t.Helper()
	cl, err := config.Load(config.Paths{Prefix: prefix}, config.Builtins{Prefix: prefix, User: "analyst"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cl.Nodes {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(n.MetricsPort))
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		count := 0
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				http.NotFound(w, r)
				return
			}
			mu.Lock()
			count++
			c := count
			mu.Unlock()
			io.WriteString(w, serve(n.Name, c))
		}))
		srv.Listener.Close()
		srv.Listener = l
		srv.Start()
		t.Cleanup(srv.Close)
	}
}

// peerMetrics is what a node serves about its peers: every other node
// live except worker-2, which the manager and the proxy no longer hear.
func peerMetrics(node string, _ int) string {
	var b strings.Builder
	b.WriteString("# HELP heron_cluster_peer_up Whether the node hears the peer's heartbeats\n# TYPE heron_cluster_peer_up gauge\n")
	for _, p := range []struct{ name, role string }{{"manager", "manager"}, {"logger", "logger"}, {"proxy", "proxy"}, {"worker-1", "worker"}, {"worker-2", "worker"}} {
		if p.name == node {
			continue
		}
		up := 1
		if p.name == "worker-2" && (node == "manager" || node == "proxy") {
			up = 0
		}
		fmt.Fprintf(&b, "heron_cluster_peer_up{node=%q,peer=%q,role=%q} %d\n", node, p.name, p.role, up)
	}
	b.WriteString("heron_version_info{node=\"" + node + "\",version=\"0.1.0\"} 1\n")
	return b.String()
}

// TestPeerstatus: each node's view of its peers comes from its metrics
// endpoint; text and JSON against golden files.
func TestPeerstatus(t *testing.T) {
	prefix := metricsCluster(t, peerMetrics)
	now = func() time.Time { return time.Unix(1_700_000_000, 250_000_000) }
	defer func() { now = time.Now }()
	goldenTextAndJSON(t, "peerstatus", []string{"--prefix", prefix, "peerstatus"}, prefixFix(prefix))
	goldenTextAndJSON(t, "peerstatus-workers", []string{"--prefix", prefix, "peerstatus", "workers"}, prefixFix(prefix))
}

// TestPeerstatusErrors: a node without the gauge, or that does not
// answer, is an error; the others are still shown.
func TestPeerstatusErrors(t *testing.T) {
	prefix := metricsCluster(t, func(node string, n int) string {
		if node == "proxy" {
			return "heron_version_info 1\n"
		}
		return peerMetrics(node, n)
	})
	out, errOut, status := heronctl(t, "--prefix", prefix, "peerstatus", "manager", "proxy")
	if status != exitConfig || !strings.HasPrefix(out, "    manager\n") || strings.Contains(out, "proxy\n") ||
		!strings.Contains(errOut, "heronctl: proxy: no heron_cluster_peer_up in its metrics") {
		t.Errorf("status %d\n%s--- stderr\n%s", status, out, errOut)
	}
}

// capstatsMetrics: worker-1 receives 5000 packets of 1000 bytes between
// two scrapes, worker-2 12000 of 500 bytes, with drops.
func capstatsMetrics(node string, n int) string {
	k := float64(n - 1)
	var pkts, size, drops float64
	switch node {
	case "worker-1":
		pkts, size = 5000, 1000
	case "worker-2":
		pkts, size, drops = 12000, 500, 7
	default:
		return "heron_version_info 1\n"
	}
	return fmt.Sprintf("heron_net_received_packets_total{node=%q} %g\nheron_net_received_bytes_total{node=%q} %g\n"+
		"heron_net_dropped_packets_total{node=%q} %g\nheron_net_link_packets_total{node=%q} %g\n",
		node, 100+k*pkts, node, 100000+k*pkts*size, node, k*drops, node, 100+k*(pkts+drops))
}

// TestCapstats: the rates of the workers' interfaces over one second, from
// their metrics endpoints, text and JSON against golden files.
func TestCapstats(t *testing.T) {
	prefix := metricsCluster(t, capstatsMetrics)
	goldenTextAndJSON(t, "capstats", []string{"--prefix", prefix, "capstats", "1"}, prefixFix(prefix))
}

func TestParseSamples(t *testing.T) {
	in := `# HELP x y
heron_cluster_peer_up{node="m",peer="w-1",role="worker"} 1
heron_cluster_peer_up{peer="a\"b\\c\nd"} 0 1700000000000
plain 2.5e3
bad{x="1"
bad2{x=1} 3
novalue{x="1"}
three 1 2 3

`
	got := parseSamples(strings.NewReader(in))
	want := []sample{
		{"heron_cluster_peer_up", map[string]string{"node": "m", "peer": "w-1", "role": "worker"}, 1},
		{"heron_cluster_peer_up", map[string]string{"peer": "a\"b\\c\nd"}, 0},
		{"plain", nil, 2500},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
}
