package afpacket

import (
	"fmt"
	"time"

	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Options are the AF_Packet:: options as the command line sets them
// (ID=VALUE). Create them with NewOptions, register them in the command
// line's registry with Register, and turn them into a Config with Config.
type Options struct {
	bufferSize, blockSize, fanoutID, linkType uint64
	blockTimeout                              zeek.Interval
	hwTimestamping, fanout, defrag            bool
	fanoutMode, checksumMode                  string
}

// NewOptions returns the options at Zeek's defaults.
func NewOptions() *Options {
	return &Options{
		bufferSize:   DefaultBufferSize,
		blockSize:    DefaultBlockSize,
		fanoutID:     DefaultFanoutID,
		linkType:     DefaultLinkType,
		blockTimeout: zeek.Interval(DefaultBlockTimeout),
		fanout:       true,
		fanoutMode:   FanoutHash.String(),
		checksumMode: ChecksumOn.String(),
	}
}

// Register adds the AF_Packet:: options to r.
func (opt *Options) Register(r *options.Registry) {
	r.Register("AF_Packet::buffer_size", options.CountValue(&opt.bufferSize),
		"Size of the AF_PACKET ring buffer in bytes.")
	r.Register("AF_Packet::block_size", options.CountValue(&opt.blockSize),
		"Size of one ring block in bytes; a multiple of the page size.")
	r.Register("AF_Packet::block_timeout", options.IntervalValue(&opt.blockTimeout),
		"How long the kernel fills a ring block before handing it over.")
	r.Register("AF_Packet::enable_hw_timestamping", options.BoolValue(&opt.hwTimestamping),
		"Use the NIC's hardware receive timestamps.")
	r.Register("AF_Packet::enable_fanout", options.BoolValue(&opt.fanout),
		"Join a PACKET_FANOUT group so that several processes share an interface.")
	r.Register("AF_Packet::enable_defrag", options.BoolValue(&opt.defrag),
		"Reassemble IP fragments before fanout (PACKET_FANOUT_FLAG_DEFRAG).")
	names := make([]string, len(fanoutNames))
	copy(names, fanoutNames[:])
	r.Register("AF_Packet::fanout_mode", options.EnumValue(&opt.fanoutMode, names),
		"How the kernel spreads packets over the fanout group.")
	r.Register("AF_Packet::fanout_id", options.CountValue(&opt.fanoutID),
		"Fanout group id (0-65535); each interface needs its own.")
	r.Register("AF_Packet::link_type", options.CountValue(&opt.linkType),
		"Link type of captured frames (1 = Ethernet).")
	cnames := make([]string, len(checksumNames))
	copy(cnames, checksumNames[:])
	r.Register("AF_Packet::checksum_validation_mode", options.EnumValue(&opt.checksumMode, cnames),
		"Who verifies checksums: CHECKSUM_ON (Heron), CHECKSUM_OFF (nobody), CHECKSUM_KERNEL (the kernel).")
}

// Config returns the configuration for capturing on iface that the
// options describe.
func (opt *Options) Config(iface string) (Config, error) {
	c := DefaultConfig(iface)
	if opt.blockSize > 1<<30 {
		return c, fmt.Errorf("afpacket: AF_Packet::block_size=%d is too large", opt.blockSize)
	}
	if opt.fanoutID > 0xffff {
		return c, fmt.Errorf("afpacket: AF_Packet::fanout_id=%d is out of range (0-65535)", opt.fanoutID)
	}
	if opt.linkType > 0xffffffff {
		return c, fmt.Errorf("afpacket: AF_Packet::link_type=%d is out of range", opt.linkType)
	}
	if opt.blockTimeout < 0 {
		return c, fmt.Errorf("afpacket: AF_Packet::block_timeout must not be negative")
	}
	fm, err := ParseFanoutMode(opt.fanoutMode)
	if err != nil {
		return c, err
	}
	cm, err := ParseChecksumMode(opt.checksumMode)
	if err != nil {
		return c, err
	}
	c.BufferSize = opt.bufferSize
	c.BlockSize = uint32(opt.blockSize)
	c.BlockTimeout = time.Duration(opt.blockTimeout)
	c.EnableHWTimestamping = opt.hwTimestamping
	c.EnableFanout = opt.fanout
	c.EnableDefrag = opt.defrag
	c.FanoutMode = fm
	c.FanoutID = uint16(opt.fanoutID)
	c.LinkType = uint32(opt.linkType)
	c.ChecksumMode = cm
	return c, nil
}
