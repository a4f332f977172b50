package files

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"math/rand/v2"
	"testing"
)

func sample(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"alpha ", "beta ", "gamma ", "<html>", "\x00\x01", "delta\n", "zeta "}
	var b bytes.Buffer
	for b.Len() < n {
		if r.IntN(10) == 0 {
			b.WriteByte(byte(r.UintN(256)))
			continue
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.Bytes()[:n]
}

func compress(t testing.TB, kind string, data []byte, level int) []byte {
	var b bytes.Buffer
	switch kind {
	case "gzip":
		w, _ := gzip.NewWriterLevel(&b, level)
		w.Name = "x.txt"
		w.Comment = "c"
		w.Write(data)
		w.Close()
	case "zlib":
		w, _ := zlib.NewWriterLevel(&b, level)
		w.Write(data)
		w.Close()
	case "raw":
		w, _ := flate.NewWriter(&b, level)
		w.Write(data)
		w.Close()
	}
	return b.Bytes()
}

func inflateAll(format int, chunks [][]byte) ([]byte, InflateStatus) {
	z := NewInflater(format)
	var out []byte
	st := InflateOK
	for _, c := range chunks {
		st, _ = z.Write(c, func(p []byte) { out = append(out, p...) })
	}
	return out, st
}

func TestInflateFormats(t *testing.T) {
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		data := sample(n, uint64(n))
		for _, kind := range []string{"gzip", "zlib", "raw"} {
			for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.HuffmanOnly} {
				c := compress(t, kind, data, level)
				format := FormatAuto
				if kind == "raw" {
					format = FormatRaw
				}
				got, st := inflateAll(format, [][]byte{c})
				if st != InflateEnd || !bytes.Equal(got, data) {
					t.Fatalf("%s level %d n=%d: status %v, %d bytes, equal %v", kind, level, n, st, len(got), bytes.Equal(got, data))
				}
			}
		}
	}
}

// TestInflateSplit cuts the stream at every byte.
func TestInflateSplit(t *testing.T) {
	data := sample(3000, 7)
	for _, kind := range []string{"gzip", "zlib", "raw"} {
		c := compress(t, kind, data, flate.DefaultCompression)
		format := FormatAuto
		if kind == "raw" {
			format = FormatRaw
		}
		for i := 0; i <= len(c); i++ {
			got, st := inflateAll(format, [][]byte{c[:i], c[i:]})
			if st != InflateEnd || !bytes.Equal(got, data) {
				t.Fatalf("%s cut at %d: status %v, equal %v", kind, i, st, bytes.Equal(got, data))
			}
		}
		// One byte at a time.
		var chunks [][]byte
		for i := range c {
			chunks = append(chunks, c[i:i+1])
		}
		if got, st := inflateAll(format, chunks); st != InflateEnd || !bytes.Equal(got, data) {
			t.Fatalf("%s bytewise: status %v", kind, st)
		}
	}
}

func TestInflateErrors(t *testing.T) {
	data := sample(2000, 3)
	good := compress(t, "zlib", data, flate.DefaultCompression)
	badSum := append([]byte(nil), good...)
	badSum[len(badSum)-1] ^= 1
	gz := compress(t, "gzip", data, flate.DefaultCompression)
	badLen := append([]byte(nil), gz...)
	badLen[len(badLen)-1] ^= 1
	for _, tc := range []struct {
		name   string
		format int
		in     []byte
		want   InflateStatus
	}{
		{"raw data as zlib", FormatAuto, compress(t, "raw", data, 6), InflateDataError},
		{"bad adler", FormatAuto, badSum, InflateDataError},
		{"bad gzip length", FormatAuto, badLen, InflateDataError},
		{"dictionary", FormatAuto, []byte{0x78, 0xbb, 0, 0, 0, 1}, InflateNeedDict},
		{"block type 3", FormatRaw, []byte{0x07}, InflateDataError},
		{"stored length", FormatRaw, []byte{0x01, 0x05, 0x00, 0x00, 0x00}, InflateDataError},
		{"too far back", FormatRaw, []byte{0x03, 0x02, 0x00}, InflateDataError},
		{"truncated", FormatAuto, good[:len(good)/2], InflateOK},
	} {
		_, st := inflateAll(tc.format, [][]byte{tc.in})
		if st != tc.want {
			t.Errorf("%s: status %v, want %v", tc.name, st, tc.want)
		}
	}
}
