//go:build linux && !386 && !mips && !mipsle && !mips64 && !mips64le

package udpmirror

// soReusePort is SO_REUSEPORT (asm-generic/socket.h); the syscall package
// defines it for some architectures only.
const soReusePort = 15
