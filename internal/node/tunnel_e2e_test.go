package node_test

// End-to-end tests of tunnels: traces built here run through the
// standalone node configured as cmd/heron configures it (Zeek's default
// scripts, ID=VALUE options), and conn.log, tunnel.log and weird.log are
// checked against what Zeek's scripts and analyzers imply
// (base/frameworks/tunnels/main.zeek, base/protocols/conn/main.zeek,
// src/packet_analysis/protocol/*, Conn.cc CheckEncapsulation).

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

// heronConfig builds the node's configuration from Zeek's default scripts
// and ID=VALUE arguments the way cmd/heron does: the options registry,
// the scripts' port-set variables (PacketAnalyzer::VXLAN::vxlan_ports, …)
// as options, and the features the loaded scripts switch on.
func heronConfig(t *testing.T, assigns ...string) node.Config {
	t.Helper()
	return heronConfigScripts(t, nil, assigns...)
}

// heronConfigScripts is heronConfig with script names loaded on top of
// Zeek's default set.
func heronConfigScripts(t *testing.T, names []string, assigns ...string) node.Config {
	t.Helper()
	cfg := node.DefaultConfig()
	loaded, err := scripts.Load(false, names)
	if err != nil {
		t.Fatal(err)
	}
	reg := options.NewRegistry()
	cfg.Options(reg)
	portVars := map[string]*[]zeek.Port{}
	for name, ports := range loaded.PortVariables() {
		v := ports
		portVars[name] = &v
		reg.Register(name, options.SetPortValue(&v), "")
	}
	for _, a := range assigns {
		if err := reg.Apply(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	for name, v := range portVars {
		loaded.SetPortVariable(name, *v)
	}
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Conn.Seed = 1
	cfg.Log.LogDir = t.TempDir()
	return cfg
}

// tunnelRun holds the logs of one run.
type tunnelRun struct {
	conns, tunnels, weirds *zeeklog.Log
	times                  []zeek.Time
}

// runTunnelTrace writes frames as a trace, runs the node over it and
// reads the logs.
func runTunnelTrace(t *testing.T, cfg node.Config, frames []frame) *tunnelRun {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, packet.DLTEN10MB, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := &tunnelRun{}
	ts := traceStart
	for i, f := range frames {
		if i > 0 {
			gap := f.gap
			if gap == 0 {
				gap = zeek.Millisecond
			}
			ts = ts.Add(gap)
		}
		run.times = append(run.times, ts)
		if err := w.WritePacket(ts, f.data, f.wire); err != nil {
			t.Fatal(err)
		}
	}
	src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := node.RunSource(cfg, src)
	if err != nil {
		t.Fatalf("RunSource: %v", err)
	}
	if res.Bugs != 0 {
		t.Fatalf("%d packets hit bugs; first: %s", res.Bugs, res.FirstBug)
	}
	dir := cfg.Log.LogDir
	run.conns = readLog(t, filepath.Join(dir, "conn.log"))
	run.tunnels = readLog(t, filepath.Join(dir, "tunnel.log"))
	run.weirds = readLog(t, filepath.Join(dir, "weird.log"))
	return run
}

// conn returns the conn.log record with the given originator and
// responder ("addr:port"), failing when there is not exactly one.
func (r *tunnelRun) conn(t *testing.T, orig, resp string) map[string]string {
	t.Helper()
	var found []map[string]string
	for _, c := range r.conns.Records {
		if c["id.orig_h"]+":"+c["id.orig_p"] == orig && c["id.resp_h"]+":"+c["id.resp_p"] == resp {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("conn.log has %d connections %s > %s, want 1:\n%s", len(found), orig, resp, r.dumpConns())
	}
	return found[0]
}

// hasConn reports whether conn.log has a connection with that originator
// and responder.
func (r *tunnelRun) hasConn(orig, resp string) bool {
	for _, c := range r.conns.Records {
		if c["id.orig_h"]+":"+c["id.orig_p"] == orig && c["id.resp_h"]+":"+c["id.resp_p"] == resp {
			return true
		}
	}
	return false
}

func (r *tunnelRun) dumpConns() string {
	var b strings.Builder
	for _, c := range r.conns.Records {
		b.WriteString("\t" + c["uid"] + " " + c["id.orig_h"] + ":" + c["id.orig_p"] + " > " + c["id.resp_h"] + ":" +
			c["id.resp_p"] + " " + c["service"] + " " + c["history"] + " parents=" + c["tunnel_parents"] + "\n")
	}
	return b.String()
}

// tunnelRecords renders tunnel.log: "frame action type uid orig > resp",
// with the frame's index (1-based) whose time the record carries.
func (r *tunnelRun) tunnelRecords(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, rec := range r.tunnels.Records {
		idx := "?"
		for i, ts := range r.times {
			if fmtTime(ts) == rec["ts"] {
				idx = string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10))
				break
			}
		}
		out = append(out, idx+" "+strings.TrimPrefix(rec["action"], "Tunnel::")+" "+strings.TrimPrefix(rec["tunnel_type"], "Tunnel::")+" "+
			rec["uid"]+" "+rec["id.orig_h"]+":"+rec["id.orig_p"]+" > "+rec["id.resp_h"]+":"+rec["id.resp_p"])
	}
	return out
}

// weirdNames returns the names in weird.log.
func (r *tunnelRun) weirdNames() []string {
	var out []string
	for _, w := range r.weirds.Records {
		out = append(out, w["name"])
	}
	return out
}

// parents returns a connection's tunnel_parents, sorted.
func (r *tunnelRun) parents(c map[string]string) []string {
	p := r.conns.Elems(c["tunnel_parents"])
	sort.Strings(p)
	return p
}

func wantRecords(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n\t%s\nwant:\n\t%s", what, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// Hosts: the tunnel endpoints are hostA and hostB; inside are these.
var (
	innerA = pktbuild.V4("192.168.0.1")
	innerB = pktbuild.V4("192.168.0.2")
	deepA  = pktbuild.V4("172.16.0.1")
	deepB  = pktbuild.V4("172.16.0.2")
)

// innerSYN and innerSYNACK are a TCP handshake's first two segments
// between a and b (40001 → 50000: no analyzer's port).
func innerSYN(a, b netip.Addr) []byte {
	return pktbuild.TCPPacket(pktbuild.IP{Src: a, Dst: b}, pktbuild.TCP{SrcPort: 40001, DstPort: 50000, Seq: 1, Flags: pktbuild.SYN}, nil)
}

func innerSYNACK(a, b netip.Addr) []byte {
	return pktbuild.TCPPacket(pktbuild.IP{Src: b, Dst: a}, pktbuild.TCP{SrcPort: 50000, DstPort: 40001, Seq: 9, Ack: 2, Flags: pktbuild.SYN | pktbuild.ACK}, nil)
}

// innerUDP is a datagram a:40001 → b:50000 (or back).
func innerUDP(a, b netip.Addr, back bool, payload string) []byte {
	u := pktbuild.UDP{SrcPort: 40001, DstPort: 50000}
	if back {
		a, b = b, a
		u.SrcPort, u.DstPort = 50000, 40001
	}
	return pktbuild.UDPPacket(pktbuild.IP{Src: a, Dst: b}, u, []byte(payload))
}

// vxlan is a frame hostA:sport → hostB:dport (or back) carrying VXLAN
// around an Ethernet frame with the IP packet inner.
func vxlan(back bool, sport, dport uint16, inner []byte) frame {
	return udpFrame(hostA, hostB, back, sport, dport, append(pktbuild.VXLANHeader(5), pktbuild.EtherIP(inner)...), false)
}

// udpFrame is a frame src:sport → dst:dport (back: the other way) with
// payload; badSum corrupts the UDP checksum.
func udpFrame(src, dst netip.Addr, back bool, sport, dport uint16, payload []byte, badSum bool) frame {
	u := pktbuild.UDP{SrcPort: sport, DstPort: dport, BadChecksum: badSum}
	if back {
		src, dst = dst, src
		u.SrcPort, u.DstPort = dport, sport
	}
	return ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: src, Dst: dst}, u, payload))
}

