package conn

import (
	"net/netip"
	"testing"

	"github.com/heron-nsm/heron/internal/layers"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/zeek"
)

// harness feeds raw IP packets through the IP layer and a Manager and
// records the finished connections and weirds.
type harness struct {
	t     testing.TB
	dec   *packet.Decoder
	m     *Manager
	done  []Info
	weird []string // "name/source"
	now   zeek.Time
}

type testSite struct{}

func (testSite) IsLocal(a netip.Addr) bool { return a.IsPrivate() }
func (testSite) HaveLocalNets() bool       { return true }

func (h *harness) ConnDone(c *Conn) {
	var r Info
	c.FillInfo(&r, testSite{}, false)
	h.done = append(h.done, r)
}

func (h *harness) ConnWeird(now zeek.Time, c *Conn, name, addl, source string) {
	h.weird = append(h.weird, name+"/"+source)
}

func (h *harness) GlobalWeird(string) WeirdVerdict { return WeirdUnknown }

func (h *harness) RexmitInconsistency(c *Conn, old, new []byte, flags string) {
	h.weird = append(h.weird, "rexmit_inconsistency/"+string(old)+"/"+string(new)+"/"+flags)
}

func (h *harness) ContentGap(c *Conn, orig bool, seq, n uint64) {}

func (h *harness) PacketWeird(p *packet.Packet, name, addl, source string) {
	h.weird = append(h.weird, name+"/"+source)
}

func newHarness(t testing.TB, cfg Config) *harness {
	h := &harness{t: t}
	table, err := packet.Compile(packet.Wiring(), packet.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	h.dec = packet.NewDecoder(table, h)
	cfg.Seed = 1
	h.m = NewManager(cfg, h)
	h.m.Install(h.dec)
	h.dec.Set(packet.LayerIP, layers.NewIP(h.dec, layers.IPConfig{}, nil))
	h.now = zeek.Time(1_000_000_000) * 1_600_000_000
	return h
}

// feed decodes one raw IP packet at now+dt.
func (h *harness) feed(dt zeek.Interval, ip []byte) {
	h.now = h.now.Add(dt)
	var p packet.Packet
	p.TS, p.Data, p.WireLen, p.LinkType = h.now, ip[:len(ip):len(ip)], uint32(len(ip)), packet.DLTRaw
	h.m.Advance(h.now)
	h.dec.Decode(&p)
}

// finish flushes every connection and returns the records.
func (h *harness) finish() []Info {
	h.m.Flush()
	return h.done
}

var (
	cli = pktbuild.V4("10.0.0.1")
	srv = pktbuild.V4("192.0.2.80")
)

// tcp builds a client→server (toSrv) or server→client segment.
func tcp(toSrv bool, flags uint8, seq, ack uint32, payload string) []byte {
	ip := pktbuild.IP{Src: cli, Dst: srv}
	t := pktbuild.TCP{SrcPort: 40000, DstPort: 80, Seq: seq, Ack: ack, Flags: flags}
	if !toSrv {
		ip.Src, ip.Dst = srv, cli
		t.SrcPort, t.DstPort = 80, 40000
	}
	return pktbuild.TCPPacket(ip, t, []byte(payload))
}

const ms = zeek.Millisecond
