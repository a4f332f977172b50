package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/control/config"
)

var nodesCommand = &command{
	name:    "nodes",
	summary: "Show the nodes node.cfg expands to (connects to nothing).",
	help: `Reads heronctl.cfg (or zeekctl.cfg), node.cfg, networks.cfg and the site
policy, expands every node.cfg section into the processes heronctl runs, and
prints them in the order heronctl starts them: loggers, manager, proxies,
workers. Problems that do not stop heronctl are printed as warnings on
standard error; with --json they are also in the output.

node.cfg sections take zeekctl's keys: type (standalone, logger, manager,
proxy, worker), host, interface, lb_method (af_packet, pf_ring, myricom,
custom, interfaces), lb_procs, lb_interfaces, pin_cpus, env_vars,
aux_scripts, zone_id and af_packet_* (buffer_size, block_size,
block_timeout, enable_hw_timestamping, enable_fanout, enable_defrag,
fanout_mode, fanout_id, link_type, checksum_validation_mode); and Heron's
threads, the analysis threads of each worker process (pin_cpus then lists
lb_procs x threads CPUs).
`,
	run: runNodes,
}

func runNodes(e *env, c *command, args []string) int {
	jsonOut, status, stop := noArgFlags(e, c, args)
	if stop {
		return status
	}
	cl, err := config.Load(e.paths, e.builtins)
	if err != nil {
		return fail(e, err)
	}
	cl.Warnings = append(cl.Warnings, config.CheckCores(cl.Nodes, e.cores)...)
	if cl.Warnings == nil {
		cl.Warnings = []config.Warning{}
	}
	if cl.Networks == nil {
		cl.Networks = []config.Network{}
	}
	warn(e, cl.Warnings)
	if jsonOut {
		if err := writeJSON(e.stdout, cl); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	writeNodes(e.stdout, cl)
	return exitOK
}

// writeNodes prints one line per node: name, type and host in columns,
// then what else the node has as key=value pairs.
func writeNodes(w io.Writer, cl *config.Cluster) {
	nameW, typeW, hostW := 4, 4, 4
	for _, n := range cl.Nodes {
		nameW = max(nameW, len(n.Name))
		typeW = max(typeW, len(n.Type))
		hostW = max(hostW, len(n.Host))
	}
	for _, n := range cl.Nodes {
		var kv []string
		add := func(k, v string) {
			if v != "" {
				kv = append(kv, k+"="+v)
			}
		}
		add("interface", n.Interface)
		if af := n.AFPacket; af != nil && af.EnableFanout {
			add("fanout_id", strconv.FormatUint(af.FanoutID, 10))
			add("fanout_mode", strings.TrimPrefix(af.FanoutMode, "AF_Packet::"))
		}
		if n.Threads != 1 {
			add("threads", strconv.Itoa(n.Threads))
		}
		if len(n.CPUs) > 0 {
			cpus := make([]string, len(n.CPUs))
			for i, c := range n.CPUs {
				cpus[i] = strconv.Itoa(c)
			}
			add("cpus", strings.Join(cpus, ","))
		}
		add("port", strconv.Itoa(n.Port))
		if n.MetricsPort != 0 {
			add("metrics_port", strconv.Itoa(n.MetricsPort))
		}
		keys := make([]string, 0, len(n.Env))
		for k := range n.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		env := make([]string, len(keys))
		for i, k := range keys {
			env[i] = k + "=" + n.Env[k]
		}
		add("env", strings.Join(env, ","))
		add("scripts", strings.Join(n.Scripts, ","))
		redefs := make([]string, len(n.Redefs))
		for i, r := range n.Redefs {
			redefs[i] = r
			if strings.ContainsAny(r, " ,\"") {
				redefs[i] = strconv.Quote(r)
			}
		}
		add("redefs", strings.Join(redefs, ","))
		add("signatures", strings.Join(n.Signatures, ","))
		fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s\n", nameW, n.Name, typeW, n.Type, hostW, n.Host, strings.Join(kv, " "))
	}
}

var configCommand = &command{
	name:    "config",
	summary: "Show the global options with their values.",
	help: `Reads heronctl.cfg (or, when there is none, zeekctl.cfg) and prints every
option as "name = value", sorted by name in lower case, as zeekctl's config
command does. The file uses zeekctl.cfg's syntax: "Option = value" lines,
"#" comment lines, option names in any case, ${Option} to use another
option's value (${Option:default} when it may be unset). Options zeekctl
has that Heron does not use are accepted and listed; with --json each
option says whether Heron uses it ("heron") and where it was set.
`,
	run: runConfig,
}

func runConfig(e *env, c *command, args []string) int {
	jsonOut, status, stop := noArgFlags(e, c, args)
	if stop {
		return status
	}
	s, file, warns, err := config.ReadSettingsFile(e.paths, e.builtins)
	if err != nil {
		return fail(e, err)
	}
	warn(e, warns)
	list := s.List()
	if jsonOut {
		if warns == nil {
			warns = []config.Warning{}
		}
		out := struct {
			File     string           `json:"file"`
			Options  []config.Setting `json:"options"`
			Warnings []config.Warning `json:"warnings"`
		}{file, list, warns}
		if err := writeJSON(e.stdout, out); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	for _, st := range list {
		fmt.Fprintf(e.stdout, "%s = %s\n", strings.ToLower(st.Name), formatValue(st.Value))
	}
	return exitOK
}

// formatValue prints a value as zeekctl's config command does (Python's
// str: True and False for bools).
func formatValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}
