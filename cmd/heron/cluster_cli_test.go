package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseClusterArgs(t *testing.T) {
	inv, err := parseArgs([]string{"--node", "worker-1", "--cluster=/etc/heron/layout.json", "-C"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.node != "worker-1" || inv.cluster != "/etc/heron/layout.json" || !inv.noChecksums {
		t.Errorf("parsed %+v", *inv)
	}
	if _, err := parseArgs([]string{"--node"}); err == nil || !strings.Contains(err.Error(), "--node needs a value") {
		t.Errorf("--node without a name: %v", err)
	}
}

// TestClusterCLI: how `heron --node` finds its layout and node, and the
// one-line errors and exit statuses of what it cannot run.
func TestClusterCLI(t *testing.T) {
	dir := t.TempDir()
	trace := writeTrace(t, dir)
	layoutFile := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	solo := layoutFile("solo.json", `{"version": 1, "log_dir": "`+filepath.Join(dir, "solo-logs")+`",
	  "spool_dir": "`+filepath.Join(dir, "spool")+`",
	  "nodes": {"solo": {"type": "standalone", "read": "`+filepath.Base(trace)+`"}}}`)
	badOpt := layoutFile("badopt.json", `{"version": 1, "log_dir": "x", "spool_dir": "y", "options": ["Nope::frob=1"],
	  "nodes": {"solo": {"type": "standalone", "read": "t.pcap"}}}`)
	typo := layoutFile("typo.json", `{"version": 1, "nodes": {"solo": {"type": "standalone", "raed": "t.pcap"}}}`)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in the one line on stderr
	}{
		{name: "no layout", args: []string{"--node", "w", "--cluster", filepath.Join(dir, "none.json")}, code: 1, want: "--cluster FILE or HERON_CLUSTER_LAYOUT"},
		{name: "unknown node", args: []string{"--node", "w", "--cluster", solo}, code: 1, want: `has no node "w" (it has solo)`},
		{name: "layout from the environment", env: map[string]string{"HERON_CLUSTER_LAYOUT": solo}, args: []string{"--node", "x"}, code: 1, want: `has no node "x"`},
		{name: "node from the environment", env: map[string]string{"CLUSTER_NODE": "y", "HERON_CLUSTER_LAYOUT": solo}, code: 1, want: `has no node "y"`},
		{name: "unknown field", args: []string{"--node", "solo", "--cluster", typo}, code: 1, want: `unknown field "raed"`},
		{name: "bad option", args: []string{"--node", "solo", "--cluster", badOpt}, code: 1, want: "Nope::frob"},
		{name: "trace given too", args: []string{"--node", "solo", "--cluster", solo, "-r", trace}, code: 2, want: "drop -r/-i"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("CLUSTER_NODE", "")
			t.Setenv("HERON_CLUSTER_LAYOUT", "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runCLI(c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "heron: ") {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", code, stderr, c.code, c.want)
			}
		})
	}
	t.Run("standalone node", func(t *testing.T) {
		// CLUSTER_NODE names the node; its "read" is relative to the
		// layout file; its logs go to the layout's log_dir.
		t.Setenv("CLUSTER_NODE", "solo")
		t.Setenv("HERON_CLUSTER_LAYOUT", solo)
		code, _, stderr := runCLI("--seed", "5")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		recs := clusterRecords(t, filepath.Join(dir, "solo-logs"))
		if len(recs["conn.log"]) != 2 {
			t.Errorf("conn.log has %d records, want 2: %q", len(recs["conn.log"]), recs["conn.log"])
		}
	})
}
