package rdp

import (
	"slices"
	"testing"
)

type eudpHostRec struct {
	confirms   int
	violations []string
}

func (h *eudpHostRec) confirm()                { h.confirms++ }
func (h *eudpHostRec) violation(reason string) { h.violations = append(h.violations, reason) }

func eudpSyn(flags uint16, ack uint32, version uint16) []byte {
	b := cat(be32b(ack), be16b(64), be16b(flags), make([]byte, 8))
	if flags&eudpFlagCorrID != 0 {
		b = append(b, make([]byte, 32)...)
	}
	if flags&eudpFlagSynEx != 0 {
		b = cat(b, be16b(1), be16b(version))
		if version == eudpVersion3 {
			b = append(b, make([]byte, 32)...)
		}
	}
	return b
}

func be32b(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

func TestEUDP(t *testing.T) {
	const pre = "Binpac exception: binpac exception: "
	syn := func(ver uint16) []byte { return eudpSyn(eudpFlagSYN|eudpFlagSynEx|eudpFlagCorrID, 0xffffffff, ver) }
	synack := func(ver uint16) []byte { return eudpSyn(eudpFlagSYN|eudpFlagACK|eudpFlagSynEx, 0, ver) }
	ack1 := cat(make([]byte, 6), be16b(eudpFlagACK|eudpFlagData|eudpFlagAckOfAck), be16b(3), []byte{1, 2, 3, 0}, make([]byte, 4), make([]byte, 8), []byte("data"))
	type pkt struct {
		orig bool
		data []byte
	}
	cases := []struct {
		name       string
		pkts       []pkt
		confirms   int
		state      uint8
		violations []string
	}{
		{"v2 handshake", []pkt{{true, syn(eudpVersion3)}, {false, synack(eudpVersion3)}, {true, []byte{0x20, 0, 0}}, {false, []byte{0x40, 1, 2, 3}}}, 1, eudpEstablished, nil},
		{"v2 dummy packet", []pkt{{true, syn(eudpVersion3)}, {false, synack(eudpVersion3)}, {true, []byte{0x08, 0, 0}}}, 1, eudpNeedACK, nil},
		{"v1 handshake", []pkt{{true, syn(eudpVersion1)}, {false, synack(eudpVersion1)}, {true, ack1}}, 1, eudpEstablished, nil},
		{"responder SYN first", []pkt{{false, syn(eudpVersion1)}}, 0, eudpNeedSYN, nil},
		{"SYN without SYNEX", []pkt{{true, eudpSyn(eudpFlagSYN, 0xffffffff, 0)}}, 0, eudpNeedSYN,
			[]string{pre + "invalid case: src/analyzer/protocol/rdp/rdpeudp-protocol.pac:34:has_synex_payload: 0 (true)"}},
		{"short SYN", []pkt{{true, make([]byte, 10)}}, 0, eudpNeedSYN, []string{pre + "out_of_bound: RDPEUDP_SYN:syndata_payload: 16 > 10"}},
		{"short v2 ACK", []pkt{{true, syn(eudpVersion3)}, {false, synack(eudpVersion3)}, {true, []byte{0x20, 0}}}, 1, eudpNeedACK,
			[]string{pre + "out_of_bound: RDPEUDP2_ACK:header: 3 > 2"}},
		{"v1 ack vector", []pkt{{true, syn(eudpVersion1)}, {false, synack(eudpVersion1)}, {true, cat(make([]byte, 8), be16b(9), []byte{1})}}, 1, eudpNeedACK,
			[]string{pre + "out_of_bound: RDPUDP_ACK_VECTOR_HEADER:AckVectorElement: 9 > 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := &eudpHostRec{}
			a := newEUDP(h)
			for _, p := range c.pkts {
				a.DeliverPacket(p.data, p.orig)
			}
			if h.confirms != c.confirms || a.state != c.state || !slices.Equal(h.violations, c.violations) {
				t.Errorf("confirms %d state %d violations %q; want %d %d %q", h.confirms, a.state, h.violations, c.confirms, c.state, c.violations)
			}
		})
	}
}
