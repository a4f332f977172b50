//go:build !linux

package node

// pinThread does nothing off Linux.
func pinThread(int) {}
