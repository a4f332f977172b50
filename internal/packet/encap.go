package packet

import "net/netip"

// TunnelType is Zeek's Tunnel::Type: the kind of an encapsulation.
type TunnelType uint8

// Tunnel types, in Zeek's order.
const (
	TunnelNone TunnelType = iota
	TunnelIP
	TunnelAYIYA
	TunnelTeredo
	TunnelSOCKS
	TunnelGTPv1
	TunnelHTTP
	TunnelGRE
	TunnelVXLAN
	TunnelGeneve
)

var tunnelNames = [...]string{
	TunnelNone:   "Tunnel::NONE",
	TunnelIP:     "Tunnel::IP",
	TunnelAYIYA:  "Tunnel::AYIYA",
	TunnelTeredo: "Tunnel::TEREDO",
	TunnelSOCKS:  "Tunnel::SOCKS",
	TunnelGTPv1:  "Tunnel::GTPv1",
	TunnelHTTP:   "Tunnel::HTTP",
	TunnelGRE:    "Tunnel::GRE",
	TunnelVXLAN:  "Tunnel::VXLAN",
	TunnelGeneve: "Tunnel::GENEVE",
}

// String returns Zeek's enum name ("Tunnel::VXLAN").
func (t TunnelType) String() string {
	if int(t) < len(tunnelNames) {
		return tunnelNames[t]
	}
	return "Tunnel::NONE"
}

// Transport protocols of an EncapConn's ports (Zeek's TransportProto).
const (
	TransportUnknown uint8 = iota
	TransportTCP
	TransportUDP
	TransportICMP
)

// EncapConn is one encapsulation a packet arrived through (Zeek's
// EncapsulatingConn): the outer endpoints, the kind of tunnel and the uid
// that names it (the outer connection's for tunnels over UDP or TCP, a uid
// of its own for IP and GRE tunnels). It holds no pointers.
type EncapConn struct {
	Type      TunnelType
	Version   uint8 // IP version of the outer addresses
	Transport uint8 // TransportUnknown for IP and GRE tunnels
	IPProto   uint8 // IP protocol of the outer packet
	Src, Dst  [16]byte
	SrcPort   uint16
	DstPort   uint16
	UID       [2]uint64
}

// SrcAddr returns the outer source (the originator's address for tunnels
// over connections).
func (e *EncapConn) SrcAddr() netip.Addr { return AddrFrom16(e.Src, e.Version) }

// DstAddr returns the outer destination.
func (e *EncapConn) DstAddr() netip.Addr { return AddrFrom16(e.Dst, e.Version) }

// Same reports whether e and o are the same tunnel, as Zeek compares
// encapsulations: IP and GRE tunnels and VXLAN (whose source port varies)
// regardless of direction, the others by their exact endpoints.
func (e *EncapConn) Same(o *EncapConn) bool {
	if e.Type != o.Type || e.UID != o.UID || e.Transport != o.Transport || e.IPProto != o.IPProto {
		return false
	}
	either := e.Src == o.Src && e.Dst == o.Dst || e.Src == o.Dst && e.Dst == o.Src
	switch e.Type {
	case TunnelIP, TunnelGRE:
		return either
	case TunnelVXLAN:
		return e.DstPort == o.DstPort && either
	}
	return e.Src == o.Src && e.Dst == o.Dst && e.SrcPort == o.SrcPort && e.DstPort == o.DstPort
}

// MaxEncapDepth is the most encapsulations Heron tracks for one packet;
// Tunnel::max_depth may not exceed it.
const MaxEncapDepth = 16

// EncapStack is the chain of encapsulations of a packet, outermost first
// (Zeek's EncapsulationStack). The zero value is empty.
type EncapStack struct {
	n     uint8
	conns [MaxEncapDepth]EncapConn
}

// Len returns the number of encapsulations.
func (s *EncapStack) Len() int {
	if s == nil {
		return 0
	}
	return int(s.n)
}

// At returns encapsulation i (0 is the outermost).
func (s *EncapStack) At(i int) *EncapConn { return &s.conns[i] }

// Last returns the innermost encapsulation, or nil when there is none.
func (s *EncapStack) Last() *EncapConn {
	if s.Len() == 0 {
		return nil
	}
	return &s.conns[s.n-1]
}

// Push adds an inner encapsulation; it reports false when the stack is
// full.
func (s *EncapStack) Push(e EncapConn) bool {
	if int(s.n) >= MaxEncapDepth {
		return false
	}
	s.conns[s.n] = e
	s.n++
	return true
}

// CopyFrom makes s a copy of o (empty when o is nil).
func (s *EncapStack) CopyFrom(o *EncapStack) {
	if o == nil {
		s.n = 0
		return
	}
	s.n = o.n
	copy(s.conns[:o.n], o.conns[:o.n])
}

// Equal reports whether two stacks hold the same tunnels (nil and empty
// are equal).
func (s *EncapStack) Equal(o *EncapStack) bool {
	if s.Len() != o.Len() {
		return false
	}
	for i := 0; i < s.Len(); i++ {
		if !s.conns[i].Same(&o.conns[i]) {
			return false
		}
	}
	return true
}
