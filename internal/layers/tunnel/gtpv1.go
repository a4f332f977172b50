package tunnel

import "github.com/heron-nsm/heron/internal/packet"

// gtpHeader is the part of a GTPv1 header (3GPP TS 29.060) that Heron
// needs: the flags, the message type, and how long the whole header is.
type gtpHeader struct {
	version uint8
	pt      bool // protocol type: GTP (not GTP')
	msgType uint8
	hdrLen  int // fixed header, optional fields and extension headers
}

// parseGTPv1Header decodes a GTPv1 header; ok is false when the datagram
// is too short for the header it announces.
func parseGTPv1Header(data []byte) (h gtpHeader, ok bool) {
	if len(data) < 8 {
		return h, false
	}
	flags := data[0]
	h.version = flags >> 5
	h.pt = flags&0x10 != 0
	h.msgType = data[1]
	h.hdrLen = 8
	if flags&0x07 != 0 { // sequence number, N-PDU number and next type
		if len(data) < 12 {
			return h, false
		}
		h.hdrLen = 12
		// Extension headers follow when the E flag is set, each with a
		// length in 4-byte units and the type of the next. Zeek's grammar
		// (gtpv1-protocol.pac) reads at least one whenever the flag is
		// set, whatever the optional fields' next type says, and stops
		// after the first whose next type is 0.
		if flags&0x04 != 0 {
			for {
				if len(data) < h.hdrLen+1 {
					return h, false
				}
				n := int(data[h.hdrLen]) * 4
				if n < 2 || len(data) < h.hdrLen+n {
					return h, false
				}
				next := data[h.hdrLen+n-1]
				h.hdrLen += n
				if next == 0 {
					break
				}
			}
		}
	}
	return h, true
}

// analyzeGTPv1 is GTPv1-U (and the control messages of GTPv1-C, which
// carry no packet): G-PDU messages hold an IPv4 or IPv6 packet.
func (t *Tunnels) analyzeGTPv1(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	c := session(p)
	if c == nil {
		return packet.Stop, nil, &packet.Weird{Name: missingConnWeird(packet.LayerGTPv1)}
	}
	h, ok := parseGTPv1Header(data)
	if !ok {
		return t.violation(c, packet.LayerGTPv1, "Binpac exception: binpac exception: out_of_bound: GTPv1_Header", nil)
	}
	valid := c.TunnelValid()
	bit := uint8(2)
	if p.IsOrig {
		bit = 1
	}
	*valid &^= bit
	if t.tooDeep(p) {
		t.env.NetWeird("tunnel_depth", "", packet.LayerGTPv1.Name())
		return packet.Stop, nil, nil
	}
	if last := p.Encap.Last(); last != nil && last.Type == packet.TunnelGTPv1 {
		// GTP never runs inside GTP: this is a user's own packet.
		return t.violation(c, packet.LayerGTPv1, "GTP-in-GTP", nil)
	}
	if h.version != 1 {
		return t.violation(c, packet.LayerGTPv1, "GTPv1 bad Version", nil)
	}
	if !h.pt || h.msgType != 255 {
		return packet.Stop, nil, nil // GTP' or a control message
	}
	payload := data[h.hdrLen:]
	if len(payload) < 20 {
		return t.violation(c, packet.LayerGTPv1, "Truncated GTPv1", nil)
	}
	var proto uint8
	switch payload[0] >> 4 {
	case 4:
		proto = 4
	case 6:
		proto = 41
	default:
		return t.violation(c, packet.LayerGTPv1, "non-IP packet in GTPv1", nil)
	}
	switch res, _, _ := parseInner(payload, proto); res {
	case innerOK:
		*valid |= bit
		if !t.cfg.DelayGTPConfirmation || *valid == 3 {
			t.env.PacketConfirm(c, packet.LayerGTPv1)
		}
	case innerBadProtocol:
		return t.violation(c, packet.LayerGTPv1, "Invalid IP version in wrapped packet", nil)
	case innerTooSmall:
		return t.violation(c, packet.LayerGTPv1, "Truncated GTPv1", nil)
	default:
		return t.violation(c, packet.LayerGTPv1, "GTPv1 payload length", nil)
	}
	return t.inner(p, c, packet.TunnelGTPv1, packet.LayerGTPv1, packet.Default, payload)
}
