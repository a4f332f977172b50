package socks

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Info is a socks.log record (Zeek's SOCKS::Info): one proxied
// connection's handshake.
type Info struct {
	// TS is when the first SOCKS event of the connection came (the
	// request, or the login before it).
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// Version is the SOCKS version (4 or 5).
	Version uint64 `zeek:"version"`
	// User is the RFC 1929 user name the client logged in with.
	User zeek.Opt[string] `zeek:"user"`
	// Password is its password, with SOCKS::default_capture_password=T
	// only.
	Password zeek.Opt[string] `zeek:"password"`
	// Status is the server's answer in words ("succeeded", …), from the
	// reply, or from the login reply before it.
	Status zeek.Opt[string] `zeek:"status"`
	// Request is the address the client asked for.
	Request zeek.Opt[Address] `zeek:"request"`
	// RequestP is the port the client asked for.
	RequestP zeek.Opt[zeek.Port] `zeek:"request_p"`
	// Bound is the address the server bound.
	Bound zeek.Opt[Address] `zeek:"bound"`
	// BoundP is the port the server bound.
	BoundP zeek.Opt[zeek.Port] `zeek:"bound_p"`

	// capturePassword is the record's capture_password (not logged).
	capturePassword bool
}

// Address is a SOCKS address (Zeek's SOCKS::Address): an IP address, a
// host name, or with SOCKS4a both.
type Address struct {
	// Host is the IP address.
	Host zeek.Opt[zeek.Addr] `zeek:"host"`
	// Name is the host name.
	Name zeek.Opt[string] `zeek:"name"`
}

func some[T any](v T) zeek.Opt[T] { return zeek.Some(v) }

func tcpPort(p uint16) zeek.Port { return zeek.Port{Num: p, Proto: zeek.ProtoTCP} }

// toLog copies a parsed address into a log record's.
func (a address) toLog() Address {
	var out Address
	if a.host.IsValid() {
		out.Host = some(a.host)
	}
	if a.hasName {
		out.Name = some(string(a.name))
	}
	return out
}

// v5Status is SOCKS::v5_status: a SOCKS5 reply code in words.
func v5Status(code uint8) string {
	switch code {
	case 0:
		return "succeeded"
	case 1:
		return "general SOCKS server failure"
	case 2:
		return "connection not allowed by ruleset"
	case 3:
		return "Network unreachable"
	case 4:
		return "Host unreachable"
	case 5:
		return "Connection refused"
	case 6:
		return "TTL expired"
	case 7:
		return "Command not supported"
	case 8:
		return "Address type not supported"
	}
	return "unknown-" + strconv.Itoa(int(code))
}

// v4Status is SOCKS::v4_status: a SOCKS4 reply code in words.
func v4Status(code uint8) string {
	switch code {
	case 0x5a:
		return "succeeded"
	case 0x5b:
		return "general SOCKS server failure"
	case 0x5c:
		return "request failed because client is not running identd"
	case 0x5d:
		return "request failed because client's identd could not confirm the user ID string in the request"
	}
	return "unknown-" + strconv.Itoa(int(code))
}
