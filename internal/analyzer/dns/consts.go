package dns

import "strconv"

// DNS numbers the analyzer acts on (RFC 1035 and its successors).
const (
	opQuery         = 0 // standard query
	opNotify        = 4 // RFC 1996
	opDynamicUpdate = 5 // RFC 2136
	classNone       = 254
	classAny        = 255
	typeAny         = 255
	netbiosPort     = 137
	maxNameBuffer   = 512 // name bytes Zeek's analyzer keeps per name
	headerLen       = 12
)

// RR types the parser decodes.
const (
	typeA          = 1
	typeNS         = 2
	typeCNAME      = 5
	typeSOA        = 6
	typeWKS        = 11
	typePTR        = 12
	typeHINFO      = 13
	typeMX         = 15
	typeTXT        = 16
	typeAAAA       = 28
	typeLOC        = 29
	typeNBS        = 32
	typeSRV        = 33
	typeNAPTR      = 35
	typeA6         = 38
	typeOPT        = 41
	typeDS         = 43
	typeSSHFP      = 44
	typeRRSIG      = 46
	typeNSEC       = 47
	typeDNSKEY     = 48
	typeNSEC3      = 50
	typeNSEC3PARAM = 51
	typeSVCB       = 64
	typeHTTPS      = 65
	typeSPF        = 99
	typeTKEY       = 249
	typeTSIG       = 250
	typeCAA        = 257
	typeBINDS      = 65534
)

// queryTypeNames is DNS::query_types for the types below 110.
var queryTypeNames = [...]string{
	1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL",
	11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB",
	19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY", 26: "PX",
	27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID", 32: "NIMLOC", 33: "SRV", 34: "ATMA",
	35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL",
	43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 49: "DHCID",
	50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA", 55: "HIP", 56: "NINFO", 57: "RKEY",
	58: "TALINK", 59: "CDS", 60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD",
	64: "SVCB", 65: "HTTPS", 99: "SPF", 100: "UINFO", 101: "UID", 102: "GID", 103: "UNSPEC",
	104: "NID", 105: "L32", 106: "L64", 107: "LP", 108: "EUI48", 109: "EUI64",
}

// queryTypeName is Zeek's DNS::query_types[t], "query-N" for the types it
// does not name.
func queryTypeName(t uint16) string {
	if int(t) < len(queryTypeNames) && queryTypeNames[t] != "" {
		return queryTypeNames[t]
	}
	switch t {
	case 249:
		return "TKEY"
	case 250:
		return "TSIG"
	case 251:
		return "IXFR"
	case 252:
		return "AXFR"
	case 253:
		return "MAILB"
	case 254:
		return "MAILA"
	case 255:
		return "*"
	case 256:
		return "URI"
	case 257:
		return "CAA"
	case 32768:
		return "TA"
	case 32769:
		return "DLV"
	case 65281:
		return "WINS"
	case 65282:
		return "WINS-R"
	case 65422:
		return "XPF"
	case 65521:
		return "INTEGRITY"
	}
	return "query-" + strconv.Itoa(int(t))
}

// rcodeNames is DNS::base_errors for the 4-bit header rcode.
var rcodeNames = [16]string{
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSet", "NOTAUTH", "NOTZONE", "unassigned-11", "unassigned-12", "unassigned-13",
	"unassigned-14", "unassigned-15",
}

// rcodeName is Zeek's DNS::base_errors[r].
func rcodeName(r uint16) string {
	if int(r) < len(rcodeNames) {
		return rcodeNames[r]
	}
	switch r {
	case 16:
		return "BADVERS"
	case 17:
		return "BADKEY"
	case 18:
		return "BADTIME"
	case 19:
		return "BADMODE"
	case 20:
		return "BADNAME"
	case 21:
		return "BADALG"
	case 22:
		return "BADTRUNC"
	case 23:
		return "BADCOOKIE"
	case 3842:
		return "BADSIG"
	}
	return "rcode-" + strconv.Itoa(int(r))
}

// className is Zeek's DNS::classes[c].
func className(c uint16) string {
	switch c {
	case 1:
		return "C_INTERNET"
	case 2:
		return "C_CSNET"
	case 3:
		return "C_CHAOS"
	case 4:
		return "C_HESIOD"
	case 254:
		return "C_NONE"
	case 255:
		return "C_ANY"
	}
	return "qclass-" + strconv.Itoa(int(c))
}

// opcodeName is Zeek's DNS::opcodes[op], or DNS::netbios_opcodes[op] for
// NetBIOS name service messages.
func opcodeName(op uint8, netbios bool) string {
	if netbios {
		switch op {
		case 0:
			return "netbios-query"
		case 5:
			return "netbios-registration"
		case 6:
			return "netbios-release"
		case 7:
			return "netbios-wack"
		case 8:
			return "netbios-refresh"
		}
		return "netbios-opcode-" + strconv.Itoa(int(op))
	}
	switch op {
	case 0:
		return "query"
	case 1:
		return "iquery"
	case 2:
		return "server-status"
	case 4:
		return "notify"
	case 5:
		return "dynamic-update"
	case 6:
		return "dso"
	}
	return "opcode-" + strconv.Itoa(int(op))
}
