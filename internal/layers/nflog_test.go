package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// nflogHdr builds the 4-byte NFLOG header (resource id 42, big endian).
func nflogHdr(family, version byte) []byte { return []byte{family, version, 0, 42} }

// tlv builds an NFLOG TLV in host byte order, padded to a multiple of 4.
func tlv(typ uint16, value []byte) []byte {
	pad := (4 - len(value)%4) % 4
	return cat(ne16(uint16(4+len(value))), ne16(typ), value, make([]byte, pad))
}

// tlvHdr builds a TLV header with an arbitrary length field.
func tlvHdr(length, typ uint16) []byte { return cat(ne16(length), ne16(typ)) }

// nflogPayload builds the payload TLV (type 9) for pkt, unpadded as it ends
// the frame.
func nflogPayload(pkt []byte) []byte { return cat(tlvHdr(uint16(4+len(pkt)), nflogTypePayload), pkt) }

// nflogMeta is what netfilter puts before the payload: the packet header
// TLV (hw protocol, hook), the log prefix and the uid.
func nflogMeta() []byte {
	return cat(tlv(1, []byte{0x08, 0x00, 0x03, 0x00}), tlv(10, []byte{0}), tlv(11, []byte{0, 0, 0, 0}))
}

func TestNFLOG(t *testing.T) {
	bad := func(addl string) []string {
		w := "nflog_bad_tlv_len@NFLOG"
		if addl != "" {
			w += "(" + addl + ")"
		}
		return []string{w}
	}
	// The payload type written in the other byte order: a TLV of type
	// 0x0900, skipped.
	swapped := cat(ne16(8), swap16(nflogTypePayload), fill(0x45, 4))
	runCases(t, packet.LayerNFLog, []layerCase{
		{name: "ipv4 after metadata", data: cat(nflogHdr(2, 0), nflogMeta(), nflogPayload(ipv4(20))),
			key: 2, off: 4 + 24 + 4, n: 20},
		{name: "ipv6 first", data: cat(nflogHdr(10, 0), nflogPayload(fill(0x60, 40))),
			key: 10, off: 8, n: 40},
		{name: "family is the key", data: cat(nflogHdr(7, 0), nflogPayload(ipv4(20))),
			key: 7, off: 8, n: 20},
		{name: "payload runs to the end of the frame", data: cat(nflogHdr(2, 0), tlvHdr(8, nflogTypePayload), ipv4(20)),
			key: 2, off: 8, n: 20},
		{name: "payload length field is not checked", data: cat(nflogHdr(2, 0), tlvHdr(0, nflogTypePayload), ipv4(20)),
			key: 2, off: 8, n: 20},
		{name: "one byte of payload", data: cat(nflogHdr(2, 0), tlvHdr(5, nflogTypePayload), []byte{0x45}),
			key: 2, off: 8, n: 1},
		{name: "tlv padded to 4", data: cat(nflogHdr(2, 0), tlvHdr(5, 10), []byte{'x', 0, 0, 0}, nflogPayload(ipv4(20))),
			key: 2, off: 16, n: 20},
		{name: "payload type in the other byte order", data: cat(nflogHdr(2, 0), swapped, nflogPayload(ipv4(20))),
			key: 2, off: 16, n: 20},
		{name: "4 bytes", data: nflogHdr(2, 0),
			err: "truncated_nflog_header", weirds: []string{"truncated_nflog_header@NFLOG"}},
		{name: "empty", data: nil,
			err: "truncated_nflog_header", weirds: []string{"truncated_nflog_header@NFLOG"}},
		{name: "version 1", data: cat(nflogHdr(2, 1), nflogPayload(ipv4(20))),
			err: "unknown_nflog_version", weirds: []string{"unknown_nflog_version@NFLOG"}},
		{name: "no tlv", data: cat(nflogHdr(2, 0), []byte{0x45}),
			err: "nflog_no_pcap_payload", weirds: []string{"nflog_no_pcap_payload@NFLOG"}},
		{name: "payload without value", data: cat(nflogHdr(2, 0), tlvHdr(4, nflogTypePayload)),
			err: "nflog_no_pcap_payload", weirds: []string{"nflog_no_pcap_payload@NFLOG"}},
		{name: "no payload tlv", data: cat(nflogHdr(2, 0), nflogMeta()),
			err: "nflog_no_pcap_payload", weirds: []string{"nflog_no_pcap_payload@NFLOG"}},
		{name: "4 bytes after the last tlv", data: cat(nflogHdr(2, 0), nflogMeta(), fill(0, 4)),
			err: "nflog_no_pcap_payload", weirds: []string{"nflog_no_pcap_payload@NFLOG"}},
		{name: "tlv length 3", data: cat(nflogHdr(2, 0), tlvHdr(3, 1), nflogPayload(ipv4(20))),
			err: "nflog_bad_tlv_len", weirds: bad("")},
		{name: "tlv length 0", data: cat(nflogHdr(2, 0), tlvHdr(0, 1), nflogPayload(ipv4(20))),
			err: "nflog_bad_tlv_len", weirds: bad("")},
		{name: "tlv past the end", data: cat(nflogHdr(2, 0), tlvHdr(13, 1), fill(0, 8)),
			err: "nflog_bad_tlv_len", weirds: bad("(16 > 12)")},
		{name: "padding past the end", data: cat(nflogHdr(2, 0), nflogMeta(), tlvHdr(6, 10), []byte{'x', 0}),
			err: "nflog_bad_tlv_len", weirds: bad("(8 > 6)")},
		{name: "huge tlv", data: cat(nflogHdr(2, 0), tlvHdr(0xFFFF, 1), fill(0, 8)),
			err: "nflog_bad_tlv_len", weirds: bad("(65536 > 12)")},
	})
}

