package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// want is one expanded node as an example's top comment states it.
type want struct {
	name, typ, host, iface string
	cpus                   []int
	env                    map[string]string
	fanout                 uint64 // 0: not an AF_PACKET node
	mode                   string
}

func tz(extra ...string) map[string]string {
	m := map[string]string{"TZ": "UTC"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func mgrProxy(host string) []want {
	return []want{
		{name: "manager", typ: Manager, host: host, env: tz()},
		{name: "proxy-1", typ: Proxy, host: host, env: tz()},
	}
}

func workers(prefix string, n int, host string, f func(i int, w *want)) []want {
	var out []want
	for i := 1; i <= n; i++ {
		w := want{name: fmt.Sprintf("%s-%d", prefix, i), typ: Worker, host: host, env: tz()}
		f(i, &w)
		out = append(out, w)
	}
	return out
}

// exampleWants holds, for every node.cfg of ../shared/zeekctl-examples,
// the expansion its top comment states.
var exampleWants = map[string][]want{
	"standalone.node.cfg": {{name: "zeek", typ: Standalone, host: "localhost", iface: "eth0", env: tz()}},
	"three-hosts.node.cfg": {
		{name: "logger-1", typ: Logger, host: "192.0.2.10", env: tz()},
		{name: "manager", typ: Manager, host: "192.0.2.10", env: tz()},
		{name: "proxy-1", typ: Proxy, host: "192.0.2.10", env: tz()},
		{name: "worker-1", typ: Worker, host: "192.0.2.11", iface: "eth0", env: tz()},
		{name: "worker-2", typ: Worker, host: "192.0.2.12", iface: "eth0", env: tz()},
	},
	"af_packet.node.cfg": append(append([]want{
		{name: "logger-1", typ: Logger, host: "192.0.2.10", env: tz()},
		{name: "manager", typ: Manager, host: "192.0.2.10", env: tz()},
		{name: "proxy-1", typ: Proxy, host: "192.0.2.10", env: tz()},
		{name: "proxy-2", typ: Proxy, host: "192.0.2.10", env: tz()},
	}, workers("worker-eth1", 4, "192.0.2.20", func(i int, w *want) {
		w.iface, w.cpus, w.fanout, w.mode = "af_packet::eth1", []int{1 + i}, 23, "AF_Packet::FANOUT_HASH"
	})...), workers("worker-eth2", 2, "192.0.2.20", func(i int, w *want) {
		w.iface, w.cpus, w.fanout, w.mode = "af_packet::eth2", []int{5 + i}, 24, "AF_Packet::FANOUT_HASH"
	})...),
	"pf_ring.node.cfg": append(mgrProxy("192.0.2.10"), workers("worker-1", 10, "192.0.2.50", func(i int, w *want) {
		w.iface, w.cpus = "eth4", []int{2*i - 1}
		w.env = tz("PCAP_PF_RING_CLUSTER_ID", "21", "PCAP_PF_RING_USE_CLUSTER_PER_FLOW_4_TUPLE", "1", "PCAP_PF_RING_APPNAME", "heron-eth4")
	})...),
	"pf_ring_dna.node.cfg": append(mgrProxy("192.0.2.10"), workers("worker-1", 10, "192.0.2.50", func(i int, w *want) {
		w.iface = fmt.Sprintf("dna0@%d", i-1)
		w.env = tz("PCAP_PF_RING_DNA_RSS", "1", "PCAP_PF_RING_USE_CLUSTER_PER_FLOW_4_TUPLE", "1", "PCAP_PF_RING_APPNAME", "heron-"+w.iface)
	})...),
	"pf_ring_dnacluster.node.cfg": append(mgrProxy("192.0.2.10"), workers("worker-1", 10, "192.0.2.50", func(i int, w *want) {
		w.iface = fmt.Sprintf("dnacluster:21@%d", i-1)
		w.env = tz("PCAP_PF_RING_USE_CLUSTER_PER_FLOW_4_TUPLE", "1", "PCAP_PF_RING_APPNAME", "heron-"+w.iface)
	})...),
	"myricom.node.cfg": append(mgrProxy("192.0.2.10"), workers("worker-1", 8, "192.0.2.60", func(i int, w *want) {
		w.iface, w.cpus, w.env = "eth5", []int{i - 1}, tz("SNF_NUM_RINGS", "8", "SNF_FLAGS", "0x101")
	})...),
	"interfaces.node.cfg": append(mgrProxy("192.0.2.10"), workers("worker-1", 3, "192.0.2.70", func(i int, w *want) {
		w.iface = fmt.Sprintf("eth%d", 4-i)
	})...),
	"custom.node.cfg": append(mgrProxy("192.0.2.10"), workers("worker-1", 2, "192.0.2.80", func(i int, w *want) {
		w.iface = "netmap:em0/x"
	})...),
}

func loadExample(t *testing.T, dir, nodeCfg string) *Cluster {
	t.Helper()
	c, err := Load(Paths{
		Prefix:   t.TempDir(),
		Config:   filepath.Join(dir, "zeekctl.cfg"),
		NodeCfg:  filepath.Join(dir, nodeCfg),
		Networks: filepath.Join(dir, "networks.cfg"),
	}, Builtins{User: "analyst", Hostname: "sensor"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSharedExamples: every node.cfg of ../shared/zeekctl-examples expands
// as its top comment states, read unchanged with the zeekctl.cfg and
// networks.cfg there.
func TestSharedExamples(t *testing.T) {
	dir := filepath.Join(refdata.Shared(t), "zeekctl-examples")
	files, err := filepath.Glob(filepath.Join(dir, "*.node.cfg"))
	if err != nil || len(files) == 0 {
		t.Skipf("no node.cfg examples in %s", dir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			wants, ok := exampleWants[name]
			if !ok {
				t.Fatalf("no expectation for %s: add its top comment's expansion to exampleWants", name)
			}
			c := loadExample(t, dir, name)
			if len(c.Nodes) != len(wants) {
				t.Fatalf("%d nodes, want %d: %v", len(c.Nodes), len(wants), nodeNames(c.Nodes))
			}
			for i, n := range c.Nodes {
				w := wants[i]
				var fanout uint64
				mode := ""
				if n.AFPacket != nil {
					fanout, mode = n.AFPacket.FanoutID, n.AFPacket.FanoutMode
				}
				got := want{name: n.Name, typ: n.Type, host: n.Host, iface: n.Interface, cpus: n.CPUs, env: n.Env, fanout: fanout, mode: mode}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("node %d:\n got %+v\nwant %+v", i, got, w)
				}
				if n.Threads != 1 {
					t.Errorf("%s: %d threads", n.Name, n.Threads)
				}
			}
			for _, w := range c.Warnings {
				if !strings.Contains(w.Msg, "local.zeek") {
					t.Errorf("unexpected warning: %s", w)
				}
			}
		})
	}
}

func nodeNames(nodes []*Node) []string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.Name)
	}
	return s
}

