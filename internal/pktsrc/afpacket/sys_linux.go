//go:build !386

package afpacket

import (
	"syscall"
	"unsafe"
)

// Kernel constants the syscall package lacks (linux/if_packet.h,
// linux/if_ether.h, linux/sockios.h, linux/net_tstamp.h).
const (
	solPacket = 263 // SOL_PACKET

	packetAddMembership = 1  // PACKET_ADD_MEMBERSHIP
	packetRxRing        = 5  // PACKET_RX_RING
	packetStatistics    = 6  // PACKET_STATISTICS
	packetVersion       = 10 // PACKET_VERSION
	packetReserve       = 12 // PACKET_RESERVE
	packetTimestamp     = 17 // PACKET_TIMESTAMP
	packetFanout        = 18 // PACKET_FANOUT

	packetMRPromisc = 1 // PACKET_MR_PROMISC
	tpacketV3       = 2 // TPACKET_V3

	fanoutFlagDefrag = 0x8000 // PACKET_FANOUT_FLAG_DEFRAG

	ethPAll = 0x0003 // ETH_P_ALL

	soAttachFilter = 26 // SO_ATTACH_FILTER
	soDetachFilter = 27 // SO_DETACH_FILTER

	siocSHWTSTAMP = 0x89b0 // SIOCSHWTSTAMP

	hwtstampTxOff     = 0      // HWTSTAMP_TX_OFF
	hwtstampFilterAll = 1      // HWTSTAMP_FILTER_ALL
	sofTSRxHardware   = 1 << 2 // SOF_TIMESTAMPING_RX_HARDWARE
	sofTSRawHardware  = 1 << 6 // SOF_TIMESTAMPING_RAW_HARDWARE
)

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// tpacketReq3 is struct tpacket_req3.
type tpacketReq3 struct {
	blockSize, blockNr, frameSize, frameNr uint32
	retireBlkTov, sizeofPriv, featureReq   uint32
}

// tpacketStatsV3 is struct tpacket_stats_v3.
type tpacketStatsV3 struct {
	packets, drops, freezeQCnt uint32
}

// packetMreq is struct packet_mreq.
type packetMreq struct {
	ifindex int32
	typ     uint16
	alen    uint16
	address [8]byte
}

// sockFprog is struct sock_fprog.
type sockFprog struct {
	len    uint16
	filter *RawInstruction
}

// hwtstampConfig is struct hwtstamp_config.
type hwtstampConfig struct {
	flags, txType, rxFilter int32
}

// ifreq is struct ifreq with its union as raw bytes.
type ifreq struct {
	name [ifNameSize]byte
	data [24]byte
}

// ifreqPtr is struct ifreq whose union holds a pointer (ifr_data).
type ifreqPtr struct {
	name [ifNameSize]byte
	ptr  unsafe.Pointer
	_    [16]byte
}

func newIfreq(name string) *ifreq {
	r := new(ifreq)
	copy(r.name[:ifNameSize-1], name)
	return r
}

func setsockopt(fd, level, name int, p unsafe.Pointer, n uintptr) error {
	_, _, e := syscall.Syscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(p), n, 0)
	if e != 0 {
		return e
	}
	return nil
}

func getsockopt(fd, level, name int, p unsafe.Pointer, n *uint32) error {
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(p), uintptr(unsafe.Pointer(n)), 0)
	if e != 0 {
		return e
	}
	return nil
}

func ioctl(fd int, req uintptr, p unsafe.Pointer) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(p))
	if e != 0 {
		return e
	}
	return nil
}
