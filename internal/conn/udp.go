package conn

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

const (
	histOrigDataPkt = 0x1
	histRespDataPkt = 0x2
)

// analyzeUDP is the UDP layer (Zeek's UDPAnalyzer).
func (m *Manager) analyzeUDP(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	m.ts = p.TS
	if err := checkHeaderTrunc(p, 8, len(data)); err != nil {
		return 0, nil, err
	}
	sport, dport := be16(data[0:]), be16(data[2:])
	k := m.keyOf(p, sport, dport, false)
	i := m.lookup(&k)
	if i < 0 {
		i = m.newConn(p, &k, &p.IP.Src, &p.IP.Dst, sport, dport, zeek.ProtoUDP)
		c := m.at(i)
		if m.cfg.LikelyServerPort(sport, zeek.ProtoUDP) && !m.cfg.LikelyServerPort(dport, zeek.ProtoUDP) &&
			!isBroadcast(&c.RespAddr, c.Version) {
			c.flipRoles()
		}
		m.setInactivityTimeout(c, m.cfg.UDPInactivityTimeout)
		m.startSession(c)
	} else {
		m.checkEncap(m.at(i), p)
	}
	p.Processed = true
	c := m.at(i)
	isOrig := p.IP.Src == c.OrigAddr && sport == c.OrigPort

	remaining := len(data)
	length := p.IP.PayloadLen
	if length == 0 {
		length = remaining
	}
	// The ConnSize analyzer sees the packet before the checksum check.
	c.countPacket(isOrig, p.IP.TotalLen)
	validate := !m.ignoreChecksums(p) && remaining >= length && int(p.WireLen) <= len(p.Data)
	if validate && length > 8+8+14 && data[8]&0x08 != 0 && m.isVXLANPort(dport) {
		// VXLAN on its port: a zero checksum is what senders should
		// send, and checking a non-zero one is optional.
		if be16(data[6:]) == 0 {
			validate = false
		} else {
			validate = m.cfg.ValidateVXLANChecksums
		}
	}
	if validate {
		sum := be16(data[6:])
		bad := false
		if p.IP.Version == 4 {
			bad = sum != 0 && !packet.TransportChecksumOK(4, &p.IP.Src, &p.IP.Dst, 17, data[:length])
		} else {
			bad = !packet.TransportChecksumOK(6, &p.IP.Src, &p.IP.Dst, 17, data[:length])
		}
		if bad {
			m.weird(c, "bad_UDP_checksum", "", "UDP")
			if isOrig {
				c.scaledHistory('C', &c.reqChk)
			} else {
				c.scaledHistory('c', &c.repChk)
			}
			return packet.Stop, nil, nil
		}
	}
	ulen := int(be16(data[4:]))
	if ulen != length {
		m.weird(c, "UDP_datagram_length_mismatch", strconv.Itoa(ulen)+" != "+strconv.Itoa(length), "UDP")
	}
	ulen -= 8
	c.LastTime = m.ts
	if isOrig {
		c.checkHistory(histOrigDataPkt, 'D')
		c.reqLen = addLen(c.reqLen, ulen)
	} else {
		c.checkHistory(histRespDataPkt, 'd')
		c.repLen = addLen(c.repLen, ulen)
	}
	payload := data[8:min(length, remaining)]
	if m.dec != nil {
		// Packet analyzers over UDP (tunnels) by the responder's port or
		// by detection, before the session's analyzers.
		p.Session, p.IsOrig = c, isOrig
		m.dec.Dispatch(p, packet.LayerUDP, packet.Key(c.RespPort), payload)
		p.Session = nil
	}
	if c.session != nil {
		if isOrig && !c.seenOrig || !isOrig && !c.seenResp {
			c.session.FirstPacket(isOrig, p.IP.Header, data)
		}
		m.inFlight, m.inFlightLen = c, p.IP.TotalLen
		c.session.DeliverPacket(payload, isOrig)
		m.inFlight = nil
	}
	if isOrig {
		c.seenOrig = true
	} else {
		c.seenResp = true
	}
	return packet.Stop, nil, nil
}

// addLen is the UDP/ICMP adapters' UpdateLength.
func addLen(cur int64, n int) int64 {
	if cur < 0 {
		return int64(n)
	}
	return cur + int64(n)
}

// analyzeUnknownIP tracks flows of IP protocols Heron has no analyzer for
// (Zeek's Unknown_IP_Transport): ports are zero.
func (m *Manager) analyzeUnknownIP(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	m.ts = p.TS
	k := m.keyOf(p, 0, 0, false)
	i := m.lookup(&k)
	if i < 0 {
		i = m.newConn(p, &k, &p.IP.Src, &p.IP.Dst, 0, 0, zeek.ProtoUnknown)
		m.setInactivityTimeout(m.at(i), m.cfg.UnknownIPInactivity)
		m.startSession(m.at(i))
	} else {
		m.checkEncap(m.at(i), p)
	}
	c := m.at(i)
	isOrig := p.IP.Src == c.OrigAddr
	c.LastTime = m.ts
	c.countPacket(isOrig, p.IP.TotalLen)
	return packet.Stop, nil, nil
}

// isVXLANPort reports whether port is one of PacketAnalyzer::VXLAN::vxlan_ports.
func (m *Manager) isVXLANPort(port uint16) bool {
	for _, p := range m.cfg.VXLANPorts {
		if p == port {
			return true
		}
	}
	return false
}
