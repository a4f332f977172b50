package tunnel

import (
	"encoding/binary"
	"strconv"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
)

// Weirds of the tunnels over UDP.
var (
	errVXLANEmpty      = packet.NewWeird("vxlan_empty_packet")
	errGeneveEmpty     = packet.NewWeird("geneve_empty_packet")
	errAYIYAEmpty      = packet.NewWeird("ayiya_empty_packet")
	errNoTunnelSession = packet.NewWeird("tunnel_missing_connection")
)

// udpTunnelStart does what every tunnel over a connection checks first:
// that there is a connection, that the analyzer has not failed on it, and
// the depth limit (which also marks the connection's history with 'X').
// It returns nil when the packet goes no further; err is the weird to
// report, if any.
func (t *Tunnels) udpTunnelStart(p *packet.Packet, id packet.LayerID) (*conn.Conn, error) {
	c := session(p)
	if c == nil {
		return nil, &packet.Weird{Name: missingConnWeird(id)}
	}
	if _, violated := c.PacketAnalyzerState(id); violated {
		return nil, nil
	}
	if t.tooDeep(p) {
		c.MarkAnalyzerLimit()
		return nil, errTunnelDepth
	}
	return c, nil
}

// missingConnWeird is the weird of a tunnel layer run without a
// connection ("vxlan_missing_connection", …).
func missingConnWeird(id packet.LayerID) string {
	switch id {
	case packet.LayerVXLAN:
		return "vxlan_missing_connection"
	case packet.LayerGeneve:
		return "geneve_missing_connection"
	case packet.LayerTeredo:
		return "teredo_missing_connection"
	case packet.LayerAYIYA:
		return "ayiya_missing_connection"
	case packet.LayerGTPv1:
		return "gtpv1_missing_connection"
	}
	return errNoTunnelSession.Name
}

// violation reports a packet analyzer's violation with the datagram it
// found broken and stops decoding.
func (t *Tunnels) violation(c *conn.Conn, id packet.LayerID, reason string, data []byte) (packet.Key, []byte, error) {
	t.env.PacketViolation(c, id, reason, data)
	return packet.Stop, nil, nil
}

// inner builds the inner packet of a tunnel over connection c and decodes
// it below layer id with key.
func (t *Tunnels) inner(p *packet.Packet, c *conn.Conn, typ packet.TunnelType, id packet.LayerID, key packet.Key, data []byte) (packet.Key, []byte, error) {
	ec := c.EncapAs(typ)
	in, ok := t.d.InnerPacket(p, data, packet.DLTRaw, &ec)
	if !ok {
		return 0, nil, errTunnelDepth
	}
	t.d.Forward(in, id, key, data, in.Depth())
	if in.Processed {
		p.Processed = true
	}
	return packet.Stop, nil, nil
}

// analyzeVXLAN is VXLAN (RFC 7348): an 8-byte header with the I flag,
// then an Ethernet frame.
func (t *Tunnels) analyzeVXLAN(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	c, err := t.udpTunnelStart(p, packet.LayerVXLAN)
	if c == nil {
		return packet.Stop, nil, err
	}
	if len(data) < 8 {
		return t.violation(c, packet.LayerVXLAN, "VXLAN header truncation", data)
	}
	if data[0]&0x08 == 0 {
		return t.violation(c, packet.LayerVXLAN, "VXLAN 'I' flag not set", data)
	}
	t.env.PacketConfirm(c, packet.LayerVXLAN)
	data = data[8:]
	if len(data) == 0 {
		return 0, nil, errVXLANEmpty
	}
	return t.inner(p, c, packet.TunnelVXLAN, packet.LayerVXLAN, packet.Default, data)
}

// analyzeGeneve is Geneve (RFC 8926): a header with options, then the
// payload named by its protocol type.
func (t *Tunnels) analyzeGeneve(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	c, err := t.udpTunnelStart(p, packet.LayerGeneve)
	if c == nil {
		return packet.Stop, nil, err
	}
	if len(data) < 8 {
		return t.violation(c, packet.LayerGeneve, "Geneve header truncation", data)
	}
	if v := data[0] >> 6; v != 0 {
		return 0, nil, &packet.Weird{Name: "geneve_invalid_version", Addl: strconv.Itoa(int(v))}
	}
	hdr := 8 + int(data[0]&0x3F)*4
	if len(data) < hdr {
		return t.violation(c, packet.LayerGeneve, "Geneve option header truncation", data)
	}
	next := binary.BigEndian.Uint16(data[2:4])
	t.env.PacketConfirm(c, packet.LayerGeneve)
	data = data[hdr:]
	if len(data) == 0 {
		return 0, nil, errGeneveEmpty
	}
	return t.inner(p, c, packet.TunnelGeneve, packet.LayerGeneve, packet.Key(next), data)
}

// analyzeAYIYA is AYIYA ("Anything In Anything"): a header with an
// identity and a signature; only forward operations carry a packet.
func (t *Tunnels) analyzeAYIYA(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	c, err := t.udpTunnelStart(p, packet.LayerAYIYA)
	if c == nil {
		return packet.Stop, nil, err
	}
	if len(data) < 8 {
		return t.violation(c, packet.LayerAYIYA, "Truncated AYIYA", nil)
	}
	hdr := 8 + 1<<(data[0]>>4) + int(data[1]>>4)*4
	if len(data) < hdr {
		return t.violation(c, packet.LayerAYIYA, "Truncated AYIYA", nil)
	}
	if data[2]&0x0F != 1 { // not a forward operation: nothing to decode
		return packet.Stop, nil, nil
	}
	next := data[3]
	t.env.PacketConfirm(c, packet.LayerAYIYA)
	data = data[hdr:]
	if len(data) == 0 {
		return 0, nil, errAYIYAEmpty
	}
	return t.inner(p, c, packet.TunnelAYIYA, packet.LayerAYIYA, packet.Key(next), data)
}

// detectAYIYA is AYIYA's protocol detection below UDP.
func detectAYIYA(_ *packet.Packet, data []byte) bool {
	return len(data) >= 3 && data[1] == 0x52 && data[2] == 0x11
}
