// Package pktbuild builds packets for tests: Ethernet frames carrying IPv4
// or IPv6 with TCP, UDP or ICMP, with correct lengths and checksums unless
// a test asks otherwise. Tests across Heron use it to make the traffic they
// feed to the decoders, and to write small traces with pcapfile's writer.
package pktbuild
