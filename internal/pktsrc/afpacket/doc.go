// Package afpacket captures packets live on Linux through an AF_PACKET
// socket with a memory-mapped TPACKET_V3 ring, as Zeek's built-in
// AF_Packet packet source does (`zeek -i af_packet::eth0`), with the same
// options (AF_Packet::buffer_size, block_size, block_timeout,
// enable_hw_timestamping, enable_fanout, enable_defrag, fanout_mode,
// fanout_id, link_type, checksum_validation_mode) and defaults.
//
// # Capture
//
// Open creates the socket, checks that the interface exists and is up,
// sets up the ring (BufferSize/BlockSize blocks of BlockSize bytes),
// attaches Config.Filter, binds to the interface for all protocols, enters
// promiscuous mode through PACKET_ADD_MEMBERSHIP (the interface's
// IFF_PROMISC flag is left alone), joins the fanout group and, if asked,
// turns on hardware timestamps. A Source is a pktsrc.Source: Next walks
// the blocks the kernel hands over and returns their frames in place.
// Frame.Data is borrowed from the ring: it is valid only until the next
// call to Next or Close, and the block holding it goes back to the kernel
// on the next call. Next allocates nothing; it sleeps in the Go runtime's
// poller (epoll) while the ring is empty, until a packet arrives, Stop is
// called from another goroutine, or Config.IdleTimeout passes.
//
// The kernel strips the outermost VLAN tag from received frames and
// reports it in the ring's packet header (TP_STATUS_VLAN_VALID,
// tp_vlan_tci, tp_vlan_tpid). For Ethernet, Next puts the 802.1Q (or
// 802.1ad) tag back into the frame as libpcap does, in the headroom
// PACKET_RESERVE keeps in front of each frame, so the decoders see the
// frame as it was on the wire. (Zeek's source hands the tag over beside
// the frame instead; both end with the same outer and inner VLAN ids.)
//
// # Fanout
//
// With EnableFanout every socket that joins group FanoutID on an
// interface gets a share of its packets, chosen by FanoutMode; with the
// default FanoutHash all packets of a flow go to one socket, so several
// processes can split an interface's traffic. A group belongs to one
// interface: joining an existing id on a second interface fails (the
// kernel returns EINVAL), and Open says to pick another
// AF_Packet::fanout_id. Some kernels (3.10 to 4.7) hashed the two
// directions of a flow differently; FanoutSelfTest checks the running
// kernel in a private network namespace.
//
// # Checksums, statistics, offloads, permissions
//
// L4Checksummed applies AF_Packet::checksum_validation_mode to the last
// frame (TP_STATUS_CSUM_VALID and TP_STATUS_CSUMNOTREADY for
// CHECKSUM_KERNEL), as Zeek sets Packet::l4_checksummed. Stats reads
// PACKET_STATISTICS. OffloadWarning (package ethtool) words one warning
// line with the ethtool -K command that switches off GRO, LRO, TSO, GSO
// and rx checksumming. Capturing needs root or CAP_NET_RAW, which covers
// promiscuous mode through PACKET_ADD_MEMBERSHIP (CAP_NET_ADMIN is needed
// too for hardware timestamps); without it Open returns one line naming
// the capabilities and the setcap command.
//
// The Zeek behaviour matched here is that of src/iosource/af_packet in
// the Zeek tree (AF_Packet.cc, RX_Ring.cc) and the options in
// scripts/base/init-bare.zeek (module AF_Packet) and src/types.bif.
// Elsewhere (other systems, and linux/386) the package builds but Open
// fails.
package afpacket