// ipip is a frame hostA → hostB (or back) carrying inner in IP-in-IP.
func ipip(back bool, inner []byte) frame {
	ip := pktbuild.IP{Src: hostA, Dst: hostB}
	if back {
		ip.Src, ip.Dst = hostB, hostA
	}
	return ethIP(pktbuild.IPInIP(ip, inner))
}

// filler is an unrelated UDP datagram between hostC and hostA that moves
// network time on.
func filler(gap zeek.Interval) frame {
	f := udpFrame(hostC, hostA, false, 33333, 44444, []byte("tick"), false)
	f.gap = gap
	return f
}

const (
	outerVX  = "10.0.0.1:40000"
	vxlanEP  = "10.0.0.2:4789"
	innerTCP = "192.168.0.1:40001"
	innerSrv = "192.168.0.2:50000"
)

// TestTunnelLogVXLAN: a VXLAN tunnel is discovered with the first
// connection inside it (new_connection with c$tunnel), under the uid of
// the UDP connection it runs over, and closed when that connection ends
// (Tunnel::finalize_tunnel); the inner connection names it in
// tunnel_parents, and the outer one gets the service vxlan.
func TestTunnelLogVXLAN(t *testing.T) {
	frames := []frame{
		vxlan(false, 40000, 4789, innerSYN(innerA, innerB)),
		vxlan(true, 40000, 4789, innerSYNACK(innerA, innerB)),
		// Two minutes later: the outer flow has been idle for longer
		// than udp_inactivity_timeout and ends.
		filler(2 * zeek.Minute),
		filler(zeek.Second),
	}
	run := runTunnelTrace(t, heronConfig(t), frames)
	outer := run.conn(t, outerVX, vxlanEP)
	inner := run.conn(t, innerTCP, innerSrv)
	uid := outer["uid"]
	wantRecords(t, "tunnel.log", run.tunnelRecords(t),
		"01 DISCOVER VXLAN "+uid+" "+outerVX+" > "+vxlanEP,
		"03 CLOSE VXLAN "+uid+" "+outerVX+" > "+vxlanEP)
	if got := run.parents(inner); !slices.Equal(got, []string{uid}) {
		t.Errorf("inner tunnel_parents %v, want [%s]", got, uid)
	}
	if outer["service"] != "vxlan" || outer["history"] != "Dd" {
		t.Errorf("outer connection: service %s history %s, want vxlan Dd", outer["service"], outer["history"])
	}
	if !run.conns.Unset(outer["tunnel_parents"]) {
		t.Errorf("outer connection has tunnel_parents %s", outer["tunnel_parents"])
	}
}

