package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/testutil/heronbin"
)

func TestCaptureInterfaces(t *testing.T) {
	nodes := []*config.Node{
		{Type: config.Worker, Host: "a", Interface: "af_packet::eth1"},
		{Type: config.Worker, Host: "a", Interface: "af_packet::eth1"},
		{Type: config.Worker, Host: "a", Interface: "pcap::eth4"},
		{Type: config.Worker, Host: "a", Interface: "eth2"},
		{Type: config.Worker, Host: "a", Interface: "netmap:em0/x"},
		{Type: config.Worker, Host: "a", Interface: "dna0@3"},
		{Type: config.Worker, Host: "a", Interface: "udp::0.0.0.0:4789"},
		{Type: config.Worker, Host: "b", Interface: "eth9"},
		{Type: config.Manager, Host: "a"},
		{Type: config.Standalone, Host: "a", Interface: "eth3"},
	}
	if got, want := captureInterfaces(nodes, "a"), []string{"eth1", "eth4", "eth2", "eth3"}; !slices.Equal(got, want) {
		t.Errorf("captureInterfaces(a) = %q, want %q", got, want)
	}
}

// TestCheckOffloads runs check on a cluster whose worker captures from a
// veth with TSO and GSO on: check warns with the ethtool -K fix, as heron
// would when it starts capturing; with them off it does not.
func TestCheckOffloads(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("creating a veth pair needs root")
	}
	if testing.Short() {
		t.Skip("builds heron")
	}
	for _, tool := range []string{"ip", "ethtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	veth := fmt.Sprintf("hco%d", os.Getpid()%100000)
	if out, err := exec.Command("ip", "link", "add", veth, "type", "veth", "peer", "name", veth+"p").CombinedOutput(); err != nil {
		t.Skipf("cannot create a veth pair: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", veth).Run() })
	ethtoolK := func(state string) {
		if out, err := exec.Command("ethtool", "-K", veth, "tso", state, "gso", state, "gro", "off", "rx", "off").CombinedOutput(); err != nil {
			t.Fatalf("ethtool -K %s: %v %s", veth, err, out)
		}
	}
	heron := heronbin.Path(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "heronctl.cfg"), []byte("SitePolicyScripts =\nZeek = "+heron+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "node.cfg"), []byte("[m]\ntype=manager\nhost=localhost\n[p]\ntype=proxy\nhost=localhost\n[w]\ntype=worker\nhost=localhost\ninterface="+veth+"\nlb_method=af_packet\nlb_procs=1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "networks.cfg"), []byte("10.0.0.0/8\n"), 0o644)

	ethtoolK("on")
	_, errOut, status := heronctl(t, "--prefix", dir, "check")
	if status != 0 || !strings.Contains(errOut, "on localhost, "+veth+" has offloads on (TSO, GSO)") || !strings.Contains(errOut, "ethtool -K "+veth+" tso off gso off") {
		t.Errorf("check with offloads on: status %d, stderr:\n%s", status, errOut)
	}
	ethtoolK("off")
	_, errOut, status = heronctl(t, "--prefix", dir, "check")
	if status != 0 || strings.Contains(errOut, "offloads") {
		t.Errorf("check with offloads off: status %d, stderr:\n%s", status, errOut)
	}
}
