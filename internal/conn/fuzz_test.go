package conn

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// FuzzConn drives the connection tracker with packets derived from the
// fuzz input: each 16-byte record chooses direction, protocol, flags,
// sequence and acknowledgment numbers, payload length and time step
// between two hosts. Whatever the input, nothing panics, every connection
// is reported once, and history holds only Zeek's letters.
func FuzzConn(f *testing.F) {
	rec := func(dir, proto, flags byte, seq, ack uint32, plen byte, dt byte) []byte {
		b := make([]byte, 16)
		b[0], b[1], b[2] = dir, proto, flags
		binary.BigEndian.PutUint32(b[3:], seq)
		binary.BigEndian.PutUint32(b[7:], ack)
		b[11], b[12] = plen, dt
		return b
	}
	var handshake []byte
	handshake = append(handshake, rec(0, 0, S, 100, 0, 0, 1)...)
	handshake = append(handshake, rec(1, 0, SA, 500, 101, 0, 1)...)
	handshake = append(handshake, rec(0, 0, A, 101, 501, 0, 1)...)
	handshake = append(handshake, rec(0, 0, PA, 101, 501, 20, 1)...)
	handshake = append(handshake, rec(1, 0, A, 501, 200, 0, 1)...)
	handshake = append(handshake, rec(0, 0, FA, 121, 501, 0, 1)...)
	handshake = append(handshake, rec(1, 0, R, 501, 0, 0, 200)...)
	f.Add(handshake)
	f.Add(append(rec(0, 1, 0, 0, 0, 10, 0), rec(1, 1, 0, 0, 0, 30, 255)...))
	f.Add(append(rec(0, 2, 8, 0, 0, 10, 0), rec(1, 2, 0, 0, 0, 30, 3)...))
	f.Add(rec(0, 0, 0xff, 0xffffffff, 0xffffffff, 255, 255))

	f.Fuzz(func(t *testing.T, data []byte) {
		h := newHarness(t, DefaultConfig())
		for len(data) >= 16 {
			r := data[:16]
			data = data[16:]
			toSrv := r[0]&1 == 0
			seq, ack := binary.BigEndian.Uint32(r[3:]), binary.BigEndian.Uint32(r[7:])
			payload := make([]byte, int(r[11])%64)
			dt := zeek.Interval(r[12]) * 500 * zeek.Millisecond
			src, dst := cli, srv
			sp, dp := uint16(40000), uint16(80)
			if !toSrv {
				src, dst, sp, dp = srv, cli, 80, 40000
			}
			ip := pktbuild.IP{Src: src, Dst: dst}
			var pkt []byte
			switch r[1] % 3 {
			case 0:
				pkt = pktbuild.TCPPacket(ip, pktbuild.TCP{SrcPort: sp, DstPort: dp, Seq: seq, Ack: ack, Flags: r[2], Window: uint16(r[13]) << 8, BadChecksum: r[14] == 0xff}, payload)
			case 1:
				pkt = pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: sp, DstPort: dp, BadChecksum: r[14] == 0xff}, payload)
			default:
				pkt = pktbuild.ICMPPacket(ip, pktbuild.ICMP{Type: r[2], Code: r[13]}, payload)
			}
			if r[15]&0x80 != 0 && len(pkt) > 24 {
				pkt = pkt[:20+int(r[15])%(len(pkt)-20)] // truncate
			}
			h.feed(dt, pkt)
		}
		created := h.m.Created
		recs := h.finish()
		if uint64(len(recs)) != created {
			t.Fatalf("%d connections created, %d reported", created, len(recs))
		}
		for _, r := range recs {
			if r.History.Set && strings.Trim(r.History.V, "shadfrcgtwiqxSHADFRCGTWIQX^") != "" {
				t.Fatalf("history %q has a letter Zeek does not use", r.History.V)
			}
		}
		if h.m.Len() != 0 {
			t.Fatalf("%d connections left after Flush", h.m.Len())
		}
	})
}