// swap16 writes v in the byte order opposite to the host's.
func swap16(v uint16) []byte {
	b := ne16(v)
	return []byte{b[1], b[0]}
}

// TestNFLOGFrames decodes whole DLT_NFLOG frames: Zeek wires AF_INET and
// AF_INET6 to IP and nothing else.
func TestNFLOGFrames(t *testing.T) {
	runFrames(t, []frameCase{
		{name: "ipv4", linkType: packet.DLTNFLOG, data: cat(nflogHdr(2, 0), nflogMeta(), nflogPayload(ipv4(20))),
			ip: true, ipOff: 32, ipN: 20},
		{name: "ipv6", linkType: packet.DLTNFLOG, data: cat(nflogHdr(10, 0), nflogMeta(), nflogPayload(fill(0x60, 40))),
			ip: true, ipOff: 32, ipN: 40},
		{name: "bridge family", linkType: packet.DLTNFLOG, data: cat(nflogHdr(7, 0), nflogPayload(ipv4(20))),
			unknown: packet.LayerNFLog},
		{name: "bsd inet6 value is not wired", linkType: packet.DLTNFLOG, data: cat(nflogHdr(28, 0), nflogPayload(fill(0x60, 40))),
			unknown: packet.LayerNFLog},
		{name: "bad tlv", linkType: packet.DLTNFLOG, data: cat(nflogHdr(2, 0), tlvHdr(13, 1), fill(0, 8)),
			weirds: []string{"nflog_bad_tlv_len@NFLOG((16 > 12))"}},
	})
}

// TestNFLOGBadLenText checks that the additional information of
// nflog_bad_tlv_len follows each frame, whether or not it repeats the
// previous one, and that a repeated one does not allocate.
func TestNFLOGBadLenText(t *testing.T) {
	var l nflogLayer
	frames := []struct {
		data []byte
		addl string
	}{
		{cat(nflogHdr(2, 0), tlvHdr(13, 1), fill(0, 8)), "(16 > 12)"},
		{cat(nflogHdr(2, 0), tlvHdr(13, 1), fill(0, 8)), "(16 > 12)"},
		{cat(nflogHdr(2, 0), tlvHdr(17, 1), fill(0, 8)), "(20 > 12)"},
		{cat(nflogHdr(2, 0), tlvHdr(9, 1), fill(0, 4)), "(12 > 8)"},
		{cat(nflogHdr(2, 0), tlvHdr(13, 1), fill(0, 4)), "(16 > 8)"},
		{cat(nflogHdr(2, 0), tlvHdr(3, 1), fill(0, 4)), ""},
		{cat(nflogHdr(2, 0), tlvHdr(13, 1), fill(0, 8)), "(16 > 12)"},
	}
	for i, f := range frames {
		_, _, err := l.Analyze(&packet.Packet{}, f.data)
		w, ok := err.(*packet.Weird)
		if !ok || w.Name != "nflog_bad_tlv_len" || w.Addl != f.addl {
			t.Errorf("frame %d: %v, want nflog_bad_tlv_len (%s)", i, err, f.addl)
		}
	}
	data := frames[0].data
	var p packet.Packet
	if n := testing.AllocsPerRun(100, func() { _, _, _ = l.Analyze(&p, data) }); n != 0 {
		t.Errorf("%v allocations per repeated bad frame", n)
	}
}
