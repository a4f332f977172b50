package node_test

// End-to-end tests of the weirds that decoding and connection tracking
// raise: each case writes a small trace, runs the standalone node over it
// with Zeek's default scripts (conn.log, weird.log, Site) and checks the
// weird.log records against what Zeek's source implies. The comment of
// every case names the Zeek code its expectation comes from (paths under
// Zeek's source tree).
//
// Kinds of weird, as Zeek's weird.zeek logs them:
//   - connection weird (conn_weird): uid and the connection's id;
//   - flow weird (flow_weird): id.orig_h/id.resp_h are the packet's
//     addresses, both ports 0, no uid;
//   - net weird (net_weird): neither uid nor id.
//
// A case whose expectation Heron does not meet yet carries knownBug: the
// test is skipped with that explanation so that the lead can fix the code.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/weird"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Addresses and ports of the test traffic. The ports are in no protocol's
// likely_server_ports, so neither Zeek nor Heron flips a connection.
var (
	hostA  = pktbuild.V4("10.0.0.1")
	hostB  = pktbuild.V4("10.0.0.2")
	hostC  = pktbuild.V4("10.0.0.3")
	host6A = pktbuild.V6("2001:db8::1")
	host6B = pktbuild.V6("2001:db8::2")
	host6C = pktbuild.V6("2001:db8::3")
	host6D = pktbuild.V6("2001:db8::4")
	macA   = [6]byte{0, 1, 2, 3, 4, 5}
	macB   = [6]byte{0, 6, 7, 8, 9, 10}
)

const (
	portA = 40000
	portB = 50000
)

// linkNull stands for DLT_NULL (0) in weirdCase.link, where 0 means
// Ethernet.
const linkNull = 1 << 31

// traceStart is the time of a case's first frame.
const traceStart = zeek.Time(1_700_000_000 * zeek.Second)

// frame is one record of a test trace.
type frame struct {
	data []byte
	wire uint32        // length on the wire; 0: len(data)
	gap  zeek.Interval // time since the previous frame; 0: one millisecond
}

// kind is how a weird is tied to traffic.
type kind int

const (
	netWeird  kind = iota // no uid, no id
	flowWeird             // addresses, ports 0
	connWeird             // uid and the connection's id
)

func (k kind) String() string { return [...]string{"net", "flow", "conn"}[k] }

// want is the expectation for the weird.log records of one name.
type want struct {
	name   string
	kind   kind
	source string // "" means unset
	addl   string // "" means unset
	notice bool
	// orig and resp are id.orig_h and id.resp_h of flow and connection
	// weirds (zero: hostA and hostB).
	orig, resp netip.Addr
	// origs, when set, gives id.orig_h record by record instead.
	origs []netip.Addr
	// n is the number of records (0 means 1).
	n int
	// at gives the 1-based index of the frame whose timestamp each record
	// carries, in order; nil means the last frame for every record.
	at []int
	// connIdx picks the connection that carries a connection weird's uid:
	// the connIdx-th of the conn.log records with the weird's id, by start
	// time.
	connIdx int
	// flipped says that the connection's roles were flipped after the
	// weird: conn.log has its id with originator and responder swapped.
	flipped bool
}

type weirdCase struct {
	name     string
	link     uint32 // link type; 0 means Ethernet, linkNull DLT_NULL
	frames   []frame
	cfg      func(*node.Config)
	want     []want
	absent   []string // names that must not be logged
	knownBug string   // set: Heron is known to differ; the case is skipped
}

// runKnownBugs runs the cases marked knownBug too (to see them fail, or
// to check a fix): go test -run WeirdE2E -weird-known-bugs.
var runKnownBugs = flag.Bool("weird-known-bugs", false, "run the weird.log cases marked knownBug")

func TestWeirdE2E(t *testing.T) {
	var cases []weirdCase
	cases = append(cases, linkCases()...)
	cases = append(cases, ipCases()...)
	cases = append(cases, ipv6ChainCases()...)
	cases = append(cases, fragmentCases()...)
	cases = append(cases, transportCases()...)
	cases = append(cases, tcpCases()...)
	cases = append(cases, tunnelCases()...)
	cases = append(cases, samplingCases()...)

	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			if c.knownBug != "" && !*runKnownBugs {
				t.Skip("known bug: " + c.knownBug)
			}
			weirds, conns, times := runWeirdCase(t, c)
			if os.Getenv("HERON_WEIRD_E2E_DUMP") != "" {
				for _, r := range weirds.Records {
					t.Logf("%s %s %s:%s > %s:%s %s addl=%s notice=%s source=%s", r["ts"], r["uid"],
						r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"],
						r["name"], r["addl"], r["notice"], r["source"])
				}
			}
			checkWeirds(t, c, weirds, conns, times)
		})
	}
}

// TestWeirdE2ECoverage makes sure that every weird name the decoders and
// connection tracking can raise has a case above, or is listed in
// unprovokable with the reason. The names are read from the source files,
// so a new weird without a case fails here.
func TestWeirdE2ECoverage(t *testing.T) {
	raised := raisedWeirds(t)
	if len(raised) < 100 {
		t.Fatalf("found only %d weird names in the sources; has the code moved?", len(raised))
	}
	covered := map[string]bool{}
	var cases []weirdCase
	cases = append(cases, linkCases()...)
	cases = append(cases, ipCases()...)
	cases = append(cases, ipv6ChainCases()...)
	cases = append(cases, fragmentCases()...)
	cases = append(cases, transportCases()...)
	cases = append(cases, tcpCases()...)
	cases = append(cases, tunnelCases()...)
	for _, c := range cases {
		// A weird inside a tunnel is the same weird with a suffix.
		for _, w := range c.want {
			covered[strings.TrimSuffix(w.name, "_in_tunnel")] = true
		}
		for _, n := range c.absent {
			covered[n] = true
		}
	}
	for _, name := range raised {
		if !covered[name] && unprovokable[name] == "" {
			t.Errorf("weird %q has no end-to-end case", name)
		}
		if covered[name] && unprovokable[name] != "" {
			t.Errorf("weird %q has a case but is listed as unprovokable", name)
		}
	}
}

// weirdSources are the files (globs, relative to this package) of the code
// that raises the weirds these tests cover.
var weirdSources = []string{
	"../layers/*.go", "../layers/tunnel/*.go", "../packet/*.go", "../conn/*.go", "../reassembly/ipfrag/*.go", "*.go",
}

// weirdNameRE finds weird names in Go source: NewWeird("x"), the
// decoder's Raise/RaiseBare/RaiseFrom, the IP layer's flowWeird, the
// connection manager's m.weird(c, "x", …), the decoder's report(p, "x",
// …), the node's weirds.Net/Flow(…, "x", …), ipfrag's Weird* constants,
// and the tunnel layers' ways: &packet.Weird{Name: "x"}, names kept in
// err* variables, env.NetWeird("x"), teredoWeird(c, "x") and the names
// teredoParse returns.
var weirdNameRE = regexp.MustCompile(`(?:NewWeird\(|\bRaise(?:Bare|From)?\([^"\n]*|flowWeird\([^"\n]*|\bm\.weird\(c, |\breport\(p, |weirds\.(?:Net|Flow)\([^"\n]*|\bWeird[A-Z]\w* += |Weird\{Name: |\berr[A-Z]\w* += |NetWeird\(|teredoWeird\(c, |return nil, )"([A-Za-z0-9_]+)"`)

// missingConnRE finds the tunnel layers' names for a tunnel layer run
// without a connection.
var missingConnRE = regexp.MustCompile(`"(\w+_missing_connection)"`)

