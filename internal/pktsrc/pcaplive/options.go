package pcaplive

import (
	"fmt"
	"time"

	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Options are Zeek's Pcap:: options for live libpcap capture as the
// command line sets them (ID=VALUE): Pcap::snaplen, Pcap::bufsize (in MB)
// and Pcap::non_fd_timeout. Create them with NewOptions, register them
// with Register, and turn them into a Config with Config. They are
// accepted in every build, as Zeek accepts them whatever its packet
// source.
type Options struct {
	snapLen, bufSize uint64
	nonFDTimeout     zeek.Interval
}

// NewOptions returns the options at Zeek's defaults.
func NewOptions() *Options {
	return &Options{
		snapLen:      DefaultSnapLen,
		bufSize:      DefaultBufferSize >> 20,
		nonFDTimeout: zeek.Interval(DefaultPollInterval),
	}
}

// Register adds the Pcap:: options to r.
func (o *Options) Register(r *options.Registry) {
	r.Register("Pcap::snaplen", options.CountValue(&o.snapLen),
		"Bytes kept of each packet captured through libpcap (pcap::).")
	r.Register("Pcap::bufsize", options.CountValue(&o.bufSize),
		"libpcap's capture buffer in MB (pcap::).")
	r.Register("Pcap::non_fd_timeout", options.IntervalValue(&o.nonFDTimeout),
		"How often a libpcap capture without a selectable descriptor is polled while it is empty.")
}

// Config returns DefaultConfig(device) with the options applied, or an
// error naming the option that is out of range.
func (o *Options) Config(device string) (Config, error) {
	c := DefaultConfig(device)
	switch {
	case o.snapLen < 1 || o.snapLen > 1<<18:
		return c, fmt.Errorf("pcaplive: Pcap::snaplen=%d is out of range (1 to 262144)", o.snapLen)
	case o.bufSize > 2047:
		return c, fmt.Errorf("pcaplive: Pcap::bufsize=%d is out of range (0 to 2047 MB)", o.bufSize)
	case o.nonFDTimeout < 0 || time.Duration(o.nonFDTimeout) > time.Second:
		return c, fmt.Errorf("pcaplive: Pcap::non_fd_timeout must be between 0 and 1 sec")
	}
	c.SnapLen = int(o.snapLen)
	c.BufferSize = int(o.bufSize) << 20
	c.PollInterval = time.Duration(o.nonFDTimeout)
	return c, nil
}
