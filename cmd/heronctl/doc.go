// Command heronctl runs a Heron cluster the way zeekctl runs a Zeek
// cluster, from zeekctl's configuration files.
//
//	heronctl [--prefix DIR] [--config FILE] [--node-cfg FILE] [--networks-cfg FILE] COMMAND [--json] [ARGS]
//
// The configuration is in DIR/etc: heronctl.cfg (or zeekctl.cfg when there
// is no heronctl.cfg), node.cfg and networks.cfg, with the site policy in
// SitePolicyPath (DIR/share/heron/site). DIR is --prefix, else
// $HERON_PREFIX, else the directory above the one heronctl is installed in.
// Package internal/control/config reads and expands the files;
// internal/control/deploy makes the layout and installs it;
// internal/control/remote reaches the hosts (locally or through SSH);
// internal/control/supervise is the per-host supervisor.
//
// Commands are entries of a table (name, synopsis, help, run function);
// each prints text, or JSON with --json:
//
//   - check, install, deploy: validate the configuration, install the
//     layout, heron and heronctl on every host (only changed files), and
//     both with a restart.
//   - start, stop, restart [--clean], status: run the nodes through each
//     host's supervisor, which restarts crashed nodes within seconds
//     (start in zeekctl's order; stop takes the manager, which carries
//     the transport, last); status prints zeekctl's table.
//   - diag: crash reports; cleanup [--all]; exec CMD; df; top.
//   - netstats, capstats, peerstatus: read from the nodes' metrics
//     endpoints.
//   - print ID, scripts [-c], process TRACE: the site policy as the nodes
//     see it, worked out locally.
//   - cron [enable|disable|?]: zeekctl's housekeeping (restarts, expiry,
//     disk space, stats.log, mail).
//   - nodes, config, help: the configuration as read, connecting to
//     nothing.
//
// The commands that act on the cluster share their plumbing (session.go):
// onCluster and onNodes parse the options and the node arguments and load
// the configuration, ask runs one _host operation on every host at once,
// and finish prints the text or the JSON and the problems and picks the
// exit status.
//
// Without a command, on a terminal, heronctl is an interactive shell.
// Hidden commands run on the hosts: _supervise (the supervisor), _host
// (start, stop, status, top, diag, cleanup, df for the host's nodes,
// answering in JSON) and _expire (cron's expiry on a remote host). docs/heronctl.md describes it all.
//
// Warnings go to standard error (and into the JSON output of nodes).
// Exit status: 0 on success, 1 when the configuration is unusable or an
// operation failed (one line names what and where), 2 for a wrong command
// line.
package main
