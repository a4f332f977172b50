//go:build linux

package netnstest

const sysSetns = 268 // setns on linux/arm64
