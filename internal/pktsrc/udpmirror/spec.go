package udpmirror

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Encap names the tunnel header in front of every mirrored frame.
type Encap uint8

// Encapsulations a mirror may use.
const (
	// VXLAN is RFC 7348: an 8-byte header whose I flag must be set, a
	// 24-bit network identifier (VNI), then an Ethernet frame. AWS VPC
	// Traffic Mirroring and Azure virtual network TAP send it to UDP
	// port 4789.
	VXLAN Encap = 1
	// Geneve is RFC 8926: an 8-byte header, version 0, with options
	// (a multiple of 4 bytes) and a protocol type naming the payload:
	// Ethernet (0x6558) or an IPv4 or IPv6 packet (0x0800, 0x86DD). Google
	// Cloud's out-of-band mirroring (Network Security Integration) and AWS
	// Gateway Load Balancer send it to UDP port 6081.
	Geneve Encap = 2
)

// The UDP ports IANA assigned to the two encapsulations. A spec that names
// one of them needs no encapsulation word.
const (
	PortVXLAN  = 4789
	PortGeneve = 6081
)

// String returns "vxlan" or "geneve", the spelling a spec uses.
func (e Encap) String() string {
	switch e {
	case VXLAN:
		return "vxlan"
	case Geneve:
		return "geneve"
	}
	return fmt.Sprintf("Encap(%d)", uint8(e))
}

// Defaults for the fields ParseSpec does not set.
const (
	// DefaultRecvBuffer is the socket receive buffer asked for (SO_RCVBUF):
	// room for bursts while the packet loop is busy.
	DefaultRecvBuffer = 32 << 20
	// DefaultBatch is how many datagrams one recvmmsg call may return.
	DefaultBatch = 32
	// DefaultSlotSize is the buffer for one datagram: the largest UDP
	// payload, so that nothing is cut short.
	DefaultSlotSize = 65536
)

// Config describes one receiving socket. Start from DefaultConfig or
// ParseSpec; fields are used as given.
type Config struct {
	// Addr is the local address to receive on. The zero Addr (and the
	// spec's empty ADDR) receives on every address of the host, IPv4 and
	// IPv6; 0.0.0.0 receives on every IPv4 address only. An IPv6 address
	// may carry a zone (fe80::1%eth0).
	Addr netip.Addr
	// Port is the local UDP port (4789 for VXLAN, 6081 for Geneve).
	Port uint16
	// Encap is the encapsulation the datagrams carry.
	Encap Encap

	// ReusePort sets SO_REUSEPORT before binding, so that several sockets
	// (threads or processes of the same user) can share the port; the
	// kernel then spreads the datagrams over them (see Group). Default
	// true.
	ReusePort bool
	// Group, when above 1, is the number of sockets sharing the port. Each
	// of them attaches a classic BPF program to the group
	// (SO_ATTACH_REUSEPORT_CBPF) that picks the socket by a symmetric hash
	// of the inner packet's IP addresses, so that both directions of every
	// mirrored connection reach the same socket. With Group 0 or 1 the
	// kernel picks by a hash of the outer addresses and ports, which splits
	// inner connections (see the package documentation). Needs ReusePort.
	Group int
	// RecvBuffer is the socket receive buffer to ask for, in bytes
	// (default DefaultRecvBuffer). As root it is set with SO_RCVBUFFORCE;
	// otherwise the kernel caps it at net.core.rmem_max and Open records a
	// warning.
	RecvBuffer int
	// Batch is the number of datagrams one recvmmsg call may return, 1 to
	// 1024 (default DefaultBatch).
	Batch int
	// SlotSize is the buffer for one datagram, 64 to 65536 bytes (default
	// DefaultSlotSize). Longer datagrams are cut to it: their frames have
	// CapLen below WireLen.
	SlotSize int
	// IdleTimeout, when positive, bounds how long Next waits: after that
	// long without a frame it returns ErrIdle so that the caller can run
	// its timers. Zero waits until a frame arrives or Stop is called.
	IdleTimeout time.Duration
}

// DefaultConfig returns a configuration for receiving enc on port (all
// local addresses) with the default buffers and SO_REUSEPORT.
func DefaultConfig(port uint16, enc Encap) Config {
	return Config{
		Port:       port,
		Encap:      enc,
		ReusePort:  true,
		RecvBuffer: DefaultRecvBuffer,
		Batch:      DefaultBatch,
		SlotSize:   DefaultSlotSize,
	}
}

// Spec returns the configuration's address, port and encapsulation in
// the form ParseSpec reads, e.g. "udp::0.0.0.0:4789:vxlan".
func (c *Config) Spec() string {
	addr := ""
	switch {
	case !c.Addr.IsValid():
	case c.Addr.Is6():
		addr = "[" + c.Addr.String() + "]"
	default:
		addr = c.Addr.String()
	}
	return fmt.Sprintf("udp::%s:%d:%s", addr, c.Port, c.Encap)
}

// ErrSpec is wrapped by every error ParseSpec returns.
var ErrSpec = errors.New("bad udp mirror source")

// specForm is the reminder every spec error ends with.
const specForm = "write udp::ADDR:PORT[:vxlan|geneve], e.g. udp::0.0.0.0:4789 or udp::[::]:6081:geneve"

