package site

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNetworksCfgLine is the longest networks.cfg line ParseNetworksCfg
// accepts, in bytes; a longer line is an error, which bounds memory.
const MaxNetworksCfgLine = 64 << 10

// Network is one entry of networks.cfg.
type Network struct {
	// Prefix is the network, masked (host bits cleared, as Zeek does); a
	// prefix of an IPv4-mapped IPv6 address of length 96 or more is given
	// as the IPv4 prefix Zeek takes it for.
	Prefix netip.Prefix
	// Tag is the free text after the prefix, or "". zeekctl copies it into
	// the generated script as a comment; it has no effect on analysis.
	Tag string
	// Line is the 1-based line number in the file.
	Line int
}

// ParseError reports a networks.cfg line whose first field is not a prefix
// Zeek would accept.
type ParseError struct {
	File   string // the name given to ParseNetworksCfg
	Line   int    // 1-based line number
	Text   string // the offending field
	Reason string // what is wrong with it
}

// Error returns the message, e.g.
// `site: networks.cfg:3: "10.0.0/8" is not a CIDR prefix (...)`.
func (e *ParseError) Error() string {
	t := e.Text
	if len(t) > 80 {
		t = t[:80] + "..."
	}
	return fmt.Sprintf("site: %s:%d: %q is not a CIDR prefix (%s)", e.File, e.Line, t, e.Reason)
}

// ParseNetworksCfg reads a zeekctl networks.cfg from r and returns its
// prefixes in file order (duplicates kept). name is used in error messages
// only. See ReadNetworksCfg for the accepted syntax.
func ParseNetworksCfg(r io.Reader, name string) ([]netip.Prefix, error) {
	nets, err := ReadNetworksCfg(r, name)
	if err != nil {
		return nil, err
	}
	ps := make([]netip.Prefix, len(nets))
	for i, n := range nets {
		ps[i] = n.Prefix
	}
	return ps, nil
}

// ReadNetworksCfg reads a zeekctl networks.cfg from r, with the tags. The
// format, as zeekctl reads it: lines end in "\n", "\r\n" or "\r"; surrounding
// whitespace is ignored; empty lines and lines starting with "#" are
// skipped; otherwise the first whitespace-separated field is the prefix and
// the rest of the line, if any, is the tag. A "#" after the prefix does not
// start a comment: it is part of the tag.
//
// The prefix must be what Zeek's script parser accepts as a subnet literal
// once zeekctl has put IPv6 addresses in brackets:
//
//   - IPv4: four dot-separated decimal numbers 0-255 (leading zeros allowed,
//     as Zeek reads them with %d), "/", and a decimal length 0-32.
//   - IPv6: any IPv6 address netip accepts without a zone (including
//     embedded IPv4, e.g. ::ffff:10.0.0.0), "/", and a length 0-128.
//   - Host bits may be set (10.1.2.3/8); they are cleared, as Zeek does.
//   - A bare address without "/len" is rejected: zeekctl rejects it for IPv6
//     and Zeek fails on the generated script for IPv4 (an addr is not a
//     subnet). More than one "/" is rejected too.
//
// The first bad line ends the read with a *ParseError; an I/O error is
// returned wrapped. Lines longer than MaxNetworksCfgLine are an error.
func ReadNetworksCfg(r io.Reader, name string) ([]Network, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxNetworksCfgLine+2)
	sc.Split(scanUniversalLines)
	var nets []Network
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) > MaxNetworksCfgLine {
			return nil, fmt.Errorf("site: %s:%d: line longer than %d bytes", name, line, MaxNetworksCfgLine)
		}
		text := strings.TrimFunc(string(b), isPySpace)
		if text == "" || text[0] == '#' {
			continue
		}
		field, tag := text, ""
		if i := strings.IndexFunc(text, isPySpace); i >= 0 {
			field = text[:i]
			tag = strings.TrimLeftFunc(text[i:], isPySpace)
		}
		p, reason := parseSubnet(field)
		if reason != "" {
			return nil, &ParseError{File: name, Line: line, Text: field, Reason: reason}
		}
		nets = append(nets, Network{Prefix: p, Tag: tag, Line: line})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("site: %s:%d: line longer than %d bytes", name, line+1, MaxNetworksCfgLine)
		}
		return nil, fmt.Errorf("site: reading %s: %w", name, err)
	}
	return nets, nil
}

// isPySpace is Python's str.isspace for one character, which zeekctl's
// strip() and split() use: Unicode white space plus the ASCII separators
// 0x1c-0x1f.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// scanUniversalLines splits at "\n", "\r\n" and "\r", like Python's
// universal-newline mode, which zeekctl reads the file in.
func scanUniversalLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil // a "\r" at the end of the buffer: need one more byte
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// parseSubnet parses one prefix the way Zeek's scanner would take it from
// the script zeekctl generates. It returns a non-empty reason on failure.
func parseSubnet(s string) (netip.Prefix, string) {
	if !utf8.ValidString(s) {
		return netip.Prefix{}, "not valid UTF-8"
	}
	slash := strings.IndexByte(s, '/')
	if slash < 0 {
		return netip.Prefix{}, `missing "/length"`
	}
	addrText, lenText := s[:slash], s[slash+1:]
	if strings.IndexByte(lenText, '/') >= 0 {
		return netip.Prefix{}, `more than one "/"`
	}
	bits, ok := parseDecimal(lenText, 128)
	if !ok {
		return netip.Prefix{}, "length is not a number from 0 to 128"
	}
	var addr netip.Addr
	if strings.IndexByte(addrText, ':') >= 0 {
		a, err := netip.ParseAddr(addrText)
		if err != nil || !a.Is6() {
			return netip.Prefix{}, "bad IPv6 address"
		}
		if a.Zone() != "" {
			return netip.Prefix{}, "IPv6 zones are not allowed"
		}
		addr = a
	} else {
		a, ok := parseZeekIPv4(addrText)
		if !ok {
			return netip.Prefix{}, "bad IPv4 address"
		}
		if bits > 32 {
			return netip.Prefix{}, "IPv4 length is more than 32"
		}
		addr = a
	}
	p, ok := canonical(netip.PrefixFrom(addr, bits))
	if !ok {
		return netip.Prefix{}, "bad length"
	}
	return p, ""
}

// parseDecimal parses a non-empty string of ASCII digits (leading zeros
// allowed) whose value is at most max.
func parseDecimal(s string, max int) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > max {
			return 0, false
		}
	}
	return n, true
}

// parseZeekIPv4 parses Zeek's IPv4 literal: four dot-separated decimal
// numbers, each 0-255, leading zeros allowed.
func parseZeekIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	for i := 0; i < 4; i++ {
		end := strings.IndexByte(s, '.')
		if i == 3 {
			if end >= 0 {
				return netip.Addr{}, false
			}
			end = len(s)
		} else if end < 0 {
			return netip.Addr{}, false
		}
		v, ok := parseDecimal(s[:end], 255)
		if !ok {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
		if i < 3 {
			s = s[end+1:]
		}
	}
	return netip.AddrFrom4(b), true
}
