package bpf

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Synthetic packets complement the corpus, which has few VLAN, MPLS,
// PPPoE, LLC, 802.11 and radiotap frames: for every link type, frames with
// random encapsulations, network and transport headers drawn from small
// pools of addresses, ports and types (so that filters on them match), and
// random truncations.

type synth struct{ r *rand.Rand }

func (s synth) pick(vals ...int) int  { return vals[s.r.IntN(len(vals))] }
func (s synth) chance(p float64) bool { return s.r.Float64() < p }
func (s synth) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.r.UintN(256))
	}
	return b
}

var (
	synthV4 = [][4]byte{{10, 0, 0, 1}, {10, 0, 0, 2}, {10, 0, 0, 3}, {192, 168, 1, 1}, {172, 16, 5, 4}, {224, 0, 0, 251}, {255, 255, 255, 255}, {0, 0, 0, 0}, {1, 2, 3, 4}}
	synthV6 = [][16]byte{
		{15: 1}, {0xfe, 0x80, 15: 1}, {0x20, 0x01, 0x0d, 0xb8, 15: 1}, {0xff, 0x02, 15: 1}, {0xfe, 0x80, 8: 0x12, 15: 0x34},
	}
	synthMAC = [][6]byte{{0, 0, 0, 0, 0, 0}, {0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {1, 0, 0x5e, 0, 0, 0xfb}, {0x33, 0x33, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}}
)

func (s synth) v4() []byte {
	if s.chance(0.1) {
		return s.bytes(4)
	}
	a := synthV4[s.r.IntN(len(synthV4))]
	return a[:]
}

func (s synth) v6() []byte {
	if s.chance(0.1) {
		return s.bytes(16)
	}
	a := synthV6[s.r.IntN(len(synthV6))]
	return a[:]
}

func (s synth) mac() []byte {
	if s.chance(0.1) {
		return s.bytes(6)
	}
	a := synthMAC[s.r.IntN(len(synthMAC))]
	return a[:]
}

// transport returns a transport header and payload for protocol p.
func (s synth) transport(p int) []byte {
	port := func() int { return s.pick(0, 22, 53, 80, 443, 1023, 1024, 8080, 65535, s.r.IntN(65536)) }
	var h []byte
	switch p {
	case protoTCP:
		h = make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], uint16(port()))
		binary.BigEndian.PutUint16(h[2:], uint16(port()))
		h[12] = byte(s.pick(5, 5, 5, 8, 15, s.r.IntN(16))) << 4
		h[13] = byte(s.pick(0x02, 0x12, 0x10, 0x11, 0x04, 0x14, 0x18, s.r.IntN(256)))
	case protoUDP, protoSCTP:
		h = make([]byte, 8)
		binary.BigEndian.PutUint16(h[0:], uint16(port()))
		binary.BigEndian.PutUint16(h[2:], uint16(port()))
		binary.BigEndian.PutUint16(h[4:], uint16(8+s.r.IntN(40)))
	case protoICMP, protoICMP6:
		h = make([]byte, 8)
		h[0] = byte(s.pick(0, 3, 8, 11, 128, 129, 135, 136, s.r.IntN(256)))
	default:
		h = s.bytes(8)
	}
	return append(h, s.bytes(s.r.IntN(40))...)
}