// ParseSpec reads a source spec, "udp::ADDR:PORT[:vxlan|geneve]" (the
// "udp::" prefix may be left off), into DefaultConfig's values with the
// address, port and encapsulation it names.
//
// ADDR is an IP address or empty for every address; an IPv6 address goes
// in brackets ("udp::[2001:db8::1]:4789"). Host names are not looked up.
// Without an encapsulation word, port 6081 means Geneve and any other port
// VXLAN (Zeek's UDP packet source, which Heron's spec follows, takes VXLAN
// by default). A malformed spec yields one line saying
// which part is wrong and how to write it, wrapping ErrSpec.
func ParseSpec(spec string) (Config, error) {
	rest := strings.TrimPrefix(spec, "udp::")
	fail := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("udpmirror: %w %q: %s; %s", ErrSpec, spec, fmt.Sprintf(format, args...), specForm)
	}
	if rest == "" {
		return fail("no address and port after udp::")
	}
	var addrText, portText, encText string
	hasEnc := false
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return fail("the IPv6 address has no closing ]")
		}
		addrText = rest[1:end]
		if addrText == "" {
			return fail("empty brackets: put an IPv6 address in them, or leave ADDR empty for every address")
		}
		after := rest[end+1:]
		if !strings.HasPrefix(after, ":") {
			if after == "" {
				return fail("no :PORT after %s", rest)
			}
			return fail("expected :PORT after ], found %q", after)
		}
		portText, encText, hasEnc = strings.Cut(after[1:], ":")
	} else {
		parts := strings.Split(rest, ":")
		switch {
		case len(parts) == 1:
			return fail("no :PORT after %q", rest)
		case len(parts) > 3:
			return fail("too many colons; an IPv6 address goes in brackets, e.g. udp::[2001:db8::1]:4789")
		}
		addrText, portText = parts[0], parts[1]
		if len(parts) == 3 {
			encText, hasEnc = parts[2], true
		}
	}

	var addr netip.Addr
	if addrText != "" && addrText != "*" {
		a, err := netip.ParseAddr(addrText)
		if err != nil {
			if strings.Trim(addrText, "0123456789.") == "" {
				return fail("ADDR %q is not a valid IPv4 address", addrText)
			}
			return fail("ADDR %q is not an IP address (host names are not looked up); give the receiving interface's address, or leave ADDR empty for every address", addrText)
		}
		if a.Is4In6() {
			a = a.Unmap()
		}
		if a.IsMulticast() {
			return fail("ADDR %s is a multicast address; mirrors send unicast, give the receiving interface's address", a)
		}
		addr = a
	}

	if portText == "" {
		return fail("the port is missing")
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return fail("port %q is not a number from 1 to 65535", portText)
	}

	var enc Encap
	switch strings.ToLower(encText) {
	case "vxlan":
		enc = VXLAN
	case "geneve":
		enc = Geneve
	case "":
		if hasEnc {
			return fail("nothing after the colon that follows the port; name the encapsulation (vxlan or geneve) or drop the colon")
		}
		// Geneve's port means Geneve; any other port VXLAN, which is
		// what Zeek's UDP packet source assumes without the word.
		enc = VXLAN
		if port == PortGeneve {
			enc = Geneve
		}
	default:
		return fail("unknown encapsulation %q; use vxlan or geneve (Heron does not take the geneve+vxlan, raw, skip= or dlt= forms of Zeek's UDP packet source: read AWS Gateway Load Balancer traffic with :geneve, and Heron's tunnel decoding unwraps the VXLAN inside)", encText)
	}

	c := DefaultConfig(uint16(port), enc)
	c.Addr = addr
	return c, nil
}

// validate checks the fields Open relies on.
func (c *Config) validate() error {
	switch {
	case c.Encap != VXLAN && c.Encap != Geneve:
		return fmt.Errorf("udpmirror: %s: unknown encapsulation %d (use VXLAN or Geneve)", c.Spec(), c.Encap)
	case c.Port == 0:
		return fmt.Errorf("udpmirror: %s: no port given", c.Spec())
	case c.Batch < 1 || c.Batch > 1024:
		return fmt.Errorf("udpmirror: %s: batch of %d datagrams is out of range (1 to 1024)", c.Spec(), c.Batch)
	case c.SlotSize < 64 || c.SlotSize > 65536:
		return fmt.Errorf("udpmirror: %s: slot size %d is out of range (64 to 65536 bytes)", c.Spec(), c.SlotSize)
	case c.RecvBuffer < 0:
		return fmt.Errorf("udpmirror: %s: negative receive buffer size %d", c.Spec(), c.RecvBuffer)
	case c.Group < 0 || c.Group > 65535:
		return fmt.Errorf("udpmirror: %s: group of %d sockets is out of range", c.Spec(), c.Group)
	case c.Group > 1 && !c.ReusePort:
		return fmt.Errorf("udpmirror: %s: a group of %d sockets needs ReusePort", c.Spec(), c.Group)
	case c.IdleTimeout < 0:
		return fmt.Errorf("udpmirror: %s: negative idle timeout", c.Spec())
	}
	return nil
}
