package udpmirror

import (
	"fmt"
	"os"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// ErrIdle is returned by Next when Config.IdleTimeout passed without a
// frame. It wraps pktsrc.ErrIdle and os.ErrDeadlineExceeded; the source
// stays usable.
var ErrIdle = fmt.Errorf("udpmirror: no packet within the idle timeout: %w: %w", pktsrc.ErrIdle, os.ErrDeadlineExceeded)

// Stats are a source's counters since Open.
type Stats struct {
	// Received counts the frames Next returned.
	Received uint64
	// BytesReceived sums their wire lengths.
	BytesReceived uint64
	// Datagrams counts the datagrams read from the socket, frames or not.
	Datagrams uint64
	// Malformed counts datagrams that were not the configured
	// encapsulation: shorter than the header or empty after it, a VXLAN
	// header without the I flag, a Geneve version other than 0, or a
	// Geneve payload that is neither Ethernet nor IP. They are skipped.
	Malformed uint64
	// Control counts Geneve control messages (the O bit), which carry no
	// mirrored packet; they are skipped.
	Control uint64
	// Truncated counts datagrams longer than Config.SlotSize; their frames
	// were cut short (CapLen < WireLen).
	Truncated uint64
	// Dropped counts datagrams the kernel dropped at the socket, because
	// its receive buffer was full or the outer UDP checksum was bad
	// (SO_MEMINFO's drop counter).
	Dropped uint64
	// KernelTimestamps counts frames whose time came from the kernel's
	// receive timestamp (SO_TIMESTAMPNS) rather than the clock at read.
	KernelTimestamps uint64
}

// Interface checks.
var (
	_ pktsrc.Source = (*Source)(nil)
	_ pktsrc.Live   = (*Source)(nil)
)
