package pcapfile

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/zeek"
)

// frame is a copy of a pktsrc.Frame that outlives the next Next call.
type frame struct {
	TS       zeek.Time
	CapLen   uint32
	WireLen  uint32
	LinkType uint32
	IfIndex  uint32
	Data     []byte
}

func copyFrame(f *pktsrc.Frame) frame {
	return frame{f.TS, f.CapLen, f.WireLen, f.LinkType, f.IfIndex, bytes.Clone(f.Data)}
}

// readAll reads frames until Next fails and returns them with the error
// (nil for a clean io.EOF). It checks that CapLen matches Data.
func readAll(t testing.TB, r *Reader) ([]frame, error) {
	t.Helper()
	var out []frame
	var f pktsrc.Frame
	for {
		err := r.Next(&f)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if int(f.CapLen) != len(f.Data) {
			t.Fatalf("frame %d: CapLen %d but len(Data) %d", len(out), f.CapLen, len(f.Data))
		}
		out = append(out, copyFrame(&f))
	}
}

// readBytes opens b with NewReader and reads it all.
func readBytes(t testing.TB, b []byte) (*Reader, []frame, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, err
	}
	frames, err := readAll(t, r)
	return r, frames, err
}

// payload returns n deterministic bytes that differ per seed.
func payload(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i*7)
	}
	return b
}

// testPacket is a packet for a generated trace.
type testPacket struct {
	ifIndex uint32
	ts      zeek.Time
	data    []byte
	wireLen uint32 // 0: len(data)
}

func (p testPacket) wire() uint32 {
	if p.wireLen == 0 {
		return uint32(len(p.data))
	}
	return p.wireLen
}

// samplePackets returns packets of varied sizes with exact nanosecond
// timestamps (only microsecond ones when micro is set).
func samplePackets(micro bool) []testPacket {
	base := zeek.Time(1_332_784_786_000_000_000)
	sizes := []int{60, 1, 1514, 0, 99, 342, 65535, 7}
	var ps []testPacket
	for i, n := range sizes {
		frac := zeek.Time(i*123_456_789 + 1)
		if micro {
			frac = frac / 1000 * 1000
		}
		p := testPacket{ts: base + zeek.Time(i)*1e9 + frac, data: payload(i, n)}
		if i == 2 {
			p.wireLen = 9000 // a cut packet
		}
		ps = append(ps, p)
	}
	return ps
}

// buildPcap writes ps as a classic pcap file.
func buildPcap(t testing.TB, linkType uint32, opts WriterOptions, ps []testPacket) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, linkType, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := w.WritePacket(p.ts, p.data, p.wireLen); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantTruncated fails unless err wraps pktsrc.ErrTruncated.
func wantTruncated(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, pktsrc.ErrTruncated) {
		t.Fatalf("error %v, want one wrapping pktsrc.ErrTruncated", err)
	}
}