// raisedWeirds returns the weird names found in weirdSources, sorted.
func raisedWeirds(t *testing.T) []string {
	t.Helper()
	set := map[string]bool{}
	for _, glob := range weirdSources {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range weirdNameRE.FindAllSubmatch(b, -1) {
				set[string(m[1])] = true
			}
			for _, m := range missingConnRE.FindAllSubmatch(b, -1) {
				set[string(m[1])] = true
			}
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// unprovokable names the weirds that no trace can raise through the node,
// and why.
var unprovokable = map[string]string{
	"IPv6_min_header_size": "the IPv6 header chain always holds the 40-byte fixed header once " +
		"the packet passed the truncated_IP check (Zeek: packet_analysis/protocol/ip/IP.cc, " +
		"IPv6_Hdr_Chain::Init in src/IP.cc)",
	"bogus_IP_header_lengths": "invalid_IP_header_size rejects the same condition earlier, also " +
		"after reassembly (Zeek: packet_analysis/protocol/ip/IP.cc)",
	"excessively_large_datagram": "Heron's own limit; the node leaves ipfrag's " +
		"MaxBytesPerDatagram at 0 (no bound), so nothing raises it",
	"internal_decoder_error": "Heron's own: a layer returned an error that is not a weird, " +
		"which is a bug in that layer",
	// Zeek's tunnel analyzers over UDP raise these when they run without a
	// connection; in Heron as in Zeek's default wiring they are reached
	// only from the UDP layer, which always hands them its connection.
	"vxlan_missing_connection":  missingConn,
	"geneve_missing_connection": missingConn,
	"teredo_missing_connection": missingConn,
	"ayiya_missing_connection":  missingConn,
	"gtpv1_missing_connection":  missingConn,
	"tunnel_missing_connection": "Heron's fallback name for a tunnel layer without a connection that is " +
		"none of the five above; every tunnel layer over UDP has its own name",
}

const missingConn = "the tunnel layers over UDP are reached only through the UDP layer, which " +
	"always passes the packet's connection (Zeek: packet_analysis/protocol/udp/UDP.cc sets " +
	"pkt->session before forwarding; the layers' own check is for other wirings)"

// runWeirdCase writes the case's trace, runs the node over it and returns
// weird.log and conn.log parsed, and the frames' timestamps.
func runWeirdCase(t *testing.T, c weirdCase) (weirds, conns *zeeklog.Log, times []zeek.Time) {
	t.Helper()
	link := c.link
	switch link {
	case 0:
		link = packet.DLTEN10MB
	case linkNull:
		link = packet.DLTNull
	}
	var buf bytes.Buffer
	w, err := pcapfile.NewWriter(&buf, link, pcapfile.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := traceStart
	for i, f := range c.frames {
		if i > 0 {
			gap := f.gap
			if gap == 0 {
				gap = zeek.Millisecond
			}
			ts = ts.Add(gap)
		}
		times = append(times, ts)
		if err := w.WritePacket(ts, f.data, f.wire); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
	}
	src, err := pcapfile.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.Features{ConnLog: true, WeirdLog: true, Site: true}
	dir := t.TempDir()
	cfg.Log.LogDir = dir
	if c.cfg != nil {
		c.cfg(&cfg)
	}
	if _, err := node.RunSource(cfg, src); err != nil {
		t.Fatalf("RunSource: %v", err)
	}
	return readLog(t, filepath.Join(dir, "weird.log")), readLog(t, filepath.Join(dir, "conn.log")), times
}

// readLog parses a log; a log that was never written is empty.
func readLog(t *testing.T, path string) *zeeklog.Log {
	t.Helper()
	l, err := zeeklog.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &zeeklog.Log{UnsetField: "-", EmptyField: "(empty)"}
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// seq returns the integers from a to b.
func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

func fmtTime(ts zeek.Time) string {
	return fmt.Sprintf("%d.%06d", int64(ts)/1e9, int64(ts)%1e9/1e3)
}

// checkWeirds compares weird.log with the case's expectations. Every record
// must be expected: a case lists all the weirds its trace raises.
func checkWeirds(t *testing.T, c weirdCase, weirds, conns *zeeklog.Log, times []zeek.Time) {
	t.Helper()
	byName := map[string][]map[string]string{}
	var order []string
	for _, r := range weirds.Records {
		if byName[r["name"]] == nil {
			order = append(order, r["name"])
		}
		byName[r["name"]] = append(byName[r["name"]], r)
		if r["peer"] != "zeek" {
			t.Errorf("%s: peer = %q, want zeek", r["name"], r["peer"])
		}
	}
	dump := func() string {
		var b strings.Builder
		for _, r := range weirds.Records {
			fmt.Fprintf(&b, "\n\t%s %s %s:%s > %s:%s %s addl=%s notice=%s source=%s",
				r["ts"], r["uid"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"],
				r["name"], r["addl"], r["notice"], r["source"])
		}
		return b.String()
	}
	expected := map[string]bool{}
	for _, w := range c.want {
		expected[w.name] = true
		recs := byName[w.name]
		n := w.n
		if n == 0 {
			n = 1
		}
		if (w.at != nil && len(w.at) != n) || (w.origs != nil && len(w.origs) != n) {
			t.Fatalf("%s: the case gives %d timestamps and %d originators for %d records", w.name, len(w.at), len(w.origs), n)
		}
		if len(recs) != n {
			t.Errorf("%s: %d records, want %d; weird.log:%s", w.name, len(recs), n, dump())
			continue
		}
		for i, r := range recs {
			checkRecord(t, w, i, r, weirds, conns, times)
		}
	}
	for _, name := range order {
		if !expected[name] {
			t.Errorf("unexpected weird %s; weird.log:%s", name, dump())
		}
	}
	for _, name := range c.absent {
		if len(byName[name]) != 0 {
			t.Errorf("%s is logged, but Zeek's weird actions ignore it", name)
		}
	}
}

func checkRecord(t *testing.T, w want, i int, r map[string]string, weirds, conns *zeeklog.Log, times []zeek.Time) {
	t.Helper()
	errf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s #%d: %s", w.name, i+1, fmt.Sprintf(format, args...))
	}
	field := func(f, want string) {
		t.Helper()
		if got := r[f]; got != want {
			errf("%s = %q, want %q", f, got, want)
		}
	}
	optional := func(f, want string) {
		t.Helper()
		if want == "" {
			field(f, "-")
		} else {
			field(f, want)
		}
	}
	optional("source", w.source)
	optional("addl", w.addl)
	if w.notice {
		field("notice", "T")
	} else {
		field("notice", "F")
	}
	frameIdx := len(times)
	if w.at != nil {
		frameIdx = w.at[i]
	}
	field("ts", fmtTime(times[frameIdx-1]))

	orig, resp := w.orig, w.resp
	if w.origs != nil {
		orig = w.origs[i]
	}
	if !orig.IsValid() {
		orig = hostA
	}
	if !resp.IsValid() {
		resp = hostB
	}
	switch w.kind {
	case netWeird:
		for _, f := range []string{"uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"} {
			field(f, "-")
		}
	case flowWeird:
		field("uid", "-")
		field("id.orig_h", orig.String())
		field("id.resp_h", resp.String())
		field("id.orig_p", "0")
		field("id.resp_p", "0")
	case connWeird:
		field("id.orig_h", orig.String())
		field("id.resp_h", resp.String())
		uid := r["uid"]
		if weirds.Unset(uid) {
			errf("uid unset for a connection weird")
			return
		}
		// The uid is that of the connIdx-th connection with this id.
		var same []map[string]string
		o, op, rh, rp := "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"
		if w.flipped {
			o, op, rh, rp = rh, rp, o, op
		}
		for _, cr := range conns.Records {
			if cr[o] == r["id.orig_h"] && cr[op] == r["id.orig_p"] &&
				cr[rh] == r["id.resp_h"] && cr[rp] == r["id.resp_p"] {
				same = append(same, cr)
			}
		}
		sort.SliceStable(same, func(a, b int) bool { return same[a]["ts"] < same[b]["ts"] })
		if w.connIdx >= len(same) {
			errf("conn.log has %d connections %s:%s > %s:%s, want connection #%d", len(same),
				r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], w.connIdx+1)
			return
		}
		if got := same[w.connIdx]["uid"]; got != uid {
			errf("uid %s, want %s (connection #%d with this id in conn.log)", uid, got, w.connIdx+1)
		}
	}
}

// ---------------------------------------------------------------------
// Frame builders.

func ether(etherType uint16, payload []byte) []byte {
	return pktbuild.Ether(macA, macB, etherType, payload)
}

func raw(b []byte) frame      { return frame{data: b} }
func ethIP(ip []byte) frame   { return frame{data: pktbuild.EtherIP(ip)} }
func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
func zeros(n int) []byte      { return make([]byte, n) }

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// udp4 is a well-formed UDP datagram from hostA:portA to hostB:portB.
func udp4(payload []byte) []byte {
	return pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.UDP{SrcPort: portA, DstPort: portB}, payload)
}

// tcpAB and tcpBA build segments of the connection hostA:portA ↔
// hostB:portB.
func tcpAB(flags uint8, seq, ack uint32, payload []byte) frame {
	return ethIP(pktbuild.TCPPacket(pktbuild.IP{Src: hostA, Dst: hostB},
		pktbuild.TCP{SrcPort: portA, DstPort: portB, Seq: seq, Ack: ack, Flags: flags}, payload))
}

func tcpBA(flags uint8, seq, ack uint32, payload []byte) frame {
	return ethIP(pktbuild.TCPPacket(pktbuild.IP{Src: hostB, Dst: hostA},
		pktbuild.TCP{SrcPort: portB, DstPort: portA, Seq: seq, Ack: ack, Flags: flags}, payload))
}

// handshake is SYN, SYN-ACK, ACK with initial sequence numbers 1000 (A) and
// 5000 (B).
func handshake() []frame {
	return []frame{
		tcpAB(pktbuild.SYN, 1000, 0, nil),
		tcpBA(pktbuild.SYN|pktbuild.ACK, 5000, 1001, nil),
		tcpAB(pktbuild.ACK, 1001, 5001, nil),
	}
}

// ipv4Header returns an IPv4 header of ihl 32-bit words with the given
// total length and protocol and a correct checksum; options are zero. It
// is never shorter than the 20-byte fixed header.
func ipv4Header(ihl, totalLen int, proto uint8) []byte {
	h := make([]byte, max(ihl*4, 20))
	h[0] = 0x40 | byte(ihl&0x0f)
	binary.BigEndian.PutUint16(h[2:], uint16(totalLen))
	h[8] = 64
	h[9] = proto
	copy(h[12:16], hostA.AsSlice())
	copy(h[16:20], hostB.AsSlice())
	binary.BigEndian.PutUint16(h[10:], ^packet.Fold(packet.Sum(0, h)))
	return h
}

// fixIPv4Checksum recomputes the header checksum of an IPv4 packet.
func fixIPv4Checksum(p []byte) {
	hl := int(p[0]&0x0f) * 4
	p[10], p[11] = 0, 0
	binary.BigEndian.PutUint16(p[10:], ^packet.Fold(packet.Sum(0, p[:hl])))
}

// frag4 cuts the fragment [off, off+n) of the payload of the IPv4 packet
// full (offsets in bytes, off a multiple of 8), with MF as given, and
// applies edit to the result before fixing its header checksum.
func frag4(full []byte, off, n int, mf bool, edit func([]byte)) []byte {
	hl := int(full[0]&0x0f) * 4
	p := make([]byte, hl+n)
	copy(p, full[:hl])
	copy(p[hl:], full[hl+off:hl+off+n])
	binary.BigEndian.PutUint16(p[2:], uint16(hl+n))
	fo := uint16(off / 8)
	if mf {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(p[6:], fo|binary.BigEndian.Uint16(full[6:])&0x4000)
	if edit != nil {
		edit(p)
	}
	fixIPv4Checksum(p)
	return p
}

// ipv6NoNext is an IPv6 packet from src to dst whose last header says "no
// next header", after the given extension headers.
func ipv6NoNext(src, dst netip.Addr, types []uint8, exts ...[]byte) []byte {
	return pktbuild.IP{Src: src, Dst: dst, Proto: 59, ExtTypes: types, ExtHeaders: exts}.Build(nil)
}

// routingHdr is an IPv6 routing header of the given type, segments left
// and addresses (its length field is 2 per address, or lenField if >= 0).
func routingHdr(rtype, segLeft uint8, lenField int, addrs ...netip.Addr) []byte {
	h := []byte{0, 0, rtype, segLeft, 0, 0, 0, 0}
	for _, a := range addrs {
		a16 := a.As16()
		h = append(h, a16[:]...)
	}
	if lenField < 0 {
		lenField = len(h)/8 - 1
	}
	h[1] = byte(lenField)
	return h
}

// dstOptsHdr is an IPv6 destination options header holding opts, padded
// with PadN to a multiple of 8 bytes.
func dstOptsHdr(opts ...[]byte) []byte {
	h := append([]byte{0, 0}, bytes.Join(opts, nil)...)
	if pad := (8 - len(h)%8) % 8; pad == 1 {
		h = append(h, 0) // Pad1
	} else if pad > 1 {
		h = append(h, 1, byte(pad-2))
		h = append(h, zeros(pad-2)...)
	}
	h[1] = byte(len(h)/8 - 1)
	return h
}

func homeAddrOpt(a netip.Addr) []byte {
	a16 := a.As16()
	return append([]byte{201, 16}, a16[:]...)
}

// mobility is an IPv6 packet carrying only a Mobility header with the
// given payload protocol; good chooses a correct checksum.
func mobility(payloadProto uint8, good bool) []byte {
	mh := []byte{payloadProto, 0, 0, 0, 0, 0, 0, 0} // BRR, 8 bytes
	s, d := host6A.As16(), host6B.As16()
	sum := ^packet.Fold(packet.Sum(packet.PseudoHeaderSum(6, &s, &d, 135, len(mh)), mh))
	if !good {
		sum ^= 0x5555
	}
	binary.BigEndian.PutUint16(mh[4:], sum)
	return pktbuild.IP{Src: host6A, Dst: host6B, Proto: 135}.Build(mh)
}

// wifiData is an 802.11 data frame header (to/from DS clear); qos adds the
// QoS control field with the A-MSDU bit.
func wifiData(qosAMSDU bool) []byte {
	h := make([]byte, 24)
	h[0] = 0x08
	copy(h[4:10], macB[:])
	copy(h[10:16], macA[:])
	if qosAMSDU {
		h[0] = 0x88
		h = append(h, 0x80, 0)
	}
	return h
}

// nflogTLV is an NFLOG TLV of the given type around value (host byte
// order, as libpcap hands them over; the length counts the 4-byte TLV
// header).
func nflogTLV(typ uint16, value []byte) []byte {
	return nflogTLVLen(typ, 4+len(value), value)
}

// nflogTLVLen is nflogTLV with an explicit length field.
func nflogTLVLen(typ uint16, length int, value []byte) []byte {
	h := binary.NativeEndian.AppendUint16(nil, uint16(length))
	h = binary.NativeEndian.AppendUint16(h, typ)
	return append(h, value...)
}

// amsdu is an A-MSDU subframe header announcing n bytes.
func amsdu(n int) []byte {
	h := make([]byte, 14)
	copy(h[0:6], macB[:])
	copy(h[6:12], macA[:])
	binary.BigEndian.PutUint16(h[12:], uint16(n))
	return h
}

// ---------------------------------------------------------------------
// Link layers. Zeek's packet analyzers raise these through
// packet_analysis::Analyzer::Weird → session::Manager::Weird
// (src/packet_analysis/Analyzer.cc, src/session/Manager.cc): with no IP
// header known yet they are net weirds whose source is the analyzer's
// canonical name.

func linkCases() []weirdCase {
	net := func(name, source string) []want { return []want{{name: name, kind: netWeird, source: source}} }
	vlanTag := func(id uint16, next uint16) []byte { return cat(be16(id), be16(next)) }
	return []weirdCase{
		// Ethernet.cc: 16 >= len.
		{name: "truncated_ethernet_frame", frames: []frame{raw(zeros(16))}, want: net("truncated_ethernet_frame", "ETHERNET")},
		// Ethernet.cc: ethertype 0x8903 and cfplen + 14 >= len.
		{name: "truncated_link_header_cfp", frames: []frame{raw(ether(0x8903, zeros(10)))}, want: net("truncated_link_header_cfp", "ETHERNET")},
		// Ethernet.cc: 1500 < ethertype < 1536.
		{name: "undefined_ether_type", frames: []frame{raw(ether(1501, zeros(46)))}, want: net("undefined_ether_type", "ETHERNET")},
		// VLAN.cc: 4 >= len.
		{name: "truncated_VLAN_header", frames: []frame{raw(ether(0x8100, zeros(4)))}, want: net("truncated_VLAN_header", "VLAN")},
		// VLAN.cc: a third tag when packet->inner_vlan is already set.
		{name: "triple_tagged_vlan_unsupported", frames: []frame{raw(ether(0x8100,
			cat(vlanTag(1, 0x8100), vlanTag(2, 0x8100), vlanTag(3, 0x0800), udp4([]byte("x")))))},
			want: []want{{name: "triple_tagged_vlan_unsupported", kind: netWeird, source: "VLAN", addl: "inner VLAN tag overwritten"}}},
		// VLAN.cc: 1500 < protocol < 1536.
		{name: "undefined_vlan_protocol", frames: []frame{raw(ether(0x8100, cat(vlanTag(1, 1501), zeros(46))))}, want: net("undefined_vlan_protocol", "VLAN")},
		// MPLS.cc: 4 >= len for a label stack entry.
		{name: "truncated_link_header", frames: []frame{raw(ether(0x8847, []byte{0, 0, 0x11, 64}))}, want: net("truncated_link_header", "MPLS")},
		// PPPoE.cc: 8 >= len.
		{name: "truncated_pppoe_header", frames: []frame{raw(ether(0x8864, []byte{0x11, 0, 0, 1, 0, 2, 0, 0x21}))}, want: net("truncated_pppoe_header", "PPPOE")},
		// PPPoE.cc: payload_length < len - 6; the inner packet is analysed.
		{name: "pppoe_extra_data_after_payload", frames: func() []frame {
			ip := udp4([]byte("x"))
			return []frame{raw(ether(0x8864, cat([]byte{0x11, 0, 0, 1}, be16(uint16(2+len(ip))), be16(0x0021), ip, zeros(4))))}
		}(), want: net("pppoe_extra_data_after_payload", "PPPOE")},
		// PPPoE.cc: payload_length > len - 6, raised without the packet
		// (Weird("pppoe_truncated_payload")): a net weird even though the
		// IP packet inside is then analysed.
		{name: "pppoe_truncated_payload", frames: func() []frame {
			ip := udp4([]byte("x"))
			return []frame{raw(ether(0x8864, cat([]byte{0x11, 0, 0, 1}, be16(uint16(2+len(ip)+10)), be16(0x0021), ip)))}
		}(), want: net("pppoe_truncated_payload", "PPPOE")},
		// PPPSerial.cc: 4 >= len.
		{name: "truncated_ppp_serial_header", link: packet.DLTPPPSerial, frames: []frame{raw([]byte{0xff, 3, 0, 0x21})}, want: net("truncated_ppp_serial_header", "PPPSERIAL")},
		// PPP.cc: 2 >= len.
		{name: "truncated_ppp_header", link: packet.DLTPPP, frames: []frame{raw([]byte{0, 0x21})}, want: net("truncated_ppp_header", "PPP")},
		// PPP.cc: HDLC address/control (ff 03) and 4 >= len.
		{name: "truncated_ppp_hdlc_header", link: packet.DLTPPP, frames: []frame{raw([]byte{0xff, 3, 0, 0x21})}, want: net("truncated_ppp_hdlc_header", "PPP")},
		// Null.cc: 4 >= len.
		{name: "null_analyzer_failed", link: linkNull, frames: []frame{raw([]byte{2, 0, 0, 0})}, want: net("null_analyzer_failed", "NULL")},
		// LinuxSLL.cc: sizeof(SLLHeader) (16) >= len.
		{name: "truncated_Linux_SLL_header", link: packet.DLTLinuxSLL, frames: []frame{raw(zeros(16))}, want: net("truncated_Linux_SLL_header", "LINUXSLL")},
		// LinuxSLL2.cc: sizeof(SLL2Header) (20) >= len.
		{name: "truncated_Linux_SLL2_header", link: packet.DLTLinuxSLL2, frames: []frame{raw(zeros(20))}, want: net("truncated_Linux_SLL2_header", "LINUXSLL2")},
		// Ethernet.cc cuts an 802.3 payload to its length field (2); LLC.cc:
		// len < 3.
		{name: "truncated_llc_header", frames: []frame{raw(ether(2, []byte{0x42, 0x42, 3, 0}))}, want: net("truncated_llc_header", "LLC")},
		// SNAP.cc: len < 3 (AA AA cut to 2 bytes by the length field).
		{name: "truncated_snap_llc_header", frames: []frame{raw(ether(2, []byte{0xaa, 0xaa, 3, 0}))}, want: net("truncated_snap_llc_header", "SNAP")},
		// SNAP.cc: len < llc_header_len + 5.
		{name: "truncated_snap_header", frames: []frame{raw(ether(6, []byte{0xaa, 0xaa, 3, 0, 0, 0}))}, want: net("truncated_snap_header", "SNAP")},
		// Novell_802_3.cc forwards to its default analyzer, which does not
		// exist: Analyzer::ForwardPacket raises no_suitable_analyzer_found
		// (src/packet_analysis/Analyzer.cc).
		{name: "no_suitable_analyzer_found", frames: []frame{raw(ether(30, cat([]byte{0xff, 0xff}, zeros(28))))}, want: net("no_suitable_analyzer_found", "NOVELL_802_3")},
		// FDDI.cc: hdr_size (21) >= len, raised without the packet.
		{name: "FDDI_analyzer_failed", link: packet.DLTFDDI, frames: []frame{raw(zeros(21))}, want: net("FDDI_analyzer_failed", "FDDI")},
		// IEEE802_11_Radio.cc: 3 >= len.
		{name: "truncated_radiotap_header", link: packet.DLTIEEE80211RT, frames: []frame{raw([]byte{0, 0, 8})}, want: net("truncated_radiotap_header", "IEEE802_11_RADIO")},
		// IEEE802_11_Radio.cc: the radiotap length (little-endian) >= len.
		{name: "truncated_radiotap_header/length", link: packet.DLTIEEE80211RT, frames: []frame{raw([]byte{0, 0, 40, 0, 0, 0, 0, 0})}, want: net("truncated_radiotap_header", "IEEE802_11_RADIO")},
		// IEEE802_11.cc: 24 >= len.
		{name: "truncated_802_11_header", link: packet.DLTIEEE80211, frames: []frame{raw(wifiData(false))}, want: net("truncated_802_11_header", "IEEE802_11")},
		// IEEE802_11.cc HandleInnerPacket: len < 8 for the LLC header.
		{name: "truncated_802_11_llc_header", link: packet.DLTIEEE80211, frames: []frame{raw(cat(wifiData(false), []byte{0xaa, 0xaa, 3, 0}))}, want: net("truncated_802_11_llc_header", "IEEE802_11")},
		// IEEE802_11.cc: an A-MSDU with fewer than 14 bytes for a subframe
		// header.
		{name: "truncated_802_11_amsdu_header", link: packet.DLTIEEE80211, frames: []frame{raw(cat(wifiData(true), zeros(10)))}, want: net("truncated_802_11_amsdu_header", "IEEE802_11")},
		// IEEE802_11.cc: len < amsdu_len + 14.
		{name: "truncated_802_11_amsdu_packet", link: packet.DLTIEEE80211, frames: []frame{raw(cat(wifiData(true), amsdu(100), zeros(20)))}, want: net("truncated_802_11_amsdu_packet", "IEEE802_11")},
		// IEEE802_11.cc: HandleInnerPacket fails for a subframe whose LLC
		// header is not SNAP with a zero OUI.
		{name: "invalid_802_11_amsdu_inner_packet", link: packet.DLTIEEE80211, frames: []frame{raw(cat(wifiData(true), amsdu(8), []byte{0x42, 0x42, 3, 0, 0, 0, 0, 0}))}, want: net("invalid_802_11_amsdu_inner_packet", "IEEE802_11")},
		// IEEE802_11.cc: a subframe too short for its LLC header raises
		// truncated_802_11_llc_header, then the A-MSDU weird.
		{name: "invalid_802_11_amsdu_inner_packet/short_llc", link: packet.DLTIEEE80211, frames: []frame{raw(cat(wifiData(true), amsdu(4), []byte{0xaa, 0xaa, 3, 0}))},
			want: []want{{name: "truncated_802_11_llc_header", kind: netWeird, source: "IEEE802_11"}, {name: "invalid_802_11_amsdu_inner_packet", kind: netWeird, source: "IEEE802_11"}}},
		// PBB.cc: PBB_LEN (18) >= len.
		{name: "truncated_PBB_header", frames: []frame{raw(ether(0x88e7, zeros(18)))}, want: net("truncated_PBB_header", "PBB")},
		// VNTag.cc: 6 >= len.
		{name: "truncated_vntag_header", frames: []frame{raw(ether(0x8926, zeros(6)))}, want: net("truncated_vntag_header", "VNTAG")},
		// NFLog.cc: 4 >= len.
		{name: "truncated_nflog_header", link: packet.DLTNFLOG, frames: []frame{raw([]byte{2, 0, 0, 0})}, want: net("truncated_nflog_header", "NFLOG")},
		// NFLog.cc: version != 0.
		{name: "unknown_nflog_version", link: packet.DLTNFLOG, frames: []frame{raw(cat([]byte{2, 1, 0, 0}, nflogTLV(9, zeros(20))))}, want: net("unknown_nflog_version", "NFLOG")},
		// NFLog.cc: no TLV left before a payload TLV (4 >= len).
		{name: "nflog_no_pcap_payload", link: packet.DLTNFLOG, frames: []frame{raw(cat([]byte{2, 0, 0, 0}, nflogTLV(1, zeros(4)), zeros(4)))}, want: net("nflog_no_pcap_payload", "NFLOG")},
		// NFLog.cc: a TLV length below 4.
		{name: "nflog_bad_tlv_len", link: packet.DLTNFLOG, frames: []frame{raw(cat([]byte{2, 0, 0, 0}, nflogTLVLen(1, 2, zeros(8))))}, want: net("nflog_bad_tlv_len", "NFLOG")},
		// NFLog.cc: a TLV running past the end: addl "(skip > len)".
		{name: "nflog_bad_tlv_len/past_end", link: packet.DLTNFLOG, frames: []frame{raw(cat([]byte{2, 0, 0, 0}, nflogTLVLen(1, 99, zeros(8))))},
			want: []want{{name: "nflog_bad_tlv_len", kind: netWeird, source: "NFLOG", addl: "(100 > 12)"}}},
		// ARP.cc: sizeof(arp_pkthdr) (8) > len.
		{name: "truncated_ARP", frames: []frame{raw(ether(0x0806, zeros(7)))}, want: net("truncated_ARP", "ARP")},
		// ARP.cc: the addresses the header announces do not fit.
		{name: "truncated_ARP/addresses", frames: []frame{raw(ether(0x0806, []byte{0, 1, 8, 0, 6, 4, 0, 1, 0, 1, 2, 3}))}, want: net("truncated_ARP", "ARP")},
		// Analyzer.cc ForwardPacket: the analyzer stack already holds
		// PacketAnalyzer::max_depth analyzers (Ethernet, VLAN, VLAN) when the
		// second VLAN analyzer forwards; raised by that analyzer.
		{name: "max_packet_analyzer_depth_exceeded", cfg: func(c *node.Config) { c.MaxPacketAnalyzerDepth = 3 },
			frames: []frame{raw(ether(0x8100, cat(vlanTag(1, 0x8100), vlanTag(2, 0x0800), udp4([]byte("x")))))},
			want:   net("max_packet_analyzer_depth_exceeded", "VLAN")},
		// iosource/pcap/Source.cc: a record with caplen or len 0 raises
		// PktSrc::Weird("empty_pcap_header", pkt): session::Manager::Weird
		// without a source, before network time moves to the record.
		{name: "empty_pcap_header", frames: []frame{ethIP(udp4([]byte("x"))), {data: nil}},
			want: []want{{name: "empty_pcap_header", kind: netWeird, at: []int{1}}}},
	}
}

// ---------------------------------------------------------------------
// The IP layer: src/packet_analysis/protocol/ip/IP.cc. Weirds raised before
// packet->ip_hdr is set are net weirds, later ones flow weirds; the source
// is "IP" (Analyzer::Weird).

func ipCases() []weirdCase {
	net := func(name string) []want { return []want{{name: name, kind: netWeird, source: "IP"}} }
	flow := func(name string) []want { return []want{{name: name, kind: flowWeird, source: "IP"}} }
	full := udp4(zeros(40)) // 20 + 8 + 40 bytes
	return []weirdCase{
		// len < sizeof(struct ip).
		{name: "truncated_IP", frames: []frame{raw(ether(0x0800, full[:19]))}, want: net("truncated_IP")},
		// Version 6 and len < sizeof(struct ip6_hdr).
		{name: "truncated_IP/v6", frames: []frame{raw(ether(0x86dd, cat([]byte{0x60}, zeros(29))))}, want: net("truncated_IP")},
		{name: "unknown_ip_version", frames: []frame{raw(ether(0x0800, cat([]byte{0x55}, zeros(39))))}, want: net("unknown_ip_version")},
		// TotalLen() == 0 and ignore_checksums off: dropped.
		{name: "ip_hdr_len_zero", frames: []frame{ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB, ZeroLen: true}, pktbuild.UDP{SrcPort: portA, DstPort: portB}, zeros(8)))}, want: net("ip_hdr_len_zero")},
		// packet->len < total_len + hdr_size.
		{name: "truncated_IP_len", frames: []frame{ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB, TotalLen: 200}, pktbuild.UDP{SrcPort: portA, DstPort: portB}, zeros(8)))}, want: net("truncated_IP_len")},
		// ip_hdr_len (60) > total_len (40).
		{name: "invalid_IP_header_size", frames: []frame{raw(ether(0x0800, cat(ipv4Header(15, 40, 17), zeros(8))))}, want: net("invalid_IP_header_size")},
		// ip_hdr_len (60) > len (40 captured of 80).
		{name: "internally_truncated_header/ip", frames: []frame{{data: ether(0x0800, ipv4Header(15, 80, 17)[:40]), wire: 14 + 80}}, want: net("internally_truncated_header")},
		// IPv4 ip_hdr_len (16) < sizeof(struct ip).
		{name: "IPv4_min_header_size", frames: []frame{raw(ether(0x0800, cat(ipv4Header(4, 40, 17), zeros(24))))}, want: net("IPv4_min_header_size")},
		// After packet->ip_hdr is set: a flow weird.
		{name: "bad_IP_checksum", frames: []frame{ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB, BadChecksum: true}, pktbuild.UDP{SrcPort: portA, DstPort: portB}, zeros(8)))}, want: flow("bad_IP_checksum")},
		// A fragment captured short of its total length; not the first
		// fragment, so dropped after the weird.
		{name: "incompletely_captured_fragment", frames: func() []frame {
			f := frag4(full, 8, 40, true, nil)
			return []frame{{data: ether(0x0800, f[:30]), wire: uint32(14 + len(f))}}
		}(), want: flow("incompletely_captured_fragment")},
		// mobility_header_checksum() != 0xffff.
		{name: "bad_MH_checksum", frames: []frame{ethIP(mobility(59, false))}, want: []want{{name: "bad_MH_checksum", kind: flowWeird, source: "IP", orig: host6A, resp: host6B}}},
		// A good Mobility header whose payload protocol is not
		// IPPROTO_NONE.
		{name: "mobility_piggyback", frames: []frame{ethIP(mobility(6, true))}, want: []want{{name: "mobility_piggyback", kind: flowWeird, source: "IP", orig: host6A, resp: host6B}}},
		// NextProto() == IPPROTO_NONE outside Teredo.
		{name: "ipv6_no_next", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, nil))}, want: []want{{name: "ipv6_no_next", kind: flowWeird, source: "IP", orig: host6A, resp: host6B}}},
	}
}

