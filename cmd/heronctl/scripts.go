package main

import (
	"fmt"
	"io"

	"github.com/heron-nsm/heron/internal/control/config"
)

var scriptsCommand = &command{
	name:    "scripts",
	args:    " [-c] [NODE...]",
	summary: "List the Zeek scripts each node loads.",
	help: `Lists, for each node, the Zeek scripts it loads in the order it loads
them, as zeekctl's scripts: "NODE scripts are ok." and then one script
per line: Zeek's base scripts, then those the site policy (SitePolicyScripts,
aux_scripts) names, each after what it loads. heronctl works the list out
from the installed cluster layout on this machine; with -c, or when
nothing is installed here, from the configuration as it is now (the site
policy files in SitePolicyPath, not yet installed), as zeekctl's -c does.
With --json each node also has the scripts its site policy names and the
site policy files read.
`,
	run: onNodes(runScripts, "-c"),
}

func runScripts(x *session, nodes []*config.Node) int {
	lay, from := x.lay, ""
	if !x.flags["-c"] {
		l, path, err := x.nodesLayout()
		if err != nil {
			return fail(x.e, err)
		}
		lay, from = l, path
	}
	type nodeScripts struct {
		Node   string   `json:"node"`
		Named  []string `json:"named"`
		Loaded []string `json:"loaded"`
		Error  string   `json:"error,omitempty"`
	}
	out := []nodeScripts{}
	var problems []string
	for _, n := range nodes {
		ns := nodeScripts{Node: n.Name, Named: []string{}, Loaded: []string{}}
		if v, err := evalNode(lay, n.Name); err != nil {
			ns.Error = err.Error()
			problems = append(problems, err.Error())
		} else {
			ns.Named = append(ns.Named, v.named...)
			ns.Loaded = append(ns.Loaded, v.loaded.Order()...)
		}
		out = append(out, ns)
	}
	policy := x.cl.Files.SitePolicy
	if from != "" {
		policy = nil // the installed layout names scripts, not files
	}
	return x.finish(problems, map[string]any{"layout": from, "site_policy": orEmpty(policy), "nodes": out}, func(w io.Writer) {
		for _, ns := range out {
			if ns.Error != "" {
				fmt.Fprintf(w, "%s scripts failed.\n", ns.Node)
				continue
			}
			fmt.Fprintf(w, "%s scripts are ok.\n", ns.Node)
			for _, s := range ns.Loaded {
				fmt.Fprintf(w, "  %s\n", s)
			}
		}
	})
}
