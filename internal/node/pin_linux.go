package node

import (
	"runtime"
	"syscall"
	"unsafe"
)

// pinThread locks the calling goroutine to its OS thread and that thread
// to one CPU. Failure (a CPU that does not exist, no permission) leaves
// the thread unpinned; pin_cpus is a performance hint.
func pinThread(cpu int) {
	if cpu < 0 || cpu >= 1024 {
		return
	}
	runtime.LockOSThread()
	var set [1024 / 64]uint64
	set[cpu/64] |= 1 << (cpu % 64)
	syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, uintptr(len(set)*8), uintptr(unsafe.Pointer(&set[0])))
}
