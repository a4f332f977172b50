package packet

// Row is one line of the wiring table: inside Parent, identifier ID leads to
// Child.
type Row struct {
	Parent LayerID
	ID     uint64
	Child  LayerID
}

// Link types (DLT values) Heron decodes.
const (
	DLTNull        = 0
	DLTEN10MB      = 1
	DLTFDDI        = 10
	DLTRaw12       = 12 // DLT_RAW on OpenBSD
	DLTRaw14       = 14 // DLT_RAW on other BSDs
	DLTPPP         = 9
	DLTPPPSerial   = 50
	DLTRaw         = 101 // LINKTYPE_RAW
	DLTIEEE80211   = 105
	DLTLinuxSLL    = 113
	DLTIEEE80211RT = 127 // radiotap
	DLTIPv4        = 228
	DLTIPv6        = 229
	DLTNFLOG       = 239 // Linux netfilter log messages
	DLTLinuxSLL2   = 276
)

// Forwarding keys Ethernet and VLAN use for 802.3 frames (length field
// instead of an ethertype), as Zeek's packet-protocols scripts define them.
const (
	SNAPForwardingKey   = 0x0001
	NovellForwardingKey = 0x0002
	LLCForwardingKey    = 0x0003
)

// ethertypes is the part of the table shared by every layer that carries an
// ethertype (Ethernet, VLAN, SNAP, Linux cooked captures, 802.11). withVLAN
// adds the encapsulations that only Ethernet and VLAN lead to: MPLS, VLAN,
// PPPoE, PBB (802.1ah) and VN-Tag.
func ethertypes(parent LayerID, withVLAN, with8023 bool) []Row {
	rows := []Row{
		{parent, 0x0800, LayerIP},
		{parent, 0x86DD, LayerIP},
		{parent, 0x0806, LayerARP},
		{parent, 0x8035, LayerARP},
	}
	if withVLAN {
		rows = append(rows,
			Row{parent, 0x8847, LayerMPLS},
			Row{parent, 0x8100, LayerVLAN},
			Row{parent, 0x8864, LayerPPPoE},
			Row{parent, 0x88E7, LayerPBB},
			Row{parent, 0x8926, LayerVNTag},
		)
	}
	if with8023 {
		rows = append(rows,
			Row{parent, SNAPForwardingKey, LayerSNAP},
			Row{parent, NovellForwardingKey, LayerNovell8023},
			Row{parent, LLCForwardingKey, LayerLLC},
		)
	}
	return rows
}

