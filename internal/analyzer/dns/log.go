package dns

import "github.com/heron-nsm/heron/internal/zeek"

// Info is a dns.log record (Zeek's DNS::Info): one DNS query and its
// reply, or a query or reply whose partner was never seen. Fields and
// order are Zeek 9's.
type Info struct {
	// TS is when the first message of the transaction was seen.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// Proto is the transport protocol of the responder's port.
	Proto zeek.Proto `zeek:"proto,enum"`
	// TransID is the 16-bit transaction id of the messages.
	TransID zeek.Opt[uint64] `zeek:"trans_id"`
	// RTT is the time from the query to the first reply record, unset
	// when it would be zero (only a reply was seen).
	RTT zeek.Opt[float64] `zeek:"rtt,interval"`
	// Query is the domain name asked about (lower case), or the name of
	// the first answer when only a reply was seen.
	Query zeek.Opt[string] `zeek:"query"`
	// QClass is the query's class.
	QClass zeek.Opt[uint64] `zeek:"qclass"`
	// QClassName names QClass (DNS::classes).
	QClassName zeek.Opt[string] `zeek:"qclass_name"`
	// QType is the query's type.
	QType zeek.Opt[uint64] `zeek:"qtype"`
	// QTypeName names QType (DNS::query_types).
	QTypeName zeek.Opt[string] `zeek:"qtype_name"`
	// RCode is the reply's response code (the header's 4 bits).
	RCode zeek.Opt[uint64] `zeek:"rcode"`
	// RCodeName names RCode (DNS::base_errors).
	RCodeName zeek.Opt[string] `zeek:"rcode_name"`
	// AA is the reply's Authoritative Answer bit.
	AA bool `zeek:"AA"`
	// TC is the query's Truncation bit.
	TC bool `zeek:"TC"`
	// RD is the query's Recursion Desired bit.
	RD bool `zeek:"RD"`
	// RA is the reply's Recursion Available bit.
	RA bool `zeek:"RA"`
	// Z is the query's 3-bit Z field (including the AD and CD bits).
	Z uint64 `zeek:"Z"`
	// Answers are the reply's answer records as Zeek summarises them.
	Answers zeek.Opt[[]string] `zeek:"answers"`
	// TTLs are the TTLs of Answers.
	TTLs zeek.Opt[[]zeek.Interval] `zeek:"TTLs"`
	// Rejected is set when the server rejected the query.
	Rejected bool `zeek:"rejected"`
	// Opcode is the message's opcode.
	Opcode zeek.Opt[uint64] `zeek:"opcode"`
	// OpcodeName names Opcode (DNS::opcodes, or DNS::netbios_opcodes for
	// NetBIOS name service).
	OpcodeName zeek.Opt[string] `zeek:"opcode_name"`
}
