package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/deploy"
	"github.com/heron-nsm/heron/internal/control/disk"
	"github.com/heron-nsm/heron/internal/control/remote"
	"github.com/heron-nsm/heron/internal/control/supervise"
)

// takeFlag removes a boolean option from args.
func takeFlag(args []string, name string) (bool, []string) {
	var rest []string
	found := false
	for i, a := range args {
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if a == name {
			found = true
			continue
		}
		rest = append(rest, a)
	}
	return found, rest
}

// prelude parses a cluster command's options and loads the cluster.
func prelude(e *env, c *command, args []string) (cl *cluster, jsonOut bool, rest []string, status int, stop bool) {
	jsonOut, rest, status, stop = commandFlags(e, c, args)
	if stop {
		return nil, false, nil, status, true
	}
	cl, err := loadCluster(e)
	if err != nil {
		return nil, false, nil, fail(e, err), true
	}
	warn(e, cl.cl.Warnings)
	return cl, jsonOut, rest, 0, false
}

// report prints problems on stderr and returns the exit status.
func report(e *env, problems []string) int {
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "heronctl: %s\n", p)
	}
	if len(problems) > 0 {
		return exitConfig
	}
	return exitOK
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var installCommand = &command{
	name:    "install",
	summary: "Install the layout, heron and the configuration on every host.",
	help: `Generates the cluster layout (SpoolDir/installed-scripts-do-not-touch/
cluster-layout.json) from the configuration, and puts it, each host's
supervisor plan, the heron and heronctl programs (BinDir), networks.cfg and
the site policy files on every host. Only files whose SHA-256 differs from
the host's copy are copied: this machine's hosts by file copy, the others
through SSH (SSHUser, SSHPort, SSHKeyFile, SSHKnownHosts). Running nodes
keep the old configuration until they are restarted.
`,
	run: onCluster(runInstall),
}

func runInstall(x *session) int {
	results, problems := x.install(x.say)
	return x.finish(problems, map[string]any{"hosts": results}, nil)
}

