// Package deploy turns heronctl's configuration into what runs on the
// hosts: the cluster layout every node reads (Layout), the per-host plan
// of the supervisor (Plans), and the installation of the heron binary,
// the layout and the configuration under the prefix of every host,
// copying only files whose SHA-256 differs (Install).
//
// Where things go on a host, all under the spool directory (SpoolDir):
//
//	<spool>/installed-scripts-do-not-touch/cluster-layout.json   the layout
//	<spool>/installed-scripts-do-not-touch/supervise.json        the host's plan
//	<spool>/installed-scripts-do-not-touch/networks.cfg          networks.cfg
//	<spool>/installed-scripts-do-not-touch/site/...              site policy files read
//	<prefix>/bin/heron, <prefix>/bin/heronctl                     the programs
//
// Ports follow zeekctl: ZeekPort is the first port of the cluster, which
// zeekctl gives its control connection and Heron gives the embedded NATS
// server on the manager's host; the nodes' metrics ports are MetricsPort,
// MetricsPort+1, ... as config assigns them.
package deploy
