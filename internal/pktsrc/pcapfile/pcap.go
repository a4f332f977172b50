package pcapfile

import (
	"fmt"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Classic pcap layout.
//
//	file header (24 bytes):
//	  0 magic   4 version major (2)   6 version minor (2)
//	  8 thiszone (4)   12 sigfigs (4)   16 snaplen (4)   20 link type (4)
//	record header (16 bytes; 24 in Kuznetzov's format, which appends
//	  ifindex (4), protocol (2), packet type (1) and a pad byte):
//	  0 seconds (4)   4 microseconds or nanoseconds (4)
//	  8 captured length (4)   12 original length (4)
const (
	pcapFileHeaderLen      = 24
	pcapRecordHeaderLen    = 16
	kuznetzovRecordHdrLen  = 24
	pcapLinkTypeReserved   = 0x03ff0000 // must be zero (libpcap's LT_RESERVED1)
	pcapLinkTypeMask       = 0x0000ffff // the LINKTYPE_ value proper
	pcapVersionMajor       = 2
	pcapVersionMinor       = 4
	pcapVersionDGUXMajor   = 543 // DG/UX tcpdump
	lensNormal             = 0
	lensSwapped            = 1 // caplen and len are exchanged (before 2.3)
	lensMaybeSwapped       = 2 // 2.3: exchanged if caplen > len
	pcapMaxInt32           = 1<<31 - 1
	kuznetzovEthernetExtra = 14
)

// openPcap parses a classic pcap file header; magic is the host-order
// magic number and be reports a big-endian file.
func (r *Reader) openPcap(magic uint32, be bool) error {
	r.format = formatPcap
	r.be = be
	r.swapHdrs = be != hostBigEndian
	r.fill(pcapFileHeaderLen)
	if r.w-r.r < pcapFileHeaderLen {
		return r.truncated("pcap file header", 0, pcapFileHeaderLen)
	}
	h := r.buf[r.r : r.r+pcapFileHeaderLen]
	major, minor := r.u16(h[4:]), r.u16(h[6:])
	snaplen, lt := r.u32(h[16:]), r.u32(h[20:])

	switch {
	case major == pcapVersionMajor && minor <= pcapVersionMinor:
		switch {
		case minor < 3:
			r.lenSwap = lensSwapped
		case minor == 3:
			r.lenSwap = lensMaybeSwapped
		}
	case major == pcapVersionDGUXMajor && minor == 0:
		r.lenSwap = lensSwapped
	default:
		return fmt.Errorf("%sunsupported pcap version %d.%d", r.prefix(), major, minor)
	}
	if lt&pcapLinkTypeReserved != 0 {
		return fmt.Errorf("%sreserved bits of the pcap link-type field are not zero (0x%08x)", r.prefix(), lt)
	}
	r.linkType = lt & pcapLinkTypeMask
	r.snaplen = adjustSnaplen(r.linkType, snaplen)
	r.maxCap = maxSnaplen(r.linkType)
	r.hdrLen = pcapRecordHeaderLen
	if magic == magicKuznetzov {
		r.hdrLen = kuznetzovRecordHdrLen
		if r.linkType == linkTypeEthernet {
			// Captures in "cooked" mode got a fake Ethernet header on top
			// of snaplen bytes, as libpcap assumes.
			r.snaplen = min(r.snaplen+kuznetzovEthernetExtra, pcapMaxInt32)
		}
	}
	r.fracMul = 1000
	if magic == magicNano {
		r.fracMul = 1
	}
	r.r += pcapFileHeaderLen
	return nil
}

// nextPcap reads one classic pcap record.
func (r *Reader) nextPcap(f *pktsrc.Frame) error {
	hl := r.hdrLen
	if r.w-r.r < hl {
		r.fill(hl)
		if r.w == r.r {
			return r.atEnd()
		}
		if r.w-r.r < hl {
			return r.truncated("record", r.base+int64(r.r), hl)
		}
	}
	h := r.buf[r.r : r.r+hl]
	sec, frac := r.u32(h), r.u32(h[4:])
	caplen, wirelen := r.u32(h[8:]), r.u32(h[12:])
	if r.lenSwap != lensNormal && (r.lenSwap == lensSwapped || caplen > wirelen) {
		caplen, wirelen = wirelen, caplen
	}
	if caplen > r.maxCap {
		return fmt.Errorf("%srecord of %d bytes at offset %d exceeds the maximum of %d for link type %d (corrupt file?)",
			r.prefix(), caplen, r.base+int64(r.r), r.maxCap, r.linkType)
	}
	n := hl + int(caplen)
	if r.w-r.r < n {
		r.fill(n)
		if r.w-r.r < n {
			return r.truncated("record", r.base+int64(r.r), n)
		}
	}
	data := r.buf[r.r+hl : r.r+n : r.r+n]
	r.r += n
	if caplen > r.snaplen {
		// libpcap hands out at most snaplen bytes of an oversized record.
		caplen = r.snaplen
		data = data[:caplen]
	}
	if r.swapHdrs && r.linkType == linkTypeNFLOG {
		swapNFLOG(data, wirelen)
	}
	f.TS = zeek.Time(int64(sec)*1e9 + int64(frac)*r.fracMul)
	f.CapLen = caplen
	f.WireLen = wirelen
	f.LinkType = r.linkType
	f.IfIndex = 0
	f.Data = data
	return nil
}
