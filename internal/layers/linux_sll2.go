package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// Linux cooked capture v2, link type DLT_LINUX_SLL2 (Zeek's LinuxSLL2
// analyzer, linux_sll2/LinuxSLL2.cc).
//
//	protocol[2] reserved[2] ifindex[4] ARPHRD type[2] packet type[1]
//	address length[1] address[8]
//
// As for SLL: the protocol is an ethertype, the first six address bytes are
// L2Src and L2Dst is all zeros.

const sll2HdrLen = 20

var errTruncatedSLL2 = packet.NewWeird("truncated_Linux_SLL2_header")

func linuxSLL2(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= sll2HdrLen {
		return 0, nil, errTruncatedSLL2
	}
	copy(p.L2Src[:], data[12:18])
	p.L2Dst = [6]byte{}
	p.HasL2 = true
	return packet.Key(binary.BigEndian.Uint16(data[0:2])), data[sll2HdrLen:], nil
}
