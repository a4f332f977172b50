// Package supervise is the per-host supervisor of a Heron cluster and the
// host-side operations heronctl runs on each host.
//
// heronctl starts one supervisor per host ("heronctl _supervise --plan
// FILE", detached from any terminal or SSH session). It runs the host's
// nodes as "heron --node NAME --cluster LAYOUT" with the node's
// environment, in the working directory <spool>/<node>, with standard
// output and error in stdout.log and stderr.log there. A node that exits
// when it should not is restarted after 1 s, then 2 s, 4 s, ... at most
// MaxBackoff; the delay starts again from 1 s once a node has run for
// StableAfter. A node that reads a trace and exits with status 0 has
// finished and is not restarted.
//
// Each unexpected exit leaves a crash report in
// <spool>/crash/<node>/<time>/: report.json (exit status or signal, start
// and end, the last 100 lines of standard error and output) and
// report.txt, and stack.txt when standard error holds a Go panic or
// fatal error.
//
// The supervisor's state is a file, <spool>/supervise/state.json,
// rewritten (atomically) on every change: its own pid and each node's
// status (running, crashed, stopped, finished), pid, start time, restart
// count and last exit. Which nodes should run is another file,
// <spool>/supervise/want.json, written by heronctl's host operations,
// which then send the supervisor SIGHUP; the supervisor starts wanted
// nodes in the plan's order (loggers, manager, proxies, workers) and
// stops unwanted ones in the reverse order, each with SIGTERM and, after
// the plan's StopTimeout, SIGKILL. SIGTERM stops every node and the
// supervisor; so does an empty want list.
package supervise