// install runs install on every host.
func (c *cluster) install(say func(string)) ([]*deploy.HostResult, []string) {
	say("generating cluster-layout.json ...")
	self, err := executable()
	if err != nil {
		return nil, []string{err.Error()}
	}
	results := make([]*deploy.HostResult, len(c.hosts))
	errs := c.eachHost(c.hosts, func(h string) error {
		i := indexOf(c.hosts, h)
		results[i] = &deploy.HostResult{Host: h, Copied: []string{}, Unchanged: []string{}}
		files, err := deploy.Files(c.cl, c.lay, h, self)
		if err != nil {
			return err
		}
		conn, err := c.host(h)
		if err != nil {
			return err
		}
		res, err := deploy.Install(c.ctx, conn, files)
		results[i] = res
		return err
	})
	var problems []string
	for i, h := range c.hosts {
		if err := errs[h]; err != nil {
			results[i].Error = err.Error()
			problems = append(problems, fmt.Sprintf("install on %s failed: %v", h, err))
			continue
		}
		say(fmt.Sprintf("installing on %s: %d files copied, %d unchanged", h, len(results[i].Copied), len(results[i].Unchanged)))
	}
	return results, problems
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

var startCommand = &command{
	name:    "start",
	args:    " [NODE...]",
	summary: "Start the nodes (all, or those named).",
	help: `Starts the nodes in zeekctl's order: loggers, manager, proxies, workers.
Each host's supervisor (started when none runs) starts its nodes and
restarts one that crashes within seconds (1 s, 2 s, 4 s, ... at most 60 s).
NODE is a node name, a type (logger, manager, proxies, workers) or all.
Run install (or deploy) first.
`,
	run: onNodes(runStart),
}

func runStart(x *session, nodes []*config.Node) int {
	states, problems := x.startNodes(nodes, x.say)
	return x.finish(problems, map[string]any{"nodes": resultsOf(nodes, states, nil)}, nil)
}

// resultsOf returns the lines of nodes for the JSON output: each node's
// state, or, for a node states does not have, "unknown" with the error of
// its host in errs (which may be nil).
func resultsOf(nodes []*config.Node, states map[string]supervise.NodeState, errs map[string]error) []nodeResult {
	out := []nodeResult{}
	for _, n := range nodes {
		st, ok := states[n.Name]
		r := nodeResult{NodeState: st}
		if !ok {
			r.NodeState = supervise.NodeState{Name: n.Name, Type: n.Type, Host: n.Host, Status: "unknown"}
			if err := errs[n.Host]; err != nil {
				r.Error = err.Error()
			}
		}
		out = append(out, r)
	}
	return out
}

var stopCommand = &command{
	name:    "stop",
	args:    " [NODE...]",
	summary: "Stop the nodes (all, or those named).",
	help: `Stops the nodes in the order workers, proxies, loggers, manager: the
reverse of the start order, as zeekctl, but for the loggers, which stop
while the manager's NATS server still runs so that they can archive
their files. A node gets SIGTERM and, if it has not exited after
StopTimeout seconds, SIGKILL. A host's supervisor exits with its last node.
`,
	run: onNodes(runStop),
}

func runStop(x *session, nodes []*config.Node) int {
	states, problems := x.stopNodes(nodes, x.say)
	return x.finish(problems, map[string]any{"nodes": resultsOf(nodes, states, nil)}, nil)
}

var restartCommand = &command{
	name:    "restart",
	args:    " [--clean] [NODE...]",
	summary: "Stop and start the nodes; --clean also cleans up and reinstalls.",
	help: `Stops the nodes, then starts them. With --clean, between the two it
removes the nodes' spool directories and crash reports (cleanup --all),
checks the configuration and installs it (install), as zeekctl does.
`,
	run: onNodes(runRestart, "--clean"),
}

func runRestart(x *session, nodes []*config.Node) int {
	return x.restart(nodes, x.flags["--clean"], false)
}

// restart stops nodes, optionally cleans up and installs, and starts them.
func (x *session) restart(nodes []*config.Node, clean, install bool) int {
	out := map[string]any{}
	_, problems := x.stopNodes(nodes, x.say)
	if clean {
		x.say("cleaning up nodes ...")
		_, p := x.cleanup(hostsOf(nodes), true)
		problems = append(problems, p...)
		x.say("checking configuration ...")
		problems = append(problems, x.check(x.say)...)
	}
	if (clean || install) && len(problems) == 0 {
		out["warnings"] = x.checkWarnings()
		results, p := x.install(x.say)
		out["install"] = results
		problems = append(problems, p...)
	}
	var states map[string]supervise.NodeState
	if len(problems) == 0 {
		var p []string
		states, p = x.startNodes(nodes, x.say)
		problems = append(problems, p...)
	}
	out["nodes"] = resultsOf(nodes, states, nil)
	return x.finish(problems, out, nil)
}

var deployCommand = &command{
	name:    "deploy",
	summary: "Check and install the configuration, then restart every node.",
	help: `Does check, install and restart in one go, as zeekctl's deploy: the
configuration is checked first and nothing is changed when it is invalid.
`,
	run: onCluster(runDeploy),
}

func runDeploy(x *session) int {
	x.say("checking configuration ...")
	if problems := x.check(x.say); len(problems) > 0 {
		return report(x.e, problems)
	}
	return x.restart(x.cl.Nodes, false, true)
}

var statusCommand = &command{
	name:    "status",
	args:    " [NODE...]",
	summary: "Show the nodes' status: running, stopped or crashed, with pid and start time.",
	help: `Prints one line per node, as zeekctl's status: Name, Type, Host, Status,
Pid and Started (in TimeFmt). A crashed node is one that exited on its own;
its supervisor restarts it shortly (heronctl diag shows why it crashed).
`,
	run: onNodes(runStatus),
}

func runStatus(x *session, nodes []*config.Node) int {
	results, problems := x.status(nodes)
	return x.finish(problems, map[string]any{"nodes": results}, func(w io.Writer) {
		writeStatus(w, results, x.cl.Settings.String("TimeFmt"), x.cl.Standalone)
	})
}

// status asks every host of nodes for its state.
func (c *cluster) status(nodes []*config.Node) ([]nodeResult, []string) {
	hosts := hostsOf(nodes)
	answers, errs := ask[supervise.State](c, hosts, "status", nil)
	states := map[string]supervise.NodeState{}
	for _, h := range hosts {
		for _, n := range answers[h].Nodes {
			states[n.Name] = n
		}
	}
	return resultsOf(nodes, states, errs), problemsOf(hosts, errs)
}

// writeStatus prints zeekctl's status table.
func writeStatus(w io.Writer, rows []nodeResult, timeFmt string, standalone bool) {
	typeW, hostW := 7, 16
	if standalone {
		typeW, hostW = 10, 13
	}
	fmt.Fprintf(w, "%-12s %-*s %-*s %-9s %-6s %s\n", "Name", typeW, "Type", hostW, "Host", "Status", "Pid", "Started")
	for _, r := range rows {
		if r.Pid == 0 {
			fmt.Fprintf(w, "%-12s %-*s %-*s %s\n", r.Name, typeW, r.Type, hostW, r.Host, r.Status)
			continue
		}
		started := ""
		if !r.Started.IsZero() {
			started = strftime(timeFmt, r.Started.Local())
		}
		fmt.Fprintf(w, "%-12s %-*s %-*s %-9s %-6d %s\n", r.Name, typeW, r.Type, hostW, r.Host, r.Status, r.Pid, started)
	}
}

var checkCommand = &command{
	name:    "check",
	summary: "Check the configuration (and AF_PACKET fanout on the hosts' kernels).",
	help: `Reads the whole configuration and generates the layout, as install would,
and reports every problem. On every host with AF_PACKET nodes (other hosts
once heron is installed there) it runs heron --fanout-selftest to check
that the kernel sends both directions of a flow to one fanout socket. It
asks the workers' hosts for their core counts and warns when the workers of
a host would use more than all its cores but one.
`,
	run: onCluster(runCheck),
}

func runCheck(x *session) int {
	problems := x.check(x.say)
	if !x.jsonOut {
		return report(x.e, problems)
	}
	nodes := []string{}
	for _, n := range x.cl.Nodes {
		nodes = append(nodes, n.Name)
	}
	return x.finish(problems, map[string]any{"ok": len(problems) == 0, "nodes": nodes, "warnings": x.checkWarnings()}, nil)
}

// checkWarnings are the configuration's warnings with the cores check.
func (c *cluster) checkWarnings() []config.Warning {
	w := append([]config.Warning{}, config.CheckCores(c.cl.Nodes, c.e.cores)...)
	return w
}

// check runs check's tests; the configuration has been loaded already.
// It asks the hosts of workers for their core counts, and runs heron
// --fanout-selftest on every host with AF_PACKET nodes (on other hosts,
// only once heron is installed there).
func (c *cluster) check(say func(string)) []string {
	var problems []string
	var capture []string // hosts of workers and standalone nodes
	afpacket := map[string]bool{}
	for _, n := range c.cl.Nodes {
		if n.Type == config.Worker || n.Type == config.Standalone {
			if !contains(capture, n.Host) {
				capture = append(capture, n.Host)
			}
			if n.AFPacket != nil {
				afpacket[n.Host] = true
			}
		}
	}
	cores := map[string]int{}
	selftest := map[string]string{}
	var mu sync.Mutex
	heron := c.cl.Settings.String("Zeek")
	unreachable := c.eachHost(capture, func(h string) error {
		if remote.IsLocal(h) {
			n, _ := c.e.cores(h)
			mu.Lock()
			cores[h] = n
			mu.Unlock()
		} else {
			conn, err := c.host(h)
			if err != nil {
				return err
			}
			out, err := conn.Run(c.ctx, []string{"getconf", "_NPROCESSORS_ONLN"}, nil)
			if n, perr := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && perr == nil {
				mu.Lock()
				cores[h] = n
				mu.Unlock()
			}
			if afpacket[h] {
				if _, err := conn.Run(c.ctx, []string{"test", "-x", heron}, nil); err != nil {
					mu.Lock()
					selftest[h] = "skipped: heron is not installed there yet"
					mu.Unlock()
					return nil
				}
			}
		}
		if !afpacket[h] {
			return nil
		}
		conn, err := c.host(h)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(c.ctx, 60*time.Second)
		defer cancel()
		_, err = conn.Run(ctx, []string{heron, "--fanout-selftest"}, nil)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			problems = append(problems, fmt.Sprintf("AF_PACKET fanout self-test on %s failed: %v", h, err))
			selftest[h] = "failed"
		} else {
			selftest[h] = "passed"
		}
		return nil
	})
	var warns []config.Warning
	for _, h := range capture {
		if err := unreachable[h]; err != nil {
			warns = append(warns, config.Warning{Msg: fmt.Sprintf("cannot reach %s to count its cores: %v", h, err), Fix: "check the host and the SSH settings"})
		}
	}
	warns = append(warns, config.CheckCores(c.cl.Nodes, func(h string) (int, bool) {
		n, ok := cores[h]
		return n, ok && n > 0
	})...)
	warns = append(warns, c.offloadWarnings(capture)...)
	warn(c.e, warns)
	for _, h := range capture {
		if r, ok := selftest[h]; ok {
			say(fmt.Sprintf("AF_PACKET fanout self-test on %s %s.", h, r))
		}
	}
	for _, n := range c.cl.Nodes {
		say(fmt.Sprintf("%s scripts are ok.", n.Name))
	}
	return problems
}