// TestTunnelLogIPInIP: an IP tunnel has a uid of its own (no connection
// carries it); the inner connection names it; the end of the trace closes
// nothing (only expiration ends an IP tunnel in tunnel.log).
func TestTunnelLogIPInIP(t *testing.T) {
	frames := []frame{
		ipip(false, innerSYN(innerA, innerB)),
		ipip(true, innerSYNACK(innerA, innerB)),
		filler(10 * zeek.Minute),
	}
	run := runTunnelTrace(t, heronConfig(t), frames)
	recs := run.tunnels.Records
	if len(recs) != 1 {
		t.Fatalf("tunnel.log: %v, want one DISCOVER", run.tunnelRecords(t))
	}
	uid := recs[0]["uid"]
	wantRecords(t, "tunnel.log", run.tunnelRecords(t), "01 DISCOVER IP "+uid+" 10.0.0.1:0 > 10.0.0.2:0")
	for _, c := range run.conns.Records {
		if c["uid"] == uid {
			t.Errorf("the IP tunnel's uid %s names a connection too", uid)
		}
	}
	inner := run.conn(t, innerTCP, innerSrv)
	if got := run.parents(inner); !slices.Equal(got, []string{uid}) {
		t.Errorf("inner tunnel_parents %v, want [%s]", got, uid)
	}
	if !strings.HasPrefix(uid, "C") || len(uid) < 10 {
		t.Errorf("uid %q does not look like a connection uid", uid)
	}
}

