package layers

import (
	"github.com/heron-nsm/heron/internal/packet"
)

// sample is a frame of some link type, used by the allocation test, the
// benchmarks and as fuzz seeds.
type sample struct {
	name     string
	linkType uint32
	data     []byte
}

func samples() []sample {
	ip := ipv4(40)
	wifiIP := cat(llcSNAP(0x0800), ip)
	arpReq := arpPkt(1, macB, ip1, make([]byte, 6), ip2)
	amsdu := amsduFrame(subframe(cat(llcSNAP(0x0800), ipv4(20)), 0), subframe(cat(llcSNAP(0x0800), ipv4(22)), 2))
	return []sample{
		{"ethernet ipv4", packet.DLTEN10MB, cat(eth(macA, macB, 0x0800), ip)},
		{"ethernet arp", packet.DLTEN10MB, cat(eth(macA, macB, 0x0806), arpReq, fill(0, 18))},
		{"ethernet short", packet.DLTEN10MB, cat(eth(macA, macB, 0x0800), []byte{0x45, 0})},
		{"qinq", packet.DLTEN10MB, cat(eth(macA, macB, 0x88A8), tag(13, 0x8100), tag(10, 0x0800), ip)},
		{"qinqinq", packet.DLTEN10MB, cat(eth(macA, macB, 0x8100), tag(30, 0x8100), tag(20, 0x8100), tag(10, 0x0800), ip)},
		{"vlan mpls", packet.DLTEN10MB, cat(eth(macA, macB, 0x8100), tag(3199, 0x8847), label(16, false), label(17, true), ip)},
		{"pppoe over qinq", packet.DLTEN10MB, cat(eth(macA, macB, 0x8100), tag(3704, 0x8100), tag(2474, 0x8864), pppoeHdr(3847, uint16(len(ip)+2), 0x0021), ip, fill(0, 6))},
		{"pppoe truncated", packet.DLTEN10MB, cat(eth(macA, macB, 0x8864), pppoeHdr(17, 500, 0x0021), ip)},
		{"802.3 snap", packet.DLTEN10MB, cat(eth(macA, macB, uint16(8+len(ip))), llcSNAP(0x0800), ip, fill(0, 4))},
		{"802.3 llc", packet.DLTEN10MB, cat(eth(macA, macB, 38), []byte{0x42, 0x42, 0x03}, fill(0, 43))},
		{"802.3 novell", packet.DLTEN10MB, cat(eth(macA, macB, 30), []byte{0xFF, 0xFF}, fill(0, 28))},
		{"fabricpath", packet.DLTEN10MB, cat(macC, macD, be16(0x8903), be16(0), eth(macA, macB, 0x0800), ip)},
		{"ppp serial", packet.DLTPPPSerial, cat([]byte{0xff, 0x03}, be16(0x0021), ip)},
		{"ppp serial mpls", packet.DLTPPPSerial, cat([]byte{0xff, 0x03}, be16(0x0281), label(5, true), ip)},
		{"null", packet.DLTNull, cat(le32(2), ip)},
		{"sll", packet.DLTLinuxSLL, cat(sllHdr(macA, 0x0800), ip)},
		{"sll arp", packet.DLTLinuxSLL, cat(sllHdr(macB, 0x0806), arpReq)},
		{"sll2", packet.DLTLinuxSLL2, cat(sll2Hdr(macA, 0x86DD), fill(0x60, 40))},
		{"802.11", packet.DLTIEEE80211, cat(wifiHdr(fcData, dsFromAP, macA, macC, macB, nil, nil), wifiIP)},
		{"802.11 qos wds", packet.DLTIEEE80211, cat(wifiHdr(fcQoSData, dsWDS, macC, macD, macA, macB, []byte{0, 0}), wifiIP)},
		{"802.11 beacon", packet.DLTIEEE80211, cat(wifiHdr(fcBeacon, 0, macA, macB, macC, nil, nil), fill(0, 40))},
		{"802.11 amsdu", packet.DLTIEEE80211, amsdu},
		{"radiotap", packet.DLTIEEE80211RT, cat(rtHdr(18), wifiHdr(fcData, dsToAP, macC, macB, macA, nil, nil), wifiIP)},
		{"radiotap arp", packet.DLTIEEE80211RT, cat(rtHdr(8), wifiHdr(fcData, dsToAP, macC, macB, macA, nil, nil), llcSNAP(0x0806), arpReq)},
		{"fddi", packet.DLTFDDI, cat([]byte{0x50}, macA, macB, llcSNAP(0x0800), ip)},
		{"raw", packet.DLTRaw, ip},
		{"pbb", packet.DLTEN10MB, cat(eth(macD, macC, 0x88E7), itag(0x1234), eth(macA, macB, 0x0800), ip)},
		{"vlan pbb customer vlan", packet.DLTEN10MB, cat(eth(macD, macC, 0x8100), tag(4051, 0x88E7), itag(9), eth(macA, macB, 0x8100), tag(4020, 0x0800), ip)},
		{"pbb truncated", packet.DLTEN10MB, cat(eth(macD, macC, 0x88E7), itag(1), eth(macA, macB, 0x0800))},
		{"pbb recursive", packet.DLTEN10MB, pbbNest(30, ip)},
		{"vntag vlan", packet.DLTEN10MB, cat(eth(macA, macB, 0x8926), vnTag(0x8100), tag(11, 0x0800), ip)},
		{"vlan vntag vlan", packet.DLTEN10MB, cat(eth(macA, macB, 0x8100), tag(250, 0x8926), vnTag(0x8100), tag(250, 0x0800), ip)},
		// NFLOG TLV headers are in the host's byte order (see
		// TestWriteSeeds).
		{"nflog", packet.DLTNFLOG, cat(nflogHdr(2, 0), nflogMeta(), nflogPayload(ip))},
		{"nflog ipv6", packet.DLTNFLOG, cat(nflogHdr(10, 0), nflogPayload(fill(0x60, 40)))},
		{"nflog bad tlv", packet.DLTNFLOG, cat(nflogHdr(2, 0), nflogMeta(), tlvHdr(13, 1), fill(0, 8))},
	}
}

// pbbNest builds a backbone Ethernet frame holding n PBB headers, each
// followed by an Ethernet header, the last of which carries pkt as IPv4.
// With IP, that is 2n+2 layers: more than the decoder's depth limit (25)
// when n is 12 or more.
func pbbNest(n int, pkt []byte) []byte {
	b := eth(macD, macC, 0x88E7)
	for i := range n {
		typ := uint16(0x88E7)
		if i == n-1 {
			typ = 0x0800
		}
		b = cat(b, itag(7), eth(macD, macC, typ))
	}
	return cat(b, pkt)
}
