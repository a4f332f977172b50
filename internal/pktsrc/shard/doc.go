// Package shard splits one packet source into several, one per analysis
// thread, by a symmetric hash of each frame's IP addresses: both
// directions of a flow, and every fragment of a datagram, land on the same
// thread, so no flow is ever split. It is how `heron --threads N` reads a
// trace (live capture uses a kernel fanout group instead).
//
// The hash looks only at the outermost IP header, found behind Ethernet
// (with VLAN tags, MPLS labels and PPPoE), raw IP, BSD loopback and Linux
// cooked captures; frames without one go to the first thread. Tunnels are
// therefore kept whole on one thread, with all their inner flows.
package shard