// TestTunnelParentsAccumulate: the answers of an inner connection come
// through another outer connection, so its tunnel changes
// (tunnel_changed): both tunnels are discovered, both outer connections
// are its parents, and both tunnels close when the trace ends.
func TestTunnelParentsAccumulate(t *testing.T) {
	frames := []frame{
		vxlan(false, 40000, 4789, innerSYN(innerA, innerB)),
		udpFrame(hostB, hostA, false, 40002, 4789, append(pktbuild.VXLANHeader(5), pktbuild.EtherIP(innerSYNACK(innerA, innerB))...), false),
	}
	run := runTunnelTrace(t, heronConfig(t), frames)
	out1 := run.conn(t, outerVX, vxlanEP)["uid"]
	out2 := run.conn(t, "10.0.0.2:40002", "10.0.0.1:4789")["uid"]
	inner := run.conn(t, innerTCP, innerSrv)
	want := []string{out1, out2}
	sort.Strings(want)
	if got := run.parents(inner); !slices.Equal(got, want) {
		t.Errorf("tunnel_parents %v, want %v", got, want)
	}
	got := run.tunnelRecords(t)
	wantRecords(t, "tunnel.log", got[:2],
		"01 DISCOVER VXLAN "+out1+" "+outerVX+" > "+vxlanEP,
		"02 DISCOVER VXLAN "+out2+" 10.0.0.2:40002 > 10.0.0.1:4789")
	closes := slices.Clone(got[2:])
	sort.Strings(closes)
	wantCloses := []string{"02 CLOSE VXLAN " + out1 + " " + outerVX + " > " + vxlanEP,
		"02 CLOSE VXLAN " + out2 + " 10.0.0.2:40002 > 10.0.0.1:4789"}
	sort.Strings(wantCloses)
	wantRecords(t, "closes at the end", closes, wantCloses...)
}

// changingTunnel is an inner UDP flow whose packets come through
// different IP tunnels (hostA ↔ hostB, hostA ↔ hostC, alternating).
func changingTunnel(n int) []frame {
	var frames []frame
	for i := 0; i < n; i++ {
		ip := pktbuild.IP{Src: hostA, Dst: hostB}
		if i%2 == 1 {
			ip.Dst = hostC
		}
		frames = append(frames, ethIP(pktbuild.IPInIP(ip, innerUDP(innerA, innerB, false, "x"))))
	}
	return frames
}

// TestTunnelMaxChanges: Tunnel::max_changes_per_connection bounds how
// often a connection's tunnels change (Conn.cc CheckEncapsulation); past
// it each change raises tunnel_max_changes_per_connection_exceeded (which
// weird.log shows once per connection) and the history gets 'X'.
func TestTunnelMaxChanges(t *testing.T) {
	const innerU = "192.168.0.1:40001"
	for _, c := range []struct {
		assign  []string
		weirds  int
		history string
		parents int
	}{
		{nil, 0, "D", 2}, // 5 changes: the default limit
		{[]string{"Tunnel::max_changes_per_connection=2"}, 1, "DX", 2},
		{[]string{"Tunnel::max_changes_per_connection=0"}, 0, "D", 2},
	} {
		run := runTunnelTrace(t, heronConfig(t, c.assign...), changingTunnel(6))
		inner := run.conn(t, innerU, innerSrv)
		n := 0
		for _, w := range run.weirds.Records {
			if w["name"] == "tunnel_max_changes_per_connection_exceeded" {
				n++
				if w["uid"] != inner["uid"] || w["addl"] != "2" {
					t.Errorf("%v: weird uid %s addl %s, want %s and 2", c.assign, w["uid"], w["addl"], inner["uid"])
				}
			}
		}
		if n != c.weirds || inner["history"] != c.history || len(run.parents(inner)) != c.parents {
			t.Errorf("%v: %d weirds, history %s, %d parents; want %d, %s, %d", c.assign, n, inner["history"],
				len(run.parents(inner)), c.weirds, c.history, c.parents)
		}
	}
}

