package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func heronctl(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	numCPU = func() int { return 8 } // the same warnings on every machine
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "USER" {
			return "analyst"
		}
		return ""
	}
	status = run(args, getenv, "/nonexistent/bin/heronctl", &out, &errb)
	return out.String(), errb.String(), status
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestCommands: the text and JSON output of every command on the test
// configuration in testdata, against golden files (-update rewrites them).
func TestCommands(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"nodes", []string{"nodes"}},
		{"config", []string{"config"}},
		{"help", []string{"help"}},
		{"help-nodes", []string{"help", "nodes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, jsonOut := range []bool{false, true} {
				args := append([]string{"--prefix", "testdata"}, c.args...)
				ext := ".txt"
				if jsonOut {
					args = append(args, "--json")
					ext = ".json"
				}
				out, errOut, status := heronctl(t, args...)
				if status != 0 {
					t.Fatalf("%q: status %d, stderr %s", args, status, errOut)
				}
				if jsonOut && !json.Valid([]byte(out)) {
					t.Errorf("%q: output is not JSON", args)
				}
				golden(t, c.name+ext+".golden", out+stderrSection(errOut))
			}
		})
	}
}

// stderrSection appends what a command wrote to standard error to its
// golden output.
func stderrSection(s string) string {
	if s == "" {
		return ""
	}
	return "--- stderr\n" + s
}

func TestNodesJSONStructure(t *testing.T) {
	out, _, status := heronctl(t, "--prefix", "testdata", "nodes", "--json")
	if status != 0 {
		t.Fatal(status)
	}
	var cl config.Cluster
	if err := json.Unmarshal([]byte(out), &cl); err != nil {
		t.Fatal(err)
	}
	if len(cl.Nodes) != 7 || cl.ControlPort != 30000 || cl.ManagerIsLogger {
		t.Fatalf("cluster %+v", cl)
	}
	w := cl.Nodes[6]
	if w.Name != "worker-1-4" || w.Interface != "af_packet::eth1" || w.Threads != 2 || len(w.CPUs) != 2 || w.CPUs[0] != 8 ||
		w.AFPacket == nil || w.AFPacket.FanoutID != 23 || w.Port != 30007 || w.MetricsPort != 31006 || w.Env["TZ"] != "UTC" {
		t.Errorf("last worker %+v", w)
	}
	if len(w.Redefs) != 2 || w.Redefs[1] != "tcp_inactivity_timeout=30 min" || len(w.Scripts) != 1 {
		t.Errorf("worker policy %q %q", w.Scripts, w.Redefs)
	}
	if len(cl.Nodes[0].Redefs) != 1 {
		t.Errorf("manager redefs %q", cl.Nodes[0].Redefs)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, exitUsage, "Usage: heronctl"},
		{[]string{"frob"}, exitUsage, `unknown command "frob"`},
		{[]string{"--frob", "nodes"}, exitUsage, "unknown option --frob"},
		{[]string{"--prefix"}, exitUsage, "needs a value"},
		{[]string{"--prefix", "testdata", "nodes", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"--prefix", "testdata", "nodes", "--yaml"}, exitUsage, "unknown option --yaml"},
		{[]string{"--prefix", "testdata", "config", "x"}, exitUsage, "takes no arguments"},
		{[]string{"help", "frob"}, exitUsage, "unknown command"},
		{[]string{"help", "a", "b"}, exitUsage, "at most one"},
		{[]string{"--prefix", "testdata", "--node-cfg", "testdata/nosuch.cfg", "nodes"}, exitConfig, "does not exist"},
		{[]string{"--prefix", "testdata", "--config=testdata/nosuch.cfg", "config"}, exitConfig, "no such file"},
	}
	for _, c := range cases {
		_, errOut, status := heronctl(t, c.args...)
		if status != c.status || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%q: status %d, stderr %q; want %d, %q", c.args, status, errOut, c.status, c.stderr)
		}
	}
	out, _, status := heronctl(t, "--version")
	if status != 0 || !strings.HasPrefix(out, "heronctl ") {
		t.Errorf("--version: %d %q", status, out)
	}
	out, _, status = heronctl(t, "nodes", "--help")
	if status != 0 || !strings.Contains(out, "Usage: heronctl nodes") {
		t.Errorf("nodes --help: %d %q", status, out)
	}
}

func TestConfigErrorMessage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "heronctl.cfg")
	os.WriteFile(cfg, []byte("ZeekPort = lots\n"), 0o644)
	_, errOut, status := heronctl(t, "--config", cfg, "config")
	want := "heronctl: " + cfg + ":1: option ZeekPort has the value \"lots\", which is not an integer; use a whole number\n"
	if status != exitConfig || errOut != want {
		t.Errorf("status %d, stderr %q, want %q", status, errOut, want)
	}
}

// TestSharedExamples runs heronctl nodes, text and JSON, on every node.cfg
// of ../shared/zeekctl-examples with the zeekctl.cfg and networks.cfg
// there, against golden files (the shared folder's path is written as
// SHARED).
func TestSharedExamples(t *testing.T) {
	dir := filepath.Join(refdata.Shared(t), "zeekctl-examples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.node.cfg"))
	if len(files) == 0 {
		t.Skipf("no examples in %s", dir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".node.cfg")
		if _, err := os.Stat(filepath.Join("testdata", "example-"+name+".txt.golden")); err != nil && !*update {
			t.Errorf("no golden output for the new example %s: run with -update and check it against the file's top comment", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, jsonOut := range []bool{false, true} {
				args := []string{"--prefix", "/nonexistent", "--config", filepath.Join(dir, "zeekctl.cfg"),
					"--node-cfg", f, "--networks-cfg", filepath.Join(dir, "networks.cfg"), "nodes"}
				ext := ".txt"
				if jsonOut {
					args = append(args, "--json")
					ext = ".json"
				}
				out, errOut, status := heronctl(t, args...)
				if status != 0 {
					t.Fatalf("status %d: %s", status, errOut)
				}
				all := strings.ReplaceAll(out+stderrSection(errOut), dir, "SHARED")
				golden(t, "example-"+name+ext+".golden", all)
			}
		})
	}
}

// TestCoresWarning: a host whose cores heronctl knows (this one) gets the
// check's warning when its workers' threads leave no core free.
func TestCoresWarning(t *testing.T) {
	dir := t.TempDir()
	nodeCfg := filepath.Join(dir, "node.cfg")
	os.WriteFile(nodeCfg, []byte("[s]\ntype=standalone\nhost=localhost\ninterface=eth0\nthreads=8\n"), 0o644)
	out, errOut, status := heronctl(t, "--prefix", dir, "--node-cfg", nodeCfg, "nodes", "--json")
	if status != 0 || !strings.Contains(errOut, "host localhost runs 8 analysis threads on 8 cores") ||
		!strings.Contains(out, `"message": "host localhost runs 8 analysis threads on 8 cores"`) {
		t.Errorf("status %d\n%s\n%s", status, out, errOut)
	}
}
