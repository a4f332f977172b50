// Package netnstest gives tests private network namespaces with veth
// pairs, so that they can capture real traffic on real interfaces without
// touching the host's network. Everything it creates is removed when the
// test ends.
//
// It drives iproute2 (`ip netns`, `ip link`) and needs root; New skips
// the test with a message otherwise. Code that must open sockets inside a
// namespace runs through NS.Do, on an OS thread that has joined it.
package netnstest
