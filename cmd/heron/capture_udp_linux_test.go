package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// The mirror in these tests sends from 127.0.0.1 to 127.0.0.1 inside a
// private network namespace.
const (
	mirrorPort    = 4789
	mirrorVNI     = 4242
	mirrorSpec    = "udp::0.0.0.0:4789:vxlan"
	mirrorMinPort = 49152 // the outer source ports a flow-hashing mirror uses
	mirrorPorts   = 64
)

// tunnel is how a mirror wraps the frames it copies.
type tunnel struct {
	name string
	spec string // heron -i
	port int
	// wrap returns the datagram that carries an Ethernet frame, or nil
	// when the tunnel cannot carry it.
	wrap func(frame []byte) []byte
}

var (
	vxlanTunnel = tunnel{"vxlan", mirrorSpec, mirrorPort, func(fr []byte) []byte {
		return append(pktbuild.VXLANHeader(mirrorVNI), fr...)
	}}
	// geneveTunnel carries Ethernet frames, with an option to skip.
	geneveTunnel = tunnel{"geneve", "udp::0.0.0.0:6081", 6081, func(fr []byte) []byte {
		g := pktbuild.Geneve{Proto: 0x6558, VNI: mirrorVNI, Options: pktbuild.GeneveOption(0x0103, 0x80, []byte{1, 2, 3, 4, 5})}
		return append(g.Header(), fr...)
	}}
	// geneveIPTunnel carries bare IP packets, as Google Cloud's mirroring
	// does, to a socket on every IPv6 and IPv4 address.
	geneveIPTunnel = tunnel{"geneve-ip", "udp::[::]:6081:geneve", 6081, func(fr []byte) []byte {
		if len(fr) < 14 {
			return nil
		}
		proto := binary.BigEndian.Uint16(fr[12:])
		if proto != 0x0800 && proto != 0x86dd {
			return nil
		}
		return append(pktbuild.Geneve{Proto: proto}.Header(), fr[14:]...)
	}}
)

// outerPorts chooses the outer UDP source port of each mirrored frame.
type outerPorts int

const (
	// fixedPort sends everything from one port, as a mirror session
	// that keeps its outer tuple does.
	fixedPort outerPorts = iota
	// flowPort derives the port from a symmetric hash of the inner
	// packet's addresses and ports (RFC 7348 section 5 asks a VXLAN
	// sender for a hash of the inner headers), so both directions of a
	// flow share it (see mirrorHasher).
	flowPort
)

// mirrorHasher returns a symmetric hash of an Ethernet frame's inner
// flow: its IP addresses and, for TCP and UDP, its ports. An IPv4
// fragment after the first takes the ports of the datagram's first
// fragment, as a mirror that keeps the fragments of a datagram with its
// flow would (one that hashes later fragments by their addresses alone
// splits a flow that has both fragmented and whole packets). ok is false
// for frames without IP.
type mirrorHasher struct {
	fragPorts map[string][]byte // ports of fragmented datagrams, by addresses and IP id
}

func (m *mirrorHasher) hash(frame []byte) (h uint32, ok bool) {
	if len(frame) < 14 {
		return 0, false
	}
	et, p := binary.BigEndian.Uint16(frame[12:]), frame[14:]
	var a, b, ports []byte
	var proto byte
	switch {
	case et == 0x0800 && len(p) >= 20:
		ihl := int(p[0]&0xf) * 4
		a, b, proto = p[12:16], p[16:20], p[9]
		off, more := binary.BigEndian.Uint16(p[6:])&0x1fff, p[6]&0x20 != 0
		key := string(p[12:20]) + string(p[4:6])
		switch {
		case off != 0:
			ports = m.fragPorts[key]
		case len(p) >= ihl+4:
			ports = p[ihl : ihl+4]
			if more {
				if m.fragPorts == nil {
					m.fragPorts = map[string][]byte{}
				}
				m.fragPorts[key] = ports
			}
		}
	case et == 0x86dd && len(p) >= 44:
		a, b, proto = p[8:24], p[24:40], p[6]
		ports = p[40:44]
	default:
		return 0, false
	}
	var pa, pb []byte
	if (proto == 6 || proto == 17) && len(ports) == 4 {
		pa, pb = ports[0:2], ports[2:4]
	}
	x, y := append(append([]byte{}, a...), pa...), append(append([]byte{}, b...), pb...)
	if string(x) > string(y) {
		x, y = y, x
	}
	f := fnv.New32a()
	f.Write(x)
	f.Write(y)
	f.Write([]byte{proto})
	return f.Sum32(), true
}

