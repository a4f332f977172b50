// Package tunnels is Zeek's tunnel framework (base/frameworks/tunnels):
// it follows the tunnels that connections are found in and writes
// tunnel.log, with a DISCOVER record when a tunnel is first seen, CLOSE
// when the connection a tunnel runs over ends, and EXPIRE when a tunnel
// was idle for Tunnel::expiration_interval.
package tunnels
