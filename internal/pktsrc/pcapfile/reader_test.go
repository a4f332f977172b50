package pcapfile

import (
	"bytes"
	"encoding/binary"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// expectTS returns the time a reader should report for ts written at the
// resolution res (with offset off seconds): ts truncated to the unit, then
// converted back to nanoseconds and truncated. It uses big integers so as
// to be independent of the code under test.
func expectTS(ts zeek.Time, res TSResol, off int64) zeek.Time {
	if res == 0 {
		res = ResolMicro
	}
	var unitsPerSec big.Int
	if res&0x80 != 0 {
		unitsPerSec.Lsh(big.NewInt(1), uint(res&0x7f))
	} else {
		unitsPerSec.Exp(big.NewInt(10), big.NewInt(int64(res)), nil)
	}
	billion := big.NewInt(1e9)
	rel := big.NewInt(int64(ts) - off*1e9)
	t := new(big.Int).Mul(rel, &unitsPerSec)
	t.Quo(t, billion) // units, truncated
	back := new(big.Int).Mul(t, billion)
	back.Quo(back, &unitsPerSec)
	return zeek.Time(back.Int64() + off*1e9)
}

// ngSpec describes a pcapng file to build: sections of interfaces and the
// packets written to them.
type ngSection struct {
	bigEndian bool
	ifaces    []Interface
	packets   []testPacket // ifIndex is the section's interface number
	custom    bool         // also write an unknown block and a name resolution block
}

func buildNg(t testing.TB, secs []ngSection) ([]byte, []frame) {
	t.Helper()
	var buf bytes.Buffer
	var w *NgWriter
	var want []frame
	base := uint32(0)
	for i, s := range secs {
		var err error
		if i == 0 {
			w, err = NewNgWriter(&buf, NgWriterOptions{BigEndian: s.bigEndian})
		} else {
			err = w.NewSection(s.bigEndian)
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.custom {
			// An unknown block before the interfaces, a custom block and a
			// name resolution block between them.
			if err := w.WriteBlock(0x40000bad, []byte("ignore me")); err != nil {
				t.Fatal(err)
			}
		}
		for j, ifc := range s.ifaces {
			idx, err := w.AddInterfaceWith(ifc)
			if err != nil {
				t.Fatal(err)
			}
			if idx != uint32(j) {
				t.Fatalf("AddInterface returned %d, want %d", idx, j)
			}
			if s.custom && j == 0 {
				if err := w.WriteBlock(0x00000BAD, []byte{1, 2, 3, 4, 5}); err != nil {
					t.Fatal(err)
				}
				if err := w.WriteBlock(4, make([]byte, 4)); err != nil { // NRB, nrb_record_end
					t.Fatal(err)
				}
			}
		}
		for _, p := range s.packets {
			if err := w.WritePacket(p.ifIndex, p.ts, p.data, p.wireLen); err != nil {
				t.Fatal(err)
			}
			ifc := s.ifaces[p.ifIndex]
			want = append(want, frame{
				TS:       expectTS(p.ts, ifc.TSResol, ifc.TSOffset),
				CapLen:   uint32(len(p.data)),
				WireLen:  p.wire(),
				LinkType: ifc.LinkType,
				IfIndex:  base + p.ifIndex,
				Data:     p.data,
			})
			if s.custom {
				// Interface statistics block: skipped.
				if err := w.WriteBlock(5, make([]byte, 12)); err != nil {
					t.Fatal(err)
				}
			}
		}
		base += uint32(len(s.ifaces))
	}
	return buf.Bytes(), want
}

// threeIfaces has three interfaces of different link types and timestamp
// resolutions.
var threeIfaces = []Interface{
	{LinkType: 1, Name: "eth0"},                                   // Ethernet, µs by default
	{LinkType: 101, TSResol: ResolNano, Snaplen: 65535},           // raw IP, ns
	{LinkType: 276, TSResol: ResolPow2(20), TSOffset: 1000000000}, // SLL2, 2^-20 s, offset
}

func spread(ps []testPacket, n uint32) []testPacket {
	out := make([]testPacket, len(ps))
	for i, p := range ps {
		p.ifIndex = uint32(i) % n
		out[i] = p
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	type tc struct {
		name     string
		file     []byte
		want     []frame
		linkType uint32
		snaplen  uint32
	}
	var cases []tc

	for _, be := range []bool{false, true} {
		for _, nano := range []bool{false, true} {
			ps := samplePackets(!nano)
			file := buildPcap(t, 1, WriterOptions{BigEndian: be, Nanosecond: nano}, ps)
			var want []frame
			for _, p := range ps {
				want = append(want, frame{p.ts, uint32(len(p.data)), p.wire(), 1, 0, p.data})
			}
			name := "pcap/"
			name += map[bool]string{false: "le", true: "be"}[be]
			name += map[bool]string{false: "/us", true: "/ns"}[nano]
			cases = append(cases, tc{name, file, want, 1, DefaultSnaplen})
		}
	}
	// Microsecond files drop the nanoseconds of exact timestamps.
	{
		ps := samplePackets(false)
		file := buildPcap(t, 113, WriterOptions{Snaplen: 70000}, ps)
		var want []frame
		for _, p := range ps {
			want = append(want, frame{p.ts / 1000 * 1000, uint32(len(p.data)), p.wire(), 113, 0, p.data})
		}
		cases = append(cases, tc{"pcap/us-truncates-ns", file, want, 113, 70000})
	}
	for _, be := range []bool{false, true} {
		name := map[bool]string{false: "pcapng/le/3-ifaces", true: "pcapng/be/3-ifaces"}[be]
		file, want := buildNg(t, []ngSection{{bigEndian: be, ifaces: threeIfaces, packets: spread(samplePackets(false), 3)}})
		cases = append(cases, tc{name, file, want, 1, DefaultSnaplen})
	}
	{
		file, want := buildNg(t, []ngSection{
			{bigEndian: false, ifaces: threeIfaces[:2], packets: spread(samplePackets(false), 2), custom: true},
			{bigEndian: true, ifaces: threeIfaces, packets: spread(samplePackets(false)[2:], 3), custom: true},
			{bigEndian: false, ifaces: []Interface{{LinkType: 239, TSResol: 3}}}, // no packets
			{bigEndian: false, ifaces: []Interface{{LinkType: 105, TSResol: ResolPow2(0)}, {LinkType: 1, TSResol: 12, TSOffset: 1332784786}},
				packets: []testPacket{
					{ifIndex: 0, ts: 1_332_784_786_999_999_999, data: payload(1, 10)},
					{ifIndex: 1, ts: 1_332_784_786_123_456_789, data: payload(2, 11)},
				}},
		})
		cases = append(cases, tc{"pcapng/4-sections-mixed-order", file, want, 1, DefaultSnaplen})
	}
	for _, c := range cases[:len(cases):len(cases)] {
		cases = append(cases, tc{c.name + "/gzip", gzipBytes(t, c.file), c.want, c.linkType, c.snaplen})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, got, err := readBytes(t, c.file)
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != c.linkType {
				t.Errorf("LinkType() = %d, want %d", r.LinkType(), c.linkType)
			}
			if r.Snaplen() != c.snaplen {
				t.Errorf("Snaplen() = %d, want %d", r.Snaplen(), c.snaplen)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d frames, want %d", len(got), len(c.want))
			}
			for i := range got {
				g, w := got[i], c.want[i]
				if g.TS != w.TS || g.CapLen != w.CapLen || g.WireLen != w.WireLen || g.LinkType != w.LinkType || g.IfIndex != w.IfIndex {
					t.Errorf("frame %d: got ts=%d cap=%d wire=%d lt=%d if=%d, want ts=%d cap=%d wire=%d lt=%d if=%d", i,
						g.TS, g.CapLen, g.WireLen, g.LinkType, g.IfIndex, w.TS, w.CapLen, w.WireLen, w.LinkType, w.IfIndex)
				}
				if !bytes.Equal(g.Data, w.Data) {
					t.Errorf("frame %d: data differs", i)
				}
			}
			done, total := r.Position()
			if done != total || total != int64(len(c.file)) {
				t.Errorf("Position() = %d, %d at the end; want %d, %d", done, total, len(c.file), len(c.file))
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			var f pktsrc.Frame
			if err := r.Next(&f); err == nil {
				t.Error("Next after Close succeeded")
			}
		})
	}
}

// TestTimestamps checks timestamp conversion on values chosen to expose
// rounding: the last nanosecond of a second, fractions that are not exact
// in binary, resolutions finer than a nanosecond and offsets.
func TestTimestamps(t *testing.T) {
	tests := []struct {
		name  string
		units uint64 // the raw timestamp in the file
		resol uint8
		off   int64
		want  zeek.Time
	}{
		{"us", 1_332_784_786_723_256, 6, 0, 1_332_784_786_723_256_000},
		{"us-last", 1_332_784_786_999_999, 6, 0, 1_332_784_786_999_999_000},
		{"ns", 1_332_784_786_999_999_999, 9, 0, 1_332_784_786_999_999_999},
		{"ms", 1_332_784_786_001, 3, 0, 1_332_784_786_001_000_000},
		{"s", 1_332_784_786, 0, 0, 1_332_784_786_000_000_000},
		{"10^-10", 13_327_847_869_999_999_999, 10, 0, 1_332_784_786_999_999_999},
		{"10^-19", 5_000_000_000_000_000_001, 19, 1_332_784_786, 1_332_784_786_500_000_000},
		{"2^-1", 2*1000 + 1, 0x81, 0, 1000_500_000_000},
		{"2^-20", 1<<20*1000 + 1, 0x94, 0, 1000_000_000_953},         // 1e9/2^20 = 953.67 ns
		{"2^-30", 1<<30*1000 + 1<<30 - 1, 0x9e, 0, 1000_999_999_999}, // 1 - 2^-30 s = 999999999.07 ns
		{"2^-63", 1<<63 - 1, 0xbf, 1_332_784_786, 1_332_784_786_999_999_999},
		{"2^0", 1_332_784_786, 0x80, 0, 1_332_784_786_000_000_000},
		{"offset", 723_256, 6, 1_332_784_786, 1_332_784_786_723_256_000},
		{"negative-offset", 2_000_000, 6, -1, 1_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Build the IDB and EPB by hand so the raw units are exact.
			var buf bytes.Buffer
			w, err := NewNgWriter(&buf, NgWriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			le := binary.LittleEndian
			idb := le.AppendUint16(nil, 1)
			idb = le.AppendUint16(idb, 0)
			idb = le.AppendUint32(idb, 0)
			idb = le.AppendUint16(idb, optTSResol)
			idb = le.AppendUint16(idb, 1)
			idb = append(idb, tt.resol, 0, 0, 0)
			if tt.off != 0 {
				idb = le.AppendUint16(idb, optTSOffset)
				idb = le.AppendUint16(idb, 8)
				idb = le.AppendUint64(idb, uint64(tt.off))
			}
			if err := w.WriteBlock(blockIDB, idb); err != nil {
				t.Fatal(err)
			}
			epb := le.AppendUint32(nil, 0)
			epb = le.AppendUint32(epb, uint32(tt.units>>32))
			epb = le.AppendUint32(epb, uint32(tt.units))
			epb = le.AppendUint32(epb, 4)
			epb = le.AppendUint32(epb, 4)
			epb = append(epb, 1, 2, 3, 4)
			if err := w.WriteBlock(blockEPB, epb); err != nil {
				t.Fatal(err)
			}
			_, got, err := readBytes(t, buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].TS != tt.want {
				t.Fatalf("got %+v, want one frame at %d", got, tt.want)
			}
		})
	}
}

// TestPcapVariants covers classic pcap headers the writer does not produce:
// old versions with exchanged lengths, Kuznetzov's format, FCS bits in the
// link type and records longer than the snapshot length.
func TestPcapVariants(t *testing.T) {
	header := func(magic uint32, major, minor uint16, snaplen, linkType uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, magic)
		b = binary.LittleEndian.AppendUint16(b, major)
		b = binary.LittleEndian.AppendUint16(b, minor)
		b = append(b, make([]byte, 8)...)
		b = binary.LittleEndian.AppendUint32(b, snaplen)
		return binary.LittleEndian.AppendUint32(b, linkType)
	}
	record := func(sec, frac, caplen, wirelen uint32, extra int, data []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, sec)
		b = binary.LittleEndian.AppendUint32(b, frac)
		b = binary.LittleEndian.AppendUint32(b, caplen)
		b = binary.LittleEndian.AppendUint32(b, wirelen)
		b = append(b, make([]byte, extra)...)
		return append(b, data...)
	}
	data := payload(3, 20)
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	tests := []struct {
		name     string
		file     []byte
		linkType uint32
		want     []frame
	}{
		{"v2.2-swapped-lengths", cat(header(magicMicro, 2, 2, 0, 1), record(5, 6, 100, 20, 0, data)), 1,
			[]frame{{5_000_006_000, 20, 100, 1, 0, data}}},
		{"v2.3-swapped", cat(header(magicMicro, 2, 3, 0, 1), record(5, 6, 100, 20, 0, data)), 1,
			[]frame{{5_000_006_000, 20, 100, 1, 0, data}}},
		{"v2.3-not-swapped", cat(header(magicMicro, 2, 3, 0, 1), record(5, 6, 20, 100, 0, data)), 1,
			[]frame{{5_000_006_000, 20, 100, 1, 0, data}}},
		{"dgux-543", cat(header(magicMicro, 543, 0, 0, 1), record(5, 6, 100, 20, 0, data)), 1,
			[]frame{{5_000_006_000, 20, 100, 1, 0, data}}},
		{"kuznetzov", cat(header(magicKuznetzov, 2, 4, 0, 1), record(5, 6, 20, 20, 8, data), record(7, 8, 20, 20, 8, data)), 1,
			[]frame{{5_000_006_000, 20, 20, 1, 0, data}, {7_000_008_000, 20, 20, 1, 0, data}}},
		{"fcs-bits-masked", cat(header(magicMicro, 2, 4, 0, 0x04000000|0x40000000|105), record(5, 6, 20, 20, 0, data)), 105,
			[]frame{{5_000_006_000, 20, 20, 105, 0, data}}},
		{"caplen-over-snaplen-cut", cat(header(magicMicro, 2, 4, 10, 1), record(5, 6, 20, 20, 0, data), record(6, 0, 4, 4, 0, data[:4])), 1,
			[]frame{{5_000_006_000, 10, 20, 1, 0, data[:10]}, {6_000_000_000, 4, 4, 1, 0, data[:4]}}},
		{"usec-overflow-kept", cat(header(magicMicro, 2, 4, 0, 1), record(5, 2_000_000, 20, 20, 0, data)), 1,
			[]frame{{7_000_000_000, 20, 20, 1, 0, data}}},
		{"seconds-unsigned", cat(header(magicNano, 2, 4, 0, 1), record(0xffffffff, 1, 20, 20, 0, data)), 1,
			[]frame{{0xffffffff*1e9 + 1, 20, 20, 1, 0, data}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, got, err := readBytes(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != tt.linkType {
				t.Errorf("LinkType() = %d, want %d", r.LinkType(), tt.linkType)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d frames, want %d", len(got), len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.TS != w.TS || g.CapLen != w.CapLen || g.WireLen != w.WireLen || g.LinkType != w.LinkType || !bytes.Equal(g.Data, w.Data) {
					t.Errorf("frame %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// TestNFLOGByteOrder checks that NFLOG TLV headers of a file written in the
// other byte order reach the caller in host order, as libpcap delivers them.
func TestNFLOGByteOrder(t *testing.T) {
	// NFLOG header (AF_INET, version 0, resource id 0 big-endian), then a
	// TLV of length 8 type 1 and a TLV of length 6 type 9 (padded to 8).
	build := func(order binary.AppendByteOrder) []byte {
		b := []byte{2, 0, 0, 0}
		b = order.AppendUint16(b, 8) // length
		b = order.AppendUint16(b, 1) // type
		b = append(b, 0xaa, 0xbb, 0xcc, 0xdd)
		b = order.AppendUint16(b, 6)
		b = order.AppendUint16(b, 9)
		return append(b, 0x45, 0x00, 0, 0)
	}
	pkt := build(binary.NativeEndian)
	var other []byte
	if hostBigEndian {
		other = build(binary.LittleEndian)
	} else {
		other = build(binary.BigEndian)
	}
	for _, be := range []bool{false, true} {
		stored := pkt
		if be != hostBigEndian {
			stored = other
		}
		file := buildPcap(t, linkTypeNFLOG, WriterOptions{BigEndian: be}, []testPacket{{ts: 1e9, data: stored}})
		_, got, err := readBytes(t, file)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !bytes.Equal(got[0].Data, pkt) {
			t.Errorf("big-endian=%v: got %x, want %x", be, got, pkt)
		}
		ng, _ := buildNg(t, []ngSection{{bigEndian: be, ifaces: []Interface{{LinkType: linkTypeNFLOG}},
			packets: []testPacket{{ts: 1e9, data: stored}}}})
		_, got, err = readBytes(t, ng)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !bytes.Equal(got[0].Data, pkt) {
			t.Errorf("pcapng big-endian=%v: got %x, want %x", be, got, pkt)
		}
	}
}

// TestPcapNGBlocks covers the Simple Packet Block, the obsolete Packet
// Block, and sections and interfaces with no packets.
func TestPcapNGBlocks(t *testing.T) {
	le := binary.LittleEndian
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterfaceWith(Interface{LinkType: 1, Snaplen: 8, TSOffset: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface(101, ResolNano); err != nil {
		t.Fatal(err)
	}
	data := payload(9, 20)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteSimplePacket(data[:8], 20)) // cut to the snaplen by the writer's caller
	must(w.WriteSimplePacket(data[:5], 0))  // shorter than the snaplen
	// Obsolete Packet Block on interface 1: timestamp 3 s + 7 ns.
	pb := le.AppendUint16(nil, 1)
	pb = le.AppendUint16(pb, 0)
	pb = le.AppendUint32(pb, 0)
	pb = le.AppendUint32(pb, 3_000_000_007)
	pb = le.AppendUint32(pb, 6)
	pb = le.AppendUint32(pb, 60)
	pb = append(pb, data[:6]...)
	must(w.WriteBlock(blockPB, pb))

	want := []frame{
		{100e9, 8, 20, 1, 0, data[:8]},
		{100e9, 5, 5, 1, 0, data[:5]},
		{3_000_000_007, 6, 60, 101, 1, data[:6]},
	}
	_, got, err := readBytes(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.TS != w.TS || g.CapLen != w.CapLen || g.WireLen != w.WireLen || g.LinkType != w.LinkType || g.IfIndex != w.IfIndex || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("frame %d: got %+v, want %+v", i, g, w)
		}
	}

	// A file of one section and no interface is an empty trace.
	buf.Reset()
	if _, err := NewNgWriter(&buf, NgWriterOptions{BigEndian: true}); err != nil {
		t.Fatal(err)
	}
	r, got, err := readBytes(t, buf.Bytes())
	if err != nil || len(got) != 0 || r.LinkType() != 0 {
		t.Fatalf("empty pcapng: %d frames, link type %d, error %v", len(got), r.LinkType(), err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	ps := samplePackets(true)
	pcap := buildPcap(t, 1, WriterOptions{}, ps)
	files := map[string][]byte{
		"a.pcap":     pcap,
		"b.anything": gzipBytes(t, pcap), // detection ignores the name
		"c.pcap":     []byte("hello, this is text\n"),
		"d.pcap":     nil,
		"e.pcap":     {0xa1},
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"a.pcap", "b.anything"} {
		r, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, r)
		if err != nil || len(got) != len(ps) {
			t.Errorf("%s: %d frames, error %v; want %d", name, len(got), err, len(ps))
		}
		if done, total := r.Position(); done != total || total != int64(len(files[name])) {
			t.Errorf("%s: Position() = %d, %d; want %d at the end", name, done, total, len(files[name]))
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}

	// "-" reads standard input.
	stdin, err := os.Open(filepath.Join(dir, "b.anything"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	saved := os.Stdin
	os.Stdin = stdin
	r, err := Open("-")
	os.Stdin = saved
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, r); err != nil || len(got) != len(ps) {
		t.Errorf("stdin: %d frames, error %v; want %d", len(got), err, len(ps))
	}
	r.Close()
	if _, err := stdin.Stat(); err != nil {
		t.Errorf("Close closed standard input: %v", err)
	}

	errTests := []struct {
		path string
		want string
	}{
		{"c.pcap", "pcapfile: " + filepath.Join(dir, "c.pcap") + ": not a pcap or pcapng file (magic 0x68656c6c)"},
		{"d.pcap", "pcapfile: " + filepath.Join(dir, "d.pcap") + ": not a pcap or pcapng file (empty)"},
		{"e.pcap", "pcapfile: " + filepath.Join(dir, "e.pcap") + ": not a pcap or pcapng file (only 1 bytes)"},
		{"missing.pcap", "pcapfile: open " + filepath.Join(dir, "missing.pcap") + ": no such file or directory"},
		{".", "pcapfile: " + dir + ": is a directory, not a trace file"},
	}
	for _, tt := range errTests {
		_, err := Open(filepath.Join(dir, tt.path))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Open(%s) error %q, want %q", tt.path, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s) error spans lines: %q", tt.path, err)
		}
	}
}
