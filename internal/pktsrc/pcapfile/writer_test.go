package pcapfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// TestWriterAgainstLibpcap has libpcap (through tcpdump) read the files the
// writers produce, so the writers are checked by an independent reader.
func TestWriterAgainstLibpcap(t *testing.T) {
	path := findTcpdump()
	if path == "" {
		t.Skip("tcpdump is not installed")
	}
	ps := samplePackets(false)
	type tc struct {
		name string
		file []byte
		want []frame
	}
	var cases []tc
	for _, opts := range []WriterOptions{{}, {BigEndian: true}, {Nanosecond: true}, {BigEndian: true, Nanosecond: true}} {
		var want []frame
		for _, p := range ps {
			ts := p.ts
			if !opts.Nanosecond {
				ts = ts / 1000 * 1000
			}
			want = append(want, frame{ts, uint32(len(p.data)), p.wire(), 1, 0, p.data})
		}
		cases = append(cases, tc{"pcap", buildPcap(t, 1, opts, ps), want})
	}
	// libpcap accepts pcapng interfaces only of one link type and snapshot
	// length, but any resolutions and offsets.
	ifaces := []Interface{
		{LinkType: 1},
		{LinkType: 1, TSResol: ResolNano},
		{LinkType: 1, TSResol: ResolPow2(20), TSOffset: 1000000000},
		{LinkType: 1, TSResol: 3, Name: "ms"},
	}
	for _, be := range []bool{false, true} {
		file, want := buildNg(t, []ngSection{{bigEndian: be, ifaces: ifaces, packets: spread(ps, 4), custom: true}})
		cases = append(cases, tc{"pcapng", file, want})
	}
	for _, c := range cases {
		got, lt, err := libpcapView(t, path, c.file)
		if err != "" {
			t.Fatalf("%s: tcpdump: %s", c.name, err)
		}
		if lt != 1 {
			t.Errorf("%s: libpcap link type %d", c.name, lt)
		}
		if diff := sameFrames(got, c.want); diff != "" {
			t.Errorf("%s: %s", c.name, diff)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 1, WriterOptions{Snaplen: 10})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := NewNgWriter(&buf, NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nw.AddInterfaceWith(Interface{LinkType: 1, TSResol: ResolMicro, TSOffset: 100, Snaplen: 10}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"pcap/negative-ts", w.WritePacket(-1, nil, 0), "timestamp -1 ns does not fit a pcap record"},
		{"pcap/ts-after-2106", w.WritePacket(zeek.Time(1<<32)*1e9, nil, 0), "does not fit a pcap record"},
		{"pcap/over-snaplen", w.WritePacket(0, make([]byte, 11), 0), "packet of 11 bytes exceeds the snapshot length 10"},
		{"ng/no-interface", nw.WritePacket(1, 0, nil, 0), "no interface 1 in this section"},
		{"ng/before-offset", nw.WritePacket(0, 99e9, nil, 0), "is before the interface's offset of 100 s"},
		{"ng/over-snaplen", nw.WritePacket(0, 100e9, make([]byte, 11), 0), "packet of 11 bytes exceeds the snapshot length 10"},
		{"ng/link-type", second(nw.AddInterface(1<<16, 0)), "link type 65536 does not fit"},
		{"ng/resolution", second(nw.AddInterface(1, 20)), "timestamp resolution 10^-20 is too fine"},
		{"ng/ts-overflow", second2(nw, Interface{LinkType: 1, TSResol: 19}, 1e18), "does not fit the interface's resolution"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) || !strings.HasPrefix(tt.err.Error(), "pcapfile: ") {
			t.Errorf("%s: error %v, want %q", tt.name, tt.err, tt.want)
		}
	}

	// A failing destination is reported, wrapped.
	boom := errors.New("disk full")
	if _, err := NewWriter(failWriter{boom}, 1, WriterOptions{}); !errors.Is(err, boom) {
		t.Errorf("NewWriter to a failing writer: %v", err)
	}
	if _, err := NewNgWriter(failWriter{boom}, NgWriterOptions{}); !errors.Is(err, boom) {
		t.Errorf("NewNgWriter to a failing writer: %v", err)
	}
}

func second(_ uint32, err error) error { return err }

// second2 adds ifc and writes a packet at ts on it.
func second2(nw *NgWriter, ifc Interface, ts zeek.Time) error {
	i, err := nw.AddInterfaceWith(ifc)
	if err != nil {
		return err
	}
	return nw.WritePacket(i, ts, nil, 0)
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// TestWriterAllocs checks that writing packets does not allocate once the
// scratch buffer has grown.
func TestWriterAllocs(t *testing.T) {
	var sink discard
	w, err := NewWriter(sink, 1, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := NewNgWriter(sink, NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nw.AddInterface(1, ResolNano); err != nil {
		t.Fatal(err)
	}
	data := payload(1, 1500)
	allocs := testing.AllocsPerRun(100, func() {
		if err := w.WritePacket(1e18, data, 0); err != nil {
			t.Fatal(err)
		}
		if err := nw.WritePacket(0, 1e18, data, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
