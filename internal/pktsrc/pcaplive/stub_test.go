//go:build !libpcap || !cgo || !unix

package pcaplive

import (
	"errors"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// TestStub checks that a build without libpcap says so, and how to fix it,
// from every entry point.
func TestStub(t *testing.T) {
	s, err := Open(DefaultConfig("eth0"))
	if s != nil || err == nil {
		t.Fatalf("Open succeeded in a build without libpcap")
	}
	if !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Open's error does not wrap ErrNotBuilt: %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "pcaplive: pcap::eth0: heron was built without libpcap support; rebuild with -tags libpcap") || strings.Contains(msg, "\n") {
		t.Errorf("Open: %q", msg)
	}
	t.Logf("Open: %v", err)
	var src Source
	if err := src.Next(&pktsrc.Frame{}); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Next: %v", err)
	}
	if _, err := src.CaptureStats(); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("CaptureStats: %v", err)
	}
	if _, err := Open(Config{}); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Open without a device: %v", err)
	}
	if LibraryVersion() != "" {
		t.Error("LibraryVersion in a build without libpcap")
	}
	src.Stop()
	if err := src.Close(); err != nil {
		t.Error(err)
	}
}
