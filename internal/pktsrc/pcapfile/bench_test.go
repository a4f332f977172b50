package pcapfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// benchPackets returns n packets with a size mix typical of a link: many
// small (ACKs, DNS), some full-size, some in between.
func benchPackets(n int) []testPacket {
	sizes := []int{60, 66, 1514, 74, 590, 1514, 66, 342, 1514, 60, 1200, 66}
	ps := make([]testPacket, n)
	for i := range ps {
		ps[i] = testPacket{
			ifIndex: uint32(i % 2),
			ts:      zeek.Time(1_332_784_786_000_000_000 + int64(i)*12_345),
			data:    payload(i%7, sizes[i%len(sizes)]),
		}
	}
	return ps
}

func benchFiles(tb testing.TB, n int) map[string][]byte {
	ps := benchPackets(n)
	ng, _ := buildNg(tb, []ngSection{{ifaces: []Interface{{LinkType: 1}, {LinkType: 1, TSResol: ResolNano}}, packets: ps}})
	return map[string][]byte{
		"pcap":   buildPcap(tb, 1, WriterOptions{}, ps),
		"pcapng": ng,
	}
}

// TestNextAllocs checks that Next allocates nothing per packet once the
// reader is open, for both formats and both byte orders.
func TestNextAllocs(t *testing.T) {
	files := benchFiles(t, 2000)
	ngBE, _ := buildNg(t, []ngSection{{bigEndian: true, ifaces: threeIfaces, packets: spread(benchPackets(2000), 3)}})
	files["pcapng-be-3-ifaces"] = ngBE
	files["pcap-be-ns"] = buildPcap(t, 1, WriterOptions{BigEndian: true, Nanosecond: true}, benchPackets(2000))
	for name, file := range files {
		// Size 1: start with the smallest buffer, so that it has to grow
		// (allowed while warming up) and records straddle refills.
		r, err := NewReader(bytes.NewReader(file), 1)
		if err != nil {
			t.Fatal(err)
		}
		var f pktsrc.Frame
		for range 10 { // grow the buffer to its working size
			if err := r.Next(&f); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if err := r.Next(&f); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per packet, want 0", name, allocs)
		}
	}
}

// BenchmarkNext measures reading packets from memory and from a file; the
// bytes per second are of the trace (payload and record headers).
func BenchmarkNext(b *testing.B) {
	const n = 50000
	files := benchFiles(b, n)
	files["pcap-gzip"] = gzipBytes(b, files["pcap"])
	for _, name := range []string{"pcap", "pcapng", "pcap-gzip"} {
		file := files[name]
		open := func() *Reader {
			r, err := NewReader(bytes.NewReader(file), int64(len(file)))
			if err != nil {
				b.Fatal(err)
			}
			return r
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			plain := file
			if name == "pcap-gzip" {
				plain = files["pcap"]
			}
			b.SetBytes(int64(len(plain) / n))
			benchLoop(b, open)
		})
	}
	// From a file on disk, through Open.
	path := filepath.Join(b.TempDir(), "bench.pcap")
	if err := os.WriteFile(path, files["pcap"], 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("pcap-file", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(files["pcap"]) / n))
		benchLoop(b, func() *Reader {
			r, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			return r
		})
	})
}

// benchLoop calls Next b.N times, reopening the trace (outside the timer)
// whenever it ends.
func benchLoop(b *testing.B, open func() *Reader) {
	r := open()
	var f pktsrc.Frame
	var sum int
	b.ResetTimer()
	for range b.N {
		err := r.Next(&f)
		if err == io.EOF {
			b.StopTimer()
			r.Close()
			r = open()
			b.StartTimer()
			err = r.Next(&f)
		}
		if err != nil {
			b.Fatal(err)
		}
		sum += int(f.CapLen)
	}
	b.StopTimer()
	r.Close()
	if sum == 0 {
		b.Fatal("no data read")
	}
}
