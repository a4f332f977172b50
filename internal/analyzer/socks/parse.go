package socks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// This file is the SOCKS wire format as Zeek's grammar reads it
// (src/analyzer/protocol/socks/socks-protocol.pac): one message at a time,
// from the start of a buffer, in the state the connection has reached.
// It decodes; the analyzer decides what the message means.

// kind says what a parsed message is.
type kind uint8

const (
	kindVersionError           kind = iota // a first byte other than 4 or 5
	kindV4Request                          // SOCKS4/4a CONNECT or BIND
	kindV4Reply                            // a reply read with a version byte of 4
	kindV5Greeting                         // the client's list of methods
	kindV5MethodReply                      // the server's method choice
	kindV5Request                          // SOCKS5 CONNECT, BIND or UDP ASSOCIATE
	kindV5Reply                            // the server's answer to it
	kindUserPassRequest                    // RFC 1929 user name and password
	kindUserPassReply                      // RFC 1929 status
	kindAuthUnsupportedMethod              // sub-negotiation of a method Zeek does not parse
	kindAuthUnsupportedVersion             // RFC 1929 with a version other than 1
)

// parseState is the part of the connection's state that decides how a
// message is read (Zeek's SOCKS_Conn members).
type parseState struct {
	// inAuthSub: the server chose a method that needs a sub-negotiation
	// and its reply to it has not come yet.
	inAuthSub bool
	// pastAuth: the server has answered the greeting.
	pastAuth bool
	// method is the method the server chose (255 before).
	method uint8
}

// address is a SOCKS address: an IP address, a name, or (SOCKS4a) both.
type address struct {
	host    netip.Addr // valid when set
	name    []byte     // borrowed from the parsed buffer
	hasName bool
}

// message is one parsed message. Its byte slices are borrowed from the
// buffer given to parse.
type message struct {
	kind    kind
	version uint8 // the version byte (for kindVersionError, the offending one)
	// command (requests), status (replies and RFC 1929 replies) or the
	// chosen method (kindV5MethodReply).
	code     uint8
	reserved uint8
	addr     address
	port     uint16
	user     []byte // SOCKS4 user id (trailing NULs removed) or RFC 1929 user name
	pass     []byte // RFC 1929 password
}

// errIncomplete: the buffer ends inside the message.
var errIncomplete = errors.New("socks: incomplete message")

// grammarError is input that Zeek's parser throws out (a binpac exception);
// its text is binpac's message.
type grammarError struct{ msg string }

func (e *grammarError) Error() string { return "binpac exception: " + e.msg }

// outOfBound is binpac's out_of_bound exception: where needed bytes of a
// record that had given bytes.
func outOfBound(where string, needed, given int) error {
	return &grammarError{msg: fmt.Sprintf("out_of_bound: %s: %d > %d", where, needed, given)}
}

// parser reads messages; atEnd says that no more bytes will follow the
// buffer, so that it ends the message as Zeek's grammar ends a delivery:
// a NUL-terminated string stops at the end of the data, and any other
// shortage is binpac's out_of_bound error rather than errIncomplete.
type parser struct{ atEnd bool }

// short reports a message that needs more bytes than b holds.
func (p parser) short(where string, needed, given int) error {
	if p.atEnd {
		return outOfBound(where, needed, given)
	}
	return errIncomplete
}

// parse reads one message of one direction from the start of b. It returns
// the message and the number of bytes it spans, errIncomplete when b ends
// before the message does, or a *grammarError. Messages that Zeek's grammar
// ends with "the rest of the data" span all of b.
func (p parser) parse(b []byte, isOrig bool, st parseState) (message, int, error) {
	if st.inAuthSub {
		return p.parseAuth(b, isOrig, st.method)
	}
	if len(b) < 1 {
		return message{}, 0, p.short("SOCKS_Version:version", 1, 0)
	}
	v := b[0]
	var (
		m   message
		n   int
		err error
	)
	switch {
	case v == 4 && isOrig:
		m, n, err = p.parseV4Request(b[1:])
	case v == 4:
		m, n, err = p.parseV4Reply(b[1:])
	case v == 5 && !st.pastAuth && isOrig:
		m, n, err = p.parseV5Greeting(b[1:])
	case v == 5 && !st.pastAuth:
		if len(b) < 2 {
			return message{}, 0, p.short("SOCKS5_Auth_Negotiation_Reply", 1, 0)
		}
		m, n = message{kind: kindV5MethodReply, code: b[1]}, 1
	case v == 5:
		m, n, err = p.parseV5RequestOrReply(b[1:], isOrig)
	default:
		return message{kind: kindVersionError, version: v}, 1, nil
	}
	m.version = v
	return m, n + 1, err
}

// parseV4Request reads a SOCKS4 request after its version byte: command,
// port, address, a NUL-terminated user id and, for SOCKS4a (an address of
// 0.0.0.x), a NUL-terminated host name.
func (p parser) parseV4Request(b []byte) (message, int, error) {
	if len(b) < 7 {
		return message{}, 0, p.short("SOCKS4_Request", 7, len(b))
	}
	m := message{kind: kindV4Request, code: b[0], port: binary.BigEndian.Uint16(b[1:3])}
	a := binary.BigEndian.Uint32(b[3:7])
	m.addr.host = netip.AddrFrom4([4]byte(b[3:7]))
	n := 7
	end, ok := p.nulTerminated(b, n)
	if !ok {
		return message{}, 0, errIncomplete
	}
	m.user = trimNULs(b[n:end])
	n = end
	if a <= 0xff {
		end, ok := p.nulTerminated(b, n)
		if !ok {
			return message{}, 0, errIncomplete
		}
		m.addr.name, m.addr.hasName = trimNULs(b[n:end]), true
		n = end
	}
	return m, n, nil
}