var diagCommand = &command{
	name:    "diag",
	args:    " [NODE...]",
	summary: "Show the nodes' crash reports.",
	help: `Prints, for each node, its newest crash report: how it ended (exit status
or signal), the last 100 lines of its standard error and output, and the
Go stack when it panicked. The reports are kept on the node's host under
SpoolDir/crash/NODE/TIME/. With --json every report of each node is listed.
`,
	run: onNodes(runDiag),
}

func runDiag(x *session, nodes []*config.Node) int {
	hosts := hostsOf(nodes)
	answers, errs := ask[map[string][]supervise.CrashReport](x.cluster, hosts, "diag", func(h string) []string {
		var names []string
		for _, n := range nodes {
			if n.Host == h {
				names = append(names, n.Name)
			}
		}
		return names
	})
	reports := map[string][]supervise.CrashReport{}
	for _, h := range hosts {
		for k, v := range answers[h] {
			reports[k] = v
		}
	}
	type nodeDiag struct {
		Name    string                  `json:"name"`
		Reports []supervise.CrashReport `json:"reports"`
	}
	out := []nodeDiag{}
	for _, n := range nodes {
		out = append(out, nodeDiag{n.Name, orEmptyReports(reports[n.Name])})
	}
	return x.finish(problemsOf(hosts, errs), map[string]any{"nodes": out}, func(w io.Writer) {
		writeDiag(w, nodes, reports)
	})
}

