package afpacket

import (
	"fmt"
	"math"
	"os"
	"time"
)

// FanoutMode is how the kernel spreads an interface's packets over the
// sockets of one fanout group. Its values are the kernel's
// PACKET_FANOUT_* numbers.
type FanoutMode uint8

// Fanout modes. The first five are Zeek's AF_Packet::FanoutMode values;
// FanoutLB, FanoutRollover and FanoutRandom are Heron additions that expose
// the kernel's other modes.
const (
	// FanoutHash sends all packets of a flow (both directions, on kernels
	// that hash symmetrically; see FanoutSelfTest) to one socket
	// (AF_Packet::FANOUT_HASH, the default).
	FanoutHash FanoutMode = 0
	// FanoutLB deals packets out round-robin (AF_Packet::FANOUT_LB; Heron
	// only). Flows are split between sockets.
	FanoutLB FanoutMode = 1
	// FanoutCPU sends a packet to the socket indexed by the CPU that
	// received it (AF_Packet::FANOUT_CPU).
	FanoutCPU FanoutMode = 2
	// FanoutRollover fills one socket and moves on to the next when it is
	// full (AF_Packet::FANOUT_ROLLOVER; Heron only).
	FanoutRollover FanoutMode = 3
	// FanoutRandom picks a socket at random (AF_Packet::FANOUT_RND; Heron
	// only).
	FanoutRandom FanoutMode = 4
	// FanoutQM sends a packet to the socket indexed by the NIC's receive
	// queue (AF_Packet::FANOUT_QM).
	FanoutQM FanoutMode = 5
	// FanoutCBPF selects the socket with a classic BPF program
	// (AF_Packet::FANOUT_CBPF). As in Zeek no program is installed, so the
	// kernel sends every packet to the group's first socket.
	FanoutCBPF FanoutMode = 6
	// FanoutEBPF selects the socket with an eBPF program
	// (AF_Packet::FANOUT_EBPF); as with FanoutCBPF no program is installed.
	FanoutEBPF FanoutMode = 7
)

var fanoutNames = [...]string{
	FanoutHash:     "AF_Packet::FANOUT_HASH",
	FanoutLB:       "AF_Packet::FANOUT_LB",
	FanoutCPU:      "AF_Packet::FANOUT_CPU",
	FanoutRollover: "AF_Packet::FANOUT_ROLLOVER",
	FanoutRandom:   "AF_Packet::FANOUT_RND",
	FanoutQM:       "AF_Packet::FANOUT_QM",
	FanoutCBPF:     "AF_Packet::FANOUT_CBPF",
	FanoutEBPF:     "AF_Packet::FANOUT_EBPF",
}

// String returns the mode's Zeek enum name, e.g. "AF_Packet::FANOUT_HASH".
func (m FanoutMode) String() string {
	if int(m) < len(fanoutNames) {
		return fanoutNames[m]
	}
	return fmt.Sprintf("FanoutMode(%d)", uint8(m))
}

// ParseFanoutMode parses a Zeek enum name ("AF_Packet::FANOUT_CPU"; the
// bare "FANOUT_CPU" is accepted too).
func ParseFanoutMode(s string) (FanoutMode, error) {
	for m, n := range fanoutNames {
		if s == n || s == n[len("AF_Packet::"):] {
			return FanoutMode(m), nil
		}
	}
	return 0, fmt.Errorf("afpacket: unknown fanout mode %q", s)
}

// ChecksumMode is AF_Packet::checksum_validation_mode: who verifies the
// transport checksums of captured packets.
type ChecksumMode uint8

// Checksum validation modes (Zeek's AF_Packet::ChecksumMode).
const (
	// ChecksumOn leaves checksum verification to the analysis
	// (AF_Packet::CHECKSUM_ON, the default): L4Checksummed is always false.
	ChecksumOn ChecksumMode = iota
	// ChecksumOff treats every checksum as correct
	// (AF_Packet::CHECKSUM_OFF): L4Checksummed is always true.
	ChecksumOff
	// ChecksumKernel trusts the kernel (AF_Packet::CHECKSUM_KERNEL): a
	// packet whose checksum the kernel or NIC verified (TP_STATUS_CSUM_VALID)
	// or has not filled in yet because the NIC will (TP_STATUS_CSUMNOTREADY,
	// locally sent packets with transmit offload) counts as checksummed.
	ChecksumKernel
)

