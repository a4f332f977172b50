package refdata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// moduleRoot is the repository root: three levels above this file.
func moduleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// SharedDir returns the project's shared folder, ../shared beside the
// repository (HERON_SHARED overrides it), or "" when it is absent.
func SharedDir() string {
	dir := os.Getenv("HERON_SHARED")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "zeek-corpus")); err != nil {
		return ""
	}
	return filepath.Clean(dir)
}

// Shared returns the shared folder or skips the test.
func Shared(t testing.TB) string {
	t.Helper()
	dir := SharedDir()
	if dir == "" {
		t.Skip("../shared (Zeek's corpus) is absent beside the repository; set HERON_SHARED to use another place")
	}
	return dir
}

// Traces returns the corpus's trace directory or skips the test.
func Traces(t testing.TB) string {
	t.Helper()
	return filepath.Join(Shared(t), "zeek-corpus", "traces")
}

// Baselines returns the corpus's directory of Zeek's logs or skips the
// test.
func Baselines(t testing.TB) string {
	t.Helper()
	return filepath.Join(Shared(t), "zeek-corpus", "baselines")
}

// ZeekSourceDir returns a checkout of Zeek's source tree: HERON_ZEEK_SRC,
// or ../ref beside the repository; "" when neither holds one.
func ZeekSourceDir() string {
	dir := os.Getenv("HERON_ZEEK_SRC")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "ref")
	}
	if _, err := os.Stat(filepath.Join(dir, "testing", "btest")); err != nil {
		return ""
	}
	return filepath.Clean(dir)
}

// ZeekSource returns the Zeek checkout or skips the test.
func ZeekSource(t testing.TB) string {
	t.Helper()
	dir := ZeekSourceDir()
	if dir == "" {
		t.Skip("no Zeek source tree: set HERON_ZEEK_SRC to a checkout of github.com/zeek/zeek (or put one at ../ref)")
	}
	return dir
}

// FindTrace returns the path of one of Zeek's test traces, name relative
// to Zeek's testing/btest/Traces ("tcp/reassembly.pcap"): from the shared
// corpus, which keeps Zeek's layout, else from the Zeek checkout. It skips
// the test when neither has it.
func FindTrace(t testing.TB, name string) string {
	t.Helper()
	var paths []string
	if d := SharedDir(); d != "" {
		paths = append(paths, filepath.Join(d, "zeek-corpus", "traces", name))
	}
	if d := ZeekSourceDir(); d != "" {
		paths = append(paths, filepath.Join(d, "testing", "btest", "Traces", name))
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("trace %s is in neither ../shared nor a Zeek source tree (HERON_ZEEK_SRC)", name)
	return ""
}
