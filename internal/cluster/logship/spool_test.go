package logship

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func frame(i int) []byte { return fmt.Appendf(nil, "frame %04d %s", i, make([]byte, i%50)) }

// TestSpool: frames come out in order across segments, reopenings and
// a torn write at the end; the bound holds.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	sp, err := openSpool(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; ; n++ {
		err := sp.append(frame(n))
		if errors.Is(err, errSpoolFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 40 || sp.bytes() > 4096 {
		t.Fatalf("%d frames, %d bytes in a spool of 4096", n, sp.bytes())
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 3 {
		t.Errorf("%d segments, want rotation", len(segs))
	}
	next := 0
	take := func(sp *spool, k int) {
		t.Helper()
		for i := 0; i < k; i++ {
			p, err := sp.peek()
			if err != nil {
				t.Fatalf("peek %d: %v", next, err)
			}
			if string(p) != string(frame(next)) {
				t.Fatalf("frame %d is %q", next, p)
			}
			sp.pop()
			next++
		}
	}
	take(sp, 10)
	if err := sp.close(); err != nil {
		t.Fatal(err)
	}

	// Reopened: it continues after the last popped frame.
	sp, err = openSpool(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	take(sp, 10)
	sp.close()

	// A torn frame at the end (a crash while appending) is cut off.
	segs, _ = filepath.Glob(filepath.Join(dir, "*.seg"))
	last := segs[len(segs)-1]
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 'x'})
	f.Close()
	sp, err = openSpool(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	take(sp, n-next)
	if _, err := sp.peek(); err != io.EOF {
		t.Errorf("after the last frame: %v", err)
	}
	if !sp.empty() || sp.bytes() != 0 {
		t.Errorf("drained spool: empty %v, %d bytes", sp.empty(), sp.bytes())
	}
	// Drained, it takes frames again.
	if err := sp.append(frame(1)); err != nil {
		t.Fatal(err)
	}
	if p, err := sp.peek(); err != nil || string(p) != string(frame(1)) {
		t.Errorf("after refilling: %q %v", p, err)
	}
	sp.close()
}

// TestSpoolCorruptFrame: a damaged frame in the middle is reported and
// skipped with the rest of its segment; later segments still come out.
func TestSpoolCorruptFrame(t *testing.T) {
	dir := t.TempDir()
	sp, err := openSpool(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		if err := sp.append(frame(i)); err != nil {
			break
		}
	}
	sp.close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 2 {
		t.Fatalf("%d segments", len(segs))
	}
	b, _ := os.ReadFile(segs[0])
	b[frameHeader+2] ^= 0xff // the first frame's payload
	os.WriteFile(segs[0], b, 0o644)
	sp, err = openSpool(dir, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	if _, err := sp.peek(); !errors.Is(err, errSpoolCorrupt) {
		t.Fatalf("damaged frame: %v", err)
	}
	p, err := sp.peek()
	if err != nil || len(p) == 0 {
		t.Fatalf("after the damaged segment: %q %v", p, err)
	}
}
