//go:build !linux

package ethtool

import (
	"errors"
	"fmt"
)

var errNotLinux = fmt.Errorf("ethtool: offload detection needs Linux: %w", errors.ErrUnsupported)

// Query fails off Linux.
func Query(iface string) (Report, error) { return Report{Interface: iface}, errNotLinux }

// QueryFD fails off Linux.
func QueryFD(fd int, iface string) (Report, error) { return Report{Interface: iface}, errNotLinux }

// Check fails off Linux.
func Check(iface string) (string, error) { return "", errNotLinux }
