package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/heron-nsm/heron/internal/control/config"
)

// This file holds what the commands that act on the cluster share: the
// start of every such command (options, loading the configuration, the
// arguments), asking every host at once, and the end (text or JSON,
// problems, exit status).

// session is one run of a command that acts on the cluster: the loaded
// cluster (its connections are closed when the command returns), the
// command, and how it prints.
type session struct {
	*cluster
	c       *command
	jsonOut bool
	flags   map[string]bool // the command's own flags (see onCluster), by name
}

// runFunc is a command's run function.
type runFunc = func(e *env, c *command, args []string) int

// openSession takes the boolean options named by flags out of args,
// parses the common options and loads the cluster. When the command is
// to stop here (help was asked for, a wrong option, a broken
// configuration) ok is false and status is the exit status.
func openSession(e *env, c *command, args, flags []string) (x *session, rest []string, status int, ok bool) {
	set := make(map[string]bool, len(flags))
	for _, f := range flags {
		set[f], args = takeFlag(args, f)
	}
	cl, jsonOut, rest, status, stop := prelude(e, c, args)
	if stop {
		return nil, nil, status, false
	}
	return &session{cluster: cl, c: c, jsonOut: jsonOut, flags: set}, rest, 0, true
}

// onCluster makes the run function of a command that acts on the whole
// cluster and takes no arguments besides --json and the boolean options
// in flags (such as "--all"); body does the work.
func onCluster(body func(x *session) int, flags ...string) runFunc {
	return func(e *env, c *command, args []string) int {
		x, rest, status, ok := openSession(e, c, args, flags)
		if !ok {
			return status
		}
		defer x.close()
		if len(rest) > 0 {
			what := "the command takes no arguments"
			if len(flags) > 0 {
				what += " besides " + strings.Join(flags, " and ")
			}
			return usageError(e, c, "%s", what)
		}
		return body(x)
	}
}

// onNodes makes the run function of a command that acts on nodes: its
// arguments select them (see cluster.selectNodes), besides --json and the
// boolean options in flags; body does the work.
func onNodes(body func(x *session, nodes []*config.Node) int, flags ...string) runFunc {
	return func(e *env, c *command, args []string) int {
		x, rest, status, ok := openSession(e, c, args, flags)
		if !ok {
			return status
		}
		defer x.close()
		nodes, err := x.selectNodes(rest)
		if err != nil {
			return usageError(e, c, "%v", err)
		}
		return body(x, nodes)
	}
}

// usageError prints "heronctl COMMAND: " and the message on standard
// error and returns the exit status of a wrong command line.
func usageError(e *env, c *command, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "heronctl %s: %s\n", c.name, fmt.Sprintf(format, args...))
	return exitUsage
}

// noArgFlags parses the options of a command that takes no arguments
// besides them (see commandFlags).
func noArgFlags(e *env, c *command, args []string) (jsonOut bool, status int, stop bool) {
	jsonOut, rest, status, stop := commandFlags(e, c, args)
	if stop {
		return false, status, true
	}
	if len(rest) > 0 {
		return false, usageError(e, c, "the command takes no arguments"), true
	}
	return jsonOut, 0, false
}

// say prints a progress line: on standard output as text, nowhere with
// --json.
func (x *session) say(s string) {
	if !x.jsonOut {
		fmt.Fprintln(x.e.stdout, s)
	}
}

// finish ends a command. With --json it prints fields, with the problems
// under "errors", as one JSON object; as text it calls text (when not
// nil) to print the result. Either way the problems then go to standard
// error, and the exit status says whether there were any.
func (x *session) finish(problems []string, fields map[string]any, text func(w io.Writer)) int {
	if x.jsonOut {
		fields["errors"] = orEmpty(problems)
		writeJSON(x.e.stdout, fields)
	} else if text != nil {
		text(x.e.stdout)
	}
	return report(x.e, problems)
}

// ask runs the _host operation op on every one of hosts at once (see
// cluster.hostOp), with the arguments that args returns for the host (nil:
// none). It returns the decoded answers of the hosts that gave one and
// the errors of the others, both by host.
func ask[T any](c *cluster, hosts []string, op string, args func(host string) []string) (map[string]T, map[string]error) {
	answers := make(map[string]T, len(hosts))
	var mu sync.Mutex
	errs := c.eachHost(hosts, func(h string) error {
		var argv []string
		if args != nil {
			argv = args(h)
		}
		var a T
		if err := c.hostOp(h, op, &a, argv...); err != nil {
			return err
		}
		mu.Lock()
		answers[h] = a
		mu.Unlock()
		return nil
	})
	return answers, errs
}

// problemsOf lists the errors of the hosts that have one in errs, in the
// order of hosts, as their text.
func problemsOf(hosts []string, errs map[string]error) []string {
	var problems []string
	for _, h := range hosts {
		if err := errs[h]; err != nil {
			problems = append(problems, err.Error())
		}
	}
	return problems
}
