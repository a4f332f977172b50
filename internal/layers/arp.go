package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// ARP and RARP (Zeek's ARP analyzer, arp/ARP.cc), ethertypes 0x0806 and
// 0x8035.
//
//	hw type[2] proto type[2] hw len[1] proto len[1] opcode[2]
//	sender hw[hlen] sender proto[plen] target hw[hlen] target proto[plen]
//
// A packet too short for its header or its addresses raises truncated_ARP.
// Any other ARP packet ends decoding and counts as processed; it is
// classified the way Zeek chooses between its arp_request, arp_reply and
// bad_arp events: Ethernet/IEEE 802 hardware with 6-byte addresses, IPv4
// with 4-byte addresses, a sender hardware address equal to the frame's
// source MAC, and a request or reply opcode; everything else is bad.

const arpHdrLen = 8

var errTruncatedARP = packet.NewWeird("truncated_ARP")

// ARP opcodes and types Zeek distinguishes.
const (
	arpOpRequest    = 1
	arpOpReply      = 2
	arpHrdEther     = 1
	arpHrdIEEE802   = 6
	arpProIPv4      = 0x0800
	arpEtherAddrLen = 6
	arpIPv4AddrLen  = 4
	arpOpRevRequest = 3
	arpOpRevReply   = 4
	arpOpInvRequest = 8
	arpOpInvReply   = 9
)

// ARPCounts counts decoded ARP packets by the event Zeek would raise for
// them. Truncated packets are not counted here; they raise truncated_ARP.
type ARPCounts struct {
	Requests uint64 // arp_request: a well-formed request
	Replies  uint64 // arp_reply: a well-formed reply
	Bad      uint64 // bad_arp: unsupported or inconsistent header, or unknown opcode
}

// arpVerdict says how an ARP packet was classified.
type arpVerdict uint8

// ARP verdicts, after Zeek's events and bad_arp explanations.
const (
	arpRequest             arpVerdict = iota // arp_request
	arpReply                                 // arp_reply
	arpBadHeader                             // bad_arp "corrupt-arp-header"
	arpUnknownHWAddr                         // bad_arp "unknown-arp-hw-address"
	arpUnknownProtoAddr                      // bad_arp "unknown-arp-proto-address"
	arpSenderMismatch                        // bad_arp "weird-arp-sha"
	arpUnimplementedOpcode                   // bad_arp "unimplemented-arp-opcode"
	arpInvalidOpcode                         // bad_arp "invalid-arp-opcode"
)

// classifyARP classifies the ARP packet in data (which must hold the header
// and the addresses it announces) sent from the MAC address l2src.
func classifyARP(data []byte, l2src [6]byte) arpVerdict {
	hrd := binary.BigEndian.Uint16(data[0:2])
	pro := binary.BigEndian.Uint16(data[2:4])
	hln, pln := int(data[4]), int(data[5])
	switch hrd {
	case arpHrdEther, arpHrdIEEE802:
		if hln != arpEtherAddrLen {
			return arpBadHeader
		}
	default:
		return arpUnknownHWAddr
	}
	if pro != arpProIPv4 {
		return arpUnknownProtoAddr
	}
	if pln != arpIPv4AddrLen {
		return arpBadHeader
	}
	if [6]byte(data[arpHdrLen:arpHdrLen+arpEtherAddrLen]) != l2src {
		return arpSenderMismatch
	}
	switch binary.BigEndian.Uint16(data[6:8]) {
	case arpOpRequest:
		return arpRequest
	case arpOpReply:
		return arpReply
	case arpOpRevRequest, arpOpRevReply, arpOpInvRequest, arpOpInvReply:
		return arpUnimplementedOpcode
	default:
		return arpInvalidOpcode
	}
}

type arpLayer struct {
	counts *ARPCounts
}

func (l *arpLayer) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) < arpHdrLen {
		return 0, nil, errTruncatedARP
	}
	if need := arpHdrLen + 2*int(data[4]) + 2*int(data[5]); len(data) < need {
		return 0, nil, errTruncatedARP
	}
	p.Processed = true
	switch classifyARP(data, p.L2Src) {
	case arpRequest:
		l.counts.Requests++
	case arpReply:
		l.counts.Replies++
	default:
		l.counts.Bad++
	}
	return packet.Stop, nil, nil
}
