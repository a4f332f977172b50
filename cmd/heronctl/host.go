package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/heron-nsm/heron/internal/control/disk"
	"github.com/heron-nsm/heron/internal/control/supervise"
)

// The hidden commands run on a host, by heronctl itself (locally or
// through SSH), with the host's installed plan. They print JSON.

var superviseCommand = &command{
	name:    "_supervise",
	args:    " --plan FILE",
	summary: "Run a host's supervisor (heronctl starts it; not for users).",
	hidden:  true,
	run:     runSupervise,
}

var hostCommand = &command{
	name:    "_host",
	args:    " start|stop|status|top|diag|cleanup|df --plan FILE [--wait SECONDS] [--all] [NODE...|DIR...]",
	summary: "Act on this host's nodes for heronctl (not for users).",
	hidden:  true,
	run:     runHost,
}

// hostArgs parses --plan FILE, --wait SECONDS and --all; the rest are
// node names.
func hostArgs(e *env, c *command, args []string) (plan string, wait time.Duration, all bool, rest []string, ok bool) {
	wait = 15 * time.Second
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--plan", "--wait":
			if i+1 >= len(args) {
				fmt.Fprintf(e.stderr, "heronctl %s: %s needs a value\n", c.name, a)
				return "", 0, false, nil, false
			}
			i++
			if a == "--plan" {
				plan = args[i]
			} else {
				s, err := strconv.ParseFloat(args[i], 64)
				if err != nil {
					fmt.Fprintf(e.stderr, "heronctl %s: --wait %q is not a number\n", c.name, args[i])
					return "", 0, false, nil, false
				}
				wait = time.Duration(s * float64(time.Second))
			}
		case "--all":
			all = true
		default:
			rest = append(rest, a)
		}
	}
	if plan == "" {
		fmt.Fprintf(e.stderr, "heronctl %s: give --plan FILE\n", c.name)
		return "", 0, false, nil, false
	}
	return plan, wait, all, rest, true
}

func runSupervise(e *env, c *command, args []string) int {
	planFile, _, _, rest, ok := hostArgs(e, c, args)
	if !ok || len(rest) > 0 {
		return exitUsage
	}
	plan, err := supervise.ReadPlan(planFile)
	if err != nil {
		return fail(e, err)
	}
	if err := supervise.Run(plan, e.stderr); err != nil {
		return fail(e, err)
	}
	return exitOK
}

func runHost(e *env, c *command, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "heronctl _host: give an operation")
		return exitUsage
	}
	op := args[0]
	planFile, wait, all, names, ok := hostArgs(e, c, args[1:])
	if !ok {
		return exitUsage
	}
	plan, err := supervise.ReadPlan(planFile)
	if err != nil {
		return fail(e, err)
	}
	var out any
	switch op {
	case "start":
		self, err := os.Executable()
		if err != nil {
			return fail(e, fmt.Errorf("heronctl: %w", err))
		}
		out, err = supervise.Start(plan, planFile, self, names, wait)
		if err != nil {
			return fail(e, err)
		}
	case "stop":
		st, err := supervise.Stop(plan, names)
		if err != nil {
			writeJSON(e.stdout, st)
			return fail(e, err)
		}
		out = st
	case "status":
		out = supervise.ReadState(plan)
	case "top":
		out = supervise.Top(plan, wait)
	case "diag":
		if out, err = supervise.Diag(plan, names); err != nil {
			return fail(e, err)
		}
	case "cleanup":
		if out, err = supervise.Cleanup(plan, all); err != nil {
			return fail(e, err)
		}
	case "df":
		if out, err = disk.StatAll(names); err != nil {
			return fail(e, err)
		}
	case "offloads":
		out = queryOffloads(names)
	default:
		fmt.Fprintf(e.stderr, "heronctl _host: unknown operation %q\n", op)
		return exitUsage
	}
	if err := writeJSON(e.stdout, out); err != nil {
		return fail(e, err)
	}
	return exitOK
}
