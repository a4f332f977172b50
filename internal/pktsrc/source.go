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
	// L4Checksummed reports that the capture path verified the transport
	// checksum (a live source told so by the kernel), so Heron need not.
	L4Checksummed bool
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

// ErrIdle is wrapped by the error a live source's Next returns when no
// packet arrived for a while; the source stays usable, and the packet loop
// takes the chance to run its timers.
var ErrIdle = errors.New("no packet for a while")

// Live is implemented by sources that capture from a network interface.
type Live interface {
	// Stop makes a waiting Next, and every later one, return io.EOF. It
	// may be called from any goroutine (a signal handler).
	Stop()
	// CaptureStats returns the capture counters since the source opened.
	CaptureStats() (Stats, error)
}

// Stats are a live source's capture counters (Zeek's PacketSource::Stats).
type Stats struct {
	Received      uint64 // frames handed to Heron
	BytesReceived uint64 // their wire lengths
	Link          uint64 // packets the interface saw (when known)
	Dropped       uint64 // packets the kernel dropped for want of space
	Filtered      uint64 // packets that passed the capture filter (when known)
}
