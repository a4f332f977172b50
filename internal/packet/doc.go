// Package packet holds the Packet that flows through Heron's decoders, the
// layer dispatcher, and THE wiring table that says which layer follows which
// (link type → Ethernet, ethertype 0x0800 → IP, IP protocol 6 → TCP, …).
//
// The design follows Zeek's packet analysis framework: every layer is an
// Analyzer with a name (Zeek's analyzer name, used as the "source" of the
// weirds it raises). A layer decodes its header in place and returns the
// identifier of what comes next (an ethertype, an IP protocol number, a
// link type); the Decoder looks the identifier up in the parent layer's row
// of the wiring table and continues with the child layer, in a loop with a
// depth limit. Tunnels are added as rows of the same table.
//
// Nothing here allocates per packet: the Packet is reused, layers slice the
// frame in place, and the wiring table is compiled into dense slices.
package packet
