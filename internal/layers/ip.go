package layers

import (
	"encoding/binary"
	"strconv"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// IP protocol numbers the IP layer looks at.
const (
	protoHopOpts  = 0
	protoICMP     = 1
	protoIPv4     = 4
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41
	protoRouting  = 43
	protoFragment = 44
	protoESP      = 50
	protoAH       = 51
	protoICMPv6   = 58
	protoNone     = 59
	protoDstOpts  = 60
	protoMobility = 135
	protoRaw      = 255
)

// Fragments reassembles IP fragments. Add* return the complete datagram as
// a whole IP packet (header and payload, fragment fields cleared) once the
// last missing fragment arrives; the bytes belong to the reassembler and
// stay valid until its next call.
type Fragments interface {
	AddIPv4(now zeek.Time, pkt []byte) (whole []byte, done bool)
	AddIPv6(now zeek.Time, pkt []byte, fragHdrOffset int) (whole []byte, done bool)
}

// IPConfig holds the IP layer's options.
type IPConfig struct {
	// IgnoreChecksums is Zeek's ignore_checksums (-C).
	IgnoreChecksums bool
	// IgnoreChecksumsFor reports whether checksums from this header source
	// address are ignored (Zeek's ignore_checksums_nets); may be nil.
	IgnoreChecksumsFor func(src [16]byte, version uint8) bool
}

// IP is Zeek's IP packet analyzer for IPv4 and IPv6.
type IP struct {
	d    *packet.Decoder
	cfg  IPConfig
	frag Fragments
}

var (
	errTruncatedIP          = packet.NewWeird("truncated_IP")
	errUnknownIPVersion     = packet.NewWeird("unknown_ip_version")
	errTruncatedIPLen       = packet.NewWeird("truncated_IP_len")
	errInvalidIPHeaderSize  = packet.NewWeird("invalid_IP_header_size")
	errInternallyTruncated  = packet.NewWeird("internally_truncated_header")
	errIPv4MinHeaderSize    = packet.NewWeird("IPv4_min_header_size")
	errIPv6MinHeaderSize    = packet.NewWeird("IPv6_min_header_size")
	errBadIPChecksum        = packet.NewWeird("bad_IP_checksum")
	errBogusIPHeaderLengths = packet.NewWeird("bogus_IP_header_lengths")
	errIPv6NoNext           = packet.NewWeird("ipv6_no_next")
	errBadMHChecksum        = packet.NewWeird("bad_MH_checksum")
)

// NewIP returns the IP layer; frag may be nil (no reassembly).
func NewIP(d *packet.Decoder, cfg IPConfig, frag Fragments) *IP {
	return &IP{d: d, cfg: cfg, frag: frag}
}

func (ip *IP) ignoreChecksums(h *packet.IPHeader) bool {
	return ip.cfg.IgnoreChecksums || (ip.cfg.IgnoreChecksumsFor != nil && ip.cfg.IgnoreChecksumsFor(h.HdrSrc, h.Version))
}

// Analyze decodes an IPv4 or IPv6 header (with extension headers and
// fragment reassembly) and forwards the payload by protocol number.
func (ip *IP) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) < 20 {
		return 0, nil, errTruncatedIP
	}
	// Offset of this IP header in the frame, for Zeek's length checks
	// against the frame's wire length.
	hdrOffset := p.Offset(data)

	var h packet.IPHeader
	switch data[0] >> 4 {
	case 4:
		decodeIPv4(&h, data)
	case 6:
		if len(data) < 40 {
			return 0, nil, errTruncatedIP
		}
		ip.decodeIPv6(p, &h, data)
	default:
		return 0, nil, errUnknownIPVersion
	}

	totalLen := h.TotalLen
	if totalLen == 0 {
		// TCP segmentation offload can zero the length field. The weird
		// comes before the header is accepted: a net weird (or one on
		// the outer flow inside a tunnel).
		ip.d.RaiseFrom(p, "ip_hdr_len_zero", "", packet.LayerIP.Name())
		if !ip.cfg.IgnoreChecksums {
			return packet.Stop, nil, nil
		}
		if hdrOffset >= 0 {
			totalLen = uint32(len(p.Data) - hdrOffset)
		} else {
			totalLen = uint32(len(data))
		}
	}
	if hdrOffset >= 0 && uint64(p.WireLen) < uint64(totalLen)+uint64(hdrOffset) {
		return 0, nil, errTruncatedIPLen
	}
	if uint32(h.HdrLen) > totalLen {
		return 0, nil, errInvalidIPHeaderSize
	}
	if h.HdrLen > len(data) {
		return 0, nil, errInternallyTruncated
	}
	if h.Version == 4 && h.HdrLen < 20 {
		return 0, nil, errIPv4MinHeaderSize
	}
	if h.Version == 6 && h.HdrLen < 40 {
		return 0, nil, errIPv6MinHeaderSize
	}

	h.Valid = true
	p.IP = h

	if h.Version == 4 && !p.L3Checksummed && !ip.ignoreChecksums(&h) && !packet.InetChecksumOK(data[:h.HdrLen]) {
		return 0, nil, errBadIPChecksum
	}

	n := len(data) // captured bytes from the IP header on
	if h.IsFragment {
		if uint32(n) < totalLen {
			ip.d.Raise("incompletely_captured_fragment", "")
			// Only the first fragment is worth analysing on its own.
			if h.FragOffset != 0 {
				return packet.Stop, nil, nil
			}
		} else if ip.frag != nil {
			var whole []byte
			var done bool
			if h.Version == 4 {
				whole, done = ip.frag.AddIPv4(p.TS, data[:totalLen])
			} else {
				whole, done = ip.frag.AddIPv6(p.TS, data[:totalLen], h.HdrLen-8)
			}
			if !done {
				return packet.Stop, nil, nil
			}
			// Decode the reassembled datagram as a packet of its own.
			var r packet.IPHeader
			if whole[0]>>4 == 4 {
				decodeIPv4(&r, whole)
			} else {
				ip.decodeIPv6(p, &r, whole)
			}
			if uint32(r.HdrLen) > r.TotalLen {
				return 0, nil, errInvalidIPHeaderSize
			}
			r.Valid = true
			r.Reassembled = true
			p.IP = r
			data = whole
			n = len(whole)
			totalLen = r.TotalLen
		}
	}
	h = p.IP

	if h.Version == 6 && h.LastHeader == protoESP {
		// Everything beyond is encrypted.
		return packet.Stop, nil, nil
	}
	if h.Version == 6 && h.LastHeader == protoMobility {
		return ip.mobility(p, data)
	}

	payload := data[h.HdrLen:n]
	if h.PayloadLen != 0 && len(payload) > h.PayloadLen {
		payload = payload[:h.PayloadLen]
	}
	p.IP.Payload = payload

	if totalLen < uint32(h.HdrLen) {
		return 0, nil, errBogusIPHeaderLengths
	}
	if h.Proto == protoNone {
		// Teredo bubbles carry no next header by design.
		if last := p.Encap.Last(); last != nil && last.Type == packet.TunnelTeredo {
			return packet.Stop, nil, nil
		}
		return 0, nil, errIPv6NoNext
	}
	return packet.Key(h.Proto), payload, nil
}

