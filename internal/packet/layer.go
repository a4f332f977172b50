package packet

import "fmt"

// LayerID names a layer (one of Zeek's packet analyzers). IDs index dense
// tables; add new layers at the end, before NumLayers.
type LayerID uint8

// The layers Heron knows. Each has its Zeek analyzer name (see Name).
const (
	LayerNone LayerID = iota
	LayerRoot
	LayerEthernet
	LayerVLAN
	LayerMPLS
	LayerPPPoE
	LayerPPPSerial
	LayerNull
	LayerLinuxSLL
	LayerLinuxSLL2
	LayerIEEE80211
	LayerIEEE80211Radio
	LayerLLC
	LayerSNAP
	LayerNovell8023
	LayerFDDI
	LayerARP
	LayerIP
	LayerTCP
	LayerUDP
	LayerICMP
	LayerUnknownIP
	LayerPPP
	LayerPBB
	LayerVNTag
	LayerNFLog
	LayerIPTunnel
	LayerGRE
	LayerVXLAN
	LayerGeneve
	LayerTeredo
	LayerAYIYA
	LayerGTPv1
	LayerIGMP
	NumLayers
)

var layerNames = [NumLayers]string{
	LayerNone:           "NONE",
	LayerRoot:           "ROOT",
	LayerEthernet:       "ETHERNET",
	LayerVLAN:           "VLAN",
	LayerMPLS:           "MPLS",
	LayerPPPoE:          "PPPOE",
	LayerPPPSerial:      "PPPSERIAL",
	LayerNull:           "NULL",
	LayerLinuxSLL:       "LINUXSLL",
	LayerLinuxSLL2:      "LINUXSLL2",
	LayerIEEE80211:      "IEEE802_11",
	LayerIEEE80211Radio: "IEEE802_11_RADIO",
	LayerLLC:            "LLC",
	LayerSNAP:           "SNAP",
	LayerNovell8023:     "NOVELL_802_3",
	LayerFDDI:           "FDDI",
	LayerARP:            "ARP",
	LayerIP:             "IP",
	LayerTCP:            "TCP",
	LayerUDP:            "UDP",
	LayerICMP:           "ICMP",
	LayerUnknownIP:      "UNKNOWN_IP_TRANSPORT",
	LayerPPP:            "PPP",
	LayerPBB:            "PBB",
	LayerVNTag:          "VNTAG",
	LayerNFLog:          "NFLOG",
	LayerIPTunnel:       "IPTUNNEL",
	LayerGRE:            "GRE",
	LayerVXLAN:          "VXLAN",
	LayerGeneve:         "GENEVE",
	LayerTeredo:         "TEREDO",
	LayerAYIYA:          "AYIYA",
	LayerGTPv1:          "GTPV1",
	LayerIGMP:           "IGMP",
}

// Name returns Zeek's name of the layer's analyzer ("ETHERNET", "IP", …).
func (id LayerID) Name() string {
	if id < NumLayers {
		return layerNames[id]
	}
	return fmt.Sprintf("LAYER_%d", uint8(id))
}

func (id LayerID) String() string { return id.Name() }

// Key is what a layer says comes next: an identifier in the parent layer's
// space (an ethertype, an IP protocol, a link type), or one of the special
// values Default and Stop.
type Key uint64

const (
	// Stop ends decoding of the packet without a weird: the layer consumed
	// it (an ARP packet, a transport layer that finished its work).
	Stop Key = ^Key(0)
	// Default continues with the parent layer's default child (Zeek's
	// default_analyzer), as for MPLS, whose payload is assumed to be IP.
	Default Key = ^Key(0) - 1
)

// Analyzer decodes one layer. data is the rest of the frame from this
// layer's header on; it is borrowed and valid only during the call. The
// layer returns the identifier of what follows and the bytes that follow,
// or an error. A *Weird error is reported with the layer's name as its
// source and stops decoding of the packet; any other error is a bug.
type Analyzer interface {
	Analyze(p *Packet, data []byte) (next Key, rest []byte, err error)
}

// AnalyzerFunc adapts a function to the Analyzer interface.
type AnalyzerFunc func(p *Packet, data []byte) (Key, []byte, error)

// Analyze calls f.
func (f AnalyzerFunc) Analyze(p *Packet, data []byte) (Key, []byte, error) { return f(p, data) }

// Weird is a protocol anomaly raised while decoding, with Zeek's weird name
// and optional additional information. Static *Weird values are returned
// by layers so that raising one does not allocate.
type Weird struct {
	Name string
	Addl string
}

func (w *Weird) Error() string {
	if w.Addl != "" {
		return "weird " + w.Name + " (" + w.Addl + ")"
	}
	return "weird " + w.Name
}

// NewWeird returns a Weird with the given name, for package-level values.
func NewWeird(name string) *Weird { return &Weird{Name: name} }