// nestedVXLAN is three VXLAN tunnels inside each other: hostA → hostB
// carries innerA → innerB, which carries deepA → deepB, which carries a
// TCP SYN.
func nestedVXLAN() frame {
	l3 := append(pktbuild.VXLANHeader(3), pktbuild.EtherIP(innerSYN(host6A, host6B))...)
	l2 := append(pktbuild.VXLANHeader(2), pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: deepA, Dst: deepB}, pktbuild.UDP{SrcPort: 40000, DstPort: 4789}, l3))...)
	l1 := append(pktbuild.VXLANHeader(1), pktbuild.EtherIP(pktbuild.UDPPacket(pktbuild.IP{Src: innerA, Dst: innerB}, pktbuild.UDP{SrcPort: 40000, DstPort: 4789}, l2))...)
	return udpFrame(hostA, hostB, false, 40000, 4789, l1, false)
}

// TestTunnelMaxDepth: with Tunnel::max_depth=2 the third VXLAN tunnel is
// one too many: exceeded_tunnel_max_depth_in_tunnel on its outer flow,
// 'X' in the history of the connection it runs over, and nothing inside
// (VXLAN.cc); with the default (4) the innermost connection is there.
func TestTunnelMaxDepth(t *testing.T) {
	deep := "2001:db8::1:40001"
	run := runTunnelTrace(t, heronConfig(t), []frame{nestedVXLAN()})
	if !run.hasConn(deep, "2001:db8::2:50000") || len(run.weirds.Records) != 0 {
		t.Errorf("default: innermost connection %v, weirds %v; want it and none", run.hasConn(deep, "2001:db8::2:50000"), run.weirdNames())
	}
	if got := run.tunnelRecords(t); len(got) != 6 { // three DISCOVERs, three CLOSEs at the end
		t.Errorf("tunnel.log: %v", got)
	}

	run = runTunnelTrace(t, heronConfig(t, "Tunnel::max_depth=2"), []frame{nestedVXLAN()})
	if run.hasConn(deep, "2001:db8::2:50000") {
		t.Error("max_depth=2: the innermost connection exists")
	}
	third := run.conn(t, "172.16.0.1:40000", "172.16.0.2:4789")
	if third["history"] != "DX" {
		t.Errorf("max_depth=2: history of the third tunnel's connection %s, want DX", third["history"])
	}
	if !slices.Equal(run.weirdNames(), []string{"exceeded_tunnel_max_depth_in_tunnel"}) {
		t.Fatalf("max_depth=2: weirds %v", run.weirdNames())
	}
	w := run.weirds.Records[0]
	if w["id.orig_h"] != "172.16.0.1" || w["id.resp_h"] != "172.16.0.2" || w["source"] != "VXLAN" || !run.weirds.Unset(w["uid"]) {
		t.Errorf("max_depth=2: weird %v", w)
	}
}

// teredoPair is a Teredo client (hostA:40000) and server (hostB:3544)
// exchanging IPv6 datagrams; both sends a reply too.
func teredoPair(both bool) []frame {
	client := pktbuild.TeredoAddr(hostB, hostA, 40000)
	q := pktbuild.UDPPacket(pktbuild.IP{Src: client, Dst: host6B}, pktbuild.UDP{SrcPort: 7000, DstPort: 7001}, []byte("q"))
	r := pktbuild.UDPPacket(pktbuild.IP{Src: host6B, Dst: client}, pktbuild.UDP{SrcPort: 7001, DstPort: 7000}, []byte("r"))
	frames := []frame{udpFrame(hostA, hostB, false, 40000, 3544, q, false)}
	if both {
		frames = append(frames, udpFrame(hostA, hostB, true, 40000, 3544, r, false))
	}
	return frames
}

// TestDelayTeredoConfirmation: Tunnel::delay_teredo_confirmation (T)
// confirms Teredo, and so adds the service, only once both sides sent
// valid Teredo packets; F confirms at once.
func TestDelayTeredoConfirmation(t *testing.T) {
	for _, c := range []struct {
		assign  []string
		both    bool
		service string
	}{
		{nil, false, "-"},
		{nil, true, "teredo"},
		{[]string{"Tunnel::delay_teredo_confirmation=F"}, false, "teredo"},
	} {
		run := runTunnelTrace(t, heronConfig(t, c.assign...), teredoPair(c.both))
		if got := run.conn(t, "10.0.0.1:40000", "10.0.0.2:3544")["service"]; got != c.service {
			t.Errorf("%v both=%v: service %s, want %s", c.assign, c.both, got, c.service)
		}
	}
}

