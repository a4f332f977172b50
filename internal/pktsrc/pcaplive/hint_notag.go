//go:build !libpcap

package pcaplive

// buildHint adds what else a rebuild needs.
const buildHint = " (cgo and libpcap's headers are needed too: apt-get install gcc libpcap-dev)"
