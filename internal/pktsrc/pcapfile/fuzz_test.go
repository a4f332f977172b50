package pcapfile

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus under testdata/fuzz")

// FuzzReader reads arbitrary bytes as a trace file. It must never panic,
// every frame must be consistent, and the buffer must stay proportional
// to the input.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		defer r.Close()
		var fr pktsrc.Frame
		for n := 0; ; n++ {
			if err := r.Next(&fr); err != nil {
				break
			}
			if int(fr.CapLen) != len(fr.Data) {
				t.Fatalf("frame %d: CapLen %d, len(Data) %d", n, fr.CapLen, len(fr.Data))
			}
			if r.format == formatPcapNG && int(fr.IfIndex) >= len(r.ifaces) {
				t.Fatalf("frame %d: interface %d of %d", n, fr.IfIndex, len(r.ifaces))
			}
			// Every frame consumes at least 12 bytes of the input
			// (decompressed), and gzip inflates at most ~1032 times.
			if n > len(data)*1100/12+1 {
				t.Fatalf("%d frames from %d bytes", n, len(data))
			}
		}
		// Memory: never more than twice the data read, beyond the
		// initial buffer.
		if limit := max(int64(defaultBufSize), 2*(r.base+int64(r.w))); int64(len(r.buf)) > limit {
			t.Fatalf("buffer of %d bytes after reading %d", len(r.buf), r.base+int64(r.w))
		}
	})
}

type seed struct {
	name string
	data []byte
}

// fuzzSeeds returns small valid and invalid traces made by the writers.
func fuzzSeeds(tb testing.TB) []seed {
	le := binary.LittleEndian
	ps := smallPackets()
	pcap := buildPcap(tb, 1, WriterOptions{}, ps)
	ng, _ := buildNg(tb, []ngSection{
		{ifaces: threeIfaces, packets: spread(ps, 3), custom: true},
		{bigEndian: true, ifaces: []Interface{{LinkType: linkTypeNFLOG, TSResol: 3}}, packets: ps[:1]},
	})
	var spb bytes.Buffer
	w, err := NewNgWriter(&spb, NgWriterOptions{BigEndian: true})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.AddInterfaceWith(Interface{LinkType: 101, Snaplen: 4, TSOffset: -5}); err != nil {
		tb.Fatal(err)
	}
	if err := w.WriteSimplePacket(payload(1, 4), 9); err != nil {
		tb.Fatal(err)
	}
	pb := le.AppendUint32(nil, 0)
	pb = le.AppendUint32(pb, 0)
	pb = le.AppendUint32(pb, 7)
	pb = le.AppendUint32(pb, 2)
	pb = le.AppendUint32(pb, 2)
	pb = append(pb, 1, 2)
	if err := w.WriteBlock(blockPB, pb); err != nil { // little-endian body in a big-endian section: corrupt
		tb.Fatal(err)
	}

	kuz := bytes.Clone(pcap[:24])
	le.PutUint32(kuz, magicKuznetzov)
	kuz = append(kuz, pcap[24:40]...)
	kuz = append(kuz, make([]byte, 8)...)
	kuz = append(kuz, pcap[40:45]...)

	hugeCap := bytes.Clone(pcap[:40])
	le.PutUint32(hugeCap[32:], 0x7fffffff)

	badTrailer := bytes.Clone(ng)
	badTrailer[len(badTrailer)-1] ^= 0xff

	return []seed{
		{"pcap-le-us", pcap},
		{"pcap-be-ns", buildPcap(tb, 113, WriterOptions{BigEndian: true, Nanosecond: true}, ps)},
		{"pcap-nflog-be", buildPcap(tb, linkTypeNFLOG, WriterOptions{BigEndian: true}, []testPacket{{ts: 1, data: []byte{2, 0, 0, 0, 0, 8, 0, 1, 1, 2, 3, 4, 0, 5, 0, 9, 0x45}}})},
		{"pcap-kuznetzov", kuz},
		{"pcap-gzip", gzipBytes(tb, pcap)},
		{"pcap-truncated", pcap[:len(pcap)-3]},
		{"pcap-header-only", pcap[:24]},
		{"pcap-huge-caplen", hugeCap},
		{"pcapng-2-sections", ng},
		{"pcapng-spb-pb", spb.Bytes()},
		{"pcapng-gzip", gzipBytes(tb, ng)},
		{"pcapng-truncated", ng[:len(ng)-5]},
		{"pcapng-bad-trailer", badTrailer},
		{"gzip-truncated", gzipBytes(tb, pcap)[:30]},
		{"text", []byte("GET / HTTP/1.1\r\n\r\n")},
		{"empty", nil},
	}
}

// TestFuzzSeeds checks that the committed seed corpus matches the seeds
// the writers make; run with -update to rewrite it.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	for _, s := range fuzzSeeds(t) {
		path := filepath.Join(dir, s.name)
		content := fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", s.data)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestFuzzSeeds -update)", err)
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s is stale (run go test -run TestFuzzSeeds -update)", path)
		}
	}
}