var checksumNames = [...]string{
	ChecksumOn:     "AF_Packet::CHECKSUM_ON",
	ChecksumOff:    "AF_Packet::CHECKSUM_OFF",
	ChecksumKernel: "AF_Packet::CHECKSUM_KERNEL",
}

// String returns the mode's Zeek enum name, e.g. "AF_Packet::CHECKSUM_ON".
func (m ChecksumMode) String() string {
	if int(m) < len(checksumNames) {
		return checksumNames[m]
	}
	return fmt.Sprintf("ChecksumMode(%d)", uint8(m))
}

// ParseChecksumMode parses a Zeek enum name ("AF_Packet::CHECKSUM_KERNEL";
// the bare "CHECKSUM_KERNEL" is accepted too).
func ParseChecksumMode(s string) (ChecksumMode, error) {
	for m, n := range checksumNames {
		if s == n || s == n[len("AF_Packet::"):] {
			return ChecksumMode(m), nil
		}
	}
	return 0, fmt.Errorf("afpacket: unknown checksum validation mode %q", s)
}

// RawInstruction is one classic BPF instruction as the kernel's struct
// sock_filter lays it out. Its fields are those of bpf.Instruction
// (internal/bpf), so a compiled filter converts instruction by
// instruction: afpacket.RawInstruction(insn).
type RawInstruction struct {
	Code uint16 // opcode: class, size, mode or operation, source
	Jt   uint8  // instructions to skip when a conditional jump is true
	Jf   uint8  // instructions to skip when a conditional jump is false
	K    uint32 // operand
}

// maxBPFInstructions is the kernel's BPF_MAXINSNS for SO_ATTACH_FILTER.
const maxBPFInstructions = 4096

// Zeek's defaults for the AF_Packet:: options (scripts/base/init-bare.zeek,
// module AF_Packet).
const (
	DefaultBufferSize   = 128 << 20             // AF_Packet::buffer_size
	DefaultBlockSize    = 4096 * 8              // AF_Packet::block_size
	DefaultBlockTimeout = 10 * time.Millisecond // AF_Packet::block_timeout
	DefaultFanoutID     = 23                    // AF_Packet::fanout_id
	DefaultLinkType     = 1                     // AF_Packet::link_type (DLT_EN10MB)
)

// Config describes one capture socket. Fields are used as given: start
// from DefaultConfig, which holds Zeek's defaults, or from Options.Config,
// which holds the values of the AF_Packet:: options.
type Config struct {
	// Interface is the network interface to capture on ("eth0"), without
	// the "af_packet::" prefix.
	Interface string

	// BufferSize is AF_Packet::buffer_size: the ring's size in bytes
	// (Zeek's default 128 MiB). The ring holds BufferSize/BlockSize blocks.
	BufferSize uint64
	// BlockSize is AF_Packet::block_size: the size of one ring block, a
	// multiple of the page size (Zeek's default 32 KiB). A packet longer
	// than a block's payload area is truncated to it.
	BlockSize uint32
	// BlockTimeout is AF_Packet::block_timeout: how long the kernel fills
	// a block before handing it over even if it is not full (Zeek's default
	// 10 ms). It is passed in whole milliseconds; below 1 ms the kernel
	// picks its own timeout from the link speed.
	BlockTimeout time.Duration
	// EnableHWTimestamping is AF_Packet::enable_hw_timestamping (default
	// false): ask the NIC for hardware receive timestamps (needs
	// CAP_NET_ADMIN and a NIC that supports it).
	EnableHWTimestamping bool
	// EnableFanout is AF_Packet::enable_fanout (Zeek's default true): join
	// the fanout group FanoutID, so that processes capturing on the same
	// interface with the same id share its packets.
	EnableFanout bool
	// EnableDefrag is AF_Packet::enable_defrag (default false): have the
	// kernel reassemble IPv4 fragments before choosing a fanout member
	// (PACKET_FANOUT_FLAG_DEFRAG), so all fragments reach one socket.
	EnableDefrag bool
	// FanoutMode is AF_Packet::fanout_mode (default FanoutHash).
	FanoutMode FanoutMode
	// FanoutID is AF_Packet::fanout_id (Zeek's default 23). A fanout group
	// belongs to one interface: capturing on several interfaces needs a
	// distinct id for each.
	FanoutID uint16
	// LinkType is AF_Packet::link_type (default 1, Ethernet): the DLT
	// value reported in every Frame. As in Zeek it is not detected from the
	// interface. VLAN tags are restored only for Ethernet.
	LinkType uint32
	// ChecksumMode is AF_Packet::checksum_validation_mode (default
	// ChecksumOn).
	ChecksumMode ChecksumMode

	// Filter, when not empty, is a classic BPF program attached before the
	// socket starts receiving, so that no unfiltered packet enters the ring.
	Filter []RawInstruction
	// IdleTimeout, when positive, bounds how long Next waits: after that
	// long without a packet it returns ErrIdle, so that a caller can run
	// its timers. Zero waits until a packet arrives or Stop is called.
	IdleTimeout time.Duration
}

