package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/deploy"
)

// policyPrefix writes a two-host cluster configuration with a site
// policy (the command tests' node.cfg, IPv4 networks) under a new prefix,
// with files added or replaced by extra (path under the prefix -> text).
func policyPrefix(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	nodeCfg, err := os.ReadFile(filepath.Join("testdata", "etc", "node.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"etc/heronctl.cfg": "ZeekPort = 30000\nMetricsPort = 31000\nEnv_Vars = TZ=UTC\nSendMail =\n",
		"etc/node.cfg":     string(nodeCfg),
		"etc/networks.cfg": "10.0.0.0/8 Campus\n",
		"share/heron/site/local.zeek": "# Site policy of the print and scripts tests.\n@load protocols/conn/vlan-logging\n" +
			"redef Site::local_nets += { 192.168.0.0/16 };\nredef ignore_checksums = T;\n",
		"share/heron/site/worker-tuning.zeek": "redef tcp_inactivity_timeout = 30 min;\nredef HTTP::ports += { 8081/tcp };\n" +
			"redef Log::default_logdir = \"/var/log/heron \\\"x\\\"\";\n@load protocols/conn/known-hosts\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// prefixFix replaces the prefix in output with PREFIX.
func prefixFix(prefix string) func(string) string {
	return func(s string) string { return strings.ReplaceAll(s, prefix, "PREFIX") }
}

// TestPrintAndScripts: print and scripts, text and JSON, against golden
// files, from the configuration (nothing installed).
func TestPrintAndScripts(t *testing.T) {
	prefix := policyPrefix(t, nil)
	cases := []struct {
		name string
		args []string
	}{
		{"print-local-nets", []string{"print", "Site::local_nets"}},
		{"print-timeout", []string{"print", "tcp_inactivity_timeout", "manager", "worker-1-1"}},
		{"print-http-ports", []string{"print", "HTTP::ports", "proxies", "worker-1-2"}},
		{"print-string", []string{"print", "Log::default_logdir", "manager", "worker-1-3"}},
		{"print-unknown", []string{"print", "No::such_option", "logger"}},
		{"print-fanout", []string{"print", "AF_Packet::fanout_id", "workers"}},
		{"scripts-manager", []string{"scripts", "-c", "manager"}},
		{"scripts-worker", []string{"scripts", "worker-1-4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			goldenTextAndJSON(t, c.name, append([]string{"--prefix", prefix}, c.args...), prefixFix(prefix))
		})
	}
}

// TestPrintInstalled: print and scripts read the installed layout when
// there is one, and say so; a node the installed layout lacks is an
// error.
func TestPrintInstalled(t *testing.T) {
	prefix := policyPrefix(t, nil)
	cl, err := config.Load(config.Paths{Prefix: prefix}, config.Builtins{Prefix: prefix, User: "analyst"})
	if err != nil {
		t.Fatal(err)
	}
	lay, err := deploy.Layout(cl)
	if err != nil {
		t.Fatal(err)
	}
	// The installed layout is older: the workers had another timeout.
	for name, n := range lay.Nodes {
		if strings.HasPrefix(name, "worker-") {
			for i, o := range n.Options {
				if strings.HasPrefix(o, "tcp_inactivity_timeout") {
					n.Options[i] = "tcp_inactivity_timeout=2 hrs"
				}
			}
		}
	}
	delete(lay.Nodes, "worker-1-4")
	b, err := deploy.EncodeLayout(lay)
	if err != nil {
		t.Fatal(err)
	}
	path := deploy.LayoutPath(filepath.Join(prefix, "spool"))
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, status := heronctl(t, "--prefix", prefix, "print", "tcp_inactivity_timeout", "manager", "worker-1-1")
	if want := "     manager   tcp_inactivity_timeout = 5.0 mins\n  worker-1-1   tcp_inactivity_timeout = 2.0 hrs\n"; status != 0 || out != want || errOut != "" {
		t.Errorf("print: status %d\n%s--- stderr\n%s--- want\n%s", status, out, errOut, want)
	}
	out, errOut, status = heronctl(t, "--prefix", prefix, "print", "tcp_inactivity_timeout", "worker-1-4", "--json")
	var res struct {
		Layout string `json:"layout"`
		Nodes  []struct {
			Node, Error string
		} `json:"nodes"`
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || status != exitConfig || res.Layout != path || len(res.Nodes) != 1 ||
		!strings.Contains(res.Nodes[0].Error, "worker-1-4 is not in the layout "+path+": run heronctl install") || len(res.Errors) != 1 {
		t.Errorf("print of a node not installed: status %d, %v\n%s%s", status, err, out, errOut)
	}
	// scripts -c reads the configuration; without -c, the installed layout.
	if _, _, status := heronctl(t, "--prefix", prefix, "scripts", "-c", "worker-1-4"); status != 0 {
		t.Errorf("scripts -c worker-1-4: status %d", status)
	}
	out, _, status = heronctl(t, "--prefix", prefix, "scripts", "worker-1-4")
	if status != exitConfig || out != "worker-1-4 scripts failed.\n" {
		t.Errorf("scripts worker-1-4 (not installed): status %d %q", status, out)
	}
}

func TestPrintUsage(t *testing.T) {
	prefix := policyPrefix(t, nil)
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"print"}, "heronctl print: give the option to print (heron --help-options lists them)\n"},
		{[]string{"print", "ignore_checksums", "nosuch"}, `heronctl print: unknown node "nosuch"`},
		{[]string{"scripts", "-x"}, "heronctl scripts: unknown option -x\n"},
		{[]string{"process"}, "heronctl process: the process command requires the pathname of a trace file\n"},
		{[]string{"process", "x.pcap", "--", "a", "--", "b"}, `heronctl process: cannot parse the arguments of the process command (too many "--")` + "\n"},
		{[]string{"cron", "sometimes"}, `heronctl cron: invalid cron argument "sometimes" (give enable, disable or ?)` + "\n"},
		{[]string{"cron", "enable", "--no-watch"}, "heronctl cron: give one of enable, disable, ? or --no-watch\n"},
	} {
		_, errOut, status := heronctl(t, append([]string{"--prefix", prefix}, c.args...)...)
		if status != exitUsage || !strings.HasPrefix(errOut, c.stderr) {
			t.Errorf("%q: status %d, stderr %q; want %q", c.args, status, errOut, c.stderr)
		}
	}
}

func TestZeekFmt(t *testing.T) {
	prefix := policyPrefix(t, nil)
	out, _, _ := heronctl(t, "--prefix", prefix, "print", "Log::default_logdir", "worker-1-1")
	if want := "  worker-1-1   Log::default_logdir = /var/log/heron \"x\"\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
