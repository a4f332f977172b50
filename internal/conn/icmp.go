package conn

import (
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// icmp4Counterpart and icmp6Counterpart give the "responder port" of an
// ICMP flow: the type of the matching reply, or the code for one-way
// messages (Zeek's ICMP4_counterpart / ICMP6_counterpart).
func icmp4Counterpart(typ, code uint8) (uint16, bool) {
	switch typ {
	case 8:
		return 0, false
	case 0:
		return 8, false
	case 13:
		return 14, false
	case 14:
		return 13, false
	case 15:
		return 16, false
	case 16:
		return 15, false
	case 10:
		return 9, false
	case 9:
		return 10, false
	case 17:
		return 18, false
	case 18:
		return 17, false
	}
	return uint16(code), true
}

func icmp6Counterpart(typ, code uint8) (uint16, bool) {
	switch typ {
	case 128:
		return 129, false
	case 129:
		return 128, false
	case 133:
		return 134, false
	case 134:
		return 133, false
	case 135:
		return 136, false
	case 136:
		return 135, false
	case 130:
		return 131, false
	case 131:
		return 130, false
	case 139:
		return 140, false
	case 140:
		return 139, false
	case 144:
		return 145, false
	case 145:
		return 144, false
	}
	return uint16(code), true
}

// analyzeICMP is the ICMP/ICMPv6 layer (Zeek's ICMPAnalyzer).
func (m *Manager) analyzeICMP(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	m.ts = p.TS
	if err := checkHeaderTrunc(p, 8, len(data)); err != nil {
		return 0, nil, err
	}
	typ, code := data[0], data[1]
	var rport uint16
	var oneWay bool
	if p.IP.Proto == 1 {
		rport, oneWay = icmp4Counterpart(typ, code)
	} else {
		rport, oneWay = icmp6Counterpart(typ, code)
	}
	sport := uint16(typ)
	k := m.keyOf(p, sport, rport, oneWay)
	i := m.lookup(&k)
	if i < 0 {
		i = m.newConn(p, &k, &p.IP.Src, &p.IP.Dst, sport, rport, zeek.ProtoICMP)
		m.setInactivityTimeout(m.at(i), m.cfg.ICMPInactivityTimeout)
		m.startSession(m.at(i))
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
	if !m.ignoreChecksums(p) && remaining >= length {
		var ok bool
		if p.IP.Proto == 1 {
			ok = packet.InetChecksumOK(data[:length])
		} else {
			ok = packet.TransportChecksumOK(6, &p.IP.Src, &p.IP.Dst, 58, data[:length])
		}
		if !ok {
			m.weird(c, "bad_ICMP_checksum", "", "ICMP")
			return packet.Stop, nil, nil
		}
	}
	c.LastTime = m.ts
	body := data[8:]
	length -= 8
	remaining -= 8
	if isOrig {
		c.reqLen = addLen(c.reqLen, length)
	} else {
		c.repLen = addLen(c.repLen, length)
	}
	if p.IP.Proto == 58 {
		m.icmp6(c, typ, data, body[:min(length, remaining)])
	}
	// The ConnSize analyzer and the payload analyzers get the packet only
	// when it is complete.
	if remaining >= length {
		c.countPacket(isOrig, p.IP.TotalLen)
		if c.session != nil {
			c.session.DeliverPacket(body[:length], isOrig)
		}
	}
	return packet.Stop, nil, nil
}

// icmp6 raises the weirds Zeek's ICMPv6 message parsing raises without a
// script handling the message's event: the MLD reports.
func (m *Manager) icmp6(c *Conn, typ uint8, hdr, body []byte) {
	switch typ {
	case 131, 132: // MLD listener report / done
		if len(body) < 16 {
			m.weird(c, "truncated_ICMPv6_MLDv1", "", "ICMP")
		}
	case 143: // MLDv2 listener report
		n := int(be16(hdr[6:]))
		if len(body) < n*20 {
			m.weird(c, "truncated_ICMPv6_MLDv2", "", "ICMP")
			return
		}
		rest := body
		for j := 0; j < n && len(rest) > 0; j++ {
			if len(rest) < 4 {
				m.weird(c, "truncated_ICMPv6_MLDv2_record", "", "ICMP")
				return
			}
			aux := int(rest[1]) * 4
			srcs := int(be16(rest[2:]))
			rest = rest[4:]
			if len(rest) < 16+srcs*16+aux {
				m.weird(c, "truncated_ICMPv6_MLDv2_record", "", "ICMP")
				return
			}
			rest = rest[16+srcs*16+aux:]
		}
	}
}
