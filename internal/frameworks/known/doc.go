// Package known is Zeek's known-* policy scripts:
// policy/protocols/conn/known-hosts (known_hosts.log, the hosts that
// completed a TCP handshake), policy/protocols/conn/known-services
// (known_services.log, the servers' ports and the protocols found on them)
// and policy/protocols/ssl/known-certs (known_certs.log, the certificates
// servers offer). Each host, service or certificate is logged once per
// expiry interval (Known::host_store_expiry and friends, one day).
//
// Framework holds the three scripts' logic and their expiring tables
// (Table). A node feeds it four events, with network time:
//
//   - ConnEstablished: connection_established (both TCP endpoints
//     established: each tracked endpoint is a host).
//   - AnalyzerConfirmed: analyzer_confirmation_info, after the protocol
//     joined the connection's services.
//   - ConnRemoved: connection_state_remove, for every connection.
//   - SSLEstablished: ssl_established, with the first certificate of the
//     server's chain.
//
// Advance runs the service commits that are due (a service found without a
// protocol waits five minutes in case another connection names one) and
// Finish runs the rest when the input ends.
//
// # Standalone and cluster
//
// Standalone, the framework writes the logs itself (Env.Logs). On a
// cluster worker, Env.Forward receives what the worker's own tables did
// not know, for the proxy that owns the key (Zeek's Cluster::publish_hrw
// over the proxy pool); package cluster/proxy implements the Forwarder and
// the proxy side (ServeKnown), which logs what is new cluster-wide. Reset
// is Zeek's clear_table on a worker when a node comes or goes.
//
// # Where Heron differs from Zeek
//
//   - Zeek's optional Broker and storage-framework backends
//     (Known::use_host_store, Known::enable_*_persistence) are not
//     implemented; the in-memory tables are, which is what Zeek uses by
//     default.
//   - Zeek's tables expire entries on a periodic sweep; Heron's expire
//     exactly, on network time. Tables are bounded (Config.MaxEntries):
//     when full, the oldest key is evicted and may be logged again.
//   - Reporter::error (a certificate without a SHA-1) goes to Env.Error.
//
// The framework is safe for concurrent use by the analysis threads of a
// node.
package known
