// Package communityid computes the Community ID flow hash, version 1
// (https://github.com/corelight/community-id-spec), exactly as Zeek's
// community_id_v1 built-in does for the community_id field that
// policy/protocols/conn/community-id-logging adds to conn.log.
//
// The value is "1:" followed by the SHA-1 digest, in standard base64 with
// padding (CommunityID::do_base64 = T, the default) or in lower-case hex,
// of these bytes in network order:
//
//	seed (2) | addr A (4 or 16) | addr B (4 or 16) | proto (1) | 0 (1) | port A (2) | port B (2)
//
// The ports are present for TCP, UDP, ICMP, ICMPv6 and SCTP only. The
// endpoints are put in a canonical order (see Append), so both directions of
// a flow hash alike. CommunityID::seed is a Zeek count; Zeek hashes its low
// 16 bits, so pass uint16(seed).
//
// # Ports for ICMP
//
// Callers pass the ports of Zeek's conn_id: for ICMP and ICMPv6, id.orig_p
// is the message type and id.resp_p is the type of the expected reply for a
// request/reply pair (echo, timestamp, information, router
// solicitation/advertisement, address mask; for ICMPv6 also neighbor
// discovery, MLD query/report, node information 139/140 and home agent
// address discovery 144/145), or the message code for any other ("one-way")
// type. ICMPConnPorts derives them from a packet's type and code. Append
// decides one-way from the type alone, and does not reorder one-way flows.
//
// # Where this follows Zeek rather than the reference script
//
//   - Address family: Zeek stores IPv4 as IPv4-mapped IPv6, so an IPv6
//     packet between ::ffff:a.b.c.d addresses is hashed as IPv4 (4-byte
//     addresses, and ICMP rather than ICMPv6). Append does the same.
//   - ICMP versus ICMPv6: Zeek's conn_id only says "icmp"; the protocol
//     number hashed is 1 or 58 according to the originator's address
//     family, whichever of the two the caller passes.
//   - Endpoint order: Zeek compares the addresses as 16-byte strings and,
//     when they are equal, the ports as network-order 16-bit values read as
//     host integers. On the little-endian hosts Zeek runs on, that compares
//     the byte-swapped ports (so port 256 sorts before port 1). This only
//     matters when both endpoints have the same address.
//   - The SCTP ports are hashed as given; Zeek's core does not parse SCTP,
//     so its conn_id has ports 0 and Zeek hashes zeros.
package communityid
