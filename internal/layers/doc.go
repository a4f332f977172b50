// Package layers holds Heron's link-layer decoders: Ethernet, 802.1Q VLAN,
// MPLS, PPPoE, PPP, PPP serial, BSD loopback (Null), Linux cooked captures
// (SLL and SLL2), IEEE 802.11 and radiotap, 802.2 LLC, SNAP, Novell raw
// 802.3, FDDI, ARP, 802.1ah provider backbone bridging (PBB), Cisco VN-Tag
// and Linux netfilter logs (NFLOG).
//
// Each layer is a packet.Analyzer that mirrors one of Zeek's packet
// analyzers (src/packet_analysis/protocol/<name>/ in Zeek's tree): it checks
// the same lengths, raises the same weirds under the same names, records the
// same link-level facts on the Packet (MAC addresses, VLAN tags, the PPPoE
// session id) and returns the same identifier for the next layer. Which
// layer that identifier leads to is not decided here but by the wiring table
// in package packet.
//
// # Conventions
//
// A layer receives the rest of the frame from its own header on and returns
// a subslice of it; nothing is copied and nothing is allocated. The bytes
// are borrowed from the packet source and are valid only during the call.
//
// A malformed header that makes Zeek stop decoding is reported by returning
// one of the package's static *packet.Weird values, so raising it does not
// allocate. An anomaly after which Zeek carries on is queued with
// packet.Decoder.Raise and decoding continues. Where Zeek ends decoding
// silently (an 802.11 management frame, an encrypted frame, a decoded ARP
// packet) the layer returns packet.Stop.
//
// # Adding a layer
//
//  1. Write one file, <name>.go, with the analyzer: a function with the
//     packet.AnalyzerFunc signature when the layer needs no state, or a small
//     struct holding the *packet.Decoder when it raises weirds that do not
//     stop decoding or forwards more than one payload per frame. Keep its
//     weirds as package-level *packet.Weird values.
//  2. Add its rows to the wiring table (packet.Wiring): which identifier of
//     which parent leads to it, and which identifiers it returns lead where.
//  3. Add one line to (*Link).each in install.go so that Install puts it on
//     the decoder.
//  4. Add table-driven cases to <name>_test.go, a seed to the fuzz corpus,
//     and a trace to the end-to-end test when one exists.
package layers