// decodeIPv4 fills h from an IPv4 header; data holds at least 20 bytes.
func decodeIPv4(h *packet.IPHeader, data []byte) {
	h.Version = 4
	h.HdrLen = int(data[0]&0x0f) * 4
	h.TotalLen = uint32(binary.BigEndian.Uint16(data[2:]))
	if h.TotalLen != 0 && h.TotalLen >= uint32(h.HdrLen) {
		h.PayloadLen = int(h.TotalLen) - h.HdrLen
	} else if h.TotalLen != 0 {
		// Zeek computes this in 16 bits; the header-size check rejects
		// the packet before the value matters.
		h.PayloadLen = int(uint16(h.TotalLen) - uint16(h.HdrLen))
	}
	h.ID = uint32(binary.BigEndian.Uint16(data[4:]))
	off := binary.BigEndian.Uint16(data[6:])
	h.DF = off&0x4000 != 0
	h.MF = off&0x2000 != 0
	h.FragOffset = int(off&0x1fff) * 8
	h.IsFragment = off&0x3fff != 0
	h.TTL = data[8]
	h.Proto = data[9]
	h.LastHeader = protoRaw
	h.Src = packet.Mapped4(data[12:16])
	h.Dst = packet.Mapped4(data[16:20])
	h.HdrSrc = h.Src
	if h.HdrLen <= len(data) {
		h.Header = data[:h.HdrLen]
	} else {
		h.Header = data
	}
}

