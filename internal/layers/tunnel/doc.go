// Package tunnel implements Zeek's tunnel packet analyzers: IP-in-IP, GRE
// (with PPTP, ERSPAN I/II/III and Aruba), VXLAN, Geneve, Teredo, AYIYA and
// GTPv1-U. Each decodes its own header and hands the encapsulated packet
// back to the decoder as a packet of its own (packet.Decoder.InnerPacket)
// that carries the chain of tunnels it came through; connections found
// inside remember that chain (conn.log tunnel_parents, tunnel.log).
//
// The tunnels over UDP work on the outer connection (packet.Packet's
// Session): they confirm or violate their protocol there, which adds the
// conn.log service ("vxlan", "teredo", …) or writes analyzer.log.
package tunnel
