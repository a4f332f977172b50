package pktsrc

import (
	"errors"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Frame is one captured packet.
//
// Data is owned by the Source: it is valid only until the next call to Next
// or Close, and the caller must not modify or retain it. Everything needed
// past that point must be copied.
type Frame struct {
	TS       zeek.Time // capture time
	CapLen   uint32    // bytes captured (len(Data))
	WireLen  uint32    // bytes on the wire (may exceed CapLen)
	LinkType uint32    // DLT/LINKTYPE value of the interface the frame came from
	IfIndex  uint32    // interface index within the source (pcapng), 0 otherwise
	Data     []byte
}

// Source yields frames.
type Source interface {
	// Next fills f with the next frame. It returns io.EOF at the end of
	// input, an error wrapping ErrTruncated when the input ends inside a
	// record (the frames before it were good), and any other error when the
	// input cannot be read or is not a trace.
	Next(f *Frame) error
	// LinkType is the link type of the source's first (or only)
	// interface, as DLT/LINKTYPE number.
	LinkType() uint32
	// Close releases the source.
	Close() error
}

// Progress is implemented by sources that know how far through their input
// they are (trace files).
type Progress interface {
	// Position returns the bytes consumed so far and the total size, or
	// total 0 when unknown (e.g. a gzip stream's uncompressed size).
	Position() (done, total int64)
}

// ErrTruncated reports that the input ended in the middle of a record.
var ErrTruncated = errors.New("truncated")
