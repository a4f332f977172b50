// Package node runs one node of a Heron cluster in the role its layout entry
// gives it: `heron --node NAME` ends up here (cmd/heron builds the analysis
// configuration and the packet sources, this package does the rest).
//
// The roles, one file each:
//
//   - manager (manager.go): runs the embedded NATS server with JetStream under
//     <spool_dir>/<node>/jetstream when the layout says nats.embedded, creates
//     the log stream, writes the cluster's logs while no logger is live, and
//     writes cluster.log (Zeek's Cluster::Info: ts, node, message) from the
//     nodes going up and down.
//   - logger (logger.go): writes the log paths rendezvous hashing gives it into
//     log_dir (logship.RunLogger).
//   - proxy (proxy.go): serves the proxy pool (proxy.NewServer) with the
//     known_* tables of the loaded scripts (proxy.ServeKnown).
//   - worker (worker.go): analyses its packet source (an interface, or a trace
//     and optionally its shard of the trace's flows, see Shard) with
//     internal/node, its logs shipped to the loggers through a logship.Sender.
//   - standalone (standalone.go): the whole cluster in one process, as plain
//     `heron -r`/`heron -i` with the layout's log_dir.
//
// Every role connects with transport.Connect (which sends the heartbeats),
// runs until its context ends (cmd/heron cancels it on SIGINT and SIGTERM) or,
// for a worker reading a trace, until the trace ends, and then shuts down in
// order: the analysis stops, the logging framework hands over its last records,
// the Sender ships them (or spools them for the next start), and the
// connection says goodbye.
//
// Hooks holds the places where features built elsewhere plug in (the metrics
// endpoint, the cluster-wide notice suppressor, the known-* wiring of a
// worker); each is optional.
//
// # Exported names
//
//   - Run, Options, Hooks, Runtime: run a node of a layout.
//   - RunManager, RunLogger, RunProxy, RunWorker, RunStandalone: the roles.
//   - Shard, Stoppable, Paced: packet source wrappers a worker uses.
//   - ClusterInfo, ClusterLogPath: cluster.log.
//   - ReplayDelayEnv: the environment variable that slows a trace replay.
package node
