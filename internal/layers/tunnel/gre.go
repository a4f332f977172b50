package tunnel

import (
	"encoding/binary"
	"strconv"

	"github.com/heron-nsm/heron/internal/packet"
)

// GRE's weirds.
var (
	errTruncatedGRE     = packet.NewWeird("truncated_GRE")
	errGRERouting       = packet.NewWeird("gre_routing")
	errUnknownGREFlags  = packet.NewWeird("unknown_gre_flags")
	errNonIPInEncap     = packet.NewWeird("non_ip_packet_in_encap")
	errUnknownGREVer    = "unknown_gre_version"
	errEGREProtocolType = "egre_protocol_type"
)

// greHeaderLen is the length of a GRE header with the given flags:
// checksum, key, sequence and acknowledgment fields are optional (the
// deprecated routing field is not supported).
func greHeaderLen(flags uint16) int {
	n := 4
	if flags&0x8000 != 0 {
		n += 4
	}
	if flags&0x2000 != 0 {
		n += 4
	}
	if flags&0x1000 != 0 {
		n += 4
	}
	if flags&0x0080 != 0 {
		n += 4
	}
	return n
}

// analyzeGRE is Zeek's GRE analyzer: GRE version 0 with IP, transparent
// Ethernet bridging, ERSPAN types I, II and III and Aruba's 802.11
// payloads, and version 1 (enhanced GRE, PPTP). The payload is handed to
// the IP tunnel logic, which decodes it as a packet of its own.
func (t *Tunnels) analyzeGRE(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) < 4 {
		return 0, nil, errTruncatedGRE
	}
	flagsVer := binary.BigEndian.Uint16(data[0:2])
	protoType := binary.BigEndian.Uint16(data[2:4])
	version := int(flagsVer & 0x0007)
	greLen := greHeaderLen(flagsVer)
	linkType := uint32(packet.DLTRaw)
	ethLen, erspanLen, pptpLen := 0, 0, 0
	proto := uint8(0)

	switch version {
	case 0:
		switch {
		case protoType == 0x6558: // transparent Ethernet bridging
			if len(data) <= greLen+14 {
				return 0, nil, errTruncatedGRE
			}
			ethLen, linkType = 14, packet.DLTEN10MB
		case protoType == 0x88be: // ERSPAN type I, or II with a sequence number
			if len(data) <= greLen+14 {
				return 0, nil, errTruncatedGRE
			}
			ethLen, linkType = 14, packet.DLTEN10MB
			if flagsVer&0x1000 != 0 {
				erspanLen = 8
				if len(data) < greLen+ethLen+erspanLen {
					return 0, nil, errTruncatedGRE
				}
			}
		case protoType == 0x22eb: // ERSPAN type III
			if len(data) <= greLen+14+12 {
				return 0, nil, errTruncatedGRE
			}
			erspanLen, ethLen, linkType = 12, 14, packet.DLTEN10MB
			if data[greLen+erspanLen-1]&0x01 != 0 { // optional platform header
				if len(data) <= greLen+erspanLen+8+ethLen {
					return 0, nil, errTruncatedGRE
				}
				erspanLen += 8
			}
		case isArubaType(protoType):
			if len(data) <= greLen {
				return 0, nil, errTruncatedGRE
			}
			linkType = packet.DLTIEEE80211
		}
	case 1:
		if protoType != 0x880b {
			return 0, nil, &packet.Weird{Name: errEGREProtocolType, Addl: "proto=" + strconv.Itoa(int(protoType))}
		}
		pptpLen = 4
	default:
		return 0, nil, &packet.Weird{Name: errUnknownGREVer, Addl: "version=" + strconv.Itoa(version)}
	}
	if flagsVer&0x4000 != 0 {
		return 0, nil, errGRERouting
	}
	if flagsVer&0x0078 != 0 {
		return 0, nil, errUnknownGREFlags
	}
	if len(data) < greLen+pptpLen+ethLen+erspanLen {
		return 0, nil, errTruncatedGRE
	}
	if version == 1 {
		switch binary.BigEndian.Uint16(data[greLen+2:]) {
		case 0x0021:
			proto = 4
		case 0x0057:
			proto = 41
		default:
			return 0, nil, errNonIPInEncap
		}
	}
	data = data[greLen+pptpLen+erspanLen:]
	return t.greToIPTunnel(p, data, version, linkType, proto)
}

// isArubaType reports whether a GRE protocol type is one of Aruba's
// access-point encapsulations, which carry 802.11 frames.
func isArubaType(pt uint16) bool {
	return pt&0x8200 == 0x8200 && pt&0x0F == 0 ||
		pt&0x8300 == 0x8300 && pt&0x0F == 0 && pt <= 0x8370 ||
		pt == 0x9000
}
