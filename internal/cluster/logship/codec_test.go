package logship

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/heron-nsm/heron/internal/logging/ascii"
	"github.com/heron-nsm/heron/internal/logging/json"
	"github.com/heron-nsm/heron/internal/logging/schema"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpus of FuzzBatch")

// viewOf returns the default view of T's schema.
func viewOf[T any](t testing.TB) *schema.View {
	t.Helper()
	sc, err := schema.For[T]()
	if err != nil {
		t.Fatal(err)
	}
	v, err := sc.View(schema.ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// encodeBatch encodes recs as one batch of path, as a Sender does.
func encodeBatch[T any](t testing.TB, path string, recs []T) []byte {
	t.Helper()
	v := viewOf[T](t)
	var e recEncoder
	for i := range recs {
		e.begin(len(v.Columns()))
		v.Visit(schema.RecordOf(&recs[i]), &e)
	}
	h := header{Node: "worker-1", Epoch: 42, Seq: 7, Path: path, Count: len(recs)}
	return appendBatch(nil, &h, appendSchema(nil, v.Columns()), e.b)
}

// TestBatchRoundTrip: records rebuilt from a batch encode to the same
// bytes again and print as the originals do.
func TestBatchRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		orig func() ([]byte, []byte) // the originals in ASCII and JSON
	}{
		{"conn", encodeBatch(t, "conn", conns(3, 50)), func() ([]byte, []byte) { return printAll(t, conns(3, 50)) }},
		{"dns", encodeBatch(t, "dns", dnss(3, 20)), func() ([]byte, []byte) { return printAll(t, dnss(3, 20)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := parseBatch(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if b.Node != "worker-1" || b.Epoch != 42 || b.Seq != 7 || b.Path != c.name || b.msgID() != "worker-1.42.7" {
				t.Errorf("header %+v", b.header)
			}
			rt, err := recTypeFor(b.Schema, b.Cols)
			if err != nil {
				t.Fatal(err)
			}
			s := rt.newSlot()
			r := reader{b: b.Records}
			var again recEncoder
			var gotA, gotJ []byte
			ae, je := ascii.NewEncoder(ascii.DefaultOptions()), json.NewEncoder(json.DefaultOptions())
			for i := 0; i < b.Count; i++ {
				if err := s.decode(&r); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				again.begin(len(rt.cols))
				rt.view.Visit(s.rec, &again)
				gotA = ae.AppendRecord(gotA, rt.view, s.rec)
				gotJ = je.AppendRecord(gotJ, rt.view, s.rec)
			}
			if len(r.b) != 0 {
				t.Errorf("%d bytes left", len(r.b))
			}
			if !bytes.Equal(again.b, b.Records) {
				t.Error("records encode differently after the round trip")
			}
			wantA, wantJ := c.orig()
			if !bytes.Equal(gotA, wantA) || !bytes.Equal(gotJ, wantJ) {
				t.Errorf("printed differently:\n%s\nwant\n%s", gotA, wantA)
			}
		})
	}
}

func printAll[T any](t testing.TB, recs []T) ([]byte, []byte) {
	v := viewOf[T](t)
	ae, je := ascii.NewEncoder(ascii.DefaultOptions()), json.NewEncoder(json.DefaultOptions())
	var a, j []byte
	for i := range recs {
		a = ae.AppendRecord(a, v, schema.RecordOf(&recs[i]))
		j = je.AppendRecord(j, v, schema.RecordOf(&recs[i]))
	}
	return a, j
}

// TestBatchCorrupt: damaged batches are refused with an error.
func TestBatchCorrupt(t *testing.T) {
	good := encodeBatch(t, "conn", conns(1, 3))
	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 0x40
	badVersion := bytes.Clone(good)
	badVersion[4] = 9
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"magic", append([]byte("XXXX"), good[4:]...)},
		{"truncated", good[:len(good)-1]},
		{"flipped bit", flip},
		{"version", badVersion},
	} {
		if _, err := parseBatch(c.data); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	// A valid checksum over a schema that lies is still refused.
	h := header{Node: "n", Epoch: 1, Seq: 1, Path: "p", Count: 1}
	for _, sec := range [][]byte{
		{0},                                   // no columns
		{1, 1, 'a', 99, 0, 0},                 // bad kind
		{2, 1, 'a', 1, 0, 0, 1, 'a', 1, 0, 0}, // repeated name
		{1, 1, 'a', 1, 0, colSeconds},         // seconds on a bool
	} {
		if _, err := parseBatch(appendBatch(nil, &h, sec, []byte{1, 1})); err == nil {
			t.Errorf("schema %v accepted", sec)
		}
	}
}

// FuzzBatch decodes arbitrary bytes as a batch and prints its records in
// both formats: errors are fine, panics and runaway memory are not.
func FuzzBatch(f *testing.F) {
	seeds := [][]byte{
		encodeBatch(f, "conn", conns(1, 3)),
		encodeBatch(f, "dns", dnss(1, 4)),
	}
	writeSeeds(f, "FuzzBatch", seeds)
	for _, s := range seeds {
		f.Add(s)
	}
	ae, je := ascii.NewEncoder(ascii.DefaultOptions()), json.NewEncoder(json.DefaultOptions())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := parseBatch(data)
		if err != nil {
			return
		}
		rt, err := recTypeFor(b.Schema, b.Cols)
		if err != nil {
			return
		}
		s := rt.newSlot()
		r := reader{b: b.Records}
		var out []byte
		for i := 0; i < b.Count; i++ {
			if s.decode(&r) != nil {
				return
			}
			out = ae.AppendRecord(out[:0], rt.view, s.rec)
			out = je.AppendRecord(out[:0], rt.view, s.rec)
		}
	})
}