// ---------------------------------------------------------------------
// IPv6 extension header chain: IPv6_Hdr_Chain in src/IP.cc raises
// reporter->Weird(SrcAddr(), DstAddr(), name[, addl]): flow weirds without
// a source, whose addresses already reflect a Home Address option or a
// routing header's final destination seen earlier in the chain. Each trace
// ends with "no next header", which adds ipv6_no_next (IP.cc) for the
// chain's final addresses.

func ipv6ChainCases() []weirdCase {
	chain := func(name string, addl string, orig, resp netip.Addr) want {
		return want{name: name, kind: flowWeird, addl: addl, orig: orig, resp: resp}
	}
	noNext := func(orig, resp netip.Addr) want {
		return want{name: "ipv6_no_next", kind: flowWeird, source: "IP", orig: orig, resp: resp}
	}
	return []weirdCase{
		// ProcessRoutingHeader: type 0 always raises routing0_hdr.
		{name: "routing0_hdr", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{43}, routingHdr(0, 0, -1, host6C)))},
			want: []want{chain("routing0_hdr", "", host6A, host6B), noNext(host6A, host6B)}},
		// Type 0 with segments left and an even length sets the final
		// destination first, so routing0_hdr already names it.
		{name: "routing0_hdr/final_destination", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{43}, routingHdr(0, 1, -1, host6C)))},
			want: []want{chain("routing0_hdr", "", host6A, host6C), noNext(host6A, host6C)}},
		// Type 0, segments left, odd length.
		{name: "odd_routing0_len", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{43}, cat(routingHdr(0, 1, 3, host6C), zeros(8))))},
			want: []want{chain("odd_routing0_len", "", host6A, host6B), chain("routing0_hdr", "", host6A, host6B), noNext(host6A, host6B)}},
		// Type 2, segments left, length != 2.
		{name: "bad_routing2_len", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{43}, routingHdr(2, 1, -1, host6C, host6D)))},
			want: []want{chain("bad_routing2_len", "", host6A, host6B), noNext(host6A, host6B)}},
		{name: "unknown_routing_type", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{43}, routingHdr(5, 1, -1, host6C)))},
			want: []want{chain("unknown_routing_type", "5", host6A, host6B), noNext(host6A, host6B)}},
		// A second routing header after one that set the final destination:
		// DstAddr() is that final destination.
		{name: "multiple_routing_headers", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{43, 43}, routingHdr(2, 1, -1, host6C), routingHdr(2, 1, -1, host6D)))},
			want: []want{chain("multiple_routing_headers", "", host6A, host6C), noNext(host6A, host6C)}},
		// ProcessDstOpts: an option longer than what is left.
		{name: "bad_ipv6_dest_opt_len", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{60}, []byte{0, 0, 1, 10, 0, 0, 0, 0}))},
			want: []want{chain("bad_ipv6_dest_opt_len", "", host6A, host6B), noNext(host6A, host6B)}},
		// A Home Address option whose length is not 16.
		{name: "bad_home_addr_len", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{60}, dstOptsHdr([]byte{201, 4, 1, 2, 3, 4})))},
			want: []want{chain("bad_home_addr_len", "", host6A, host6B), noNext(host6A, host6B)}},
		// A second Home Address option: SrcAddr() is the first one's
		// address.
		{name: "multiple_home_addr_opts", frames: []frame{ethIP(ipv6NoNext(host6A, host6B, []uint8{60}, dstOptsHdr(homeAddrOpt(host6C), homeAddrOpt(host6D))))},
			want: []want{chain("multiple_home_addr_opts", "", host6C, host6B), noNext(host6C, host6B)}},
	}
}

