package zeek

import (
	"net/netip"
	"strconv"
)

// Time is an absolute time in nanoseconds since the Unix epoch. Zeek keeps
// times as doubles in seconds; logs print them with six decimals.
type Time int64

// Interval is a duration in nanoseconds (Zeek's interval type).
type Interval int64

// Common intervals.
const (
	Nanosecond  Interval = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
	Day                  = 24 * Hour
)

// Add returns t+d.
func (t Time) Add(d Interval) Time { return t + Time(d) }

// Sub returns t-u.
func (t Time) Sub(u Time) Interval { return Interval(t - u) }

// Seconds returns t as seconds since the epoch, as Zeek's double.
func (t Time) Seconds() float64 { return float64(t) / 1e9 }

// Seconds returns d in seconds.
func (d Interval) Seconds() float64 { return float64(d) / 1e9 }

// AppendFixed6 appends v nanoseconds as a decimal number of seconds with six
// decimals, rounding half away from zero, as Zeek prints times and
// intervals ("1332784786.723256", "-0.000001").
func AppendFixed6(b []byte, v int64) []byte {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	// Round to microseconds.
	us := (u + 500) / 1000
	if neg && us != 0 {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, us/1_000_000, 10)
	frac := us % 1_000_000
	b = append(b, '.')
	var tmp [6]byte
	for i := 5; i >= 0; i-- {
		tmp[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, tmp[:]...)
}

// Proto is a transport protocol as Zeek's transport_proto enum.
type Proto uint8

// Transport protocols, in Zeek's enum order.
const (
	ProtoUnknown Proto = iota
	ProtoTCP
	ProtoUDP
	ProtoICMP
)

// String returns Zeek's name of the protocol ("tcp", "udp", "icmp", "unknown_transport").
func (p Proto) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoICMP:
		return "icmp"
	}
	return "unknown_transport"
}

// Port is Zeek's port value: a number and its transport protocol. Logs print
// only the number.
type Port struct {
	Num   uint16
	Proto Proto
}

// Addr is an IPv4 or IPv6 address. IPv4 addresses are kept in their 4-byte
// form so that they print as dotted quads.
type Addr = netip.Addr

// Subnet is a CIDR prefix.
type Subnet = netip.Prefix

// Opt is an optional log value: when Set is false the field is unset and
// printed as Zeek's unset mark ("-" in ASCII, omitted in JSON).
type Opt[T any] struct {
	V   T
	Set bool
}

// Some returns a set optional value.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Set: true} }

// ConnID is Zeek's conn_id as logs show it ("id.orig_h", …). Its ctx
// fields exist only with the VLAN-aware connection key.
type ConnID struct {
	OrigH Addr    `zeek:"orig_h"`
	OrigP Port    `zeek:"orig_p"`
	RespH Addr    `zeek:"resp_h"`
	RespP Port    `zeek:"resp_p"`
	Ctx   ConnCtx `zeek:"ctx"`
}

// ConnCtx is Zeek's conn_id_ctx: extra key fields of the connection.
type ConnCtx struct {
	// VLAN is the outer 802.1Q tag of the connection.
	VLAN Opt[int64] `zeek:"vlan,ext=vlan_fivetuple"`
	// InnerVLAN is the inner tag of Q-in-Q.
	InnerVLAN Opt[int64] `zeek:"inner_vlan,ext=vlan_fivetuple"`
}
