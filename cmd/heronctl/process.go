package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/heron-nsm/heron/internal/control/config"
)

var processCommand = &command{
	name:    "process",
	args:    " TRACE [OPTIONS] [-- SCRIPTS]",
	summary: "Run heron on a trace with the cluster's site policy.",
	help: `Runs heron -r TRACE on this machine with the configuration a node runs
with, as zeekctl's process: the scripts and options of the site policy as
it is now in SitePolicyPath (not yet installed), the local networks, the
node's aux_scripts and signature files and its environment. The node is
the standalone node, or in a cluster the first worker. OPTIONS are more
heron options (such as -C or -f FILTER), the arguments after "--" more
scripts or ID=VALUE settings. heron (the Zeek option, BinDir/heron) runs
in TmpDir/testing, emptied first, where its logs stay until the next run;
heronctl prints the command line, heron's output and that directory.
With --json the output also lists the logs written.
`,
	run: runProcess,
}

func runProcess(e *env, c *command, args []string) int {
	// Everything after the trace is heron's, so only --json and --help
	// before it are heronctl's.
	jsonOut := false
	for len(args) > 0 {
		if args[0] == "--json" {
			jsonOut, args = true, args[1:]
			continue
		}
		if args[0] == "-h" || args[0] == "--help" {
			commandHelp(e.stdout, c)
			return exitOK
		}
		break
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError(e, c, "the process command requires the pathname of a trace file")
	}
	trace := args[0]
	var opts, extra []string
	inScripts := false
	for _, a := range args[1:] {
		switch {
		case a == "--" && inScripts:
			return usageError(e, c, `cannot parse the arguments of the process command (too many "--")`)
		case a == "--":
			inScripts = true
		case a == "--json":
			jsonOut = true
		case inScripts:
			extra = append(extra, a)
		default:
			opts = append(opts, a)
		}
	}
	cl, err := loadCluster(e)
	if err != nil {
		return fail(e, err)
	}
	defer cl.close()
	warn(e, cl.cl.Warnings)
	x := &session{cluster: cl, c: c, jsonOut: jsonOut, flags: map[string]bool{}}
	if fi, err := os.Stat(trace); err != nil || fi.IsDir() {
		return x.finish([]string{"trace file not found: " + trace}, map[string]any{}, nil)
	}
	n := processNode(cl.cl)
	if n == nil {
		return x.finish([]string{"the configuration has no worker to take the settings of"}, map[string]any{}, nil)
	}
	s := cl.cl.Settings
	dir := filepath.Join(s.String("TmpDir"), "testing")
	if err := os.RemoveAll(dir); err != nil {
		return x.finish([]string{fmt.Sprintf("cannot remove directory: %v", err)}, map[string]any{}, nil)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return x.finish([]string{fmt.Sprintf("cannot create directory: %v", err)}, map[string]any{}, nil)
	}
	abs, err := filepath.Abs(trace)
	if err == nil {
		trace = abs
	}
	argv := processArgs(cl, n, s.String("Zeek"), trace, opts, extra)
	cmd := exec.CommandContext(context.Background(), argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	keys := make([]string, 0, len(n.Env))
	for k := range n.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+n.Env[k])
	}
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	status := 0
	var problems []string
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
			problems = append(problems, fmt.Sprintf("heron exited with status %d", status))
		} else {
			status = -1
			problems = append(problems, fmt.Sprintf("cannot run heron: %v (set Zeek in heronctl.cfg to the heron program, or run heronctl install)", err))
		}
	}
	logs := []string{}
	if ents, err := os.ReadDir(dir); err == nil {
		for _, ent := range ents {
			if ent.Type().IsRegular() && strings.HasSuffix(ent.Name(), ".log") {
				logs = append(logs, ent.Name())
			}
		}
	}
	return x.finish(problems, map[string]any{"node": n.Name, "command": argv, "dir": dir, "status": status, "output": outb.String(), "logs": logs}, func(w io.Writer) {
		fmt.Fprintln(w, shellJoin(argv))
		io.WriteString(w, outb.String())
		if outb.Len() > 0 && !bytes.HasSuffix(outb.Bytes(), []byte("\n")) {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "### Heron output in %s\n", dir)
	})
}

// processNode is the node whose settings process uses: the standalone
// node, or the first worker.
func processNode(cl *config.Cluster) *config.Node {
	for _, n := range cl.Nodes {
		if n.Type == config.Standalone || n.Type == config.Worker {
			return n
		}
	}
	return nil
}

// processArgs is heron's command line for process: -r TRACE, the
// options given, the node's signature files, then the scripts and
// options of its layout entry (the local networks, the site policy, its
// aux_scripts), the scripts given last. AF_Packet settings are left out:
// they do not apply to a trace.
func processArgs(c *cluster, n *config.Node, heron, trace string, opts, extra []string) []string {
	argv := []string{heron, "-r", trace}
	argv = append(argv, opts...)
	for _, sig := range n.Signatures {
		argv = append(argv, "-s", sig)
	}
	if ln, err := c.lay.Node(n.Name); err == nil {
		argv = append(argv, c.lay.Scripts...)
		argv = append(argv, ln.Scripts...)
		for _, o := range append(append([]string(nil), c.lay.Options...), ln.Options...) {
			if !strings.HasPrefix(o, "AF_Packet::") {
				argv = append(argv, o)
			}
		}
	}
	return append(argv, extra...)
}

// shellJoin prints a command line as a shell would take it back.
func shellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
