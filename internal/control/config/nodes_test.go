package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// setup writes heronctl.cfg, node.cfg and any other files (name -> text)
// into a prefix's etc directory and returns the prefix.
func setup(t *testing.T, cfg, nodeCfg string, files map[string]string) string {
	t.Helper()
	prefix := t.TempDir()
	etc := filepath.Join(prefix, "etc")
	all := map[string]string{"etc/heronctl.cfg": cfg, "etc/node.cfg": nodeCfg, "etc/networks.cfg": "10.0.0.0/8\n"}
	for k, v := range files {
		all[k] = v
	}
	for name, text := range all {
		p := filepath.Join(prefix, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = etc
	return prefix
}

func load(t *testing.T, cfg, nodeCfg string, files map[string]string) (*Cluster, error) {
	t.Helper()
	prefix := setup(t, cfg, nodeCfg, files)
	return Load(Paths{Prefix: prefix}, Builtins{User: "u", Hostname: "h"})
}

func mustLoad(t *testing.T, cfg, nodeCfg string, files map[string]string) *Cluster {
	t.Helper()
	c, err := load(t, cfg, nodeCfg, files)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const cluster = `
[manager]
type=manager
host=10.0.0.1
[proxy-1]
type=proxy
host=10.0.0.1
`

func TestNodeCfgErrors(t *testing.T) {
	cases := []struct {
		name, nodeCfg string
		line          int
		msg           string
	}{
		{"no section", "type=worker\n", 1, "before any [section]"},
		{"bad line", "[a]\ntype worker\n", 2, "not a key = value"},
		{"no key", "[a]\n=worker\n", 2, "no key"},
		{"dup section", "[a]\ntype=standalone\nhost=localhost\n[a]\n", 4, "appears again"},
		{"dup key", "[a]\ntype=standalone\nTYPE=worker\n", 3, "set again"},
		{"no type", "[a]\nhost=localhost\n", 1, "no type"},
		{"read on proxy", cluster + "[p]\ntype=proxy\nhost=x\nread=t.pcap\n", 11, "read given for proxy node [p]"},
		{"read and interface", "[a]\ntype=standalone\nhost=x\ninterface=eth0\nread=t.pcap\n", 5, "both an interface and a trace"},
		{"bad type", "[a]\ntype=sensor\nhost=x\n", 2, "unknown node type"},
		{"no host", "[a]\ntype=standalone\n", 1, "no host"},
		{"bad env", "[a]\ntype=standalone\nhost=x\nenv_vars=A=1,B\n", 4, "missing \"=\""},
		{"empty env name", "[a]\ntype=standalone\nhost=x\nenv_vars= =1\n", 4, "no variable name"},
		{"lb on proxy", cluster + "[p]\ntype=proxy\nhost=x\nlb_procs=2\n", 11, "load balancing options given for proxy"},
		{"lb_procs text", cluster + "[w]\ntype=worker\nhost=x\nlb_procs=two\nlb_method=custom\n", 11, "not an integer"},
		{"lb_procs zero", cluster + "[w]\ntype=worker\nhost=x\nlb_procs=0\nlb_method=custom\n", 11, "greater than zero"},
		{"method without procs", cluster + "[w]\ntype=worker\nhost=x\nlb_method=custom\n", 11, "without lb_procs"},
		{"procs without method", cluster + "[w]\ntype=worker\nhost=x\nlb_procs=2\n", 11, "no load balancing method"},
		{"bad method", cluster + "[w]\ntype=worker\nhost=x\nlb_procs=2\nlb_method=rss\n", 12, "unknown load balancing method"},
		{"bad pin", cluster + "[w]\ntype=worker\nhost=x\npin_cpus=1,-2\n", 11, "non-negative"},
		{"no lb_interfaces", cluster + "[w]\ntype=worker\nhost=x\nlb_procs=2\nlb_method=interfaces\n", 12, "no lb_interfaces"},
		{"lb_interfaces count", cluster + "[w]\ntype=worker\nhost=x\nlb_procs=2\nlb_method=interfaces\nlb_interfaces=a,b,c\n", 13, "lists 3 interfaces"},
		{"threads on proxy", cluster + "[p]\ntype=proxy\nhost=x\nthreads=2\n", 11, "threads given for proxy"},
		{"threads zero", cluster + "[w]\ntype=worker\nhost=x\nthreads=0\n", 11, "threads of node"},
		{"dup expanded name", cluster + "[w-2]\ntype=worker\nhost=x\n[w]\ntype=worker\nhost=x\nlb_procs=2\nlb_method=custom\n", 11, "duplicate"},
		{"dup name case", cluster + "[W]\ntype=worker\nhost=x\n[w]\ntype=worker\nhost=y\n", 11, "duplicate"},
		{"no nodes", "# nothing\n", 0, "no nodes"},
		{"two managers", cluster + "[m2]\ntype=manager\nhost=x\n", 8, "second manager"},
		{"no manager", "[p]\ntype=proxy\nhost=x\n", 0, "no manager"},
		{"no proxy", "[m]\ntype=manager\nhost=x\n", 0, "no proxy"},
		{"standalone in cluster", cluster + "[s]\ntype=standalone\nhost=x\n", 8, "standalone"},
		{"localhost manager", "[m]\ntype=manager\nhost=localhost\n[p]\ntype=proxy\nhost=10.1.1.1\n", 4, "localhost"},
		{"af_packet prefix", cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::eth0\nlb_procs=2\nlb_method=af_packet\n", 8, "unexpected af_packet::"},
		{"af_packet value", cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::eth0\naf_packet_buffer_size=lots\n", 12, "not a count"},
		{"af_packet mode", cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::eth0\naf_packet_fanout_mode=FANOUT_RANDOM\n", 12, "fanout mode"},
		{"af_packet bool", cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::eth0\naf_packet_enable_fanout=true\n", 12, "not a bool"},
		{"fanout id range", cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::eth0\naf_packet_fanout_id=70000\n", 12, "fanout id"},
		{"fanout id shared", cluster + "[w]\ntype=worker\nhost=x\ninterface=af_packet::eth0\naf_packet_fanout_id=5\n[v]\ntype=worker\nhost=x\ninterface=af_packet::eth1\naf_packet.fanout_id=5\n", 17, "cannot span two interfaces"},
		{"interpolation", "[a]\ntype=standalone\nhost=x\ninterface=100%\n", 4, "must be followed"},
		{"interpolation ref", "[a]\ntype=standalone\nhost=x\ninterface=%(nic)s\n", 4, "names no key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, "", c.nodeCfg, nil)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a config error", err)
			}
			if !strings.HasSuffix(ce.File, "node.cfg") || ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) || ce.Fix == "" {
				t.Errorf("got %+v, want node.cfg:%d %q and a fix", ce, c.line, c.msg)
			}
		})
	}
}

func TestOtherErrors(t *testing.T) {
	cases := []struct {
		name, cfg, nodeCfg string
		files              map[string]string
		file               string
		line               int
		msg                string
	}{
		{name: "env vars", cfg: "Env_Vars = A\n", nodeCfg: cluster, file: "heronctl.cfg", line: 1, msg: "Env_Vars"},
		{name: "pf_ring type", cfg: "PFRINGClusterType = 3-tuple\n", nodeCfg: cluster + "[w]\ntype=worker\nhost=x\ninterface=eth0\nlb_procs=2\nlb_method=pf_ring\n",
			file: "heronctl.cfg", line: 1, msg: "not supported"},
		{name: "ports", cfg: "ZeekPort = 65535\n", nodeCfg: cluster, file: "heronctl.cfg", line: 1, msg: "above 65535"},
		{name: "networks", nodeCfg: cluster, files: map[string]string{"etc/networks.cfg": "10.0.0.0/8\n10.1/16 bad\n"},
			file: "networks.cfg", line: 2, msg: "not a CIDR prefix"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.cfg, c.nodeCfg, c.files)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a config error", err)
			}
			if !strings.HasSuffix(ce.File, c.file) || ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) || ce.Fix == "" {
				t.Errorf("got %+v, want %s:%d %q and a fix", ce, c.file, c.line, c.msg)
			}
		})
	}
	// A missing node.cfg names the option that points at it.
	prefix := t.TempDir()
	_, err := Load(Paths{Prefix: prefix}, Builtins{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "--node-cfg") {
		t.Errorf("missing node.cfg: %v", err)
	}
}

func TestExpansion(t *testing.T) {
	nodeCfg := `
[DEFAULT]
nic = eth3

[logger]
type = logger
host = 10.0.0.1

[manager]
type = manager
host = 10.0.0.1
env_vars = TZ=Europe/Berlin, EXTRA = x=y

[proxy-1]
type=proxy
host=10.0.0.1

[w-threads]
type=worker
host=10.0.0.2
interface=eth1
lb_method=af_packet
lb_procs=2
threads=2
pin_cpus=1,2,3,4

[w-auto]
type=worker
host=10.0.0.2
interface=%(nic)s
lb_method=af_packet
lb_procs=2
af_packet.buffer_size = (64 + 64) * 0x100000
af_packet_block_timeout = 20msec
af_packet_enable_defrag = T
af_packet_checksum_validation_mode = CHECKSUM_OFF

[w-given]
type=worker
host=10.0.0.2
interface=eth5
lb_method=af_packet
lb_procs=1
af_packet_fanout_id=23
pin_cpus=0

[w-other-host]
type=worker
host=10.0.0.3
interface=eth3
lb_method=af_packet
lb_procs=1

[pf-a]
type=worker
host=10.0.0.4
interface=eth0
lb_method=pf_ring
lb_procs=2
env_vars=PCAP_PF_RING_APPNAME=mine

[pf-b]
type=worker
host=10.0.0.4
interface=eth1
lb_method=pf_ring
lb_procs=1

[pf-zc]
type=worker
host=10.0.0.4
interface=zc:99
lb_method=pf_ring
lb_procs=2

[myri]
type=worker
host=10.0.0.5
interface=eth0
lb_method=myricom
lb_procs=3
env_vars=SNF_FLAGS=0x1
`
	cfg := "Env_Vars = TZ=UTC, LANG=C\nPFRINGClusterID = 40\nPFRINGClusterType = 6-tuple\nPFRINGFirstAppInstance = 2\nZeekPort = 5000\nMetricsPort = 0\n"
	c := mustLoad(t, cfg, nodeCfg, nil)
	byName := map[string]*Node{}
	for _, n := range c.Nodes {
		byName[n.Name] = n
	}
	wantOrder := []string{"logger", "manager", "proxy-1", "w-threads-1", "w-threads-2", "w-auto-1", "w-auto-2", "w-given-1", "w-other-host-1",
		"pf-a-1", "pf-a-2", "pf-b-1", "pf-zc-1", "pf-zc-2", "myri-1", "myri-2", "myri-3"}
	if got := nodeNames(c.Nodes); !reflect.DeepEqual(got, wantOrder) {
		t.Fatalf("order %v", got)
	}
	if c.Standalone || c.ManagerIsLogger || c.ControlPort != 5000 {
		t.Errorf("cluster flags %v %v %d", c.Standalone, c.ManagerIsLogger, c.ControlPort)
	}
	// Ports: manager first, then loggers, proxies, workers; no metrics.
	ports := map[string]int{"manager": 5001, "logger": 5002, "proxy-1": 5003, "w-threads-1": 5004, "myri-3": 5017}
	for name, p := range ports {
		if n := byName[name]; n.Port != p || n.MetricsPort != 0 {
			t.Errorf("%s: port %d metrics %d, want %d", name, n.Port, n.MetricsPort, p)
		}
	}
	check := func(name string, f func(n *Node) bool, what string) {
		t.Helper()
		if n := byName[name]; !f(n) {
			t.Errorf("%s: %s; node %+v", name, what, *n)
		}
	}
	check("manager", func(n *Node) bool {
		return reflect.DeepEqual(n.Env, map[string]string{"TZ": "Europe/Berlin", "EXTRA": "x=y", "LANG": "C"})
	}, "env: node's own wins over Env_Vars")
	check("w-threads-1", func(n *Node) bool { return reflect.DeepEqual(n.CPUs, []int{1, 2}) && n.Threads == 2 && n.Proc == 1 }, "cpus 1,2")
	check("w-threads-2", func(n *Node) bool { return reflect.DeepEqual(n.CPUs, []int{3, 4}) && n.Count == 2 }, "cpus 3,4")
	// Fanout ids: eth1 and eth3 on 10.0.0.2 get the lowest free ids
	// around the 23 that eth5 asks for; another host starts again at 23.
	for name, id := range map[string]uint64{"w-threads-1": 24, "w-threads-2": 24, "w-auto-1": 25, "w-given-1": 23, "w-other-host-1": 23} {
		check(name, func(n *Node) bool { return n.AFPacket != nil && n.AFPacket.FanoutID == id }, "fanout id")
	}
	check("w-auto-2", func(n *Node) bool {
		af := n.AFPacket
		return n.Interface == "af_packet::eth3" && n.PacketSource == "af_packet" && af.BufferSize == 128<<20 &&
			af.BlockTimeout > 0.0199 && af.BlockTimeout < 0.0201 && af.EnableDefrag && af.ChecksumValidationMode == "AF_Packet::CHECKSUM_OFF" &&
			af.FanoutMode == "AF_Packet::FANOUT_HASH" && af.BlockSize == 32768 && af.LinkType == 1
	}, "af_packet settings")
	pf := "PCAP_PF_RING_USE_CLUSTER_PER_FLOW"
	check("pf-a-1", func(n *Node) bool {
		return reflect.DeepEqual(n.Env, map[string]string{"TZ": "UTC", "LANG": "C", pf: "1", "PCAP_PF_RING_CLUSTER_ID": "40", "PCAP_PF_RING_APPNAME": "mine"}) && n.PacketSource == "pcap"
	}, "pf_ring env, own appname kept")
	check("pf-b-1", func(n *Node) bool {
		return n.Env["PCAP_PF_RING_CLUSTER_ID"] == "41" && n.Env["PCAP_PF_RING_APPNAME"] == "heron-eth1"
	}, "second interface of a host: next cluster id")
	check("pf-zc-1", func(n *Node) bool {
		return n.Interface == "zc:99@2" && n.Env["PCAP_PF_RING_ZC_RSS"] == "1" && n.Env["PCAP_PF_RING_APPNAME"] == "heron-zc:99@2" && n.Env["PCAP_PF_RING_CLUSTER_ID"] == ""
	}, "zc interface from the first app instance")
	check("pf-zc-2", func(n *Node) bool { return n.Interface == "zc:99@3" }, "next app instance")
	check("myri-2", func(n *Node) bool {
		return n.Env["SNF_NUM_RINGS"] == "3" && n.Env["SNF_FLAGS"] == "0x1" && n.Interface == "eth0"
	}, "myricom env, own flags kept")
	if len(c.Networks) != 1 || c.Networks[0].Prefix != "10.0.0.0/8" {
		t.Errorf("networks %v", c.Networks)
	}
}

func TestStandaloneAndWarnings(t *testing.T) {
	nodeCfg := "[s]\ntype=standalone\nhost=localhost\ninterface=eth0\nthreads=4\npin_cpus=0,1\nfrob=1\nlb_interfaces=a\naf_packet_fanout_id=9\n"
	c := mustLoad(t, "MetricsPort = 9000\n", nodeCfg, map[string]string{"etc/networks.cfg": ""})
	n := c.Nodes[0]
	if !c.Standalone || c.ControlPort != 0 || n.Port != 27760 || n.MetricsPort != 9000 || !reflect.DeepEqual(n.CPUs, []int{0, 1, 0, 1}) || n.Threads != 4 {
		t.Errorf("standalone node %+v", *n)
	}
	var msgs []string
	for _, w := range c.Warnings {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"node.cfg:7: ignoring unknown node option frob", "node.cfg:6: pin_cpus of [s] lists 2 CPUs", "node.cfg:8: lb_interfaces of [s] is ignored",
		"node.cfg:9: af_packet_fanout_id of [s] is ignored", "site policy local.zeek not found"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning %q in\n%s", want, all)
		}
	}
	// No networks.cfg is a warning too.
	prefix := setup(t, "", nodeCfg, nil)
	os.Remove(filepath.Join(prefix, "etc", "networks.cfg"))
	c, err := Load(Paths{Prefix: prefix}, Builtins{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range c.Warnings {
		found = found || strings.Contains(w.Msg, "no networks.cfg")
	}
	if !found {
		t.Errorf("no warning for a missing networks.cfg: %v", c.Warnings)
	}
}

func TestZeekctlCfgFallback(t *testing.T) {
	prefix := setup(t, "", "[s]\ntype=standalone\nhost=localhost\n", map[string]string{"etc/zeekctl.cfg": "ZeekPort = 4000\n"})
	os.Remove(filepath.Join(prefix, "etc", "heronctl.cfg"))
	c, err := Load(Paths{Prefix: prefix}, Builtins{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(c.Files.Config, "zeekctl.cfg") || c.Nodes[0].Port != 4000 {
		t.Errorf("zeekctl.cfg not read: %+v", c.Files)
	}
	os.Remove(filepath.Join(prefix, "etc", "zeekctl.cfg"))
	s, file, warns, err := ReadSettingsFile(Paths{Prefix: prefix}, Builtins{})
	if err != nil || file != "" || len(warns) != 1 || s.Int("ZeekPort") != 27760 {
		t.Errorf("no cfg: %v %q %v", err, file, warns)
	}
}

func TestCheckCores(t *testing.T) {
	nodes := []*Node{
		{Name: "w-1", Type: Worker, Host: "a", Threads: 2, CPUs: []int{0, 1}},
		{Name: "w-2", Type: Worker, Host: "a", Threads: 2, CPUs: []int{1, 4}},
		{Name: "m", Type: Manager, Host: "a", Threads: 1},
		{Name: "w-3", Type: Worker, Host: "b", Threads: 1},
	}
	cores := func(h string) (int, bool) { return 4, h == "a" }
	ws := CheckCores(nodes, cores)
	var msgs []string
	for _, w := range ws {
		msgs = append(msgs, w.Msg)
	}
	want := []string{"host a runs 4 analysis threads on 4 cores", "host a has 4 cores but nodes are pinned to CPU [4]", "on host a, more than one thread is pinned to CPU [1]"}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("warnings %q, want %q", msgs, want)
	}
	if ws := CheckCores(nodes[3:], cores); len(ws) != 0 {
		t.Errorf("unknown host warned: %v", ws)
	}
}

func TestEvalCount(t *testing.T) {
	for s, want := range map[string]uint64{"5": 5, "128*1024*1024": 128 << 20, " (1+2) * 3 ": 9, "0x10": 16, "10 - 4 / 2": 8, "7 % 4": 3} {
		if v, err := evalCount(s); err != nil || v != want {
			t.Errorf("evalCount(%q) = %d, %v", s, v, err)
		}
	}
	for _, s := range []string{"", "1 -", "(1", "1/0", "2-3", "99999999999*99999999999", "012", "x", "1 2"} {
		if _, err := evalCount(s); err == nil {
			t.Errorf("evalCount(%q) accepted", s)
		}
	}
}

// TestReadKey: Heron's read key gives a worker a trace to read.
func TestReadKey(t *testing.T) {
	c := mustLoad(t, "", cluster+"[w]\ntype=worker\nhost=localhost\nread = /data/t.pcap \n", nil)
	w := c.Nodes[len(c.Nodes)-1]
	if w.Name != "w" || w.Read != "/data/t.pcap" || w.Interface != "" {
		t.Errorf("%+v", w)
	}
}

// TestPacketSource checks which packet source a node captures with and
// the heron -i name heronctl gives it.
func TestPacketSource(t *testing.T) {
	for _, c := range []struct {
		iface, lb, source, heron string
	}{
		{"eth0", "", "af_packet", "eth0"},
		{"eth3", "interfaces", "af_packet", "eth3"},
		{"af_packet::eth1", "af_packet", "af_packet", "af_packet::eth1"},
		{"eth4", "pf_ring", "pcap", "pcap::eth4"},
		{"dna0@3", "pf_ring", "pcap", "pcap::dna0@3"},
		{"eth5", "myricom", "pcap", "pcap::eth5"},
		{"netmap:em0/x", "custom", "pcap", "pcap::netmap:em0/x"},
		{"pcap::eth2", "", "pcap", "pcap::eth2"},
		{"udp::0.0.0.0:4789", "", "udp", "udp::0.0.0.0:4789"},
		{"", "", "", ""},
	} {
		n := &Node{Interface: c.iface, LBMethod: c.lb}
		n.PacketSource = packetSource(n.Interface, n.LBMethod)
		if n.PacketSource != c.source || n.HeronInterface() != c.heron {
			t.Errorf("%q (lb_method %q): source %q, heron -i %q; want %q, %q", c.iface, c.lb, n.PacketSource, n.HeronInterface(), c.source, c.heron)
		}
	}
}
