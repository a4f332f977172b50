//go:build !linux || 386

package udpmirror

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Source receives mirrored traffic. It works on Linux except linux/386;
// here every entry point fails.
type Source struct{}

// errUnsupported is what every entry point returns here.
var errUnsupported = fmt.Errorf("udpmirror: receiving mirrored traffic is not available on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

// Open fails here.
func Open(c Config) (*Source, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	return nil, errUnsupported
}

// Next fails here.
func (s *Source) Next(f *pktsrc.Frame) error { return errUnsupported }

// LinkType returns 1 (Ethernet).
func (s *Source) LinkType() uint32 { return linkEthernet }

// Name returns "" here.
func (s *Source) Name() string { return "" }

// Warnings returns nothing here.
func (s *Source) Warnings() []string { return nil }

// VNI returns 0 here.
func (s *Source) VNI() uint32 { return 0 }

// Peer returns the zero AddrPort here.
func (s *Source) Peer() netip.AddrPort { return netip.AddrPort{} }

// Stop does nothing here.
func (s *Source) Stop() {}

// CaptureStats fails here.
func (s *Source) CaptureStats() (pktsrc.Stats, error) { return pktsrc.Stats{}, errUnsupported }

// Stats fails here.
func (s *Source) Stats() (Stats, error) { return Stats{}, errUnsupported }

// Close does nothing here.
func (s *Source) Close() error { return nil }

// SocketsOnPort fails here.
func SocketsOnPort(port uint16) (int, error) { return 0, errUnsupported }
