//go:build linux

package netnstest

const sysSetns = 308 // setns on linux/amd64
