package tunnels

import (
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Info is a tunnel.log record (Zeek's Tunnel::Info).
type Info struct {
	// TS is when the action happened.
	TS zeek.Time `zeek:"ts"`
	// UID names the tunnel: the uid of the connection it runs over, or
	// its own for IP and GRE tunnels.
	UID zeek.Opt[string] `zeek:"uid"`
	// ID holds the tunnel's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// TunnelType is the kind of tunnel ("Tunnel::VXLAN").
	TunnelType string `zeek:"tunnel_type,enum"`
	// Action is Tunnel::DISCOVER, Tunnel::CLOSE or Tunnel::EXPIRE.
	Action string `zeek:"action,enum"`
}

// Config holds the framework's options.
type Config struct {
	// ExpirationInterval is Tunnel::expiration_interval: a tunnel not
	// seen for this long is expired.
	ExpirationInterval zeek.Interval
	// SweepInterval is how often expiration is checked (Zeek's
	// table_expire_interval).
	SweepInterval zeek.Interval
	// MaxActive bounds the tunnels followed at once (Heron's bound);
	// beyond it the least recently seen are expired early.
	MaxActive int
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{ExpirationInterval: zeek.Hour, SweepInterval: 10 * zeek.Second, MaxActive: 1 << 16}
}

// key is a tunnel's conn_id.
type key struct {
	src, dst         [16]byte
	sport, dport     uint16
	transport, proto uint8
}

type entry struct {
	info   Info
	access zeek.Time
	// hook: the tunnel runs over a connection whose end closes it.
	hook bool
}

// Framework follows the tunnels of one analysis thread.
type Framework struct {
	cfg       Config
	write     func(*Info)
	active    map[key]*entry
	nextSweep zeek.Time
	swept     bool // the first check ran
}

// New returns a framework that writes tunnel.log records with write.
func New(cfg Config, write func(*Info)) *Framework {
	return &Framework{cfg: cfg, write: write, active: map[key]*entry{}}
}

func keyOf(ec *packet.EncapConn) key {
	return key{src: ec.Src, dst: ec.Dst, sport: ec.SrcPort, dport: ec.DstPort, transport: ec.Transport, proto: ec.IPProto}
}

// portOf renders an encapsulation's port as Zeek's port value.
func portOf(n uint16, transport uint8) zeek.Port {
	p := zeek.Port{Num: n}
	switch transport {
	case packet.TransportTCP:
		p.Proto = zeek.ProtoTCP
	case packet.TransportUDP:
		p.Proto = zeek.ProtoUDP
	case packet.TransportICMP:
		p.Proto = zeek.ProtoICMP
	}
	return p
}

// Seen registers every tunnel of stack, outermost first (Zeek's
// Tunnel::register_all from new_connection and tunnel_changed): a tunnel
// not followed yet gets a DISCOVER record. Tunnels that run over a
// connection are closed when that connection ends.
func (f *Framework) Seen(now zeek.Time, stack *packet.EncapStack) {
	f.Tick(now)
	for i := 0; i < stack.Len(); i++ {
		ec := stack.At(i)
		f.register(now, ec, true, ec.Transport != packet.TransportUnknown)
	}
}

// Register registers one tunnel that a protocol analyzer found (Zeek's
// Tunnel::register from scripts: HTTP CONNECT and SOCKS register their
// proxy connection with the originator's port zeroed, and without a uid).
// Such a tunnel is not closed by a connection's end; it expires.
func (f *Framework) Register(now zeek.Time, ec *packet.EncapConn, withUID bool) {
	f.Tick(now)
	f.register(now, ec, withUID, false)
}

func (f *Framework) register(now zeek.Time, ec *packet.EncapConn, withUID, hook bool) {
	k := keyOf(ec)
	if e := f.active[k]; e != nil {
		e.access = now
		return
	}
	if len(f.active) >= f.cfg.MaxActive && f.cfg.MaxActive > 0 {
		f.evictOldest(now)
	}
	e := &entry{access: now, hook: hook}
	e.info = Info{
		TS: now,
		ID: zeek.ConnID{
			OrigH: ec.SrcAddr(), OrigP: portOf(ec.SrcPort, ec.Transport),
			RespH: ec.DstAddr(), RespP: portOf(ec.DstPort, ec.Transport),
		},
		TunnelType: ec.Type.String(),
		Action:     "Tunnel::DISCOVER",
	}
	if withUID {
		e.info.UID = zeek.Some(conn.FormatUID('C', ec.UID))
	}
	f.active[k] = e
	rec := e.info
	f.write(&rec)
}

// ConnDone closes the tunnel that ran over a connection that ended
// (Zeek's finalize_tunnel removal hook).
func (f *Framework) ConnDone(now zeek.Time, c *conn.Conn) {
	if len(f.active) == 0 {
		return
	}
	ec := c.EncapAs(packet.TunnelNone)
	k := keyOf(&ec)
	if e := f.active[k]; e != nil && e.hook {
		f.close(now, k, e, "Tunnel::CLOSE")
	}
}

func (f *Framework) close(now zeek.Time, k key, e *entry, action string) {
	rec := e.info
	rec.TS = now
	rec.Action = action
	delete(f.active, k)
	f.write(&rec)
}

// Tick expires the tunnels idle for longer than the expiration interval;
// the packet loop calls it with network time before each packet. As
// Zeek's table expiration timer does, the check runs at the first packet
// and then at the first packet at least SweepInterval after the previous
// check, whether or not tunnels are followed, so that EXPIRE records carry
// the times of the same packets as Zeek's.
func (f *Framework) Tick(now zeek.Time) {
	if f.swept && now < f.nextSweep {
		return
	}
	f.swept = true
	f.nextSweep = now.Add(f.cfg.SweepInterval)
	for k, e := range f.active {
		// Zeek expires an entry whose last access plus the interval
		// lies before the check (Val.cc TableVal::DoExpire).
		if now.Sub(e.access) > f.cfg.ExpirationInterval {
			f.close(now, k, e, "Tunnel::EXPIRE")
		}
	}
}

// evictOldest expires the least recently seen tunnel early.
func (f *Framework) evictOldest(now zeek.Time) {
	var oldest *entry
	var ok key
	for k, e := range f.active {
		if oldest == nil || e.access < oldest.access {
			oldest, ok = e, k
		}
	}
	if oldest != nil {
		f.close(now, ok, oldest, "Tunnel::EXPIRE")
	}
}

// Active returns the number of tunnels followed.
func (f *Framework) Active() int { return len(f.active) }