// decodeIPv6 fills h from an IPv6 header and its extension headers, as
// Zeek's IPv6_Hdr_Chain walks them; data holds at least 40 bytes.
func (ip *IP) decodeIPv6(p *packet.Packet, h *packet.IPHeader, data []byte) {
	h.Version = 6
	h.FlowLabel = binary.BigEndian.Uint32(data[0:]) & 0x000fffff
	plen := binary.BigEndian.Uint16(data[4:])
	h.TotalLen = uint32(plen) + 40
	h.TTL = data[7]
	copy(h.Src[:], data[8:24])
	copy(h.Dst[:], data[24:40])
	h.HdrSrc = h.Src

	// Weirds raised while walking carry the addresses as the chain knows
	// them at that moment: the home address and the routing header's
	// final destination replace the fixed header's once seen.
	cs := chainState{src: h.Src, dst: h.Dst}
	length := 0
	remain := len(data)
	cur := uint8(protoIPv6)
	next := uint8(protoIPv6)
	lastType := uint8(protoIPv6)
	nextOfLast := uint8(protoNone)
	off := 0
	for {
		if remain < 2 {
			break
		}
		cur = next
		hdr := data[off:]
		var hlen int
		switch cur {
		case protoIPv6:
			hlen = 40
			next = hdr[6]
		case protoHopOpts, protoDstOpts, protoRouting, protoMobility:
			hlen = 8 + 8*int(hdr[1])
			next = hdr[0]
		case protoFragment:
			hlen = 8
			next = hdr[0]
		case protoAH:
			hlen = 8 + 4*int(hdr[1])
			next = hdr[0]
		case protoESP:
			hlen = 8
			next = protoNone
		}
		if hlen > remain {
			break
		}
		lastType, nextOfLast = cur, next
		switch cur {
		case protoRouting:
			if cs.haveFinal {
				ip.flowWeird(p, &cs, "multiple_routing_headers", "")
			} else {
				ip.routing(p, hdr[:hlen], &cs)
			}
		case protoDstOpts:
			ip.dstOpts(p, hdr[:hlen], &cs)
		}
		switch cur {
		case protoFragment:
			fo := binary.BigEndian.Uint16(hdr[2:])
			h.IsFragment = true
			h.FragOffset = int(fo & 0xfff8)
			h.MF = fo&1 != 0
			h.ID = binary.BigEndian.Uint32(hdr[4:])
		}
		off += hlen
		length += hlen
		remain -= hlen
		if cur == protoFragment || cur == protoESP || cur == protoMobility || !isExtHeader(next) {
			break
		}
	}
	if lastType != protoFragment {
		h.IsFragment = false
		h.FragOffset, h.MF, h.ID = 0, false, 0
	}
	h.HdrLen = length
	h.LastHeader = lastType
	h.Proto = nextOfLast
	h.Src, h.Dst = cs.src, cs.dst
	h.PayloadLen = int(uint16(int(plen) + 40 - length))
	if length <= len(data) {
		h.Header = data[:length]
	}
}

func isExtHeader(t uint8) bool {
	switch t {
	case protoHopOpts, protoRouting, protoDstOpts, protoFragment, protoAH, protoESP, protoMobility:
		return true
	}
	return false
}

