//go:build libpcap && (!cgo || !unix)

package pcaplive

// buildHint says why a build with -tags libpcap still lacks it.
const buildHint = " and with cgo (CGO_ENABLED=1, a C compiler and libpcap-dev) on a Unix system; this binary had the tag but no cgo"