// gtpPair is a GTP-U exchange hostA:40000 ↔ hostB:2152 carrying an inner
// UDP flow; both adds the answer.
func gtpPair(both bool) []frame {
	frames := []frame{udpFrame(hostA, hostB, false, 40000, pktbuild.PortGTPU, pktbuild.GTPv1U(1, innerUDP(innerA, innerB, false, "up")), false)}
	if both {
		frames = append(frames, udpFrame(hostA, hostB, true, 40000, pktbuild.PortGTPU, pktbuild.GTPv1U(2, innerUDP(innerA, innerB, true, "down")), false))
	}
	return frames
}

// TestDelayGTPConfirmation: Tunnel::delay_gtp_confirmation (F) confirms
// GTP at the first valid G-PDU; T waits for both sides.
func TestDelayGTPConfirmation(t *testing.T) {
	for _, c := range []struct {
		assign  []string
		both    bool
		service string
	}{
		{nil, false, "gtpv1"},
		{[]string{"Tunnel::delay_gtp_confirmation=T"}, false, "-"},
		{[]string{"Tunnel::delay_gtp_confirmation=T"}, true, "gtpv1"},
	} {
		run := runTunnelTrace(t, heronConfig(t, c.assign...), gtpPair(c.both))
		if got := run.conn(t, "10.0.0.1:40000", "10.0.0.2:2152")["service"]; got != c.service {
			t.Errorf("%v both=%v: service %s, want %s", c.assign, c.both, got, c.service)
		}
		if !run.hasConn(innerTCP, innerSrv) {
			t.Errorf("%v both=%v: no inner connection:\n%s", c.assign, c.both, run.dumpConns())
		}
	}
}

// vxlanBadSum is a VXLAN datagram to port with a wrong, non-zero UDP
// checksum.
func vxlanBadSum(port uint16) frame {
	return udpFrame(hostA, hostB, false, 40000, port, append(pktbuild.VXLANHeader(5), pktbuild.EtherIP(innerSYN(innerA, innerB))...), true)
}

// TestValidateVXLANChecksums: Zeek's UDP analyzer checks a VXLAN
// datagram's non-zero checksum only with Tunnel::validate_vxlan_checksums
// (T); a bad one is bad_UDP_checksum and the tunnel is not opened.
func TestValidateVXLANChecksums(t *testing.T) {
	run := runTunnelTrace(t, heronConfig(t), []frame{vxlanBadSum(4789)})
	if run.hasConn(innerTCP, innerSrv) || !slices.Equal(run.weirdNames(), []string{"bad_UDP_checksum"}) {
		t.Errorf("default: inner connection %v, weirds %v; want none and bad_UDP_checksum", run.hasConn(innerTCP, innerSrv), run.weirdNames())
	}
	run = runTunnelTrace(t, heronConfig(t, "Tunnel::validate_vxlan_checksums=F"), []frame{vxlanBadSum(4789)})
	if !run.hasConn(innerTCP, innerSrv) || len(run.weirds.Records) != 0 {
		t.Errorf("validate_vxlan_checksums=F: inner connection %v, weirds %v; want it and none", run.hasConn(innerTCP, innerSrv), run.weirdNames())
	}
}

