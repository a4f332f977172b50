//go:build linux && !386

package udpmirror

import (
	"syscall"
	"unsafe"

	"github.com/heron-nsm/heron/internal/bpf"
)

// Kernel constants the syscall package lacks (asm-generic/socket.h,
// linux/sock_diag.h).
const (
	soAttachReuseportCBPF = 51 // SO_ATTACH_REUSEPORT_CBPF
	soMeminfo             = 55 // SO_MEMINFO
	skMeminfoDrops        = 8  // SK_MEMINFO_DROPS, index into SO_MEMINFO's array
	skMeminfoVars         = 9  // SK_MEMINFO_VARS
)

// mmsghdr is struct mmsghdr: a message header and the length the kernel
// received into it. Go pads the struct to its alignment as C does.
type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
}

// sockFprog is struct sock_fprog.
type sockFprog struct {
	len    uint16
	filter *bpf.Instruction
}

// recvmmsg receives up to len(msgs) datagrams without waiting. flags are
// the recvmsg flags applied to each.
func recvmmsg(fd int, msgs []mmsghdr, flags int) (int, syscall.Errno) {
	r, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&msgs[0])), uintptr(len(msgs)), uintptr(flags), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

func setsockopt(fd, level, opt int, p unsafe.Pointer, n uintptr) error {
	_, _, e := syscall.Syscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(p), n, 0)
	if e != 0 {
		return e
	}
	return nil
}

func getsockopt(fd, level, opt int, p unsafe.Pointer, n *uint32) error {
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(p), uintptr(unsafe.Pointer(n)), 0)
	if e != 0 {
		return e
	}
	return nil
}
