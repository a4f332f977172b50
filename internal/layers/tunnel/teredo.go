package tunnel

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
)

// teredoParse walks Teredo's optional authentication and origin
// indication headers to the IPv6 packet (RFC 4380). It returns the inner
// packet, or nil with the weird that explains why (none when the header
// chain is merely invalid).
func teredoParse(data []byte) (inner []byte, weird string) {
	foundOrigin, foundAuth := false, false
	for {
		if len(data) < 2 {
			return nil, "truncated_Teredo"
		}
		tag := binary.BigEndian.Uint16(data)
		switch {
		case tag == 0: // origin indication
			if foundOrigin {
				return nil, ""
			}
			if len(data) < 8 {
				return nil, "truncated_Teredo_origin_indication"
			}
			data, foundOrigin = data[8:], true
		case tag == 1: // authentication
			if foundOrigin || foundAuth {
				return nil, ""
			}
			if len(data) < 4 {
				return nil, "truncated_Teredo_authentication"
			}
			n := 4 + int(data[2]) + int(data[3]) + 8 + 1
			if len(data) < n {
				return nil, "truncated_Teredo_authentication"
			}
			data, foundAuth = data[n:], true
		case tag>>12 == 6:
			if len(data) < 40 {
				return nil, "truncated_IPv6_in_Teredo"
			}
			return data, ""
		default:
			return nil, ""
		}
	}
}

// teredoWeird raises a weird on a Teredo connection, as Zeek does only
// once Teredo is confirmed there (or when force is set).
func (t *Tunnels) teredoWeird(c *conn.Conn, name string, force bool) {
	if confirmed, _ := c.PacketAnalyzerState(packet.LayerTeredo); confirmed || force {
		t.env.ConnWeird(c, name, "", packet.LayerTeredo.Name())
	}
}

// analyzeTeredo is Teredo: IPv6 over UDP, with optional authentication
// and origin indication headers.
func (t *Tunnels) analyzeTeredo(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	c, err := t.udpTunnelStart(p, packet.LayerTeredo)
	if c == nil {
		return packet.Stop, nil, err
	}
	in, weird := teredoParse(data)
	if in == nil {
		if weird != "" {
			t.teredoWeird(c, weird, false)
		}
		return t.violation(c, packet.LayerTeredo, "Bad Teredo encapsulation", data)
	}
	res, next, payloadLen := parseInner(in, 41)
	switch res {
	case innerTooLarge:
		if next == 59 /* no next header */ && payloadLen == 0 {
			// A bubble with data after the IPv6 header.
			t.teredoWeird(c, "Teredo_bubble_with_payload", true)
		} else {
			return t.violation(c, packet.LayerTeredo, "Teredo payload length", data)
		}
	case innerTooSmall, innerBadProtocol:
		return t.violation(c, packet.LayerTeredo, "Truncated Teredo or invalid inner IP version", data)
	}
	valid := c.TunnelValid()
	if p.IsOrig {
		*valid |= 1
	} else {
		*valid |= 2
	}
	if !t.cfg.DelayTeredoConfirmation || *valid == 3 {
		t.env.PacketConfirm(c, packet.LayerTeredo)
	}
	return t.inner(p, c, packet.TunnelTeredo, packet.LayerTeredo, packet.Default, in)
}

// detectTeredo is Teredo's protocol detection below UDP: an IPv6 packet to
// or from the Teredo prefix, or an IPv6 packet behind an authentication
// and/or origin indication header.
func detectTeredo(_ *packet.Packet, data []byte) bool {
	if len(data) < 40 || len(data) > 8 && data[0]>>4 != 6 && (data[0] != 0 || data[1] != 0 && data[1] != 1) {
		return false
	}
	// Zeek's pattern, matched on a prefix: an IPv6 header whose source or
	// destination is in the Teredo prefix.
	if data[0]>>4 == 6 && (teredoPrefix(data[8:12]) || teredoPrefix(data[24:28])) {
		return true
	}
	val := uint16(data[1])
	if val == 1 {
		idLen, auLen := int(data[2]), int(data[3])
		if len(data) < 13+idLen+auLen {
			return false
		}
		data = data[13+idLen+auLen:]
		if len(data) < 40 {
			return false
		}
		val = binary.BigEndian.Uint16(data)
	}
	if val == 0 {
		if len(data) < 8 {
			return false
		}
		data = data[8:]
		if len(data) < 40 {
			return false
		}
		return data[0]>>4 == 6
	}
	return false
}

// teredoPrefix reports whether an address starts with 2001:0000::/32.
func teredoPrefix(b []byte) bool { return b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0 }
