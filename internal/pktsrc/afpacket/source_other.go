//go:build !linux || 386

package afpacket

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Source is the AF_PACKET capture source. It works on Linux except
// linux/386 (whose socket calls go through socketcall); here every entry
// point fails.
type Source struct{}

// errNotLinux is what every entry point returns here.
var errNotLinux = fmt.Errorf("afpacket: AF_PACKET capture is not available on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

// Open fails: AF_PACKET capture is not available here.
func Open(c Config) (*Source, error) { return nil, errNotLinux }

// Next fails here.
func (s *Source) Next(f *pktsrc.Frame) error { return errNotLinux }

// LinkType returns 0 here.
func (s *Source) LinkType() uint32 { return 0 }

// Close does nothing here.
func (s *Source) Close() error { return nil }

// Stop does nothing here.
func (s *Source) Stop() {}

// SetBPF fails here.
func (s *Source) SetBPF(prog []RawInstruction) error { return errNotLinux }

// Stats fails here.
func (s *Source) Stats() (Stats, error) { return Stats{}, errNotLinux }

// L4Checksummed returns false here.
func (s *Source) L4Checksummed() bool { return false }

// Interface returns "" here.
func (s *Source) Interface() string { return "" }

// Warnings returns nothing here.
func (s *Source) Warnings() []string { return nil }

// OffloadWarning fails here.
func (s *Source) OffloadWarning() (string, error) { return "", errNotLinux }

// FanoutSelfTest fails here.
func FanoutSelfTest() error { return fmt.Errorf("%w: %w", ErrSelfTestUnavailable, errNotLinux) }

// CaptureStats is not available off Linux.
func (s *Source) CaptureStats() (pktsrc.Stats, error) { return pktsrc.Stats{}, errNotLinux }