// TestVXLANPorts: PacketAnalyzer::VXLAN::vxlan_ports decides where VXLAN
// is decapsulated (and whose checksums validate_vxlan_checksums governs).
func TestVXLANPorts(t *testing.T) {
	frames := []frame{vxlan(false, 40000, 4790, innerSYN(innerA, innerB))}
	run := runTunnelTrace(t, heronConfig(t), frames)
	if run.hasConn(innerTCP, innerSrv) || run.conn(t, outerVX, "10.0.0.2:4790")["service"] != "-" {
		t.Errorf("default: VXLAN decapsulated on 4790:\n%s", run.dumpConns())
	}
	run = runTunnelTrace(t, heronConfig(t, "PacketAnalyzer::VXLAN::vxlan_ports+={4790/udp}"), frames)
	if !run.hasConn(innerTCP, innerSrv) || run.conn(t, outerVX, "10.0.0.2:4790")["service"] != "vxlan" {
		t.Errorf("vxlan_ports+={4790/udp}: not decapsulated:\n%s", run.dumpConns())
	}
	// Replacing the set moves VXLAN off 4789.
	run = runTunnelTrace(t, heronConfig(t, "PacketAnalyzer::VXLAN::vxlan_ports={4790/udp}"), []frame{vxlan(false, 40000, 4789, innerSYN(innerA, innerB))})
	if run.hasConn(innerTCP, innerSrv) {
		t.Errorf("vxlan_ports={4790/udp}: still decapsulated on 4789:\n%s", run.dumpConns())
	}
	// The checksum exemption follows the set.
	run = runTunnelTrace(t, heronConfig(t, "PacketAnalyzer::VXLAN::vxlan_ports+={4790/udp}", "Tunnel::validate_vxlan_checksums=F"), []frame{vxlanBadSum(4790)})
	if !run.hasConn(innerTCP, innerSrv) {
		t.Errorf("bad checksum on an added VXLAN port with validation off: not decapsulated; weirds %v", run.weirdNames())
	}
}

// TestIPTunnelTimeout: an IP tunnel idle for Tunnel::ip_tunnel_timeout
// gets a new uid (IPTunnel.cc's IPTunnelTimer); tunnel.log, which follows
// tunnels by their endpoints, still knows it under its first uid.
func TestIPTunnelTimeout(t *testing.T) {
	frames := []frame{ipip(false, innerSYN(innerA, innerB)), ipip(false, innerUDP(innerA, innerB, false, "later"))}
	frames[1].gap = 100 * zeek.Second
	// The TCP and the UDP connection have the same addresses and ports.
	check := func(run *tunnelRun) (tcp, udp string) {
		for _, c := range run.conns.Records {
			if c["id.orig_h"] == "192.168.0.1" {
				switch c["proto"] {
				case "tcp":
					tcp = c["tunnel_parents"]
				case "udp":
					udp = c["tunnel_parents"]
				}
			}
		}
		return tcp, udp
	}
	run := runTunnelTrace(t, heronConfig(t), frames)
	if tcp, udp := check(run); tcp != udp || tcp == "" {
		t.Errorf("default: parents %s and %s, want the same tunnel", tcp, udp)
	}
	run = runTunnelTrace(t, heronConfig(t, "Tunnel::ip_tunnel_timeout=30sec"), frames)
	tcp, udp := check(run)
	if tcp == udp || tcp == "" || udp == "" {
		t.Errorf("ip_tunnel_timeout=30sec: parents %s and %s, want two uids", tcp, udp)
	}
	wantRecords(t, "tunnel.log", run.tunnelRecords(t), "01 DISCOVER IP "+tcp+" 10.0.0.1:0 > 10.0.0.2:0")
}

// TestExpirationInterval: a tunnel not seen for Tunnel::expiration_interval
// is expired at the next check of the table (every 10 s of network time);
// seen again, it is discovered again.
func TestExpirationInterval(t *testing.T) {
	frames := []frame{ipip(false, innerSYN(innerA, innerB))}
	for i := 0; i < 40; i++ {
		frames = append(frames, filler(zeek.Second))
	}
	frames = append(frames, ipip(false, innerUDP(innerA, innerB, false, "again")))
	run := runTunnelTrace(t, heronConfig(t), frames)
	if got := run.tunnelRecords(t); len(got) != 1 {
		t.Errorf("default: tunnel.log %v, want one DISCOVER", got)
	}
	run = runTunnelTrace(t, heronConfig(t, "Tunnel::expiration_interval=15sec"), frames)
	uid := run.tunnels.Records[0]["uid"]
	// Checks run at frames 1, 11, 21, …: at 21 the tunnel (seen at frame
	// 1) is 20 s idle.
	wantRecords(t, "tunnel.log", run.tunnelRecords(t),
		"01 DISCOVER IP "+uid+" 10.0.0.1:0 > 10.0.0.2:0",
		"21 EXPIRE IP "+uid+" 10.0.0.1:0 > 10.0.0.2:0",
		"42 DISCOVER IP "+uid+" 10.0.0.1:0 > 10.0.0.2:0")
}
