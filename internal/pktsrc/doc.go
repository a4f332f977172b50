// Package pktsrc defines how packets enter Heron: a Source yields captured
// frames one at a time, each with its timestamp, lengths and link type.
//
// Implementations live in subpackages (pcapfile for trace files; live
// capture sources arrive with the capture work). The packet loop owns the
// Frame it passes to Next and reuses it; a Source owns the bytes behind
// Frame.Data.
package pktsrc
