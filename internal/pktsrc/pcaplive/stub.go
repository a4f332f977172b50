//go:build !libpcap || !cgo || !unix

package pcaplive

import (
	"fmt"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Source is the libpcap capture source. This build has no libpcap: every
// entry point fails with an error wrapping ErrNotBuilt.
type Source struct{}

// errNotBuilt is what every entry point returns in this build.
var errNotBuilt = fmt.Errorf("pcaplive: %w; rebuild with -tags libpcap%s", ErrNotBuilt, buildHint)

// Open fails: this build has no libpcap.
func Open(c Config) (*Source, error) {
	if c.Device != "" {
		return nil, fmt.Errorf("pcaplive: pcap::%s: %w; rebuild with -tags libpcap%s", c.Device, ErrNotBuilt, buildHint)
	}
	return nil, errNotBuilt
}

// LibraryVersion returns "" in this build.
func LibraryVersion() string { return "" }

// Next fails in this build.
func (s *Source) Next(f *pktsrc.Frame) error { return errNotBuilt }

// LinkType returns 0 in this build.
func (s *Source) LinkType() uint32 { return 0 }

// Device returns "" in this build.
func (s *Source) Device() string { return "" }

// Warnings returns nothing in this build.
func (s *Source) Warnings() []string { return nil }

// Stop does nothing in this build.
func (s *Source) Stop() {}

// CaptureStats fails in this build.
func (s *Source) CaptureStats() (pktsrc.Stats, error) { return pktsrc.Stats{}, errNotBuilt }

// Stats fails in this build.
func (s *Source) Stats() (Stats, error) { return Stats{}, errNotBuilt }

// Close does nothing in this build.
func (s *Source) Close() error { return nil }
