// Package config reads heronctl's configuration — heronctl.cfg (or
// zeekctl.cfg), node.cfg, networks.cfg and the site policy — in
// ZeekControl's formats, and expands node.cfg into the processes heronctl
// runs. It reads files only: it connects to no host and resolves no name.
//
// # heronctl.cfg
//
// ReadSettings reads zeekctl.cfg's syntax: "Option = value" lines, "#"
// comment lines, names in any case, ${Option} (or ${Option:default})
// substituted with another option's value. Every option of zeekctl is
// known, with zeekctl's default (Options lists them, and says which
// heronctl acts on); an unknown one is ignored with a warning and a
// Bro-era name is refused, as zeekctl does. The facts come from zeekctl's
// ZeekControl/config.py and options.py.
//
// # node.cfg and its expansion
//
// node.cfg is read as Python's configparser reads it for zeekctl. Each
// section is checked and expanded as zeekctl's config.py does:
//
//   - type and host are required; lb_procs and lb_method only for workers
//     and only together; pin_cpus is a list of CPU numbers; env_vars is
//     "VAR=value,VAR=value".
//   - A worker with lb_procs=N becomes N nodes named <section>-1 ...
//     <section>-N. Nodes of a type are counted in file order (Count) and
//     sorted by type (standalone, logger, manager, proxy, worker), then
//     count.
//   - pin_cpus is handed out in order, reused in turn when too short.
//     Heron's own key threads (default 1) gives each process that many
//     analysis threads, and then each process takes threads CPUs.
//     Heron's key read=FILE makes a worker or standalone node read a
//     trace instead of an interface (tests and replays).
//   - lb_method=interfaces gives each process one of lb_interfaces, from
//     the end of the list; custom puts lb_custom.InterfacePrefix and
//     InterfaceSuffix around the interface; myricom sets SNF_NUM_RINGS and
//     SNF_FLAGS; pf_ring sets PF_RING's libpcap variables (a cluster id per
//     interface of a host from PFRINGClusterID, the balancing of
//     PFRINGClusterType, an application name; "@N" application instances
//     for dna, dnacl and zc interfaces); af_packet prefixes the interface
//     with "af_packet::" (ZeekControl/plugins/lb_*.py, zzz_af_packet.py).
//   - heronctl.cfg's Env_Vars fill in what a node's env_vars leave unset,
//     before the load-balancing variables, which set only what is unset.
//   - Ports count up from ZeekPort in zeekctl's order: the control port,
//     then the manager, loggers, proxies and workers; metrics ports from
//     MetricsPort in the same order without the control port
//     (ZeekControl/install.py, make_layout).
//
// Heron differs where zeekctl's rule serves Zeek alone: heronctl need not
// run on the manager's host; every node capturing with AF_PACKET gets its
// af_packet_* settings (not only lb_procs workers), and each interface of a
// host its own fanout id — the section's af_packet_fanout_id, else the
// lowest free id from 23 (Zeek's default) — since one fanout group cannot
// span two interfaces; PCAP_PF_RING_APPNAME names heron, not zeek.
//
// # The expanded nodes (heronctl nodes --json)
//
// The cluster layout is derived from this structure; its JSON names are:
//
//	{
//	  "files": {"config": PATH, "node_cfg": PATH, "networks_cfg": PATH, "site_policy": [PATH...]},
//	  "standalone": BOOL,          // one standalone node
//	  "manager_is_logger": BOOL,   // a cluster without loggers
//	  "control_port": PORT,        // ZeekPort, in a cluster
//	  "nodes": [{
//	    "name": "worker-1-2", "type": "worker", "host": "192.0.2.20",
//	    "section": "worker-1", "file": PATH, "line": N,   // where node.cfg defines it
//	    "count": N,                // number within its type, from 1
//	    "interface": "af_packet::eth1",  // as heron -i takes it
//	    "packet_source": "af_packet",    // or "pcap"
//	    "lb_method": "af_packet", "lb_procs": 4, "proc": 2,
//	    "threads": 1, "cpus": [3],
//	    "port": 27766, "metrics_port": 9996,
//	    "env": {"TZ": "UTC"},
//	    "af_packet": {"buffer_size": 134217728, "block_size": 32768, "block_timeout": 0.01,
//	                  "enable_hw_timestamping": false, "enable_fanout": true, "enable_defrag": false,
//	                  "fanout_mode": "AF_Packet::FANOUT_HASH", "fanout_id": 23, "link_type": 1,
//	                  "checksum_validation_mode": "AF_Packet::CHECKSUM_ON"},
//	    "zone_id": "",
//	    "scripts": ["policy/misc/stats"],        // Zeek scripts to load
//	    "redefs": ["Site::local_nets+={10.0.0.0/8}"],  // heron ID=VALUE arguments
//	    "signatures": [PATH]
//	  }],
//	  "networks": [{"prefix": "10.0.0.0/8", "tag": "Corporate"}],
//	  "warnings": [{"file": PATH, "line": N, "message": TEXT, "fix": TEXT}]
//	}
//
// Fields that are empty for a node are left out, except env, scripts and
// redefs.
//
// # Site policy
//
// SitePolicyScripts (local.zeek by default) and each node's aux_scripts
// name site policy files, found in SitePolicyPath (NAME or NAME.zeek), or
// Zeek scripts. A site policy file may hold "@load NAME" lines (another
// site policy file, or a Zeek script name checked against Zeek's scripts),
// "@load-sigs FILE", "redef ID = VALUE;" (or += and -=; a statement may
// span lines) for options Heron knows — applied to a node's options as
// heron will apply them, so a bad value is found here — and "#" comments.
// Anything else is Zeek script code, which Heron does not run: an error
// naming the file and line.
//
// # Errors
//
// Every error is an *Error naming the file, the line and the fix; problems
// that do not stop heronctl are Warnings with the same parts. CheckCores
// adds the warnings zeekctl's documentation gives as advice: more
// analysis threads on a host than its cores less one, pins to CPUs a host
// lacks or that two threads share.
package config
