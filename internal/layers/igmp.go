package layers

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/packet"
)

// IGMP is Zeek's IGMP packet analyzer (src/packet_analysis/protocol/igmp,
// a Spicy grammar) as far as weird.log goes: it parses the message as the
// grammar does and raises igmp_invalid_checksum (a flow weird from
// "IGMP") when the Internet checksum over the parsed bytes is wrong. The
// packet then goes on to the unknown-transport layer, so that conn.log
// keeps the IGMP flows that Zeek writes when it runs without its Spicy
// analyzers (Zeek 9 with them logs IGMP through its own scripts, which
// Heron does not have).
type IGMP struct {
	// IgnoreChecksums is Zeek's ignore_checksums (-C): no checksum is
	// verified.
	IgnoreChecksums bool

	d *packet.Decoder
}

// IGMP message types.
const (
	igmpQuery    = 0x11
	igmpReportV1 = 0x12
	igmpReportV2 = 0x16
	igmpLeave    = 0x17
	igmpReportV3 = 0x22
)

// Analyze implements packet.Analyzer.
func (l *IGMP) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if !l.IgnoreChecksums {
		if n, ok := igmpLength(data); ok && !igmpChecksumOK(data[:n]) {
			l.d.Raise("igmp_invalid_checksum", "")
		}
	}
	return packet.Default, data, nil
}

// igmpLength returns how many bytes the grammar's message takes, or false
// when the message does not parse (an unknown type, or too few bytes):
// the grammar then stops without a weird.
func igmpLength(b []byte) (int, bool) {
	if len(b) < 1 {
		return 0, false
	}
	var n int
	switch b[0] {
	case igmpQuery:
		// Type, max response code, checksum, group, flags, QQIC,
		// source count, sources; then everything up to the end.
		if len(b) < 12 {
			return 0, false
		}
		if 12+4*int(binary.BigEndian.Uint16(b[10:])) > len(b) {
			return 0, false
		}
		n = len(b)
	case igmpReportV1, igmpReportV2, igmpLeave:
		n = 8
	case igmpReportV3:
		// Type, reserved, checksum, reserved, group count, groups.
		if len(b) < 8 {
			return 0, false
		}
		n = 8
		for range binary.BigEndian.Uint16(b[6:]) {
			// Type, aux data length (in bytes, as the grammar reads it),
			// source count, group, sources, aux data.
			if n+8 > len(b) {
				return 0, false
			}
			n += 8 + 4*int(binary.BigEndian.Uint16(b[n+2:])) + int(b[n+1])
		}
	default:
		return 0, false
	}
	// The checksum is read as 16-bit words: an odd length does not parse.
	if n > len(b) || n%2 != 0 {
		return 0, false
	}
	return n, true
}

// igmpChecksumOK adds the message's 16-bit words with end-around carry,
// as the grammar does, and reports whether the complement is zero.
func igmpChecksumOK(b []byte) bool {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
		if sum > 0xffff {
			sum -= 0xffff
		}
	}
	return ^uint16(sum) == 0
}
