package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// smallPackets are a few short packets, so that cutting a file at every
// byte stays fast.
func smallPackets() []testPacket {
	return []testPacket{
		{ts: 1_332_784_786_000_001_000, data: payload(1, 5)},
		{ts: 1_332_784_786_000_002_000, data: payload(2, 0)},
		{ts: 1_332_784_787_000_003_000, data: payload(3, 13), wireLen: 1500},
	}
}

// layout walks a trace independently of the reader and returns the
// offsets at which a cut leaves a well-formed trace (the end of the file
// header and of every record or block) and the offsets at which each
// packet record ends.
func layout(t *testing.T, file []byte) (clean map[int]bool, packetEnds []int) {
	t.Helper()
	clean = map[int]bool{}
	if binary.LittleEndian.Uint32(file) == magicPcapNG {
		var order binary.ByteOrder = binary.LittleEndian
		for off := 0; off < len(file); {
			if binary.LittleEndian.Uint32(file[off:]) == magicPcapNG {
				order = binary.LittleEndian
				if file[off+8] == 0x1a {
					order = binary.BigEndian
				}
			}
			typ, n := order.Uint32(file[off:]), int(order.Uint32(file[off+4:]))
			off += n
			clean[off] = true
			if typ == blockEPB || typ == blockSPB || typ == blockPB {
				packetEnds = append(packetEnds, off)
			}
		}
		return clean, packetEnds
	}
	var order binary.ByteOrder = binary.LittleEndian
	if file[0] == 0xa1 {
		order = binary.BigEndian
	}
	clean[24] = true
	for off := 24; off < len(file); {
		off += 16 + int(order.Uint32(file[off+8:]))
		clean[off] = true
		packetEnds = append(packetEnds, off)
	}
	return clean, packetEnds
}

func TestTruncation(t *testing.T) {
	pcapLE := buildPcap(t, 1, WriterOptions{}, smallPackets())
	pcapBE := buildPcap(t, 1, WriterOptions{BigEndian: true, Nanosecond: true}, smallPackets())
	ng, _ := buildNg(t, []ngSection{
		{ifaces: threeIfaces[:2], packets: spread(smallPackets(), 2), custom: true},
		{bigEndian: true, ifaces: threeIfaces[2:], packets: smallPackets()[:1], custom: true},
	})
	tests := []struct {
		name string
		file []byte
	}{
		{"pcap-le", pcapLE},
		{"pcap-be-ns", pcapBE},
		{"pcapng", ng},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, all, err := readBytes(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			clean, ends := layout(t, tt.file)
			if len(ends) != len(all) {
				t.Fatalf("layout found %d packets, reader %d", len(ends), len(all))
			}
			for cut := 0; cut <= len(tt.file); cut++ {
				r, frames, err := readBytes(t, tt.file[:cut])
				switch {
				case cut < 4:
					if err == nil || !strings.Contains(err.Error(), "not a pcap or pcapng file") {
						t.Fatalf("cut %d: error %v, want not a pcap or pcapng file", cut, err)
					}
					continue
				case clean[cut]:
					if err != nil {
						t.Fatalf("cut %d at a record boundary: error %v", cut, err)
					}
				default:
					if !errors.Is(err, pktsrc.ErrTruncated) {
						t.Fatalf("cut %d: error %v, want ErrTruncated", cut, err)
					}
					if !strings.Contains(err.Error(), "offset") {
						t.Errorf("cut %d: error %q does not say where", cut, err)
					}
				}
				// The complete frames before the cut are returned (none
				// when the cut is before the reader could open the file).
				want := 0
				for want < len(ends) && ends[want] <= cut {
					want++
				}
				if r == nil {
					if want != 0 {
						t.Fatalf("cut %d: open failed (%v) with %d complete frames", cut, err, want)
					}
					continue
				}
				if len(frames) != want {
					t.Fatalf("cut %d: %d frames, want %d", cut, len(frames), want)
				}
				for i := range frames {
					if frames[i].TS != all[i].TS || !bytes.Equal(frames[i].Data, all[i].Data) {
						t.Fatalf("cut %d: frame %d differs", cut, i)
					}
				}
			}
		})
	}
}

