// Package reassembly is the home of Heron's reassemblers, one subpackage
// each: ipfrag puts IPv4 and IPv6 fragments back together into datagrams
// before the transport layer sees them, and TCP stream reassembly (in a
// sibling package) turns segments into ordered bytes with gap notices.
//
// This package itself holds no code; it only groups the reassemblers.
package reassembly
