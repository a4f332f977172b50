package layers

import (
	"fmt"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// wifiHdr builds an 802.11 MAC header: frame control, duration, three
// addresses, sequence control, then a4 and qos when given.
func wifiHdr(fc0, fc1 byte, a1, a2, a3, a4, qos []byte) []byte {
	return cat([]byte{fc0, fc1}, be16(0), a1, a2, a3, be16(0), a4, qos)
}

const (
	fcData     = 0x08
	fcQoSData  = 0x88
	fcNullData = 0x48
	fcBeacon   = 0x80
	fcACK      = 0xd4
	dsToAP     = 0x01
	dsFromAP   = 0x02
	dsWDS      = 0x03
	protected  = 0x40
)

func TestIEEE80211(t *testing.T) {
	payload := cat(llcSNAP(0x0800), ipv4(20))
	runCases(t, packet.LayerIEEE80211, []layerCase{
		{name: "station to station", data: cat(wifiHdr(fcData, 0, macA, macB, macC, nil, nil), payload),
			key: 0x0800, off: 32, n: 20, check: wantL2(macB, macA)},
		{name: "to ap", data: cat(wifiHdr(fcData, dsToAP, macC, macB, macA, nil, nil), payload),
			key: 0x0800, off: 32, n: 20, check: wantL2(macB, macA)},
		{name: "from ap", data: cat(wifiHdr(fcData, dsFromAP, macA, macC, macB, nil, nil), payload),
			key: 0x0800, off: 32, n: 20, check: wantL2(macB, macA)},
		{name: "wds", data: cat(wifiHdr(fcData, dsWDS, macC, macD, macA, macB, nil), payload),
			key: 0x0800, off: 38, n: 20, check: wantL2(macB, macA)},
		{name: "qos", data: cat(wifiHdr(fcQoSData, dsFromAP, macA, macC, macB, nil, []byte{0, 0}), payload),
			key: 0x0800, off: 34, n: 20, check: wantL2(macB, macA)},
		{name: "qos wds", data: cat(wifiHdr(fcQoSData, dsWDS, macC, macD, macA, macB, []byte{0, 0}), payload),
			key: 0x0800, off: 40, n: 20, check: wantL2(macB, macA)},
		{name: "arp", data: cat(wifiHdr(fcData, dsToAP, macC, macB, macA, nil, nil), llcSNAP(0x0806), fill(0, 28)),
			key: 0x0806, off: 32, n: 28},
		{name: "eapol", data: cat(wifiHdr(fcData, dsToAP, macC, macB, macA, nil, nil), llcSNAP(0x888e), fill(0, 20)),
			key: 0x888e, off: 32, n: 20},
		{name: "snap header only", data: cat(wifiHdr(fcData, 0, macA, macB, macC, nil, nil), llcSNAP(0x0800)),
			key: 0x0800, off: 32, n: 0},
		{name: "qos protected", data: cat(wifiHdr(fcQoSData, dsToAP|protected, macC, macB, macA, nil, []byte{0, 0}), fill(0x5a, 40)),
			key: packet.Stop, check: noL2},
		{name: "protected", data: cat(wifiHdr(fcData, dsToAP|protected, macC, macB, macA, nil, nil), fill(0x5a, 40)),
			key: packet.Stop, check: wantL2(macB, macA)},
		{name: "not encapsulated ethernet", data: cat(wifiHdr(fcData, 0, macA, macB, macC, nil, nil), []byte{0xAA, 0xAA, 0x03, 0x00, 0x0c, 0x00}, fill(0, 30)),
			key: packet.Stop},
		{name: "beacon", data: cat(wifiHdr(fcBeacon, 0, macA, macB, macC, nil, nil), fill(0, 40)),
			key: packet.Stop, check: noL2},
		{name: "ack", data: cat([]byte{fcACK, 0}, fill(0, 40)), key: packet.Stop},
		{name: "null data", data: cat(wifiHdr(fcNullData, dsToAP, macC, macB, macA, nil, nil), fill(0, 8)),
			key: packet.Stop, check: noL2},
		{name: "24 bytes", data: wifiHdr(fcData, 0, macA, macB, macC, nil, nil),
			err: "truncated_802_11_header", weirds: []string{"truncated_802_11_header@IEEE802_11"}},
		{name: "24-byte beacon", data: wifiHdr(fcBeacon, 0, macA, macB, macC, nil, nil),
			err: "truncated_802_11_header", weirds: []string{"truncated_802_11_header@IEEE802_11"}},
		{name: "wds 30 bytes", data: wifiHdr(fcData, dsWDS, macC, macD, macA, macB, nil),
			err: "truncated_802_11_header", weirds: []string{"truncated_802_11_header@IEEE802_11"}},
		{name: "qos 26 bytes", data: wifiHdr(fcQoSData, 0, macA, macB, macC, nil, []byte{0, 0}),
			err: "truncated_802_11_header", weirds: []string{"truncated_802_11_header@IEEE802_11"}},
		{name: "qos protected 25 bytes", data: wifiHdr(fcQoSData, protected, macA, macB, macC, nil, []byte{0}),
			key: packet.Stop},
		{name: "short llc", data: cat(wifiHdr(fcData, 0, macA, macB, macC, nil, nil), llcSNAP(0x0800)[:7]),
			err: "truncated_802_11_llc_header", weirds: []string{"truncated_802_11_llc_header@IEEE802_11"},
			check: wantL2(macB, macA)},
	})
}

// subframe builds an A-MSDU subframe around an LLC payload, with pad bytes
// of padding after it.
func subframe(llcPayload []byte, pad int) []byte {
	return cat(macA, macB, be16(uint16(len(llcPayload))), llcPayload, fill(0, pad))
}

func amsduFrame(subframes ...[]byte) []byte {
	return cat(wifiHdr(fcQoSData, dsToAP, macC, macB, macA, nil, []byte{0x80, 0}), cat(subframes...))
}

func TestIEEE80211AMSDU(t *testing.T) {
	ip := func(n int) []byte { return cat(llcSNAP(0x0800), ipv4(n)) }
	cases := []struct {
		name     string
		frame    []byte
		maxDepth int
		ips      []int // lengths of the payloads that reached IP
		weirds   []string
	}{
		{name: "two", frame: amsduFrame(subframe(ip(20), 0), subframe(ip(22), 0)), ips: []int{20, 22}},
		{name: "padding as zeek computes it", frame: amsduFrame(subframe(ip(21), 1), subframe(ip(22), 2), subframe(ip(20), 0)),
			ips: []int{21, 22, 20}},
		{name: "last padding missing", frame: amsduFrame(subframe(ip(20), 0), subframe(ip(23), 0)), ips: []int{20, 23}},
		{name: "arp subframe", frame: amsduFrame(subframe(cat(llcSNAP(0x0806), arpPkt(1, macB, [4]byte{10, 0, 0, 1}, macD, [4]byte{10, 0, 0, 2})), 0), subframe(ip(20), 0)),
			ips: []int{20}},
		{name: "no subframes", frame: amsduFrame(),
			weirds: []string{"truncated_802_11_header@IEEE802_11"}},
		{name: "short subframe header", frame: amsduFrame(subframe(ip(20), 0), fill(0, 13)),
			ips: []int{20}, weirds: []string{"truncated_802_11_amsdu_header@IEEE802_11"}},
		{name: "subframe past end", frame: amsduFrame(subframe(ip(20), 0), subframe(ip(20), 0)[:40]),
			ips: []int{20}, weirds: []string{"truncated_802_11_amsdu_packet@IEEE802_11"}},
		{name: "short llc", frame: amsduFrame(subframe([]byte{0xAA, 0xAA, 0x03}, 1), subframe(ip(20), 0)),
			weirds: []string{"truncated_802_11_llc_header@IEEE802_11", "invalid_802_11_amsdu_inner_packet@IEEE802_11"}},
		{name: "not encapsulated ethernet", frame: amsduFrame(subframe(ip(20), 0), subframe(cat([]byte{0x42, 0x42, 0x03, 0, 0, 0, 0, 0}, fill(0, 20)), 0)),
			ips: []int{20}, weirds: []string{"invalid_802_11_amsdu_inner_packet@IEEE802_11"}},
		{name: "unknown ethertype", frame: amsduFrame(subframe(cat(llcSNAP(0x88b5), fill(0, 20)), 0), subframe(ip(20), 0)),
			weirds: []string{"invalid_802_11_amsdu_inner_packet@IEEE802_11"}},
		{name: "inner weird", frame: amsduFrame(subframe(cat(llcSNAP(0x0806), fill(0, 4)), 0), subframe(ip(20), 0)),
			weirds: []string{"truncated_ARP@ARP", "invalid_802_11_amsdu_inner_packet@IEEE802_11"}},
		{name: "depth limit", maxDepth: 4, frame: amsduFrame(subframe(ip(20), 0), subframe(ip(20), 0), subframe(ip(20), 0), subframe(ip(20), 0)),
			ips:    []int{20, 20, 20},
			weirds: []string{"max_packet_analyzer_depth_exceeded@IEEE802_11", "invalid_802_11_amsdu_inner_packet@IEEE802_11"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if c.maxDepth != 0 {
				h.d.MaxDepth = c.maxDepth
			}
			var ips []int
			h.ip.seen = func(p *packet.Packet, data []byte) {
				ips = append(ips, len(data))
				p.TunnelDepth++ // as a tunnel below would; A-MSDU must undo it
			}
			p := &packet.Packet{Data: c.frame, LinkType: packet.DLTIEEE80211, TunnelDepth: 1}
			h.d.Decode(p)
			if fmt.Sprint(ips) != fmt.Sprint(c.ips) {
				t.Errorf("ip payloads = %v, want %v", ips, c.ips)
			}
			if got, want := fmt.Sprint(h.sink.names()), fmt.Sprint(c.weirds); got != want {
				t.Errorf("weirds = %s, want %s", got, want)
			}
			if c.weirds == nil && len(c.ips) > 0 && p.TunnelDepth != 1 {
				t.Errorf("tunnel depth = %d after the subframes, want 1", p.TunnelDepth)
			}
			if len(c.frame) > 26 && (p.L2Src != mac6(macB) || p.L2Dst != mac6(macA)) {
				t.Errorf("l2 = %x > %x", p.L2Src, p.L2Dst)
			}
		})
	}
}
