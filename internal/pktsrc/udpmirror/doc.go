// Package udpmirror receives the traffic that cloud mirroring services
// send to a collector inside UDP tunnels, removes the VXLAN or Geneve
// header and hands Heron the mirrored packet as a frame:
//
//	heron -i udp::ADDR:PORT[:vxlan|geneve]
//
//	udp:::4789                 VXLAN on every address (IPv4 and IPv6)
//	udp::10.0.1.5:4789         VXLAN on one address
//	udp::[::]:6081             Geneve on every IPv6 (and mapped IPv4) address
//	udp::0.0.0.0:9000:geneve   Geneve on a port of your choosing
//
// ParseSpec reads the spec; an IPv6 address goes in brackets and host
// names are not looked up. Without the encapsulation word port 6081 means
// Geneve and every other port VXLAN, as in Zeek's UDP packet source (whose
// spec this is; its geneve+vxlan, raw, skip= and dlt= forms are not
// taken). A malformed spec is one error line naming the wrong part and
// showing the right form.
//
// # Where mirrored traffic comes from
//
// AWS VPC Traffic Mirroring wraps each mirrored frame in VXLAN and sends it
// to UDP port 4789 of the target: the outer source address is the mirrored
// network interface's primary address, the VNI is the mirror session's,
// and the outer source port is a hash of the mirrored packet's 5-tuple
// (3-tuple for protocols without ports). A target behind a Gateway Load
// Balancer receives that VXLAN datagram again wrapped in Geneve on port
// 6081: read it with udp:::6081 and Heron's own tunnel decoding unwraps
// the inner VXLAN. Azure virtual network TAP sends VXLAN to port 4789 as
// well. Google Cloud's out-of-band mirroring (Network Security
// Integration) sends Geneve with Google's options, a VNI of 0 and the
// mirrored IPv4 or IPv6 packet without an Ethernet header. Google's older
// VPC Packet Mirroring hands copies to collectors behind an internal load
// balancer rather than through a tunnel port (not verified here); capture
// those with af_packet. The cloud services' documentation is the authority
// on all of this; only the encapsulations themselves are tested here.
//
// Mirrors truncate or fragment large packets as they see fit: the kernel
// reassembles fragmented datagrams before this source sees them, and a
// mirror's truncation shows as a shorter frame (Heron cannot know the
// original length). If the mirrored copies of one direction carry checksums
// the sending host's NIC was to fill in, Heron reports bad checksums; run it
// with -C then.
//
// # Frames
//
// Next returns the packet inside each datagram: link type Ethernet (1) for
// VXLAN and for Geneve protocol type 0x6558, raw IP (101) for Geneve
// protocol types 0x0800 and 0x86DD. Its time is the kernel's receive
// timestamp of the datagram (SO_TIMESTAMPNS), or the clock when the batch
// was read if the kernel attached none, so it is the collector's receive
// time, not the moment the mirror copied the packet. Frame.Data is
// borrowed from the source's receive buffer: it is valid only until the
// next call to Next (or Close) and must not be retained or modified. VNI
// and Peer tell the last frame's network identifier and sender.
//
// Datagrams that carry no mirrored packet are counted in Stats and
// skipped: a VXLAN header without the I flag, a Geneve version other than
// 0, a header longer than the datagram or nothing after it (the checks
// Zeek's VXLAN and Geneve analyzers make), Geneve control messages (the O
// bit) and Geneve payloads that are neither Ethernet nor IP. Geneve
// options, including critical ones, are skipped by their length.
//
// Next reads up to Config.Batch datagrams per recvmmsg call into
// preallocated slots and allocates nothing. Measured through a veth pair,
// the kernel's own work per datagram dominates (about 0.75 µs of CPU per
// small frame on the machine this was written on); batching saves the
// per-call part of it, some 5 to 10 %, and wake-ups under load. The
// default batch is 32. While the socket is empty Next waits
// in the Go runtime's poller until a datagram arrives, Stop is called
// (from any goroutine), or Config.IdleTimeout passes, when it returns
// ErrIdle (wrapping pktsrc.ErrIdle) so that the packet loop can run its
// timers.
//
// # Several sockets on one port
//
// With Config.ReusePort (the default) several sockets of the same user —
// threads of one Heron or several processes — can bind the same port
// (SO_REUSEPORT), each opening its own socket, and the kernel gives each
// datagram to one of them. By itself the kernel chooses by a hash of the
// outer addresses and ports. That is rarely what a monitor needs:
//
//   - A mirror that sends everything from one address and port lands on
//     one socket, and the others stay idle. Balancing by the outer header
//     spreads only distinct senders (mirror sessions, mirrored interfaces,
//     source ports).
//   - AWS varies the outer source port with a hash of the mirrored
//     packet's 5-tuple, and nothing says that hash gives both directions of
//     a connection the same port. If it does not, the two directions of a
//     connection reach different sockets, and neither thread sees the whole
//     connection.
//
// Config.Group fixes both. When a group of N sockets all set Group to N,
// each attaches a classic BPF program to the group
// (SO_ATTACH_REUSEPORT_CBPF, Linux 4.5 and later) that picks the socket
// from the mirrored packet itself: it finds the inner IP header (behind
// the Geneve options and up to two VLAN tags) and hashes the XOR of the
// source and destination addresses, which is the same in both directions.
// Every packet of a connection, and every fragment, goes to one socket,
// whichever mirror or outer port it came through. Datagrams without an
// inner IP header (ARP, say) fall back to the kernel's outer hash. The
// program indexes the group's sockets in the order they bound; a socket
// that closes and reopens may change which socket gets which hosts, so a
// group should start and stop together. Balancing by addresses alone keeps
// all connections between two hosts on one socket, as Heron's --threads
// does for traces.
//
// # Counters
//
// Stats counts datagrams, frames, the skipped kinds, truncated datagrams
// (longer than Config.SlotSize, 64 KiB by default, so none) and the
// kernel's drops at the socket (receive buffer full, or a bad outer UDP
// checksum; SO_MEMINFO). Drops happen when Heron falls behind: raise
// Config.RecvBuffer (as root it is set beyond net.core.rmem_max with
// SO_RCVBUFFORCE; otherwise Open warns when the kernel granted less) or
// add sockets to the group.
//
// The package works on Linux (except linux/386); elsewhere Open fails.
package udpmirror