// ---------------------------------------------------------------------
// Fragment reassembly: src/Frag.cc. FragReassembler raises
// s->Weird(name, ip) / Weird(name) → session::Manager::Weird(name, IP_Hdr*)
// → reporter->Weird(src, dst, name): flow weirds without a source.

func fragmentCases() []weirdCase {
	flow := func(name string) want { return want{name: name, kind: flowWeird} }
	// A UDP datagram with 48 bytes of payload: 20 + 8 + 48 = 76 bytes,
	// cut into fragments of the 56-byte IP payload.
	full := pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB, ID: 7}, pktbuild.UDP{SrcPort: portA, DstPort: portB}, bytes.Repeat([]byte("f"), 48))
	first := func() []byte { return frag4(full, 0, 48, true, nil) }
	setDF := func(p []byte) { p[6] |= 0x40 }
	return []weirdCase{
		// A fragment of the same datagram with another protocol; the
		// datagram is then reassembled with the first fragment's header and
		// analysed as UDP.
		{name: "fragment_protocol_inconsistency", frames: []frame{ethIP(first()), ethIP(frag4(full, 48, 8, false, func(p []byte) { p[9] = 6 }))},
			want: []want{flow("fragment_protocol_inconsistency")}},
		// DF on a fragment.
		{name: "fragment_with_DF", frames: []frame{ethIP(frag4(full, 0, 48, true, setDF))}, want: []want{flow("fragment_with_DF")}},
		// Two last fragments that end at different offsets.
		{name: "fragment_size_inconsistency", frames: []frame{ethIP(frag4(full, 48, 8, false, nil)), ethIP(frag4(cat(full, zeros(8)), 56, 8, false, nil))},
			want: []want{flow("fragment_size_inconsistency")}},
		// A non-last fragment whose end lies beyond the size a last fragment
		// gave.
		{name: "fragment_size_inconsistency/beyond_last", frames: []frame{ethIP(frag4(full, 40, 8, false, nil)), ethIP(frag4(full, 8, 48, true, nil))},
			want: []want{flow("fragment_size_inconsistency"), flow("fragment_overlap")}},
		// A non-last fragment shorter than MIN_ACCEPTABLE_FRAG_SIZE (64).
		{name: "excessively_small_fragment", frames: []frame{ethIP(frag4(full, 0, 8, true, nil))}, want: []want{flow("excessively_small_fragment")}},
		// A fragment ending beyond MAX_ACCEPTABLE_FRAG_SIZE (64000).
		{name: "excessively_large_fragment", frames: []frame{ethIP(frag4(cat(full, zeros(64100)), 64000, 8, false, nil))}, want: []want{flow("excessively_large_fragment")}},
		// The same fragment twice: Overlap() with equal bytes.
		{name: "fragment_overlap", frames: []frame{ethIP(first()), ethIP(first())}, want: []want{flow("fragment_overlap")}},
		// The same range with other bytes: Overlap() with different bytes.
		{name: "fragment_inconsistency", frames: []frame{ethIP(first()), ethIP(frag4(full, 0, 48, true, func(p []byte) { p[30] ^= 0xff }))},
			want: []want{flow("fragment_inconsistency")}},
		// IPv6: a non-last fragment shorter than 64 bytes.
		{name: "excessively_small_fragment/v6", frames: []frame{ethIP(pktbuild.IP{Src: host6A, Dst: host6B, Proto: 17, ExtTypes: []uint8{44}, ExtHeaders: [][]byte{{0, 0, 0, 1, 0, 0, 0, 9}}}.Build(zeros(8)))},
			want: []want{{name: "excessively_small_fragment", kind: flowWeird, orig: host6A, resp: host6B}}},
		// Heron's own bound (no Zeek counterpart): more than
		// DefaultMaxFragmentsPerDatagram fragments for one datagram. The
		// duplicates also overlap (logged once per originator).
		{name: "excessively_many_fragments", frames: func() []frame {
			f := ethIP(first())
			fs := make([]frame, 16385)
			for i := range fs {
				fs[i] = f
			}
			return fs
		}(), want: []want{flow("excessively_many_fragments"), {name: "fragment_overlap", kind: flowWeird, at: []int{2}}}},
		// Heron's own bound (no Zeek counterpart): more than
		// DefaultMaxDatagrams datagrams pending; the oldest is dropped.
		{name: "fragment_reassembly_evicted", frames: func() []frame {
			fs := make([]frame, 65537)
			for i := range fs {
				fs[i] = ethIP(frag4(full, 0, 48, true, func(p []byte) { binary.BigEndian.PutUint16(p[4:], uint16(i)) }))
				if i >= 65536 {
					// IDs are 16 bits: the last datagram comes from
					// another source.
					fs[i] = ethIP(frag4(full, 0, 48, true, func(p []byte) { copy(p[12:16], hostC.AsSlice()) }))
				}
			}
			return fs
		}(), want: []want{flow("fragment_reassembly_evicted")}},
	}
}

