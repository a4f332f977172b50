package tunnels

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// recorder is a fake log writer: it keeps every record rendered as
// "seconds action type uid orig:port>resp:port".
type recorder struct {
	t0   zeek.Time
	recs []string
}

func (r *recorder) write(i *Info) {
	uid := "-"
	if i.UID.Set {
		uid = i.UID.V
	}
	r.recs = append(r.recs, fmt.Sprintf("%g %s %s %s %s:%d>%s:%d", i.TS.Sub(r.t0).Seconds(),
		strings.TrimPrefix(i.Action, "Tunnel::"), strings.TrimPrefix(i.TunnelType, "Tunnel::"), uid,
		i.ID.OrigH, i.ID.OrigP.Num, i.ID.RespH, i.ID.RespP.Num))
}

// take returns the records so far and forgets them.
func (r *recorder) take() []string {
	out := r.recs
	r.recs = nil
	return out
}

const t0 = zeek.Time(1_700_000_000 * zeek.Second)

func at(sec float64) zeek.Time { return t0.Add(zeek.Interval(sec * float64(zeek.Second))) }

func newFramework(cfg Config) (*Framework, *recorder) {
	r := &recorder{t0: t0}
	return New(cfg, r.write), r
}

// vxlanConn is the UDP connection 10.0.0.1:40000 → 10.0.0.2:4789 with uid
// {0, n}.
func vxlanConn(n uint64) *conn.Conn {
	return &conn.Conn{
		OrigAddr: packet.Mapped4([]byte{10, 0, 0, 1}), RespAddr: packet.Mapped4([]byte{10, 0, 0, 2}),
		OrigPort: 40000, RespPort: 4789, Version: 4, IPProto: 17, Transport: zeek.ProtoUDP,
		UID: [2]uint64{0, n},
	}
}

// ipTunnel is an IP tunnel between 192.168.0.a and 192.168.0.b.
func ipTunnel(a, b byte, n uint64) packet.EncapConn {
	return packet.EncapConn{Type: packet.TunnelIP, Version: 4, IPProto: 4,
		Src: packet.Mapped4([]byte{192, 168, 0, a}), Dst: packet.Mapped4([]byte{192, 168, 0, b}), UID: [2]uint64{0, n}}
}

func stack(ecs ...packet.EncapConn) *packet.EncapStack {
	var s packet.EncapStack
	for _, e := range ecs {
		s.Push(e)
	}
	return &s
}

func uid(n uint64) string { return conn.FormatUID('C', [2]uint64{0, n}) }

func check(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n\t%s\nwant:\n\t%s", what, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestDiscoverAndClose: each tunnel of a stack is discovered once,
// outermost first; a tunnel over a connection is closed when that
// connection ends, an IP tunnel is not (base/frameworks/tunnels/main.zeek:
// register and finalize_tunnel).
func TestDiscoverAndClose(t *testing.T) {
	f, r := newFramework(DefaultConfig())
	vc := vxlanConn(7)
	vx := vc.EncapAs(packet.TunnelVXLAN)
	ip := ipTunnel(1, 2, 8)
	f.Tick(at(0))
	f.Seen(at(0), stack(vx, ip))
	check(t, "first stack", r.take(),
		"0 DISCOVER VXLAN "+uid(7)+" 10.0.0.1:40000>10.0.0.2:4789",
		"0 DISCOVER IP "+uid(8)+" 192.168.0.1:0>192.168.0.2:0")
	f.Seen(at(1), stack(vx, ip))
	f.Seen(at(2), stack(vx))
	check(t, "the same tunnels again", r.take())
	if f.Active() != 2 {
		t.Fatalf("%d tunnels followed, want 2", f.Active())
	}
	// An unrelated connection ends: nothing.
	other := vxlanConn(9)
	other.OrigPort = 40001
	f.ConnDone(at(3), other)
	check(t, "unrelated connection", r.take())
	f.ConnDone(at(4), vc)
	check(t, "tunnel connection ends", r.take(), "4 CLOSE VXLAN "+uid(7)+" 10.0.0.1:40000>10.0.0.2:4789")
	// A connection between the IP tunnel's endpoints closes nothing.
	ipc := &conn.Conn{OrigAddr: ip.Src, RespAddr: ip.Dst, Version: 4, IPProto: 4, UID: ip.UID}
	f.ConnDone(at(5), ipc)
	check(t, "ip tunnel", r.take())
	if f.Active() != 1 {
		t.Fatalf("%d tunnels followed, want the IP tunnel", f.Active())
	}
	// Once closed, the same tunnel is discovered again.
	f.Seen(at(6), stack(vx))
	check(t, "rediscovered", r.take(), "6 DISCOVER VXLAN "+uid(7)+" 10.0.0.1:40000>10.0.0.2:4789")
}

// TestExpire: a tunnel not seen for longer than Tunnel::expiration_interval
// is expired at the next check; checks run at the first packet and then
// every 10 s of network time (table_expire_interval), whether or not
// tunnels are followed, and an access exactly one interval ago does not
// expire (TableVal::DoExpire compares strictly).
func TestExpire(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExpirationInterval = 60 * zeek.Second
	f, r := newFramework(cfg)
	ip := ipTunnel(1, 2, 1)
	// Packets every second from t0; the tunnel shows up at 25 and is
	// seen again at 30.
	for s := 0; s <= 200; s++ {
		now := at(float64(s))
		f.Tick(now)
		if s == 25 || s == 30 {
			f.Seen(now, stack(ip))
		}
	}
	// Checks at 0, 10, 20, …: at 90 the last access (30) is exactly 60 s
	// old, at 100 it is older.
	check(t, "records", r.take(),
		"25 DISCOVER IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0",
		"100 EXPIRE IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0")
	if f.Active() != 0 {
		t.Errorf("%d tunnels left", f.Active())
	}
}

// TestExpireSparsePackets: checks happen at packets, so a check that was
// due in a gap runs at the first packet after it, and the next one is
// counted from there.
func TestExpireSparsePackets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExpirationInterval = 5 * zeek.Second
	f, r := newFramework(cfg)
	ip := ipTunnel(1, 2, 1)
	for _, s := range []float64{0, 1, 13, 17, 22.5, 23, 40} {
		f.Tick(at(s))
		if s == 1 {
			f.Seen(at(s), stack(ip))
		}
	}
	// Checks at 0, 13 (due at 10), 23 (due at 23), 40: at 13 the tunnel
	// is 12 s idle.
	check(t, "records", r.take(),
		"1 DISCOVER IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0",
		"13 EXPIRE IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0")
}

