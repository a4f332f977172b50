package files

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/heron-nsm/heron/internal/signatures"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

var (
	zeekOnce sync.Once
	zeekSet  *signatures.Set
)

// FuzzSniff checks the sniffer on arbitrary beginnings of files and, with
// a Zeek checkout, that it agrees with Zeek's signatures.
func FuzzSniff(f *testing.F) {
	for _, s := range magicSamples {
		f.Add([]byte(s))
	}
	var zm *signatures.Matcher
	if refdata.ZeekSourceDir() != "" {
		zeekOnce.Do(func() { zeekSet = zeekMagic(&testing.T{}) })
		if zeekSet != nil {
			zm = zeekSet.NewMatcher()
		}
	}
	s := NewSniffer()
	f.Fuzz(func(t *testing.T, data []byte) {
		got := s.Matches(data)
		if zm != nil {
			if want := zm.FileMagic(data, nil); !sameMatches(want, got) {
				t.Fatalf("%q: zeek %s, heron %s", data, fmtMatches(want), fmtMatches(got))
			}
		}
	})
}

// FuzzInflate decodes arbitrary input in arbitrary pieces; it must not
// panic, and valid streams must decode the same however they are cut.
func FuzzInflate(f *testing.F) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, 5)
	w.Write([]byte("hello hello hello, fuzzing inflate"))
	w.Close()
	f.Add(b.Bytes(), uint8(3), true)
	f.Add([]byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}, uint8(1), false)
	f.Add([]byte{0x1f, 0x8b, 8, 0x1f, 0, 0, 0, 0, 0, 0}, uint8(2), false)
	f.Fuzz(func(t *testing.T, data []byte, step uint8, raw bool) {
		format := FormatAuto
		if raw {
			format = FormatRaw
		}
		whole, st1 := inflateAll(format, [][]byte{data})
		n := int(step)%17 + 1
		var chunks [][]byte
		for i := 0; i < len(data); i += n {
			chunks = append(chunks, data[i:min(i+n, len(data))])
		}
		pieces, st2 := inflateAll(format, chunks)
		if st1 == InflateEnd && (st2 != InflateEnd || !bytes.Equal(whole, pieces)) {
			t.Fatalf("whole: %v %d bytes; in pieces of %d: %v %d bytes", st1, len(whole), n, st2, len(pieces))
		}
	})
}

// FuzzFile drives a file with arbitrary operations (data at offsets,
// gaps, sizes, end); the counters must stay consistent.
func FuzzFile(f *testing.F) {
	f.Add([]byte{0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 1, 0, 10, 3})
	f.Add([]byte{0, 0, 20, 3, 'a', 'b', 'c', 0, 0, 0, 2, 'x', 'y', 2, 0, 30})
	f.Fuzz(func(t *testing.T, ops []byte) { runFileOps(t, ops) })
}

// runFileOps is FuzzFile's body.
func runFileOps(t testing.TB, ops []byte) {
	{
		m, r := newTestManager(t, func(c *Config) { c.HashAll = true; c.ReassemblyBufferSize = 64 })
		tr := m.Open(Spec{Handle: "fuzz", Source: "TEST", Conn: testConn})
		for len(ops) >= 3 {
			op, off := ops[0]%4, uint64(binary.BigEndian.Uint16(ops[1:3]))
			ops = ops[3:]
			switch op {
			case 0:
				n := 0
				if len(ops) > 0 {
					n = min(int(ops[0]), len(ops)-1)
					ops = ops[1:]
				}
				tr.DataAt(ops[:n], off)
				ops = ops[n:]
			case 1:
				tr.Gap(off, uint64(off%100))
			case 2:
				tr.SetTotal(off)
			case 3:
				tr.Data([]byte{byte(off)})
			}
		}
		tr.End()
		m.Terminate()
		for _, l := range r.logs {
			if l.MD5.Set && (l.MissingBytes != 0) {
				t.Fatalf("a file with missing bytes has a hash: %+v", l)
			}
		}
	}
}
