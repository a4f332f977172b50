// Package bpf compiles capture filters written in tcpdump's filter language
// (pcap-filter(7)) to classic BPF, and runs classic BPF programs on
// packets.
//
// Compile turns an expression such as "tcp port 80 and not net 10.0.0.0/8"
// into a Program for one link type; Program.Match runs it on a packet
// without allocating. Program.SockFilter returns the instructions in the
// layout of Linux's struct sock_filter, for the SO_ATTACH_FILTER socket
// option (attaching is the caller's business). LoadProgram runs programs
// built elsewhere, such as libpcap's (tcpdump -ddd).
//
// # Compatibility with tcpdump
//
// The language and its meaning are libpcap's (1.10, as tcpdump 4.99 uses
// it), and the tests hold Heron to it: on every trace of Zeek's test corpus
// Heron accepts exactly the packets tcpdump -r accepts, and it refuses a
// filter for a link type exactly when tcpdump does. That includes the
// details that surprise people:
//
//   - "vlan", "mpls" and "pppoes" move the offsets of every primitive
//     written after them, whatever the and/or structure ("ip or vlan and
//     ip" looks for the second "ip" four bytes further on);
//   - a bare id after "and"/"or" takes the qualifiers of the primitive
//     before it ("port 80 or 443"); after a parenthesized expression, those
//     in effect before the parenthesis;
//   - "1-1" and "len-1" are names, not arithmetic (write "len - 1");
//   - tcp[], udp[], icmp[] and the like index IPv4 only, and skip
//     non-first fragments; "tcp", "udp" and the other protocol names look
//     past one IPv6 fragment header, "port" does not;
//   - a packet cut short by the snapshot length is rejected as soon as the
//     program reads past its end, even inside a "not" or the left side of
//     an "or";
//   - "ip6" on BSD loopback captures matches the address families of
//     NetBSD/OpenBSD (24), FreeBSD (28) and macOS (30), as libpcap does
//     for files; the family's byte order is the file's (Options);
//   - a filter that can match no packet ("ip and ip6") is refused when
//     libpcap's optimizer proves it, and only then;
//   - on 802.11 captures whose filter needs the 802.11 header length,
//     libpcap does not optimize the program, and neither does Heron.
//
// How a program decides on a packet cut short by the snapshot length
// depends on which loads it still makes and in which order, which
// libpcap's optimizer changes (it removes loads whose values are known or
// unused, and moves tests: "port 80 or 443" compares the source port with
// both before it reads the destination port). Heron therefore generates
// code shaped like libpcap's code generator's and runs the same optimization
// (value numbering, constant folding, peephole rewrites, dead-store
// removal, jump threading over dominating tests, "or"/"and" pull-ups; see
// opt.go), so that its programs make the same decisions; most are
// instruction for instruction libpcap's. The code is Heron's own.
//
// # Link types
//
// Ethernet (1), raw IP (12, 14, 101), raw IPv4 (228) and IPv6 (229), BSD
// loopback (0) and OpenBSD loopback (108), Linux cooked captures v1 (113)
// and v2 (276), PPP (9), FDDI (10), 802.11 (105) and 802.11 with radiotap
// (127); on Linux netfilter logs (239) and IEEE 802.15.4 (230) only the
// link-independent primitives (len, less, greater, link[...]) work, as in
// libpcap.
//
// # Not supported
//
// Host and network names (Heron does not resolve names; write addresses),
// "gateway", "protochain", "geneve", "llc" subtypes, 802.11 "type",
// "subtype", "dir" and "addr1".."addr4"/"ra"/"ta", DECnet and ISO
// addresses and protocols, ATM, SS7 and pf primitives, and "inbound" and
// "outbound" outside Linux cooked captures: each is an error wrapping
// ErrUnsupported that names it. Service names for "port" come from
// /etc/services (and protocol names from /etc/protocols), as libpcap's
// do, with a built-in list when those files are absent.
//
// # Differences
//
// libpcap 1.10 keeps using dominator information that its "or"/"and"
// pull-ups have made stale within a pass, which can produce a wrong
// program; Heron recomputes it (as later libpcap does). libpcap's programs
// for "pppoes" on radiotap captures read a scratch register they never
// set; Heron's do not. Filters whose code exceeds 6000 blocks (some 250
// port terms) are not optimized: libpcap needs minutes to hours for them.
//
// # Errors
//
// Every error is an *Error: the expression, the byte offset of the token
// at fault (shown as a 1-based column), and what is wrong, e.g.
//
//	bpf: "tcp port 80 andd host x": syntax error at column 13: unexpected "andd"
//
// Its Err field is ErrSyntax, ErrInvalid (tcpdump refuses it too),
// ErrUnsupported (tcpdump accepts it, Heron does not) or ErrRejectsAll.
package bpf