// network returns an Ethernet type and a network-layer packet.
func (s synth) network() (uint16, []byte) {
	proto := func(v6 bool) int {
		icmp := protoICMP
		if v6 {
			icmp = protoICMP6
		}
		return s.pick(protoTCP, protoTCP, protoUDP, protoUDP, protoSCTP, icmp, protoIGMP, protoPIM, protoVRRP, 47, protoESP, s.r.IntN(256))
	}
	switch s.r.IntN(10) {
	case 0, 1, 2, 3:
		ihl := s.pick(5, 5, 5, 6, 7, 15)
		h := make([]byte, ihl*4)
		h[0] = byte(0x40 | ihl)
		if s.chance(0.05) {
			h[0] = byte(s.r.IntN(256))
		}
		p := proto(false)
		h[9] = byte(p)
		if s.chance(0.15) {
			binary.BigEndian.PutUint16(h[6:], uint16(s.pick(0x2000, 0x0001, 0x00b9, 0x4000)))
		}
		binary.BigEndian.PutUint16(h[2:], uint16(s.pick(40, 576, 577, 1500, s.r.IntN(65536))))
		h[8] = byte(s.pick(1, 64, 128, 255))
		copy(h[12:], s.v4())
		copy(h[16:], s.v4())
		return etherIP, append(h, s.transport(p)...)
	case 4, 5, 6:
		h := make([]byte, 40)
		h[0] = 0x60
		if s.chance(0.05) {
			h[0] = byte(s.r.IntN(256))
		}
		p := proto(true)
		copy(h[8:], s.v6())
		copy(h[24:], s.v6())
		if s.chance(0.2) {
			h[6] = protoFrag6
			frag := make([]byte, 8)
			frag[0] = byte(p)
			h = append(h, frag...)
		} else if s.chance(0.1) {
			h[6] = 0 // hop-by-hop
			h = append(h, byte(p), 0, 0, 0, 0, 0, 0, 0)
		} else {
			h[6] = byte(p)
		}
		return etherIP6, append(h, s.transport(p)...)
	case 7:
		et := uint16(s.pick(etherARP, etherARP, etherRARP))
		h := make([]byte, 28)
		binary.BigEndian.PutUint16(h[0:], 1)
		binary.BigEndian.PutUint16(h[2:], etherIP)
		h[4], h[5] = 6, 4
		binary.BigEndian.PutUint16(h[6:], uint16(s.pick(1, 2, 3, 4)))
		copy(h[8:], s.mac())
		copy(h[14:], s.v4())
		copy(h[18:], s.mac())
		copy(h[24:], s.v4())
		return et, h
	}
	return uint16(s.pick(etherDecnet, etherAtalk, etherAarp, 0x6004, 0x88cc, 0x9000, 0x8137, s.r.IntN(65536))), s.bytes(1 + s.r.IntN(60))
}

// llc returns an 802.2 header and payload (for 802.3, FDDI, 802.11).
func (s synth) llc(et uint16, payload []byte) []byte {
	switch s.r.IntN(8) {
	case 0:
		return append([]byte{0x42, 0x42, 0x03}, s.bytes(30)...)
	case 1:
		return append([]byte{0xfe, 0xfe, 0x03}, s.bytes(30)...)
	case 2:
		return append([]byte{0xe0, 0xe0, 0x03}, s.bytes(30)...)
	case 3:
		return append([]byte{0xaa, 0xaa, 0x03, 0x08, 0x00, 0x07, 0x80, 0x9b}, s.bytes(20)...)
	case 4:
		return append([]byte{byte(s.pick(0x06, 0xf0, 0x64, s.r.IntN(256))), byte(s.pick(0x06, 0xf0, s.r.IntN(256))), 0x03}, s.bytes(20)...)
	}
	h := []byte{0xaa, 0xaa, 0x03, 0, 0, 0, byte(et >> 8), byte(et)}
	return append(h, payload...)
}

// encap returns an Ethernet type and payload, possibly inside VLAN, MPLS
// or PPPoE.
func (s synth) encap(depth int) (uint16, []byte) {
	if depth < 3 {
		switch s.r.IntN(10) {
		case 0, 1:
			et, p := s.encap(depth + 1)
			tci := uint16(s.pick(1, 10, 20, 100, 4095, s.r.IntN(65536)))
			h := []byte{byte(tci >> 8), byte(tci), byte(et >> 8), byte(et)}
			return uint16(s.pick(etherVLAN, etherVLAN, etherQinQ, etherQinQ2)), append(h, p...)
		case 2:
			n := 1 + s.r.IntN(3)
			var h []byte
			for i := 0; i < n; i++ {
				label := uint32(s.pick(0, 100, 1024, 100000, 1048575, s.r.IntN(1<<20)))
				w := label<<12 | uint32(s.r.IntN(8))<<9 | 64
				if i == n-1 && !s.chance(0.1) {
					w |= 1 << 8
				}
				h = binary.BigEndian.AppendUint32(h, w)
			}
			_, p := s.network()
			return etherMPLS, append(h, p...)
		case 3:
			et, p := s.encap(depth + 1)
			sess := uint16(s.pick(1, 0x27, 65535, s.r.IntN(65536)))
			ppp := map[uint16]uint16{etherIP: 0x21, etherIP6: 0x57, etherMPLS: 0x281}[et]
			if ppp == 0 || s.chance(0.1) {
				ppp = uint16(s.pick(0xc021, 0x8021, int(et)))
			}
			h := []byte{0x11, 0, byte(sess >> 8), byte(sess), byte(len(p) >> 8), byte(len(p)), byte(ppp >> 8), byte(ppp)}
			if s.chance(0.1) {
				return etherPPPoED, h
			}
			return etherPPPoES, append(h, p...)
		}
	}
	return s.network()
}

