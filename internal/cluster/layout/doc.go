// Package layout reads the cluster layout file (docs/format/
// cluster-layout.md): the nodes of a Heron cluster, their roles, hosts and
// options, and how they reach the NATS transport. Every node reads the
// same file and picks its own entry.
package layout