// mirrorFrames reads the frames of a trace.
func mirrorFrames(t *testing.T, trace string) [][]byte {
	t.Helper()
	src, err := pcapfile.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.LinkType() != 1 {
		t.Fatalf("%s: link type %d, want Ethernet", trace, src.LinkType())
	}
	var out [][]byte
	var f pktsrc.Frame
	for {
		err := src.Next(&f)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]byte(nil), f.Data...))
	}
}

// mirror sends every frame of a trace that tun can carry to tun's port in
// ns, from outer source ports chosen by how, and returns how many frames
// it sent and from how many outer ports.
func mirror(t *testing.T, ns *netnstest.NS, tun tunnel, frames [][]byte, how outerPorts) (sent, ports int) {
	t.Helper()
	conns := map[int]*net.UDPConn{}
	conn := func(port int) *net.UDPConn {
		if c, ok := conns[port]; ok {
			return c
		}
		var c *net.UDPConn
		err := ns.Do(func() (err error) {
			c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
			return err
		})
		if err != nil {
			t.Fatalf("mirror socket on port %d: %v", port, err)
		}
		t.Cleanup(func() { c.Close() })
		conns[port] = c
		return c
	}
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: tun.port}
	var hasher mirrorHasher
	for i, fr := range frames {
		d := tun.wrap(fr)
		if d == nil {
			continue
		}
		port := mirrorMinPort - 1
		if h, ok := hasher.hash(fr); ok && how == flowPort {
			port = mirrorMinPort + int(h%mirrorPorts)
		}
		if _, err := conn(port).WriteToUDP(d, to); err != nil {
			t.Fatalf("mirroring frame %d: %v", i, err)
		}
		sent++
		if sent%32 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return sent, len(conns)
}

