package ethtool

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"syscall"
	"unsafe"
)

// SIOCETHTOOL commands and string sets (linux/ethtool.h, linux/sockios.h).
const (
	siocEthtool    = 0x8946
	cmdGStrings    = 0x1b // ETHTOOL_GSTRINGS
	cmdGSSetInfo   = 0x37 // ETHTOOL_GSSET_INFO
	cmdGFeatures   = 0x3a // ETHTOOL_GFEATURES
	ssFeatures     = 4    // ETH_SS_FEATURES
	gstringLen     = 32   // ETH_GSTRING_LEN
	ifNameSize     = 16   // IFNAMSIZ
	maxFeatureBits = 4096 // sanity bound on the kernel's feature count
)

// ifreq is struct ifreq with ifr_data set.
type ifreq struct {
	name [ifNameSize]byte
	data unsafe.Pointer
	_    [16]byte
}

// Query reads the offload state of iface in the calling thread's network
// namespace.
func Query(iface string) (Report, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		// Without IPv4 any socket will do: the ioctl goes to the device.
		fd, err = syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return Report{Interface: iface}, fmt.Errorf("ethtool: %s: %w", iface, err)
		}
	}
	defer syscall.Close(fd)
	return QueryFD(fd, iface)
}

// QueryFD reads the offload state of iface through the open socket fd (any
// kind; its network namespace is the one searched for iface).
func QueryFD(fd int, iface string) (Report, error) {
	rep := Report{Interface: iface}
	if iface == "" || len(iface) >= ifNameSize {
		return rep, fmt.Errorf("ethtool: bad interface name %q", iface)
	}
	features, err := readFeatures(fd, iface)
	if err != nil {
		return rep, err
	}
	rep.On = offloads(features)
	return rep, nil
}

// call runs one SIOCETHTOOL command whose request and reply are in buf.
func call(fd int, iface string, buf []byte) error {
	ifr := &ifreq{data: unsafe.Pointer(&buf[0])}
	copy(ifr.name[:ifNameSize-1], iface)
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), siocEthtool, uintptr(unsafe.Pointer(ifr)))
	runtime.KeepAlive(ifr)
	runtime.KeepAlive(buf)
	if e != 0 {
		return e
	}
	return nil
}

// readFeatures returns every kernel feature of iface by name.
func readFeatures(fd int, iface string) (map[string]feature, error) {
	ne := binary.NativeEndian
	wrap := func(what string, err error) error {
		if err == syscall.ENODEV {
			return fmt.Errorf("ethtool: %s: no such interface", iface)
		}
		return fmt.Errorf("ethtool: %s: %s: %w", iface, what, err)
	}

	// struct ethtool_sset_info: cmd, reserved, sset_mask (u64), data[].
	info := make([]byte, 24)
	ne.PutUint32(info[0:], cmdGSSetInfo)
	ne.PutUint64(info[8:], 1<<ssFeatures)
	if err := call(fd, iface, info); err != nil {
		return nil, wrap("reading the feature count", err)
	}
	if ne.Uint64(info[8:])&(1<<ssFeatures) == 0 {
		return nil, fmt.Errorf("ethtool: %s: the kernel reports no feature names", iface)
	}
	n := int(ne.Uint32(info[16:]))
	if n <= 0 || n > maxFeatureBits {
		return nil, fmt.Errorf("ethtool: %s: implausible feature count %d", iface, n)
	}

	// struct ethtool_gstrings: cmd, string_set, len, data[len*32].
	strs := make([]byte, 12+n*gstringLen)
	ne.PutUint32(strs[0:], cmdGStrings)
	ne.PutUint32(strs[4:], ssFeatures)
	ne.PutUint32(strs[8:], uint32(n))
	if err := call(fd, iface, strs); err != nil {
		return nil, wrap("reading the feature names", err)
	}
	if got := int(ne.Uint32(strs[8:])); got < n {
		n = got
	}

	// struct ethtool_gfeatures: cmd, size, then per 32 features a block of
	// available, requested, active, never_changed.
	nblocks := (n + 31) / 32
	fs := make([]byte, 8+nblocks*16)
	ne.PutUint32(fs[0:], cmdGFeatures)
	ne.PutUint32(fs[4:], uint32(nblocks))
	if err := call(fd, iface, fs); err != nil {
		return nil, wrap("reading the features", err)
	}

	out := make(map[string]feature, n)
	for i := 0; i < n; i++ {
		raw := strs[12+i*gstringLen : 12+(i+1)*gstringLen]
		if j := bytes.IndexByte(raw, 0); j >= 0 {
			raw = raw[:j]
		}
		if len(raw) == 0 {
			continue
		}
		blk := fs[8+(i/32)*16:]
		bit := uint32(1) << (i % 32)
		available := ne.Uint32(blk[0:])&bit != 0
		active := ne.Uint32(blk[8:])&bit != 0
		never := ne.Uint32(blk[12:])&bit != 0
		out[string(raw)] = feature{active: active, fixed: !available || never}
	}
	return out, nil
}

// Check returns the offload warning line for iface (see Report.Warning),
// or "" when no offload is on.
func Check(iface string) (string, error) {
	rep, err := Query(iface)
	if err != nil {
		return "", err
	}
	return rep.Warning(), nil
}
