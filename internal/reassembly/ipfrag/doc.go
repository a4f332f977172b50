// Package ipfrag reassembles fragmented IPv4 and IPv6 datagrams the way
// Zeek does, weirds included.
//
// # Use
//
// One Reassembler belongs to one packet pipeline (it is not safe for
// concurrent use). The IP layer hands it every fragment after its own checks
// (header valid, checksum good, the fragment fully captured) and, before each
// packet, lets it expire old state:
//
//	r := ipfrag.New(ipfrag.DefaultConfig())
//	r.Weird = func(name string, k *ipfrag.Key) { /* flow weird: k.SrcAddr(), k.DstAddr() */ }
//	...
//	r.Expire(pkt.TS)
//	whole, done := r.AddIPv4(pkt.TS, ip) // or AddIPv6(pkt.TS, ip, fragHdrOffset)
//	if done { /* continue with whole as the reassembled IP packet */ }
//
// AddIPv6 takes the offset of the Fragment header and finds the rest itself
// (LocateIPv6Frag); AddIPv6Frag takes an IPv6Frag from a decoder that
// already knows the header positions and Zeek's addresses.
//
// The returned datagram is owned by the Reassembler and stays valid only
// until the next call of any of its methods; the fragment passed in is only
// read during the call and may be reused by the caller right after.
//
// # What Zeek does, and so what this package does
//
// Zeek's FragReassembler (src/Frag.cc) on top of its block list
// (src/Reassem.cc), driven from the IP packet analyzer
// (src/packet_analysis/protocol/ip/IP.cc):
//
//   - A datagram is keyed by source address, destination address and the
//     fragment identification (16 bits for IPv4, 32 for IPv6); the protocol
//     is not part of the key. For IPv6 the addresses are the ones Zeek uses
//     for the packet: the Home Address destination option replaces the
//     source and a routing header with segments left names the final
//     destination (LocateIPv6Frag computes them).
//   - The first fragment to arrive (whatever its offset) supplies the header
//     of the reassembled packet: the IPv4 header with its options, or the
//     IPv6 header and the extension headers before the Fragment header.
//     Data that arrives first wins: a later fragment only fills the holes
//     it covers, and each stored block it overlaps raises
//     fragment_inconsistency when the bytes differ or fragment_overlap when
//     they agree.
//   - The datagram is complete once the blocks run without a hole from
//     offset 0 to the size implied by the last fragment (MF clear). When
//     fragments disagree about that size the larger one wins, with
//     fragment_size_inconsistency; if the blocks run without a hole past
//     the size but something lies beyond a hole, the contiguous part is
//     taken, again with fragment_size_inconsistency.
//   - On completion the state is dropped; more fragments with the same key
//     start a new datagram. Incomplete datagrams are dropped silently after
//     Timeout (Zeek's frag_timeout, 5 min by default, counted from the
//     first fragment and never extended; 0 keeps them forever).
//   - A fragment without payload updates the size but does not trigger the
//     completion check (Zeek's block list ignores empty blocks).
//   - An IPv6 "atomic fragment" (Fragment header, offset 0, M clear) goes
//     through the reassembler too and completes at once, so the packet is
//     analysed with the Fragment header removed.
//
// Weirds (flow weirds: the caller reports them with the key's addresses),
// in the order Zeek checks them for each fragment:
//
//   - fragment_protocol_inconsistency: IPv4 protocol or header length, or
//     IPv6 next header (after the Fragment header) or unfragmentable-part
//     length, differs from the datagram's first fragment (for IPv6 the
//     next header is taken from the offset-0 fragment once it is seen).
//     Also raised when the total length is below the header length; that
//     fragment is then discarded. Otherwise the fragment is kept.
//   - fragment_with_DF: an IPv4 fragment with DF set (kept).
//   - fragment_size_inconsistency: a last fragment disagrees with an
//     earlier last fragment, a fragment ends beyond the known size, or the
//     completion check above finds data past the size (kept; the size
//     grows).
//   - excessively_small_fragment: a fragment with MF set whose total length
//     (IP header included) is below 64 bytes (kept).
//   - excessively_large_fragment: a fragment ending beyond 64000 bytes of
//     payload (kept).
//   - fragment_inconsistency, fragment_overlap: see above (kept; first data
//     wins).
//
// Zeek bounds none of this; Heron does, with weirds of its own naming that
// Zeek never raises (none of them fire under DefaultConfig unless the
// traffic is hostile or the host is flooded):
//
//   - fragment_reassembly_evicted: MaxDatagrams pending datagrams, or
//     MaxBytes of stored fragment data, would be exceeded; the oldest
//     pending datagram is dropped (reported with its key).
//   - excessively_many_fragments: a datagram got more than
//     MaxFragmentsPerDatagram fragments; it is dropped with the fragment.
//   - excessively_large_datagram: a datagram would hold more than
//     MaxBytesPerDatagram bytes; it is dropped with the fragment.
//
// # The reassembled packet
//
// The result is a complete IP packet. For IPv4 it is the first-arrived
// fragment's header (options included) followed by the data; the total
// length is set to header plus data, MF and the fragment offset are
// cleared (DF is kept) and the header checksum is recomputed. Zeek keeps
// MF, offset and checksum of that first fragment as they were (visible only
// to scripts through the raw header, e.g. get_current_packet_header); it
// does not verify the checksum of a reassembled packet, so a valid one
// changes nothing it analyses. For IPv6 it is the first-arrived fragment's
// unfragmentable part with the Next Header field that named the Fragment
// header set to the Fragment header's next header, then the data; the
// payload length is updated, as Zeek does.
//
// Like Zeek, the length fields are 16 bits and wrap when the datagram is
// larger (fragments can claim up to about 128 KiB): the returned slice
// holds every byte but the length field holds the wrapped value. Zeek then
// continues with the length from the header only: if the header is longer
// than that length it raises invalid_IP_header_size and drops the packet;
// otherwise the payload is cut to it. The IP layer should apply the same
// checks to a reassembled packet and skip the ones Zeek does not repeat
// (checksum, ip_hdr_len_zero, truncated_IP_len, fragment handling).
//
// What the IP layer does before calling in, as Zeek does: a fragment that is
// not fully captured (caplen below its total length) raises
// incompletely_captured_fragment (a packet weird); the offset-0 one is then
// analysed as it is and the others are dropped, and neither is given to
// the reassembler. The Add methods ignore such input if it reaches them.
package ipfrag