// ---------------------------------------------------------------------
// Transport headers. IPBasedAnalyzer::CheckHeaderTrunc
// (src/packet_analysis/protocol/ip/IPBasedAnalyzer.cc) raises packet
// weirds: flow weirds with the transport analyzer's name as source. The
// session adapters' Weird() (analyzer::Analyzer::Weird,
// src/analyzer/Analyzer.cc) raises connection weirds whose source is the
// adapter's name.

func transportCases() []weirdCase {
	ipOnly := func(proto uint8, n int) frame {
		return ethIP(pktbuild.IP{Src: hostA, Dst: hostB, Proto: proto}.Build(zeros(n)))
	}
	tcpFull := pktbuild.TCPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.TCP{SrcPort: portA, DstPort: portB, Flags: pktbuild.ACK, Seq: 1, Ack: 1}, zeros(20))
	icmp6 := func(typ uint8, rest uint32, body []byte) frame {
		return ethIP(pktbuild.ICMPPacket(pktbuild.IP{Src: host6A, Dst: host6B}, pktbuild.ICMP{Type: typ, Rest: rest}, body))
	}
	conn6 := func(name string) []want {
		return []want{{name: name, kind: connWeird, source: "ICMP", orig: host6A, resp: host6B}}
	}
	return []weirdCase{
		// PayloadLen() < the minimal header.
		{name: "truncated_header/tcp_flow", frames: []frame{ipOnly(6, 10)}, want: []want{{name: "truncated_header", kind: flowWeird, source: "TCP"}}},
		{name: "truncated_header/udp_flow", frames: []frame{ipOnly(17, 4)}, want: []want{{name: "truncated_header", kind: flowWeird, source: "UDP"}}},
		{name: "truncated_header/icmp_flow", frames: []frame{ipOnly(1, 4)}, want: []want{{name: "truncated_header", kind: flowWeird, source: "ICMP"}}},
		// remaining (captured) < the minimal header.
		{name: "internally_truncated_header/tcp", frames: []frame{{data: pktbuild.EtherIP(tcpFull)[:14+30], wire: uint32(14 + len(tcpFull))}},
			want: []want{{name: "internally_truncated_header", kind: flowWeird, source: "TCP"}}},
		// UDP.cc: the UDP length field differs from the IP payload length.
		{name: "UDP_datagram_length_mismatch", frames: []frame{ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.UDP{SrcPort: portA, DstPort: portB, Length: 20}, zeros(4)))},
			want: []want{{name: "UDP_datagram_length_mismatch", kind: connWeird, source: "UDP", addl: "20 != 12"}}},
		// UDPSessionAdapter::HandleBadChecksum.
		{name: "bad_UDP_checksum", frames: []frame{ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.UDP{SrcPort: portA, DstPort: portB, BadChecksum: true}, zeros(4)))},
			want: []want{{name: "bad_UDP_checksum", kind: connWeird, source: "UDP"}}},
		// ICMP.cc DeliverPacket.
		{name: "bad_ICMP_checksum", frames: []frame{ethIP(pktbuild.ICMPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.ICMP{Type: 8, Rest: 0x00010001, BadChecksum: true}, zeros(8)))},
			want: []want{{name: "bad_ICMP_checksum", kind: connWeird, source: "ICMP"}}},
		// ICMP.cc MLDReport: caplen < 16 for a listener report.
		{name: "truncated_ICMPv6_MLDv1", frames: []frame{icmp6(131, 0, zeros(4))}, want: conn6("truncated_ICMPv6_MLDv1")},
		// ICMP.cc MLDReportV2: caplen < 20 × records.
		{name: "truncated_ICMPv6_MLDv2", frames: []frame{icmp6(143, 2, zeros(10))}, want: conn6("truncated_ICMPv6_MLDv2")},
		// ICMP.cc MLDReportV2: a record announcing a source that is missing.
		{name: "truncated_ICMPv6_MLDv2_record", frames: []frame{icmp6(143, 1, cat([]byte{1, 0, 0, 1}, zeros(16)))}, want: conn6("truncated_ICMPv6_MLDv2_record")},
		// ICMP.cc MLDReportV2: fewer than 4 bytes left for the second
		// record's header (42 bytes for 2 records; the first, with one
		// source and 4 bytes of aux data, takes 40).
		{name: "truncated_ICMPv6_MLDv2_record/header", frames: []frame{icmp6(143, 2, cat([]byte{1, 1, 0, 1}, zeros(16+16+4), zeros(2)))},
			want: conn6("truncated_ICMPv6_MLDv2_record")},
		// packet_analysis/protocol/igmp/igmp.spicy: the checksum over the
		// parsed message (here an IGMPv2 report whose checksum field is 0)
		// does not add up; zeek::weird from a packet analyzer is a flow
		// weird with the analyzer's name.
		{name: "igmp_invalid_checksum", frames: []frame{igmpReport(0)},
			want: []want{{name: "igmp_invalid_checksum", kind: flowWeird, source: "IGMP"}}},
		{name: "igmp_invalid_checksum/valid", frames: []frame{igmpReport(0x0904)}, absent: []string{"igmp_invalid_checksum"}},
		// The grammar reads ignore_checksums.
		{name: "igmp_invalid_checksum/ignored", frames: []frame{igmpReport(0)}, cfg: func(c *node.Config) { c.IgnoreChecksums = true },
			absent: []string{"igmp_invalid_checksum"}},
	}
}

