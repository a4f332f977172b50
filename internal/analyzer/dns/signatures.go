package dns

// signatures find DNS on ports not registered for it. Zeek has none for
// DNS (it relies on DNS::ports), so these are Heron's own and strict: a
// standard query, notify or update with one question and no answers from
// the originator, then a reply with one question from the responder. Both
// must start with a plausible header and a question whose name is made of
// host-name labels, followed by a type and the class IN, CHAOS or ANY
// (with mDNS's unicast-response bit allowed). Over TCP the same comes
// after the 2-byte length.
//
// The header bytes, by pattern position:
//
//	id              [\x00-\xff]{2}
//	flags, query    QR=0, opcode 0, 4 or 5, AA=0, TC=0, any RD;
//	                RA=0, Z (AD, CD) any, rcode 0
//	flags, reply    QR=1, opcode 0, 4 or 5, any AA, TC, RD;
//	                any RA, Z; rcode 0 to 5
//	counts, query   1 question, no answers, no authority, 0 or 1 additional (OPT)
//	counts, reply   1 question, any counts
//	question        labels of 1-63 bytes of [-0-9A-Za-z_], the root, a type
//	                below 512, class 1, 3 or 255 (0x8001 etc. for mDNS)
const signatures = `
signature dpd_dns_udp_query {
	ip-proto == udp
	payload /^[\x00-\xff]{2}[\x00\x01\x20\x21\x28\x29][\x00\x10\x20\x30]\x00\x01\x00\x00\x00\x00\x00[\x00\x01]([\x01-\x3f][-0-9A-Za-z_]+)+\x00[\x00\x01][\x00-\xff][\x00\x80][\x01\x03\xff]/
}

signature dpd_dns_udp_reply {
	ip-proto == udp
	payload /^[\x00-\xff]{2}[\x80-\x87\xa0-\xa7\xa8-\xaf][\x00-\x05\x10-\x15\x20-\x25\x30-\x35\x40-\x45\x50-\x55\x60-\x65\x70-\x75\x80-\x85\x90-\x95\xa0-\xa5\xb0-\xb5\xc0-\xc5\xd0-\xd5\xe0-\xe5\xf0-\xf5]\x00\x01[\x00-\xff]{6}([\x01-\x3f][-0-9A-Za-z_]+)+\x00[\x00\x01][\x00-\xff][\x00\x80][\x01\x03\xff]/
	requires-reverse-signature dpd_dns_udp_query
	enable "dns"
}

signature dpd_dns_tcp_query {
	ip-proto == tcp
	payload /^[\x00-\xff]{4}[\x00\x01\x20\x21\x28\x29][\x00\x10\x20\x30]\x00\x01\x00\x00\x00\x00\x00[\x00\x01]([\x01-\x3f][-0-9A-Za-z_]+)+\x00[\x00\x01][\x00-\xff][\x00\x80][\x01\x03\xff]/
}

signature dpd_dns_tcp_reply {
	ip-proto == tcp
	payload /^[\x00-\xff]{4}[\x80-\x87\xa0-\xa7\xa8-\xaf][\x00-\x05\x10-\x15\x20-\x25\x30-\x35\x40-\x45\x50-\x55\x60-\x65\x70-\x75\x80-\x85\x90-\x95\xa0-\xa5\xb0-\xb5\xc0-\xc5\xd0-\xd5\xe0-\xe5\xf0-\xf5]\x00\x01[\x00-\xff]{6}([\x01-\x3f][-0-9A-Za-z_]+)+\x00[\x00\x01][\x00-\xff][\x00\x80][\x01\x03\xff]/
	requires-reverse-signature dpd_dns_tcp_query
	enable "dns"
}
`