// Wiring is THE wiring table: which layer follows which, as Zeek's
// scripts/base/packet-protocols register them. Tunnels add rows here.
func Wiring() []Row {
	rows := []Row{
		// Link types.
		{LayerRoot, DLTNull, LayerNull},
		{LayerRoot, DLTEN10MB, LayerEthernet},
		{LayerRoot, DLTFDDI, LayerFDDI},
		{LayerRoot, DLTPPP, LayerPPP},
		{LayerRoot, DLTPPPSerial, LayerPPPSerial},
		{LayerRoot, DLTIEEE80211, LayerIEEE80211},
		{LayerRoot, DLTIEEE80211RT, LayerIEEE80211Radio},
		{LayerRoot, DLTLinuxSLL, LayerLinuxSLL},
		{LayerRoot, DLTLinuxSLL2, LayerLinuxSLL2},
		{LayerRoot, DLTNFLOG, LayerNFLog},

		// BSD loopback: address family values for IPv4 and the IPv6 values
		// of the various BSDs.
		{LayerNull, 2, LayerIP},
		{LayerNull, 24, LayerIP},
		{LayerNull, 28, LayerIP},
		{LayerNull, 30, LayerIP},

		// NFLOG: the address family of the logged packet (AF_INET,
		// AF_INET6 on Linux).
		{LayerNFLog, 2, LayerIP},
		{LayerNFLog, 10, LayerIP},

		// VN-Tag leads only to VLAN tags.
		{LayerVNTag, 0x8100, LayerVLAN},
		{LayerVNTag, 0x88A8, LayerVLAN},
		{LayerVNTag, 0x9100, LayerVLAN},

		// PPP protocol numbers.
		{LayerPPP, 0x0281, LayerMPLS},
		{LayerPPP, 0x0021, LayerIP},
		{LayerPPP, 0x0057, LayerIP},
		{LayerPPPSerial, 0x0281, LayerMPLS},
		{LayerPPPSerial, 0x0021, LayerIP},
		{LayerPPPSerial, 0x0057, LayerIP},
		{LayerPPPoE, 0x0021, LayerIP},
		{LayerPPPoE, 0x0057, LayerIP},

		// What tunnels carry (their ports below UDP come from the
		// scripts' port sets, see TunnelPortRows).
		{LayerGeneve, 0x6558, LayerEthernet},
		{LayerGeneve, 0x0800, LayerIP},
		{LayerGeneve, 0x86DD, LayerIP},
		{LayerGeneve, 0x0806, LayerARP},
		{LayerAYIYA, 4, LayerIP},
		{LayerAYIYA, 41, LayerIP},

		// Radiotap carries 802.11.
		{LayerIEEE80211Radio, DLTIEEE80211, LayerIEEE80211},

		// IP protocols; IP-in-IP and GRE lead to tunnels.
		{LayerIP, 4, LayerIPTunnel},
		{LayerIP, 41, LayerIPTunnel},
		{LayerIP, 47, LayerGRE},
		{LayerIP, 6, LayerTCP},
		{LayerIP, 17, LayerUDP},
		{LayerIP, 1, LayerICMP},
		{LayerIP, 58, LayerICMP},
		{LayerIP, 2, LayerIGMP},
	}
	rows = append(rows, ethertypes(LayerEthernet, true, true)...)
	rows = append(rows, Row{LayerEthernet, 0x88A8, LayerVLAN}, Row{LayerEthernet, 0x9100, LayerVLAN})
	rows = append(rows, ethertypes(LayerVLAN, true, true)...)
	rows = append(rows, ethertypes(LayerSNAP, false, false)...)
	rows = append(rows, ethertypes(LayerLinuxSLL, false, false)...)
	rows = append(rows, ethertypes(LayerLinuxSLL2, false, false)...)
	rows = append(rows, ethertypes(LayerIEEE80211, false, false)...)
	return rows
}

// Defaults gives each layer's default child: where decoding goes when the
// layer returns Default or an identifier without a row (Zeek's
// default_analyzer).
func Defaults() map[LayerID]LayerID {
	return map[LayerID]LayerID{
		LayerRoot: LayerIP,
		LayerMPLS: LayerIP,
		LayerFDDI: LayerIP,
		LayerPBB:  LayerEthernet,
		LayerIP:   LayerUnknownIP,
		// IGMP goes on as an unknown transport (see layers.IGMP).
		LayerIGMP: LayerUnknownIP,

		LayerIPTunnel: LayerIP,
		LayerVXLAN:    LayerEthernet,
		LayerGTPv1:    LayerIP,
		LayerTeredo:   LayerIP,
	}
}

// TunnelPortRows returns the rows that lead from UDP to the tunnels by the
// responder's port: ports maps a tunnel layer to its ports (the scripts'
// vxlan_ports, geneve_ports, gtpv1_ports, teredo_ports, ayiya_ports and
// gre_ports, as PacketAnalyzer::register_for_ports registers them).
func TunnelPortRows(ports map[LayerID][]uint16) []Row {
	var rows []Row
	for _, l := range []LayerID{LayerVXLAN, LayerGeneve, LayerGTPv1, LayerTeredo, LayerAYIYA, LayerGRE} {
		for _, p := range ports[l] {
			rows = append(rows, Row{LayerUDP, uint64(p), l})
		}
	}
	return rows
}