// TestTruncatedGzip cuts a gzip-compressed trace at every byte: each cut
// yields a prefix of the frames and then a truncation error.
func TestTruncatedGzip(t *testing.T) {
	for _, name := range []string{"pcap", "pcapng"} {
		var plain []byte
		if name == "pcap" {
			plain = buildPcap(t, 1, WriterOptions{}, smallPackets())
		} else {
			plain, _ = buildNg(t, []ngSection{{ifaces: threeIfaces, packets: spread(smallPackets(), 3)}})
		}
		_, all, err := readBytes(t, plain)
		if err != nil {
			t.Fatal(err)
		}
		gz := gzipBytes(t, plain)
		for cut := 2; cut < len(gz); cut++ {
			_, frames, err := readBytes(t, gz[:cut])
			if !errors.Is(err, pktsrc.ErrTruncated) {
				t.Fatalf("%s: gzip cut at %d of %d: error %v, want ErrTruncated", name, cut, len(gz), err)
			}
			if len(frames) > len(all) {
				t.Fatalf("%s: cut %d: %d frames", name, cut, len(frames))
			}
			for i := range frames {
				if frames[i].TS != all[i].TS || !bytes.Equal(frames[i].Data, all[i].Data) {
					t.Fatalf("%s: cut %d: frame %d differs", name, cut, i)
				}
			}
		}
	}
}

// TestSmallReads feeds traces through readers that return little data per
// call and through a tiny initial buffer, so that records straddle buffer
// refills and the buffer has to grow.
func TestSmallReads(t *testing.T) {
	var ps []testPacket
	for i := range 200 {
		n := (i * 977) % 3000
		if i%50 == 7 {
			n = 60000 + i // much bigger than the initial buffer
		}
		ps = append(ps, testPacket{ts: zeek.Time(1e18 + i*1_000_001), data: payload(i, n)})
	}
	pcap := buildPcap(t, 1, WriterOptions{}, ps)
	ng, _ := buildNg(t, []ngSection{{ifaces: threeIfaces, packets: spread(ps, 3)}})
	for _, file := range [][]byte{pcap, ng, gzipBytes(t, pcap), gzipBytes(t, ng)} {
		_, want, err := readBytes(t, file)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != len(ps) {
			t.Fatalf("%d frames, want %d", len(want), len(ps))
		}
		wraps := map[string]func(io.Reader) io.Reader{
			"one-byte": iotest.OneByteReader,
			"half":     iotest.HalfReader,
			"data-err": iotest.DataErrReader,
		}
		for name, wrap := range wraps {
			// Size 1 makes the reader start with its smallest buffer.
			r, err := NewReader(wrap(bytes.NewReader(file)), 1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, r)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d frames, want %d", name, len(got), len(want))
			}
			for i := range got {
				if got[i].TS != want[i].TS || !bytes.Equal(got[i].Data, want[i].Data) {
					t.Fatalf("%s: frame %d differs", name, i)
				}
			}
		}
	}
}

// TestReadError checks that a failing input yields its error, wrapped, after
// the frames read before it.
func TestReadError(t *testing.T) {
	file := buildPcap(t, 1, WriterOptions{}, smallPackets())
	boom := errors.New("disk on fire")
	r, err := NewReader(io.MultiReader(bytes.NewReader(file[:60]), iotest.ErrReader(boom)), 0)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := readAll(t, r)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "pcapfile: ") {
		t.Fatalf("error %v, want a wrapped %v", err, boom)
	}
	if len(frames) != 1 {
		t.Fatalf("%d frames before the error, want 1", len(frames))
	}
	var f pktsrc.Frame
	if err2 := r.Next(&f); err2 != err {
		t.Errorf("the error is not sticky: %v then %v", err, err2)
	}
}