// FuzzBatchBody is FuzzBatch past the checksum: the fuzzed bytes are the
// batch without its magic, version and checksum, which the target adds.
func FuzzBatchBody(f *testing.F) {
	var seeds [][]byte
	for _, s := range [][]byte{
		encodeBatch(f, "conn", conns(1, 3)),
		encodeBatch(f, "dns", dnss(1, 4)),
	} {
		seeds = append(seeds, s[5:len(s)-4])
	}
	writeSeeds(f, "FuzzBatchBody", seeds)
	for _, s := range seeds {
		f.Add(s)
	}
	ae := ascii.NewEncoder(ascii.DefaultOptions())
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append([]byte(batchMagic+"\x01"), body...)
		data = appendCRC(data)
		b, err := parseBatch(data)
		if err != nil {
			return
		}
		rt, err := recTypeFor(b.Schema, b.Cols)
		if err != nil {
			return
		}
		s := rt.newSlot()
		r := reader{b: b.Records}
		var out []byte
		for i := 0; i < b.Count; i++ {
			if s.decode(&r) != nil {
				return
			}
			out = ae.AppendRecord(out[:0], rt.view, s.rec)
		}
	})
}

// TestEncodeNoAlloc: encoding a record into a batch allocates nothing
// once the batch buffer has grown.
func TestEncodeNoAlloc(t *testing.T) {
	recs := conns(1, 16)
	v := viewOf[connRec](t)
	var e recEncoder
	e.b = make([]byte, 0, 1<<16)
	n := len(v.Columns())
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if len(e.b) > 60000 {
			e.b = e.b[:0]
		}
		e.begin(n)
		v.Visit(schema.RecordOf(&recs[i%len(recs)]), &e)
		i++
	})
	if allocs != 0 {
		t.Errorf("encoding a record allocates %.1f times", allocs)
	}
}

func BenchmarkEncode(b *testing.B) {
	recs := conns(1, 64)
	v := viewOf[connRec](b)
	var e recEncoder
	e.b = make([]byte, 0, 1<<17)
	n := len(v.Columns())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(e.b) >= 64<<10 {
			e.b = e.b[:0]
		}
		e.begin(n)
		v.Visit(schema.RecordOf(&recs[i%len(recs)]), &e)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkDecode(b *testing.B) {
	data := encodeBatch(b, "conn", conns(1, 256))
	bt, err := parseBatch(data)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := recTypeFor(bt.Schema, bt.Cols)
	if err != nil {
		b.Fatal(err)
	}
	s := rt.newSlot()
	b.ReportAllocs()
	b.ResetTimer()
	r := reader{b: bt.Records}
	for i := 0; i < b.N; i++ {
		if len(r.b) == 0 {
			r = reader{b: bt.Records}
		}
		if err := s.decode(&r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecodePrint decodes and prints records in Zeek's ASCII format,
// a logger's work per record.
func BenchmarkDecodePrint(b *testing.B) {
	data := encodeBatch(b, "conn", conns(1, 256))
	bt, _ := parseBatch(data)
	rt, _ := recTypeFor(bt.Schema, bt.Cols)
	s := rt.newSlot()
	ae := ascii.NewEncoder(ascii.DefaultOptions())
	var out []byte
	b.ReportAllocs()
	b.ResetTimer()
	r := reader{b: bt.Records}
	for i := 0; i < b.N; i++ {
		if len(r.b) == 0 {
			r = reader{b: bt.Records}
		}
		if err := s.decode(&r); err != nil {
			b.Fatal(err)
		}
		out = ae.AppendRecord(out[:0], rt.view, s.rec)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// appendCRC appends the checksum of data, as appendBatch does.
func appendCRC(data []byte) []byte {
	return binary.LittleEndian.AppendUint32(data, crc32.Checksum(data, crcTable))
}

// writeSeeds writes the seed corpus of a fuzz target with -update-seeds.
func writeSeeds(f *testing.F, target string, seeds [][]byte) {
	if !*updateSeeds {
		return
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	for i, s := range seeds {
		name := filepath.Join(dir, fmt.Sprintf("seed-%d", i))
		if err := os.WriteFile(name, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", s), 0o644); err != nil {
			f.Fatal(err)
		}
	}
}

// TestKindNumbers pins the type numbers batches carry
// (docs/format/log-transport.md): they are schema.Kind's values, which
// must not change.
func TestKindNumbers(t *testing.T) {
	for k, want := range map[schema.Kind]byte{
		schema.KindBool: 1, schema.KindInt: 2, schema.KindCount: 3, schema.KindDouble: 4,
		schema.KindTime: 5, schema.KindInterval: 6, schema.KindString: 7, schema.KindEnum: 8,
		schema.KindPort: 9, schema.KindAddr: 10, schema.KindSubnet: 11, schema.KindSet: 12,
		schema.KindVector: 13,
	} {
		if byte(k) != want {
			t.Errorf("%v is %d on the wire, want %d", k, byte(k), want)
		}
	}
}