// chainState is what walking an IPv6 header chain has found so far: the
// effective addresses (after a home address option or a routing header's
// final destination) and whether either was seen.
type chainState struct {
	src, dst            [16]byte
	haveHome, haveFinal bool
}

// flowWeird reports a weird about the flow the chain describes at once,
// without a source, as Zeek's header-chain code does.
func (ip *IP) flowWeird(p *packet.Packet, cs *chainState, name, addl string) {
	saved := p.IP
	p.IP.Valid, p.IP.Version, p.IP.Src, p.IP.Dst = true, 6, cs.src, cs.dst
	ip.d.RaiseFrom(p, name, addl, "")
	p.IP = saved
}

func (ip *IP) routing(p *packet.Packet, hdr []byte, cs *chainState) {
	rtype, segLeft, rlen := hdr[2], hdr[3], hdr[1]
	switch rtype {
	case 0:
		if segLeft > 0 && rlen >= 2 {
			if rlen%2 == 0 {
				copy(cs.dst[:], hdr[len(hdr)-16:])
				cs.haveFinal = true
			} else {
				ip.flowWeird(p, cs, "odd_routing0_len", "")
			}
		}
		ip.flowWeird(p, cs, "routing0_hdr", "")
	case 2:
		if segLeft > 0 {
			if rlen == 2 {
				copy(cs.dst[:], hdr[len(hdr)-16:])
				cs.haveFinal = true
			} else {
				ip.flowWeird(p, cs, "bad_routing2_len", "")
			}
		}
	default:
		ip.flowWeird(p, cs, "unknown_routing_type", strconv.Itoa(int(rtype)))
	}
}

func (ip *IP) dstOpts(p *packet.Packet, hdr []byte, cs *chainState) {
	opts := hdr[2:]
	for len(opts) > 0 {
		t := opts[0]
		if t == 0 { // Pad1
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			ip.flowWeird(p, cs, "bad_ipv6_dest_opt_len", "")
			return
		}
		olen := int(opts[1])
		if t == 201 { // Home Address option (Mobile IPv6)
			if olen == 16 {
				if cs.haveHome {
					ip.flowWeird(p, cs, "multiple_home_addr_opts", "")
				} else {
					copy(cs.src[:], opts[2:18])
					cs.haveHome = true
				}
			} else {
				ip.flowWeird(p, cs, "bad_home_addr_len", "")
			}
		}
		opts = opts[2+olen:]
	}
}

// mobility handles a Mobile IPv6 mobility header: checked, then dropped.
func (ip *IP) mobility(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	h := &p.IP
	mh := data[h.HdrLen-mobilityLen(data, h):]
	if !ip.ignoreChecksums(h) {
		seg := mh
		if len(seg) > 0 {
			mlen := 8 + 8*int(seg[1])
			if len(seg) > mlen {
				seg = seg[:mlen]
			}
		}
		if !packet.TransportChecksumOK(6, &h.Src, &h.Dst, protoMobility, seg) {
			return 0, nil, errBadMHChecksum
		}
	}
	if h.Proto != protoNone {
		ip.d.Raise("mobility_piggyback", "")
	}
	return packet.Stop, nil, nil
}

// mobilityLen returns the length of the mobility header at the end of the
// header chain.
func mobilityLen(data []byte, h *packet.IPHeader) int {
	// The chain ends with the mobility header; walk it again to find its
	// start (chains are short).
	off, next := 0, uint8(protoIPv6)
	for off < h.HdrLen {
		cur := next
		var hlen int
		switch cur {
		case protoIPv6:
			hlen, next = 40, data[off+6]
		case protoFragment:
			hlen, next = 8, data[off]
		case protoAH:
			hlen, next = 8+4*int(data[off+1]), data[off]
		default:
			hlen, next = 8+8*int(data[off+1]), data[off]
		}
		if off+hlen >= h.HdrLen {
			return hlen
		}
		off += hlen
	}
	return 0
}
