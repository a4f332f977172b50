// Package heronbin builds the heron binary once per test binary, for tests
// that run it as a process (live capture, clusters, parity runs).
package heronbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	once sync.Once
	bin  string
	err  error
)

// Path returns the path of a heron binary built from this checkout, or
// fails the test when it does not build.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..", "..")
		dir, e := os.MkdirTemp("", "heron-bin-")
		if e != nil {
			err = e
			return
		}
		bin = filepath.Join(dir, "heron")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/heron")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, e := cmd.CombinedOutput(); e != nil {
			err = fmt.Errorf("go build ./cmd/heron: %v\n%s", e, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
