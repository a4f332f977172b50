package layers

import "github.com/heron-nsm/heron/internal/packet"

// Link is the set of link layers installed on one packet.Decoder. It is
// owned by the Decoder's goroutine: its counters are updated without
// synchronisation and must be read from that goroutine (or after it is
// done).
type Link struct {
	// ARP counts the ARP packets decoded (Zeek's arp_request, arp_reply and
	// bad_arp events).
	ARP ARPCounts
	// IGMP is the IGMP layer; set IGMP.IgnoreChecksums for -C.
	IGMP IGMP

	vlan  vlanLayer
	pppoe pppoeLayer
	wifi  ieee80211Layer
	arp   arpLayer
	nflog nflogLayer
}

// Install creates the link layers for d and sets each of them on d. The
// returned Link carries the layers' counters.
func Install(d *packet.Decoder) *Link {
	l := newLink(d)
	l.each(d.Set)
	return l
}

func newLink(d *packet.Decoder) *Link {
	l := &Link{}
	l.vlan.d = d
	l.pppoe.d = d
	l.wifi.d = d
	l.arp.counts = &l.ARP
	l.IGMP.d = d
	return l
}

// each calls set for every layer of the package, with the layer it
// implements.
func (l *Link) each(set func(packet.LayerID, packet.Analyzer)) {
	set(packet.LayerEthernet, packet.AnalyzerFunc(ethernet))
	set(packet.LayerVLAN, &l.vlan)
	set(packet.LayerMPLS, packet.AnalyzerFunc(mpls))
	set(packet.LayerPPPoE, &l.pppoe)
	set(packet.LayerPPPSerial, packet.AnalyzerFunc(pppSerial))
	set(packet.LayerNull, packet.AnalyzerFunc(null))
	set(packet.LayerLinuxSLL, packet.AnalyzerFunc(linuxSLL))
	set(packet.LayerLinuxSLL2, packet.AnalyzerFunc(linuxSLL2))
	set(packet.LayerIEEE80211, &l.wifi)
	set(packet.LayerIEEE80211Radio, packet.AnalyzerFunc(radiotap))
	set(packet.LayerLLC, packet.AnalyzerFunc(llc))
	set(packet.LayerSNAP, packet.AnalyzerFunc(snap))
	set(packet.LayerNovell8023, packet.AnalyzerFunc(novell8023))
	set(packet.LayerFDDI, packet.AnalyzerFunc(fddi))
	set(packet.LayerARP, &l.arp)
	set(packet.LayerPBB, packet.AnalyzerFunc(pbb))
	set(packet.LayerVNTag, packet.AnalyzerFunc(vntag))
	set(packet.LayerNFLog, &l.nflog)
	set(packet.LayerIGMP, &l.IGMP)
	// Zeek's PPP analyzer (DLT_PPP) has no LayerID constant yet; it is
	// installed under its Zeek name as soon as package packet defines one.
	if id, ok := layerNamed("PPP"); ok {
		set(id, packet.AnalyzerFunc(ppp))
	}
}

// layerNamed finds the layer whose Zeek analyzer name is name.
func layerNamed(name string) (packet.LayerID, bool) {
	for id := packet.LayerID(0); id < packet.NumLayers; id++ {
		if id.Name() == name {
			return id, true
		}
	}
	return packet.LayerNone, false
}
