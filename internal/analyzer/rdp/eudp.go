package rdp

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// RDP-UDP (MS-RDPEUDP) is analysed only as far as Zeek's RDPEUDP
// analyzer goes without scripts: the SYN / SYN-ACK / ACK handshake, which
// confirms the protocol, in versions 1 and 2
// (src/analyzer/protocol/rdp/rdpeudp-protocol.pac). No log is written.

// Handshake states of a connection.
const (
	eudpNeedSYN     = 1
	eudpNeedSYNACK  = 2
	eudpNeedACK     = 3
	eudpEstablished = 4
)

// RDP-UDP header flags and versions.
const (
	eudpFlagSYN      = 0x0001
	eudpFlagACK      = 0x0004
	eudpFlagData     = 0x0008
	eudpFlagAckOfAck = 0x0100
	eudpFlagCorrID   = 0x0800
	eudpFlagSynEx    = 0x1000
	eudpVersion1     = 0x0001
	eudpVersion3     = 0x0101
)

// eudpPacSource names the grammar's file in binpac's messages (see
// pacSource).
const eudpPacSource binpac.Source = "src/analyzer/protocol/rdp/rdpeudp-protocol.pac"

// eudpHost is what the RDPEUDP analyzer needs from the framework.
type eudpHost interface {
	confirm()
	violation(reason string)
}

// eudpAnalyzer is the RDPEUDP analyzer of one UDP connection.
type eudpAnalyzer struct {
	h                eudpHost
	state            uint8
	origVer, respVer uint16
}

var _ analyzer.Analyzer = (*eudpAnalyzer)(nil)

func newEUDPAnalyzer(h *analyzer.Handle) analyzer.Analyzer {
	return newEUDP(&handleHost{h: h})
}

func newEUDP(h eudpHost) *eudpAnalyzer {
	return &eudpAnalyzer{h: h, state: eudpNeedSYN, origVer: eudpVersion1, respVer: eudpVersion1}
}

// DeliverPacket implements analyzer.Analyzer: each datagram is one PDU.
func (a *eudpAnalyzer) DeliverPacket(data []byte, orig bool) {
	if err := a.pdu(data, orig); err != nil {
		a.h.violation(binpac.Reason(err))
	}
}

// DeliverStream implements analyzer.Analyzer (unused over UDP).
func (a *eudpAnalyzer) DeliverStream([]byte, bool) {}

// Undelivered implements analyzer.Analyzer (unused over UDP).
func (a *eudpAnalyzer) Undelivered(uint64, int, bool) {}

// EndOfData implements analyzer.Analyzer.
func (a *eudpAnalyzer) EndOfData(bool) {}

// Done implements analyzer.Analyzer.
func (a *eudpAnalyzer) Done() {}

// pdu parses a datagram as what the handshake's state expects.
func (a *eudpAnalyzer) pdu(b []byte, orig bool) error {
	switch a.state {
	case eudpNeedSYN:
		flags, ack, ver, err := synPayloads(b, "RDPEUDP_SYN", 34)
		if err != nil {
			return err
		}
		if orig && flags&eudpFlagSYN != 0 && ack == 0xffffffff {
			a.origVer = ver
			a.state = eudpNeedSYNACK
		}
	case eudpNeedSYNACK:
		flags, _, ver, err := synPayloads(b, "RDPEUDP_SYNACK", 77)
		if err != nil {
			return err
		}
		if !orig && flags&(eudpFlagSYN|eudpFlagACK) != 0 {
			a.h.confirm()
			a.state = eudpNeedACK
			a.respVer = ver
		}
	default:
		if a.origVer == eudpVersion3 && a.respVer == eudpVersion3 {
			return a.ack2(b)
		}
		return a.ack1(b)
	}
	return nil
}

// synPayloads parses a SYN or SYN-ACK datagram: the FEC header, the SYN
// data, the optional correlation id and the SYNEX payload, whose version
// the handshake needs (a datagram without one is an error, as in Zeek's
// grammar). line is where the grammar's reference to it is.
func synPayloads(b []byte, typ string, line int) (flags uint16, ack uint32, ver uint16, err error) {
	if len(b) < 16 {
		return 0, 0, 0, binpac.OutOfBound(typ+":syndata_payload", 16, len(b))
	}
	ack = binary.BigEndian.Uint32(b)
	flags = binary.BigEndian.Uint16(b[6:])
	off := 16
	if flags&eudpFlagCorrID != 0 {
		if len(b)-off < 32 {
			return 0, 0, 0, binpac.OutOfBound("RDPUDP_CORRELATION_ID_PAYLOAD", 32, len(b)-off)
		}
		off += 32
	}
	if flags&eudpFlagSynEx == 0 {
		return 0, 0, 0, binpac.Errorf("invalid case: %s:%d:has_synex_payload: 0 (true)", eudpPacSource, line)
	}
	s := b[off:]
	if len(s) < 4 {
		return 0, 0, 0, binpac.OutOfBound("RDPUDP_SYNEX_PAYLOAD:uUdpVer", 4, len(s))
	}
	ver = binary.BigEndian.Uint16(s[2:])
	if ver == eudpVersion3 && 32 > len(s)-4 {
		return 0, 0, 0, binpac.OutOfBound("RDPUDP_SYNEX_PAYLOAD:has_cookie_hash", 32, len(s)-4)
	}
	return flags, ack, ver, nil
}

// ack1 parses a version 1 ACK datagram.
func (a *eudpAnalyzer) ack1(b []byte) error {
	if len(b) < 8 {
		return binpac.OutOfBound("RDPEUDP1_ACK:fec_header", 8, len(b))
	}
	flags := binary.BigEndian.Uint16(b[6:])
	v := b[8:]
	if len(v) < 2 {
		return binpac.OutOfBound("RDPUDP_ACK_VECTOR_HEADER:uAckVectorSize", 2, len(v))
	}
	n := int(binary.BigEndian.Uint16(v))
	if n > len(v)-2 {
		return binpac.OutOfBound("RDPUDP_ACK_VECTOR_HEADER:AckVectorElement", n, len(v)-2)
	}
	size := 2 + n
	if pad := size % 4; pad != 0 {
		size += 4 - pad
	}
	if size > len(v) {
		return binpac.OutOfBound("RDPUDP_ACK_VECTOR_HEADER", size, len(v))
	}
	off := 8 + size
	if flags&eudpFlagAckOfAck != 0 {
		if len(b)-off < 4 {
			return binpac.OutOfBound("RDPUDP_ACK_OF_ACKVECTOR_HEADER", 4, len(b)-off)
		}
		off += 4
	}
	if flags&eudpFlagData != 0 {
		if len(b)-off < 8 {
			return binpac.OutOfBound("RDPUDP_SOURCE_PAYLOAD_HEADER", 8, len(b)-off)
		}
	}
	if a.state == eudpNeedACK {
		a.state = eudpEstablished
	}
	return nil
}

// ack2 parses a version 2 datagram.
func (a *eudpAnalyzer) ack2(b []byte) error {
	if len(b) < 3 {
		return binpac.OutOfBound("RDPEUDP2_ACK:header", 3, len(b))
	}
	// Packet type 8 is a dummy packet.
	if b[0]&0x78 != 8 && a.state == eudpNeedACK {
		a.state = eudpEstablished
	}
	return nil
}
