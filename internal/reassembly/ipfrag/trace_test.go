package ipfrag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// traceRun is what feeding a trace's fragments through a Reassembler gave.
type traceRun struct {
	weirds []string // "name src dst"
	wholes [][]byte // completed datagrams
}

// runTrace feeds the IP fragments of an Ethernet trace to a Reassembler the
// way Zeek's IP analyzer does (checksums ignored, as with -C).
func runTrace(t *testing.T, path string) traceRun {
	t.Helper()
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var run traceRun
	r := New(DefaultConfig())
	r.Weird = func(name string, k *Key) {
		run.weirds = append(run.weirds, fmt.Sprintf("%s %s %s", name, k.SrcAddr(), k.DstAddr()))
	}
	var f pktsrc.Frame
	for {
		if err := src.Next(&f); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		d := f.Data
		if len(d) < 14 {
			continue
		}
		et := binary.BigEndian.Uint16(d[12:])
		d = d[14:]
		if et == 0x8100 && len(d) >= 4 {
			et = binary.BigEndian.Uint16(d[2:])
			d = d[4:]
		}
		r.Expire(f.TS)
		var whole []byte
		var done bool
		switch et {
		case 0x0800:
			if len(d) < 20 {
				continue
			}
			total := int(binary.BigEndian.Uint16(d[2:]))
			off := binary.BigEndian.Uint16(d[6:])
			if off&0x3fff == 0 || total > len(d) {
				continue // not a fragment, or incompletely captured
			}
			whole, done = r.AddIPv4(f.TS, d[:total])
		case 0x86dd:
			fh, ok := LocateIPv6Frag(d)
			if !ok || len(d) < 40 {
				continue
			}
			total := 40 + int(binary.BigEndian.Uint16(d[4:]))
			if total > len(d) {
				continue
			}
			whole, done = r.AddIPv6(f.TS, d[:total], fh.Offset)
		}
		if done {
			run.wholes = append(run.wholes, slices.Clone(whole))
		}
	}
	return run
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestZeekTraces checks the weirds against Zeek's core/reassembly test
// (every flow_weird, in order) and the results against what Zeek's logs
// say about the reassembled packets.
func TestZeekTraces(t *testing.T) {
	traces := refdata.Traces(t)
	const f1 = " 164.1.123.163 164.1.123.61"
	cases := []struct {
		trace  string
		weirds []string
		check  func(t *testing.T, wholes [][]byte)
	}{
		{
			trace: "ipv4/fragmented-1.pcap",
			weirds: []string{"excessively_small_fragment" + f1, "fragment_size_inconsistency" + f1,
				"fragment_inconsistency" + f1, "fragment_inconsistency" + f1},
			check: func(t *testing.T, w [][]byte) {
				// weird.log: UDP_datagram_length_mismatch "18 != 304": the
				// UDP header of the first fragment over 304 bytes.
				if len(w) != 1 || len(w[0]) != 20+304 || binary.BigEndian.Uint16(w[0][24:]) != 18 {
					t.Errorf("got %d datagrams %v", len(w), lens(w))
				}
			},
		},
		{
			trace:  "ipv4/fragmented-2.pcap",
			weirds: []string{"excessively_small_fragment" + f1, "excessively_small_fragment" + f1, "fragment_overlap" + f1},
			check:  wantCount(0),
		},
		{
			trace:  "ipv4/fragmented-3.pcap",
			weirds: repeat("fragment_with_DF 210.54.213.247 131.243.1.10", 5),
			check:  wantCount(0), // five MF fragments, no end
		},
		{
			trace: "ipv4/fragmented-4.pcap",
			weirds: []string{"excessively_small_fragment 128.32.46.142 10.0.0.1",
				"excessively_small_fragment 128.32.46.142 10.0.0.1", "fragment_inconsistency 128.32.46.142 10.0.0.1"},
			check: wantCount(1),
		},
		{
			// get_current_packet_header shows the reassembled SYN with len=60.
			trace:  "ipv4/fragmented-syn.pcap",
			weirds: []string{"excessively_small_fragment 192.168.1.100 10.0.0.5"},
			check: func(t *testing.T, w [][]byte) {
				if len(w) != 1 || len(w[0]) != 60 || binary.BigEndian.Uint16(w[0][2:]) != 60 || w[0][9] != 6 {
					t.Errorf("got %v", lens(w))
				}
			},
		},
		{
			// conn.log: the second query's answer, 3230 bytes of DNS; the
			// first answer lost its leading fragments.
			trace: "ipv6-fragmented-dns.pcap",
			check: func(t *testing.T, w [][]byte) {
				if len(w) != 1 || len(w[0]) != 40+8+3230 || w[0][6] != 17 ||
					binary.BigEndian.Uint16(w[0][44:]) != 8+3230 {
					t.Errorf("got %v", lens(w))
				}
			},
		},
		{
			trace: "ipv6-http-atomic-frag.pcap",
			check: func(t *testing.T, w [][]byte) {
				if len(w) == 0 {
					t.Fatal("no atomic fragment completed")
				}
				for _, p := range w {
					if p[6] != 6 || int(binary.BigEndian.Uint16(p[4:]))+40 != len(p) {
						t.Errorf("atomic fragment result: next %d plen %d len %d", p[6], binary.BigEndian.Uint16(p[4:]), len(p))
					}
				}
			},
		},
		{
			// Zeek then raises invalid_IP_header_size: 48 bytes of headers
			// with a payload length of 0.
			trace:  "ipv6-reassembly-state-leak.pcap",
			weirds: repeat("excessively_large_fragment 2001:db8::1 2001:db8::2", 4),
			check: func(t *testing.T, w [][]byte) {
				if len(w) != 2 {
					t.Fatalf("got %v", lens(w))
				}
				for _, p := range w {
					if len(p) != 48+65528 || binary.BigEndian.Uint16(p[4:]) != 0 {
						t.Errorf("len %d plen %d", len(p), binary.BigEndian.Uint16(p[4:]))
					}
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.trace, func(t *testing.T) {
			run := runTrace(t, filepath.Join(traces, tc.trace))
			if !slices.Equal(run.weirds, tc.weirds) {
				t.Errorf("weirds:\n%q\nwant\n%q", run.weirds, tc.weirds)
			}
			if tc.check != nil {
				tc.check(t, run.wholes)
			}
		})
	}
}

func wantCount(n int) func(t *testing.T, w [][]byte) {
	return func(t *testing.T, w [][]byte) {
		if len(w) != n {
			t.Errorf("%d datagrams %v, want %d", len(w), lens(w), n)
		}
	}
}

func lens(w [][]byte) []int {
	var l []int
	for _, p := range w {
		l = append(l, len(p))
	}
	return l
}
