package dns

import "net/netip"

// section is where a resource record sits in a message (Zeek's
// DNS_AnswerType; prerequisites and updates are the answer and authority
// sections of a dynamic update).
type section uint8

const (
	secQuestion section = iota
	secAnswer
	secAuthority
	secAdditional
	secPrereq
	secUpdate
)

// msgHeader is a message's header as Zeek's dns_msg record holds it.
type msgHeader struct {
	id                                 uint16
	opcode                             uint8
	rcode                              uint16
	qr, aa, tc, rd, ra                 bool
	z                                  uint8 // 3 bits, AD and CD included
	ad, cd                             bool
	qdcount, ancount, nscount, arcount uint16
	netbios                            bool // NetBIOS name service (port 137)
	isQuery                            int  // the direction: fromOriginator, fromResponder or fromUnknown
	dynUpdate                          bool // opcode 5 outside NetBIOS
	skipEvent                          bool // the section being parsed raises no events
}

// answer is a resource record's header (Zeek's dns_answer).
type answer struct {
	section section
	// name is the owner name, lower case. Borrowed: valid during the
	// event only.
	name   []byte
	qtype  uint16
	qclass uint16
	ttl    uint32
}

// rdKind names the event a decoded resource record raises in Zeek
// (dns_A_reply, dns_SOA_reply, …).
type rdKind uint8

const (
	rdNone rdKind = iota
	rdA
	rdAAAA
	rdA6
	rdNS
	rdCNAME
	rdPTR
	rdSOA
	rdWKS
	rdHINFO
	rdMX
	rdTXT
	rdSPF
	rdCAA
	rdSRV
	rdNAPTR
	rdUnknown
	rdEDNS         // dns_EDNS_addl
	rdECS          // dns_EDNS_ecs
	rdTCPKeepalive // dns_EDNS_tcp_keepalive
	rdCookie       // dns_EDNS_cookie
	rdTKEY
	rdTSIG
	rdRRSIG
	rdDNSKEY
	rdNSEC
	rdNSEC3
	rdNSEC3PARAM
	rdDS
	rdBINDS
	rdSSHFP
	rdLOC
	rdSVCB
	rdHTTPS
	rdUpdatePrereq // dns_dynamic_update_pre
	rdUpdateDelete // dns_dynamic_update_del
	numKinds
)

// kindSet is a set of rdKinds.
type kindSet uint64

func (s kindSet) has(k rdKind) bool { return s&(1<<k) != 0 }

