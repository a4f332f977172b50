// Package ethtool detects the network-interface offloads that distort
// packet capture, with the same ioctls the ethtool program uses
// (SIOCETHTOOL: ETHTOOL_GSSET_INFO and ETHTOOL_GSTRINGS for the names of
// the kernel's feature bits, ETHTOOL_GFEATURES for their state), and words
// one warning line with the exact `ethtool -K` command that switches them
// off.
//
// The offloads checked, by their ethtool -K keyword:
//
//   - gro (rx-gro) and lro (rx-lro), and hardware GRO (rx-gro-hw): received
//     packets are merged into larger ones before capture sees them;
//   - tso (tx-tcp*-segmentation) and gso (tx-generic-segmentation): packets
//     the host sends are captured before they are cut into wire-sized
//     segments;
//   - rx (rx-checksum): the NIC verifies checksums (Zeek's guidance is to
//     switch all offloads off on a capture interface).
//
// An offload that is on but that the device cannot switch off ("[fixed]"
// in ethtool -k) is named in the warning but left out of the command.
// Reading the features needs no privilege.
package ethtool
