package json

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCachedPowers compares the computed table with RapidJSON's, dumped by
// ../testdata/gen/vectors.cc.
func TestCachedPowers(t *testing.T) {
	data, err := os.ReadFile("testdata/powers.tsv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(cachedPowers) {
		t.Fatalf("%d powers in file, %d in table", len(lines), len(cachedPowers))
	}
	for i, l := range lines {
		f, e, _ := strings.Cut(l, "\t")
		fv, err1 := strconv.ParseUint(f, 16, 64)
		ev, err2 := strconv.Atoi(e)
		if err1 != nil || err2 != nil {
			t.Fatalf("line %d: %q", i, l)
		}
		if got := cachedPowers[i]; got.f != fv || got.e != ev {
			t.Errorf("power %d (10^%d): got %016x e%d, want %016x e%d", i, -348+8*i, got.f, got.e, fv, ev)
		}
	}
}

// TestAppendDoubleVectors checks AppendDouble against RapidJSON's output
// for timestamps, durations, random bit patterns and special values.
func TestAppendDoubleVectors(t *testing.T) {
	f, err := os.Open("../testdata/doubles.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, bad := 0, 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			t.Fatalf("bad line %q", sc.Text())
		}
		bits, err := strconv.ParseUint(cols[0], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		d := math.Float64frombits(bits)
		n++
		if got := string(AppendDouble(nil, d)); got != cols[1] {
			bad++
			if bad < 20 {
				t.Errorf("AppendDouble(%v) [%s] = %q, want %q", d, cols[0], got, cols[1])
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d vectors", n)
	}
	if bad > 0 {
		t.Errorf("%d of %d vectors differ", bad, n)
	}
}

func TestAppendDouble(t *testing.T) {
	for _, tc := range []struct {
		d    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{3.14, "3.14"},
		{100, "100.0"},
		{-42.5, "-42.5"},
		{1e21, "1e21"},
		{1e20, "100000000000000000000.0"},
		{1.5e-7, "1.5e-7"},
		{0.001234, "0.001234"},
		{1237440095.585864, "1237440095.585864"},
		{1270318145.825158, "1270318145.8251581"}, // Grisu2 is not always shortest
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{math.Inf(-1), "null"},
	} {
		if got := string(AppendDouble(nil, tc.d)); got != tc.want {
			t.Errorf("AppendDouble(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestAppendDoubleRoundTrip checks that the digits always parse back to
// the same double, over many random bit patterns.
func TestAppendDoubleRoundTrip(t *testing.T) {
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < 200000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		d := math.Float64frombits(x)
		if math.IsNaN(d) || math.IsInf(d, 0) {
			continue
		}
		s := string(AppendDouble(nil, d))
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || back != d {
			t.Fatalf("AppendDouble(%v) = %q, parses back as %v, %v", d, s, back, err)
		}
	}
}

func BenchmarkAppendDouble(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendDouble(buf[:0], 1237440095.585864+float64(i&1023)*1e-6)
	}
}
