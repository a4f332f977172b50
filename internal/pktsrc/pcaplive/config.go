package pcaplive

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Zeek's defaults for libpcap capture (scripts/base/init-bare.zeek, module
// Pcap, and src/iosource/pcap/Source.cc).
const (
	// DefaultSnapLen is Pcap::snaplen: bytes kept of each packet.
	DefaultSnapLen = 9216
	// DefaultBufferSize is Pcap::bufsize (128, in MB): the capture buffer.
	DefaultBufferSize = 128 << 20
	// DefaultTimeout is the read timeout Zeek gives pcap_set_timeout: how
	// long libpcap may hold packets back to deliver them together.
	DefaultTimeout = time.Millisecond
	// DefaultPollInterval is Pcap::non_fd_timeout: how often a capture
	// without a selectable file descriptor is polled while it is empty.
	DefaultPollInterval = 20 * time.Microsecond
)

// Config describes one libpcap capture. Start from DefaultConfig.
type Config struct {
	// Device is the name libpcap opens: an interface ("eth0"), or a name
	// a libpcap build understands ("zc:eth0@0" for PF_RING ZC,
	// "netmap:eth0}0" for netmap pipes, "snf0" for Myricom).
	Device string
	// SnapLen is Pcap::snaplen (default 9216): longer packets are cut.
	SnapLen int
	// Promisc captures in promiscuous mode (Zeek always does; default
	// true).
	Promisc bool
	// BufferSize is Pcap::bufsize in bytes (default 128 MiB); 0 leaves
	// libpcap's default.
	BufferSize int
	// Timeout is the libpcap read timeout (default 1 ms, as Zeek).
	Timeout time.Duration
	// Immediate delivers each packet at once (pcap_set_immediate_mode)
	// instead of in batches after Timeout: lower latency, more wake-ups.
	Immediate bool
	// Filter, when not empty, is a capture filter in tcpdump syntax,
	// compiled by libpcap and installed before Next returns a packet.
	Filter string
	// IdleTimeout, when positive, bounds how long Next waits: after that
	// long without a packet it returns ErrIdle so that the caller can run
	// its timers. Zero waits until a packet arrives or Stop is called.
	IdleTimeout time.Duration
	// PollInterval is how long Next sleeps between attempts when the
	// capture has no selectable file descriptor (default 20 µs, Zeek's
	// Pcap::non_fd_timeout).
	PollInterval time.Duration
}

// DefaultConfig returns Zeek's defaults for capturing on device.
func DefaultConfig(device string) Config {
	return Config{
		Device:       device,
		SnapLen:      DefaultSnapLen,
		Promisc:      true,
		BufferSize:   DefaultBufferSize,
		Timeout:      DefaultTimeout,
		PollInterval: DefaultPollInterval,
	}
}

// Stats are a source's counters since Open.
type Stats struct {
	// Received counts the packets Next returned (Zeek's received); empty
	// records are not counted.
	Received uint64
	// BytesReceived sums their wire lengths (Zeek's bytes_received).
	BytesReceived uint64
	// Link counts the packets libpcap reports as received (pcap_stats'
	// ps_recv; Zeek's link). What that covers depends on the platform and
	// the libpcap build; on Linux it includes the dropped ones.
	Link uint64
	// Dropped counts packets dropped for want of buffer space (ps_drop;
	// Zeek's dropped).
	Dropped uint64
	// IfDropped counts packets the interface or its driver dropped
	// (ps_ifdrop), where libpcap knows it.
	IfDropped uint64
	// Empty counts records with a zero capture or wire length. Next
	// returns them (the packet loop raises Zeek's empty_pcap_header
	// weird for them) but does not count them as received.
	Empty uint64
	// NullData counts records libpcap returned without packet data
	// (Zeek's pcap_null_data_packet weird); Next skips them.
	NullData uint64
}

// ErrIdle is returned by Next when Config.IdleTimeout passed without a
// packet. It wraps pktsrc.ErrIdle and os.ErrDeadlineExceeded; the source
// stays usable.
var ErrIdle = fmt.Errorf("pcaplive: no packet within the idle timeout: %w: %w", pktsrc.ErrIdle, os.ErrDeadlineExceeded)

// ErrNotBuilt is wrapped by Open's error in a build without libpcap
// support (built without -tags libpcap, or without cgo).
var ErrNotBuilt = errors.New("heron was built without libpcap support")

// Interface checks.
var (
	_ pktsrc.Source = (*Source)(nil)
	_ pktsrc.Live   = (*Source)(nil)
)
