package bpf

// Link types (LINKTYPE_ values as stored in pcap files; where a DLT_ value
// differs, both are accepted).
const (
	LinkTypeNull       = 0   // BSD loopback: 4-byte address family in the writer's byte order
	LinkTypeEthernet   = 1   // Ethernet
	LinkTypePPP        = 9   // PPP (2-byte protocol after address and control)
	LinkTypeFDDI       = 10  // FDDI
	LinkTypeRawDLT     = 12  // DLT_RAW on most systems: raw IPv4 or IPv6
	LinkTypeRawDLT14   = 14  // DLT_RAW on OpenBSD
	LinkTypeRaw        = 101 // LINKTYPE_RAW: raw IPv4 or IPv6
	LinkTypeIEEE80211  = 105 // 802.11 without radio header
	LinkTypeLoop       = 108 // OpenBSD loopback: 4-byte address family, network byte order
	LinkTypeLinuxSLL   = 113 // Linux "cooked" capture, version 1
	LinkTypeRadiotap   = 127 // 802.11 with a radiotap header
	LinkTypeIPv4       = 228 // raw IPv4
	LinkTypeIPv6       = 229 // raw IPv6
	LinkTypeIEEE802154 = 230 // IEEE 802.15.4 without FCS
	LinkTypeNFLOG      = 239 // Linux netfilter NFLOG
	LinkTypeLinuxSLL2  = 276 // Linux "cooked" capture, version 2
)

// ltKind says how the link type identifies the network protocol.
type ltKind uint8

const (
	ltNone  ltKind = iota // not implemented for this link type (libpcap neither)
	ltEther               // Ethernet type at lt; values up to 1500 are 802.3 lengths followed by LLC
	ltSLL                 // Linux cooked v1: Ethernet type at lt, with LLC and Novell pseudo-types
	ltSLL2                // Linux cooked v2: Ethernet type at lt, compared as is
	ltPPP                 // PPP protocol number at lt
	ltNull                // 4-byte address family at lt, in the capture's byte order
	ltLoop                // 4-byte address family at lt, network byte order
	ltRaw                 // no link header: the IP version nibble
	ltIPv4                // only IPv4
	ltIPv6                // only IPv6
	ltLLC                 // LLC (and SNAP) header at pl: FDDI, 802.11
)

// macKind says where link-layer addresses are.
type macKind uint8

const (
	macNone      macKind = iota
	macEther             // destination at 0, source at 6
	macFDDI              // destination at 1, source at 7
	macIEEE80211         // depends on the frame type and the DS bits
)

// linkInfo describes a link type: its name for messages, how the network
// protocol is identified, where things are, and which primitives apply.
type linkInfo struct {
	name  string
	kind  ltKind
	lt    uint32 // offset of the protocol field
	pl    uint32 // offset of the link-layer payload
	nl    uint32 // offset of the network layer within the payload
	mac   macKind
	vlan  bool // "vlan" is supported
	mpls  bool // "mpls" is supported
	llc   bool // "llc" is supported
	wlan  bool // an 802.11 header, whose length is found at run time
	radio bool // a radiotap header before the 802.11 header
	sll   int  // 1 or 2 for Linux cooked captures (inbound/outbound)
}

var linkInfos = map[uint32]*linkInfo{
	LinkTypeNull:       {name: "BSD loopback", kind: ltNull, lt: 0, pl: 4},
	LinkTypeLoop:       {name: "OpenBSD loopback", kind: ltLoop, lt: 0, pl: 4},
	LinkTypeEthernet:   {name: "Ethernet", kind: ltEther, lt: 12, pl: 14, mac: macEther, vlan: true, mpls: true, llc: true},
	LinkTypePPP:        {name: "PPP", kind: ltPPP, lt: 2, pl: 4, mpls: true},
	LinkTypeFDDI:       {name: "FDDI", kind: ltLLC, lt: 19, pl: 13, nl: 8, mac: macFDDI, llc: true},
	LinkTypeRawDLT:     {name: "Raw IP", kind: ltRaw},
	LinkTypeRawDLT14:   {name: "Raw IP", kind: ltRaw},
	LinkTypeRaw:        {name: "Raw IP", kind: ltRaw},
	LinkTypeIPv4:       {name: "Raw IPv4", kind: ltIPv4},
	LinkTypeIPv6:       {name: "Raw IPv6", kind: ltIPv6},
	LinkTypeLinuxSLL:   {name: "Linux cooked v1", kind: ltSLL, lt: 14, pl: 16, sll: 1},
	LinkTypeLinuxSLL2:  {name: "Linux cooked v2", kind: ltSLL2, lt: 0, pl: 20, sll: 2},
	LinkTypeIEEE80211:  {name: "802.11", kind: ltLLC, nl: 8, mac: macIEEE80211, vlan: true, llc: true, wlan: true},
	LinkTypeRadiotap:   {name: "802.11 plus radiotap header", kind: ltLLC, nl: 8, mac: macIEEE80211, vlan: true, llc: true, wlan: true, radio: true},
	LinkTypeNFLOG:      {name: "Linux netfilter log messages", kind: ltNone},
	LinkTypeIEEE802154: {name: "IEEE 802.15.4 without FCS", kind: ltNone},
}

// loc is a packet offset: a constant, or a constant plus a base found at
// run time and kept in a scratch memory cell (the length of a radiotap or
// 802.11 header).
type loc struct {
	reg int // -1: none
	k   uint32
}

func abs(k uint32) loc         { return loc{reg: -1, k: k} }
func (l loc) add(n uint32) loc { return loc{reg: l.reg, k: l.k + n} }

// linkState is what the primitives read about the link layer; "vlan",
// "mpls" and "pppoes" change it for the rest of the expression.
type linkState struct {
	info           *linkInfo
	kind           ltKind
	name           string
	lt             loc // protocol field
	hdr            loc // start of the link-layer header (after a radiotap header)
	pl             loc // link-layer payload
	nl             uint32
	mpls           int  // MPLS labels passed
	pppoe          bool // inside a PPPoE session: the protocol is PPP's
	vlanOK, mplsOK bool
}
