package layers

import (
	"encoding/binary"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// igmpMsg returns an IGMP message of the given bytes with its checksum
// field (bytes 2-3) set right, or to bad when bad is not zero.
func igmpMsg(bad uint16, b ...byte) []byte {
	m := append([]byte(nil), b...)
	if len(m) >= 4 {
		m[2], m[3] = 0, 0
		var sum uint32
		for i := 0; i+1 < len(m); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(m[i:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		c := ^uint16(sum)
		if bad != 0 {
			c = bad
		}
		binary.BigEndian.PutUint16(m[2:], c)
	}
	return m
}

func TestIGMP(t *testing.T) {
	const bad = "igmp_invalid_checksum@IGMP"
	report := []byte{0x16, 0, 0, 0, 224, 0, 0, 251}
	leave := []byte{0x17, 0, 0, 0, 224, 0, 0, 251}
	reportV1 := []byte{0x12, 0, 0, 0, 224, 0, 0, 1}
	// A version 3 query with one source and 2 bytes of extra data.
	query := []byte{0x11, 100, 0, 0, 0, 0, 0, 0, 2, 125, 0, 1, 10, 0, 0, 1, 0xaa, 0xbb}
	// A version 3 report with two groups: one with a source and 4 bytes
	// of aux data (its length byte counting bytes, as Zeek's grammar
	// reads it), one without.
	reportV3 := []byte{0x22, 0, 0, 0, 0, 0, 0, 2,
		1, 4, 0, 1, 239, 1, 1, 1, 10, 0, 0, 2, 1, 2, 3, 4,
		2, 0, 0, 0, 239, 2, 2, 2}
	forward := func(data []byte) layerCase {
		return layerCase{key: packet.Default, off: 0, n: len(data), data: data}
	}
	cases := []layerCase{}
	add := func(name string, data []byte, weirds ...string) {
		c := forward(data)
		c.name, c.weirds = name, weirds
		cases = append(cases, c)
	}
	add("v2 report", igmpMsg(0, report...))
	add("v2 report bad checksum", igmpMsg(0x1234, report...), bad)
	add("leave bad checksum", igmpMsg(1, leave...), bad)
	add("v1 report bad checksum", igmpMsg(1, reportV1...), bad)
	// Only the grammar's 8 bytes count: trailing bytes are not summed.
	add("v2 report with trailer", append(igmpMsg(0, report...), 1, 2, 3))
	add("v3 query", igmpMsg(0, query...))
	add("v3 query bad checksum", igmpMsg(7, query...), bad)
	// A v1/v2 query is shorter than the grammar's query: it does not
	// parse, so no checksum is checked.
	add("v2 query does not parse", igmpMsg(7, 0x11, 100, 0, 0, 0, 0, 0, 0))
	add("v3 report", igmpMsg(0, reportV3...))
	add("v3 report bad checksum", igmpMsg(9, reportV3...), bad)
	add("v3 report cut short", igmpMsg(9, reportV3[:len(reportV3)-2]...))
	// Odd lengths cannot be read as 16-bit words.
	add("v3 report with odd aux data", igmpMsg(9, 0x22, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 239, 1, 1, 1, 9))
	add("unknown type", igmpMsg(9, 0x99, 0, 0, 0, 0, 0, 0, 0))
	add("truncated", []byte{0x16, 0, 0})
	add("empty", nil)
	// All-zero words sum to zero, whose complement is not zero.
	add("zeros", make([]byte, 8))
	cases[len(cases)-1].data[0] = 0x16
	cases[len(cases)-1].weirds = []string{bad}
	runCases(t, packet.LayerIGMP, cases)
}

// decodeIGMP decodes an IPv4 packet that carries msg through the real IP
// layer and returns the weirds and the number of packets that reached the
// unknown-transport layer.
func decodeIGMP(t *testing.T, msg []byte, ignoreChecksums bool) ([]weirdRec, int) {
	t.Helper()
	s := &sink{}
	d := packet.NewDecoder(mustTable(t), s)
	l := Install(d)
	l.IGMP.IgnoreChecksums = ignoreChecksums
	d.Set(packet.LayerIP, NewIP(d, IPConfig{}, nil))
	unknown := &ipStub{}
	d.Set(packet.LayerUnknownIP, unknown)
	ip := make([]byte, 20, 20+len(msg))
	ip[0], ip[8], ip[9] = 0x45, 1, 2
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(msg)))
	copy(ip[12:], []byte{10, 0, 0, 1, 224, 0, 0, 251})
	binary.BigEndian.PutUint16(ip[10:], ^ipSum(ip))
	ip = append(ip, msg...)
	d.Decode(&packet.Packet{Data: ip, WireLen: uint32(len(ip)), LinkType: packet.DLTRaw})
	return s.weirds, unknown.n
}

// TestIGMPWiring decodes an IP packet of protocol 2: the IGMP layer runs
// (its weird is a flow weird), then the unknown-transport layer gets the
// packet; with IgnoreChecksums (-C) there is no weird.
func TestIGMPWiring(t *testing.T) {
	msg := igmpMsg(0xdead, 0x16, 0, 0, 0, 224, 0, 0, 251)
	weirds, n := decodeIGMP(t, msg, false)
	if n != 1 {
		t.Fatalf("the unknown-transport layer ran %d times, want 1", n)
	}
	if len(weirds) != 1 || weirds[0].Name != "igmp_invalid_checksum" || weirds[0].Source != "IGMP" || !weirds[0].Flow {
		t.Fatalf("weirds = %+v, want one flow weird igmp_invalid_checksum from IGMP", weirds)
	}
	weirds, n = decodeIGMP(t, msg, true)
	if n != 1 || len(weirds) != 0 {
		t.Fatalf("with IgnoreChecksums: %d packets forwarded, weirds %+v; want 1, none", n, weirds)
	}
}

func ipSum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// TestIGMPNoAllocs checks that the layer allocates nothing, weird
// included.
func TestIGMPNoAllocs(t *testing.T) {
	d := packet.NewDecoder(mustTable(t), &nopSink{})
	l := Install(d)
	p := &packet.Packet{}
	data := igmpMsg(1, 0x22, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 239, 1, 1, 1, 10, 0, 0, 2)
	if n := testing.AllocsPerRun(100, func() { _, _, _ = l.IGMP.Analyze(p, data) }); n != 0 {
		t.Fatalf("%v allocations per message", n)
	}
}

func BenchmarkIGMP(b *testing.B) {
	d := packet.NewDecoder(mustTable(b), &nopSink{})
	l := Install(d)
	p := &packet.Packet{}
	data := igmpMsg(0, 0x16, 0, 0, 0, 224, 0, 0, 251)
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = l.IGMP.Analyze(p, data)
	}
}

// FuzzIGMP runs arbitrary messages through the layer: it must not panic,
// and it always hands the whole message on.
func FuzzIGMP(f *testing.F) {
	f.Add(igmpMsg(0, 0x16, 0, 0, 0, 224, 0, 0, 251))
	f.Add(igmpMsg(0, 0x11, 100, 0, 0, 0, 0, 0, 0, 2, 125, 0, 1, 10, 0, 0, 1))
	f.Add(igmpMsg(3, 0x22, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 1, 239, 1, 1, 1, 10, 0, 0, 2, 1, 2))
	d := packet.NewDecoder(mustTable(f), &nopSink{})
	l := Install(d)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &packet.Packet{}
		key, rest, err := l.IGMP.Analyze(p, data)
		if err != nil || key != packet.Default || len(rest) != len(data) {
			t.Fatalf("Analyze = %v, %d of %d bytes, %v", key, len(rest), len(data), err)
		}
		if n, ok := igmpLength(data); ok && (n > len(data) || n%2 != 0) {
			t.Fatalf("length %d of %d bytes", n, len(data))
		}
	})
}