// TestSharedZeekctlCfg: the example zeekctl.cfg and networks.cfg are read
// unchanged, with the values they set.
func TestSharedZeekctlCfg(t *testing.T) {
	dir := filepath.Join(refdata.Shared(t), "zeekctl-examples")
	c := loadExample(t, dir, "three-hosts.node.cfg")
	s := c.Settings
	strs := map[string]string{
		"MailTo": "security-team@example.org", "MailFrom": "Sensor <sensor@example.org>",
		"MailSubjectPrefix": "[Sensor]", "KeepLogs": "notice* intel*", "SitePolicyScripts": "local.zeek",
		"LogDir": "/var/log/sensor", "SpoolDir": "/var/spool/sensor", "CompressCmd": "gzip -9",
		"CompressExtension": "gz", "Env_Vars": "TZ=UTC", "PFRINGClusterType": "4-tuple",
		"lb_custom.InterfacePrefix": "netmap:", "lb_custom.InterfaceSuffix": "/x",
		"LogExpireInterval": "30 day", "StateFile": "/var/spool/sensor/state.db",
	}
	for k, v := range strs {
		if got := s.String(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	ints := map[string]int{"MinDiskSpace": 5, "LogRotationInterval": 3600, "StatsLogExpireInterval": 7,
		"CrashExpireInterval": 14, "StopTimeout": 60, "ZeekPort": 27760, "MetricsPort": 9991,
		"PFRINGClusterID": 21, "PFRINGFirstAppInstance": 0}
	for k, v := range ints {
		if got := s.Int(k); got != v {
			t.Errorf("%s = %d, want %d", k, got, v)
		}
	}
	for _, k := range []string{"MailHostUpDown", "StatsLogEnable", "CompressLogs"} {
		if !s.Bool(k) {
			t.Errorf("%s is false", k)
		}
	}
	if m, err := s.LogExpireMinutes(); err != nil || m != 30*24*60 {
		t.Errorf("LogExpireMinutes = %d, %v", m, err)
	}
	if file, line := s.Source("MailTo"); filepath.Base(file) != "zeekctl.cfg" || line != 2 {
		t.Errorf("MailTo set at %s:%d", file, line)
	}
	wantNets := []Network{{"10.0.0.0/8", "Corporate"}, {"192.168.0.0/16", "Labs and test"}, {"172.16.5.0/24", "DMZ"}, {"2001:db8:1200::/40", "IPv6 campus"}}
	if !reflect.DeepEqual(c.Networks, wantNets) {
		t.Errorf("networks %v, want %v", c.Networks, wantNets)
	}
	data, err := os.ReadFile(filepath.Join(dir, "zeekctl.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	// Every option the example sets is one heronctl knows.
	for _, line := range strings.Split(string(data), "\n") {
		k, _, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if LookupOption(k) == nil {
			t.Errorf("option %s of the example is unknown", k)
		}
	}
}
