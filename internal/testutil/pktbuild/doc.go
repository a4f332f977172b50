// Package pktbuild builds packets for tests: Ethernet frames carrying IPv4
// or IPv6 with TCP, UDP or ICMP, with correct lengths and checksums unless
// a test asks otherwise, and the headers of the tunnels Heron decodes
// (IP-in-IP, GRE and PPTP, VXLAN, Geneve, Teredo, AYIYA, GTPv1). Tests
// across Heron use it to make the traffic they feed to the decoders, and
// to write small traces with pcapfile's writer. Every builder returns a
// new slice that the caller owns.
package pktbuild
