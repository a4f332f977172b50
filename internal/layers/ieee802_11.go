package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// IEEE 802.11, link type DLT_IEEE802_11 (Zeek's IEEE802_11 analyzer,
// ieee802_11/IEEE802_11.cc).
//
//	frame control[2] duration[2] addr1[6] addr2[6] addr3[6] sequence[2]
//	[addr4[6] when both To DS and From DS are set] [QoS control[2]]
//	LLC/SNAP: AA AA 03 00 00 00 ethertype[2]  payload...
//
// Only data frames that carry data are decoded; management and control
// frames and the null-data subtypes end decoding without a weird, as do QoS
// frames with the Protected bit (their payload is encrypted). The MAC
// addresses come from the address fields that the To DS / From DS bits
// select. The payload must start with an LLC/SNAP header for encapsulated
// Ethernet; anything else ends decoding silently.
//
// A QoS frame whose A-MSDU bit is set carries several subframes
// (dst[6] src[6] length[2] LLC/SNAP payload, padded), each decoded in turn
// through the rest of the layers.

const (
	wifiDataHdrLen = 24
	wifiAddrLen    = 6
	wifiQoSLen     = 2
	wifiLLCLen     = 8
	amsduHdrLen    = 14
)

var (
	errTruncated80211      = packet.NewWeird("truncated_802_11_header")
	errTruncated80211LLC   = packet.NewWeird("truncated_802_11_llc_header")
	errTruncatedAMSDUHdr   = packet.NewWeird("truncated_802_11_amsdu_header")
	errTruncatedAMSDUPkt   = packet.NewWeird("truncated_802_11_amsdu_packet")
	errInvalidAMSDUPayload = packet.NewWeird("invalid_802_11_amsdu_inner_packet")
)

type ieee80211Layer struct {
	d *packet.Decoder
}

func (l *ieee80211Layer) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	n := wifiDataHdrLen
	if len(data) <= n {
		return 0, nil, errTruncated80211
	}
	fc, flags := data[0], data[1]
	if fc&0x08 == 0 { // not a data frame (type 2)
		return packet.Stop, nil, nil
	}
	if fc&0x40 != 0 { // subtypes without data (null function)
		return packet.Stop, nil, nil
	}
	ds := flags & 0x03
	if ds == 0x03 {
		n += wifiAddrLen
	}
	if len(data) <= n {
		return 0, nil, errTruncated80211
	}
	amsdu := false
	if fc&0x80 != 0 { // QoS data
		amsdu = data[n]&0x80 != 0
		if flags&0x40 != 0 { // protected
			return packet.Stop, nil, nil
		}
		n += wifiQoSLen
	}
	if len(data) <= n {
		return 0, nil, errTruncated80211
	}

	switch ds {
	case 0x00: // station to station: DA, SA, BSSID
		copy(p.L2Src[:], data[10:16])
		copy(p.L2Dst[:], data[4:10])
	case 0x01: // to the AP: BSSID, SA, DA
		copy(p.L2Src[:], data[10:16])
		copy(p.L2Dst[:], data[16:22])
	case 0x02: // from the AP: DA, BSSID, SA
		copy(p.L2Src[:], data[16:22])
		copy(p.L2Dst[:], data[4:10])
	case 0x03: // between APs: RA, TA, DA, SA
		copy(p.L2Src[:], data[24:30])
		copy(p.L2Dst[:], data[16:22])
	}
	p.HasL2 = true

	data = data[n:]
	if !amsdu {
		return innerLLC(data)
	}
	return l.amsdu(p, data)
}

// innerLLC reads the LLC/SNAP header in front of an 802.11 payload. It
// returns Stop (and no error) for LLC frames that are not encapsulated
// Ethernet.
func innerLLC(data []byte) (packet.Key, []byte, error) {
	if len(data) < wifiLLCLen {
		return 0, nil, errTruncated80211LLC
	}
	if data[0] != 0xAA || data[1] != 0xAA || data[2] != 0x03 ||
		data[3] != 0 || data[4] != 0 || data[5] != 0 {
		return packet.Stop, nil, nil
	}
	return packet.Key(binary.BigEndian.Uint16(data[6:8])), data[wifiLLCLen:], nil
}

// amsdu decodes the subframes of an A-MSDU, each through the rest of the
// layers, and ends decoding of the frame. A subframe that cannot be decoded
// ends it with invalid_802_11_amsdu_inner_packet.
//
// Zeek's test for "could not be decoded" is the result of its inner
// analyzers; Heron's is whether the subframe stopped on a weird, on an
// identifier without a layer or at the depth limit. A subframe that Zeek's
// inner analyzers reject without a weird (e.g. an ARP packet that only
// raises bad_arp) counts as decoded here.
func (l *ieee80211Layer) amsdu(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	name := packet.LayerIEEE80211.Name()
	depth := wifiDepth(p)
	tunnels := p.TunnelDepth
	for len(data) > 0 {
		if len(data) < amsduHdrLen {
			return 0, nil, errTruncatedAMSDUHdr
		}
		n := int(binary.BigEndian.Uint16(data[12:14]))
		if len(data) < n+amsduHdrLen {
			return 0, nil, errTruncatedAMSDUPkt
		}
		data = data[amsduHdrLen:]

		key, rest, err := innerLLC(data[:n])
		if err != nil {
			l.d.RaiseFrom(p, errTruncated80211LLC.Name, "", name)
			return 0, nil, errInvalidAMSDUPayload
		}
		if key == packet.Stop {
			return 0, nil, errInvalidAMSDUPayload
		}
		before := failures(&l.d.Stats)
		layersBefore := layersRun(&l.d.Stats)
		l.d.Forward(p, packet.LayerIEEE80211, key, rest, depth)
		if failures(&l.d.Stats) != before {
			return 0, nil, errInvalidAMSDUPayload
		}
		// Zeek's analyzer stack is not unwound between subframes: the
		// layers of every subframe count towards the depth limit.
		depth += int(layersRun(&l.d.Stats) - layersBefore)

		data = data[n:]
		// Zeek pads each subframe to n%4 (sic), except the last.
		if pad := n % 4; len(data) >= pad {
			data = data[pad:]
		}
		p.TunnelDepth = tunnels
	}
	return packet.Stop, nil, nil
}

// wifiDepth is the number of layers that ran up to and including 802.11:
// one on an 802.11 capture, two under radiotap. Deeper encapsulations
// (802.11 inside a tunnel) are counted as two; the figure only matters for
// an A-MSDU with enough subframes to reach the decoder's depth limit.
func wifiDepth(p *packet.Packet) int {
	if p.LinkType == packet.DLTIEEE80211 {
		return 1
	}
	return 2
}

// failures sums the decoder's counts of packets that stopped short.
func failures(s *packet.Stats) uint64 {
	n := s.Weirds + s.DepthLimit
	for _, u := range s.Unknown {
		n += u
	}
	return n
}

// layersRun sums the decoder's counts of layer runs.
func layersRun(s *packet.Stats) uint64 {
	var n uint64
	for _, c := range s.Layers {
		n += c
	}
	return n
}
