package main

const usage = `usage: heron [options] [script ...] [ID=VALUE ...]

Heron reads network traffic and writes the same logs as Zeek.

  heron -r trace.pcap                       everything under Zeek's base/ (as zeek -r)
  heron -b -r trace.pcap base/protocols/conn   only the named scripts (as zeek -b)

Options:
  -r, --readfile FILE   read packets from a pcap or pcapng file (gzip allowed)
  -i, --iface SOURCE    capture live until SIGINT or SIGTERM; SOURCE is
                        af_packet::IFACE (or IFACE): AF_PACKET on Linux, with
                          fanout; AF_Packet::* options apply
                        pcap::IFACE: libpcap, in a build with -tags libpcap
                          (PF_RING, netmap and Myricom names too)
                        udp::ADDR:PORT[:vxlan|geneve]: mirrored traffic
                          arriving in VXLAN or Geneve tunnels
  -f, --filter FILTER   capture filter in tcpdump's language (BPF), for -r and -i
  -b, --bare-mode       load only the named scripts and their dependencies
  -s, --signatures FILE load a signature file (Zeek's signature language);
                        may be given more than once
  -C, --no-checksums    ignore IP, TCP, UDP and ICMP checksums
      --logdir DIR      write logs to DIR (default: the working directory);
                        a Log::default_logdir=DIR argument overrides it
      --networks FILE   local networks in networks.cfg format (CIDR [comment])
                        for local_orig/local_resp; replaces Site::local_nets
      --seed N          make uids deterministic (also HERON_SEED=N)
      --threads N       analysis threads; a trace is split between them by flow,
                        a live interface is read by N sockets in one fanout group,
                        udp:: by N sockets sharing the port, steered by flow
      --pin-cpus LIST   pin thread i to the i-th CPU of LIST (e.g. 0,2,4)
      --progress WHEN   progress on stderr: auto (on a terminal), always, never
  -N, --print-plugins   list the packet sources, analyzers and writers built in
      --fanout-selftest check, in a private network namespace, that the kernel
                        sends both directions of a flow to one fanout socket
      --node NAME       run node NAME of a cluster (also CLUSTER_NODE): manager,
                        logger, proxy, worker or standalone, as the layout says
      --cluster FILE    the cluster layout (default: HERON_CLUSTER_LAYOUT, else
                        ./cluster-layout.json); see docs/cluster.md
  -h, --help            show this help
      --help-options    list the Zeek options ID=VALUE can set
  -v, --version         show the version

Scripts are Zeek script names in any form Zeek accepts (base/protocols/conn,
protocols/conn/vlan-logging, policy/frameworks/conn_key/vlan_fivetuple.zeek).
A Zeek script Heron does not implement yet is accepted with a warning.

ID=VALUE sets an option as Zeek's command-line redefs do, e.g.
LogAscii::use_json=T, Log::default_logdir=/tmp/logs, 'Site::local_nets={10.0.0.0/8}',
ID+=VALUE adds to a set.

Exit status: 0 on success (also for a truncated trace, which is reported),
1 when the input or configuration is unusable, 2 for command-line misuse.
`
