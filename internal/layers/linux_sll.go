package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// Linux cooked capture, link type DLT_LINUX_SLL (Zeek's LinuxSLL analyzer,
// linux_sll/LinuxSLL.cc).
//
//	packet type[2] ARPHRD type[2] address length[2] address[8] protocol[2]
//
// The protocol is taken as an ethertype whatever the ARPHRD type. The
// header has only a source address: its first six bytes become L2Src and
// L2Dst is all zeros, as in Zeek.

const sllHdrLen = 16

var errTruncatedSLL = packet.NewWeird("truncated_Linux_SLL_header")

func linuxSLL(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= sllHdrLen {
		return 0, nil, errTruncatedSLL
	}
	copy(p.L2Src[:], data[6:12])
	p.L2Dst = [6]byte{}
	p.HasL2 = true
	return packet.Key(binary.BigEndian.Uint16(data[14:16])), data[sllHdrLen:], nil
}