// frame builds a whole frame of the link type.
func (s synth) frame(linkType uint32) []byte {
	switch linkType {
	case LinkTypeEthernet:
		h := append(append([]byte(nil), s.mac()...), s.mac()...)
		et, p := s.encap(0)
		if s.chance(0.1) {
			p = s.llc(et, p)
			if s.chance(0.2) {
				p = append([]byte{0xff, 0xff}, s.bytes(20)...)
			}
			et = uint16(len(p))
		}
		return append(binary.BigEndian.AppendUint16(h, et), p...)
	case LinkTypeNull, LinkTypeLoop:
		_, p := s.network()
		af := uint32(s.pick(2, 2, 24, 28, 30, 10, s.r.IntN(40)))
		if p[0]>>4 == 6 && s.chance(0.7) {
			af = uint32(s.pick(24, 28, 30, 10))
		}
		var h []byte
		if linkType == LinkTypeLoop {
			h = binary.BigEndian.AppendUint32(nil, af)
		} else {
			h = binary.LittleEndian.AppendUint32(nil, af) // swapped when written big-endian
		}
		return append(h, p...)
	case LinkTypeRaw, LinkTypeIPv4, LinkTypeIPv6:
		for {
			_, p := s.network()
			v := p[0] >> 4
			if linkType == LinkTypeRaw || linkType == LinkTypeIPv4 && v == 4 || linkType == LinkTypeIPv6 && v == 6 || s.chance(0.05) {
				return p
			}
		}
	case LinkTypeLinuxSLL, LinkTypeLinuxSLL2:
		et, p := s.encap(1)
		if s.chance(0.1) {
			p = s.llc(et, p)
			et = uint16(s.pick(1, 4))
		}
		pkttype := byte(s.pick(0, 1, 2, 3, 4))
		if linkType == LinkTypeLinuxSLL {
			h := []byte{0, pkttype, 0, 1, 0, 6}
			h = append(append(h, s.mac()...), 0, 0)
			return append(binary.BigEndian.AppendUint16(h, et), p...)
		}
		h := binary.BigEndian.AppendUint16(nil, et)
		h = append(h, 0, 0)
		h = binary.BigEndian.AppendUint32(h, uint32(s.pick(1, 2, 3)))
		h = append(h, 0, 1, pkttype, 6)
		h = append(append(h, s.mac()...), 0, 0)
		return append(h, p...)
	case LinkTypePPP:
		et, p := s.encap(2)
		proto := map[uint16]uint16{etherIP: 0x21, etherIP6: 0x57, etherMPLS: 0x281}[et]
		if proto == 0 || s.chance(0.1) {
			proto = uint16(s.pick(0xc021, 0x8021, 0x27, 0x29, 0x2b, 0x23, int(et)))
		}
		return append([]byte{0xff, 0x03, byte(proto >> 8), byte(proto)}, p...)
	case LinkTypeFDDI:
		h := append([]byte{0x50}, s.mac()...)
		h = append(h, s.mac()...)
		et, p := s.encap(2)
		return append(h, s.llc(et, p)...)
	case LinkTypeIEEE80211:
		return s.wlan()
	case LinkTypeRadiotap:
		return s.radiotap()
	}
	return s.bytes(10 + s.r.IntN(60))
}

