// Command heronctl runs a Heron cluster the way zeekctl runs a Zeek
// cluster, from zeekctl's configuration files.
//
//	heronctl [--prefix DIR] [--config FILE] [--node-cfg FILE] [--networks-cfg FILE] COMMAND [--json] [ARGS]
//
// The configuration is in DIR/etc: heronctl.cfg (or zeekctl.cfg when there
// is no heronctl.cfg), node.cfg and networks.cfg, with the site policy in
// SitePolicyPath (DIR/share/heron/site). DIR is --prefix, else
// $HERON_PREFIX, else the directory above the one heronctl is installed in.
// Package internal/control/config reads and expands the files.
//
// Commands are entries of a table (name, synopsis, help, run function);
// each prints text, or JSON with --json. So far:
//
//   - nodes: the processes node.cfg expands to, in start order, with their
//     hosts, interfaces, CPUs, ports, environment and site policy. It reads
//     files only and connects to no host.
//   - config: every global option and its value, as zeekctl's config
//     command prints them.
//   - help [COMMAND]: the commands, or one command's help.
//
// Warnings go to standard error (and into the JSON output of nodes).
// Exit status: 0 on success, 1 when the configuration is unusable (one line
// names the file, the line and the fix), 2 for a wrong command line.
package main