// DefaultConfig returns Zeek's defaults for capturing on iface.
func DefaultConfig(iface string) Config {
	return Config{
		Interface:    iface,
		BufferSize:   DefaultBufferSize,
		BlockSize:    DefaultBlockSize,
		BlockTimeout: DefaultBlockTimeout,
		EnableFanout: true,
		FanoutMode:   FanoutHash,
		FanoutID:     DefaultFanoutID,
		LinkType:     DefaultLinkType,
		ChecksumMode: ChecksumOn,
	}
}

// ifNameSize is the kernel's IFNAMSIZ, including the terminating NUL.
const ifNameSize = 16

// tpacketAlignment is the kernel's TPACKET_ALIGNMENT; the frame size
// handed to PACKET_RX_RING must be a multiple of it.
const tpacketAlignment = 16

// frameSize is the nominal frame size in the ring request. TPACKET_V3
// packs packets of any size into blocks, but the kernel still checks the
// frame geometry.
const frameSize = tpacketAlignment << 7

// validate checks c and returns the ring geometry: the number of blocks.
func (c *Config) validate() (blocks uint32, err error) {
	if c.Interface == "" {
		return 0, fmt.Errorf("afpacket: no interface given")
	}
	if len(c.Interface) >= ifNameSize {
		return 0, fmt.Errorf("afpacket: interface name %q is longer than %d bytes", c.Interface, ifNameSize-1)
	}
	page := uint32(os.Getpagesize())
	if c.BlockSize == 0 || c.BlockSize%page != 0 || c.BlockSize > 1<<30 {
		return 0, fmt.Errorf("afpacket: %s: AF_Packet::block_size=%d must be a positive multiple of the page size (%d), at most 1 GiB", c.Interface, c.BlockSize, page)
	}
	if c.BufferSize < uint64(c.BlockSize) {
		return 0, fmt.Errorf("afpacket: %s: AF_Packet::buffer_size=%d must be at least AF_Packet::block_size=%d", c.Interface, c.BufferSize, c.BlockSize)
	}
	n := c.BufferSize / uint64(c.BlockSize)
	if n*uint64(c.BlockSize/frameSize) > 1<<31 || n*uint64(c.BlockSize) > min(1<<46, uint64(math.MaxInt)) {
		return 0, fmt.Errorf("afpacket: %s: AF_Packet::buffer_size=%d is too large", c.Interface, c.BufferSize)
	}
	if c.BlockTimeout < 0 || c.BlockTimeout.Milliseconds() > 1<<31 {
		return 0, fmt.Errorf("afpacket: %s: AF_Packet::block_timeout=%v is out of range", c.Interface, c.BlockTimeout)
	}
	if int(c.FanoutMode) >= len(fanoutNames) {
		return 0, fmt.Errorf("afpacket: %s: unknown fanout mode %d", c.Interface, c.FanoutMode)
	}
	if int(c.ChecksumMode) >= len(checksumNames) {
		return 0, fmt.Errorf("afpacket: %s: unknown checksum validation mode %d", c.Interface, c.ChecksumMode)
	}
	if len(c.Filter) > maxBPFInstructions {
		return 0, fmt.Errorf("afpacket: %s: capture filter has %d instructions, more than the kernel's limit of %d", c.Interface, len(c.Filter), maxBPFInstructions)
	}
	return uint32(n), nil
}
