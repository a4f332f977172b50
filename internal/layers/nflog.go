package layers

import (
	"encoding/binary"
	"strconv"

	"github.com/heron-nsm/heron/internal/packet"
)

// Linux netfilter log messages, link type DLT_NFLOG 239 (Zeek's NFLog
// analyzer, nflog/NFLog.cc).
//
//	family[1] version[1] resource_id[2]  TLV...
//	TLV: length[2] type[2] value[length-4] padding to a multiple of 4
//
// The family byte is the identifier of what follows (the wiring table
// leads AF_INET 2 and AF_INET6 10 to IP). The version must be 0, else
// unknown_nflog_version. The TLVs are walked until the first one of type 9
// (NFULA_PAYLOAD); everything after that TLV's 4-byte header, to the end of
// the frame and without regard to its length field, is the logged packet.
// Other TLVs are skipped by their length rounded up to 4; a length below 4
// or one running past the frame raises nflog_bad_tlv_len (the latter with
// "(skip > left)" as additional information, as in Zeek), and reaching the
// last 4 bytes of the frame without the payload TLV (a payload TLV needs at
// least one byte of value) raises nflog_no_pcap_payload. A frame of 4 bytes
// or less raises truncated_nflog_header.
//
// # Byte order
//
// The TLV length and type fields are written in the byte order of the host
// that captured the frame. libpcap converts them to the byte order of the
// reading host, and Zeek reads them in host order. Heron's pcap reader
// (internal/pktsrc/pcapfile) performs the same conversion, so this layer
// reads the two fields in the byte order of the host it runs on
// (binary.NativeEndian): that is the order the packet source produces, and
// a given file decodes the same on every host. A packet source that hands
// NFLOG frames to the decoder must convert them likewise. The resource id
// (big endian) is not read.

const (
	nflogHdrLen      = 4
	nflogTLVHdrLen   = 4
	nflogTypePayload = 9 // NFULA_PAYLOAD
)

var (
	errTruncatedNFLOG = packet.NewWeird("truncated_nflog_header")
	errNFLOGVersion   = packet.NewWeird("unknown_nflog_version")
	errNFLOGNoPayload = packet.NewWeird("nflog_no_pcap_payload")
	errNFLOGTLVLen    = packet.NewWeird("nflog_bad_tlv_len")
)

// nflogLayer holds the weird for a TLV that runs past the frame, whose
// additional information depends on the frame. The text of the last one is
// kept so that a run of identical bad frames formats it only once (the zero
// value matches no frame: skip is at least 4).
type nflogLayer struct {
	past       packet.Weird
	skip, left int
}

func (l *nflogLayer) Analyze(_ *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if len(data) <= nflogHdrLen {
		return 0, nil, errTruncatedNFLOG
	}
	family, version := data[0], data[1]
	if version != 0 {
		return 0, nil, errNFLOGVersion
	}
	data = data[nflogHdrLen:]
	for {
		if len(data) <= nflogTLVHdrLen {
			return 0, nil, errNFLOGNoPayload
		}
		length := int(binary.NativeEndian.Uint16(data[0:2]))
		typ := binary.NativeEndian.Uint16(data[2:4])
		if typ == nflogTypePayload {
			return packet.Key(family), data[nflogTLVHdrLen:], nil
		}
		if length < nflogTLVHdrLen {
			return 0, nil, errNFLOGTLVLen
		}
		skip := (length + 3) &^ 3
		if skip > len(data) {
			return 0, nil, l.pastEnd(skip, len(data))
		}
		data = data[skip:]
	}
}

// pastEnd returns nflog_bad_tlv_len for a TLV that needs skip bytes where
// left remain. The Weird is the layer's own and is valid until the next
// call (the decoder reports it at once).
func (l *nflogLayer) pastEnd(skip, left int) *packet.Weird {
	if l.skip != skip || l.left != left {
		var buf [48]byte
		b := append(buf[:0], '(')
		b = strconv.AppendInt(b, int64(skip), 10)
		b = append(b, " > "...)
		b = strconv.AppendInt(b, int64(left), 10)
		b = append(b, ')')
		l.past = packet.Weird{Name: errNFLOGTLVLen.Name, Addl: string(b)}
		l.skip, l.left = skip, left
	}
	return &l.past
}