// writeDiag prints the newest crash report of each node, and how many
// earlier ones there are.
func writeDiag(w io.Writer, nodes []*config.Node, reports map[string][]supervise.CrashReport) {
	for i, n := range nodes {
		if i > 0 {
			fmt.Fprintln(w)
		}
		rs := reports[n.Name]
		if len(rs) == 0 {
			fmt.Fprintf(w, "[%s]\n\nNo crash report.\n", n.Name)
			continue
		}
		fmt.Fprint(w, rs[0].Text())
		if len(rs) > 1 {
			fmt.Fprintf(w, "\n(%d earlier crash reports in %s)\n", len(rs)-1, strings.TrimSuffix(rs[0].Dir, "/"+lastElem(rs[0].Dir)))
		}
	}
}

func orEmptyReports(r []supervise.CrashReport) []supervise.CrashReport {
	if r == nil {
		return []supervise.CrashReport{}
	}
	return r
}

func lastElem(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

var cleanupCommand = &command{
	name:    "cleanup",
	args:    " [--all]",
	summary: "Remove the spool directories of nodes that do not run.",
	help: `Removes SpoolDir/NODE of every node that is not running, as zeekctl's
cleanup. With --all it also removes their crash reports and, on hosts
whose supervisor is not running, the supervisor's state.
`,
	run: onCluster(runCleanup, "--all"),
}

func runCleanup(x *session) int {
	x.say("cleaning up nodes ...")
	removed, problems := x.cleanup(x.hosts, x.flags["--all"])
	return x.finish(problems, map[string]any{"removed": removed}, nil)
}

// cleanup runs cleanup on hosts and returns what it removed on each host
// that answered, and the problems.
func (c *cluster) cleanup(hosts []string, all bool) (map[string][]string, []string) {
	var args []string
	if all {
		args = append(args, "--all")
	}
	removed, errs := ask[[]string](c, hosts, "cleanup", func(string) []string { return args })
	return removed, problemsOf(hosts, errs)
}

var execCommand = &command{
	name:    "exec",
	args:    " COMMAND",
	summary: "Run a shell command on every host.",
	help: `Runs COMMAND with sh -c on every host of the cluster and prints each
host's output, as zeekctl's exec.
`,
	run: runExec,
}

func runExec(e *env, c *command, args []string) int {
	jsonOut, rest := false, args
	if len(rest) > 0 && rest[0] == "--json" {
		jsonOut, rest = true, rest[1:]
	}
	if len(rest) == 0 {
		return usageError(e, c, "give the command to run")
	}
	cl, err := loadCluster(e)
	if err != nil {
		return fail(e, err)
	}
	defer cl.close()
	command := strings.Join(rest, " ")
	type hostOut struct {
		Host   string `json:"host"`
		Output string `json:"output"`
		Status int    `json:"status"`
		Error  string `json:"error,omitempty"`
	}
	outs := make([]hostOut, len(cl.hosts))
	cl.eachHost(cl.hosts, func(h string) error {
		i := indexOf(cl.hosts, h)
		outs[i] = hostOut{Host: h}
		conn, err := cl.host(h)
		if err != nil {
			outs[i].Error, outs[i].Status = err.Error(), -1
			return err
		}
		b, err := conn.Run(cl.ctx, []string{"sh", "-c", command + " 2>&1"}, nil)
		outs[i].Output = string(b)
		if err != nil {
			outs[i].Status = -1
			if ee, ok := err.(*remote.ExitError); ok {
				outs[i].Status = ee.Status
			} else {
				outs[i].Error = err.Error()
			}
		}
		return nil
	})
	var problems []string
	for _, o := range outs {
		if o.Error != "" {
			problems = append(problems, o.Host+": "+o.Error)
		}
	}
	if jsonOut {
		writeJSON(e.stdout, map[string]any{"hosts": outs, "errors": orEmpty(problems)})
		return report(e, problems)
	}
	for _, o := range outs {
		if o.Error != "" {
			continue
		}
		for _, l := range strings.Split(strings.TrimRight(o.Output, "\n"), "\n") {
			fmt.Fprintf(e.stdout, "[%s] %s\n", o.Host, l)
		}
	}
	return report(e, problems)
}

var dfCommand = &command{
	name:    "df",
	summary: "Show the free space of the file systems heronctl uses on every host.",
	help: `Prints, for every host, the file systems of BinDir, CfgDir, SpoolDir,
TmpDir and, on hosts whose nodes write logs, LogDir: size, available space
and the percentage used, as zeekctl's df.
`,
	run: onCluster(runDF),
}

func runDF(x *session) int {
	usage, errs := ask[[]disk.Usage](x.cluster, x.hosts, "df", func(h string) []string {
		return disk.Dirs(x.cl.Settings, x.writesLogs(h))
	})
	rows := []disk.Row{}
	for _, h := range x.hosts {
		node := ""
		for _, n := range x.cl.Nodes {
			if n.Host == h {
				node = n.Name
				break
			}
		}
		for _, u := range usage[h] {
			rows = append(rows, disk.Row{Node: node, Host: h, Usage: u})
		}
	}
	return x.finish(problemsOf(x.hosts, errs), map[string]any{"filesystems": rows}, func(w io.Writer) {
		fmt.Fprint(w, disk.Format(rows))
	})
}

// writesLogs tells whether nodes on host write the cluster's logs: a
// logger, a standalone node, or the manager of a cluster without loggers.
func (c *cluster) writesLogs(host string) bool {
	for _, n := range c.cl.Nodes {
		if n.Host == host && (n.Type == config.Logger || n.Type == config.Standalone || n.Type == config.Manager && c.cl.ManagerIsLogger) {
			return true
		}
	}
	return false
}