func kinds(ks ...rdKind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

// baseHandled are the record events that Zeek's base/protocols/dns
// handles. Where Zeek's parser skips a record whose event nobody handles
// (HINFO, CAA, TKEY), it matters for what follows in the message, so the
// parser needs to know.
var baseHandled = kinds(rdA, rdAAAA, rdA6, rdNS, rdCNAME, rdPTR, rdSOA, rdWKS, rdMX, rdTXT, rdSPF,
	rdSRV, rdNAPTR, rdUnknown, rdRRSIG, rdDNSKEY, rdNSEC, rdNSEC3, rdNSEC3PARAM, rdDS, rdBINDS,
	rdSSHFP, rdLOC, rdUpdatePrereq, rdUpdateDelete)

// allKinds has every event handled: the parser decodes every record type.
const allKinds = kindSet(1<<numKinds - 1)

// rdata is one decoded record's data, as Zeek's reply events carry it.
// Which fields mean something depends on kind. Every slice is borrowed
// from the message or the parser's buffers: valid during the event only.
// A nil byte slice where Zeek's event has a string is a value Zeek leaves
// unset or null (a character string that ran past the record).
type rdata struct {
	kind rdKind

	addr  netip.Addr // A, AAAA, A6
	name  []byte     // NS/CNAME/PTR/MX/SRV target, SOA mname, NAPTR replacement, NSEC next name, RRSIG signer, TKEY/TSIG algorithm, SVCB target
	name2 []byte     // SOA rname
	strs  [][]byte   // TXT/SPF strings, NSEC/NSEC3 type bitmaps

	soa        soaData
	preference uint16 // MX
	srv        srvData
	naptr      naptrData
	hinfo      hinfoData
	caa        caaData
	edns       ednsData
	ecs        ecsData
	keepalive  keepaliveData
	cookie     cookieData
	tkey       tkeyData
	tsig       tsigData
	rrsig      rrsigData
	dnskey     dnskeyData
	nsec3      nsec3Data // NSEC3 and NSEC3PARAM
	ds         dsData
	binds      bindsData
	sshfp      sshfpData
	loc        locData
	svcb       svcbData
}

type soaData struct{ serial, refresh, retry, expire, minimum uint32 }

type srvData struct{ priority, weight, port uint16 }

type naptrData struct {
	order, preference      uint16
	flags, service, regexp []byte
}

type hinfoData struct{ cpu, os []byte }

type caaData struct {
	flags      uint16
	tag, value []byte
}

// ednsData is Zeek's dns_edns_additional: the OPT pseudo-record's class
// and TTL fields reinterpreted.
type ednsData struct {
	payloadSize uint16
	extRcode    uint32 // the extended rcode joined with the header's
	version     uint32
	z           uint32
	ttl         uint32
}

// ecsData is Zeek's dns_edns_ecs (EDNS client subnet, RFC 7871).
type ecsData struct {
	family          string // "v4" or "v6"
	sourcePrefixLen uint8
	scopePrefixLen  uint8
	address         netip.Addr
}

// keepaliveData is Zeek's dns_edns_tcp_keepalive (RFC 7828).
type keepaliveData struct {
	omitted bool
	timeout uint16 // in units of 100 ms
}

// cookieData is Zeek's dns_edns_cookie (RFC 7873); server is nil when
// the option carries only the client cookie.
type cookieData struct{ client, server []byte }

type tkeyData struct {
	inception, expiration uint32
	mode, errorCode       uint16
	key                   []byte
}

type tsigData struct {
	timeSec           uint32
	timeMsec          uint16
	fudge             uint16
	origID, errorCode uint16
	mac               []byte
}

type rrsigData struct {
	typeCovered           uint16
	algorithm, labels     uint8
	origTTL               uint32
	expiration, inception uint32
	keyTag                uint16
	signature             []byte
}

type dnskeyData struct {
	flags               uint16
	protocol, algorithm uint8
	key                 []byte
}

type nsec3Data struct {
	flags, hashAlgo uint8
	iterations      uint16
	saltLen         uint8
	salt            []byte
	hashLen         uint8
	hash            []byte
}

type dsData struct {
	keyTag                uint16
	algorithm, digestType uint8
	digest                []byte
}

type bindsData struct {
	algorithm         uint8
	keyID             uint16
	removal, complete uint8
}

type sshfpData struct {
	algorithm, fpType uint8
	fingerprint       []byte
}

type locData struct {
	version, size, horizPre, vertPre uint8
	latitude, longitude, altitude    uint32
}

type svcbData struct {
	priority uint16
	params   []svcParam
	// hasParams is false when the record carries no parameters (Zeek
	// leaves svc_params unset).
	hasParams bool
}

// svcParam is one SVCB/HTTPS service parameter (Zeek's dns_svcb_param).
type svcParam struct {
	key       uint16
	has       svcField // which of the fields below are set
	mandatory []uint16
	alpn      [][]byte
	port      uint16
	hints     []netip.Addr
	ech       []byte // the raw ECHConfigList; Zeek shows it in base64
	raw       []byte // a malformed or unknown parameter's value
}

// svcField flags the set fields of an svcParam.
type svcField uint8

const (
	svcKey svcField = 1 << iota
	svcMandatory
	svcALPN
	svcPort
	svcHints
	svcECH
	svcRaw
)