// wlan builds an 802.11 frame.
func (s synth) wlan() []byte {
	fc0 := byte(s.pick(0x08, 0x08, 0x88, 0x88, 0x00, 0x80, 0x40, 0xd4, 0xb4, 0x0c, 0x48, s.r.IntN(256)))
	fc1 := byte(s.pick(0, 1, 2, 3, s.r.IntN(256)))
	h := []byte{fc0, fc1, 0, 0}
	for i := 0; i < 3; i++ {
		h = append(h, s.mac()...)
	}
	h = append(h, 0, 0)
	if fc1&3 == 3 {
		h = append(h, s.mac()...)
	}
	if fc0&0x88 == 0x88 {
		h = append(h, 0, 0)
	}
	et, p := s.encap(2)
	return append(h, s.llc(et, p)...)
}

// radiotap builds a radiotap header and an 802.11 frame.
func (s synth) radiotap() []byte {
	present := uint32(0)
	var fields []byte
	tsft, flags := s.chance(0.5), s.chance(0.7)
	var fl byte
	if tsft {
		present |= 1
		fields = append(fields, s.bytes(8)...)
	}
	if flags {
		present |= 2
		fl = byte(s.pick(0, 0x20, 0x10, 0x30, s.r.IntN(256)))
		fields = append(fields, fl)
	}
	if s.chance(0.1) {
		present |= 1 << 31
	}
	for len(fields)%4 != 0 {
		fields = append(fields, 0)
	}
	h := []byte{0, 0, 0, 0}
	h = binary.LittleEndian.AppendUint32(h, present)
	h = append(h, fields...)
	binary.LittleEndian.PutUint16(h[2:], uint16(len(h)))
	w := s.wlan()
	if fl&0x20 != 0 {
		// Pad the 802.11 header to a multiple of 4.
		hl := 24
		if w[1]&3 == 3 {
			hl += 6
		}
		if w[0]&0x88 == 0x88 {
			hl += 2
		}
		for hl%4 != 0 && hl <= len(w) {
			w = append(w[:hl], append([]byte{0}, w[hl:]...)...)
			hl++
		}
	}
	return append(h, w...)
}

// synthLinkTypes are the link types with synthetic packets.
var synthLinkTypes = []uint32{
	LinkTypeEthernet, LinkTypeNull, LinkTypeLoop, LinkTypeRaw, LinkTypeIPv4, LinkTypeIPv6,
	LinkTypeLinuxSLL, LinkTypeLinuxSLL2, LinkTypePPP, LinkTypeFDDI, LinkTypeIEEE80211, LinkTypeRadiotap,
	LinkTypeNFLOG,
}

var (
	synthOnce   sync.Once
	synthGroups []*packetGroup
	synthErr    error
)

// synthCorpus builds n packets for each synthetic link type (and both byte
// orders of BSD loopback), written to pcap files like the corpus groups.
func synthCorpus(t testing.TB, n int) []*packetGroup {
	t.Helper()
	synthOnce.Do(func() {
		dir, err := os.MkdirTemp("", "heron-bpf-synth-")
		if synthErr = err; err != nil {
			return
		}
		testDirs = append(testDirs, dir)
		for _, lt := range synthLinkTypes {
			orders := []bool{false}
			if lt == LinkTypeNull {
				orders = []bool{false, true}
			}
			for _, be := range orders {
				s := synth{rand.New(rand.NewPCG(uint64(lt), 7))}
				g := &packetGroup{linkType: lt, bigEndian: be, traces: map[string]bool{"synthetic": true}}
				for i := 0; i < n; i++ {
					f := s.frame(lt)
					if be && lt == LinkTypeNull {
						f[0], f[1], f[2], f[3] = f[3], f[2], f[1], f[0]
					}
					wire := len(f)
					if s.chance(0.25) {
						f = f[:s.r.IntN(len(f)+1)]
					}
					g.packets = append(g.packets, corpusPacket{data: f, wireLen: uint32(wire), trace: "synthetic", index: i})
				}
				g.file = filepath.Join(dir, "synth-"+g.name()+".pcap")
				if synthErr = writeGroup(g); synthErr != nil {
					return
				}
				synthGroups = append(synthGroups, g)
			}
		}
	})
	if synthErr != nil {
		t.Fatal(synthErr)
	}
	return synthGroups
}
