// Package conn tracks connections as Zeek does and produces conn.log
// records.
//
// A connection is a TCP connection or a UDP, ICMP or other-IP flow,
// identified by a canonical Key (lower endpoint first, so both directions
// of a flow find the same entry) and stored by value in a slab indexed by
// an open-addressing table: lookups allocate nothing and hold no pointers
// in the keys. The Manager implements the TCP, UDP, ICMP and
// unknown-IP-transport packet layers (Install puts them on a decoder).
//
// The semantics are Zeek's, translated function by function from its TCP
// session adapter, endpoints and reassembler, and its UDP and ICMP
// analyzers: which side is the originator (including flips on SYN-ACK-first
// and likely server ports), the TCP endpoint state machine, history letters
// with their repetition and logarithmic scaling rules, byte counts from
// sequence numbers, content gaps (missed_bytes), conn_state, and the timers
// that end connections (inactivity, attempt, expire, close delay), run on
// packet time by a timing wheel. Zeek's quirks are kept where they change
// the logs: packets counted before a late flip follow it, UDP request
// sizes do not, an ICMP message without a counterpart keeps its direction.
//
// The TCP reassembler here keeps sequence ranges, not bytes: conn.log needs
// only the gap accounting. Stream reassembly for protocol analyzers builds
// on the same state.
//
// Timestamps: a connection's times are its packets' own times (Zeek's
// current_timestamp), while timers run on network time, the latest packet
// time seen, which never goes back.
package conn
