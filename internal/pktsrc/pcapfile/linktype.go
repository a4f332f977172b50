package pcapfile

import "encoding/binary"

// Link types that the reader treats specially.
const (
	linkTypeEthernet = 1   // LINKTYPE_ETHERNET
	linkTypeNFLOG    = 239 // LINKTYPE_NFLOG
	linkTypeDBUS     = 231 // LINKTYPE_DBUS
	linkTypeUSBPCAP  = 249 // LINKTYPE_USBPCAP
	linkTypeEBHSCR   = 279 // LINKTYPE_EBHSCR
)

// defaultMaxSnaplen is libpcap's MAXIMUM_SNAPLEN: the largest record it
// accepts for most link types, and the snapshot length it assumes when a
// file says 0.
const defaultMaxSnaplen = 262144

// maxSnaplen returns the largest capture length accepted for a record of
// the given link type, as libpcap's max_snaplen_for_dlt does.
func maxSnaplen(linkType uint32) uint32 {
	switch linkType {
	case linkTypeDBUS:
		return 128 << 20
	case linkTypeEBHSCR:
		return 8 << 20
	case linkTypeUSBPCAP:
		return 1 << 20
	}
	return defaultMaxSnaplen
}

// adjustSnaplen returns the snapshot length libpcap uses for a file that
// records snaplen: 0 and values above 2^31-1 mean the maximum for the link
// type.
func adjustSnaplen(linkType, snaplen uint32) uint32 {
	if snaplen == 0 || snaplen > 1<<31-1 {
		return maxSnaplen(linkType)
	}
	return snaplen
}

// hostBigEndian reports the byte order of this machine. Some link-layer
// pseudo-headers are stored in the byte order of the host that wrote the
// file; libpcap converts them to the reading host's order.
var hostBigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// swapNFLOG converts the length and type fields (2 bytes each, in that
// order) of the TLVs in an NFLOG
// pseudo-header (which the capturing host wrote in its own byte order) to
// the other byte order, in place, as libpcap does for files written on a
// host of the other byte order. It stops at the first TLV that does not fit.
func swapNFLOG(data []byte, wireLen uint32) {
	const hdrLen = 4 // family, version, resource id
	if len(data) < hdrLen || wireLen < hdrLen || data[1] != 0 {
		return
	}
	p := data[hdrLen:]
	rest := int64(wireLen) - hdrLen
	for len(p) >= 4 {
		p[0], p[1] = p[1], p[0]
		p[2], p[3] = p[3], p[2]
		var n int
		if hostBigEndian {
			n = int(binary.BigEndian.Uint16(p))
		} else {
			n = int(binary.LittleEndian.Uint16(p))
		}
		n = (n + 3) &^ 3
		if n < 4 || n > len(p) || int64(n) > rest {
			return
		}
		p = p[n:]
		rest -= int64(n)
	}
}
