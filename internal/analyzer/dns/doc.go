// Package dns is Heron's DNS analyzer: DNS over UDP and TCP, multicast DNS
// and LLMNR, and NetBIOS name service as Zeek handles them, written to
// dns.log exactly as Zeek's base/protocols/dns does.
//
// The spec is Zeek: the message parser follows DNS_Interpreter in
// src/analyzer/protocol/dns/DNS.cc step by step (which records it decodes
// or skips, how far each one reads, where it gives up on a message, and
// every weird with its name and text), and the pairing of queries with
// replies follows scripts/base/protocols/dns/main.zeek (DNS::Info, the
// set_session hook, the pending queues and their limits, do_reply and the
// answer summaries of each record type, dns_end and finalize_dns). Record
// types are RFC 1035 (A, NS, CNAME, SOA, WKS, PTR, HINFO, MX, TXT), RFC 3596
// (AAAA), RFC 2782 (SRV), RFC 3403 (NAPTR), RFC 1876 (LOC), RFC 4034
// (DNSKEY, RRSIG, NSEC, DS), RFC 5155 (NSEC3, NSEC3PARAM), RFC 4255
// (SSHFP), RFC 8659 (CAA), RFC 9460 (SVCB, HTTPS), RFC 6891 (OPT, with
// the options of RFC 7871, 7828 and 7873), RFC 8945 (TSIG), RFC 2930
// (TKEY) and RFC 2136 (dynamic update), RFC 1996 (NOTIFY).
//
// The files:
//
//   - parse.go: the wire format, one message at a time, into events:
//     header, names and compression, questions, records; records.go,
//     dnssec.go, edns.go and svcb.go decode each record type's data;
//   - rdata.go: the decoded header and records the events carry;
//   - script.go: main.zeek's handlers: transactions, pairing, rendering
//     of answers, writing;
//   - analyzer.go: the per-connection analysis (datagrams, and TCP's
//     length-prefixed messages at any byte boundary);
//   - host.go: what it needs from the framework; register.go: the
//     analyzer, its options, its log and its detection signatures;
//   - log.go: the dns.log record; consts.go: Zeek's name tables.
//
// Zeek logs only the answer section (and a dynamic update's
// prerequisites and updates) and by default skips authority and
// additional records altogether (dns_skip_all_auth, dns_skip_all_addl);
// records whose events base/protocols/dns does not handle (HINFO, CAA,
// TKEY, TSIG, OPT and its options, SVCB, HTTPS) are decoded where Zeek
// decodes them but add nothing to dns.log, again as in Zeek.
//
// Zeek has no detection signatures for DNS; Heron's (see signatures.go)
// find DNS on other ports from a query and its reply.
//
// Where Heron differs from Zeek:
//
//   - When Zeek's script picks "an arbitrary" unmatched query, and when it
//     writes the unmatched messages at the end, it goes in the hash order
//     of its tables; Heron goes in the order the transaction ids arrived.
//   - Unmatched records may hold at most 8 MiB of answer text per
//     connection (replies made of compression pointers render to hundreds
//     of times their size); past that they are written out at once, as
//     Zeek does when its pending queues overflow, with the weird
//     DNS_pending_memory_limit.
//   - Zeek's analyzer swaps a connection's roles when the first message is
//     a reply from the originator, and ends a UDP connection after
//     dns_session_timeout (10 s) of silence. Both need the framework: the
//     analyzer does them when its Handle offers FlipRoles, and AddTimer
//     with RemoveConn (see host.go); until then they do not happen.
package dns
