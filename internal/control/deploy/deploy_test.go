package deploy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/remote"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
)

// setup writes files (path under the prefix -> text) and loads the
// configuration.
func setup(t *testing.T, files map[string]string) (*config.Cluster, string) {
	t.Helper()
	prefix := t.TempDir()
	for name, text := range files {
		p := filepath.Join(prefix, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := config.Load(config.Paths{Prefix: prefix}, config.Builtins{Prefix: prefix, User: "u", Hostname: "h"})
	if err != nil {
		t.Fatal(err)
	}
	return c, prefix
}

var clusterFiles = map[string]string{
	"etc/heronctl.cfg": "ZeekPort = 30000\nMetricsPort = 31000\nSpoolDir = /var/spool/heron\nZeekArgs = -C --seed 1\nStopTimeout = 7\n",
	"etc/networks.cfg": "10.0.0.0/8 Campus\n2001:db8::/32\n",
	"etc/node.cfg": `
[logger-1]
type = logger
host = 192.0.2.1
[manager]
type = manager
host = 192.0.2.1
[proxy-1]
type = proxy
host = 192.0.2.1
[worker-1]
type = worker
host = 192.0.2.2
interface = eth1
lb_method = af_packet
lb_procs = 2
threads = 2
pin_cpus = 2,3,4,5
aux_scripts = tuning
env_vars = A=1
[replay]
type = worker
host = 192.0.2.3
read = /data/trace.pcap
`,
	"share/heron/site/local.zeek":  "@load protocols/conn/vlan-logging\nredef tcp_inactivity_timeout = 30 min;\n",
	"share/heron/site/tuning.zeek": "redef Site::local_nets += { 192.168.0.0/16 };\n",
}

// TestLayout: the layout of a three-host cluster, field by field.
func TestLayout(t *testing.T) {
	c, _ := setup(t, clusterFiles)
	l, err := Layout(c)
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != 1 || l.Cluster != "heron" || l.SpoolDir != "/var/spool/heron" || l.LogDir != "/var/spool/heron/logger" {
		t.Errorf("header %+v", l)
	}
	if l.NATS.Embedded == nil || l.NATS.Embedded.Listen != "192.0.2.1:30000" {
		t.Errorf("nats %+v", l.NATS)
	}
	if want := []string{"policy/protocols/conn/vlan-logging"}; !reflect.DeepEqual(l.Scripts, want) {
		t.Errorf("scripts %q", l.Scripts)
	}
	if want := []string{"Site::local_nets={10.0.0.0/8,[2001:db8::]/32}", "tcp_inactivity_timeout=30 min"}; !reflect.DeepEqual(l.Options, want) {
		t.Errorf("options %q", l.Options)
	}
	// Every option the layout gives must be one heron accepts.
	ncfg := node.DefaultConfig()
	reg := options.NewRegistry()
	ncfg.Options(reg)
	for _, o := range l.Options {
		if err := reg.Apply(o); err != nil {
			t.Errorf("heron rejects the layout's option %q: %v", o, err)
		}
	}
	wantPorts := map[string]int{"manager": 31000, "logger-1": 31001, "proxy-1": 31002, "worker-1-1": 31003, "worker-1-2": 31004, "replay": 31005}
	if len(l.Nodes) != len(wantPorts) {
		t.Fatalf("nodes %v", l.Names())
	}
	for name, port := range wantPorts {
		if n := l.Nodes[name]; n == nil || n.MetricsPort != port {
			t.Errorf("%s: %+v, want metrics port %d", name, n, port)
		}
	}
	w := l.Nodes["worker-1-2"]
	if w.Type != layout.Worker || w.Host != "192.0.2.2" || w.Interface != "af_packet::eth1" || w.Threads != 2 || !reflect.DeepEqual(w.PinCPUs, []int{4, 5}) {
		t.Errorf("worker %+v", w)
	}
	for _, o := range []string{"AF_Packet::fanout_id=23", "AF_Packet::fanout_mode=AF_Packet::FANOUT_HASH", "AF_Packet::enable_fanout=T",
		"AF_Packet::buffer_size=134217728", "AF_Packet::block_timeout=10 msec", "Site::local_nets+={ 192.168.0.0/16 }"} {
		if !slices.Contains(w.Options, o) {
			t.Errorf("worker options %q lack %q", w.Options, o)
		}
	}
	if r := l.Nodes["replay"]; r.Read != "/data/trace.pcap" || r.Interface != "" || r.Threads != 1 || len(r.Options) != 0 {
		t.Errorf("replay %+v", r)
	}
	if m := l.Nodes["manager"]; m.Threads != 0 || m.Interface != "" || len(m.Options) != 0 || len(m.Scripts) != 0 {
		t.Errorf("manager %+v", m)
	}
	// What heronctl writes, a node reads back unchanged.
	b, err := EncodeLayout(l)
	if err != nil {
		t.Fatal(err)
	}
	back, err := layout.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range back.Nodes {
		n.Name = ""
		if !reflect.DeepEqual(n, l.Nodes[name]) {
			t.Errorf("%s read back as %+v, was %+v", name, n, l.Nodes[name])
		}
	}
}

// TestLayoutStandalone: a standalone node needs no NATS.
func TestLayoutStandalone(t *testing.T) {
	c, _ := setup(t, map[string]string{
		"etc/node.cfg":                "[heron]\ntype=standalone\nhost=localhost\ninterface=eth0\n",
		"etc/heronctl.cfg":            "PrivateAddressSpaceIsLocal = 0\n",
		"share/heron/site/local.zeek": "",
	})
	l, err := Layout(c)
	if err != nil {
		t.Fatal(err)
	}
	if l.NATS.Embedded != nil || l.Nodes["heron"].Type != layout.Standalone || !slices.Contains(l.Options, "Site::private_address_space_is_local=F") {
		t.Errorf("%+v %+v", l, l.Nodes["heron"])
	}
}

// TestPlans: every host's plan has its nodes in start order with their
// environment, the stop timeout and ZeekArgs.
func TestPlans(t *testing.T) {
	c, _ := setup(t, clusterFiles)
	plans := Plans(c)
	if got := Hosts(c); !reflect.DeepEqual(got, []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}) {
		t.Errorf("hosts %q", got)
	}
	p := plans["192.0.2.1"]
	var names []string
	for _, n := range p.Nodes {
		names = append(names, n.Name)
	}
	if !reflect.DeepEqual(names, []string{"logger-1", "manager", "proxy-1"}) || p.StopTimeout != 7 ||
		!reflect.DeepEqual(p.Args, []string{"-C", "--seed", "1"}) || p.Layout != "/var/spool/heron/installed-scripts-do-not-touch/cluster-layout.json" {
		t.Errorf("plan %+v", p)
	}
	w := plans["192.0.2.2"].Nodes[1]
	if w.Name != "worker-1-2" || w.Env["A"] != "1" || w.Finite {
		t.Errorf("worker %+v", w)
	}
	if r := plans["192.0.2.3"].Nodes[0]; !r.Finite {
		t.Errorf("replay %+v", r)
	}
}

// TestInstallChecksums: install copies every file once, then only what
// changed.
func TestInstallChecksums(t *testing.T) {
	files := map[string]string{}
	for k, v := range clusterFiles {
		files[k] = v
	}
	files["etc/heronctl.cfg"] = "SpoolDir = ${ZeekBase}/spool\n"
	files["bin/heron"] = "#!/bin/sh\necho heron\n"
	files["etc/node.cfg"] = "[heron]\ntype=standalone\nhost=localhost\ninterface=eth0\n"
	c, prefix := setup(t, files)
	self := filepath.Join(prefix, "heronctl-build")
	os.WriteFile(self, []byte("heronctl binary"), 0o755)
	l, err := Layout(c)
	if err != nil {
		t.Fatal(err)
	}
	h := &remote.Local{HostName: "localhost"}
	install := func() *HostResult {
		t.Helper()
		fs, err := Files(c, l, "localhost", self)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Install(context.Background(), h, fs)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := install()
	// bin/heron is already where it belongs; the rest is new.
	want := []string{filepath.Join(prefix, "bin/heronctl"), LayoutPath(prefix + "/spool"), PlanPath(prefix + "/spool"),
		filepath.Join(InstallDir(prefix+"/spool"), "networks.cfg"), filepath.Join(InstallDir(prefix+"/spool"), "site", "local.zeek")}
	if !reflect.DeepEqual(first.Copied, want) || !reflect.DeepEqual(first.Unchanged, []string{filepath.Join(prefix, "bin/heron")}) {
		t.Errorf("first install copied %q, kept %q; want %q", first.Copied, first.Unchanged, want)
	}
	if again := install(); len(again.Copied) != 0 || len(again.Unchanged) != 6 {
		t.Errorf("second install %+v", again)
	}
	os.WriteFile(self, []byte("heronctl binary, new"), 0o755)
	if third := install(); !reflect.DeepEqual(third.Copied, []string{filepath.Join(prefix, "bin/heronctl")}) {
		t.Errorf("third install %+v", third)
	}
	b, _ := os.ReadFile(filepath.Join(prefix, "bin/heronctl"))
	if st, _ := os.Stat(filepath.Join(prefix, "bin/heronctl")); string(b) != "heronctl binary, new" || st.Mode().Perm() != 0o755 {
		t.Errorf("installed heronctl %q %v", b, st.Mode())
	}
	var got layout.Layout
	b, _ = os.ReadFile(LayoutPath(prefix + "/spool"))
	if err := json.Unmarshal(b, &got); err != nil || got.Nodes["heron"] == nil {
		t.Errorf("installed layout %v %s", err, b)
	}
	if !strings.HasSuffix(string(b), "}\n") {
		t.Error("layout lacks its final newline")
	}
}

// TestLayoutSignatures: the signature files of @load-sigs lines are
// installed under signatures/ next to the layout (two files of one base
// name kept apart), and the layout names them relative to itself: the
// cluster's for what every node loads, a node's own after it. A node
// reading the installed layout finds every file.
func TestLayoutSignatures(t *testing.T) {
	files := map[string]string{}
	for k, v := range clusterFiles {
		files[k] = v
	}
	files["etc/heronctl.cfg"] = "SpoolDir = ${ZeekBase}/spool\nZeekPort = 30000\n"
	files["bin/heron"] = "#!/bin/sh\necho heron\n"
	files["share/heron/site/local.zeek"] = "@load-sigs ./user\n"
	files["share/heron/site/tuning.zeek"] = "@load-sigs other/user.sig\n"
	files["share/heron/site/user.sig"] = "signature a { payload /a/ }\n"
	files["share/heron/site/other/user.sig"] = "signature b { payload /b/ }\n"
	c, prefix := setup(t, files)
	l, err := Layout(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"signatures/user.sig"}; !reflect.DeepEqual(l.Signatures, want) {
		t.Errorf("cluster signatures %q, want %q", l.Signatures, want)
	}
	for name, n := range l.Nodes {
		var want []string
		if strings.HasPrefix(name, "worker-1") {
			want = []string{"signatures/2-user.sig"}
		}
		if !reflect.DeepEqual(n.Signatures, want) {
			t.Errorf("%s: signatures %q, want %q", name, n.Signatures, want)
		}
	}
	self := filepath.Join(prefix, "heronctl-build")
	os.WriteFile(self, []byte("heronctl binary"), 0o755)
	fs, err := Files(c, l, "192.0.2.2", self)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fs {
		got[f.Path] = string(f.Data)
	}
	dir := filepath.Dir(LayoutPath(prefix + "/spool"))
	for rel, text := range map[string]string{"signatures/user.sig": "signature a { payload /a/ }\n", "signatures/2-user.sig": "signature b { payload /b/ }\n"} {
		if g := got[filepath.Join(dir, rel)]; g != text {
			t.Errorf("installed %s = %q, want %q", rel, g, text)
		}
	}
}

// TestLayoutRotation: heronctl.cfg's rotation settings become the
// layout's "rotation", which a node reads back.
func TestLayoutRotation(t *testing.T) {
	for _, tc := range []struct {
		cfg  string
		want layout.Rotation
	}{
		{"", layout.Rotation{Interval: 3600, Compression: "gzip", ArchiveDir: "PREFIX/logs"}},
		{"LogRotationInterval = 60\nCompressExtension = zst\nLogExpireInterval = 2 day\nKeepLogs = conn.* dns.*\nLogDir = /x/logs\n",
			layout.Rotation{Interval: 60, Compression: "zstd", ArchiveDir: "/x/logs", ExpireInterval: 2 * 86400, Keep: []string{"conn.*", "dns.*"}}},
		{"LogRotationInterval = 0\nCompressLogs = 0\nLogExpireInterval = 30 min\n",
			layout.Rotation{Compression: "none", ArchiveDir: "PREFIX/logs", ExpireInterval: 1800}},
	} {
		files := map[string]string{}
		for k, v := range clusterFiles {
			files[k] = v
		}
		files["etc/heronctl.cfg"] = "SpoolDir = /var/spool/heron\n" + tc.cfg
		c, prefix := setup(t, files)
		l, err := Layout(c)
		if err != nil {
			t.Fatalf("%q: %v", tc.cfg, err)
		}
		want := tc.want
		want.ArchiveDir = strings.Replace(want.ArchiveDir, "PREFIX", prefix, 1)
		if l.Rotation == nil || !reflect.DeepEqual(*l.Rotation, want) {
			t.Errorf("%q: rotation %+v, want %+v", tc.cfg, l.Rotation, want)
			continue
		}
		b, err := EncodeLayout(l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := layout.Parse(b)
		if err != nil || !reflect.DeepEqual(back.Rotation, l.Rotation) {
			t.Errorf("%q: read back %+v, %v", tc.cfg, back.Rotation, err)
		}
	}
}