// waitForUDPSockets waits until n UDP sockets in ns are bound to port.
func waitForUDPSockets(t *testing.T, ns *netnstest.NS, port, n int) {
	t.Helper()
	local := fmt.Sprintf(":%04X", port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := ns.Command("cat", "/proc/net/udp", "/proc/net/udp6").Output()
		bound := 0
		for _, line := range strings.Split(string(out), "\n") {
			// sl local_address rem_address st …
			if f := strings.Fields(line); len(f) > 2 && strings.HasSuffix(f[1], local) {
				bound++
			}
		}
		if bound >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fewer than %d UDP sockets were bound to port %d within 10 s", n, port)
}

// traceRows runs heron -r on the trace with args and returns its conn.log
// rows (liveFields).
func traceRows(t *testing.T, trace string, args ...string) []string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "file")
	if code, _, errOut := runCLI(append([]string{"-C", "-r", trace, "--logdir", dir}, args...)...); code != 0 {
		t.Fatalf("heron -r %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return connRows(t, filepath.Join(dir, "conn.log"))
}

// mirrorRun starts heron -i tun.spec args… in a fresh namespace, mirrors
// the frames to it, stops it and returns its log directory and the number
// of frames sent.
func mirrorRun(t *testing.T, tun tunnel, frames [][]byte, how outerPorts, args ...string) (string, int) {
	t.Helper()
	ns := netnstest.New(t)
	p := startHeron(t, ns, filepath.Join(t.TempDir(), "udp"), append([]string{"-i", tun.spec}, args...)...)
	waitForUDPSockets(t, ns, tun.port, 1)
	sent, _ := mirror(t, ns, tun, frames, how)
	time.Sleep(500 * time.Millisecond)
	p.stop(t)
	return p.logDir, sent
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func sampleTrace(t *testing.T) string {
	t.Helper()
	trace, err := filepath.Abs("../../testdata/sample.pcap")
	if err != nil {
		t.Fatal(err)
	}
	return trace
}

func sameRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(want) < 3 {
		t.Fatalf("%s: the trace gave only %d connections", what, len(want))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: conn.log differs from heron -r's on the inner trace:\n--- mirrored (%d)\n%s\n--- trace (%d)\n%s",
			what, len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
}

// TestUDPMirrorMatchesTrace: heron -i udp::… receiving the sample trace
// mirrored inside VXLAN (udp::0.0.0.0:4789:vxlan), inside Geneve with an
// Ethernet payload and an option, and inside Geneve as bare IP packets (on
// a dual-stack socket) logs the same connections as heron -r on the trace
// (every conn.log field but ts, duration and uid), and stats.log counts
// every mirrored frame with no drops.
func TestUDPMirrorMatchesTrace(t *testing.T) {
	trace := sampleTrace(t)
	frames := mirrorFrames(t, trace)
	want := traceRows(t, trace)
	for _, tun := range []tunnel{vxlanTunnel, geneveTunnel, geneveIPTunnel} {
		t.Run(tun.name, func(t *testing.T) {
			dir, sent := mirrorRun(t, tun, frames, flowPort, "policy/misc/stats")
			sameRows(t, tun.spec, connRows(t, filepath.Join(dir, "conn.log")), want)

			stats, err := zeeklog.ReadFile(filepath.Join(dir, "stats.log"))
			if err != nil {
				t.Fatal(err)
			}
			var pkts, link, dropped uint64
			for _, r := range stats.Records {
				n, _ := strconv.ParseUint(r["pkts_proc"], 10, 64)
				l, err1 := strconv.ParseUint(r["pkts_link"], 10, 64)
				d, err2 := strconv.ParseUint(r["pkts_dropped"], 10, 64)
				if err1 != nil || err2 != nil {
					t.Errorf("a udp:: stats.log record without pkts_link or pkts_dropped: %v", r)
				}
				pkts, link, dropped = pkts+n, link+l, dropped+d
			}
			if want := uint64(sent); pkts != want || link != want || dropped != 0 {
				t.Errorf("stats.log: %d packets processed, %d on the link, %d dropped; the mirror sent %d", pkts, link, dropped, want)
			}
		})
	}
}

// TestUDPMirrorThreads: --threads 2 opens two sockets in one steered
// SO_REUSEPORT group and logs what the single-thread run of the trace
// logs, although the mirror sends every frame from one outer port (where
// the kernel's own choice would give one socket everything): both threads
// get packets.
func TestUDPMirrorThreads(t *testing.T) {
	trace := sampleTrace(t)
	dir, sent := mirrorRun(t, vxlanTunnel, mirrorFrames(t, trace), fixedPort, "--threads", "2", "policy/misc/stats")
	sameRows(t, "udp:: --threads 2", connRows(t, filepath.Join(dir, "conn.log")), traceRows(t, trace))
	stats, err := zeeklog.ReadFile(filepath.Join(dir, "stats.log"))
	if err != nil {
		t.Fatal(err)
	}
	perPeer := map[string]uint64{}
	for _, r := range stats.Records {
		n, _ := strconv.ParseUint(r["pkts_proc"], 10, 64)
		perPeer[r["peer"]] += n
	}
	if len(perPeer) != 2 || perPeer["zeek/0"] == 0 || perPeer["zeek/1"] == 0 || perPeer["zeek/0"]+perPeer["zeek/1"] != uint64(sent) {
		t.Errorf("packets per thread %v; want both of zeek/0 and zeek/1 busy and %d in all", perPeer, sent)
	}
}

// TestUDPMirrorFilter: -f with udp:: filters the decapsulated packets (in
// Heron, as for a trace), not the VXLAN datagrams.
func TestUDPMirrorFilter(t *testing.T) {
	trace := sampleTrace(t)
	dir, _ := mirrorRun(t, vxlanTunnel, mirrorFrames(t, trace), flowPort, "-f", "tcp")
	got, want := connRows(t, filepath.Join(dir, "conn.log")), traceRows(t, trace, "-f", "tcp")
	sameRows(t, "udp:: -f tcp", got, want)
	for _, r := range got {
		if !strings.Contains(r, " tcp ") {
			t.Errorf("a connection the filter should drop: %s", r)
		}
	}
}

// TestUDPMirrorProcesses: two heron processes on one port share it with
// SO_REUSEPORT; the kernel picks a process by a hash of the OUTER
// addresses and ports. A mirror that derives the outer source port from a
// symmetric hash of the inner flow gets its flows split between the
// processes, each flow (both directions) in exactly one; a mirror that
// keeps one outer tuple sends everything to one process, whole.
func TestUDPMirrorProcesses(t *testing.T) {
	trace := sampleTrace(t)
	frames := mirrorFrames(t, trace)
	want := traceRows(t, trace)
	for _, tc := range []struct {
		name     string
		how      outerPorts
		wantUsed int
	}{
		{"flow-hashed-outer-port", flowPort, 2},
		{"fixed-outer-port", fixedPort, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := netnstest.New(t)
			var ps []*proc
			for i := range 2 {
				ps = append(ps, startHeron(t, ns, filepath.Join(t.TempDir(), strconv.Itoa(i)), "-i", mirrorSpec))
			}
			waitForUDPSockets(t, ns, mirrorPort, 2)
			_, ports := mirror(t, ns, vxlanTunnel, frames, tc.how)
			time.Sleep(500 * time.Millisecond)
			var union []string
			used := 0
			for _, p := range ps {
				p.stop(t)
				// A process that saw nothing writes no conn.log.
				var rows []string
				if path := filepath.Join(p.logDir, "conn.log"); fileExists(path) {
					rows = connRows(t, path)
				}
				if len(rows) > 0 {
					used++
				}
				union = append(union, rows...)
			}
			sort.Strings(union)
			sameRows(t, "two processes together", union, want)
			if used != tc.wantUsed {
				t.Errorf("%d of 2 processes logged connections (the mirror used %d outer ports); want %d", used, ports, tc.wantUsed)
			}
		})
	}
}

// TestUDPMirrorErrors: a bad udp:: spec and a port another program holds
// are one line each, with exit status 1.
func TestUDPMirrorErrors(t *testing.T) {
	code, _, errOut := runCLI("-i", "udp::10.0.0.300:4789")
	if code != 1 || !strings.Contains(errOut, `ADDR "10.0.0.300" is not a valid IPv4 address`) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("bad spec: exit %d, %q", code, errOut)
	}
	ns := netnstest.New(t)
	var c *net.UDPConn
	if err := ns.Do(func() (err error) {
		c, err = net.ListenUDP("udp", &net.UDPAddr{Port: mirrorPort})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out, err := ns.Command(heronbin.Path(t), "-i", mirrorSpec, "--logdir", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is taken by a socket that does not share it") || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Errorf("port taken: %v, %q", err, out)
	}
}

// TestUDPMirrorSharedGroupWarning: --threads N on a port that other
// sockets already share warns that the steering program will starve some
// of them (it numbers the whole group's sockets).
func TestUDPMirrorSharedGroupWarning(t *testing.T) {
	ns := netnstest.New(t)
	a := startHeron(t, ns, filepath.Join(t.TempDir(), "a"), "-i", mirrorSpec)
	waitForUDPSockets(t, ns, mirrorPort, 1)
	b := startHeron(t, ns, filepath.Join(t.TempDir(), "b"), "-i", mirrorSpec, "--threads", "2")
	waitForUDPSockets(t, ns, mirrorPort, 3)
	a.stop(t)
	b.stop(t)
	want := "heron: warning: 1 other sockets already receive on UDP port 4789"
	if !strings.HasPrefix(b.stderr.String(), want) || strings.Contains(a.stderr.String(), "warning") {
		t.Errorf("stderr of the second heron: %q; of the first: %q; want the second to start with %q", b.stderr.String(), a.stderr.String(), want)
	}
}