// nulTerminated returns the end (past the NUL) of the NUL-terminated
// string at b[from:]; at the end of the data, a string without its NUL
// ends there, as Zeek's arrays do.
func (p parser) nulTerminated(b []byte, from int) (int, bool) {
	for i := from; i < len(b); i++ {
		if b[i] == 0 {
			return i + 1, true
		}
	}
	return len(b), p.atEnd
}

// trimNULs drops trailing NULs, as Zeek's array_to_string does.
func trimNULs(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// parseV4Reply reads what Zeek takes for a SOCKS4 reply after a version
// byte of 4: a byte it ignores, the status, port and address. (A real
// SOCKS4 reply starts with 0, which Zeek reports as an unknown version.)
func (p parser) parseV4Reply(b []byte) (message, int, error) {
	if len(b) < 8 {
		return message{}, 0, p.short("SOCKS4_Reply", 8, len(b))
	}
	m := message{kind: kindV4Reply, code: b[1], port: binary.BigEndian.Uint16(b[2:4])}
	m.addr.host = netip.AddrFrom4([4]byte(b[4:8]))
	return m, 8, nil
}

// parseV5Greeting reads the client's method list after the version byte.
func (p parser) parseV5Greeting(b []byte) (message, int, error) {
	if len(b) < 1 {
		return message{}, 0, p.short("SOCKS5_Auth_Negotiation_Request", 1, 0)
	}
	if len(b) < 1+int(b[0]) {
		return message{}, 0, p.short("SOCKS5_Auth_Negotiation_Request:methods", int(b[0]), len(b)-1)
	}
	return message{kind: kindV5Greeting}, 1 + int(b[0]), nil
}

// parseV5RequestOrReply reads a SOCKS5 request or reply after the version
// byte: command or status, the reserved byte, an address and a port.
func (p parser) parseV5RequestOrReply(b []byte, isOrig bool) (message, int, error) {
	m := message{kind: kindV5Request}
	record := "SOCKS5_Request"
	if !isOrig {
		m.kind = kindV5Reply
		record = "SOCKS5_Reply"
	}
	if len(b) < 3 {
		return message{}, 0, p.short(record, 3, len(b))
	}
	m.code, m.reserved = b[0], b[1]
	n := 3
	switch b[2] {
	case 1:
		if len(b) < n+4 {
			return message{}, 0, p.short("SOCKS5_Address:ipv4", 5, len(b)-2)
		}
		m.addr.host = netip.AddrFrom4([4]byte(b[n : n+4]))
		n += 4
	case 3:
		if len(b) < n+1 {
			return message{}, 0, p.short("Domain_Name:len", 1, 0)
		}
		if len(b) < n+1+int(b[n]) {
			return message{}, 0, p.short("Domain_Name:name", 1+int(b[n]), len(b)-n)
		}
		l := int(b[n])
		m.addr.name, m.addr.hasName = b[n+1:n+1+l], true
		n += 1 + l
	case 4:
		if len(b) < n+16 {
			return message{}, 0, p.short("SOCKS5_Address:ipv6", 17, len(b)-2)
		}
		m.addr.host = netip.AddrFrom16([16]byte(b[n : n+16]))
		n += 16
	default:
		// Zeek's grammar takes the rest of the data as the address,
		// so the port that follows is always missing.
		return message{}, 0, outOfBound(record+":port", len(b)+2, len(b))
	}
	if len(b) < n+2 {
		return message{}, 0, p.short(record+":port", n+2, len(b))
	}
	m.port = binary.BigEndian.Uint16(b[n : n+2])
	return m, n + 2, nil
}

// parseAuth reads a message of the method sub-negotiation, which has no
// SOCKS version byte: RFC 1929 for method 2, anything else unparsed.
func (p parser) parseAuth(b []byte, isOrig bool, method uint8) (message, int, error) {
	if method != 2 {
		// The whole data is the unparsed sub-negotiation.
		return message{kind: kindAuthUnsupportedMethod, code: method}, len(b), nil
	}
	if len(b) < 1 {
		return message{}, 0, p.short("SOCKS5_Auth_Request_UserPass:version", 1, 0)
	}
	if b[0] != 1 {
		return message{kind: kindAuthUnsupportedVersion, version: b[0], code: method}, len(b), nil
	}
	if !isOrig {
		if len(b) < 2 {
			return message{}, 0, p.short("SOCKS5_Auth_Reply_UserPass_v1", 1, 0)
		}
		return message{kind: kindUserPassReply, version: 1, code: b[1]}, 2, nil
	}
	if len(b) < 2 {
		return message{}, 0, p.short("SOCKS5_Auth_Request_UserPass_v1:ulen", 1, 0)
	}
	ulen := int(b[1])
	if len(b) < 2+ulen+1 {
		return message{}, 0, p.short("SOCKS5_Auth_Request_UserPass_v1:username", ulen+1, len(b)-2)
	}
	user := b[2 : 2+ulen]
	at := 2 + ulen
	plen := int(b[at])
	if len(b) < at+1+plen {
		return message{}, 0, p.short("SOCKS5_Auth_Request_UserPass_v1:password", at-1+plen, len(b)-2)
	}
	return message{kind: kindUserPassRequest, version: 1, user: user, pass: b[at+1 : at+1+plen]}, at + 1 + plen, nil
}
