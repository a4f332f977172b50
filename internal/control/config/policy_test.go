package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sitePolicy = `# Site policy for every node.
@load misc/stats
@load protocols/conn/vlan-logging   # VLANs in conn.log
@load tuning

redef ignore_checksums = T;
redef Site::local_nets += {
	192.168.0.0/16,   # lab
	172.16.0.0/12,
};
redef Weird::sampling_duration = 10 min ;
redef LogAscii::use_json = T;
redef Log::default_logdir = "/data/logs # not a comment";
redef HTTP::ports += { 8080/tcp };
redef dns_max_queries = 10;
`

const tuning = `redef tcp_inactivity_timeout = 2 hrs;
@load local   # the site file again: loaded once
@load-sigs my.sig
`

func TestSitePolicy(t *testing.T) {
	nodeCfg := cluster + "[w]\ntype=worker\nhost=10.0.0.2\ninterface=eth0\naux_scripts=policy/protocols/conn/mac-logging extra\n"
	files := map[string]string{
		"share/heron/site/local.zeek":  sitePolicy,
		"share/heron/site/tuning.zeek": tuning,
		"share/heron/site/my.sig":      "signature s { payload /x/ event \"x\" }\n",
		"share/heron/site/extra.zeek":  "redef ignore_checksums = F;\n@load misc/stats\n",
	}
	c := mustLoad(t, "", nodeCfg, files)
	base := []string{"policy/misc/stats", "policy/protocols/conn/vlan-logging"}
	// tuning's redef comes first: it is @loaded before local's redefs.
	baseRedefs := []string{
		"tcp_inactivity_timeout=2 hrs",
		"ignore_checksums=T",
		"Site::local_nets+={ 192.168.0.0/16, 172.16.0.0/12, }",
		"Weird::sampling_duration=10 min",
		"LogAscii::use_json=T",
		"Log::default_logdir=/data/logs # not a comment",
		"HTTP::ports+={ 8080/tcp }",
		"dns_max_queries=10",
	}
	for _, n := range c.Nodes {
		scripts, redefs := base, baseRedefs
		if n.Name == "w" {
			scripts = append(append([]string{}, base...), "policy/protocols/conn/mac-logging")
			redefs = append(append([]string{}, baseRedefs...), "ignore_checksums=F")
		}
		if !reflect.DeepEqual(n.Scripts, scripts) {
			t.Errorf("%s: scripts %q, want %q", n.Name, n.Scripts, scripts)
		}
		if !reflect.DeepEqual(n.Redefs, redefs) {
			t.Errorf("%s: redefs\n%q\nwant\n%q", n.Name, n.Redefs, redefs)
		}
		if len(n.Signatures) != 1 || filepath.Base(n.Signatures[0]) != "my.sig" {
			t.Errorf("%s: signatures %q", n.Name, n.Signatures)
		}
	}
	if len(c.Files.SitePolicy) != 3 {
		t.Errorf("site policy files %q", c.Files.SitePolicy)
	}
	// misc/stats is a Zeek script Heron does not have yet: a warning
	// points at the @load.
	for _, w := range c.Warnings {
		if !strings.Contains(w.Msg, "does not implement yet") {
			t.Errorf("unexpected warning %s", w)
		} else if strings.Contains(w.Msg, "policy/misc/stats") && (w.Line != 2 || !strings.HasSuffix(w.File, "local.zeek")) {
			t.Errorf("warning at %s:%d", w.File, w.Line)
		}
	}
}

func TestSitePolicyErrors(t *testing.T) {
	cases := []struct {
		name, policy string
		line         int
		msg, fix     string
	}{
		{"unknown script", "@load misc/statz\n", 1, "neither a site policy file nor a Zeek script", "did you mean misc/stats?"},
		{"two names", "@load a b\n", 1, "not an @load of one script", ""},
		{"unknown option", "\n# x\nredef digest_salt = \"x\";\n", 3, "digest_salt is not an option Heron knows", "remove the line"},
		{"bad value", "redef ignore_checksums = yes;\n", 1, "redef ignore_checksums = yes", "bool"},
		{"bad string", "redef Log::default_logdir = /tmp;\n", 1, "redef Log::default_logdir", ""},
		{"no operator", "redef ignore_checksums T;\n", 1, "not a redef of an option", ""},
		{"bool +=", "redef ignore_checksums += T;\n", 1, "+= does not apply to bool", "use = instead"},
		{"unterminated", "redef Site::local_nets += {\n 10.0.0.0/8,\n", 1, "without its closing", ""},
		{"redef record", "redef record Conn::Info += { x: count &log; };\n", 1, "changes a Zeek type", ""},
		{"event", "@load misc/stats\nevent zeek_init() { print 1; }\n", 2, "Zeek script code", "Heron runs no Zeek script code"},
		{"directive", "@if ( T )\n", 1, "the directive @if", ""},
		{"missing sig", "@load-sigs nosuch\n", 1, "signature file \"nosuch\" not found", ""},
		{"loop", "@load local\n@load misc/stats\n", 0, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, "", cluster, map[string]string{"share/heron/site/local.zeek": c.policy})
			if c.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a config error", err)
			}
			if !strings.HasSuffix(ce.File, "local.zeek") || ce.Line != c.line || !strings.Contains(ce.Msg, c.msg) || !strings.Contains(ce.Fix, c.fix) || ce.Fix == "" {
				t.Errorf("got %+v, want local.zeek:%d %q, fix %q", ce, c.line, c.msg, c.fix)
			}
		})
	}
	// A name in heronctl.cfg or node.cfg that is neither is reported there.
	_, err := load(t, "SitePolicyScripts = local.zeek nosuch-policy\n", cluster, map[string]string{"share/heron/site/local.zeek": ""})
	var ce *Error
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.File, "heronctl.cfg") || ce.Line != 1 {
		t.Errorf("SitePolicyScripts error: %v", err)
	}
	_, err = load(t, "", cluster+"[w]\ntype=worker\nhost=x\naux_scripts=nosuch\n", map[string]string{"share/heron/site/local.zeek": ""})
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.File, "node.cfg") || ce.Line != 11 {
		t.Errorf("aux_scripts error: %v", err)
	}
}

func TestStatementEnds(t *testing.T) {
	for s, want := range map[string]bool{
		"redef a = 1;": true, "redef a = 1; ": true, "redef a = {": false, "redef a = { 1; }": false,
		"redef a = { 1 };": true, `redef a = "x;"`: false, `redef a = "x;";`: true, `redef a = "\";"`: false,
	} {
		if got := statementEnds(s); got != want {
			t.Errorf("statementEnds(%q) = %v", s, got)
		}
	}
	if got := stripComment(`redef a = "#x"; # c`); got != `redef a = "#x"; ` {
		t.Errorf("stripComment = %q", got)
	}
}
