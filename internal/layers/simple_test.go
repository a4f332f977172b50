package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// Tests of the small fixed-header layers.

func TestPPPSerial(t *testing.T) {
	runCases(t, packet.LayerPPPSerial, []layerCase{
		{name: "ipv4", data: cat([]byte{0xff, 0x03}, be16(0x0021), ipv4(20)), key: 0x0021, off: 4, n: 20},
		{name: "mpls", data: cat([]byte{0x0f, 0x00}, be16(0x0281), label(1, true), ipv4(20)), key: 0x0281, off: 4, n: 24},
		{name: "5 bytes", data: cat([]byte{0xff, 0x03}, be16(0x0021), []byte{0x45}), key: 0x0021, off: 4, n: 1},
		{name: "4 bytes", data: cat([]byte{0xff, 0x03}, be16(0x0021)),
			err: "truncated_ppp_serial_header", weirds: []string{"truncated_ppp_serial_header@PPPSERIAL"}},
	})
}

// TestPPP calls the DLT_PPP layer directly: package packet has no layer for
// it yet.
func TestPPP(t *testing.T) {
	cases := []struct {
		name    string
		data    []byte
		key     packet.Key
		off, n  int
		errName string
	}{
		{"hdlc", cat([]byte{0xff, 0x03}, be16(0x0021), ipv4(20)), 0x0021, 4, 20, ""},
		{"bare", cat(be16(0x0057), fill(0x60, 40)), 0x0057, 2, 40, ""},
		{"bare 3 bytes", cat(be16(0x0021), []byte{0x45}), 0x0021, 2, 1, ""},
		{"2 bytes", be16(0x0021), 0, 0, 0, "truncated_ppp_header"},
		{"hdlc 4 bytes", cat([]byte{0xff, 0x03}, be16(0x0021)), 0, 0, 0, "truncated_ppp_hdlc_header"},
		{"hdlc 3 bytes", []byte{0xff, 0x03, 0x00}, 0, 0, 0, "truncated_ppp_hdlc_header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, rest, err := ppp(&packet.Packet{}, c.data)
			if c.errName != "" {
				if w, ok := err.(*packet.Weird); !ok || w.Name != c.errName {
					t.Fatalf("err = %v, want %s", err, c.errName)
				}
				return
			}
			if err != nil || key != c.key || subslice(t, c.data, rest) != c.off || len(rest) != c.n {
				t.Fatalf("got %#x [%d:+%d] %v, want %#x [%d:+%d]", uint64(key), subslice(t, c.data, rest), len(rest), err, uint64(c.key), c.off, c.n)
			}
		})
	}
	if id, ok := layerNamed("PPP"); ok {
		t.Logf("package packet has layer %d named PPP; Install sets it", id)
	}
}

func TestNull(t *testing.T) {
	runCases(t, packet.LayerNull, []layerCase{
		{name: "inet", data: cat(le32(2), ipv4(20)), key: 2, off: 4, n: 20},
		{name: "inet6 freebsd", data: cat(le32(28), fill(0x60, 40)), key: 28, off: 4, n: 40},
		{name: "big endian family", data: cat([]byte{0, 0, 0, 2}, ipv4(20)), key: 0x02000000, off: 4, n: 20},
		{name: "4 bytes", data: le32(2),
			err: "null_analyzer_failed", weirds: []string{"null_analyzer_failed@NULL"}},
	})
}

func sllHdr(addr []byte, proto uint16) []byte {
	return cat(be16(0), be16(1), be16(uint16(len(addr))), addr, fill(0, 8-len(addr)), be16(proto))
}

func sll2Hdr(addr []byte, proto uint16) []byte {
	return cat(be16(proto), be16(0), []byte{0, 0, 0, 3}, be16(1), []byte{4, byte(len(addr))}, addr, fill(0, 8-len(addr)))
}

func TestLinuxSLL(t *testing.T) {
	dirty := func(p *packet.Packet) { p.L2Dst = mac6(macC) }
	runCases(t, packet.LayerLinuxSLL, []layerCase{
		{name: "ipv4", data: cat(sllHdr(macA, 0x0800), ipv4(20)), pre: dirty,
			key: 0x0800, off: 16, n: 20, check: wantL2(macA, make([]byte, 6))},
		{name: "arp", data: cat(sllHdr(macA, 0x0806), fill(0, 28)), key: 0x0806, off: 16, n: 28},
		{name: "short address", data: cat(sllHdr([]byte{1, 2}, 0x86DD), fill(0x60, 40)),
			key: 0x86DD, off: 16, n: 40, check: wantL2([]byte{1, 2, 0, 0, 0, 0}, make([]byte, 6))},
		{name: "16 bytes", data: sllHdr(macA, 0x0800),
			err: "truncated_Linux_SLL_header", weirds: []string{"truncated_Linux_SLL_header@LINUXSLL"}, check: noL2},
	})
}

