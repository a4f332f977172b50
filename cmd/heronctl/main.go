package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime"
	"strings"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/remote"
)

const version = "0.1.0-dev"

// env is what a command runs with: the configuration's whereabouts, the
// output streams, and the facts about this machine the commands need.
type env struct {
	paths    config.Paths
	builtins config.Builtins
	stdout   io.Writer
	stderr   io.Writer
	// cores returns a host's core count when it is known without
	// connecting to it (only this machine's).
	cores func(host string) (int, bool)
}

// command is one heronctl command. Commands take --json to print JSON
// instead of text.
type command struct {
	name    string
	args    string // the arguments after the name, for the synopsis
	summary string // one line
	help    string // the rest of "heronctl help NAME"
	run     func(e *env, c *command, args []string) int
	// hidden commands are heronctl's own, run on hosts; help omits them.
	hidden bool
}

// commands is the command table.
var commands = []*command{
	capstatsCommand, checkCommand, cleanupCommand, configCommand, cronCommand, deployCommand, diagCommand, dfCommand,
	execCommand, helpCommand, installCommand, netstatsCommand, nodesCommand, peerstatusCommand, printCommand,
	processCommand, restartCommand, scriptsCommand, startCommand,
	statusCommand, stopCommand, topCommand, superviseCommand, hostCommand, expireCommand,
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func main() {
	exe, _ := os.Executable()
	os.Exit(run(os.Args[1:], os.Getenv, exe, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK     = 0
	exitConfig = 1 // the configuration is unusable
	exitUsage  = 2 // the command line is wrong
)

const globalUsage = `Usage: heronctl [global options] COMMAND [--json] [ARGS]

Global options:
  --prefix DIR         Installation prefix; the configuration is in DIR/etc
                       (default: $HERON_PREFIX, or the directory above heronctl's)
  --config FILE        heronctl.cfg to read (default: DIR/etc/heronctl.cfg,
                       else DIR/etc/zeekctl.cfg)
  --node-cfg FILE      node.cfg to read (default: the NodeCfg option)
  --networks-cfg FILE  networks.cfg to read (default: the LocalNetsCfg option)
  -h, --help           Show this help; heronctl help COMMAND shows a command's
  --version            Show the version
`

// run is the whole program: it parses the global options, runs the
// command and returns the exit status.
func run(args []string, getenv func(string) string, exe string, stdout, stderr io.Writer) int {
	var prefix string
	e := &env{stdout: stdout, stderr: stderr}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		var target *string
		switch name {
		case "-h", "--help":
			printUsage(stdout)
			return exitOK
		case "--version":
			fmt.Fprintf(stdout, "heronctl %s\n", version)
			return exitOK
		case "--prefix":
			target = &prefix
		case "--config":
			target = &e.paths.Config
		case "--node-cfg":
			target = &e.paths.NodeCfg
		case "--networks-cfg":
			target = &e.paths.Networks
		default:
			fmt.Fprintf(stderr, "heronctl: unknown option %s (heronctl --help lists them)\n", a)
			return exitUsage
		}
		if !hasValue {
			if i+1 >= len(args) {
				fmt.Fprintf(stderr, "heronctl: option %s needs a value\n", name)
				return exitUsage
			}
			i++
			value = args[i]
		}
		*target = value
	}
	if i < len(args) && lookup(args[i]) == nil {
		fmt.Fprintf(stderr, "heronctl: unknown command %q (heronctl help lists the commands)\n", args[i])
		return exitUsage
	}
	e.paths.Prefix = config.Prefix(prefix, getenv, exe)
	e.builtins = config.Builtins{Prefix: e.paths.Prefix, User: getenv("USER"), Hostname: hostname()}
	if e.builtins.User == "" {
		if u, err := user.Current(); err == nil {
			e.builtins.User = u.Username
		}
	}
	e.cores = func(host string) (int, bool) {
		if remote.IsLocal(host) {
			return numCPU(), true
		}
		return 0, false
	}
	if i >= len(args) {
		if interactive() {
			return shell(e, os.Stdin)
		}
		printUsage(stderr)
		return exitUsage
	}
	cmd := lookup(args[i])
	return cmd.run(e, cmd, args[i+1:])
}

// numCPU counts this machine's cores (a variable for the tests).
var numCPU = runtime.NumCPU

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

func printUsage(w io.Writer) {
	io.WriteString(w, globalUsage)
	io.WriteString(w, "\nCommands:\n")
	for _, c := range commands {
		if !c.hidden {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
	}
}

// commandFlags parses a command's arguments: --json, and -h/--help. It
// returns the remaining arguments, or an exit status when the command
// should stop.
func commandFlags(e *env, c *command, args []string) (jsonOut bool, rest []string, status int, stop bool) {
	for i, a := range args {
		switch {
		case a == "--json":
			jsonOut = true
		case a == "-h" || a == "--help":
			commandHelp(e.stdout, c)
			return false, nil, exitOK, true
		case a == "--":
			return jsonOut, append(rest, args[i+1:]...), 0, false
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(e.stderr, "heronctl %s: unknown option %s\n", c.name, a)
			return false, nil, exitUsage, true
		default:
			rest = append(rest, a)
		}
	}
	return jsonOut, rest, 0, false
}

func commandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: heronctl %s [--json]%s\n\n%s\n", c.name, c.args, c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s", c.help)
	}
}

// fail prints a configuration error and returns its exit status.
func fail(e *env, err error) int {
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(e.stderr, "heronctl: %s\n", strings.TrimPrefix(ce.Error(), "config: "))
	} else {
		fmt.Fprintf(e.stderr, "heronctl: %v\n", err)
	}
	return exitConfig
}

// warn prints warnings to standard error.
func warn(e *env, ws []config.Warning) {
	for _, w := range ws {
		fmt.Fprintf(e.stderr, "heronctl: warning: %s\n", w)
	}
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

var helpCommand = &command{
	name:    "help",
	args:    " [COMMAND]",
	summary: "Show the commands, or one command's help.",
}

// help's run refers to the command table, which holds help: it is set in
// init to break the initialization cycle.
func init() { helpCommand.run = runHelp }

func runHelp(e *env, c *command, args []string) int {
	jsonOut, rest, status, stop := commandFlags(e, c, args)
	if stop {
		return status
	}
	if len(rest) > 1 {
		return usageError(e, c, "give at most one command")
	}
	if len(rest) == 1 {
		if c = lookup(rest[0]); c == nil {
			return usageError(e, helpCommand, "unknown command %q", rest[0])
		}
	}
	if jsonOut {
		type cmdDoc struct {
			Name    string `json:"name"`
			Usage   string `json:"usage"`
			Summary string `json:"summary"`
			Help    string `json:"help,omitempty"`
		}
		doc := func(c *command) cmdDoc {
			return cmdDoc{c.name, "heronctl " + c.name + " [--json]" + c.args, c.summary, c.help}
		}
		if len(rest) == 1 {
			writeJSON(e.stdout, doc(c))
			return exitOK
		}
		var all []cmdDoc
		for _, c := range commands {
			if !c.hidden {
				all = append(all, doc(c))
			}
		}
		writeJSON(e.stdout, map[string]any{"commands": all})
		return exitOK
	}
	if len(rest) == 1 {
		commandHelp(e.stdout, c)
		return exitOK
	}
	printUsage(e.stdout)
	return exitOK
}