// TestSeenRefreshes: seeing a tunnel again counts as an access (Zeek's
// "in" reads the &read_expire table).
func TestSeenRefreshes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExpirationInterval = 30 * zeek.Second
	f, r := newFramework(cfg)
	ip := ipTunnel(1, 2, 1)
	for s := 0; s <= 100; s += 5 {
		f.Tick(at(float64(s)))
		if s <= 50 {
			f.Seen(at(float64(s)), stack(ip))
		}
	}
	check(t, "records", r.take(),
		"0 DISCOVER IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0",
		"90 EXPIRE IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0")
}

// TestRegister: a tunnel an analyzer found (HTTP CONNECT, SOCKS) is logged
// without a uid, and its connection's end does not close it.
func TestRegister(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExpirationInterval = 10 * zeek.Second
	f, r := newFramework(cfg)
	c := vxlanConn(3)
	ec := c.EncapAs(packet.TunnelHTTP)
	ec.SrcPort, ec.UID = 0, [2]uint64{}
	f.Tick(at(0))
	f.Register(at(0), &ec, false)
	f.Register(at(1), &ec, false)
	c.OrigPort = 0
	f.ConnDone(at(2), c)
	f.Tick(at(30))
	check(t, "records", r.take(),
		"0 DISCOVER HTTP - 10.0.0.1:0>10.0.0.2:4789",
		"30 EXPIRE HTTP - 10.0.0.1:0>10.0.0.2:4789")
}

// TestMaxActive: Heron's bound on followed tunnels expires the least
// recently seen one early.
func TestMaxActive(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxActive = 2
	f, r := newFramework(cfg)
	a, b, c := ipTunnel(1, 2, 1), ipTunnel(3, 4, 2), ipTunnel(5, 6, 3)
	f.Seen(at(0), stack(a))
	f.Seen(at(1), stack(b))
	f.Seen(at(2), stack(a))
	f.Seen(at(3), stack(c))
	check(t, "records", r.take(),
		"0 DISCOVER IP "+uid(1)+" 192.168.0.1:0>192.168.0.2:0",
		"1 DISCOVER IP "+uid(2)+" 192.168.0.3:0>192.168.0.4:0",
		"3 EXPIRE IP "+uid(2)+" 192.168.0.3:0>192.168.0.4:0",
		"3 DISCOVER IP "+uid(3)+" 192.168.0.5:0>192.168.0.6:0")
	if f.Active() != 2 {
		t.Errorf("%d tunnels followed, want 2", f.Active())
	}
}

// TestPorts: the ports of a tunnel over a connection carry its transport;
// those of an IP tunnel are 0 of an unknown transport, or of the outer
// transport for GRE over UDP.
func TestPorts(t *testing.T) {
	var got []zeek.Port
	f := New(DefaultConfig(), func(i *Info) { got = append(got, i.ID.OrigP, i.ID.RespP) })
	vx := vxlanConn(1).EncapAs(packet.TunnelVXLAN)
	ip := ipTunnel(1, 2, 2)
	gre := ipTunnel(3, 4, 3)
	gre.Type, gre.IPProto, gre.Transport = packet.TunnelGRE, 17, packet.TransportUDP
	f.Seen(at(0), stack(vx, ip, gre))
	want := []zeek.Port{{Num: 40000, Proto: zeek.ProtoUDP}, {Num: 4789, Proto: zeek.ProtoUDP},
		{Proto: zeek.ProtoUnknown}, {Proto: zeek.ProtoUnknown}, {Proto: zeek.ProtoUDP}, {Proto: zeek.ProtoUDP}}
	if !slices.Equal(got, want) {
		t.Errorf("ports %v, want %v", got, want)
	}
}