func TestLinuxSLL2(t *testing.T) {
	runCases(t, packet.LayerLinuxSLL2, []layerCase{
		{name: "ipv4", data: cat(sll2Hdr(macB, 0x0800), ipv4(20)),
			key: 0x0800, off: 20, n: 20, check: wantL2(macB, make([]byte, 6))},
		{name: "rarp", data: cat(sll2Hdr(macB, 0x8035), fill(0, 28)), key: 0x8035, off: 20, n: 28},
		{name: "20 bytes", data: sll2Hdr(macB, 0x0800),
			err: "truncated_Linux_SLL2_header", weirds: []string{"truncated_Linux_SLL2_header@LINUXSLL2"}, check: noL2},
	})
}

func rtHdr(n int) []byte {
	return cat([]byte{0, 0}, le16(uint16(n)), fill(0, n-4))
}

func TestRadiotap(t *testing.T) {
	runCases(t, packet.LayerIEEE80211Radio, []layerCase{
		{name: "8 bytes", data: cat(rtHdr(8), fill(0x08, 30)), key: packet.DLTIEEE80211, off: 8, n: 30},
		{name: "36 bytes", data: cat(rtHdr(36), fill(0x08, 30)), key: packet.DLTIEEE80211, off: 36, n: 30},
		{name: "one byte after", data: cat(rtHdr(8), []byte{0x08}), key: packet.DLTIEEE80211, off: 8, n: 1},
		{name: "header only", data: rtHdr(8),
			err: "truncated_radiotap_header", weirds: []string{"truncated_radiotap_header@IEEE802_11_RADIO"}},
		{name: "3 bytes", data: []byte{0, 0, 8},
			err: "truncated_radiotap_header", weirds: []string{"truncated_radiotap_header@IEEE802_11_RADIO"}},
		{name: "length past end", data: cat([]byte{0, 0}, le16(0xffff), fill(0, 40)),
			err: "truncated_radiotap_header", weirds: []string{"truncated_radiotap_header@IEEE802_11_RADIO"}},
	})
}

func TestLLC(t *testing.T) {
	runCases(t, packet.LayerLLC, []layerCase{
		{name: "stp", data: cat([]byte{0x42, 0x42, 0x03}, fill(0, 35)), key: 0x42, off: 0, n: 38},
		{name: "unnumbered only", data: []byte{0xF0, 0xF0, 0x03}, key: 0xF0, off: 0, n: 3},
		{name: "information pdu", data: []byte{0xE0, 0xE0, 0x00, 0x01}, key: 0xE0, off: 0, n: 4},
		{name: "information pdu cut", data: []byte{0xE0, 0xE0, 0x00},
			err: "truncated_llc_header", weirds: []string{"truncated_llc_header@LLC"}},
		{name: "2 bytes", data: []byte{0x42, 0x42},
			err: "truncated_llc_header", weirds: []string{"truncated_llc_header@LLC"}},
	})
}

func TestSNAP(t *testing.T) {
	runCases(t, packet.LayerSNAP, []layerCase{
		{name: "ipv4", data: cat(llcSNAP(0x0800), ipv4(20)), key: 0x0800, off: 8, n: 20},
		{name: "cdp", data: cat([]byte{0xAA, 0xAA, 0x03, 0x00, 0x00, 0x0c}, be16(0x2000), fill(1, 10)),
			key: 0x0c2000, off: 8, n: 10},
		{name: "4-byte llc", data: cat([]byte{0xAA, 0xAA, 0x00, 0x01, 0x00, 0x00, 0x00}, be16(0x0806), fill(0, 28)),
			key: 0x0806, off: 9, n: 28},
		{name: "header only", data: llcSNAP(0x0800), key: 0x0800, off: 8, n: 0},
		{name: "2 bytes", data: []byte{0xAA, 0xAA},
			err: "truncated_snap_llc_header", weirds: []string{"truncated_snap_llc_header@SNAP"}},
		{name: "7 bytes", data: llcSNAP(0x0800)[:7],
			err: "truncated_snap_header", weirds: []string{"truncated_snap_header@SNAP"}},
		{name: "4-byte llc 8 bytes", data: []byte{0xAA, 0xAA, 0x00, 0x01, 0, 0, 0, 0x08},
			err: "truncated_snap_header", weirds: []string{"truncated_snap_header@SNAP"}},
	})
}

func TestNovell(t *testing.T) {
	runCases(t, packet.LayerNovell8023, []layerCase{
		{name: "ipx", data: cat([]byte{0xFF, 0xFF}, fill(0, 28)),
			err: "no_suitable_analyzer_found", weirds: []string{"no_suitable_analyzer_found@NOVELL_802_3"}},
	})
}

func TestFDDI(t *testing.T) {
	hdr := cat([]byte{0x50}, macA, macB, llcSNAP(0x0800))
	runCases(t, packet.LayerFDDI, []layerCase{
		{name: "ipv4", data: cat(hdr, ipv4(20)), key: packet.Default, off: 21, n: 20, check: noL2},
		{name: "one byte", data: cat(hdr, []byte{0x45}), key: packet.Default, off: 21, n: 1},
		{name: "21 bytes", data: hdr,
			err: "FDDI_analyzer_failed", weirds: []string{"FDDI_analyzer_failed@FDDI"}},
	})
}
