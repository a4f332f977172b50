package ipfrag

// IPv6 header types that the chain walk knows.
const (
	protoHopOpts  = 0
	protoRouting  = 43
	protoFragment = 44
	protoAH       = 51
	protoDstOpts  = 60
)

// IPv6Frag tells AddIPv6Frag where an IPv6 packet's Fragment header is and
// how Zeek keys its datagram. The IPv6 decoder fills it while walking the
// extension headers, or LocateIPv6Frag does.
type IPv6Frag struct {
	// Offset is where the Fragment header starts, which is also the length
	// of the unfragmentable part (IPv6 header and the extension headers
	// before the Fragment header).
	Offset int
	// PrevNext is the offset of the Next Header byte that holds 44 (the
	// Fragment header): 6 when it follows the IPv6 header, else the offset
	// of the extension header before it. The reassembled packet gets the
	// fragments' next header there.
	PrevNext int
	// Src and Dst are the key's addresses. Zeek uses the address of a
	// Mobile IPv6 Home Address destination option in place of the source,
	// and the final destination of a routing header (type 0 or 2) with
	// segments left in place of the destination.
	Src, Dst [16]byte
}

// LocateIPv6Frag walks the extension headers of the IPv6 packet pkt the way
// Zeek builds its header chain and reports the first Fragment header, with
// the addresses Zeek keys the datagram by. It returns false if there is no
// Fragment header before the upper-layer header, ESP or a Mobility header,
// or if a header is cut short. It raises no weirds: the routing and
// destination-option weirds belong to the IPv6 decoder.
func LocateIPv6Frag(pkt []byte) (IPv6Frag, bool) {
	var f IPv6Frag
	if len(pkt) < 40 || pkt[0]>>4 != 6 {
		return f, false
	}
	copy(f.Src[:], pkt[8:24])
	copy(f.Dst[:], pkt[24:40])
	homeSet, dstSet := false, false
	next, prev, off := pkt[6], 6, 40
	for {
		var n int
		switch next {
		case protoFragment:
			if off+8 > len(pkt) {
				return f, false
			}
			f.Offset, f.PrevNext = off, prev
			return f, true
		case protoHopOpts, protoRouting, protoDstOpts:
			if off+2 > len(pkt) {
				return f, false
			}
			n = 8 + 8*int(pkt[off+1])
		case protoAH:
			if off+2 > len(pkt) {
				return f, false
			}
			n = 8 + 4*int(pkt[off+1])
		default:
			// Upper layer, ESP, Mobility (the chain ends there) or unknown.
			return f, false
		}
		if off+n > len(pkt) {
			return f, false
		}
		h := pkt[off : off+n]
		switch next {
		case protoRouting:
			if !dstSet && routingFinalDst(h, &f.Dst) {
				dstSet = true
			}
		case protoDstOpts:
			if !homeSet && homeAddress(h, &f.Src) {
				homeSet = true
			}
		}
		next, prev, off = h[0], off, off+n
	}
}

// routingFinalDst copies the final destination of routing header h into dst
// if Zeek would use it: type 0 with segments left and an even length of at
// least 2, or type 2 with segments left and length 2. The address is the
// header's last 16 bytes.
func routingFinalDst(h []byte, dst *[16]byte) bool {
	hlen, typ, left := h[1], h[2], h[3]
	if left == 0 {
		return false
	}
	switch {
	case typ == 0 && hlen >= 2 && hlen%2 == 0, typ == 2 && hlen == 2:
		copy(dst[:], h[len(h)-16:])
		return true
	}
	return false
}

// homeAddress copies the first well-formed Home Address option (type 201,
// 16 bytes) of destination options header h into src.
func homeAddress(h []byte, src *[16]byte) bool {
	opts := h[2:]
	for len(opts) > 0 {
		if opts[0] == 0 { // Pad1
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			return false
		}
		if opts[0] == 201 && opts[1] == 16 {
			copy(src[:], opts[2:18])
			return true
		}
		opts = opts[2+int(opts[1]):]
	}
	return false
}