// igmpReport is an IGMPv2 membership report for 224.0.0.251 from hostA to
// hostB with the given checksum field (0x0904 is the right one).
func igmpReport(checksum uint16) frame {
	return ethIP(pktbuild.IP{Src: hostA, Dst: hostB, Proto: 2}.Build(cat([]byte{0x16, 0}, be16(checksum), []byte{224, 0, 0, 251})))
}

// ---------------------------------------------------------------------
// TCP: src/packet_analysis/protocol/tcp/TCP.cc and TCPSessionAdapter.cc,
// src/analyzer/protocol/tcp/TCP_Endpoint.cc and TCP_Reassembler.cc. The
// adapter's Weird() gives source "TCP"; endpoint->Conn()->Weird(name)
// gives no source; SynWeirds and TCP_scale_range pass "TCP" explicitly.

func tcpCases() []weirdCase {
	const (
		S = pktbuild.SYN
		A = pktbuild.ACK
		F = pktbuild.FIN
		R = pktbuild.RST
		P = pktbuild.PSH
		U = pktbuild.URG
	)
	tcp := func(name string) want { return want{name: name, kind: connWeird, source: "TCP"} }
	bare := func(name string) want { return want{name: name, kind: connWeird} }
	seg := func(fromA bool, t pktbuild.TCP, payload []byte) frame {
		ip := pktbuild.IP{Src: hostA, Dst: hostB}
		t.SrcPort, t.DstPort = portA, portB
		if !fromA {
			ip.Src, ip.Dst = hostB, hostA
			t.SrcPort, t.DstPort = portB, portA
		}
		return ethIP(pktbuild.TCPPacket(ip, t, payload))
	}
	hs := handshake
	with := func(fs []frame, more ...frame) []frame { return append(fs, more...) }
	storm := func(flags uint8) []frame {
		fs := hs()
		for range 1000 {
			fs = append(fs, tcpAB(flags|A, 1001, 5001, nil))
		}
		return fs
	}
	return []weirdCase{
		// TCP.cc ExtractTCP_Header: th_off * 4 < 20.
		{name: "bad_TCP_header_len", frames: []frame{seg(true, pktbuild.TCP{Flags: S, Seq: 1000, DataOffset: 4}, nil)}, want: []want{tcp("bad_TCP_header_len")}},
		// TCP.cc ExtractTCP_Header: th_off * 4 > len.
		{name: "truncated_header/tcp_conn", frames: []frame{seg(true, pktbuild.TCP{Flags: S, Seq: 1000, DataOffset: 15}, zeros(20))}, want: []want{tcp("truncated_header")}},
		// TCP.cc ValidateChecksum.
		{name: "bad_TCP_checksum", frames: []frame{seg(true, pktbuild.TCP{Flags: S, Seq: 1000, BadChecksum: true}, nil)}, want: []want{tcp("bad_TCP_checksum")}},
		// Process: a segment before the endpoint's initial sequence number.
		{name: "TCP_seq_underflow_or_misorder", frames: with(hs(), tcpAB(A|P, 900, 5001, []byte("early"))), want: []want{tcp("TCP_seq_underflow_or_misorder")}},
		// SynWeirds: SYN with RST. The RST of an endpoint whose peer is
		// inactive is also spontaneous_RST, which weird.zeek ignores.
		{name: "TCP_christmas", frames: []frame{tcpAB(S|R, 1000, 0, nil)}, want: []want{tcp("TCP_christmas")}, absent: []string{"spontaneous_RST"}},
		{name: "baroque_SYN", frames: []frame{tcpAB(S|U, 1000, 0, nil)}, want: []want{tcp("baroque_SYN")}},
		{name: "SYN_with_data", frames: []frame{tcpAB(S, 1000, 0, []byte("hello"))}, want: []want{tcp("SYN_with_data")}},
		// tcp_storm_thresh (1000) FINs, each within
		// tcp_storm_interarrival_thresh of the last; ACTION_NOTICE_PER_ORIG.
		{name: "FIN_storm", frames: storm(F), want: []want{{name: "FIN_storm", kind: connWeird, source: "TCP", notice: true}}},
		{name: "RST_storm", frames: storm(R), want: []want{tcp("RST_storm")}},
		// An ack below the peer's initial sequence number.
		{name: "TCP_ack_underflow_or_misorder", frames: with(hs(), tcpAB(A, 1001, 4000, nil)), want: []want{tcp("TCP_ack_underflow_or_misorder")}},
		// UpdateInactiveState: the originator's first packet is a SYN-ACK;
		// ACTION_LOG_PER_ORIG.
		{name: "connection_originator_SYN_ack", frames: []frame{tcpAB(S|A, 1000, 77, nil)}, want: []want{tcp("connection_originator_SYN_ack")}},
		// The responder's SYN-ACK acks something outside the originator's
		// sequence space.
		{name: "bad_SYN_ack", frames: []frame{tcpAB(S, 1000, 0, nil), tcpBA(S|A, 5000, 9999, nil)}, want: []want{tcp("bad_SYN_ack")}},
		// A SYN without ACK from the responder; ACTION_LOG_PER_CONN. Its
		// sequence number must be the originator's initial one, or IsReuse
		// takes it for a new connection (SYN_seq_jump).
		{name: "simultaneous_open", frames: []frame{tcpAB(S, 1000, 0, nil), tcpBA(S, 1000, 0, nil)}, want: []want{tcp("simultaneous_open")}},
		// IsReuse: the responder's SYN without ACK and with its own
		// sequence number is a new connection attempt; the weird goes to
		// the old connection.
		{name: "SYN_seq_jump/responder_syn", frames: []frame{tcpAB(S, 1000, 0, nil), tcpBA(S, 5000, 0, nil)}, want: []want{tcp("SYN_seq_jump")}},
		// A flipped connection (the SYN-ACK comes from a likely server
		// port) whose responder answers with a SYN-ACK while the originator
		// is inactive: unsolicited_SYN_response, ACTION_IGNORE.
		{name: "unsolicited_SYN_response", cfg: func(c *node.Config) {
			c.Loaded.LikelyServer = []zeek.Port{{Num: portB, Proto: zeek.ProtoTCP}}
		}, frames: []frame{tcpBA(S|A, 5000, 1001, nil)}, absent: []string{"unsolicited_SYN_response"}},
		// ACTION_IGNORE: a first FIN, a first RST, a FIN after a RST.
		{name: "spontaneous_FIN", frames: []frame{tcpAB(F|A, 1000, 5000, nil)}, absent: []string{"spontaneous_FIN"}},
		{name: "spontaneous_RST", frames: []frame{tcpAB(R, 1000, 0, nil)}, absent: []string{"spontaneous_RST"}},
		{name: "FIN_after_reset", frames: with(hs(), tcpAB(R|A, 1001, 5001, nil), tcpAB(F|A, 1001, 5001, nil)), absent: []string{"FIN_after_reset"}},
		// UpdateResetState: the responder resets, then sends a SYN-ACK
		// (not a reuse: IsReuse ignores SYN-ACKs once the originator is
		// active).
		{name: "SYN_after_reset", frames: with(hs(), tcpBA(R|A, 5001, 1001, nil), tcpBA(S|A, 5000, 1001, nil)), want: []want{tcp("SYN_after_reset")}},
		{name: "data_after_reset", frames: with(hs(), tcpBA(R|A, 5001, 1001, nil), tcpBA(A|P, 5001, 1001, []byte("late"))), want: []want{tcp("data_after_reset")}},
		// UpdateSYN_SentState: the originator repeats its SYN with ACK.
		{name: "repeated_SYN_with_ack", frames: []frame{tcpAB(S, 1000, 0, nil), tcpAB(S|A, 1000, 77, nil)}, want: []want{tcp("repeated_SYN_with_ack")}},
		// The originator's SYN-ACK, the peer's ACK (history "H" then 'a'
		// flips the connection: TCP_Endpoint::CheckHistory), then a SYN
		// without ACK from the new responder, still in SYN_ACK_SENT.
		{name: "repeated_SYN_reply_wo_ack", frames: []frame{tcpAB(S|A, 1000, 1001, nil), tcpBA(A, 1001, 1001, nil), tcpAB(S, 1000, 0, nil)},
			want: []want{
				{name: "connection_originator_SYN_ack", kind: connWeird, source: "TCP", at: []int{1}, flipped: true},
				{name: "repeated_SYN_reply_wo_ack", kind: connWeird, source: "TCP", orig: hostB, resp: hostA},
			}},
		// UpdateSYN_SentState: a FIN while the peer is inactive.
		{name: "inappropriate_FIN", frames: []frame{tcpAB(S, 1000, 0, nil), tcpAB(F, 1001, 0, nil)}, want: []want{tcp("inappropriate_FIN")}},
		// UpdateSYN_SentState: data (without ACK) before the handshake
		// completes.
		{name: "data_before_established", frames: []frame{tcpAB(S, 1000, 0, nil), tcpAB(P, 1001, 0, []byte("early"))}, want: []want{tcp("data_before_established")}},
		// UpdateEstablishedState: a partial endpoint sends a SYN while its
		// peer was never seen; ACTION_NOTICE_PER_ORIG.
		{name: "SYN_after_partial", frames: []frame{tcpAB(A, 1001, 5001, nil), tcpAB(S, 1000, 0, nil)},
			want: []want{{name: "SYN_after_partial", kind: connWeird, source: "TCP", notice: true}}},
		// UpdateClosedState: a SYN-ACK from an endpoint that closed.
		{name: "SYN_after_close", frames: with(hs(), tcpAB(F|A, 1001, 5001, nil), tcpAB(S|A, 1000, 5001, nil)), want: []want{tcp("SYN_after_close")}},
		// UpdateClosedState: a second FIN further on.
		{name: "FIN_advanced_last_seq", frames: with(hs(), tcpAB(F|A, 1001, 5001, nil), tcpAB(F|A, 1011, 5001, nil)), want: []want{tcp("FIN_advanced_last_seq")}},
		// IsReuse: a new SYN with another sequence number while the first
		// SYN is unanswered; raised on the old connection.
		{name: "SYN_seq_jump/reuse", frames: []frame{tcpAB(S, 1000, 0, nil), tcpAB(S, 7000, 0, nil)}, want: []want{tcp("SYN_seq_jump")}},
		// init_endpoint: a SYN-ACK with a new sequence number from an
		// endpoint in SYN_ACK_SENT (not a reuse); no source.
		{name: "SYN_seq_jump/init_endpoint", frames: []frame{tcpAB(S|A, 1000, 77, nil), tcpAB(S|A, 3000, 77, nil)},
			want: []want{{name: "connection_originator_SYN_ack", kind: connWeird, source: "TCP", at: []int{1}}, bare("SYN_seq_jump")}},
		// init_endpoint: a SYN (with ACK, so no reuse) from an established
		// endpoint that has sent data; no source.
		{name: "SYN_inside_connection", frames: with(hs(), tcpAB(A|P, 1001, 5001, []byte("data")), tcpAB(S|A, 1000, 5001, nil)), want: []want{bare("SYN_inside_connection")}},
		// IsReuse: a SYN with a new sequence number on an established
		// connection.
		{name: "active_connection_reuse", frames: with(hs(), tcpAB(S, 9000, 0, nil)), want: []want{tcp("active_connection_reuse")}},
		// IsReuse: one side closed, the other still active.
		{name: "active_connection_reuse/half_closed", frames: with(hs(), tcpAB(F|A, 1001, 5001, nil), tcpAB(S, 9000, 0, nil)), want: []want{tcp("active_connection_reuse")}},
		// IsReuse: both sides closed, new SYN within tcp_connection_linger.
		{name: "premature_connection_reuse", frames: with(hs(), tcpAB(F|A, 1001, 5001, nil), tcpBA(F|A, 5001, 1002, nil), tcpAB(A, 1002, 5002, nil), tcpAB(S, 9000, 0, nil)),
			want: []want{tcp("premature_connection_reuse")}},
		// update_window: the responder shrinks its window; no source.
		{name: "window_recision", frames: with(hs(), seg(false, pktbuild.TCP{Flags: A, Seq: 5001, Ack: 1001, Window: 1000}, nil), seg(false, pktbuild.TCP{Flags: A, Seq: 5001, Ack: 1001, Window: 100}, nil)),
			want: []want{bare("window_recision")}},
		// init_window: a window scale option above 14.
		{name: "TCP_scale_range", frames: []frame{seg(true, pktbuild.TCP{Flags: S, Seq: 1000, Options: []byte{3, 3, 15, 0}}, nil)},
			want: []want{{name: "TCP_scale_range", kind: connWeird, source: "TCP", addl: "15"}}},
		// init_peer: an ACK from an endpoint in SYN_SENT while the peer is
		// inactive; no source.
		{name: "possible_split_routing", frames: []frame{tcpAB(S, 1000, 0, nil), tcpAB(A, 1001, 5001, nil)}, want: []want{bare("possible_split_routing")}},
		// TCP_Reassembler::DataSent: more than
		// tcp_max_above_hole_without_any_acks bytes above a hole, nothing
		// acked.
		{name: "above_hole_data_without_any_acks", frames: with(hs(), tcpAB(A|P, 1001+20000, 5001, []byte("far"))), want: []want{tcp("above_hole_data_without_any_acks")}},
		// TCP_Reassembler::DataSent: more than
		// tcp_excessive_data_without_further_acks bytes buffered.
		{name: "excessive_data_without_further_acks", cfg: func(c *node.Config) { c.Conn.TCPExcessiveDataWithoutFurtherAcks = 1000 },
			frames: with(hs(), tcpAB(A|P, 1001, 5001, zeros(600)), tcpAB(A|P, 1601, 5001, zeros(600))),
			want:   []want{tcp("excessive_data_without_further_acks")}},
		// Heron's own bound (no Zeek counterpart): more out-of-order blocks
		// in one direction than conn.Config.MaxReassemblyBlocks; the addl
		// names the bound. The data segments are acked so that the
		// above-hole rule (which needs no acks at all) stays quiet.
		{name: "reassembly_limit_exceeded", cfg: func(c *node.Config) { c.Conn.MaxReassemblyBlocks = 2 },
			frames: with(hs(), tcpAB(A|P, 1001, 5001, zeros(10)), tcpBA(A, 5001, 1011, nil),
				tcpAB(A|P, 1101, 5001, zeros(10)), tcpAB(A|P, 1201, 5001, zeros(10)), tcpAB(A|P, 1301, 5001, zeros(10))),
			want: []want{{name: "reassembly_limit_exceeded", kind: connWeird, source: "TCP", addl: "blocks"}}},
		// TCP_Endpoint::DataSent: caplen < len.
		{name: "truncated_tcp_payload", frames: func() []frame {
			f := tcpAB(A|P, 1001, 5001, zeros(100))
			f.wire = uint32(len(f.data))
			f.data = f.data[:len(f.data)-50]
			return with(hs(), f)
		}(), want: []want{tcp("truncated_tcp_payload")}},
	}
}

