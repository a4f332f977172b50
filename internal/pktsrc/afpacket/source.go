package afpacket

import (
	"errors"
	"fmt"
	"os"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// ErrIdle is returned by Next when Config.IdleTimeout passed without a
// packet. It wraps pktsrc.ErrIdle and os.ErrDeadlineExceeded; the source
// stays usable.
var ErrIdle = fmt.Errorf("afpacket: no packet within the idle timeout: %w: %w", pktsrc.ErrIdle, os.ErrDeadlineExceeded)

// ErrSelfTestUnavailable is wrapped by FanoutSelfTest's error when the
// test could not run (no permission to create a network namespace, say),
// as opposed to having found asymmetric hashing.
var ErrSelfTestUnavailable = errors.New("fanout self-test unavailable")

// Stats are a source's capture counters since Open.
type Stats struct {
	// Received counts the frames Next returned (Zeek's received).
	Received uint64
	// BytesReceived sums their wire lengths (Zeek's bytes_received).
	BytesReceived uint64
	// Link counts the packets the kernel passed to the socket, including
	// the dropped ones (PACKET_STATISTICS tp_packets; Zeek's link).
	Link uint64
	// Dropped counts the packets the kernel dropped because the ring was
	// full (tp_drops; Zeek's dropped).
	Dropped uint64
	// FreezeQueue counts the times the ring was full and the kernel had to
	// wait for user space (tp_freeze_q_cnt).
	FreezeQueue uint64
	// Empty counts packets skipped because the kernel reported them with
	// length 0 (Zeek raises the weird empty_af_packet_header for each).
	Empty uint64
}