// ---------------------------------------------------------------------
// Sampling and rate limiting: Reporter::Weird and its Permit* functions
// (src/Reporter.cc, src/WeirdState.cc: the first sampling_threshold weirds
// of a name per connection, per flow (address pair) or per name for net
// weirds pass, then one in sampling_rate), and do_weird in
// base/frameworks/notice/weird.zeek (an identical weird — same name and
// identifier — is not logged again for 10 minutes unless its name is in
// weird_do_not_ignore_repeats; limiting actions log once per connection,
// originator or overall for a day).

// flowSrc is the source address of the i-th of several flows.
func flowSrc(i int) netip.Addr {
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(0x10 + i)})
}

func samplingCases() []weirdCase {
	sample := func(c *node.Config) {
		c.Weird.SamplingThreshold = 2
		c.Weird.SamplingRate = 3
		c.Weird.SamplingDuration = 24 * 60 * zeek.Minute
	}
	spread := func(fs []frame, gap zeek.Interval) []frame {
		for i := 1; i < len(fs); i++ {
			fs[i].gap = gap
		}
		return fs
	}
	repeat := func(n int, f func(i int) frame) []frame {
		fs := make([]frame, n)
		for i := range fs {
			fs[i] = f(i)
		}
		return fs
	}
	truncIP := func(int) frame { return raw(ether(0x0800, zeros(19))) }
	badUDP := func(src netip.Addr, sport uint16) frame {
		return ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: src, Dst: hostB}, pktbuild.UDP{SrcPort: sport, DstPort: portB, BadChecksum: true}, zeros(4)))
	}
	badIP := func() frame {
		return ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB, BadChecksum: true}, pktbuild.UDP{SrcPort: portA, DstPort: portB}, zeros(4)))
	}
	noNext := func(int) frame { return ethIP(ipv6NoNext(host6A, host6B, nil)) }
	// Counts 1 and 2 pass the threshold, then 5 and 8 (every third).
	sampled := []int{1, 2, 5, 8}
	return []weirdCase{
		// Five flows, each raising the weird once: each is within its
		// flow's threshold and has its own identifier.
		{name: "sampling/flows", cfg: sample, frames: repeat(5, func(i int) frame {
			return ethIP(ipv6NoNext(flowSrc(i), host6B, nil))
		}), want: []want{{name: "ipv6_no_next", kind: flowWeird, source: "IP", resp: host6B, n: 5, at: []int{1, 2, 3, 4, 5},
			origs: []netip.Addr{flowSrc(0), flowSrc(1), flowSrc(2), flowSrc(3), flowSrc(4)}}}},
		// The same net weird ten times within ten minutes: sampling lets
		// four through, weird_ignore keeps all but the first from the log.
		{name: "sampling/net_repeats_ignored", cfg: sample, frames: repeat(10, truncIP),
			want: []want{{name: "truncated_IP", kind: netWeird, source: "IP", at: []int{1}}}},
		// The same, eleven minutes apart: weird_ignore has expired each
		// time, so the log shows what sampling let through.
		{name: "sampling/net_spread", cfg: sample, frames: spread(repeat(10, truncIP), 11*zeek.Minute),
			want: []want{{name: "truncated_IP", kind: netWeird, source: "IP", n: 4, at: sampled}}},
		// Default sampling (threshold 1000): all ten spread ones logged.
		{name: "sampling/net_spread_default", frames: spread(repeat(10, truncIP), 11*zeek.Minute),
			want: []want{{name: "truncated_IP", kind: netWeird, source: "IP", n: 10, at: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}}},
		// A net weird in weird_do_not_ignore_repeats: every sampled one is
		// logged even within ten minutes.
		{name: "sampling/net_do_not_ignore", cfg: func(c *node.Config) {
			sample(c)
			c.Weird.DoNotIgnoreRepeats["truncated_IP"] = true
		}, frames: repeat(10, truncIP), want: []want{{name: "truncated_IP", kind: netWeird, source: "IP", n: 4, at: sampled}}},
		// One flow, spread out: per-flow sampling.
		{name: "sampling/flow_spread", cfg: sample, frames: spread(repeat(10, noNext), 11*zeek.Minute),
			want: []want{{name: "ipv6_no_next", kind: flowWeird, source: "IP", orig: host6A, resp: host6B, n: 4, at: sampled}}},
		// A sampling_duration of 15 minutes resets the flow's counts: with
		// eleven-minute gaps the state of the first weird expires before
		// the third.
		{name: "sampling/flow_duration_reset", cfg: func(c *node.Config) {
			sample(c)
			c.Weird.SamplingDuration = 15 * zeek.Minute
		}, frames: spread(repeat(4, noNext), 11*zeek.Minute),
			want: []want{{name: "ipv6_no_next", kind: flowWeird, source: "IP", orig: host6A, resp: host6B, n: 4, at: []int{1, 2, 3, 4}}}},
		// A whitelisted name is never sampled.
		{name: "sampling/whitelist", cfg: func(c *node.Config) {
			sample(c)
			c.Weird.SamplingWhitelist = map[string]bool{"truncated_IP": true}
		}, frames: spread(repeat(10, truncIP), 11*zeek.Minute),
			want: []want{{name: "truncated_IP", kind: netWeird, source: "IP", n: 10, at: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}}},
		// Connection weirds are sampled per connection: bad_UDP_checksum
		// (never ignored as a repeat) logged for every sampled one once its
		// action is ACTION_LOG instead of ACTION_LOG_PER_ORIG.
		{name: "sampling/conn", cfg: func(c *node.Config) {
			sample(c)
			c.Weird.Actions["bad_UDP_checksum"] = weird.ActionLog
		}, frames: repeat(10, func(int) frame {
			return ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.UDP{SrcPort: portA, DstPort: portB, BadChecksum: true}, zeros(4)))
		}), want: []want{{name: "bad_UDP_checksum", kind: connWeird, source: "UDP", n: 4, at: sampled}}},
		// Zeek's defaults (init-bare.zeek, module Weird): sampling_threshold
		// 25, sampling_rate 1000, sampling_duration 10min. Thirty
		// bad_UDP_checksum weirds (never ignored as repeats; logged every
		// time once ACTION_LOG) on one connection: 25 pass.
		{name: "sampling/default_threshold", cfg: func(c *node.Config) {
			c.Weird.Actions["bad_UDP_checksum"] = weird.ActionLog
		}, frames: repeat(30, func(int) frame { return badUDP(hostA, portA) }),
			want: []want{{name: "bad_UDP_checksum", kind: connWeird, source: "UDP", n: 25, at: seq(1, 25)}}},
		// sampling_duration 10min for flows: the FlowWeirdTimer started by
		// the pair's first weird (Reporter::PermitFlowWeird) clears the
		// counts ten minutes later.
		{name: "sampling/default_duration_flow", cfg: func(c *node.Config) {
			c.Weird.SamplingThreshold, c.Weird.SamplingRate = 2, 0
			c.Weird.Actions["bad_IP_checksum"] = weird.ActionLog
		}, frames: append(repeat(3, func(int) frame { return badIP() }), frame{data: badIP().data, gap: 10*zeek.Minute + zeek.Second}),
			want: []want{{name: "bad_IP_checksum", kind: flowWeird, source: "IP", n: 3, at: []int{1, 2, 4}}}},
		// sampling_duration 10min for connections: WeirdState's
		// PermitWeird restarts counting once network time passes the start
		// of sampling (the threshold+1-th weird) by the duration.
		{name: "sampling/default_duration_conn", cfg: func(c *node.Config) {
			c.Weird.SamplingThreshold, c.Weird.SamplingRate = 2, 0
			c.Weird.Actions["bad_UDP_checksum"] = weird.ActionLog
			c.Conn.UDPInactivityTimeout = 60 * zeek.Minute
		}, frames: append(repeat(3, func(int) frame { return badUDP(hostA, portA) }), frame{data: badUDP(hostA, portA).data, gap: 10*zeek.Minute + zeek.Second}),
			want: []want{{name: "bad_UDP_checksum", kind: connWeird, source: "UDP", n: 3, at: []int{1, 2, 4}}}},
		// sampling_duration 10min for net weirds: the NetWeirdTimer of the
		// name's first weird (Reporter::PermitNetWeird).
		{name: "sampling/default_duration_net", cfg: func(c *node.Config) {
			c.Weird.SamplingThreshold, c.Weird.SamplingRate = 2, 0
			c.Weird.DoNotIgnoreRepeats["truncated_IP"] = true
		}, frames: append(repeat(3, truncIP), frame{data: truncIP(0).data, gap: 10*zeek.Minute + zeek.Second}),
			want: []want{{name: "truncated_IP", kind: netWeird, source: "IP", n: 3, at: []int{1, 2, 4}}}},
		// ACTION_LOG_PER_ORIG: bad_UDP_checksum on two connections from one
		// originator is logged once, from another originator again.
		{name: "action/log_per_orig", frames: []frame{
			ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.UDP{SrcPort: portA, DstPort: portB, BadChecksum: true}, zeros(4))),
			ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.UDP{SrcPort: portA + 1, DstPort: portB, BadChecksum: true}, zeros(4))),
			ethIP(pktbuild.UDPPacket(pktbuild.IP{Src: hostC, Dst: hostB}, pktbuild.UDP{SrcPort: portA, DstPort: portB, BadChecksum: true}, zeros(4))),
		}, want: []want{{name: "bad_UDP_checksum", kind: connWeird, source: "UDP", n: 2, at: []int{1, 3}, origs: []netip.Addr{hostA, hostC}}}},
		// ACTION_LOG: the same weird on two connections (two
		// identifiers) is logged twice.
		{name: "action/log_per_identifier", frames: []frame{
			ethIP(pktbuild.TCPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.TCP{SrcPort: portA, DstPort: portB, Flags: pktbuild.SYN | pktbuild.URG, Seq: 1}, nil)),
			ethIP(pktbuild.TCPPacket(pktbuild.IP{Src: hostA, Dst: hostB}, pktbuild.TCP{SrcPort: portA + 1, DstPort: portB, Flags: pktbuild.SYN | pktbuild.URG, Seq: 1}, nil)),
		}, want: []want{{name: "baroque_SYN", kind: connWeird, source: "TCP", n: 2, at: []int{1, 2}}}},
	}
}
